// `npm run bench`: every benchmark of issue 2 in turn, then one summary table, written as well to
// bench/.work/results.json (git-ignored). `node dist/bench/run.js status deploy` runs a subset.
// BENCH_RUNS sets the timed runs per figure; BENCH_STRICT=1 makes a missed target exit 1.
import fs from 'node:fs';
import path from 'node:path';
import { changesetBench } from './changeset.bench.js';
import { deployBench } from './deploy.bench.js';
import { statusBench } from './status.bench.js';
import { startupBench } from './startup.bench.js';
import { routingBench } from './routing.bench.js';
import { sandboxBench } from './sandbox.bench.js';
import { firstRunBench } from './first-run.bench.js';
import { eventReadsBench } from './event-reads.bench.js';
import { WORK, log, machine, renderTable, type BenchResult } from './harness.js';

const BENCHES: Array<{ name: string; title: string; run: () => Promise<BenchResult[]> }> = [
  { name: 'changeset', title: '1. changeset, 10,000 files, 1,000 commits apart vs git diff', run: changesetBench },
  { name: 'deploy', title: '2. server-side deployment time (real repository, real DuckDB log)', run: deployBench },
  { name: 'status', title: '3. caxton status with the server down vs Node start-up', run: statusBench },
  { name: 'startup', title: '4. caxton serve to /health 200 vs a bare Fastify app', run: startupBench },
  { name: 'routing', title: 'issue 3. routing in process, POST /api/v1/messages vs bare Fastify, event log on vs off', run: routingBench },
  { name: 'first-run', title: 'issue 6. caxton quickstart and caxton init, as a user runs them', run: firstRunBench },
  { name: 'sandbox', title: 'issue 4. tool sandbox: call overhead, HTTP tool calls, time-outs', run: sandboxBench },
  { name: 'event-reads', title: 'the event log\'s reads on a log of ~1.2M events vs one scan of the log', run: eventReadsBench },
];

async function main(argv: string[]): Promise<number> {
  const unknown = argv.filter((a) => !BENCHES.some((b) => b.name === a));
  if (unknown.length) {
    process.stderr.write(`unknown benchmark(s): ${unknown.join(', ')}; known: ${BENCHES.map((b) => b.name).join(', ')}\n`);
    return 2;
  }
  const chosen = argv.length ? BENCHES.filter((b) => argv.includes(b.name)) : BENCHES;
  const started = performance.now();
  log(`caxton bench — ${machine()}`);
  const all: Array<BenchResult & { bench: string }> = [];
  for (const b of chosen) {
    log(`\n${b.title}`);
    const t0 = performance.now();
    const results = await b.run();
    all.push(...results.map((r) => ({ bench: b.name, ...r })));
    log(`  (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  }
  const seconds = (performance.now() - started) / 1000;
  const missed = all.filter((r) => r.pass === false);
  log(`\nSummary (${seconds.toFixed(0)} s; medians, ratios against baselines measured in the same run)`);
  log(renderTable(all));
  log(missed.length ? `\n${missed.length} target(s) missed: ${missed.map((r) => r.name).join('; ')}` : '\nEvery target met.');
  fs.mkdirSync(WORK, { recursive: true });
  const file = path.join(WORK, 'results.json');
  fs.writeFileSync(file, `${JSON.stringify({ date: new Date().toISOString(), machine: machine(), seconds, results: all }, null, 2)}\n`);
  log(`results: ${path.relative(process.cwd(), file) || file}`);
  return missed.length && process.env.BENCH_STRICT === '1' ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`${String((err as Error)?.stack ?? err)}\n`);
    process.exit(1);
  },
);
