// A bare repository served over git's "dumb" HTTP protocol behind HTTP basic auth, on 127.0.0.1:
// a remote whose URL carries credentials (http://user:password@host/repo.git), with no network
// and no git-http-backend. A post-update hook keeps info/refs current after each `git push`.
import { createServer, type Server } from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { git } from './remote.js';

export interface GitHttp {
  /** the repository's URL with the credentials in it */
  url: string;
  /** the same URL without credentials */
  plainUrl: string;
  /** requests answered 401 (wrong or missing credentials) */
  refused: number;
  close(): Promise<void>;
}

export async function serveGitHttp(bare: string, { user, password }: { user: string; password: string }): Promise<GitHttp> {
  const hook = path.join(bare, 'hooks', 'post-update');
  fs.writeFileSync(hook, '#!/bin/sh\nexec git update-server-info\n', { mode: 0o755 });
  git(bare, 'update-server-info');
  const expected = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  const name = path.basename(bare);
  const state = { refused: 0 };
  const server: Server = createServer((req, res) => {
    if (req.headers.authorization !== expected) {
      state.refused++;
      res.writeHead(401, { 'www-authenticate': 'Basic realm="git"' });
      return res.end();
    }
    const url = new URL(req.url ?? '/', 'http://x');
    const rel = decodeURIComponent(url.pathname).replace(new RegExp(`^/${name}/`), '');
    const file = path.resolve(bare, rel);
    if (!file.startsWith(bare + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404);
      return res.end();
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    fs.createReadStream(file).pipe(res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as { port: number };
  return {
    url: `http://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${port}/${name}`,
    plainUrl: `http://127.0.0.1:${port}/${name}`,
    get refused() {
      return state.refused;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
