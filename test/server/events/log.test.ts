import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import pino from 'pino';
import { EventLog, type DroppedEvents } from '../../../server/events/log.js';
import { GROUP, ROWS } from '../../../server/events/wire.js';
import { withLog } from '../../util/event-log.js';
import { holdWorker } from '../../util/hold-log.js';
import { rm, tmpDir } from '../../util/tmp.js';

const T0 = Date.UTC(2026, 0, 15, 12, 0, 0);

async function stored(log: EventLog): Promise<Array<{ type: string; n: number }>> {
  const rows = await log.query<{ type: string; n: string }>(`SELECT type, count(*) AS n FROM ${ROWS} GROUP BY 1 ORDER BY 1`);
  return rows.map((r) => ({ type: r.type, n: Number(r.n) }));
}

const Groups = suite('event log :: a conversation\'s events stored as one row');

Groups('four events of one conversation and one without: one group row, one plain row; the view gives back all five, exact', async () => {
  const dir = tmpDir('caxton-log-');
  const log = await EventLog.open({ file: path.join(dir, 'events.duckdb') });
  try {
    const c = { conversationId: 'conv-1' };
    log.append('ConversationStarted', { id: 'conv-1' }, { ...c, at: T0 });
    log.append('MessageSent', { messageId: 'm1', capability: 'echo', receiver: null }, { ...c, at: T0 });
    log.append('DeploymentCompleted', { id: 'd1', status: 'succeeded' }, { deploymentId: 'd1', at: T0 + 1 });
    log.append('MessageRouted', { messageId: 'm1', agent: 'a', routingMs: 0.012 }, { ...c, at: T0 + 2 });
    log.append('MessageDelivered', { messageId: 'm1', agent: 'a', text: 'ünï ✓ "quoted"' }, { ...c, at: T0 + 3 });
    await log.flush();
    assert.equal(await stored(log), [{ type: 'DeploymentCompleted', n: 1 }, { type: GROUP, n: 1 }]);
    const events = await log.events({ limit: 10 });
    assert.equal(
      events.map((e) => [e.seq, e.ts, e.type, e.deploymentId, e.conversationId]),
      [
        [5, '2026-01-15T12:00:00.003Z', 'MessageDelivered', null, 'conv-1'],
        [4, '2026-01-15T12:00:00.002Z', 'MessageRouted', null, 'conv-1'],
        [3, '2026-01-15T12:00:00.001Z', 'DeploymentCompleted', 'd1', null],
        [2, '2026-01-15T12:00:00.000Z', 'MessageSent', null, 'conv-1'],
        [1, '2026-01-15T12:00:00.000Z', 'ConversationStarted', null, 'conv-1'],
      ],
    );
    assert.equal(events[0]!.payload, { messageId: 'm1', agent: 'a', text: 'ünï ✓ "quoted"' });
    assert.equal(events[3]!.payload, { messageId: 'm1', capability: 'echo', receiver: null });
    // filters reach inside groups
    assert.equal((await log.events({ type: 'MessageRouted' })).map((e) => e.payload), [{ messageId: 'm1', agent: 'a', routingMs: 0.012 }]);
    assert.equal((await log.events({ conversationId: 'conv-1' })).length, 4);
    // a conversation with one event in the batch is stored as a plain row
    log.append('ConversationEnded', { id: 'conv-1', reason: 'timeout' }, c);
    await log.flush();
    assert.equal(await stored(log), [{ type: 'ConversationEnded', n: 1 }, { type: 'DeploymentCompleted', n: 1 }, { type: GROUP, n: 1 }]);
  } finally {
    await log.close();
    rm(dir);
  }
});

