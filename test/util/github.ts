// Webhook deliveries exactly as GitHub sends them: the JSON body signed with HMAC-SHA256 of the raw
// bytes under the webhook's secret (`X-Hub-Signature-256: sha256=<hex>`), the event and delivery
// headers, and push payloads of the real shape, filled in from the real commits.
import { createHmac, randomUUID } from 'node:crypto';
import type { TestRepo } from './repo.js';

export const ZERO_SHA = '0'.repeat(40);

export function signature(secret: string, body: string | Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

export interface Delivery {
  event: string;
  body: string;
  id?: string;
  /** signs with this secret; null sends no signature */
  secret: string | null;
  /** overrides the computed signature */
  signature?: string;
  contentType?: string;
}

export interface DeliveryReply {
  status: number;
  body: any;
  headers: Headers;
  id: string;
}

/** POSTs a delivery to `${url}/webhooks/github` the way GitHub does. */
export async function deliver(url: string, d: Delivery): Promise<DeliveryReply> {
  const id = d.id ?? randomUUID();
  const headers: Record<string, string> = {
    'content-type': d.contentType ?? 'application/json',
    'user-agent': 'GitHub-Hookshot/044aadd',
    'x-github-event': d.event,
    'x-github-delivery': id,
    'x-github-hook-id': '4242',
    'x-github-hook-installation-target-type': 'repository',
    'x-github-hook-installation-target-id': '1296269',
  };
  const sig = d.signature ?? (d.secret === null ? null : signature(d.secret, d.body));
  if (sig) headers['x-hub-signature-256'] = sig;
  if (d.secret) headers['x-hub-signature'] = `sha1=${createHmac('sha1', d.secret).update(d.body).digest('hex')}`;
  const res = await fetch(`${url}/webhooks/github`, { method: 'POST', headers, body: d.body });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    /* text */
  }
  return { status: res.status, body, headers: res.headers, id };
}

const REPO = {
  id: 1296269,
  node_id: 'MDEwOlJlcG9zaXRvcnkxMjk2MjY5',
  name: 'agents',
  full_name: 'octo-org/agents',
  private: true,
  owner: { name: 'octo-org', email: null, login: 'octo-org', id: 6811672, type: 'Organization', site_admin: false },
  html_url: 'https://github.com/octo-org/agents',
  description: 'Caxton workspace',
  fork: false,
  url: 'https://github.com/octo-org/agents',
  clone_url: 'https://github.com/octo-org/agents.git',
  ssh_url: 'git@github.com:octo-org/agents.git',
  default_branch: 'main',
  master_branch: 'main',
  pushed_at: 1700000000,
  created_at: 1600000000,
  size: 42,
  visibility: 'private',
};

function commitOf(repo: TestRepo, sha: string) {
  const [tree, author, email, date, ...message] = repo.git('show', '-s', '--format=%T%n%an%n%ae%n%aI%n%B', sha).split('\n');
  const files = repo.git('diff-tree', '--no-commit-id', '--name-status', '-r', '--root', sha).split('\n').filter(Boolean);
  const pick = (s: string) => files.filter((l) => l.startsWith(s)).map((l) => l.split('\t')[1]!);
  const who = { name: author!, email: email!, username: 'octocat' };
  return {
    id: sha,
    tree_id: tree,
    distinct: true,
    message: message.join('\n').trim(),
    timestamp: date,
    url: `https://github.com/octo-org/agents/commit/${sha}`,
    author: who,
    committer: who,
    added: pick('A'),
    removed: pick('D'),
    modified: pick('M'),
  };
}

/**
 * A push event payload as GitHub sends it. With `repo`, `commits` and `head_commit` come from the
 * real commits between `before` and `after`.
 */
