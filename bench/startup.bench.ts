// Target 4 (issue 2): from spawning `caxton serve` to /health answering 200 in < 1 s. Timed from
// spawn() to the first 200, the port read from the "Caxton ready on http://…" line. Two cases: an
// empty data folder (first start) and one holding a deployment of 50 agents and a tool, which the
// server restores before it listens. The baseline is a bare Fastify app spawned the same way.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { makeRepo } from '../test/util/repo.js';
import { startTestServer } from '../test/util/server.js';
import { manyAgents, toolFiles } from '../test/util/workspace.js';
import { RUNS, CLI, ROOT, cliEnv, interleave, log, renderTable, result, rmrf, scratch, type BenchResult } from './harness.js';

const TARGET_MS = 1000;
const FASTIFY = path.join(ROOT, 'dist', 'bench', 'fixtures', 'bare-fastify.js');
const READY = /ready on (http:\/\/\S+)/;

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Spawns `args`, waits for the ready line, polls /health until 200; stops the child after. */
async function timeToHealth(args: string[], cwd: string): Promise<number> {
  const t0 = performance.now();
  const child = spawn(process.execPath, args, { cwd, env: cliEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ready line after 30 s\nstdout:\n${out}\nstderr:\n${err.slice(-2000)}`)), 30_000);
      child.stdout!.setEncoding('utf8').on('data', (d: string) => {
        out += d;
        const m = READY.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      });
      child.once('exit', (code) => reject(new Error(`exited ${code} before it was ready\nstdout:\n${out}\nstderr:\n${err.slice(-2000)}`)));
    });
    for (;;) {
      const res = await fetch(`${url}/health`).catch(() => null);
      if (res?.status === 200) {
        await res.text();
        return performance.now() - t0;
      }
      await new Promise((r) => setTimeout(r, 2));
    }
  } finally {
    child.kill('SIGTERM');
    const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited(child);
    clearTimeout(t);
  }
}

export async function startupBench(): Promise<BenchResult[]> {
  const work = scratch('startup-');
  const ws = path.join(work, 'ws');
  fs.mkdirSync(ws);
  try {
    makeRepo({ 'caxton.toml': 'name = "bench"\n', ...manyAgents(50), ...toolFiles('search') }, { dir: ws });
    // A data folder holding a deployment, written by a real server: every start restores it.
    const restoreData = path.join(work, 'data-restore');
    const server = await startTestServer({ workspace: ws, dataDir: restoreData });
    await server.deployer.deploy({ ref: 'HEAD', trigger: 'cli' });
    await server.close();

    let n = 0;
    const serve = (data: string) => [CLI, 'serve', '--port', '0', '--workspace', ws, '--data', data];
    const s = await interleave({
      runs: Math.max(5, Math.ceil(RUNS / 2)),
      warmup: 1,
      fns: {
        fastify: () => timeToHealth([FASTIFY], work),
        empty: () => timeToHealth(serve(path.join(work, `data-empty-${n++}`)), work),
        restore: () => timeToHealth(serve(restoreData), work),
      },
    });
    const baseline = { name: 'bare Fastify', samples: s.fastify };
    const check = (ms: number) => ms < TARGET_MS;
    const results = [
      result({ name: 'serve → /health 200, empty data', ours: s.empty, baseline, target: `< ${TARGET_MS} ms`, check }),
      result({ name: 'serve → /health 200, restores 50 agents', ours: s.restore, baseline, target: `< ${TARGET_MS} ms`, check }),
    ];
    log(renderTable(results));
    return results;
  } finally {
    rmrf(work);
  }
}