Groups('batches past one buffer, and many after each other (buffers handed back and written again): every event arrives once, in order, exact', async () => {
  const dir = tmpDir('caxton-log-');
  // small batches, so 3,000 events travel in 30 of them
  const log = await EventLog.open({ file: path.join(dir, 'events.duckdb'), maxBatch: 100 });
  try {
    // one payload of 300 KB: its batch outgrows the writer's first buffer
    const big = { note: 'ünï ✓ "quoted" \u0000 '.repeat(15_000) };
    log.append('Note', big, { at: T0 });
    for (let i = 0; i < 3000; i++) log.append('MessageSent', { messageId: `m${i}`, performative: 'request', sender: 'client', capability: 'echo', receiver: null }, { conversationId: `c${i % 7}`, at: T0 + i });
    // a payload JSON cannot write is stored as null, and the log goes on
    log.append('Odd', () => 1);
    await log.flush();
    const events = (await log.events({ limit: 10_000 })).reverse();
    assert.is(events.length, 3002);
    assert.equal(events[0]!.payload, big);
    assert.equal(events.map((e) => e.seq), Array.from({ length: 3002 }, (_, i) => i + 1));
    assert.equal([events[3001]!.type, events[3001]!.payload], ['Odd', null]);
    for (let i = 0; i < 3000; i++) {
      const e = events[i + 1]!;
      assert.is((e.payload as { messageId: string }).messageId, `m${i}`);
      assert.is(e.conversationId, `c${i % 7}`);
    }
  } finally {
    await log.close();
    rm(dir);
  }
});

Groups('reopened, the log goes on after the last event inside a group: no seq is given twice', async () => {
  const dir = tmpDir('caxton-log-');
  const file = path.join(dir, 'events.duckdb');
  try {
    const a = await EventLog.open({ file });
    a.append('MessageSent', { n: 1 }, { conversationId: 'c' });
    a.append('MessageDelivered', { n: 2 }, { conversationId: 'c' });
    await a.close();
    const b = await EventLog.open({ file });
    b.append('MessageSent', { n: 3 }, { conversationId: 'c' });
    await b.flush();
    assert.equal((await b.events()).map((e) => e.seq), [3, 2, 1]);
    await b.close();
  } finally {
    rm(dir);
  }
});

Groups('a log written before groups (a table named events) is kept and read through the view', async () => {
  const dir = tmpDir('caxton-log-');
  const file = path.join(dir, 'events.duckdb');
  try {
    const db = await DuckDBInstance.create(file);
    const c = await db.connect();
    await c.run(`CREATE TABLE events (seq BIGINT NOT NULL, ts TIMESTAMP NOT NULL, type VARCHAR NOT NULL, deployment_id VARCHAR, conversation_id VARCHAR, payload VARCHAR)`);
    await c.run(`INSERT INTO events VALUES (1, TIMESTAMP '2026-01-15 12:00:00', 'DeploymentCompleted', 'd1', NULL, '{"id":"d1"}'), (2, TIMESTAMP '2026-01-15 12:00:01', 'MessageSent', NULL, 'c', '{"n":1}')`);
    c.closeSync();
    db.closeSync();
    const log = await EventLog.open({ file });
    try {
      log.append('MessageDelivered', { n: 2 }, { conversationId: 'c' });
      await log.flush();
      assert.equal((await log.events()).map((e) => [e.seq, e.type, e.payload]), [
        [3, 'MessageDelivered', { n: 2 }],
        [2, 'MessageSent', { n: 1 }],
        [1, 'DeploymentCompleted', { id: 'd1' }],
      ]);
    } finally {
      await log.close();
    }
  } finally {
    rm(dir);
  }
});

Groups.run();

const Commit = suite('event log :: commits');

