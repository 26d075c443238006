import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ensureMirror, fetchAll, hasRemote, redact } from '../../../server/git/remote.js';
import { GitRepo } from '../../../server/git/repo.js';
import { CaxtonError } from '../../../server/errors.js';
import { GIT_ENV, makeRepo, type TestRepo } from '../../util/repo.js';
import { rm, tmpDir } from '../../util/tmp.js';
import { agentFiles } from '../../util/workspace.js';

const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', args, { cwd, env: { ...process.env, ...GIT_ENV }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

/** A developer's checkout `work` pushing to a bare `origin.git`, and an empty data folder. */
interface Remote {
  root: string;
  work: TestRepo;
  origin: string;
  data: string;
}

function makeRemote(): Remote {
  const root = tmpDir('caxton-remote-');
  fs.mkdirSync(path.join(root, 'work'));
  const work = makeRepo(agentFiles('a'), { dir: path.join(root, 'work') });
  const origin = path.join(root, 'origin.git');
  git(root, 'clone', '--quiet', '--bare', work.dir, origin);
  work.git('remote', 'add', 'origin', origin);
  const data = path.join(root, 'data');
  fs.mkdirSync(data);
  return { root, work, origin, data };
}

async function rejectsWith(p: Promise<unknown>): Promise<CaxtonError> {
  try {
    await p;
  } catch (err) {
    assert.instance(err, CaxtonError);
    assert.is((err as CaxtonError).code, 'CAX_REMOTE_FAILED');
    return err as CaxtonError;
  }
  assert.unreachable('expected CAX_REMOTE_FAILED');
  throw new Error('unreachable');
}

// ---

const Mirror = suite<{ r: Remote }>('ensureMirror');

Mirror.before.each((ctx) => {
  ctx.r = makeRemote();
});
Mirror.after.each((ctx) => rm(ctx.r.root));

Mirror('clones a local bare repository by path into the data folder', async ({ r }) => {
  const dir = path.join(r.data, 'repo.git');
  assert.is(await ensureMirror(r.origin, dir), dir);
  assert.ok(fs.existsSync(path.join(dir, 'HEAD')));
  assert.not.ok(fs.existsSync(path.join(dir, '.git')), 'a mirror is bare');
  assert.is(await new GitRepo(dir, dir).resolve('main'), r.work.head());
});

Mirror('clones by file:// URL', async ({ r }) => {
  const dir = path.join(r.data, 'repo.git');
  await ensureMirror(pathToFileURL(r.origin).href, dir);
  assert.is(await new GitRepo(dir, dir).resolve('HEAD'), r.work.head());
});

Mirror('a second call keeps the existing mirror and does not clone again', async ({ r }) => {
  const dir = path.join(r.data, 'repo.git');
  await ensureMirror(r.origin, dir);
  rm(r.origin);
  assert.is(await ensureMirror(r.origin, dir), dir);
  assert.is(await new GitRepo(dir, dir).resolve('main'), r.work.head());
});

