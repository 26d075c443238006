// Retries of calls to the Caxton server: a connection failure (the server restarting), a proxy's
// 502/503/504 (its upstream restarting) and a busy server (a webhook deployment running) are tried
// again with growing waits; anything else fails at once.
import { GATEWAY, toCaxtonError, type CaxtonError } from '../../server/errors.js';

const RETRIABLE = new Set(['CAX_SERVER_UNREACHABLE', 'CAX_DEPLOY_BUSY']);

/** Worth another try: no connection, a busy server, or a proxy whose upstream is down or restarting. */
const retriable = (e: CaxtonError) => RETRIABLE.has(e.code) || (e.code === 'CAX_UNEXPECTED_RESPONSE' && GATEWAY.has(Number(e.details.httpStatus)));

export interface RetryOptions {
  retries: number;
  /** the first wait; it doubles each time */
  baseMs: number;
  onRetry?: (info: { attempt: number; code: string; waitMs: number; message: string }) => void;
  sleep?: (ms: number) => Promise<void>;
}

export async function withRetry<T>(fn: () => Promise<T>, opts: RetryOptions): Promise<T> {
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      const e = toCaxtonError(err);
      if (!retriable(e) || attempt > opts.retries) throw err;
      const waitMs = opts.baseMs * 2 ** (attempt - 1);
      opts.onRetry?.({ attempt, code: e.code, waitMs, message: e.message });
      await sleep(waitMs);
    }
  }
}
