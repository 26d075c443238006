// The real server on 127.0.0.1:0 with a silent (or captured) logger and a temp data folder.
import pino from 'pino';
import { Writable } from 'node:stream';
import { startServer, type RunningServer, type ServeOptions } from '../../server/serve.js';
import { rm, tmpDir } from './tmp.js';

export interface LogCapture {
  lines: string[];
  logger: pino.Logger;
}

export function captureLogs(level = 'debug'): LogCapture {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      cb();
    },
  });
  return { lines, logger: pino({ level }, stream) };
}

/** The real server; a data folder it made itself (no `dataDir` given) is removed when it closes. */
export async function startTestServer(opts: ServeOptions & { workspace?: string }): Promise<RunningServer & { api: Api }> {
  const own = opts.dataDir ? null : tmpDir('caxton-data-');
  const server = await startServer({
    port: 0,
    host: '127.0.0.1',
    dataDir: opts.dataDir ?? own!,
    token: opts.token ?? 'test-token',
    logger: opts.logger ?? pino({ level: 'silent' }),
    ...opts,
  }).catch((err: unknown) => {
    if (own) rm(own);
    throw err;
  });
  const close = server.close;
  return Object.assign(server, {
    api: api(server.url, server.token),
    close: async () => {
      try {
        await close();
      } finally {
        if (own) rm(own);
      }
    },
  });
}

export interface Api {
  (method: string, path: string, body?: unknown): Promise<{ status: number; body: any; headers: Headers }>;
}

export function api(url: string, token: string | null): Api {
  return async (method, path, body) => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      /* text */
    }
    return { status: res.status, body: parsed, headers: res.headers };
  };
}
