// `caxton serve` as a real child process, for end-to-end CLI tests: started the way a user starts
// it (no CAXTON_TOKEN, so it writes <workspace>/.caxton/token), ready once it prints its URL.
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { CLI, runCli, type CliResult } from './cli.js';
import { makeRepo, type Files, type TestRepo } from './repo.js';

export interface ServeChild {
  url: string;
  pid: number;
  /** everything the child printed so far */
  stdout(): string;
  stderr(): string;
  /** resolves with stdout once it matches `re` (a line printed after the ready line, say) */
  waitForStdout(re: RegExp, timeoutMs?: number): Promise<string>;
  /** SIGTERM, then waits for the exit code */
  stop(): Promise<number | null>;
  /** SIGKILL (no shutdown at all), then waits until the process is gone */
  kill9(): Promise<void>;
}

const READY = /Caxton ready on (http:\/\/\S+)/;

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/** Spawns `caxton serve --port 0 ...args` in `cwd` and resolves once it prints the ready line. */
export function spawnServe(opts: { cwd: string; args?: string[]; env?: Record<string, string | undefined>; timeoutMs?: number }): Promise<ServeChild> {
  const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', CAXTON_LOG_LEVEL: 'warn', ...opts.env };
  for (const k of ['CI', 'CAXTON_TOKEN', 'CAXTON_URL']) if (!(opts.env && k in opts.env)) delete env[k];
  for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', ...(opts.args ?? [])], {
    cwd: opts.cwd,
    env: env as NodeJS.ProcessEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  const handle = (url: string): ServeChild => ({
    url,
    pid: child.pid!,
    stdout: () => out,
    stderr: () => err,
    async waitForStdout(re, timeoutMs = 10_000) {
      const until = Date.now() + timeoutMs;
      while (!re.test(out)) {
        if (Date.now() > until) throw new Error(`caxton serve printed nothing matching ${re}\nstdout:\n${out}\nstderr:\n${err}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      return out;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
      const code = await exited(child);
      clearTimeout(t);
      return code;
    },
    async kill9() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited(child);
    },
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`caxton serve printed no ready line in time\nstdout:\n${out}\nstderr:\n${err}`));
    }, opts.timeoutMs ?? 30_000);
    const onData = () => {
      const m = READY.exec(out);
      if (!m) return;
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      child.off('exit', onExit);
      resolve(handle(m[1]!));
    };
    const onExit = (code: number | null) => {
      clearTimeout(timer);
      reject(new Error(`caxton serve exited (${code}) before it was ready\nstdout:\n${out}\nstderr:\n${err}`));
    };
    child.stdout!.on('data', onData);
    child.once('exit', onExit);
    child.once('error', reject);
  });
}

/** A port on 127.0.0.1 that nothing listens on (bound, then released). */
export function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** Holds a port on 127.0.0.1 until `close()`. */
export function occupyPort(): Promise<{ port: number; close(): Promise<void> }> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      resolve({ port, close: () => new Promise<void>((r) => s.close(() => r())) });
    });
  });
}

/** A workspace repository with a `caxton serve` child on it, and the CLI as a user runs it there. */
export interface Workspace {
  repo: TestRepo;
  server: ServeChild;
  /** the CLI in the workspace, server from CAXTON_URL, token from the file the server wrote */
  cli(...args: string[]): Promise<CliResult>;
  stop(): Promise<void>;
}

export async function serveWorkspace(files: Files): Promise<Workspace> {
  const repo = makeRepo(files);
  let server: ServeChild;
  try {
    server = await spawnServe({ cwd: repo.dir });
  } catch (err) {
    repo.remove();
    throw err;
  }
  return {
    repo,
    server,
    cli: (...args) => runCli(args, { cwd: repo.dir, env: { CAXTON_URL: server.url } }),
    async stop() {
      try {
        await server.stop();
      } finally {
        repo.remove();
      }
    },
  };
}
