// A warm pool of worker threads for one deployed tool. Each worker holds the plugin instantiated
// once, so a normal call costs one message each way. The pool owns the clock: a call that outlives
// its time-out has its worker terminated (the only way to stop a wasm loop) and answered at once; a
// replacement starts in the background. Plugin failures come back as outcomes, never as rejections.
//
// Under load a worker is sent its next calls before it answers the current one (up to PIPELINE), so
// one thread wake-up serves several calls. A call waiting behind a running one is "claimed" through
// a shared counter: the worker claims a call when it starts it, the pool claims the waiting ones back
// when the running call turns out slow (STEAL_MS) and gives them to another worker. Whoever claims
// first wins, so a call never runs twice and never waits long behind a slow one.
import { Worker, type ResourceLimits } from 'node:worker_threads';
import type { CallReply, CallRequest, FailureKind, WorkerInit, WorkerMessage } from './_protocol.js';
import { httpBridge, type HttpBridge, type HttpBridgeOptions } from './http-bridge.js';

export type OutcomeKind = FailureKind | 'timeout' | 'crash' | 'aborted' | 'closed' | 'start';

export type RunOutcome =
  | { ok: true; output: Uint8Array | null; pages: number; ms: number }
  | { ok: false; kind: OutcomeKind; message: string; pages: number; ms: number };

export interface PoolOptions {
  init: Omit<WorkerInit, 'http' | 'claim'>;
  timeoutMs: number;
  /** workers kept warm (started before the first call) */
  min: number;
  /** workers at most; further calls wait for one */
  max: number;
  /** a bridge per worker when the manifest grants hosts */
  http: Omit<HttpBridgeOptions, 'allowedHosts'> | null;
  resourceLimits?: ResourceLimits;
  onLog?: (level: string, message: string) => void;
  /** after this many start-up failures in a row the pool stops replacing workers */
  maxSpawnFailures?: number;
  /** how long a worker may take to instantiate the plugin (default: timeoutMs, at least START_MS) */
  startTimeoutMs?: number;
}

/**
 * A plugin's start-up (its start function and top-level code) runs before any call's clock: a loop
 * there would hang every call and keep a core busy. A start that runs this long is stopped and
 * counted as a failed start; a normal one takes well under a second, on a loaded machine too.
 */
export const START_MS = 5000;

interface Job {
  fn: string;
  input: string;
  signal: AbortSignal | undefined;
  resolve(o: RunOutcome): void;
  onAbort: (() => void) | undefined;
}

/** A call sent to a worker: running (the first of its slot) or waiting behind it. */
interface Pending {
  /** the call's number on this worker (increasing); what the claim counter holds */
  seq: number;
  job: Job;
  /** when it became the first (its clock starts), or -1 while it waits */
  started: number;
  /** answered already (cancelled while waiting); its reply is dropped */
  done: boolean;
}

interface Slot {
  worker: Worker;
  bridge: HttpBridge | null;
  /** [0]: the highest seq claimed, by the worker (started) or by the pool (taken back) */
  claim: BigInt64Array;
  nextSeq: number;
  ready: boolean;
  dead: boolean;
  /** calls sent to this worker, in order; the first is running (or about to) */
  inflight: Pending[];
  stealTimer: NodeJS.Timeout | null;
  /**
   * Fires at the running call's deadline (one timer per worker, re-armed when it finds a later call
   * running: a timer made and cleared for every call was a visible share of a fast call's cost).
   * Referenced only while calls are in flight.
   */
  deadline: NodeJS.Timeout | null;
  /** calls for a busy worker, sent together once this turn of the event loop ends */
  outbox: CallRequest[];
  pages: number;
}

/** Calls one worker holds at most (running + waiting). */
const PIPELINE = 32;
/** Only a worker whose running call is this young takes more calls. */
const PIPELINE_FRESH_MS = 1;
/** Calls waiting behind one running longer than this are taken back and given to another worker. */
const STEAL_MS = 4;

const WORKER_URL = new URL('./plugin-worker.js', import.meta.url);

const closedOutcome = (): RunOutcome => ({ ok: false, kind: 'closed', message: 'the tool was replaced or stopped', pages: 0, ms: 0 });

export class WorkerPool {
  private readonly slots = new Set<Slot>();
  private readonly queue: Job[] = [];
  private closing = false;
  private spawnFailures = 0;
  private lastSpawnError = '';

  constructor(private readonly opts: PoolOptions) {}

  /**
   * Starts the warm workers. The promise settles when they are ready, or rejects with the first
   * start-up error; either way the pool records it, and calls report it once retries are spent.
   */
  start(): Promise<void> {
    const ready = Promise.all(Array.from({ length: Math.max(1, this.opts.min) }, () => this.spawn())).then(() => undefined);
    ready.catch(() => undefined);
    return ready;
  }

