// Target 1 (issue 2): the changeset between two commits 1,000 commits apart, in a repository of
// 10,000 files, in at most 1.5× the wall time of a spawned `git diff --name-status A B`. Measured on
// loose objects and after `git gc`, cold (a new GitRepo and EntityCache per run: a server deploying
// its first commit after start) and warm (both kept, as a running server keeps them).
import { GitRepo } from '../server/git/repo.js';
import { readWorkspaceIndex, type WorkspaceIndex } from '../server/git/tree-index.js';
import { computeChangeset } from '../server/git/changeset.js';
import { EntityCache } from '../server/workspace/load.js';
import { parseAgentSource, parseToolSource } from '../server/workspace/parse.js';
import { describeChanges, type PlanEntity, type PlanSide } from '../server/deploy/plan.js';
import type { AgentFile, ToolFile } from '../server/workspace/schema.js';
import type { Changes } from '../server/deploy/record.js';
import { buildBigRepo, unpackToLoose, type BigRepo } from './_big-repo.js';
import { RUNS, interleave, log, renderTable, result, rmrf, run, scratch, summarize, type BenchResult } from './harness.js';

const TARGET = 1.5;

/**
 * Our side: both workspace indexes, the changeset from tree ids, and field diffs for the modified
 * entities (only those are read and parsed), as `caxton status` and a deployment's record compute it.
 */
export async function changesBetween({ repo, cache, from, to }: { repo: GitRepo; cache: EntityCache; from: string; to: string }): Promise<Changes> {
  const [a, b] = await Promise.all([readWorkspaceIndex(repo, from), readWorkspaceIndex(repo, to)]);
  const cs = computeChangeset({ from: a, to: b });
  const modified = new Set(cs.modified.map((m) => `${m.kind}:${m.name}`));
  const side = async (index: WorkspaceIndex): Promise<PlanSide> => {
    const agents = new Map<string, PlanEntity<AgentFile>>();
    const tools = new Map<string, PlanEntity<ToolFile>>();
    const loads: Array<Promise<void>> = [];
    for (const [name, oid] of index.agents) {
      const e: PlanEntity<AgentFile> = { oid, spec: null, sha: index.sha };
      agents.set(name, e);
      if (modified.has(`agent:${name}`)) loads.push(cache.agent(name, oid).then((l) => void (e.spec = l.parsed?.value ?? null)));
    }
    for (const [name, oid] of index.tools) {
      const e: PlanEntity<ToolFile> = { oid, spec: null, sha: index.sha, wasmOid: null };
      tools.set(name, e);
      if (modified.has(`tool:${name}`)) {
        loads.push(cache.tool(name, oid).then((t) => {
          e.spec = t.parsed?.value ?? null;
          e.wasmOid = e.spec ? (t.files.get(e.spec.wasm) ?? null) : null;
        }));
      }
    }
    await Promise.all(loads);
    return { config: index.config, agents, tools };
  };
  const [fromSide, toSide] = await Promise.all([side(a), side(b)]);
  return describeChanges(fromSide, toSide);
}

/** The entities `git diff --name-status` says changed, to check our answer against. */
function entitiesFromGitDiff(out: string): string[] {
  const names = new Set<string>();
  for (const line of out.split('\n')) {
    const file = line.split('\t')[1];
    if (!file) continue;
    const m = /^(agents|tools)\/([^/]+)\//.exec(file);
    if (m) names.add(`${m[1] === 'agents' ? 'agent' : 'tool'}:${m[2]}`);
    else if (file === 'caxton.toml') names.add('config:caxton.toml');
  }
  return [...names].sort();
}

function entitiesFromChanges(c: Changes): string[] {
  return [...c.added, ...c.modified, ...c.removed].map((i) => `${i.kind}:${i.name}`).sort();
}

/**
 * Where a cold run's time goes, stage by stage, done the way EntityCache does it: the two indexes
 * (with the packfile index the first read loads), each modified entity's folder tree and manifest
 * blob, parsing them, and the field diffs.
 */
