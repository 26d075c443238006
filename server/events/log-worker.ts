// The event log's worker thread: it alone owns the DuckDB file. The main thread sends batches of
// rows (wire.ts) and queries; appending, committing and querying all happen here, off the request
// path. Appended rows are committed within COMMIT_MS, at COMMIT_ROWS, and before any flush or
// query: each commit pays a fixed cost (its WAL sync) on top of its rows', so under load a few
// large commits replace many small ones. Such a commit still goes through the write-ahead log:
// DuckDB writes straight to the file only from a full row group (122,880 rows), and committing
// that many measured no cheaper per row.
import { parentPort } from 'node:worker_threads';
import { BUFFER_BACK, GROUP, PART, ROWS, decodeRows, groupRows, type Row } from './wire.js';
import { batchText } from './batch-writer.js';
import { eventsSql } from './view.js';
import { DuckDBInstance, DuckDBTimestampValue, type DuckDBAppender, type DuckDBConnection, type DuckDBValue } from '@duckdb/node-api';

export type Request =
  | { id: number; op: 'open'; file: string; stored: SharedArrayBuffer }
  | { id: number; op: 'append'; buffer: ArrayBuffer; length: number }
  | { id: number; op: 'flush' }
  | { id: number; op: 'query'; sql: string; params: Record<string, DuckDBValue> }
  | { id: number; op: 'prune'; before: number; types: string[] }
  | { id: number; op: 'close' }
  /** blocks this thread until the flag's first Int32 is not 0 (EventLog.hold) */
  | { id: number; op: 'hold'; until: SharedArrayBuffer };

/** What the worker's queue runs: an append's batch is decoded as it arrives, and queued as its text. */
type Job = Exclude<Request, { op: 'append' | 'hold' }> | { id: number; op: 'rows'; rows: string; bytes: number };

/** `lost`: on a failed commit, the stored rows it held (they are gone: the log's metrics count them) */
export type Response = { id: number; ok: true; value?: unknown } | { id: number; ok: false; error: string; lost?: number };

