// The event log: one DuckDB file in the data folder, owned by a worker thread (log-worker.ts).
// `append` only writes the event's row (wire.ts) into the batch's bytes (batch-writer.ts): the
// payload compactly for the hot event types (compact.ts), as a part of the row before it when both
// are of one conversation. The batch's buffer goes to the worker every 50 ms or 400 events, moved
// rather than copied; there its text is decoded, a conversation's rows in the batch are merged and
// DuckDB's appender writes them, so the log never slows the request path much. `flush()` resolves
// once everything appended so far is committed (a deployment awaits it before it answers). One
// process owns the file; the CLI reads through the API.
//
// The log's memory is bounded. The worker counts the bytes it has stored in shared memory; when
// what was sent and not yet stored passes maxBacklogBytes (DuckDB stalled on a slow disk, say), the
// log sheds the events every message and tool call writes (SHEDDABLE_EVENTS) until it is back under
// half of that, then records how many of each it shed as one EventsDropped. It warns as it starts
// and when it has caught up.
import { Worker } from 'node:worker_threads';
import type { DuckDBValue } from '@duckdb/node-api';
import type { Logger } from 'pino';
import type { Request, Response } from './log-worker.js';
import { BUFFER_BACK, GROUP, KEY, ROWS, writePartHead, writeRowHead } from './wire.js';
import { partTypeSql, splitSql, withJsonPayload } from './view.js';
import { writeCompact } from './compact.js';
import { BatchWriter } from './batch-writer.js';
import { LogEvent, SHEDDABLE_EVENTS } from './types.js';

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
  /**
   * Events without a conversation that may share a stored row with others of the same key (a tool's
   * calls, say): high-volume events only. A conversation's events share rows without it.
   */
  group?: string;
}

/** What the rest of the server needs from the log; tests and benches may pass a stand-in. */
export interface EventSink {
  append(type: string, payload: unknown, opts?: AppendOptions): void;
  flush(): Promise<void>;
}

export interface EventLogOptions {
  file: string;
  logger?: Logger;
  /** how long an append may wait in memory before it is sent to the writer */
  flushIntervalMs?: number;
  /** a batch this large is sent at once */
  maxBatch?: number;
  now?: () => number;
  /** bytes sent to the worker and not yet stored past which the log sheds message and tool events (default 256 MiB) */
  maxBacklogBytes?: number;
  /** the event types it may shed (default SHEDDABLE_EVENTS) */
  sheddable?: ReadonlySet<string>;
  /** after a time behind, once caught up: the events it shed */
  onDropped?: (dropped: DroppedEvents) => void;
  /** a commit that failed (a full disk, say), with the stored rows it held, now lost */
  onWriteFailed?: (rows: number) => void;
}

/** The payload of an EventsDropped event. */
export interface DroppedEvents {
  /** how many events were shed, and of which types */
  events: number;
  types: Record<string, number>;
  /** the first and last shed event's time */
  since: string;
  until: string;
  maxBacklogBytes: number;
}

export const DEFAULT_MAX_BACKLOG = 256 * 1024 * 1024;

type DuckParams = Record<string, DuckDBValue>;

type Body = Request extends infer R ? (R extends Request ? Omit<R, 'id'> : never) : never;

export class EventLog implements EventSink {
  /** the rows (wire.ts) not yet handed to the worker */
  private readonly batch = new BatchWriter();
  private batched = 0;
  /** the group key and deployment of the row the batch ends with: an event of both joins it as a part */
  private lastKey: string | null = null;
  private lastDep: string | null = null;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  private failure: Error | null = null;
  private readonly flushIntervalMs: number;
  private readonly maxBatch: number;
  private readonly now: () => number;
  /** bytes of batches handed to the worker, and (written by the worker) bytes of those it has stored */
  private sentBytes = 0;
  private readonly storedBytes = new BigInt64Array(new SharedArrayBuffer(8));
  private readonly maxBacklog: number;
  private readonly sheddable: ReadonlySet<string>;
  /** shedding: set when the backlog passes maxBacklog, cleared under half of it */
  private behind = false;
  private shed: { events: number; types: Record<string, number>; since: number; until: number } | null = null;

  private constructor(private readonly worker: Worker, private seq: number, private readonly opts: EventLogOptions) {
    this.flushIntervalMs = opts.flushIntervalMs ?? 50;
    // fits the writer's first buffer with room to spare; 4,000 measured no better over HTTP
    this.maxBatch = opts.maxBatch ?? 400;
    this.now = opts.now ?? Date.now;
    this.maxBacklog = opts.maxBacklogBytes ?? DEFAULT_MAX_BACKLOG;
    this.sheddable = opts.sheddable ?? SHEDDABLE_EVENTS;
  }