export function pushPayload(o: { ref: string; before: string; after: string; repo?: TestRepo; forced?: boolean }): Record<string, unknown> {
  const deleted = /^0+$/.test(o.after);
  const created = /^0+$/.test(o.before);
  let commits: ReturnType<typeof commitOf>[] = [];
  if (o.repo && !deleted) {
    const range = created ? [o.after, '-n', '20'] : [`${o.before}..${o.after}`];
    let shas: string[] = [];
    try {
      shas = o.repo.git('rev-list', '--reverse', ...range).split('\n').filter(Boolean);
    } catch {
      /* a commit the repository does not have: no commit details, as for a SHA GitHub cannot list */
    }
    commits = shas.map((s) => commitOf(o.repo!, s));
  }
  return {
    ref: o.ref,
    before: o.before,
    after: o.after,
    repository: REPO,
    pusher: { name: 'octocat', email: 'octocat@github.invalid' },
    organization: { login: 'octo-org', id: 6811672 },
    sender: { login: 'octocat', id: 583231, type: 'User', site_admin: false },
    created,
    deleted,
    forced: o.forced ?? false,
    base_ref: null,
    compare: `https://github.com/octo-org/agents/compare/${o.before.slice(0, 12)}...${o.after.slice(0, 12)}`,
    commits,
    head_commit: commits.at(-1) ?? null,
  };
}

/** A ping event payload. */
export function pingPayload(): Record<string, unknown> {
  return {
    zen: 'Keep it logically awesome.',
    hook_id: 4242,
    hook: { type: 'Repository', id: 4242, name: 'web', active: true, events: ['push'], config: { content_type: 'json', insecure_ssl: '0', url: 'https://caxton.example/webhooks/github' } },
    repository: REPO,
    sender: { login: 'octocat', id: 583231 },
  };
}

// --- a stand-in for the GitHub REST API (GITHUB_API_URL points at it)

export interface ApiCall {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: any;
}

export interface FakeGitHub {
  url: string;
  calls: ApiCall[];
  /** comments per issue number, as GitHub would list them */
  comments: Map<number, Array<{ id: number; body: string }>>;
  /** answer every request with this status (to test that API failures only warn) */
  failWith: number | null;
  close(): Promise<void>;
}

/** Deployments, deployment statuses and issue comments of one repository, in memory, on 127.0.0.1. */
export async function fakeGitHub(): Promise<FakeGitHub> {
  const { createServer } = await import('node:http');
  let nextId = 100;
  const fake: FakeGitHub = { url: '', calls: [], comments: new Map(), failWith: null, close: async () => undefined };
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (d) => (raw += d));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const body = raw ? JSON.parse(raw) : null;
      fake.calls.push({ method: req.method ?? '', path: url.pathname + url.search, headers: req.headers, body });
      const send = (status: number, data: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(data));
      };
      if (fake.failWith) return send(fake.failWith, { message: 'Resource not accessible by integration' });
      if (req.headers.authorization !== 'Bearer ghs_fakeGitHubToken123') return send(401, { message: 'Bad credentials' });
      let m: RegExpExecArray | null;
      if (req.method === 'POST' && /^\/repos\/[^/]+\/[^/]+\/deployments$/.test(url.pathname)) return send(201, { id: ++nextId, ref: body.ref, environment: body.environment });
      if (req.method === 'POST' && /^\/repos\/[^/]+\/[^/]+\/deployments\/\d+\/statuses$/.test(url.pathname)) return send(201, { id: ++nextId, state: body.state });
      if ((m = /^\/repos\/[^/]+\/[^/]+\/issues\/(\d+)\/comments$/.exec(url.pathname))) {
        const issue = Number(m[1]);
        const list = fake.comments.get(issue) ?? [];
        fake.comments.set(issue, list);
        if (req.method === 'GET') {
          const page = Number(url.searchParams.get('page') ?? 1);
          const per = Number(url.searchParams.get('per_page') ?? 30);
          return send(200, list.slice((page - 1) * per, page * per));
        }
        if (req.method === 'POST') {
          const c = { id: ++nextId, body: body.body };
          list.push(c);
          return send(201, c);
        }
      }
      if (req.method === 'PATCH' && (m = /^\/repos\/[^/]+\/[^/]+\/issues\/comments\/(\d+)$/.exec(url.pathname))) {
        for (const list of fake.comments.values()) {
          const c = list.find((x) => x.id === Number(m![1]));
          if (c) {
            c.body = body.body;
            return send(200, c);
          }
        }
      }
      return send(404, { message: 'Not Found' });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as { port: number };
  fake.url = `http://127.0.0.1:${port}`;
  fake.close = () => new Promise<void>((r) => server.close(() => r()));
  return fake;
}
