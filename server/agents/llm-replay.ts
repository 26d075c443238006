// Record and replay of model exchanges, so an LLM agent can be tested in CI without a network.
// A recording is a JSON file in the agent's folder (committed with it): each exchange is one model
// call's request (the prompt messages and the names of the offered tools) and its response. Replay
// answers a request with the response recorded for an identical request, so the tool loop, the
// tools themselves and the usage accounting run for real while the model is played back.
import fs from 'node:fs';
import path from 'node:path';
import type {
  LanguageModelV3,
  LanguageModelV3CallOptions,
  LanguageModelV3GenerateResult,
  LanguageModelV3Middleware,
} from '@ai-sdk/provider';
import { writeFileAtomic } from '../deploy/state-store.js';

export const CASSETTE_VERSION = 1;

export interface Exchange {
  request: { prompt: unknown[]; tools: string[] };
  response: Pick<LanguageModelV3GenerateResult, 'content' | 'finishReason' | 'usage'>;
}

export interface Cassette {
  version: number;
  generatedBy: string;
  model: string;
  exchanges: Exchange[];
}

/** No recorded exchange matches a request. */
export class ReplayMissError extends Error {
  constructor(readonly lastMessage: string, readonly differs: string | null = null) {
    super(`no recorded exchange matches this request (last message: ${lastMessage})${differs ? `; ${differs}` : ''}`);
  }
}

