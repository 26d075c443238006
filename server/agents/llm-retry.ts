// Exactly one retry of a model call that was rate limited (HTTP 429), after the wait the endpoint
// asks for. The AI SDK's own retries are off (maxRetries: 0): they also retry 5xx and refused
// connections, and when Retry-After is 60 s or more they retry after their 2 s backoff anyway.
import { APICallError, type LanguageModelV3Middleware } from '@ai-sdk/provider';

/** What a 429 could not be retried within: the wait it asked for exceeds the time left. */
export class RateLimitedError extends Error {
  constructor(readonly waitMs: number, readonly leftMs: number, override readonly cause: unknown) {
    super(`rate limited (HTTP 429); the endpoint asks to wait ${Math.ceil(waitMs / 1000)} s, more than the ${Math.max(0, Math.floor(leftMs / 1000))} s left`);
  }
}

/**
 * The wait a response asks for, in ms: `retry-after-ms` (OpenAI's), then `Retry-After` in
 * seconds or as an HTTP date. Null when absent or unreadable.
 */
export function retryAfterMs(headers: Record<string, string | undefined> | undefined, now: number): number | null {
  if (!headers) return null;
  const get = (name: string) => Object.entries(headers).find(([k]) => k.toLowerCase() === name)?.[1];
  const ms = Number.parseFloat(get('retry-after-ms') ?? '');
  if (Number.isFinite(ms) && ms >= 0) return ms;
  const raw = get('retry-after')?.trim();
  if (!raw) return null;
  if (/^\d+(\.\d+)?$/.test(raw)) return Number.parseFloat(raw) * 1000;
  const at = Date.parse(raw);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

export interface RetryOptions {
  /** epoch ms after which the call is given up anyway (the agent's timeout) */
  deadline: number;
  /** wait when a 429 names none */
  defaultWaitMs?: number;
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const done = () => {
      signal?.removeEventListener('abort', abort);
      resolve();
    };
    const t = setTimeout(done, ms);
    const abort = () => {
      clearTimeout(t);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', abort, { once: true });
  });
}

/** Middleware: on a 429, wait as asked (if that fits before the deadline) and call once more. */
export function retryOnRateLimit(opts: RetryOptions): LanguageModelV3Middleware {
  const now = opts.now ?? Date.now;
  const wait = opts.sleep ?? sleep;
  return {
    specificationVersion: 'v3',
    async wrapGenerate({ doGenerate, params }) {
      try {
        return await doGenerate();
      } catch (err) {
        if (!APICallError.isInstance(err) || err.statusCode !== 429) throw err;
        const ms = retryAfterMs(err.responseHeaders, now()) ?? opts.defaultWaitMs ?? 1000;
        const left = opts.deadline - now();
        if (ms >= left) throw new RateLimitedError(ms, left, err);
        await wait(ms, params.abortSignal);
        return doGenerate();
      }
    },
  };
}
