// The tool sandbox: the RuntimeFactory's createTool for real. A deployment compiles each new or changed
// plugin once (exports checked, SHA-256 recorded, memory maximum written into the module), compiles its
// input schemas once, and starts a warm pool of worker threads running it under @extism/extism.
// A call is checked against its input_schema before the plugin runs, then bounded by the manifest's
// [limits]: time (the worker is terminated), memory (the module's declared maximum plus a cap on host
// allocations), and output size. WASI gets no file system and the network is closed unless the
// manifest grants allowed_paths / allowed_hosts. Limit violations are counted; too many in a window
// quarantine the tool until a deployment replaces it.
import os from 'node:os';
import path from 'node:path';
import type { Logger } from 'pino';
import type { ToolFile } from '../workspace/schema.js';
import type { RuntimeFactory } from '../deploy/runtime-factory.js';
import type { EventSink } from '../events/log.js';
import type { ToolCallResult } from '../agents/runtime.js';
import { CaxtonError } from '../errors.js';
import { compilePlugin } from './compile-plugin.js';
import { unsupportedImports } from './plugin-info.js';
import { capMemory, pagesFor, WASM_PAGE, WasmLimitError } from './wasm-limits.js';
import { compileInputSchemas, type InputCheck } from './input-schema.js';
import { WorkerPool, type RunOutcome } from './worker-pool.js';
import { DEFAULT_QUARANTINE, ViolationRecord, type QuarantinePolicy, type QuarantineState } from './quarantine.js';
import { LIMIT_REASONS, ToolEvent, type ToolFailureReason } from './tool-events.js';
import type { InvokableTool } from './invoker.js';
import { roundMs } from '../timing.js';

export interface SandboxOptions {
  events?: EventSink;
  logger?: Logger;
  /** workers per tool: `min` kept warm, up to `max` while calls wait */
  pool?: { min?: number; max?: number; startTimeoutMs?: number };
  quarantine?: QuarantinePolicy;
  now?: () => number;
  /** the fetch the HTTP bridge uses (tests) */
  fetch?: typeof fetch;
  /** relative host paths in allowed_paths are resolved against this (default: the working directory) */
  pathsBase?: string;
  /**
   * 'background' (default): createTool returns once the static checks pass and the warm workers start
   * meanwhile, so a deployment of many tools is not serialised on thread start-up; 'await': createTool
   * waits for them and fails the deployment if the plugin does not start.
   */
  warmup?: 'background' | 'await';
  /** every call's outcome (metrics): `ok`, or why it failed (permission, schema, timeout, trap, …) */
  onCall?: (call: { tool: string; outcome: string; ms: number }) => void;
}

/**
 * The manifest's allowed_paths (host path → guest path, as Extism's manifests write it) as Node's WASI
 * preopens (guest path → host path), which @extism/extism 1.0.3 passes through unchanged.
 */
export function preopens(allowed: Record<string, string>, base: string): Record<string, string> {
  return Object.fromEntries(Object.entries(allowed).map(([host, guest]) => [guest, path.resolve(base, host)]));
}

export interface ToolStatus {
  workers: number;
  calls: number;
  failures: number;
  quarantined: QuarantineState | null;
  /** why its plugin cannot run (starting it keeps failing), or null */
  unavailable: string | null;
}

export interface SandboxedTool extends InvokableTool {
  status(): ToolStatus;
  /** stops taking calls; running calls finish (bounded by their time-out), then the workers end */
  dispose(): Promise<void>;
}

export function isSandboxed(t: unknown): t is SandboxedTool {
  return typeof (t as Partial<SandboxedTool> | null)?.status === 'function';
}

const decoder = new TextDecoder();

