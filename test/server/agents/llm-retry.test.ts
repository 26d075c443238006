import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { APICallError } from '@ai-sdk/provider';
import { retryAfterMs, retryOnRateLimit, RateLimitedError } from '../../../server/agents/llm-retry.js';

const NOW = Date.parse('2030-01-01T00:00:00Z');

// ---

const After = suite('retryAfterMs');

After('Retry-After in seconds, as an HTTP date, and retry-after-ms first', () => {
  assert.is(retryAfterMs({ 'retry-after': '2' }, NOW), 2000);
  assert.is(retryAfterMs({ 'Retry-After': '0.5' }, NOW), 500);
  assert.is(retryAfterMs({ 'retry-after': 'Tue, 01 Jan 2030 00:00:03 GMT' }, NOW), 3000);
  assert.is(retryAfterMs({ 'retry-after': 'Tue, 31 Dec 2029 23:59:00 GMT' }, NOW), 0, 'a date in the past: now');
  assert.is(retryAfterMs({ 'retry-after-ms': '250', 'retry-after': '9' }, NOW), 250);
});

After('absent or unreadable :: null', () => {
  assert.is(retryAfterMs(undefined, NOW), null);
  assert.is(retryAfterMs({}, NOW), null);
  assert.is(retryAfterMs({ 'retry-after': 'soon' }, NOW), null);
});

After.run();

// ---

const Retry = suite('retryOnRateLimit');

const rateLimited = (headers: Record<string, string>) =>
  new APICallError({ message: 'slow down', url: 'http://x/v1', requestBodyValues: {}, statusCode: 429, responseHeaders: headers, isRetryable: true });

function run(errors: unknown[], opts: { deadlineIn?: number } = {}) {
  const waits: number[] = [];
  let calls = 0;
  const mw = retryOnRateLimit({ deadline: NOW + (opts.deadlineIn ?? 60_000), now: () => NOW, sleep: async (ms) => void waits.push(ms) });
  const doGenerate = async () => {
    calls++;
    const e = errors.shift();
    if (e) throw e;
    return { content: [], finishReason: { unified: 'stop' as const, raw: 'stop' }, usage: { inputTokens: { total: 1, noCache: 1, cacheRead: 0, cacheWrite: 0 }, outputTokens: { total: 1, text: 1, reasoning: 0 } }, warnings: [] };
  };
  const p = mw.wrapGenerate!({ doGenerate, doStream: () => Promise.reject(new Error('no')), params: { prompt: [] }, model: {} as never });
  return { p: Promise.resolve(p), waits, calls: () => calls };
}

Retry('a 429 :: waits as asked, calls once more', async () => {
  const r = run([rateLimited({ 'retry-after': '3' })]);
  await r.p;
  assert.equal(r.waits, [3000]);
  assert.is(r.calls(), 2);
});

Retry('a 429 without a wait :: one second', async () => {
  const r = run([rateLimited({})]);
  await r.p;
  assert.equal(r.waits, [1000]);
});

Retry('two 429s :: exactly one retry, then the error', async () => {
  const second = rateLimited({ 'retry-after': '1' });
  const r = run([rateLimited({ 'retry-after': '1' }), second]);
  assert.is(await r.p.then(() => null, (e: unknown) => e), second);
  assert.is(r.calls(), 2);
});

Retry('a wait past the deadline :: RateLimitedError at once', async () => {
  const r = run([rateLimited({ 'retry-after': '30' })], { deadlineIn: 10_000 });
  const e = await r.p.then(() => null, (x: unknown) => x);
  assert.instance(e, RateLimitedError);
  assert.equal(r.waits, []);
  assert.is(r.calls(), 1);
});

Retry('other errors :: not retried', async () => {
  const boom = new APICallError({ message: 'boom', url: 'http://x/v1', requestBodyValues: {}, statusCode: 500, isRetryable: true });
  const r = run([boom]);
  assert.is(await r.p.then(() => null, (e: unknown) => e), boom);
  assert.is(r.calls(), 1);
});

Retry.run();
