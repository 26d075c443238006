// Which server the CLI talks to, and with which token (CONTRACT §2): --server, CAXTON_URL, the
// workspace's caxton.toml, the server this workspace started (.caxton/server.json), the default.
import fs from 'node:fs';
import path from 'node:path';
import { parse as parseToml } from 'smol-toml';

export interface Target {
  url: string;
  token: string | null;
  /** where the URL came from, for error messages */
  source: string;
}

export interface ServerSettings {
  url?: string;
  host?: string;
  port?: number;
}

/**
 * caxton.toml's [server] table, read without the full schema (the CLI stays fast); a missing or
 * unreadable file, or values of the wrong type, count as unset (`caxton validate` reports them).
 */
export function serverSettings(root: string): ServerSettings {
  try {
    const doc = parseToml(fs.readFileSync(path.join(root, 'caxton.toml'), 'utf8')) as { server?: Record<string, unknown> };
    const s = doc.server ?? {};
    return {
      ...(typeof s.url === 'string' ? { url: s.url } : {}),
      ...(typeof s.host === 'string' ? { host: s.host } : {}),
      ...(typeof s.port === 'number' ? { port: s.port } : {}),
    };
  } catch {
    return {};
  }
}

function fromCaxtonToml(root: string): string | null {
  const s = serverSettings(root);
  if (s.url) return s.url;
  if (s.port !== undefined || s.host !== undefined) return `http://${s.host ?? '127.0.0.1'}:${s.port ?? 8080}`;
  return null;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function fromServerFile(dataDir: string): string | null {
  try {
    const s = JSON.parse(fs.readFileSync(path.join(dataDir, 'server.json'), 'utf8')) as { url?: string; pid?: number };
    if (s.url && s.pid && alive(s.pid)) return s.url;
  } catch {
    /* none running */
  }
  return null;
}

export function resolveTarget(opts: { server?: string; token?: string; root: string; env: NodeJS.ProcessEnv }): Target {
  const dataDir = path.join(opts.root, '.caxton');
  const candidates: Array<[string | null | undefined, string]> = [
    [opts.server, '--server'],
    [opts.env.CAXTON_URL, 'CAXTON_URL'],
    [fromCaxtonToml(opts.root), 'caxton.toml'],
    [fromServerFile(dataDir), '.caxton/server.json'],
    ['http://127.0.0.1:8080', 'default'],
  ];
  const [url, source] = candidates.find(([u]) => !!u) as [string, string];
  let token = opts.token ?? opts.env.CAXTON_TOKEN ?? null;
  if (!token) {
    try {
      token = fs.readFileSync(path.join(dataDir, 'token'), 'utf8').trim() || null;
    } catch {
      token = null;
    }
  }
  return { url: url.replace(/\/+$/, ''), token, source };
}
