// Issue 4's numbers, each against a baseline measured in the same run:
//  a. sandbox overhead per call of a trivial function (the fixture's echo): Sandboxed.invoke (schema
//     check, a worker-thread round trip, output decoding) vs the same Extism plugin called directly
//     in-process; < 0.2 ms over it;
//  b. POST /api/v1/tools/:name/call over HTTP, 32 keep-alive clients in a child process: p95 < 5 ms
//     and ≥ 50 % of a bare Fastify route's rate;
//  c. a 1,000 ms time-out stops an infinite loop within 1,100 ms (the server carries on).
// BENCH_SANDBOX_N sets the calls per in-process round, BENCH_SANDBOX_MS the HTTP round length.
import { bareRoute, load as runLoad, loadRounds, type Load } from './http-load-client.js';
import fs from 'node:fs';
import path from 'node:path';
import createPlugin from '@extism/extism';
import { createSandbox } from '../server/tools/sandbox.js';
import type { EventSink } from '../server/events/log.js';
import { makeRepo } from '../test/util/repo.js';
import { startTestServer } from '../test/util/server.js';
import { pluginToolFiles, pluginWasm, toolSpec } from '../test/util/plugins.js';
import { log, percentile, rmrf, scratch, serveLogger, type BenchResult } from './harness.js';

const N = Number(process.env.BENCH_SANDBOX_N ?? 20_000);
const ROUNDS = Math.max(3, Number(process.env.BENCH_SANDBOX_ROUNDS ?? 5));
const HTTP_MS = Number(process.env.BENCH_SANDBOX_MS ?? 2000);
const HTTP_ROUNDS = Math.max(1, Number(process.env.BENCH_SANDBOX_HTTP_ROUNDS ?? 5));
const TIMEOUT_RUNS = Math.max(3, Number(process.env.BENCH_SANDBOX_TIMEOUTS ?? 5));
const CONCURRENCY = 32;
const NOOP_SINK: EventSink = { append() {}, flush: async () => {} };
const INPUT = { id: 42, text: 'ping', tags: ['a', 'b'] };

const us = (ms: number) => `${(ms * 1000).toFixed(1)} µs`;
const fmtRate = (r: number) => `${Math.round(r).toLocaleString('en-US')}/s`;

/** Per-call milliseconds of `n` sequential calls. */
async function perCall(n: number, one: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await one();
  return (performance.now() - t0) / n;
}

async function overhead(): Promise<BenchResult> {
  const wasm = pluginWasm('fixture');
  const direct = await createPlugin({ wasm: [{ data: wasm }] }, { useWasi: false });
  const decoder = new TextDecoder();
  const callDirect = async () => {
    const out = await direct.call('echo', JSON.stringify(INPUT));
    JSON.parse(decoder.decode(out!.bytes()));
    await direct.reset();
  };
  const { createTool } = createSandbox({ events: NOOP_SINK, pool: { min: 1, max: 1 }, warmup: 'await' });
  const tool = await createTool({ name: 'fx', spec: toolSpec('fx', { functions: [{ name: 'echo', input_schema: { type: 'object' } }] }), wasm, sha: 'bench' });
  const callSandbox = () => (tool as unknown as { invoke(fn: string, i: unknown, o: { agent: null }): Promise<unknown> }).invoke('echo', INPUT, { agent: null });
  try {
    await perCall(Math.min(N, 5000), callDirect);
    await perCall(Math.min(N, 5000), callSandbox);
    const d: number[] = [];
    const s: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      d.push(await perCall(N, callDirect));
      s.push(await perCall(N, callSandbox));
    }
    const dm = percentile(d, 50);
    const sm = percentile(s, 50);
    const over = sm - dm;
    log(`  Extism plugin, in process      ${us(dm).padStart(10)} per call`);
    log(`  sandbox (worker thread)        ${us(sm).padStart(10)} per call   overhead ${us(over)}`);
    return {
      name: 'sandbox: trivial call vs in-process Extism',
      ms: sm,
      p90: percentile(s, 90),
      baseline: { name: 'in-process Extism', ms: dm },
      ratio: sm / dm,
      target: 'overhead < 0.2 ms',
      pass: over < 0.2,
      runs: ROUNDS,
      note: `${us(sm)} vs ${us(dm)} per call: ${us(over)} overhead`,
    };
  } finally {
    await tool.dispose?.();
    await direct.close();
  }
}


const loadAt = (url: string, body: unknown, headers: Record<string, string> = {}): Promise<Load> =>
  runLoad({ url, body, headers, concurrency: CONCURRENCY, durationMs: HTTP_MS });