/** A JSON.stringify replacer: an object's keys in a stable order, undefined dropped. */
const sorted = (_k: string, x: unknown): unknown =>
  x && typeof x === 'object' && !Array.isArray(x)
    ? Object.fromEntries(Object.entries(x as Record<string, unknown>).filter(([, y]) => y !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
    : x;

/** Keys in a stable order, undefined dropped: two equal requests give the same text. */
function canonical(v: unknown): string {
  return JSON.stringify(v, sorted);
}

/**
 * The request as a key: canonical, with each tool call's id (the endpoint makes a new one on every
 * call) replaced by its order in the prompt (call_1, call_2, …). Recording the same conversation again
 * then replaces its exchanges after a tool call too, rather than adding new ones beside them.
 */
function requestKey(request: Exchange['request']): string {
  return keyOf(request, new Map());
}

/** Canonical JSON with tool-call ids numbered in order of appearance (ids shared across calls). */
function keyOf(value: unknown, ids: Map<string, string>): string {
  return JSON.stringify(value, (k, x: unknown) => {
    if (k !== 'toolCallId' || typeof x !== 'string') return sorted(k, x);
    if (!ids.has(x)) ids.set(x, `call_${ids.size + 1}`);
    return ids.get(x);
  });
}

/** The request's messages, each as its canonical key (tool-call ids numbered as requestKey does). */
function messageKeys(request: Exchange['request']): string[] {
  const ids = new Map<string, string>();
  return request.prompt.map((m) => keyOf(m, ids));
}

/** `a` and `b` around their first difference, each at most ~100 characters. */
function around(a: string, b: string): [string, string] {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  const cut = (t: string) => `${i > 40 ? '…' : ''}${t.slice(Math.max(0, i - 40), i + 60)}${t.length > i + 60 ? '…' : ''}`;
  return [cut(a), cut(b)];
}

function roleOf(key: string | undefined): string {
  try {
    return String((JSON.parse(key ?? '{}') as { role?: unknown }).role ?? '?');
  } catch {
    return '?';
  }
}

/**
 * What separates a request from the closest recorded one (the one sharing the longest run of leading
 * messages, and the offered tools): the first message that differs, quoted both ways, or the tools.
 */
export function describeMiss(request: Exchange['request'], recorded: readonly Exchange['request'][]): string {
  if (!recorded.length) return 'the recording has no exchanges';
  const now = messageKeys(request);
  const tools = JSON.stringify(request.tools);
  // closest: the most leading messages alike, then the same tools
  let best: { keys: string[]; tools: string[]; same: number; score: number } | null = null;
  for (const r of recorded) {
    const keys = messageKeys(r);
    let same = 0;
    while (same < keys.length && same < now.length && keys[same] === now[same]) same++;
    const score = same * 2 + (JSON.stringify(r.tools) === tools ? 1 : 0);
    if (!best || score > best.score) best = { keys, tools: r.tools, same, score };
  }
  const b = best!;
  if (b.same === now.length && b.same === b.keys.length) {
    return `the closest recorded exchange offered the tools [${b.tools.join(', ')}], this request offers [${request.tools.join(', ')}]`;
  }
  const i = b.same;
  if (i >= b.keys.length) return `the closest recorded exchange ends after message ${i} (${roleOf(b.keys[i - 1])}); this request goes on with message ${i + 1} (${roleOf(now[i])})`;
  if (i >= now.length) return `the closest recorded exchange has more messages: message ${i + 1} (${roleOf(b.keys[i])}) was recorded, this request ends before it`;
  const [was, is] = around(b.keys[i]!, now[i]!);
  return `message ${i + 1} (${roleOf(now[i])}) differs from the closest recorded exchange: recorded ${was} — now ${is}`;
}

/** What identifies a model call: the whole prompt and the offered tools (not settings like toolChoice). */
export function exchangeRequest(params: LanguageModelV3CallOptions): Exchange['request'] {
  return {
    prompt: JSON.parse(canonical(params.prompt)) as unknown[],
    tools: (params.tools ?? []).map((t) => t.name).sort(),
  };
}

/** The recording in `text`, or why it is not one (naming `file`). */
function readCassette(text: string, file: string): { cassette: Cassette } | { problem: string } {
  let data: Partial<Cassette>;
  try {
    data = JSON.parse(text) as Partial<Cassette>;
  } catch (err) {
    return { problem: `${file} is not JSON: ${(err as Error).message}` };
  }
  if (!isObject(data) || data.version !== CASSETTE_VERSION || !Array.isArray(data.exchanges)) {
    return { problem: `${file} is not a Caxton LLM recording (version ${CASSETTE_VERSION} with "exchanges")` };
  }
  for (const [i, e] of data.exchanges.entries()) {
    const why = exchangeProblem(e);
    if (why) return { problem: `${file}: exchange ${i + 1} of ${data.exchanges.length} is not a recorded exchange (${why})` };
  }
  return { cassette: data as Cassette };
}

/** Why `text` is not a recording replay can use, naming `file`; null when it is one. For validation. */
export function cassetteProblem(text: string, file: string): string | null {
  const r = readCassette(text, file);
  return 'problem' in r ? r.problem : null;
}

/** Parses a recording; throws an Error naming the file when it is not one. */
export function parseCassette(text: string, file: string): Cassette {
  const r = readCassette(text, file);
  if ('problem' in r) throw new Error(`${r.problem}; record it again (docs/llm.md)`);
  return r.cassette;
}

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

/** Why a value is not an Exchange replay can use, or null. */
function exchangeProblem(e: unknown): string | null {
  if (!isObject(e)) return 'not an object';
  const { request, response } = e;
  if (!isObject(request) || !Array.isArray(request.prompt)) return 'request.prompt is not a list';
  if (!Array.isArray(request.tools) || !request.tools.every((t) => typeof t === 'string')) return 'request.tools is not a list of names';
  if (!isObject(response) || !Array.isArray(response.content)) return 'response.content is not a list';
  if (!response.content.every((c) => isObject(c) && typeof c.type === 'string')) return 'response.content has a part without a type';
  if (!isObject(response.finishReason) && typeof response.finishReason !== 'string') return 'response.finishReason is missing';
  if (!isObject(response.usage) || !isObject(response.usage.inputTokens) || !isObject(response.usage.outputTokens)) return 'response.usage is missing its inputTokens or outputTokens';
  return null;
}

function lastMessageText(prompt: LanguageModelV3CallOptions['prompt']): string {
  const last = prompt.at(-1);
  if (!last) return '(none)';
  const text = typeof last.content === 'string' ? last.content : JSON.stringify(last.content);
  return `${last.role}: ${text.length > 160 ? `${text.slice(0, 160)}…` : text}`;
}

/** A model that answers from a recording, never from the network. */
export function replayModel(args: { cassette: Cassette; modelId: string }): LanguageModelV3 {
  const byRequest = new Map(args.cassette.exchanges.map((e) => [requestKey(e.request), e.response]));
  const recorded = args.cassette.exchanges.map((e) => e.request);
  return {
    specificationVersion: 'v3',
    provider: 'caxton.replay',
    modelId: args.modelId,
    supportedUrls: {},
    async doGenerate(options) {
      const request = exchangeRequest(options);
      const response = byRequest.get(requestKey(request));
      if (!response) throw new ReplayMissError(lastMessageText(options.prompt), describeMiss(request, recorded));
      return { ...structuredClone(response), warnings: [] };
    },
    async doStream() {
      throw new Error('the replay provider does not stream');
    },
  };
}

const writes = new Map<string, Promise<void>>();

/** Adds (or replaces) one exchange in a recording file; writes to one file run one at a time. */
export function recordExchange(file: string, modelId: string, exchange: Exchange): Promise<void> {
  const run = async () => {
    let cassette: Cassette = {
      version: CASSETTE_VERSION,
      generatedBy: 'caxton (CAXTON_LLM_RECORD); replayed by [llm] provider = "replay" (docs/llm.md)',
      model: modelId,
      exchanges: [],
    };
    if (fs.existsSync(file)) cassette = parseCassette(fs.readFileSync(file, 'utf8'), file);
    const key = requestKey(exchange.request);
    cassette.exchanges = [...cassette.exchanges.filter((e) => requestKey(e.request) !== key), exchange];
    fs.mkdirSync(path.dirname(file), { recursive: true });
    writeFileAtomic(file, `${JSON.stringify(cassette, null, 2)}\n`);
  };
  const next = (writes.get(file) ?? Promise.resolve()).then(run, run);
  writes.set(file, next.catch(() => undefined));
  return next;
}

/** Middleware: every successful model call is added to the recording `file`. */
export function recordingMiddleware(args: { file: string; modelId: string; onError?: (err: unknown) => void }): LanguageModelV3Middleware {
  return {
    specificationVersion: 'v3',
    async wrapGenerate({ doGenerate, params }) {
      const result = await doGenerate();
      const { content, finishReason, usage } = result;
      // A recording that cannot be written must not fail the answer the model already gave.
      await recordExchange(args.file, args.modelId, {
        request: exchangeRequest(params),
        response: JSON.parse(JSON.stringify({ content, finishReason, usage })) as Exchange['response'],
      }).catch((err: unknown) => args.onError?.(err));
      return result;
    },
  };
}
