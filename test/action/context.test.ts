import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { decide, readContext, type Inputs } from '../../action/src/context.js';
import { withRetry } from '../../action/src/retry.js';
import { CaxtonError } from '../../server/errors.js';
import { rm, tmpDir } from '../util/tmp.js';

const SHA = 'a'.repeat(40);
const HEAD = 'b'.repeat(40);
const inputs = (over: Partial<Inputs> = {}): Inputs => ({ serverUrl: 'x', token: 't', ref: '', dryRun: false, partial: false, githubToken: '', environment: 'caxton', retries: 3, failOnInvalid: true, ...over });

function withEvent<T>(name: string, payload: unknown, fn: (env: NodeJS.ProcessEnv) => T): T {
  const dir = tmpDir('caxton-ctx-');
  try {
    const file = path.join(dir, 'event.json');
    fs.writeFileSync(file, JSON.stringify(payload));
    return fn({ GITHUB_EVENT_NAME: name, GITHUB_EVENT_PATH: file, GITHUB_SHA: SHA, GITHUB_REPOSITORY: 'o/r', GITHUB_RUN_ID: '9' });
  } finally {
    rm(dir);
  }
}

// ---

const Decide = suite('decide');

Decide('a push deploys GITHUB_SHA, or the ref input', () => {
  withEvent('push', {}, (env) => {
    const ctx = readContext(env);
    assert.equal(decide(inputs(), ctx), { ref: SHA, preview: false, what: 'commit aaaaaaa' });
    assert.is(decide(inputs({ ref: 'v1.2' }), ctx).ref, 'v1.2');
    assert.is(decide(inputs({ dryRun: true }), ctx).preview, true);
  });
});

Decide('a pull_request (or pull_request_target) previews the head SHA from the event payload', () => {
  for (const name of ['pull_request', 'pull_request_target']) {
    withEvent(name, { pull_request: { number: 12, head: { sha: HEAD, ref: 'feat' } } }, (env) => {
      const ctx = readContext(env);
      assert.equal(ctx.pullRequest, { number: 12, headSha: HEAD, headRef: 'feat' });
      assert.equal(decide(inputs(), ctx), { ref: HEAD, preview: true, what: 'pull request #12 (bbbbbbb)' });
      assert.is(decide(inputs({ dryRun: false }), ctx).preview, true, 'never deploys from a pull request');
    });
  }
});

Decide('a pull_request whose payload cannot be read still only previews: GITHUB_SHA, or the ref input', () => {
  for (const payload of [{}, { pull_request: { number: 3 } }]) {
    withEvent('pull_request', payload, (env) => {
      const ctx = readContext(env);
      assert.is(ctx.pullRequest, null);
      assert.equal(decide(inputs(), ctx), { ref: SHA, preview: true, what: 'a pull_request event (aaaaaaa)' });
      assert.is(decide(inputs({ ref: 'main' }), ctx).preview, true);
    });
  }
  assert.is(decide(inputs(), readContext({ GITHUB_EVENT_NAME: 'pull_request_target', GITHUB_SHA: SHA })).preview, true, 'no payload file at all');
});

Decide('GITHUB_API_URL defaults to api.github.com and loses a trailing slash', () => {
  assert.is(readContext({}).apiUrl, 'https://api.github.com');
  assert.is(readContext({ GITHUB_API_URL: 'https://ghe.example/api/v3/' }).apiUrl, 'https://ghe.example/api/v3');
});

Decide.run();

// ---

const Retry = suite('withRetry');

Retry('retries unreachable and busy with doubling waits, then gives up', async () => {
  const waits: number[] = [];
  let calls = 0;
  try {
    await withRetry(
      async () => {
        calls++;
        throw new CaxtonError(calls % 2 ? 'CAX_SERVER_UNREACHABLE' : 'CAX_DEPLOY_BUSY', { url: 'x', runningId: 'd' });
      },
      { retries: 3, baseMs: 10, sleep: async (ms) => void waits.push(ms) },
    );
    assert.unreachable();
  } catch (err) {
    assert.is((err as CaxtonError).code, 'CAX_DEPLOY_BUSY');
  }
  assert.is(calls, 4);
  assert.equal(waits, [10, 20, 40]);
});

Retry("a proxy's 502, 503 or 504 (its upstream restarting) is retried; its 404 is not", async () => {
  const proxy = (status: number) => new CaxtonError('CAX_UNEXPECTED_RESPONSE', { url: 'x', status, type: 'text/html', snippet: '' }, { details: { httpStatus: status } });
  for (const status of [502, 503, 504]) {
    let calls = 0;
    const r = await withRetry(async () => (++calls < 3 ? Promise.reject(proxy(status)) : 'ok'), { retries: 3, baseMs: 1, sleep: async () => undefined });
    assert.equal([r, calls], ['ok', 3], String(status));
  }
  let calls = 0;
  const e = await withRetry(async () => {
    calls++;
    throw proxy(404);
  }, { retries: 3, baseMs: 1, sleep: async () => undefined }).catch((err: CaxtonError) => err);
  assert.equal([e.code, calls], ['CAX_UNEXPECTED_RESPONSE', 1]);
});

Retry('anything else fails at once; a success after a retry returns it', async () => {
  let calls = 0;
  try {
    await withRetry(async () => {
      calls++;
      throw new CaxtonError('CAX_UNAUTHORIZED', { reason: 'invalid' });
    }, { retries: 3, baseMs: 1, sleep: async () => undefined });
  } catch (err) {
    assert.is((err as CaxtonError).code, 'CAX_UNAUTHORIZED');
  }
  assert.is(calls, 1);
  let n = 0;
  const v = await withRetry(async () => {
    if (++n < 2) throw new CaxtonError('CAX_SERVER_UNREACHABLE', { url: 'x' });
    return 'ok';
  }, { retries: 3, baseMs: 1, sleep: async () => undefined });
  assert.is(v, 'ok');
});

Retry.run();