Commit('appended events are committed within a second without a flush: a process that dies after that keeps them', async () => {
  const dir = tmpDir('caxton-log-');
  const file = path.join(dir, 'events.duckdb');
  try {
    const logModule = new URL('../../../server/events/log.js', import.meta.url).href;
    // appends, waits past the commit interval, and exits without closing the log (as a crash would)
    const script = `const { EventLog } = await import(${JSON.stringify(logModule)});
      const log = await EventLog.open({ file: ${JSON.stringify(file)} });
      for (let i = 0; i < 10; i++) log.append('MessageSent', { i }, { conversationId: 'c' + (i % 3) });
      log.append('DeploymentCompleted', { id: 'd' });
      await new Promise((r) => setTimeout(r, 1600));
      process.exit(0);`;
    const child = path.join(dir, 'append-and-die.mjs');
    fs.writeFileSync(child, script);
    const r = spawnSync(process.execPath, [child], { encoding: 'utf8' });
    assert.is(r.status, 0, r.stderr);
    const log = await EventLog.open({ file });
    try {
      const events = await log.events({ limit: 100 });
      assert.is(events.length, 11);
      assert.equal(events.map((e) => e.seq), [11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
    } finally {
      await log.close();
    }
  } finally {
    rm(dir);
  }
});

Commit('a commit that fails (a full disk, say) :: reported with the rows it lost, and the flush fails; later events land', async () => {
  const dir = tmpDir('caxton-log-');
  const lost: number[] = [];
  const errors: unknown[] = [];
  const logger = { error: (o: unknown) => void errors.push(o), warn: () => undefined, info: () => undefined } as unknown as pino.Logger;
  const log = await EventLog.open({ file: path.join(dir, 'events.duckdb'), logger, onWriteFailed: (n) => lost.push(n) });
  try {
    // a constraint the appended rows break makes their commit fail, as a disk that is full does
    await log.query(`ALTER TABLE ${ROWS} ALTER COLUMN deployment_id SET NOT NULL`);
    log.append('MessageSent', { i: 1 }, { conversationId: 'c1' });
    log.append('ServerStarted', { i: 2 });
    const flushed = await log.flush().then(() => null, (e: Error) => e.message);
    assert.match(String(flushed), /NOT NULL constraint failed/);
    assert.equal(lost, [2], 'reported once, with both rows');
    assert.is(errors.length, 1);
    assert.is((errors[0] as { rowsLost: number }).rowsLost, 2);
    log.append('DeploymentCompleted', { id: 'd' }, { deploymentId: 'd' });
    await log.flush();
    assert.equal((await log.events({ limit: 10 })).map((e) => e.type), ['DeploymentCompleted']);
  } finally {
    await log.close();
    rm(dir);
  }
});

Commit('a long read holds up no commit: a flush (a deployment awaits one) and a short read queued after it answer first; close waits for it', async () => {
  const order: string[] = [];
  await withLog(async (log) => {
    log.append('MessageSent', { messageId: 'm0' }, { conversationId: 'c' });
    // seconds of DuckDB's time here, as analytics over a month of a busy log are
    const long = log.query<{ n: string }>(`SELECT count(*) AS n FROM range(200000000) t(i) WHERE i % 7 = 3`).then((r) => {
      order.push('long read');
      return r;
  });
  log.append('DeploymentCompleted', { id: 'd1' }, { deploymentId: 'd1' });
  await log.flush();
  order.push('flush');
  const short = await log.query<{ n: string }>(`SELECT count(*) AS n FROM events`);
  order.push('short read');
  assert.is(Number(short[0]!.n), 2, 'the short read sees everything appended before it');
  const closed = log.close().then(() => order.push('close'));
  assert.is(Number((await long)[0]!.n), 28571429);
  await closed;
  assert.equal(order, ['flush', 'short read', 'long read', 'close']);
  });
});

Commit.run();

const Backlog = suite('event log :: a log that falls behind sheds message events, counts them and says so');

Backlog('while the worker is held (as by a stalled disk): message events past the backlog are shed and recorded as one EventsDropped; a deployment\'s is kept; seqs stay unbroken; then it catches up', async () => {
  const warnings: string[] = [];
  const logger = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(JSON.parse(line).msg as string) });
  const reported: DroppedEvents[] = [];
  await withLog(async (log) => {
    const slow = holdWorker(log);
    await new Promise((r) => setTimeout(r, 20));
    for (let i = 0; i < 2000; i++) {
      log.append('MessageSent', { messageId: `m${i}`, performative: 'request', sender: 'client', capability: 'echo', receiver: null }, { conversationId: `c${i % 50}` });
      if (i === 1500) log.append('DeploymentCompleted', { id: 'd1', status: 'succeeded' }, { deploymentId: 'd1' });
    }
    await slow;
    await log.flush();
    const counts = Object.fromEntries((await log.query<{ type: string; n: string }>(`SELECT type, count(*) AS n FROM events GROUP BY 1`)).map((r) => [r.type, Number(r.n)]));
    const dropped = await log.events({ type: 'EventsDropped' });
    assert.is(dropped.length, 1, 'one record for the time behind');
    const d = dropped[0]!.payload as DroppedEvents;
    assert.ok(d.events > 1000, `most of the 2,000 shed with a 4 KB backlog (${d.events})`);
    assert.equal(d.types, { MessageSent: d.events });
    assert.is(d.maxBacklogBytes, 4096);
    assert.is(counts.MessageSent! + d.events, 2000, 'every message event is stored or counted');
    assert.is(counts.DeploymentCompleted, 1, 'a deployment is never shed');
    // shed events took no seq: the log's seqs run without a gap
    const seqs = await log.query<{ n: string; max: string }>(`SELECT count(*) AS n, max(seq) AS max FROM events`);
    assert.is(seqs[0]!.n, seqs[0]!.max);
    assert.equal(reported, [d]);
    assert.ok(warnings.some((w) => /behind: shedding message and tool events/.test(w)), warnings.join('\n'));
    assert.ok(warnings.some((w) => new RegExp(`caught up; it shed ${d.events} `).test(w)), warnings.join('\n'));
    // caught up, it stores everything again
    for (let i = 0; i < 100; i++) log.append('MessageSent', { messageId: `n${i}` }, { conversationId: 'after' });
    await log.flush();
    assert.is((await log.events({ conversationId: 'after', limit: 1000 })).length, 100);
    assert.is((await log.events({ type: 'EventsDropped' })).length, 1);
  }, { maxBatch: 20, logger, maxBacklogBytes: 4096, onDropped: (d) => reported.push(d) });
});

