// Messages between a tool's worker pool (main thread) and its plugin workers. Shared types only.
import type { MessagePort } from 'node:worker_threads';

/** What a worker needs to instantiate its plugin; sent once as workerData. */
export interface WorkerInit {
  tool: string;
  /** the module, already compiled with its memory maximum written in */
  module: WebAssembly.Module;
  config: Record<string, string>;
  /** WASI preview 1 (only when the module imports it); without allowedPaths it has no file system */
  wasi: boolean;
  /** guest path → host path (Node's WASI preopens; the manifest's allowed_paths inverted) */
  allowedPaths: Record<string, string>;
  allowedHosts: string[];
  /** the memory maximum written into the module, in pages (for telling a memory trap from others) */
  maxPages: number;
  /** cap on what the plugin may allocate on the host side (Extism blocks) in one call */
  hostMemoryBytes: number;
  maxOutputBytes: number;
  /**
   * One BigInt64 shared with the pool: the highest call number claimed so far. The worker claims a
   * call before it starts it; the pool claims back calls that wait behind a slow one. See worker-pool.ts.
   */
  claim: SharedArrayBuffer;
  /** the HTTP bridge to the main thread, when allowedHosts grants any host */
  http: { port: MessagePort; flag: SharedArrayBuffer; timeoutMs: number } | null;
}

export interface CallRequest {
  /** the call's number on this worker, increasing */
  seq: number;
  fn: string;
  /** the input as JSON text */
  input: string;
}

/** Why a call failed, as the worker saw it. */
export type FailureKind = 'memory' | 'output' | 'trap' | 'error' | 'permission';

export type CallReply =
  | { seq: number; ok: true; output: Uint8Array | null; pages: number; ms: number }
  | { seq: number; ok: false; kind: FailureKind; message: string; pages: number; ms: number; trapped: boolean };

export type WorkerMessage = { type: 'ready'; pages: number } | { type: 'init-error'; message: string } | { type: 'log'; level: string; message: string } | CallReply;

/** The plugin's HTTP request as it reaches the main thread. */
export interface HttpRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: Uint8Array | null;
}

export type HttpReply = { ok: true; status: number; body: Uint8Array } | { ok: false; denied: boolean; message: string };