async function coldStages(big: BigRepo, runs: number): Promise<Record<'indexes' | 'reads' | 'parse' | 'diff', number[]> & { objects: number }> {
  const out = { indexes: [] as number[], reads: [] as number[], parse: [] as number[], diff: [] as number[], objects: 0 };
  const decoder = new TextDecoder();
  for (let i = 0; i < runs; i++) {
    const repo = new GitRepo(big.dir);
    const t0 = performance.now();
    const [a, b] = await Promise.all([readWorkspaceIndex(repo, big.first), readWorkspaceIndex(repo, big.last)]);
    const cs = computeChangeset({ from: a, to: b });
    const t1 = performance.now();
    const wanted = cs.modified.flatMap((m) => [
      { ...m, oid: m.fromOid!, side: 'from' as const },
      { ...m, oid: m.toOid!, side: 'to' as const },
    ]);
    const sources = await Promise.all(wanted.map(async (w) => {
      const manifest = w.kind === 'agent' ? 'agent.toml' : 'tool.toml';
      const entry = (await repo.readTree(w.oid)).find((e) => e.path === manifest);
      return { ...w, source: entry ? decoder.decode(await repo.readBlob(entry.oid)) : '' };
    }));
    out.objects = wanted.length * 2;
    const t2 = performance.now();
    const specs = sources.map((w) => {
      const file = { path: `${w.kind}s/${w.name}/${w.kind}.toml`, source: w.source };
      return { ...w, spec: (w.kind === 'agent' ? parseAgentSource(w.name, file) : parseToolSource(w.name, file)).value };
    });
    const t3 = performance.now();
    const side = (index: WorkspaceIndex, which: 'from' | 'to'): PlanSide => {
      const spec = (kind: string, name: string) => specs.find((x) => x.side === which && x.kind === kind && x.name === name)?.spec ?? null;
      return {
        config: index.config,
        agents: new Map([...index.agents].map(([n, oid]) => [n, { oid, sha: index.sha, spec: spec('agent', n) as AgentFile | null }])),
        tools: new Map([...index.tools].map(([n, oid]) => [n, { oid, sha: index.sha, spec: spec('tool', n) as ToolFile | null }])),
      };
    };
    describeChanges(side(a, 'from'), side(b, 'to'));
    const t4 = performance.now();
    out.indexes.push(t1 - t0);
    out.reads.push(t2 - t1);
    out.parse.push(t3 - t2);
    out.diff.push(t4 - t3);
  }
  return out;
}

async function measure(big: BigRepo, label: string): Promise<BenchResult[]> {
  const gitDiff = () => run('git', ['diff', '--name-status', big.first, big.last], { cwd: big.dir });
  const gitDiffScoped = () => run('git', ['diff', '--name-status', big.first, big.last, '--', 'caxton.toml', 'agents', 'tools'], { cwd: big.dir });

  // Correctness first: the same entities as git's own diff, or the timing means nothing.
  const diff = await gitDiff();
  const checkRepo = new GitRepo(big.dir);
  const ours = await changesBetween({ repo: checkRepo, cache: new EntityCache(checkRepo), from: big.first, to: big.last });
  const expected = entitiesFromGitDiff(diff.stdout);
  const got = entitiesFromChanges(ours);
  if (expected.join() !== got.join()) throw new Error(`changeset (${label}) differs from git diff:\n git: ${expected.join(' ')}\n ours: ${got.join(' ')}`);
  const files = diff.stdout.split('\n').filter(Boolean).length;
  log(`  ${label}: git diff lists ${files} files; ${ours.added.length} added, ${ours.modified.length} modified (${ours.modified.filter((m) => m.fields?.length).length} with field diffs), ${ours.removed.length} removed entities`);

  const cold = async () => {
    const repo = new GitRepo(big.dir);
    await changesBetween({ repo, cache: new EntityCache(repo), from: big.first, to: big.last });
  };
  const warmRepo = new GitRepo(big.dir);
  const warmCache = new EntityCache(warmRepo);
  const warm = () => changesBetween({ repo: warmRepo, cache: warmCache, from: big.first, to: big.last });

  const s = await interleave({ runs: RUNS, warmup: 3, fns: { git: gitDiff, gitScoped: gitDiffScoped, cold, warm } });
  const baseline = { name: 'git diff', samples: s.git };
  const check = (_ms: number, ratio: number | null) => ratio !== null && ratio <= TARGET;
  const stages = await coldStages(big, Math.max(5, Math.ceil(RUNS / 2)));
  const stage = (name: string, ms: number[], note: string) => result({ name: `  cold ${label}: ${name}`, ours: summarize(ms), note });
  return [
    result({ name: `changeset ${label}, cold`, ours: s.cold, baseline, target: `≤ ${TARGET}× git diff`, check }),
    result({ name: `changeset ${label}, warm`, ours: s.warm, baseline, target: `≤ ${TARGET}× git diff`, check }),
    result({ name: `  git diff -- agents tools (${label})`, ours: s.gitScoped, baseline, note: 'git limited to the paths we read' }),
    stage('2 workspace indexes', stages.indexes, 'root, agents/ and tools/ trees of both commits (and the pack index)'),
    stage(`read ${stages.objects} objects`, stages.reads, 'tree and manifest blob of each modified entity, both sides'),
    stage('parse manifests', stages.parse, 'smol-toml and zod'),
    stage('describeChanges', stages.diff, 'changeset and field diffs'),
  ];
}

export async function changesetBench(): Promise<BenchResult[]> {
  const dir = scratch('changeset-');
  try {
    const t0 = performance.now();
    const big = await buildBigRepo({ dir });
    const loose = unpackToLoose(big);
    log(`  built ${big.files} files, ${big.commits + 1} commits, ${loose} loose objects in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const results = await measure(big, 'loose');
    big.git('gc', '--quiet');
    results.push(...(await measure(big, 'packed')));
    log(renderTable(results));
    return results;
  } finally {
    rmrf(dir);
  }
}
