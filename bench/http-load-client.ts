// Runs the load generator (fixtures/http-load.ts) in its own process against one URL, so the
// clients' work never lands on the server's event loop, and measures this process's CPU meanwhile.
import { spawn } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import Fastify from 'fastify';
import { ROOT, percentile } from './harness.js';

const LOAD = path.join(ROOT, 'dist', 'bench', 'fixtures', 'http-load.js');

export interface Load {
  count: number;
  errors: number;
  rate: number;
  p50: number;
  p95: number;
  p99: number;
  /** this (the server's) process's CPU time per answered request, µs */
  cpuUs: number;
}

export async function load(opts: { url: string; body: unknown; headers?: Record<string, string>; concurrency: number; durationMs: number }): Promise<Load> {
  const cfg = { url: opts.url, body: JSON.stringify(opts.body), headers: opts.headers ?? {}, concurrency: opts.concurrency, durationMs: opts.durationMs };
  const c0 = process.cpuUsage();
  const r = await new Promise<Omit<Load, 'cpuUs'>>((resolve, reject) => {
    const child = spawn(process.execPath, [LOAD, JSON.stringify(cfg)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`load generator exited ${code}: ${err.slice(0, 2000)}`));
      else resolve(JSON.parse(out) as Omit<Load, 'cpuUs'>);
    });
  });
  // includes the warm-up requests: a fair share for both contenders, who get the same number
  const cpu = process.cpuUsage(c0);
  return { ...r, cpuUs: (cpu.user + cpu.system) / (r.count + opts.concurrency * 20) };
}

/** A bare Fastify POST route on loopback answering `answer(body)`: the baseline the HTTP benchmarks compare with. */
export async function bareRoute(answer: (body: Record<string, unknown>) => unknown): Promise<{ url: string; close(): Promise<void> }> {
  const app = Fastify({ logger: false });
  app.post('/bare', async (req) => answer(req.body as Record<string, unknown>));
  await app.listen({ host: '127.0.0.1', port: 0 });
  return { url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/bare`, close: () => app.close() };
}

/**
 * `rounds` rounds of each contender, in turns (a, b, a, b …) so that load from other processes falls
 * on all of them alike; per contender, the median of each figure and the requests that failed.
 */
export async function loadRounds<K extends string>(rounds: number, contenders: Record<K, () => Promise<Load>>): Promise<{ med(k: K, f: keyof Load): number; errors(k: K): number }> {
  const keys = Object.keys(contenders) as K[];
  const runs = Object.fromEntries(keys.map((k) => [k, [] as Load[]])) as Record<K, Load[]>;
  for (let r = 0; r < rounds; r++) for (const k of keys) runs[k].push(await contenders[k]());
  return {
    med: (k, f) => percentile(runs[k].map((x) => x[f]), 50),
    errors: (k) => runs[k].reduce((n, x) => n + x.errors, 0),
  };
}
