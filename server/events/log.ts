// The event log: one DuckDB file in the data folder, one table of events. Appends are buffered and
// written in batches through DuckDB's appender, off the request path; `flush()` makes everything
// appended so far durable (a deployment awaits it before it answers). One process owns the file.
import { DuckDBInstance, DuckDBTimestampValue, type DuckDBConnection, type DuckDBAppender, type DuckDBValue } from '@duckdb/node-api';
import type { Logger } from 'pino';

export interface CaxtonEvent {
  seq: number;
  ts: string;
  type: string;
  deploymentId: string | null;
  conversationId: string | null;
  payload: unknown;
}

export interface AppendOptions {
  deploymentId?: string | null;
  conversationId?: string | null;
  /** epoch milliseconds; defaults to the log's clock */
  at?: number;
}

/** What the rest of the server needs from the log; tests and benches may pass a stand-in. */
export interface EventSink {
  append(type: string, payload: unknown, opts?: AppendOptions): void;
  flush(): Promise<void>;
}

interface Pending {
  seq: bigint;
  at: number;
  type: string;
  deploymentId: string | null;
  conversationId: string | null;
  payload: string;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS events (
  seq BIGINT NOT NULL,
  ts TIMESTAMP NOT NULL,
  type VARCHAR NOT NULL,
  deployment_id VARCHAR,
  conversation_id VARCHAR,
  payload JSON
)`;

export interface EventLogOptions {
  file: string;
  logger?: Logger;
  /** how long an append may wait in memory before it is written */
  flushIntervalMs?: number;
  /** a batch this large is written at once */
  maxBatch?: number;
  now?: () => number;
}

export class EventLog implements EventSink {
  private buffer: Pending[] = [];
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  private appender: DuckDBAppender | null = null;
  private appenderReady: Promise<DuckDBAppender> | null = null;
  private readonly flushIntervalMs: number;
  private readonly maxBatch: number;
  private readonly now: () => number;

  private constructor(
    private readonly db: DuckDBInstance,
    private readonly reader: DuckDBConnection,
    private readonly writer: DuckDBConnection,
    private seq: bigint,
    private readonly opts: EventLogOptions,
  ) {
    this.flushIntervalMs = opts.flushIntervalMs ?? 50;
    this.maxBatch = opts.maxBatch ?? 2000;
    this.now = opts.now ?? Date.now;
  }

  static async open(opts: EventLogOptions): Promise<EventLog> {
    const db = await DuckDBInstance.create(opts.file);
    const reader = await db.connect();
    await reader.run(SCHEMA);
    const writer = await db.connect();
    const max = await reader.runAndReadAll('SELECT coalesce(max(seq), 0) AS m FROM events');
    const seq = BigInt(String(max.getRowObjectsJson()[0]?.m ?? '0'));
    return new EventLog(db, reader, writer, seq, opts);
  }

  append(type: string, payload: unknown, opts: AppendOptions = {}): void {
    if (this.closed) return;
    this.seq += 1n;
    this.buffer.push({
      seq: this.seq,
      at: opts.at ?? this.now(),
      type,
      deploymentId: opts.deploymentId ?? null,
      conversationId: opts.conversationId ?? null,
      payload: JSON.stringify(payload ?? null),
    });
    if (this.buffer.length >= this.maxBatch) this.writeLogged();
    else if (!this.timer) {
      this.timer = setTimeout(() => this.writeLogged(), this.flushIntervalMs);
      this.timer.unref();
    }
  }

  /** Writes whatever is buffered; resolves once it is committed. */
  async flush(): Promise<void> {
    if (!this.appender && this.buffer.length) {
      this.appender = await (this.appenderReady ??= this.writer.createAppender('events'));
    }
    this.write();
  }

  private writeLogged(): void {
    try {
      this.write();
    } catch {
      /* logged in write(); the next flush retries with a new appender */
    }
  }

  private write(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (!this.buffer.length) return;
    if (!this.appender) {
      // First write: the appender is created asynchronously once, then reused.
      void this.flush().catch((err: unknown) => this.opts.logger?.error({ err }, 'event log flush failed'));
      return;
    }
    const batch = this.buffer;
    this.buffer = [];
    const a = this.appender;
    try {
      for (const e of batch) {
        a.appendBigInt(e.seq);
        a.appendTimestamp(new DuckDBTimestampValue(BigInt(e.at) * 1000n));
        a.appendVarchar(e.type);
        if (e.deploymentId === null) a.appendNull();
        else a.appendVarchar(e.deploymentId);
        if (e.conversationId === null) a.appendNull();
        else a.appendVarchar(e.conversationId);
        a.appendVarchar(e.payload);
        a.endRow();
      }
      a.flushSync();
    } catch (err) {
      // An appender that failed is unusable; the next write opens a new one.
      this.opts.logger?.error({ err, lost: batch.length }, 'event log write failed');
      try {
        a.closeSync();
      } catch {
        /* already broken */
      }
      this.appender = null;
      this.appenderReady = null;
      throw err;
    }
  }

  /** Runs a read query; rows come back with JSON-safe values (BIGINT as string). */
  async query<T = Record<string, unknown>>(sql: string, params: Record<string, DuckDBValue> = {}): Promise<T[]> {
    await this.flush();
    const r = await this.reader.runAndReadAll(sql, params);
    return r.getRowObjectsJson() as unknown as T[];
  }

  async events({ type, limit = 100, deploymentId }: { type?: string; limit?: number; deploymentId?: string } = {}): Promise<CaxtonEvent[]> {
    const where: string[] = [];
    const params: Record<string, DuckDBValue> = { limit: Math.max(1, Math.min(limit, 10_000)) };
    if (type) {
      where.push('type = $type');
      params.type = type;
    }
    if (deploymentId) {
      where.push('deployment_id = $dep');
      params.dep = deploymentId;
    }
    const rows = await this.query<{ seq: string; ts: string; type: string; deployment_id: string | null; conversation_id: string | null; payload: string | null }>(
      `SELECT seq, strftime(ts, '%Y-%m-%dT%H:%M:%S.%gZ') AS ts, type, deployment_id, conversation_id, payload FROM events
       ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT $limit`,
      params,
    );
    return rows.map((r) => ({
      seq: Number(r.seq),
      ts: r.ts,
      type: r.type,
      deploymentId: r.deployment_id,
      conversationId: r.conversation_id,
      payload: r.payload === null ? null : JSON.parse(r.payload),
    }));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.flush();
    this.closed = true;
    try {
      this.appender?.closeSync();
      this.writer.closeSync();
      this.reader.closeSync();
      this.db.closeSync();
    } catch (err) {
      this.opts.logger?.warn({ err }, 'event log close failed');
    }
  }
}
