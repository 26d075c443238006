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

function fromCaxtonToml(root: string): string | null {
  try {
    const doc = parseToml(fs.readFileSync(path.join(root, 'caxton.toml'), 'utf8')) as { server?: { url?: unknown; host?: unknown; port?: unknown } };
    const s = doc.server;
    if (!s) return null;
    if (typeof s.url === 'string') return s.url;
    if (typeof s.port === 'number' || typeof s.host === 'string') {
      return `http://${typeof s.host === 'string' ? s.host : '127.0.0.1'}:${typeof s.port === 'number' ? s.port : 8080}`;
    }
  } catch {
    /* no or unreadable caxton.toml: fall through */
  }
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