  /** Workers alive (warm or busy). */
  get size(): number {
    return this.slots.size;
  }

  /** Why the plugin cannot run, once starting it has failed too often with no worker alive; else null. */
  get unavailable(): string | null {
    return this.broken() ? `the plugin does not start: ${this.lastSpawnError}` : null;
  }

  /** Runs `fn` on a free worker (waiting for one if all are busy). */
  run(fn: string, input: string, signal?: AbortSignal): Promise<RunOutcome> {
    return new Promise<RunOutcome>((resolve) => {
      if (this.closing) return resolve(closedOutcome());
      if (signal?.aborted) return resolve({ ok: false, kind: 'aborted', message: 'the call was cancelled', pages: 0, ms: 0 });
      if (this.broken()) return resolve({ ok: false, kind: 'start', message: `the plugin does not start: ${this.lastSpawnError}`, pages: 0, ms: 0 });
      const job: Job = { fn, input, signal, resolve, onAbort: undefined };
      const slot = this.queue.length ? null : this.pick();
      if (slot) return this.dispatch(slot, job);
      this.enqueue(job, false);
      this.grow();
    });
  }

  /** Stops taking calls; lets calls already running finish (each is bounded by its time-out), then ends the workers. */
  async close(): Promise<void> {
    this.closing = true;
    for (const job of this.queue.splice(0)) {
      if (job.onAbort) job.signal?.removeEventListener('abort', job.onAbort);
      job.resolve(closedOutcome());
    }
    const ends: Promise<unknown>[] = [];
    for (const slot of [...this.slots]) if (!slot.inflight.length) ends.push(this.end(slot));
    await Promise.all(ends);
  }

  /** A call waits for a worker; cancelling it takes it out of the queue. */
  private enqueue(job: Job, front: boolean): void {
    if (job.signal) {
      job.onAbort = () => {
        const i = this.queue.indexOf(job);
        if (i >= 0) this.queue.splice(i, 1);
        job.resolve({ ok: false, kind: 'aborted', message: 'the call was cancelled while waiting for a worker', pages: 0, ms: 0 });
      };
      job.signal.addEventListener('abort', job.onAbort, { once: true });
    }
    if (front) this.queue.unshift(job);
    else this.queue.push(job);
  }

  /**
   * A busy worker whose running call is young and whose queue has room (the fullest such: packing
   * calls onto one thread costs fewer hand-offs than waking another), else an idle worker.
   */
  private pick(): Slot | null {
    let busy: Slot | null = null;
    let idle: Slot | null = null;
    const now = performance.now();
    for (const slot of this.slots) {
      if (!slot.ready || slot.dead) continue;
      const n = slot.inflight.length;
      if (n === 0) idle ??= slot;
      else if (n < PIPELINE && now - slot.inflight[0]!.started <= PIPELINE_FRESH_MS && (!busy || n > busy.inflight.length)) busy = slot;
    }
    return busy ?? idle;
  }

  private spawn(): Promise<void> {
    const bridge = this.opts.http ? httpBridge({ ...this.opts.http, allowedHosts: this.opts.init.allowedHosts }) : null;
    const claim = new BigInt64Array(new SharedArrayBuffer(8));
    const init: WorkerInit = {
      ...this.opts.init,
      claim: claim.buffer as SharedArrayBuffer,
      http: bridge ? { port: bridge.workerPort, flag: bridge.flag, timeoutMs: this.opts.http!.timeoutMs } : null,
    };
    const worker = new Worker(WORKER_URL, {
      workerData: init,
      transferList: bridge ? [bridge.workerPort] : [],
      ...(this.opts.resourceLimits ? { resourceLimits: this.opts.resourceLimits } : {}),
      stdout: true,
      stderr: true,
    });
    // Idle workers do not keep the process alive; the server's listener does.
    worker.unref();
    // A plugin cannot write to the server's stdout; WASI output goes to /dev/null, and stray worker output is dropped.
    worker.stdout.resume();
    worker.stderr.resume();
    const slot: Slot = { worker, bridge, claim, nextSeq: 1, ready: false, dead: false, inflight: [], stealTimer: null, deadline: null, outbox: [], pages: 0 };
    this.slots.add(slot);
    return new Promise<void>((resolve, reject) => {
      const startMs = this.opts.startTimeoutMs ?? Math.max(this.opts.timeoutMs, START_MS);
      const startTimer = setTimeout(() => {
        if (slot.ready || slot.dead) return;
        this.spawnFailures++;
        this.lastSpawnError = `its start-up (the module's start function or top-level code) ran past ${startMs} ms`;
        reject(new Error(this.lastSpawnError));
        void this.end(slot);
        // calls that waited for this worker get another one, or the reason once starts keep failing
        this.grow();
      }, startMs);
      startTimer.unref();
      worker.once('exit', () => clearTimeout(startTimer));
      worker.on('message', (m: WorkerMessage) => {
        if ('type' in m) {
          if (m.type === 'ready') {
            clearTimeout(startTimer);
            slot.ready = true;
            slot.pages = m.pages;
            this.spawnFailures = 0;
            resolve();
            this.pump();
          } else if (m.type === 'init-error') {
            this.spawnFailures++;
            this.lastSpawnError = m.message;
            reject(new Error(m.message));
            void this.end(slot);
          } else if (m.type === 'log') {
            this.opts.onLog?.(m.level, m.message);
          }
          return;
        }
        this.reply(slot, m);
      });
      worker.on('error', (err: Error & { code?: string }) => {
        const oom = err.code === 'ERR_WORKER_OUT_OF_MEMORY';
        if (!slot.ready) {
          this.spawnFailures++;
          this.lastSpawnError = err.message;
          reject(err);
        }
        this.kill(slot, { kind: oom ? 'memory' : 'crash', message: oom ? 'the worker ran out of heap memory' : `the worker failed: ${err.message}` });
      });
      worker.on('exit', (code) => {
        if (!slot.ready && !slot.dead) {
          this.spawnFailures++;
          reject(new Error(`the worker exited with code ${code} before the plugin was ready`));
        }
        this.kill(slot, { kind: 'crash', message: `the worker exited with code ${code}` });
      });
    });
  }