Mirror('clones and fetches with git variables in the environment :: regression, simple-git 4 environment guard', async ({ r }) => {
  // simple-git 4 refused GIT_* variables passed through .env(), so every clone and fetch failed
  const vars: Record<string, string> = {
    GIT_SSH_COMMAND: 'ssh -o BatchMode=yes',
    GIT_ASKPASS: '/bin/false',
    GIT_SSL_CAINFO: '/etc/ssl/certs/ca-certificates.crt',
    GIT_CONFIG_COUNT: '1',
    GIT_CONFIG_KEY_0: 'http.lowSpeedTime',
    GIT_CONFIG_VALUE_0: '30',
  };
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  Object.assign(process.env, vars);
  try {
    const dir = path.join(r.data, 'repo.git');
    await ensureMirror(r.origin, dir);
    assert.is(await new GitRepo(dir, dir).resolve('main'), r.work.head());
    await fetchAll(dir, { mirror: true });
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
});

Mirror('a repository that does not exist :: CAX_REMOTE_FAILED and no folder left behind', async ({ r }) => {
  const dir = path.join(r.data, 'repo.git');
  await rejectsWith(ensureMirror(path.join(r.root, 'missing.git'), dir));
  assert.not.ok(fs.existsSync(dir));
});

Mirror('a failing https clone :: CAX_REMOTE_FAILED with the credentials redacted', async ({ r }) => {
  const dir = path.join(r.data, 'repo.git');
  const secret = 'ghp_s3cr3tT0kenValue';
  // port 9 (discard) on loopback: refused at once, no network needed
  const err = await rejectsWith(ensureMirror(`https://deploy-bot:${secret}@127.0.0.1:9/org/ws.git`, dir));
  assert.not.match(err.message, /environment guard/, 'the clone itself ran and failed');
  for (const text of [err.message, JSON.stringify(err.toJSON()), JSON.stringify(err.data), String(err.stack), String(err.cause ?? '')]) {
    assert.not.ok(text.includes(secret), `the token leaked: ${text}`);
    assert.not.ok(text.includes('deploy-bot'), `the user leaked: ${text}`);
  }
  assert.is(err.status, 502);
  assert.not.ok(fs.existsSync(dir));
});

Mirror.run();

// ---

const Fetch = suite<{ r: Remote }>('fetchAll');

Fetch.before.each((ctx) => {
  ctx.r = makeRemote();
});
Fetch.after.each((ctx) => rm(ctx.r.root));

Fetch('a mirror picks up a commit pushed with git push', async ({ r }) => {
  const dir = await ensureMirror(r.origin, path.join(r.data, 'repo.git'));
  const repo = new GitRepo(dir, dir);
  const before = await repo.resolve('main');
  const pushed = r.work.commit(agentFiles('b'), 'add b');
  r.work.git('push', '--quiet', 'origin', 'main');
  assert.is(await repo.resolve('main'), before, 'nothing changes before the fetch');
  await fetchAll(dir, { mirror: true });
  assert.is(await repo.resolve('main'), pushed, 'the same GitRepo sees the new commit');
  const files = await repo.listFiles(await repo.commitTree(pushed));
  assert.equal(files.map((f) => f.path), ['agents/a/agent.toml', 'agents/b/agent.toml']);
});

Fetch('a mirror picks up new branches and tags, and prunes deleted ones', async ({ r }) => {
  r.work.git('branch', 'doomed');
  r.work.git('push', '--quiet', 'origin', 'doomed');
  const dir = await ensureMirror(r.origin, path.join(r.data, 'repo.git'));
  const repo = new GitRepo(dir, dir);
  assert.is(await repo.resolve('doomed'), r.work.head());
  r.work.git('tag', 'v1');
  r.work.git('branch', 'staging');
  r.work.git('push', '--quiet', 'origin', 'v1', 'staging');
  r.work.git('push', '--quiet', 'origin', '--delete', 'doomed');
  await fetchAll(dir, { mirror: true });
  assert.is(await repo.resolve('v1'), r.work.head());
  assert.is(await repo.resolve('staging'), r.work.head());
  try {
    await repo.resolve('doomed');
    assert.unreachable('the deleted branch should be pruned');
  } catch (err) {
    assert.is((err as CaxtonError).code, 'CAX_REF_NOT_FOUND');
  }
});

Fetch('a checkout fetches origin into origin/<branch>', async ({ r }) => {
  const clone = path.join(r.root, 'clone');
  git(r.root, 'clone', '--quiet', r.origin, clone);
  const pushed = r.work.commit(agentFiles('c'), 'add c');
  r.work.git('push', '--quiet', 'origin', 'main');
  const repo = new GitRepo(clone);
  await fetchAll(repo.gitdir, { mirror: false });
  assert.is(await repo.resolve('origin/main'), pushed);
  assert.is.not(await repo.resolve('main'), pushed, 'the local branch is not moved');
});

Fetch('a remote that went away :: CAX_REMOTE_FAILED', async ({ r }) => {
  const dir = await ensureMirror(r.origin, path.join(r.data, 'repo.git'));
  rm(r.origin);
  await rejectsWith(fetchAll(dir, { mirror: true }));
});

Fetch.run();

// ---

const Remotes = suite('hasRemote');

Remotes('true for a checkout with origin, false without', async () => {
  const r = makeRemote();
  const plain = makeRepo(agentFiles('a'));
  try {
    assert.ok(await hasRemote(r.work.dir));
    assert.not.ok(await hasRemote(r.work.dir, 'upstream'));
    assert.not.ok(await hasRemote(plain.dir));
  } finally {
    rm(r.root);
    plain.remove();
  }
});

Remotes('false for a folder that is not a repository', async () => {
  const dir = tmpDir('caxton-plain-');
  try {
    assert.not.ok(await hasRemote(dir));
  } finally {
    rm(dir);
  }
});

Remotes.run();

// ---

const Redact = suite('redact');

Redact('hides user and token of an https URL', () => {
  assert.is(redact('https://user:ghp_token123@github.com/org/repo.git'), 'https://***@github.com/org/repo.git');
});

Redact('hides a token-only user-info', () => {
  assert.is(redact('https://x-access-token:abc@github.com/o/r'), 'https://***@github.com/o/r');
  assert.is(redact('https://abc123@example.com/r.git'), 'https://***@example.com/r.git');
});

Redact('hides credentials of every URL in a message', () => {
  const text = "fatal: unable to access 'https://a:b@h1/x/': failed\nretry http://c:d@h2:8080/y";
  const out = redact(text);
  assert.not.match(out, /a:b|c:d/);
  assert.is(out, "fatal: unable to access 'https://***@h1/x/': failed\nretry http://***@h2:8080/y");
});

Redact('other schemes with user-info are hidden too', () => {
  assert.is(redact('ssh://git:pw@host/repo'), 'ssh://***@host/repo');
});

Redact('leaves URLs without credentials and plain text alone', () => {
  for (const text of ['https://github.com/org/repo.git', 'git@github.com:org/repo.git', 'mail me at me@example.com', '/tmp/origin.git']) {
    assert.is(redact(text), text);
  }
});

Redact('an @ later in the path is not taken for user-info', () => {
  assert.is(redact('https://example.com/users/@me/repo.git'), 'https://example.com/users/@me/repo.git');
});

Redact.run();