// Rows are stored in event_rows; `events` is the view every query reads, with each GROUP row
// (wire.ts) split back into its events. Events with neither a conversation nor a group key are never
// grouped, so a query about those alone (deployments, webhooks, milestones) may read ROWS and skip
// the split.
// The view also rebuilds compact payloads (compact.ts) as JSON text.
// payload is VARCHAR, not JSON: DuckDB's JSON functions read it the same, and appending skips
// the JSON cast, which was most of the cost of a write.
const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS ${ROWS} (
    seq BIGINT NOT NULL,
    ts TIMESTAMP NOT NULL,
    type VARCHAR NOT NULL,
    deployment_id VARCHAR,
    conversation_id VARCHAR,
    payload VARCHAR
  )`,
  `CREATE OR REPLACE VIEW events AS ${eventsSql()}`,
];

let db: DuckDBInstance | null = null;
/** opens the log, appends, commits and prunes; reads have connections of their own (Readers) */
let writer: DuckDBConnection | null = null;
let appender: DuckDBAppender | null = null;
/** bytes of batches stored (or failed), shared with the main thread: what it sent less this is the backlog */
let stored: BigInt64Array | null = null;

/**
 * How much write-ahead log DuckDB keeps before it checkpoints (its default is 16 MB). A checkpoint
 * compresses the table's newest row group again, whole; at the default that happened every second
 * or so under load. Measured at 30,000 messages a second: 4–6 µs less CPU a message (of ~40) and a
 * file 40 % smaller. The price is crash recovery, which replays up to this much log on open
 * (~170 ms for 19 MB here); a clean close checkpoints.
 */
const CHECKPOINT_WAL = '128MB';

async function open(file: string, storedBytes: SharedArrayBuffer): Promise<number> {
  stored = new BigInt64Array(storedBytes);
  db = await DuckDBInstance.create(file, { checkpoint_threshold: CHECKPOINT_WAL });
  writer = await db.connect();
  // a log written before groups existed kept its rows in a table named events
  const old = await writer.runAndReadAll(`SELECT 1 FROM information_schema.tables WHERE table_name = 'events' AND table_type = 'BASE TABLE'`);
  if (old.currentRowCount > 0) await writer.run(`ALTER TABLE events RENAME TO ${ROWS}`);
  for (const sql of SCHEMA) await writer.run(sql);
  const r = await writer.runAndReadAll(`SELECT coalesce(max(seq), 0) AS m FROM ${ROWS}`);
  appender = await writer.createAppender(ROWS);
  return Number(r.getRowObjectsJson()[0]?.m ?? 0);
}

/** Appended rows wait at most this long for their commit… */
const COMMIT_MS = 1000;
/** …or until this many are waiting. */
const COMMIT_ROWS = 100_000;

/** rows appended since the last commit */
let pending = 0;
let commitTimer: NodeJS.Timeout | null = null;

function append(batch: string): void {
  const rows = groupRows(decodeRows(batch));
  for (const row of rows) appendRow(appender!, row);
  pending += rows.length;
}

function appendRow(a: DuckDBAppender, row: Row): void {
  a.appendBigInt(BigInt(row[0]));
  a.appendTimestamp(new DuckDBTimestampValue(BigInt(row[1]) * 1000n));
  a.appendVarchar(row[2]);
  if (row[3] === null) a.appendNull();
  else a.appendVarchar(row[3]);
  if (row[4] === null) a.appendNull();
  else a.appendVarchar(row[4]);
  a.appendVarchar(row[5]);
  a.endRow();
}

async function flush(): Promise<void> {
  if (commitTimer) {
    clearTimeout(commitTimer);
    commitTimer = null;
  }
  const uncommitted = pending;
  pending = 0;
  if (!uncommitted || !appender) return;
  try {
    appender.flushSync();
  } catch (err) {
    (err as { lost?: number }).lost = uncommitted;
    // A failed appender is unusable: open a new one so later events still land.
    try {
      appender.closeSync();
    } catch {
      /* already broken */
    }
    appender = await writer!.createAppender(ROWS);
    throw err;
  }
}

/**
 * Deletes the rows of the given types, and every GROUP row (a conversation's events, or a tool's),
 * last written before `before` (epoch ms); answers how many events they held.
 */
async function prune(before: number, types: string[]): Promise<number> {
  // our own type names, spelt into the SQL: checked, so nothing else can be
  const bad = types.find((t) => !/^[A-Za-z]+$/.test(t));
  if (bad !== undefined) throw new Error(`not an event type: ${JSON.stringify(bad)}`);
  const listed = types.length ? ` OR type IN (${types.map((t) => `'${t}'`).join(', ')})` : '';
  const where = `ts < make_timestamp(CAST($before AS BIGINT) * 1000) AND (type = '${GROUP}'${listed})`;
  const parts = `length(payload) - length(replace(payload, chr(${PART.charCodeAt(0)}), '')) + 1`;
  const counted = await writer!.runAndReadAll(`SELECT coalesce(sum(CASE WHEN type = '${GROUP}' THEN ${parts} ELSE 1 END), 0) AS n FROM ${ROWS} WHERE ${where}`, { before });
  const n = Number(counted.getRowObjectsJson()[0]?.n ?? 0);
  if (n > 0) await writer!.run(`DELETE FROM ${ROWS} WHERE ${where}`, { before });
  return n;
}

/**
 * Reads run beside the queue, not in it: a read waits in the queue only for the commit of what was
 * appended before it, then runs on a connection of its own while the queue goes on. Run in the
 * queue, a long one (analytics over a month of a busy log: seconds) held every commit behind it,
 * and so every deployment's answer (it awaits its events' commit) and webhook's duplicate check.
 * At most MAX_READERS run at once, each on its own connection (DuckDB runs one query at a time on
 * a connection); the others wait their turn.
 */
const MAX_READERS = 4;

class Readers {
  private readonly idle: DuckDBConnection[] = [];
  private readonly all: DuckDBConnection[] = [];
  private readonly waiting: Array<(c: DuckDBConnection) => void> = [];
  private readonly running = new Set<Promise<unknown>>();

  /** Answers the query's rows; it runs once a connection is free. */
  run(sql: string, params: Record<string, DuckDBValue>): Promise<unknown> {
    const done = this.take().then(async (c) => {
      try {
        return (await c.runAndReadAll(sql, params)).getRowObjectsJson();
      } finally {
        this.give(c);
      }
    });
    const tracked = done.catch(() => undefined);
    this.running.add(tracked);
    void tracked.then(() => this.running.delete(tracked));
    return done;
  }

  /** once every read started has ended: the connections close with the log */
  async close(): Promise<void> {
    while (this.running.size) await Promise.all(this.running);
    for (const c of this.all.splice(0)) c.closeSync();
    this.idle.length = 0;
  }

  private async take(): Promise<DuckDBConnection> {
    const c = this.idle.pop();
    if (c) return c;
    if (this.all.length < MAX_READERS) {
      const made = await db!.connect();
      this.all.push(made);
      return made;
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private give(c: DuckDBConnection): void {
    const next = this.waiting.shift();
    if (next) next(c);
    else this.idle.push(c);
  }
}

const readers = new Readers();

async function handle(req: Job): Promise<unknown> {
  switch (req.op) {
    case 'open':
      return open(req.file, req.stored);
    case 'rows':
      append(req.rows);
      return undefined;
    case 'flush':
      return flush();
    case 'query':
      // the queue answers this one once the read ends (enqueue)
      await flush();
      return undefined;
    case 'prune':
      await flush();
      return prune(req.before, req.types);
    case 'close':
      await flush().catch(() => undefined);
      await readers.close();
      appender?.closeSync();
      writer?.closeSync();
      db?.closeSync();
      return undefined;
  }
}

/** The read's answer, when it ends; the queue does not wait for it. */
function read(req: Extract<Job, { op: 'query' }>): void {
  readers.run(req.sql, req.params).then(
    (value) => parentPort!.postMessage({ id: req.id, ok: true, value } satisfies Response),
    (err: unknown) => parentPort!.postMessage({ id: req.id, ok: false, error: (err as Error).message } satisfies Response),
  );
}

// Requests run strictly in order, so an append is always in before a later flush or query.
let chain: Promise<void> = Promise.resolve();
function enqueue(req: Job): void {
  chain = chain.then(async () => {
    try {
      const value = await handle(req);
      if (req.op === 'rows') {
        // Appends need no answer; their commit comes with the next large batch or the timer.
        if (pending >= COMMIT_ROWS) await flush();
        else if (!commitTimer) commitTimer = setTimeout(() => enqueue({ id: -1, op: 'flush' }), COMMIT_MS);
        return;
      }
      if (req.id === -1) return; // the commit timer's own flush
      if (req.op === 'query') return read(req);
      parentPort!.postMessage({ id: req.id, ok: true, value } satisfies Response);
    } catch (err) {
      const lost = (err as { lost?: number }).lost;
      // a commit's failure is reported once, to the log's owner (id -1), whoever asked for the commit
      if (lost !== undefined) parentPort!.postMessage({ id: -1, ok: false, error: (err as Error).message, lost } satisfies Response);
      if (req.op !== 'rows' && req.id !== -1) parentPort!.postMessage({ id: req.id, ok: false, error: (err as Error).message } satisfies Response);
      else if (lost === undefined) parentPort!.postMessage({ id: -1, ok: false, error: (err as Error).message } satisfies Response);
    } finally {
      if (req.op === 'rows') Atomics.add(stored!, 0, BigInt(req.bytes));
    }
  });
}
/** The longest a hold may last: a test that never releases one does not leave a worker stuck. */
const MAX_HOLD_MS = 60_000;

parentPort!.on('message', (req: Request) => {
  if (req.op === 'hold') {
    // right away, whatever is queued: nothing on this thread runs until it is released
    Atomics.wait(new Int32Array(req.until), 0, 0, MAX_HOLD_MS);
    return;
  }
  if (req.op !== 'append') return enqueue(req);
  // decoded at once, so its buffer goes back for the next batches while DuckDB is still busy
  const rows = batchText(req.buffer, req.length);
  parentPort!.postMessage({ id: BUFFER_BACK, ok: true, value: req.buffer } satisfies Response, [req.buffer]);
  enqueue({ id: req.id, op: 'rows', rows, bytes: req.length });
});
