// The event log's worker thread: it alone owns the DuckDB file. The main thread sends batches of
// rows and queries; appending, flushing and querying all happen here, off the request path.
import { parentPort } from 'node:worker_threads';
import { DuckDBInstance, DuckDBTimestampValue, type DuckDBAppender, type DuckDBConnection, type DuckDBValue } from '@duckdb/node-api';

/** [seq, epoch ms, type, deployment id, conversation id, payload JSON text] */
export type Row = [number, number, string, string | null, string | null, string];

export type Request =
  | { id: number; op: 'open'; file: string }
  | { id: number; op: 'append'; rows: Row[] }
  | { id: number; op: 'flush' }
  | { id: number; op: 'query'; sql: string; params: Record<string, DuckDBValue> }
  | { id: number; op: 'close' };

export type Response = { id: number; ok: true; value?: unknown } | { id: number; ok: false; error: string };

// payload is VARCHAR, not JSON: DuckDB's JSON functions read it the same, and appending skips
// the JSON cast, which was most of the cost of a write.
const SCHEMA = `
CREATE TABLE IF NOT EXISTS events (
  seq BIGINT NOT NULL,
  ts TIMESTAMP NOT NULL,
  type VARCHAR NOT NULL,
  deployment_id VARCHAR,
  conversation_id VARCHAR,
  payload VARCHAR
)`;

let db: DuckDBInstance | null = null;
let reader: DuckDBConnection | null = null;
let writer: DuckDBConnection | null = null;
let appender: DuckDBAppender | null = null;
let dirty = false;

async function open(file: string): Promise<number> {
  db = await DuckDBInstance.create(file);
  reader = await db.connect();
  await reader.run(SCHEMA);
  writer = await db.connect();
  appender = await writer.createAppender('events');
  const r = await reader.runAndReadAll('SELECT coalesce(max(seq), 0) AS m FROM events');
  return Number(r.getRowObjectsJson()[0]?.m ?? 0);
}

function append(rows: Row[]): void {
  const a = appender!;
  for (const [seq, at, type, dep, conv, payload] of rows) {
    a.appendBigInt(BigInt(seq));
    a.appendTimestamp(new DuckDBTimestampValue(BigInt(at) * 1000n));
    a.appendVarchar(type);
    if (dep === null) a.appendNull();
    else a.appendVarchar(dep);
    if (conv === null) a.appendNull();
    else a.appendVarchar(conv);
    a.appendVarchar(payload);
    a.endRow();
  }
  dirty = true;
}

async function flush(): Promise<void> {
  if (!dirty || !appender) return;
  try {
    appender.flushSync();
  } catch (err) {
    // A failed appender is unusable: open a new one so later events still land.
    try {
      appender.closeSync();
    } catch {
      /* already broken */
    }
    appender = await writer!.createAppender('events');
    throw err;
  } finally {
    dirty = false;
  }
}

async function handle(req: Request): Promise<unknown> {
  switch (req.op) {
    case 'open':
      return open(req.file);
    case 'append':
      append(req.rows);
      return undefined;
    case 'flush':
      return flush();
    case 'query': {
      await flush();
      const r = await reader!.runAndReadAll(req.sql, req.params);
      return r.getRowObjectsJson();
    }
    case 'close':
      await flush().catch(() => undefined);
      appender?.closeSync();
      writer?.closeSync();
      reader?.closeSync();
      db?.closeSync();
      return undefined;
  }
}

// Requests run strictly in order, so an append is always in before a later flush or query.
let chain: Promise<void> = Promise.resolve();
let sinceFlush = 0;
parentPort!.on('message', (req: Request) => {
  chain = chain.then(async () => {
    try {
      const value = await handle(req);
      if (req.op === 'append') {
        // Batches are committed as they come when the main thread is busy; appends need no answer.
        if ((sinceFlush += req.rows.length) >= 2000) {
          sinceFlush = 0;
          await flush();
        }
        return;
      }
      parentPort!.postMessage({ id: req.id, ok: true, value } satisfies Response);
    } catch (err) {
      if (req.op !== 'append') parentPort!.postMessage({ id: req.id, ok: false, error: (err as Error).message } satisfies Response);
      else parentPort!.postMessage({ id: -1, ok: false, error: (err as Error).message } satisfies Response);
    }
  });
});
