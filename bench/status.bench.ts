// Target 3 (issue 2): `caxton status` with the server down answers in < 300 ms wall, most of it
// Node's own start-up. Spawned as a user runs it, in a workspace whose .caxton/deployment.json was
// written by a real server (deployed once, then stopped), with a pending change at HEAD. The
// baseline is `node -e ""` in the same run; the import costs below say where the rest goes.
import fs from 'node:fs';
import path from 'node:path';
import { makeRepo } from '../test/util/repo.js';
import { startTestServer } from '../test/util/server.js';
import { agentFiles, manyAgents, toolFiles } from '../test/util/workspace.js';
import { closedPort } from '../test/util/serve-child.js';
import { RUNS, CLI, ROOT, cliEnv, interleave, log, renderTable, result, rmrf, run, scratch, summarize, type BenchResult } from './harness.js';

const TARGET_MS = 300;
const STATUS_ONLY = path.join(ROOT, 'dist', 'bench', 'fixtures', 'status-only.js');

/** Modules timed one by one, each in a fresh process: what `caxton status` pays for at start. */
const IMPORTS: Array<[label: string, specifier: string]> = [
  ['zod', 'zod'],
  ['smol-toml', 'smol-toml'],
  ['picocolors', 'picocolors'],
  ['isomorphic-git', 'isomorphic-git'],
  ['pino', 'pino'],
  ['fastify', 'fastify'],
  ['@duckdb/node-api', '@duckdb/node-api'],
  ['prom-client', 'prom-client'],
  ['cli/commands/status.js', './dist/cli/commands/status.js'],
  ['server/serve.js', './dist/server/serve.js'],
];

async function importMs(specifiers: string[]): Promise<number> {
  const code = `const t = performance.now(); await Promise.all(${JSON.stringify(specifiers)}.map((s) => import(s))); process.stdout.write(String(performance.now() - t));`;
  const r = await run(process.execPath, ['--input-type=module', '-e', code], { cwd: ROOT });
  return Number(r.stdout);
}

export async function statusBench(): Promise<BenchResult[]> {
  const work = scratch('status-');
  const dir = path.join(work, 'ws');
  fs.mkdirSync(dir);
  try {
    const repo = makeRepo({ 'caxton.toml': 'name = "bench"\n', ...manyAgents(50), ...toolFiles('search') }, { dir });
    const server = await startTestServer({ workspace: dir, dataDir: path.join(dir, '.caxton') });
    await server.deployer.deploy({ ref: 'HEAD', trigger: 'cli' });
    await server.close();
    // Pending at HEAD: two edited agents and a new one, so status computes field diffs.
    repo.commit({ ...agentFiles('agent-001', { description: 'edited' }), ...agentFiles('agent-002', { capabilities: ['agent-002', 'extra'] }), ...agentFiles('fresh') });
    if (!fs.existsSync(path.join(dir, '.caxton', 'deployment.json'))) throw new Error('no deployment.json after the deployment');

    const env = cliEnv({ CAXTON_URL: `http://127.0.0.1:${await closedPort()}` });
    const spawnStatus = async (args: string[]) => {
      const r = await run(process.execPath, args, { cwd: dir, env, allowFail: true });
      if (r.code !== 0 || !r.stdout.includes('Server not reachable') || !r.stdout.includes('3 changes')) {
        throw new Error(`${args.join(' ')}: exit ${r.code}\n${r.stdout}\n${r.stderr}`);
      }
    };
    const status = () => spawnStatus([CLI, 'status']);
    const statusOnly = () => spawnStatus([STATUS_ONLY]);
    const node = () => run(process.execPath, ['-e', '']);
    const s = await interleave({ runs: RUNS, warmup: 2, fns: { node, status, statusOnly } });
    const results = [
      result({
        name: 'caxton status, server down',
        ours: s.status,
        baseline: { name: 'node -e ""', samples: s.node },
        target: `< ${TARGET_MS} ms`,
        check: (ms) => ms < TARGET_MS,
        note: `${(s.status.median - s.node.median).toFixed(0)} ms over Node's start-up`,
      }),
      result({
        name: '  status command alone (lazy-load estimate)',
        ours: s.statusOnly,
        baseline: { name: 'node -e ""', samples: s.node },
        note: 'bench/fixtures/status-only.ts: what status costs if cli/main.ts imported only the command it runs',
      }),
    ];

    // Where the time over Node's start-up goes: each import alone, in a fresh process.
    const commands = fs.readdirSync(path.join(ROOT, 'dist', 'cli', 'commands')).filter((f) => f.endsWith('.js')).map((f) => `./dist/cli/commands/${f}`);
    const measured: Array<[string, string[]]> = [...IMPORTS.map(([l, s]): [string, string[]] => [l, [s]]), ['every command (what cli/main.js loads)', commands]];
    for (const [label, specifiers] of measured) {
      const ms: number[] = [];
      for (let i = 0; i < 3; i++) ms.push(await importMs(specifiers));
      results.push(result({ name: `  import ${label}`, ours: summarize(ms), note: 'in-process import time, fresh process' }));
    }
    log(renderTable(results));
    return results;
  } finally {
    rmrf(work);
  }
}