/** Plugin output as a value: JSON when it parses, else the text; nothing is null. */
function decodeOutput(bytes: Uint8Array | null): unknown {
  if (!bytes || bytes.byteLength === 0) return null;
  const text = decoder.decode(bytes);
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function failureReason(o: Extract<RunOutcome, { ok: false }>): ToolFailureReason {
  switch (o.kind) {
    case 'timeout':
    case 'memory':
    case 'output':
    case 'permission':
    case 'error':
      return o.kind;
    case 'aborted':
      return 'cancelled';
    case 'closed':
    case 'start':
      return 'unavailable';
    default:
      return 'trap';
  }
}

function failureError(tool: string, fn: string, o: Extract<RunOutcome, { ok: false }>, limits: ToolFile['limits']): CaxtonError {
  const base = { tool, fn, detail: o.message };
  switch (o.kind) {
    case 'timeout':
      return new CaxtonError('CAX_TOOL_LIMIT', { ...base, limit: 'timeout' }, { details: { limit: 'timeout', value: limits.timeout_ms, unit: 'ms' } });
    case 'memory':
      return new CaxtonError('CAX_TOOL_LIMIT', { ...base, limit: 'memory' }, { details: { limit: 'memory', value: limits.memory_mb, unit: 'MiB' } });
    case 'output':
      return new CaxtonError('CAX_TOOL_LIMIT', { ...base, limit: 'output' }, { details: { limit: 'output', value: limits.max_output_bytes, unit: 'bytes' } });
    case 'permission':
      return new CaxtonError('CAX_TOOL_ACCESS_DENIED', base);
    case 'aborted':
    case 'closed':
    case 'start':
      return new CaxtonError('CAX_TOOL_UNAVAILABLE', { tool, detail: o.message });
    default:
      return new CaxtonError('CAX_TOOL_FAILED', base, { details: { reason: o.kind === 'error' ? 'error' : 'trap' } });
  }
}

/**
 * A factory for the deployer: `runtimeFactory({ createTool: createSandbox(opts).createTool })`.
 *
 * @example const sandbox = createSandbox({ events, logger });
 */
export function createSandbox(opts: SandboxOptions = {}): { createTool: RuntimeFactory['createTool'] } {
  const now = opts.now ?? Date.now;
  const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  const min = Math.max(1, opts.pool?.min ?? 1);
  const max = Math.max(min, opts.pool?.max ?? Math.max(2, Math.min(4, cores)));

  async function createTool({ name, spec, wasm }: { name: string; spec: ToolFile; wasm: Uint8Array; sha: string }): Promise<SandboxedTool> {
    const plugin = await compilePlugin(name, spec, wasm);
    const maxPages = pagesFor(spec.limits.memory_mb);
    let module: WebAssembly.Module;
    try {
      module = await WebAssembly.compile(capMemory(wasm, { maxPages }).bytes as Uint8Array<ArrayBuffer>);
    } catch (err) {
      if (err instanceof WasmLimitError) throw new CaxtonError('CAX_TOOL_INVALID', { name, detail: `${spec.wasm}: ${err.message}` });
      throw err;
    }
    let checks: Map<string, InputCheck>;
    try {
      checks = compileInputSchemas(spec);
    } catch (err) {
      throw new CaxtonError('CAX_TOOL_INVALID', { name, detail: (err as Error).message });
    }
    const unsupported = unsupportedImports(module);
    if (unsupported.length) {
      throw new CaxtonError('CAX_TOOL_INVALID', {
        name,
        detail: `${spec.wasm} imports ${unsupported.slice(0, 5).join(', ')}${unsupported.length > 5 ? ', …' : ''}, which the Extism host does not provide`,
      });
    }
    const imports = WebAssembly.Module.imports(module);
    const pool = new WorkerPool({
      init: {
        tool: name,
        module,
        config: spec.config,
        // WASI only for modules that import it; without allowed_paths it has no preopened directory.
        wasi: imports.some((i) => i.module === 'wasi_snapshot_preview1'),
        allowedPaths: preopens(spec.allowed_paths, opts.pathsBase ?? process.cwd()),
        allowedHosts: spec.allowed_hosts,
        maxPages,
        hostMemoryBytes: Math.max(maxPages * WASM_PAGE, spec.limits.max_output_bytes + 65_536),
        maxOutputBytes: spec.limits.max_output_bytes,
      },
      timeoutMs: spec.limits.timeout_ms,
      min,
      max,
      ...(opts.pool?.startTimeoutMs ? { startTimeoutMs: opts.pool.startTimeoutMs } : {}),
      http: spec.allowed_hosts.length
        ? { timeoutMs: spec.limits.timeout_ms, maxResponseBytes: Math.max(maxPages * WASM_PAGE, 1 << 20), ...(opts.fetch ? { fetch: opts.fetch } : {}) }
        : null,
      resourceLimits: { maxOldGenerationSizeMb: 96, maxYoungGenerationSizeMb: 16, stackSizeMb: 4 },
      onLog: (level, message) => opts.logger?.[level === 'error' ? 'warn' : 'debug']({ tool: name, plugin: true }, message),
    });
    const warm = pool.start();
    if (opts.warmup === 'await') {
      try {
        await warm;
      } catch (err) {
        await pool.close();
        throw new CaxtonError('CAX_TOOL_INVALID', { name, detail: `the plugin does not start: ${(err as Error).message}` }, { cause: err });
      }
    } else {
      warm.catch((err: unknown) => opts.logger?.error({ tool: name, err }, 'the tool plugin does not start; its calls will fail'));
    }
    return new Sandboxed(name, spec, plugin.sha256, pool, checks, new ViolationRecord({
      violations: spec.limits.quarantine_after ?? opts.quarantine?.violations ?? DEFAULT_QUARANTINE.violations,
      windowMs: spec.limits.quarantine_window_ms ?? opts.quarantine?.windowMs ?? DEFAULT_QUARANTINE.windowMs,
    }), opts, now);
  }

  return { createTool };
}

class Sandboxed implements SandboxedTool {
  private calls = 0;
  private failures = 0;
  /** a tool's call events may share stored rows (events/wire.ts): one row per call was most of the log's cost */
  private readonly grouped: { group: string };

  constructor(
    readonly name: string,
    private readonly spec: ToolFile,
    readonly sha256: string,
    private readonly pool: WorkerPool,
    private readonly checks: Map<string, InputCheck>,
    private readonly violations: ViolationRecord,
    private readonly opts: SandboxOptions,
    private readonly now: () => number,
  ) {
    this.grouped = { group: `tool:${name}` };
  }

  status(): ToolStatus {
    return { workers: this.pool.size, calls: this.calls, failures: this.failures, quarantined: this.violations.quarantined, unavailable: this.pool.unavailable };
  }

  async invoke(fn: string, input: unknown, o: { agent: string | null; signal?: AbortSignal }): Promise<ToolCallResult> {
    this.calls++;
    const q = this.violations.quarantined;
    if (q) throw this.fail(fn, o.agent, 'quarantined', 0, new CaxtonError('CAX_TOOL_QUARANTINED', { tool: this.name, ...q }, { details: { quarantine: q } }));
    const check = this.checks.get(fn);
    if (!check) {
      const functions = [...this.checks.keys()];
      throw this.fail(fn, o.agent, 'not-found', 0, new CaxtonError('CAX_TOOL_FUNCTION_NOT_FOUND', { tool: this.name, fn, functions }));
    }
    const value = input === undefined ? null : input;
    const issues = check(input);
    if (issues) {
      const detail = issues.map((i) => i.message).join('; ');
      throw this.fail(fn, o.agent, 'schema', 0, new CaxtonError('CAX_TOOL_INPUT_INVALID', { tool: this.name, fn, detail }, { details: { issues } }));
    }
    const outcome = await this.pool.run(fn, JSON.stringify(value), o.signal);
    if (!outcome.ok) {
      const reason = failureReason(outcome);
      const err = failureError(this.name, fn, outcome, this.spec.limits);
      this.fail(fn, o.agent, reason, outcome.ms, err, outcome.pages);
      if (LIMIT_REASONS.has(reason)) {
        const started = this.violations.record(this.now(), `${reason}: ${outcome.message}`);
        if (started) {
          this.opts.events?.append(ToolEvent.ToolQuarantined, { tool: this.name, sha256: this.sha256, ...started });
          this.opts.logger?.warn({ tool: this.name, ...started }, 'tool quarantined');
        }
      }
      throw err;
    }
    const durationMs = roundMs(outcome.ms);
    this.opts.onCall?.({ tool: this.name, outcome: 'ok', ms: outcome.ms });
    this.opts.events?.append(ToolEvent.ToolExecuted, {
      tool: this.name,
      fn,
      agent: o.agent,
      durationMs,
      memoryPages: outcome.pages,
      outputBytes: outcome.output?.byteLength ?? 0,
    }, this.grouped);
    return { output: decodeOutput(outcome.output), durationMs };
  }

  private fail(fn: string, agent: string | null, reason: ToolFailureReason, ms: number, err: CaxtonError, pages?: number): CaxtonError {
    // a call its caller gave up on did not fail: the tool's failure count is about the tool
    if (reason !== 'cancelled') this.failures++;
    this.opts.onCall?.({ tool: this.name, outcome: reason, ms });
    this.opts.events?.append(ToolEvent.ToolExecutionFailed, {
      tool: this.name,
      fn,
      agent,
      reason,
      code: err.code,
      durationMs: roundMs(ms),
      ...(pages === undefined ? {} : { memoryPages: pages }),
      detail: err.message.slice(0, 500),
    }, this.grouped);
    return err;
  }

  async dispose(): Promise<void> {
    await this.pool.close();
  }
}
