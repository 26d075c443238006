// A local stand-in for an OpenAI-compatible endpoint on 127.0.0.1: POST /v1/chat/completions with
// the real request and response shapes (non-streaming; the runtime does not stream), tool calls
// included, plus an echo of Anthropic's POST /v1/messages. Replies come from a queue, then from a
// default that behaves like a small model: it calls the first offered tool once, then answers with
// the tool's result; without tools it echoes.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string | null;
  tool_calls?: Array<{ id: string; type: 'function'; function: { name: string; arguments: string } }>;
  tool_call_id?: string;
}

export interface ChatBody {
  model: string;
  messages: ChatMessage[];
  tools?: Array<{ type: 'function'; function: { name: string; description?: string; parameters?: unknown } }>;
  tool_choice?: unknown;
  temperature?: number;
  max_tokens?: number;
  stream?: boolean;
}

export interface StandinRequest {
  path: string;
  body: ChatBody;
  headers: http.IncomingHttpHeaders;
  at: number;
}

export interface StandinReply {
  status?: number;
  headers?: Record<string, string>;
  body: unknown;
  delayMs?: number;
}

export type StandinHandler = (req: StandinRequest) => StandinReply | Promise<StandinReply>;

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
}

export const DEFAULT_USAGE: Usage = { prompt_tokens: 12, completion_tokens: 5 };

let ids = 0;

function completion(model: string, message: Omit<ChatMessage, 'role'>, finish: 'stop' | 'tool_calls', usage: Usage): unknown {
  return {
    id: `chatcmpl-standin-${++ids}`,
    object: 'chat.completion',
    created: 1_700_000_000,
    model,
    choices: [{ index: 0, message: { role: 'assistant', ...message }, finish_reason: finish }],
    usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens },
  };
}

/** A final answer. */
export function textReply(content: string, usage: Usage = DEFAULT_USAGE, model = 'standin-model'): StandinReply {
  return { body: completion(model, { content }, 'stop', usage) };
}

/** The model asks for tool calls. */
export function toolCallReply(calls: Array<{ name: string; args: unknown; id?: string }>, usage: Usage = DEFAULT_USAGE, model = 'standin-model'): StandinReply {
  return {
    body: completion(model, {
      content: null,
      tool_calls: calls.map((c, i) => ({ id: c.id ?? `call_${i + 1}`, type: 'function', function: { name: c.name, arguments: JSON.stringify(c.args) } })),
    }, 'tool_calls', usage),
  };
}

/** An OpenAI-style error answer. */
export function errorReply(status: number, message: string, headers: Record<string, string> = {}): StandinReply {
  return { status, headers, body: { error: { message, type: status === 429 ? 'rate_limit_exceeded' : 'server_error', code: null } } };
}

const lastUser = (b: ChatBody) => [...b.messages].reverse().find((m) => m.role === 'user')?.content ?? '';

/** Calls the first offered tool once with {text: <user message>}, then answers with its result. */
export const modelLike: StandinHandler = ({ body }) => {
  const last = body.messages.at(-1);
  if (last?.role === 'tool') {
    const call = body.messages.flatMap((m) => m.tool_calls ?? []).find((c) => c.id === last.tool_call_id);
    return textReply(`${call?.function.name ?? 'the tool'} said: ${last.content}`, DEFAULT_USAGE, body.model);
  }
  const tool = body.tools?.[0];
  if (tool && body.tool_choice !== 'none') return toolCallReply([{ name: tool.function.name, args: { text: lastUser(body) } }], DEFAULT_USAGE, body.model);
  return textReply(`echo: ${lastUser(body)}`, DEFAULT_USAGE, body.model);
};

interface AnthropicBody {
  model: string;
  messages: Array<{ role: string; content: string | Array<{ type: string; text?: string }> }>;
}

/** Anthropic's Messages API (POST /v1/messages), enough to check the provider's wiring: an echo. */
function anthropicEcho(body: AnthropicBody): StandinReply {
  const last = body.messages.at(-1)?.content;
  const text = typeof last === 'string' ? last : (last ?? []).map((p) => p.text ?? '').join('');
  return {
    body: {
      id: `msg_standin_${++ids}`, type: 'message', role: 'assistant', model: body.model,
      content: [{ type: 'text', text: `echo: ${text}` }], stop_reason: 'end_turn', stop_sequence: null,
      usage: { input_tokens: DEFAULT_USAGE.prompt_tokens, output_tokens: DEFAULT_USAGE.completion_tokens },
    },
  };
}

export interface LlmStandin {
  /** the base_url to configure: http://127.0.0.1:PORT/v1 */
  url: string;
  requests: StandinRequest[];
  /** replies for the next requests, in order; after them the fallback answers */
  queue(...replies: Array<StandinReply | StandinHandler>): void;
  fallback: StandinHandler;
  close(): Promise<void>;
}

function send(res: http.ServerResponse, r: StandinReply): void {
  res.writeHead(r.status ?? 200, { 'content-type': 'application/json', ...r.headers });
  res.end(JSON.stringify(r.body));
}

export async function startLlmStandin(fallback: StandinHandler = modelLike): Promise<LlmStandin> {
  const pending: Array<StandinReply | StandinHandler> = [];
  const state: LlmStandin = {
    url: '',
    requests: [],
    queue: (...r) => void pending.push(...r),
    fallback,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c));
    req.on('end', () => {
      void (async () => {
        const anthropic = req.method === 'POST' && req.url === '/v1/messages';
        if (!anthropic && (req.method !== 'POST' || req.url !== '/v1/chat/completions')) return send(res, errorReply(404, `no route ${req.method} ${req.url}`));
        let body: ChatBody;
        try {
          body = JSON.parse(raw) as ChatBody;
        } catch {
          return send(res, errorReply(400, 'body is not JSON'));
        }
        if (anthropic) {
          state.requests.push({ path: req.url!, body, headers: req.headers, at: Date.now() });
          return send(res, anthropicEcho(body as unknown as AnthropicBody));
        }
        if (typeof body.model !== 'string' || !Array.isArray(body.messages)) return send(res, errorReply(400, 'model and messages are required'));
        if (body.stream) return send(res, errorReply(400, 'the stand-in does not stream'));
        const r: StandinRequest = { path: req.url!, body, headers: req.headers, at: Date.now() };
        state.requests.push(r);
        const next = pending.shift() ?? state.fallback;
        const reply = typeof next === 'function' ? await next(r) : next;
        if (reply.delayMs) await new Promise((ok) => setTimeout(ok, reply.delayMs));
        if (!res.destroyed) send(res, reply);
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  return state;
}
