// The one provider interface the LLM runtime talks to, and its implementation over the Vercel AI
// SDK (ai 6): OpenAI-compatible endpoints (OpenAI, Ollama, vLLM, llama.cpp, LiteLLM), Anthropic,
// and the replay of a recording. The SDK runs the tool loop; this file adds the key check at call
// time, the time-out, one retry on 429, recording, and errors from the catalogue.
import { dynamicTool, generateText, jsonSchema, stepCountIs, ToolChoiceViolationError, wrapLanguageModel, type ToolSet } from 'ai';
import { AISDKError, APICallError, type JSONSchema7, type LanguageModelV3, type LanguageModelV3Middleware } from '@ai-sdk/provider';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { createAnthropic } from '@ai-sdk/anthropic';
import { CaxtonError } from '../errors.js';
import type { TokenUsage } from './runtime.js';
import type { LlmSettings } from './llm-config.js';
import { RateLimitedError, retryAfterMs, retryOnRateLimit } from './llm-retry.js';
import { recordingMiddleware, replayModel, ReplayMissError, type Cassette } from './llm-replay.js';

/** A function the model may call; `execute` runs it (for agents: through req.callTool). */
export interface LlmTool {
  name: string;
  description: string;
  inputSchema: Record<string, unknown>;
  execute(input: unknown): Promise<unknown>;
}

export interface LlmCall {
  system?: string;
  prompt: string;
  tools: readonly LlmTool[];
  signal: AbortSignal;
  /** epoch ms by which the dispatcher wants the answer: a 429's wait must fit before it too */
  deadline?: number;
}

export interface LlmResult {
  text: string;
  usage: TokenUsage;
  /** model calls made */
  turns: number;
  /** tool calls the model asked for that were refused before they ran, with why (the model was told) */
  rejected: Array<{ name: string; reason: string }>;
}

export interface LlmProvider {
  readonly settings: LlmSettings;
  /** Runs the model, calling tools as it asks, until a final answer or the turn limit. */
  complete(call: LlmCall): Promise<LlmResult>;
}

export interface SdkProviderOptions {
  agent: string;
  settings: LlmSettings;
  /** read at call time, so the key is looked up for every call and never kept */
  env?: () => Record<string, string | undefined>;
  /** the recording played back, for provider "replay" */
  cassette?: Cassette;
  /** where to record exchanges (CAXTON_LLM_RECORD), or null */
  recordFile?: string | null;
  onRecordError?: (err: unknown) => void;
  now?: () => number;
}

/** The SDK model for the settings, with the key (or none). */
function baseModel(s: LlmSettings, apiKey: string | undefined, cassette: Cassette | undefined): LanguageModelV3 {
  switch (s.provider) {
    case 'replay':
      if (!cassette) throw new Error('provider "replay" needs a recording');
      return replayModel({ cassette, modelId: s.model });
    case 'anthropic':
      // An empty key would make the SDK read ANTHROPIC_API_KEY itself; the check above already ran.
      return createAnthropic({ baseURL: s.baseUrl!, apiKey: apiKey ?? '' })(s.model);
    default:
      return createOpenAICompatible({ name: s.provider, baseURL: s.baseUrl!, ...(apiKey ? { apiKey } : {}) }).chatModel(s.model);
  }
}

/** Middleware: adds up the tokens and the calls of every model call, the one a failure ends on included. */
function usageMeter(spent: Required<TokenUsage>): LanguageModelV3Middleware {
  return {
    specificationVersion: 'v3',
    async wrapGenerate({ doGenerate }) {
      const r = await doGenerate();
      spent.promptTokens += r.usage.inputTokens.total ?? 0;
      spent.completionTokens += r.usage.outputTokens.total ?? 0;
      spent.modelCalls++;
      return r;
    },
  };
}

/** The error with the tokens spent before it (the dispatcher records them), unless it carries its own. */
function withUsage(err: unknown, spent: TokenUsage): unknown {
  if (!(err instanceof CaxtonError) || err.details.usage !== undefined || spent.promptTokens + spent.completionTokens === 0) return err;
  return new CaxtonError(err.code, err.data, { cause: err.cause, details: { ...err.details, usage: { ...spent } } });
}

function toolSet(tools: readonly LlmTool[]): ToolSet {
  return Object.fromEntries(
    tools.map((t) => [
      t.name,
      dynamicTool({ description: t.description, inputSchema: jsonSchema(t.inputSchema as JSONSchema7), execute: (input) => t.execute(input) }),
    ]),
  );
}