  private dispatch(slot: Slot, job: Job): void {
    if (job.onAbort) job.signal?.removeEventListener('abort', job.onAbort);
    const p: Pending = { seq: slot.nextSeq++, job, started: -1, done: false };
    if (job.signal) {
      job.onAbort = () => {
        if (slot.inflight[0] === p) this.kill(slot, { kind: 'aborted', message: 'the call was cancelled' });
        else if (!p.done) {
          // Still waiting in the worker: answer now; it runs or is skipped, and its reply is dropped.
          p.done = true;
          job.resolve({ ok: false, kind: 'aborted', message: 'the call was cancelled', pages: 0, ms: 0 });
        }
      };
      job.signal.addEventListener('abort', job.onAbort, { once: true });
    }
    slot.inflight.push(p);
    const req: CallRequest = { seq: p.seq, fn: job.fn, input: job.input };
    if (slot.inflight.length === 1) {
      // An idle worker: send at once, latency matters.
      slot.worker.postMessage(req);
      this.startHead(slot);
    } else {
      // A busy worker reads it only after its running call anyway: one message for all the calls of
      // this turn of the event loop saves a hand-off each.
      if (!slot.outbox.length) setImmediate(() => this.flush(slot));
      slot.outbox.push(req);
      this.watch(slot);
    }
  }

  private flush(slot: Slot): void {
    if (slot.dead || !slot.outbox.length) return;
    const batch = slot.outbox.splice(0);
    slot.worker.postMessage(batch.length === 1 ? batch[0] : batch);
  }

  /** The first call of a worker starts its clock. */
  private startHead(slot: Slot): void {
    const p = slot.inflight[0];
    if (!p) return;
    p.started = performance.now();
    if (!slot.deadline) this.armDeadline(slot, this.opts.timeoutMs);
    else slot.deadline.ref();
    if (slot.inflight.length > 1) this.watch(slot);
  }

  private armDeadline(slot: Slot, ms: number): void {
    slot.deadline = setTimeout(() => {
      slot.deadline = null;
      const head = slot.inflight[0];
      if (slot.dead || !head || head.started < 0) return;
      const left = head.started + this.opts.timeoutMs - performance.now();
      if (left > 0) return this.armDeadline(slot, left);
      this.kill(slot, { kind: 'timeout', message: `the call ran longer than its limit of ${this.opts.timeoutMs} ms and was stopped` });
    }, ms);
  }

  /** While calls wait behind a running one, check that it is not slow. */
  private watch(slot: Slot): void {
    if (slot.stealTimer || slot.inflight.length < 2) return;
    const head = slot.inflight[0]!;
    const wait = Math.max(0, head.started + STEAL_MS - performance.now());
    slot.stealTimer = setTimeout(() => {
      slot.stealTimer = null;
      if (slot.dead || slot.inflight.length < 2) return;
      if (slot.inflight[0] !== head) return this.watch(slot); // progress: watch the new first call
      const taken = this.takeBack(slot);
      for (const p of taken.reverse()) this.enqueue({ ...p.job, onAbort: undefined }, true);
      this.pump();
    }, wait);
    slot.stealTimer.unref();
  }