async function overHttp(): Promise<BenchResult> {
  const work = scratch('sandbox-http-');
  fs.mkdirSync(path.join(work, 'ws'));
  const repo = makeRepo(pluginToolFiles('fx', { functions: [{ name: 'echo', input_schema: { type: 'object' } }] }), { dir: path.join(work, 'ws') });
  const server = await startTestServer({ workspace: repo.dir, dataDir: path.join(work, 'data'), logger: serveLogger() });
  const bare = await bareRoute((body) => ({ output: body.input, durationMs: 0 }));
  try {
    await server.deployer.deploy({ ref: 'HEAD', trigger: 'cli' });
    const body = { function: 'echo', input: INPUT };
    const { med, errors: failed } = await loadRounds(HTTP_ROUNDS, {
      bare: () => loadAt(bare.url, body),
      tool: () => loadAt(`${server.url}/api/v1/tools/fx/call`, body, { authorization: `Bearer ${server.token}` }),
    });
    const errors = failed('tool');
    const ratio = med('tool', 'rate') / med('bare', 'rate');
    log(`  bare Fastify route             ${fmtRate(med('bare', 'rate')).padStart(10)}   p50 ${med('bare', 'p50').toFixed(2)} ms  p95 ${med('bare', 'p95').toFixed(2)} ms`);
    log(`  POST /api/v1/tools/fx/call     ${fmtRate(med('tool', 'rate')).padStart(10)}   p50 ${med('tool', 'p50').toFixed(2)} ms  p95 ${med('tool', 'p95').toFixed(2)} ms`);
    if (errors) log(`  ${errors} tool calls did not answer 200`);
    return {
      name: 'POST /api/v1/tools/:name/call vs bare Fastify (32 clients)',
      ms: med('tool', 'p50'),
      p90: med('tool', 'p95'),
      baseline: { name: 'bare route', ms: med('bare', 'p50') },
      ratio: med('bare', 'rate') / med('tool', 'rate'),
      target: '≥ 50 % of the rate, p95 < 5 ms',
      pass: ratio >= 0.5 && med('tool', 'p95') < 5 && errors === 0,
      runs: HTTP_ROUNDS,
      note: `${fmtRate(med('tool', 'rate'))} vs ${fmtRate(med('bare', 'rate'))} (${(ratio * 100).toFixed(0)} %), p95 ${med('tool', 'p95').toFixed(2)} ms; the p90 column holds p95`,
    };
  } finally {
    await bare.close();
    await server.close();
    repo.remove();
    rmrf(work);
  }
}

async function timeout(): Promise<BenchResult> {
  // No quarantine here: every run breaks the limit on purpose.
  const { createTool } = createSandbox({ events: NOOP_SINK, pool: { min: 1, max: 2 }, warmup: 'await', quarantine: { violations: Number.MAX_SAFE_INTEGER, windowMs: 1 } });
  const tool = (await createTool({ name: 'loop', spec: toolSpec('loop', { functions: ['spin', 'echo'], limits: { timeout_ms: 1000 } }), wasm: pluginWasm('fixture'), sha: 'bench' })) as unknown as {
    invoke(fn: string, i: unknown, o: { agent: null }): Promise<unknown>;
    dispose(): Promise<void>;
  };
  try {
    const stops: number[] = [];
    let answered = 0;
    for (let i = 0; i < TIMEOUT_RUNS; i++) {
      // a fresh worker is warm again before each run, as after any earlier time-out
      await tool.invoke('echo', {}, { agent: null });
      const t0 = performance.now();
      const spin = tool.invoke('spin', {}, { agent: null }).then(
        () => Infinity,
        () => performance.now() - t0,
      );
      // the other worker keeps answering while the loop runs
      for (let k = 0; k < 20; k++) {
        await tool.invoke('echo', { k }, { agent: null });
        answered++;
      }
      stops.push(await spin);
    }
    const worst = Math.max(...stops);
    const med = percentile(stops, 50);
    log(`  1,000 ms time-out: stopped after ${stops.map((x) => x.toFixed(0)).join(', ')} ms (${answered} other calls answered meanwhile)`);
    return {
      name: 'time-out 1,000 ms stops an infinite loop',
      ms: med,
      p90: percentile(stops, 90),
      baseline: null,
      ratio: null,
      target: '≤ 1,100 ms',
      pass: worst <= 1100,
      runs: TIMEOUT_RUNS,
      note: `worst ${worst.toFixed(0)} ms over ${TIMEOUT_RUNS} runs`,
    };
  } finally {
    await tool.dispose();
  }
}

/** The sandbox benchmarks; prints its own lines and returns the results for the summary. */
export async function sandboxBench(): Promise<BenchResult[]> {
  log(`  a. in process: ${ROUNDS} rounds of ${N.toLocaleString('en-US')} calls, one at a time`);
  const a = await overhead();
  log(`  b. over HTTP: ${HTTP_ROUNDS} rounds of ${HTTP_MS} ms, ${CONCURRENCY} keep-alive clients in a child process`);
  const b = await overHttp();
  log(`  c. time-out: ${TIMEOUT_RUNS} runs`);
  const c = await timeout();
  const all = [a, b, c];
  for (const r of all) if (r.note) log(`  ${r.pass === false ? 'MISS' : 'ok  '} ${r.name}: ${r.note}`);
  return all;
}