  static async open(opts: EventLogOptions): Promise<EventLog> {
    const worker = new Worker(new URL('./log-worker.js', import.meta.url));
    const log = new EventLog(worker, 0, opts);
    worker.on('message', (res: Response) => log.settle(res));
    worker.on('error', (err) => log.crash(err));
    worker.on('exit', (code) => {
      if (!log.closed) log.crash(new Error(`event log worker exited with code ${code}`));
    });
    try {
      log.seq = (await log.request({ op: 'open', file: opts.file, stored: log.storedBytes.buffer as SharedArrayBuffer })) as number;
    } catch (err) {
      // the caller reports why it could not open (a data folder in use, say): its worker's exit is not news
      log.closed = true;
      await worker.terminate();
      throw err;
    }
    // The worker must not keep a finished process alive; close() is the orderly way out.
    worker.unref();
    return log;
  }

  private settle(res: Response): void {
    if (res.id === BUFFER_BACK) {
      if (res.ok) this.batch.recycle(res.value as ArrayBuffer);
      return;
    }
    if (res.id === -1) {
      if (!res.ok) {
        this.opts.logger?.error({ err: new Error(res.error), rowsLost: res.lost }, 'event log write failed');
        if (res.lost) this.opts.onWriteFailed?.(res.lost);
      }
      return;
    }
    const w = this.waiting.get(res.id);
    if (!w) return;
    this.waiting.delete(res.id);
    if (this.waiting.size === 0 && !this.closed) this.worker.unref();
    if (res.ok) w.resolve(res.value);
    else w.reject(new Error(res.error));
  }

  private crash(err: Error): void {
    this.failure = err;
    this.opts.logger?.error({ err }, 'event log worker failed');
    for (const w of this.waiting.values()) w.reject(err);
    this.waiting.clear();
  }

