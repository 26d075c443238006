// Target 2 (issue 2): server-side deployment time on a real repository and a real DuckDB event log.
// One changed agent in a workspace of ~50 agents < 50 ms, 100 new agents < 500 ms, a no-op
// redeploy < 20 ms. Measured as wall time around Deployer.deploy and as the record's durationMs;
// baselines are a bare DuckDB appender writing the same events, and a spawned `git diff` of the pair.
import fs from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { DuckDBInstance, DuckDBTimestampValue, type DuckDBAppender } from '@duckdb/node-api';
import { Deployer } from '../server/deploy/deployer.js';
import { StateStore } from '../server/deploy/state-store.js';
import { basicFactory } from '../server/deploy/basic-factory.js';
import type { DeploymentRecord } from '../server/deploy/record.js';
import { EventLog, type AppendOptions, type EventSink } from '../server/events/log.js';
import { successfulDeployments } from '../server/events/deployment-queries.js';
import { GitRepo } from '../server/git/repo.js';
import { makeRepo, type TestRepo } from '../test/util/repo.js';
import { agentFiles, manyAgents, toolFiles } from '../test/util/workspace.js';
import { RUNS, log, renderTable, result, rmrf, run, scratch, summarize, type BenchResult } from './harness.js';


/** Forwards to the real log and keeps the payloads, so the baseline writes the very same rows. */
class RecordingSink implements EventSink {
  rows: Array<{ type: string; deploymentId: string | null; payload: unknown }> = [];
  constructor(private readonly inner: EventLog) {}
  append(type: string, payload: unknown, opts?: AppendOptions): void {
    this.rows.push({ type, deploymentId: opts?.deploymentId ?? null, payload });
    this.inner.append(type, payload, opts);
  }
  flush(): Promise<void> {
    return this.inner.flush();
  }
}

/** The baseline writer: the same rows serialised and put through DuckDB's appender, nothing else. */
async function bareAppender(file: string) {
  const db = await DuckDBInstance.create(file);
  const conn = await db.connect();
  await conn.run('CREATE TABLE events (seq BIGINT NOT NULL, ts TIMESTAMP NOT NULL, type VARCHAR NOT NULL, deployment_id VARCHAR, conversation_id VARCHAR, payload JSON)');
  const appender: DuckDBAppender = await conn.createAppender('events');
  let seq = 0n;
  return {
    write(rows: RecordingSink['rows']) {
      for (const r of rows) {
        appender.appendBigInt(++seq);
        appender.appendTimestamp(new DuckDBTimestampValue(BigInt(Date.now()) * 1000n));
        appender.appendVarchar(r.type);
        if (r.deploymentId === null) appender.appendNull();
        else appender.appendVarchar(r.deploymentId);
        appender.appendNull();
        appender.appendVarchar(JSON.stringify(r.payload ?? null));
        appender.endRow();
      }
      appender.flushSync();
    },
    close() {
      appender.closeSync();
      conn.closeSync();
      db.closeSync();
    },
  };
}

interface Sampled {
  wall: number[];
  record: number[];
  duck: number[];
  gitDiff: number[];
  events: number;
}

export async function deployBench(): Promise<BenchResult[]> {
  const work = scratch('deploy-');
  try {
    return await measure(work);
  } finally {
    rmrf(work);
  }
}

async function measure(work: string): Promise<BenchResult[]> {
  fs.mkdirSync(path.join(work, 'repo'));
  const repo: TestRepo = makeRepo(
    { 'caxton.toml': 'name = "bench"\n', ...manyAgents(50), ...toolFiles('search', ['run', 'lookup']), ...toolFiles('fetch') },
    { dir: path.join(work, 'repo') },
  );
  const events = await EventLog.open({ file: path.join(work, 'events.duckdb') });
  const sink = new RecordingSink(events);
  const deployer = new Deployer({
    repo: new GitRepo(repo.dir),
    events: sink,
    state: new StateStore(path.join(work, 'data')),
    factory: basicFactory,
    logger: pino({ level: 'silent' }),
    successfulDeployments: () => successfulDeployments(events),
  });
  const bare = await bareAppender(path.join(work, 'baseline.duckdb'));
  const deploy = (ref: string) => deployer.deploy({ ref, trigger: 'api' }) as Promise<DeploymentRecord>;

  /** One timed deployment plus its two baselines, measured right after it. */
  const once = async (ref: string, into: Sampled | null, expect: (r: DeploymentRecord) => boolean) => {
    sink.rows = [];
    const t0 = performance.now();
    const r = await deploy(ref);
    const wall = performance.now() - t0;
    if (r.status !== 'succeeded' || !expect(r)) throw new Error(`unexpected deployment: ${JSON.stringify({ status: r.status, errors: r.errors, changes: r.changes, noop: r.noop })}`);
    if (!into) return r;
    into.wall.push(wall);
    into.record.push(r.durationMs);
    into.events = sink.rows.length;
    const t1 = performance.now();
    bare.write(sink.rows);
    into.duck.push(performance.now() - t1);
    const t2 = performance.now();
    await run('git', ['diff', '--name-status', r.fromSha ?? r.toSha, r.toSha], { cwd: repo.dir });
    into.gitDiff.push(performance.now() - t2);
    return r;
  };
  const empty = (): Sampled => ({ wall: [], record: [], duck: [], gitDiff: [], events: 0 });

  try {
    await once('HEAD', null, (r) => r.changes.added.length === 53); // 50 agents, 2 tools, caxton.toml

    const changed = empty();
    for (let i = 0; i < RUNS + 3; i++) {
      repo.commit(agentFiles(`agent-${String(i % 50).padStart(3, '0')}`, { description: `revision ${i}` }), `edit ${i}`);
      await once('HEAD', i < 3 ? null : changed, (r) => r.changes.modified.length === 1 && !r.changes.added.length);
    }

    const noop = empty();
    for (let i = 0; i < RUNS + 3; i++) await once('HEAD', i < 3 ? null : noop, (r) => r.noop);

    // 100 agents never seen before, on top of the same base each time (the base is redeployed
    // between runs, untimed, and is in the entity cache by then).
    const base = repo.head();
    const added = empty();
    const addRuns = Math.max(3, Math.ceil(RUNS / 2));
    for (let i = 0; i < addRuns + 1; i++) {
      repo.git('checkout', '--quiet', '--detach', base);
      const sha = repo.commit(manyAgents(100, `batch${i}-agent`), `add 100 agents (${i})`);
      await once(base, null, () => true);
      await once(sha, i < 1 ? null : added, (r) => r.changes.added.length === 100);
    }

    const results: BenchResult[] = [];
    const rows = (label: string, s: Sampled, limit: number) => {
      const check = (ms: number) => ms < limit;
      const target = `< ${limit} ms`;
      const note = `${s.events} events`;
      results.push(
        result({ name: `deploy: ${label} (wall)`, ours: summarize(s.wall), baseline: { name: `DuckDB append ${s.events} ev`, samples: summarize(s.duck) }, target, check, note }),
        result({ name: `deploy: ${label} (record)`, ours: summarize(s.record), baseline: { name: 'git diff', samples: summarize(s.gitDiff) }, target, check, note }),
      );
    };
    rows('1 changed agent of 50', changed, 50);
    rows('100 new agents', added, 500);
    rows('no-op redeploy', noop, 20);
    log(renderTable(results));
    return results;
  } finally {
    bare.close();
    await events.close();
  }
}
