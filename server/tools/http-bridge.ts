// The main-thread half of a plugin's HTTP requests. The worker blocks (Atomics.wait) while this side
// checks the host again, fetches with a deadline and a size cap, posts the answer on the worker's
// port and wakes it. Only tools whose manifest grants allowed_hosts get a bridge.
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import type { HttpReply, HttpRequest } from './_protocol.js';
import { hostAllowed } from './allowed-hosts.js';

export interface HttpBridgeOptions {
  allowedHosts: readonly string[];
  timeoutMs: number;
  maxResponseBytes: number;
  fetch?: typeof fetch;
}

export interface HttpBridge {
  /** goes to the worker (transferred) */
  workerPort: MessagePort;
  flag: SharedArrayBuffer;
  close(): void;
}

async function perform(req: HttpRequest, o: HttpBridgeOptions): Promise<HttpReply> {
  const url = new URL(req.url);
  if (!/^https?:$/.test(url.protocol)) return { ok: false, denied: true, message: `HTTP request to ${url.protocol} URLs denied` };
  if (!hostAllowed(url.hostname, o.allowedHosts)) {
    return { ok: false, denied: true, message: `HTTP request to ${url.hostname} denied: not in allowed_hosts` };
  }
  try {
    const res = await (o.fetch ?? fetch)(url, {
      method: req.method,
      headers: req.headers,
      redirect: 'manual',
      signal: AbortSignal.timeout(o.timeoutMs),
      ...(req.body ? { body: req.body as Uint8Array<ArrayBuffer> } : {}),
    });
    const chunks: Uint8Array[] = [];
    let size = 0;
    if (res.body) {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        size += chunk.byteLength;
        if (size > o.maxResponseBytes) {
          return { ok: false, denied: false, message: `HTTP response from ${url.hostname} is larger than ${o.maxResponseBytes} bytes` };
        }
        chunks.push(chunk);
      }
    }
    // its own buffer, not Buffer.concat's: a small one would share Node's pool, and posting it to the
    // plugin's worker would copy the whole pool with it
    const body = new Uint8Array(size);
    let off = 0;
    for (const c of chunks) {
      body.set(c, off);
      off += c.byteLength;
    }
    return { ok: true, status: res.status, body };
  } catch (err) {
    // fetch says only "fetch failed"; why (a name that does not resolve, a refused connection) is its cause
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    const why = cause?.code ?? cause?.message;
    return { ok: false, denied: false, message: `HTTP request to ${url.hostname} failed: ${(err as Error).message}${why ? ` (${why})` : ''}` };
  }
}

/** One bridge per worker; requests on it are answered in order. */
export function httpBridge(o: HttpBridgeOptions): HttpBridge {
  const { port1, port2 } = new MessageChannel();
  const flag = new SharedArrayBuffer(4);
  const flagView = new Int32Array(flag);
  port1.on('message', (req: HttpRequest) => {
    void perform(req, o).then((reply) => {
      port1.postMessage(reply);
      Atomics.store(flagView, 0, 1);
      Atomics.notify(flagView, 0);
    });
  });
  port1.unref();
  return {
    workerPort: port2,
    flag,
    close: () => port1.close(),
  };
}
