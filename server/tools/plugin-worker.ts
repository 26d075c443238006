// The worker-thread side of the sandbox: one Extism plugin, instantiated once, answering calls one at
// a time. The main thread owns every limit that needs a clock (it terminates this thread on time-out);
// this side enforces what only it can see: host-side allocations, output size, and HTTP by allowed_hosts
// (a synchronous request bridged to the main thread, since the guest cannot wait for a promise).
import { parentPort, workerData, receiveMessageOnPort } from 'node:worker_threads';
import createPlugin, { type CallContext, type Plugin } from '@extism/extism';
import type { CallReply, CallRequest, FailureKind, HttpReply, WorkerInit, WorkerMessage } from './_protocol.js';
import { hostAllowed } from './allowed-hosts.js';
import { WASM_PAGE } from './wasm-limits.js';

class Fault extends Error {
  constructor(
    readonly kind: FailureKind,
    message: string,
  ) {
    super(message);
  }
}

const init = workerData as WorkerInit;
/** How the plugins built from tools-src mark an abort's message (tools-src/_lib/io.ts). */
const ABORT_MARKER = 'caxton:error:';
const port = parentPort!;
const post = (m: WorkerMessage, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);

let hostBytes = 0;
let lastError = '';
let httpStatus = 0;
let memory: WebAssembly.Memory | null = null;

const pages = () => (memory ? memory.buffer.byteLength / WASM_PAGE : 0);

function log(level: string) {
  return (...args: unknown[]) => {
    const message = args.map(String).join(' ');
    if (level === 'error') lastError = message;
    post({ type: 'log', level, message: message.slice(0, 4096) });
  };
}
const logger = { info: log('info'), debug: log('debug'), warn: log('warn'), error: log('error'), log: log('info') } as unknown as Console;

/** Host-side allocations count against the memory limit too: a plugin could otherwise grow the host instead of itself. */
function alloc(ctx: CallContext, n: bigint): bigint {
  const size = Number(n);
  hostBytes += size;
  if (hostBytes > init.hostMemoryBytes) {
    throw new Fault('memory', `the plugin asked the host for ${hostBytes} bytes in one call, over its memory limit of ${init.hostMemoryBytes}`);
  }
  return ctx.alloc(size);
}

/** A synchronous HTTP request: checked here against allowed_hosts, performed by the main thread while this thread waits. */
function httpRequest(ctx: CallContext, reqAddr: bigint, bodyAddr: bigint): bigint {
  const req = ctx.read(reqAddr)?.json() as { url?: string; method?: string; headers?: Record<string, string>; header?: Record<string, string> } | undefined;
  if (!req?.url) throw new Fault('trap', 'http_request without a url');
  let url: URL;
  try {
    url = new URL(req.url);
  } catch {
    throw new Fault('trap', `http_request with an invalid url "${req.url}"`);
  }
  if (!init.http || !hostAllowed(url.hostname, init.allowedHosts)) {
    throw new Fault('permission', `HTTP request to ${url.hostname} denied: not in allowed_hosts (${init.allowedHosts.join(', ') || 'none'})`);
  }
  const method = (req.method ?? 'GET').toUpperCase();
  const body = bodyAddr === 0n || method === 'GET' || method === 'HEAD' ? null : (ctx.read(bodyAddr)?.bytes().slice() ?? null);
  const flag = new Int32Array(init.http.flag);
  Atomics.store(flag, 0, 0);
  init.http.port.postMessage({ url: url.href, method, headers: req.headers ?? req.header ?? {}, body });
  const waited = Atomics.wait(flag, 0, 0, init.http.timeoutMs);
  const msg = receiveMessageOnPort(init.http.port)?.message as HttpReply | undefined;
  if (waited === 'timed-out' || !msg) throw new Fault('trap', `HTTP request to ${url.hostname} got no answer in ${init.http.timeoutMs} ms`);
  if (!msg.ok) throw new Fault(msg.denied ? 'permission' : 'trap', msg.message);
  httpStatus = msg.status;
  return ctx.store(msg.body);
}

function classify(err: unknown): { kind: FailureKind; message: string } {
  if (err instanceof Fault) return { kind: err.kind, message: err.message };
  const message = err instanceof Error ? err.message : String(err);
  if (/^Plugin-originated error: /.test(message)) return { kind: 'error', message: message.replace(/^Plugin-originated error: /, '') };
  if (err instanceof WebAssembly.RuntimeError || err instanceof RangeError) {
    // A failed memory.grow returns -1 and most runtimes then trap ("unreachable"): a trap with the
    // memory at (or within an eighth of) its maximum is the memory limit at work. (A worker that
    // trapped is replaced, so the next call starts from a fresh instance.)
    const slack = Math.max(16, Math.floor(init.maxPages / 8));
    if (pages() >= init.maxPages - slack) {
      return { kind: 'memory', message: `the plugin ran out of memory at ${pages()} of ${init.maxPages} pages (${message})` };
    }
    // An AssemblyScript abort (throw, failed assertion) logs its message with this marker first.
    if (lastError.startsWith(ABORT_MARKER)) return { kind: 'error', message: lastError.slice(ABORT_MARKER.length) };
    return { kind: 'trap', message: lastError ? `${message} (${lastError})` : message };
  }
  return { kind: 'trap', message };
}