export function sdkProvider(o: SdkProviderOptions): LlmProvider {
  const s = o.settings;
  const env = o.env ?? (() => process.env);
  const now = o.now ?? Date.now;
  return {
    settings: s,
    async complete(call) {
      const apiKey = s.apiKeyEnv ? env()[s.apiKeyEnv] : undefined;
      if (s.apiKeyEnv && !apiKey) throw new CaxtonError('CAX_LLM_KEY_MISSING', { agent: o.agent, env: s.apiKeyEnv });
      const timeout = AbortSignal.timeout(s.timeoutMs);
      const signal = AbortSignal.any([call.signal, timeout]);
      const spent: Required<TokenUsage> = { provider: s.provider, model: s.model, promptTokens: 0, completionTokens: 0, modelCalls: 0 };
      const deadline = Math.min(now() + s.timeoutMs, call.deadline ?? Infinity);
      const middleware: LanguageModelV3Middleware[] = [retryOnRateLimit({ deadline, now }), usageMeter(spent)];
      if (o.recordFile) middleware.push(recordingMiddleware({ file: o.recordFile, modelId: s.model, ...(o.onRecordError ? { onError: o.onRecordError } : {}) }));
      const model = wrapLanguageModel({ model: baseModel(s, apiKey, o.cassette), middleware });
      const tools = toolSet(call.tools);
      try {
        const r = await generateText({
          model,
          ...(call.system ? { system: call.system } : {}),
          prompt: call.prompt,
          ...(call.tools.length ? { tools } : {}),
          stopWhen: stepCountIs(s.maxTurns),
          // The last allowed turn must answer in words: tools are offered but not to be called.
          prepareStep: ({ stepNumber }) => (call.tools.length && stepNumber >= s.maxTurns - 1 ? { toolChoice: 'none' } : undefined),
          maxRetries: 0,
          abortSignal: signal,
          ...(s.temperature !== undefined ? { temperature: s.temperature } : {}),
          ...(s.maxTokens !== undefined ? { maxOutputTokens: s.maxTokens } : {}),
        });
        const usage: TokenUsage = { provider: s.provider, model: s.model, promptTokens: r.totalUsage.inputTokens ?? 0, completionTokens: r.totalUsage.outputTokens ?? 0, modelCalls: r.steps.length };
        if (r.finishReason === 'tool-calls') {
          throw new CaxtonError('CAX_LLM_TURN_LIMIT', { agent: o.agent, turns: r.steps.length, model: s.model }, { details: { usage } });
        }
        // a call of a tool not offered, or with arguments that do not parse or fit: the SDK answers the model with the error
        const rejected = r.steps.flatMap((step) => step.toolCalls.filter((c) => c.dynamic && c.invalid).map((c) => ({ name: c.toolName, reason: errorText(c.error) })));
        return { text: r.text, usage, turns: r.steps.length, rejected };
      } catch (err) {
        throw withUsage(llmError(err, { agent: o.agent, settings: s, apiKey, timedOut: timeout.aborted && !call.signal.aborted, cancelled: call.signal.aborted }), spent);
      }
    },
  };
}

const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e ?? 'invalid tool call'));

/** An SDK failure as a catalogue error that names the endpoint and model, and never the key. */
export function llmError(
  err: unknown,
  ctx: { agent: string; settings: LlmSettings; apiKey: string | undefined; timedOut: boolean; cancelled: boolean },
): unknown {
  if (err instanceof CaxtonError || ctx.cancelled) return err; // a cancelled call: the dispatcher already answered
  const s = ctx.settings;
  const url = s.baseUrl ?? `replay of agents/${ctx.agent}/${s.replayFile}`;
  if (err instanceof ReplayMissError) {
    return new CaxtonError('CAX_LLM_REPLAY_MISS', { agent: ctx.agent, file: `agents/${ctx.agent}/${s.replayFile}`, detail: err.lastMessage, ...(err.differs ? { differs: err.differs } : {}) }, { cause: err });
  }
  if (ToolChoiceViolationError.isInstance(err)) {
    // ai 6 refuses a tool call on the last turn, where the tool choice is "none".
    return new CaxtonError('CAX_LLM_TURN_LIMIT', { agent: ctx.agent, turns: s.maxTurns, model: s.model }, { cause: err });
  }
  let detail: string;
  let hint: string | undefined;
  let refused: number | undefined;
  /** a rate limit that outlasted its one retry: the wait the endpoint asked for, when it named one */
  let limited: { waitMs: number | null } | undefined;
  if (ctx.timedOut) {
    detail = `no answer within ${s.timeoutMs} ms`;
    hint = `A slow model needs more than [llm] timeout_ms (${s.timeoutMs} ms): raise it, and [routing] agent_timeout_ms in caxton.toml, which bounds it too; or check that ${url} is up.`;
  } else if (err instanceof RateLimitedError) {
    detail = err.message;
    limited = { waitMs: err.waitMs };
  } else if (APICallError.isInstance(err)) {
    if (err.statusCode === undefined) {
      const cause = err.cause as { code?: string; cause?: { code?: string }; message?: string } | undefined;
      detail = `cannot connect (${cause?.cause?.code ?? cause?.code ?? cause?.message ?? 'network error'})`;
    } else {
      const again = err.statusCode === 429 ? ' again after one retry' : '';
      detail = `HTTP ${err.statusCode}${again}: ${err.message}`;
      if (err.statusCode === 429) limited = { waitMs: retryAfterMs(err.responseHeaders, Date.now()) };
      if (err.statusCode === 401 || err.statusCode === 403) {
        hint = s.apiKeyEnv
          ? `The endpoint refused the key in $${s.apiKeyEnv}: check that it is a valid key for ${url} (it is read on every call).`
          : `The endpoint wants a key: set [llm] api_key_env to the variable that holds it.`;
      } else if (err.statusCode === 404) hint = `Check the model name "${s.model}" and base_url ${url}: the endpoint has no such model or path.`;
      // the endpoint refused the request as sent: sending it again, here or after a backoff, cannot help
      if (err.statusCode >= 400 && err.statusCode < 500 && ![408, 409, 425, 429].includes(err.statusCode)) refused = err.statusCode;
    }
  } else if (AISDKError.isInstance(err)) detail = err.message;
  else return err;
  const text = `${url} (model "${s.model}"): ${detail}`;
  const safe = ctx.apiKey && ctx.apiKey.length >= 4 ? text.split(ctx.apiKey).join('[redacted]') : text;
  const data = { agent: ctx.agent, url, model: s.model, detail: safe.slice(0, 1000), ...(hint ? { hint } : {}) };
  if (refused !== undefined) return new CaxtonError('CAX_LLM_REFUSED', { ...data, status: refused });
  if (limited) return new CaxtonError('CAX_LLM_RATE_LIMITED', { ...data, ...(limited.waitMs === null ? {} : { waitMs: Math.round(limited.waitMs) }) });
  return new CaxtonError('CAX_LLM_UNAVAILABLE', data);
}
