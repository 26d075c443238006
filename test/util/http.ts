// Route tests: a real server on a temp workspace, requests through Fastify's inject, and the
// contract's error shape asserted in one place.
import * as assert from 'uvu/assert';
import type { FastifyInstance } from 'fastify';
import type { ServeOptions } from '../../server/serve.js';
import { makeRepo, type Files, type TestRepo } from './repo.js';
import { startTestServer } from './server.js';
import { rm, tmpDir } from './tmp.js';
import { runCli, type CliResult } from './cli.js';
import { suite, type Test } from 'uvu';

export interface Reply {
  status: number;
  /** parsed JSON, or the text when the body is not JSON */
  body: any;
  text: string;
  type: string;
}

export type Call = (method: string, url: string, body?: unknown, headers?: Record<string, string>) => Promise<Reply>;

/**
 * Requests with `Authorization: Bearer <token>` (none when token is null). A string body is sent
 * as is (for malformed JSON); anything else as JSON.
 */
export function injector(app: FastifyInstance, token: string | null = 'test-token'): Call {
  return async (method, url, body, headers = {}) => {
    const res = await app.inject({
      method: method as 'GET',
      url,
      headers: {
        ...(token === null ? {} : { authorization: `Bearer ${token}` }),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      ...(body === undefined ? {} : { payload: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    let parsed: unknown = res.body;
    try {
      parsed = JSON.parse(res.body);
    } catch {
      /* not JSON */
    }
    return { status: res.statusCode, body: parsed, text: res.body, type: String(res.headers['content-type'] ?? '') };
  };
}

/** A JSON answer with this status; returns the body. */
export function assertJson(res: Reply, status: number): any {
  assert.is(res.status, status, res.text);
  assert.match(res.type, /^application\/json/);
  return res.body;
}

/** The contract's error answer: status, JSON, `{error: {code, message, suggestions}}`; returns `error`. */
export function assertError(res: Reply, status: number, code: string): any {
  assert.is(res.status, status, res.text);
  assert.match(res.type, /^application\/json/);
  const e = res.body?.error;
  assert.ok(e, `no error body: ${res.text}`);
  assert.is(e.code, code, res.text);
  assert.type(e.message, 'string');
  assert.ok(Array.isArray(e.suggestions), 'suggestions is an array');
  return e;
}

export interface Served {
  repo: TestRepo;
  server: Awaited<ReturnType<typeof startTestServer>>;
  dataDir: string;
  call: Call;
  /** the same server without a token */
  anon: Call;
  /** stops the server; `keep` leaves the repo and data folder for a restart */
  close(opts?: { keep?: boolean }): Promise<void>;
}

/** A workspace repo with `files` committed (or `existing`) and a real server on it (token 'test-token'). */
export async function serveRepo(files: Files, opts: ServeOptions & { existing?: TestRepo } = {}): Promise<Served> {
  const { existing: given, ...serveOpts } = opts;
  const repo = given ?? makeRepo(files);
  const dataDir = serveOpts.dataDir ?? tmpDir('caxton-data-');
  let server;
  try {
    server = await startTestServer({ workspace: repo.dir, ...serveOpts, dataDir });
  } catch (err) {
    if (!given) repo.remove();
    if (!serveOpts.dataDir) rm(dataDir);
    throw err;
  }
  return {
    repo,
    server,
    dataDir,
    call: injector(server.app),
    anon: injector(server.app, null),
    async close({ keep = false } = {}) {
      await server.close();
      if (!keep) {
        repo.remove();
        rm(dataDir);
      }
    },
  };
}

/** serveRepo, then a deployment of HEAD; the server is closed again if that fails. */
export async function deployed(files: Files, opts: ServeOptions = {}): Promise<Served> {
  const s = await serveRepo(files, opts);
  try {
    assertJson(await s.call('POST', '/api/v1/deployments', {}), 201);
    return s;
  } catch (err) {
    await s.close();
    throw err;
  }
}

/** A factory gate: createAgent waits until `release()`. */
/**
 * A suite of `caxton COMMAND …` run as a child process against a real server: deployed from `files`
 * and seeded before the suite, closed after it; `cli` runs in its workspace with its URL and token.
 */
export function cliSuite(name: string, command: string, files: Files, seed: (s: Served) => Promise<void>): { Cli: Test; cli: (...args: string[]) => Promise<CliResult> } {
  let served: Served | undefined;
  const Cli = suite(name);
  Cli.before(async () => {
    served = await deployed(files);
    await seed(served);
  });
  Cli.after(() => served?.close());
  const cli = (...args: string[]) => {
    if (!served) throw new Error('no server: the suite has not started it');
    return runCli([command, ...args], { cwd: served.repo.dir, env: { CAXTON_URL: served.server.url, CAXTON_TOKEN: served.server.token } });
  };
  return { Cli, cli };
}

export function gate(): { wait: Promise<void>; release: () => void } {
  let release!: () => void;
  const wait = new Promise<void>((r) => (release = r));
  return { wait, release };
}