/**
 * What the last call of an exported function returned. Extism's convention is 0 for success and
 * anything else for a failure, which the plugin may or may not describe with an error; the JS SDK
 * (1.0.x) drops the return value, so a plugin that returned 1 without an error counted as success.
 * The instances this worker makes (it makes one) get their functions wrapped to keep it.
 */
let returned: unknown;

/** The instance's exports with each function wrapped to record what it returns (memory and globals as they are). */
function recordingReturns(instance: WebAssembly.Instance): WebAssembly.Instance {
  const exports: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(instance.exports)) {
    exports[name] = typeof value === 'function' ? (...args: unknown[]) => (returned = (value as (...a: unknown[]) => unknown)(...args)) : value;
  }
  // Extism and Node's WASI read only `exports` from it
  return { exports: Object.freeze(exports) } as WebAssembly.Instance;
}

async function main(): Promise<void> {
  const instantiate = WebAssembly.instantiate.bind(WebAssembly) as (m: WebAssembly.Module, i?: WebAssembly.Imports) => Promise<WebAssembly.Instance>;
  // Extism instantiates the compiled module the pool sends, which answers an Instance
  WebAssembly.instantiate = (async (module: WebAssembly.Module, imports?: WebAssembly.Imports) => recordingReturns(await instantiate(module, imports))) as typeof WebAssembly.instantiate;
  let plugin: Plugin;
  try {
    plugin = await createPlugin(
      { wasm: [{ module: init.module }] },
      {
        useWasi: init.wasi,
        allowedPaths: init.allowedPaths,
        allowedHosts: init.allowedHosts,
        config: init.config,
        logger,
        enableWasiOutput: false,
        runInWorker: false,
        functions: {
          // Extism merges these into its own host namespace, replacing its functions of the same name.
          'extism:host/env': {
            alloc,
            http_request: httpRequest,
            http_status_code: () => httpStatus,
          },
        },
      },
    );
    const instance = await plugin.getInstance();
    memory = (instance.exports.memory as WebAssembly.Memory | undefined) ?? null;
  } catch (err) {
    post({ type: 'init-error', message: (err as Error).message });
    return;
  }

  // Calls run one after another, in the order they came (the pool may send the next one early).
  // After a call leaves the instance mid-way, nothing more runs here: the pool retires this worker
  // and sends the calls that waited to another.
  let poisoned = false;
  let chain = Promise.resolve();
  const claim = new BigInt64Array(init.claim);
  /** Claims the call unless the pool took it back (it then runs on another worker). */
  const claimed = (seq: number): boolean => {
    const want = BigInt(seq);
    for (;;) {
      const seen = Atomics.load(claim, 0);
      if (seen >= want) return false;
      if (Atomics.compareExchange(claim, 0, seen, want) === seen) return true;
    }
  };
  port.on('message', (msg: CallRequest | CallRequest[]) => {
    for (const req of Array.isArray(msg) ? msg : [msg]) {
      chain = chain.then(() => (!poisoned && claimed(req.seq) ? handle(req) : undefined));
    }
  });

  async function handle(req: CallRequest): Promise<void> {
    hostBytes = 0;
    lastError = '';
    httpStatus = 0;
    const t0 = performance.now();
    let reply: CallReply;
    const transfer: ArrayBuffer[] = [];
    try {
      returned = undefined;
      const out = await plugin.call(req.fn, req.input);
      if ((typeof returned === 'number' || typeof returned === 'bigint') && Number(returned) !== 0) {
        throw new Fault('error', `${req.fn} returned ${returned} (not 0: a failure) without an error message${out ? ` and with ${out.bytes().byteLength} bytes of output` : ''}`);
      }
      const bytes = out ? out.bytes() : null;
      if (bytes && bytes.byteLength > init.maxOutputBytes) {
        throw new Fault('output', `the output is ${bytes.byteLength} bytes, over the limit of ${init.maxOutputBytes}`);
      }
      // The output block is the plugin's own buffer; after reset() nothing else refers to it. Small
      // ones are cheaper to copy than to transfer.
      if (bytes && bytes.byteLength >= 16_384 && bytes.buffer instanceof ArrayBuffer) transfer.push(bytes.buffer);
      reply = { seq: req.seq, ok: true, output: bytes, pages: pages(), ms: performance.now() - t0 };
    } catch (err) {
      const { kind, message } = classify(err);
      // Anything but a failure the plugin reported (an error, or a return other than 0), or an output
      // over the cap, left the instance mid-way (its allocator or globals may be inconsistent): the
      // pool replaces this worker.
      const trapped = !(err instanceof Fault && (err.kind === 'output' || err.kind === 'error')) && !/^Plugin-originated error: /.test((err as Error)?.message ?? '');
      reply = { seq: req.seq, ok: false, kind, message: message.slice(0, 4096), pages: pages(), ms: performance.now() - t0, trapped };
      poisoned = trapped;
    }
    await plugin.reset();
    post(reply, transfer);
  }
  post({ type: 'ready', pages: pages() });
}

void main();