  private request(body: Body): Promise<unknown> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    // A pending answer keeps the process alive; an idle log does not.
    if (this.waiting.size === 0) this.worker.ref();
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.worker.postMessage({ ...body, id } as Request);
    });
  }

  append(type: string, payload: unknown, opts: AppendOptions = {}): void {
    if (this.closed) return;
    if (this.behind && this.sheddable.has(type) && this.stillBehind()) {
      this.shedOne(type, opts.at ?? this.now());
      return;
    }
    this.write(type, payload, opts);
    if (++this.batched >= this.maxBatch) this.send();
    else if (!this.timer) {
      this.timer = setTimeout(() => this.send(), this.flushIntervalMs);
      this.timer.unref();
    }
  }

  /** The event's row (or part) into the batch. */
  private write(type: string, payload: unknown, opts: AppendOptions): void {
    const seq = ++this.seq;
    const at = opts.at ?? this.now();
    // rows are grouped by conversation, or by group key (wire.ts)
    const key = opts.conversationId ?? (opts.group ? KEY + opts.group : null);
    const dep = opts.deploymentId ?? null;
    const w = this.batch;
    if (key !== null && key === this.lastKey && dep === this.lastDep) writePartHead(w, seq, at, type);
    else {
      writeRowHead(w, seq, at, type, dep, key);
      this.lastKey = key;
      this.lastDep = dep;
    }
    const head = w.pos;
    if (!(typeof payload === 'object' && payload !== null && writeCompact(type, payload, w))) {
      w.pos = head;
      // a payload JSON cannot write (a function, say) is stored as null rather than breaking the request path
      w.text(JSON.stringify(payload ?? null) ?? 'null');
    }
  }

  /** Bytes handed to the worker and not yet stored: past maxBacklogBytes the log sheds (see the top). */
  backlog(): number {
    return this.sentBytes - Number(Atomics.load(this.storedBytes, 0));
  }

  /** While shedding: true until the backlog is under half the limit; then the log has caught up. */
  private stillBehind(): boolean {
    if (this.backlog() > this.maxBacklog / 2) return true;
    this.caughtUp();
    return false;
  }

  /** Appends are stored again; what was shed is recorded (shed events only ever gather while behind). */
  private caughtUp(): void {
    this.behind = false;
    this.recordShed();
  }

  private shedOne(type: string, at: number): void {
    const s = (this.shed ??= { events: 0, types: {}, since: at, until: at });
    s.events++;
    s.types[type] = (s.types[type] ?? 0) + 1;
    s.until = at;
  }

  /** One EventsDropped for the events shed, into the batch. */
  private recordShed(): void {
    const s = this.shed;
    if (!s) return;
    this.shed = null;
    const dropped: DroppedEvents = { events: s.events, types: s.types, since: new Date(s.since).toISOString(), until: new Date(s.until).toISOString(), maxBacklogBytes: this.maxBacklog };
    this.write(LogEvent.EventsDropped, dropped, {});
    this.batched++;
    this.opts.logger?.warn({ dropped }, `event log caught up; it shed ${s.events} message and tool events while behind`);
    this.opts.onDropped?.(dropped);
  }

  /** Hands the buffered rows to the writer (no answer awaited). */
  private send(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (!this.batched) return;
    const { buffer, length } = this.batch.take();
    this.batched = 0;
    this.lastKey = null;
    // a worker that failed reads nothing more: the batch is dropped, not kept growing in memory
    if (this.failure) return;
    this.worker.postMessage({ id: 0, op: 'append', buffer, length } as Request, [buffer]);
    this.sentBytes += length;
    const backlog = this.backlog();
    if (!this.behind && backlog > this.maxBacklog) {
      this.behind = true;
      this.opts.logger?.warn(
        { backlogBytes: backlog, maxBacklogBytes: this.maxBacklog },
        'event log is behind: shedding message and tool events until it catches up (deployments, webhooks and the rest are kept)',
      );
    }
  }

  /** Resolves once everything appended so far is committed (and what was shed, recorded). */
  async flush(): Promise<void> {
    this.send();
    await this.request({ op: 'flush' });
    if (this.behind) {
      // everything sent is stored now: the log has caught up
      this.caughtUp();
      this.send();
      await this.request({ op: 'flush' });
    }
  }

  /**
   * Deletes what was stored before `before` (epoch ms) of the given types and every conversation's
   * and tool's grouped events: the events of messages, tool calls and token usage. Answers how many
   * events it deleted.
   */
  async prune(before: number, types: readonly string[]): Promise<number> {
    this.send();
    return (await this.request({ op: 'prune', before, types: [...types] })) as number;
  }

  /**
   * Stops the worker (it stores and answers nothing) until the returned function is called, or for
   * a minute at most: what a stalled disk does to the log, for tests and benches of a log that
   * falls behind.
   */
  hold(): () => void {
    const flag = new Int32Array(new SharedArrayBuffer(4));
    this.worker.postMessage({ id: 0, op: 'hold', until: flag.buffer as SharedArrayBuffer } satisfies Request);
    return () => {
      Atomics.store(flag, 0, 1);
      Atomics.notify(flag, 0);
    };
  }

  /**
   * Runs a read query once everything appended so far is committed; rows come back JSON-safe
   * (BIGINT as string). It runs beside later appends and commits, not before them (log-worker.ts).
   */
  async query<T = Record<string, unknown>>(sql: string, params: DuckParams = {}): Promise<T[]> {
    this.send();
    return (await this.request({ op: 'query', sql, params })) as T[];
  }

  async events({ type, limit = 100, deploymentId, conversationId }: { type?: string; limit?: number; deploymentId?: string; conversationId?: string } = {}): Promise<CaxtonEvent[]> {
    // Only the stored rows that can hold the answer are split (view.ts), and only the events
    // answered have their payload rebuilt: over the whole `events` view, the newest 50 of 5M events
    // split and rebuilt every one (~4 s, with the log's worker, history and deployments waiting).
    // deployment_id and conversation_id are a stored row's, shared by all its events.
    const where: string[] = [];
    const params: DuckParams = { limit: Math.max(1, Math.min(limit, 10_000)) };
    if (deploymentId) {
      where.push('deployment_id = $dep');
      params.dep = deploymentId;
    }
    if (conversationId) {
      where.push('conversation_id = $conv');
      params.conv = conversationId;
    }
    let candidates: string;
    if (type) {
      // a row holds an event of the type when it is of that type, or a GROUP with such a part
      where.push(`(type = $type OR (type = '${GROUP}' AND contains(payload, ${partTypeSql('$type')})))`);
      params.type = type;
      candidates = `SELECT * FROM ${ROWS} WHERE ${where.join(' AND ')}`;
    } else {
      // A row's seq is its newest event's, and a row's events are older than it: the newest `limit`
      // rows hold the newest `limit` events (each has one at its own seq, and any event outside
      // them is older than all of those).
      candidates = `SELECT * FROM ${ROWS} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT $limit`;
    }
    const newest = `SELECT * FROM (${splitSql('candidates')}) ${type ? 'WHERE type = $type' : ''} ORDER BY seq DESC LIMIT $limit`;
    const rows = await this.query<{ seq: string; ts: string; type: string; deployment_id: string | null; conversation_id: string | null; payload: string | null }>(
      `WITH candidates AS (${candidates})
       SELECT seq, strftime(ts, '%Y-%m-%dT%H:%M:%S.%gZ') AS ts, type, deployment_id, conversation_id, payload
       FROM (${withJsonPayload(newest)}) ORDER BY seq DESC`,
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
    try {
      await this.flush();
      await this.request({ op: 'close' });
    } catch (err) {
      this.opts.logger?.warn({ err }, 'event log close failed');
    } finally {
      this.closed = true;
      await this.worker.terminate();
    }
  }
}
