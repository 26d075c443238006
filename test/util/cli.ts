// The real CLI as a child process.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../cli/main.js');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** `signalWhen`: once stdout so far matches, the child gets the signal (a long-running command, stopped when ready). */
export function runCli(args: string[], opts: { cwd: string; env?: Record<string, string | undefined>; timeoutMs?: number; signalWhen?: { stdout: RegExp; signal: NodeJS.Signals } }): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', CAXTON_URL: undefined, CAXTON_TOKEN: undefined, ...opts.env };
    delete env.CI;
    for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];
    const child = spawn(process.execPath, [CLI, ...args], { cwd: opts.cwd, env: env as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let signalled = false;
    child.stdout.on('data', (d) => {
      stdout += d;
      if (opts.signalWhen && !signalled && opts.signalWhen.stdout.test(stdout)) {
        signalled = true;
        child.kill(opts.signalWhen.signal);
      }
    });
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

export function json(r: CliResult): any {
  try {
    return JSON.parse(r.stdout);
  } catch {
    throw new Error(`stdout is not one JSON document (exit ${r.code}):\n${r.stdout}\nstderr:\n${r.stderr}`);
  }
}