  /** Claims back every call of `slot` its worker has not started; returns them (in order), removed from the slot. */
  private takeBack(slot: Slot): Pending[] {
    const last = slot.inflight.at(-1);
    if (!last) return [];
    let claimed: bigint;
    for (;;) {
      claimed = Atomics.load(slot.claim, 0);
      if (claimed >= BigInt(last.seq)) return [];
      if (Atomics.compareExchange(slot.claim, 0, claimed, BigInt(last.seq)) === claimed) break;
    }
    const started = Number(claimed);
    const keep = slot.inflight.filter((p) => p.seq <= started);
    const taken = slot.inflight.filter((p) => p.seq > started);
    slot.inflight = keep;
    for (const p of taken) this.finish(p);
    return taken.filter((p) => !p.done);
  }

  private finish(p: Pending): void {
    if (p.job.onAbort) p.job.signal?.removeEventListener('abort', p.job.onAbort);
  }

  private reply(slot: Slot, m: CallReply): void {
    const p = slot.inflight[0];
    if (!p || p.seq !== m.seq) return;
    slot.inflight.shift();
    this.finish(p);
    slot.pages = m.pages;
    const ms = performance.now() - p.started;
    if (!p.done) {
      p.done = true;
      p.job.resolve(m.ok ? { ok: true, output: m.output, pages: m.pages, ms } : { ok: false, kind: m.kind, message: m.message, pages: m.pages, ms });
    }
    if (!m.ok && m.trapped) {
      // The instance stopped mid-way (its worker runs nothing more); a fresh one takes its place.
      this.retire(slot);
      return;
    }
    this.startHead(slot);
    if (!slot.inflight.length) slot.deadline?.unref();
    if (this.closing && !slot.inflight.length) void this.end(slot);
    this.pump();
  }

  /** Gives waiting calls to workers that can take them; starts more workers if none can. */
  private pump(): void {
    while (this.queue.length && !this.closing) {
      const slot = this.pick();
      if (!slot) {
        this.grow();
        return;
      }
      this.dispatch(slot, this.queue.shift()!);
    }
  }

  /** Ends a worker now (time-out, cancel, crash): its running call gets `why`. */
  private kill(slot: Slot, why: { kind: OutcomeKind; message: string }): void {
    if (slot.dead) return;
    const p = slot.inflight.shift();
    if (p) {
      this.finish(p);
      if (!p.done) {
        p.done = true;
        p.job.resolve({ ok: false, kind: why.kind, message: why.message, pages: slot.pages, ms: p.started < 0 ? 0 : performance.now() - p.started });
      }
    }
    this.retire(slot);
  }

  /**
   * Ends a worker. Calls that waited behind its running one and never started go back to the front
   * of the queue; one it had started already (its reply not yet here) fails rather than run twice.
   */
  private retire(slot: Slot): void {
    const waiting = this.takeBack(slot);
    for (const p of slot.inflight.splice(0)) {
      this.finish(p);
      if (!p.done) {
        p.done = true;
        p.job.resolve({ ok: false, kind: 'crash', message: 'the worker was stopped while this call ran', pages: slot.pages, ms: 0 });
      }
    }
    void this.end(slot);
    if (this.closing) {
      for (const p of waiting) p.job.resolve(closedOutcome());
      return;
    }
    for (const p of waiting.reverse()) this.enqueue({ ...p.job, onAbort: undefined }, true);
    this.grow();
    this.pump();
  }

  private end(slot: Slot): Promise<unknown> {
    slot.dead = true;
    this.slots.delete(slot);
    slot.outbox.length = 0;
    if (slot.stealTimer) clearTimeout(slot.stealTimer);
    if (slot.deadline) clearTimeout(slot.deadline);
    slot.bridge?.close();
    return slot.worker.terminate().catch(() => undefined);
  }

  /** No worker is alive and starting one failed too often in a row. */
  private broken(): boolean {
    return this.slots.size === 0 && this.spawnFailures >= (this.opts.maxSpawnFailures ?? 3);
  }

  /** Keeps `min` workers, and up to `max` while calls wait. */
  private grow(): void {
    if (this.closing) return;
    const starting = () => [...this.slots].filter((x) => !x.ready).length;
    while (this.slots.size < this.opts.min || (this.queue.length > starting() && this.slots.size < this.opts.max)) {
      if (this.broken()) {
        for (const job of this.queue.splice(0)) {
          if (job.onAbort) job.signal?.removeEventListener('abort', job.onAbort);
          job.resolve({ ok: false, kind: 'start', message: `the plugin does not start: ${this.lastSpawnError}`, pages: 0, ms: 0 });
        }
        return;
      }
      if (this.spawnFailures >= (this.opts.maxSpawnFailures ?? 3)) return; // a live worker still serves; do not retry in a loop
      this.spawn().catch(() => this.grow());
    }
  }
}