Backlog('under the limit nothing is shed, however many events', async () => {
  await withLog(async (log) => {
    const slow = holdWorker(log);
    for (let i = 0; i < 2000; i++) log.append('MessageSent', { messageId: `m${i}` }, { conversationId: `c${i % 50}` });
    await slow;
    await log.flush();
    assert.is((await log.events({ type: 'MessageSent', limit: 10_000 })).length, 2000);
    assert.is((await log.events({ type: 'EventsDropped' })).length, 0);
  }, { maxBatch: 20, onDropped: () => assert.unreachable('nothing to shed') });
});

Backlog.run();

const Prune = suite('event log :: prune');

Prune('deletes the listed types and grouped events stored before the time, answers how many events, and takes only type names', async () => {
  await withLog(async (log) => {
    const old = T0 - 86_400_000;
    log.append('MessageSent', { messageId: 'm1' }, { conversationId: 'c', at: old });
    log.append('MessageRouted', { messageId: 'm1' }, { conversationId: 'c', at: old });
    log.append('RoutingFailed', { messageId: 'm2' }, { at: old });
    log.append('DeploymentCompleted', { id: 'd' }, { deploymentId: 'd', at: old });
    log.append('RoutingFailed', { messageId: 'm3' }, { at: T0 });
    assert.is(await log.prune(T0, ['RoutingFailed']), 3);
    assert.equal((await log.events()).map((e) => e.type), ['RoutingFailed', 'DeploymentCompleted']);
    assert.is(await log.prune(T0, ['RoutingFailed']), 0);
    try {
      await log.prune(T0, ["x') OR 1=1 --"]);
      assert.unreachable('a type that is not a name is refused');
    } catch (err) {
      assert.match((err as Error).message, /not an event type/);
    }
    assert.is((await log.events()).length, 2);
  }, { maxBatch: 20 });
});

Prune.run();
