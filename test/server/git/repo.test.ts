import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import isogit from 'isomorphic-git';
import { GitRepo, findGitdir, parseTree } from '../../../server/git/repo.js';
import { ObjectStore } from '../../../server/git/objects.js';
import { CaxtonError, type ErrorCode } from '../../../server/errors.js';
import { GIT_ENV, makeRepo, type TestRepo } from '../../util/repo.js';
import { rm, tmpDir } from '../../util/tmp.js';
import { agentFiles, agentToml } from '../../util/workspace.js';

async function rejects(p: Promise<unknown>, code: ErrorCode): Promise<CaxtonError> {
  try {
    await p;
  } catch (err) {
    assert.instance(err, CaxtonError);
    assert.is((err as CaxtonError).code, code);
    return err as CaxtonError;
  }
  assert.unreachable(`expected ${code}`);
  throw new Error('unreachable');
}

function throws(fn: () => unknown, code: ErrorCode): CaxtonError {
  try {
    fn();
  } catch (err) {
    assert.instance(err, CaxtonError);
    assert.is((err as CaxtonError).code, code);
    return err as CaxtonError;
  }
  assert.unreachable(`expected ${code}`);
  throw new Error('unreachable');
}

/**
 * c1 (tag v1, lightweight) ← c2 (tag v2, annotated) ← c4 ← merge (HEAD, main)
 *                              ↖ c3 (feature) ──────────↗
 */
interface History {
  repo: TestRepo;
  c1: string;
  c2: string;
  c3: string;
  c4: string;
  merge: string;
}

function makeHistory(): History {
  const repo = makeRepo(agentFiles('a'));
  const c1 = repo.head();
  repo.git('tag', 'v1');
  const c2 = repo.commit(agentFiles('b'), 'add b');
  repo.git('tag', '-a', 'v2', '-m', 'release 2');
  repo.git('checkout', '--quiet', '-b', 'feature');
  const c3 = repo.commit(agentFiles('c'), 'add c');
  repo.git('checkout', '--quiet', 'main');
  const c4 = repo.commit(agentFiles('d'), 'add d');
  repo.git('merge', '--quiet', '--no-ff', '-m', 'merge feature', 'feature');
  return { repo, c1, c2, c3, c4, merge: repo.head() };
}

// ---

const Resolve = suite<{ h: History; git: GitRepo }>('GitRepo.resolve');

Resolve.before((ctx) => {
  ctx.h = makeHistory();
  ctx.git = new GitRepo(ctx.h.repo.dir);
});
Resolve.after((ctx) => ctx.h.repo.remove());

Resolve('resolves a branch', async ({ h, git }) => {
  assert.is(await git.resolve('main'), h.merge);
  assert.is(await git.resolve('feature'), h.c3);
  assert.is(await git.resolve('refs/heads/feature'), h.c3);
});

Resolve('resolves HEAD and an empty ref to HEAD', async ({ h, git }) => {
  assert.is(await git.resolve('HEAD'), h.merge);
  assert.is(await git.head(), h.merge);
  assert.is(await git.resolve('~1'), h.c4, 'a bare suffix applies to HEAD');
});

Resolve('resolves a tag :: lightweight', async ({ h, git }) => {
  assert.is(await git.resolve('v1'), h.c1);
});

Resolve('resolves a tag :: annotated, peeled to its commit', async ({ h, git }) => {
  const tagObject = h.repo.git('rev-parse', 'v2');
  assert.is.not(tagObject, h.c2, 'the tag is an object of its own');
  assert.is(await git.resolve('v2'), h.c2);
  assert.is(await git.resolve('refs/tags/v2'), h.c2);
});

Resolve('resolves a tag :: a tag of a tag, peeled twice', async ({ h, git }) => {
  h.repo.git('tag', '-a', 'v2-outer', '-m', 'nested', 'v2');
  assert.is(await git.resolve('v2-outer'), h.c2);
});

Resolve('resolves a SHA :: full', async ({ h, git }) => {
  assert.is(await git.resolve(h.c2), h.c2);
});

Resolve('resolves a SHA :: short', async ({ h, git }) => {
  assert.is(await git.resolve(h.c1.slice(0, 7)), h.c1);
});

Resolve('resolves a SHA :: short, upper case', async ({ h, git }) => {
  assert.is(await git.resolve(h.c3.slice(0, 10).toUpperCase()), h.c3);
});

Resolve('follows ancestry suffixes :: HEAD~2', async ({ h, git }) => {
  assert.is(await git.resolve('HEAD~2'), h.c2);
  assert.is(await git.resolve('HEAD~3'), h.c1);
});

Resolve('follows ancestry suffixes :: main~1 and main^', async ({ h, git }) => {
  assert.is(await git.resolve('main~1'), h.c4);
  assert.is(await git.resolve('main^'), h.c4);
  assert.is(await git.resolve('main^1'), h.c4);
  assert.is(await git.resolve('main^^'), h.c2);
});

Resolve('follows ancestry suffixes :: HEAD^2 is the merged branch', async ({ h, git }) => {
  assert.is(await git.resolve('HEAD^2'), h.c3);
  assert.is(await git.resolve('HEAD^2~1'), h.c2);
});

Resolve('follows ancestry suffixes :: on a tag and a short SHA', async ({ h, git }) => {
  assert.is(await git.resolve('v2~1'), h.c1);
  assert.is(await git.resolve(`${h.c4.slice(0, 8)}^`), h.c2);
});

Resolve('matches git rev-parse for every form', async ({ h, git }) => {
  for (const ref of ['main', 'feature', 'v1', 'v2', 'HEAD~2', 'main~1', 'main^', 'HEAD^2', h.c1.slice(0, 7)]) {
    assert.is(await git.resolve(ref), h.repo.git('rev-parse', `${ref}^{commit}`), ref);
  }
});

Resolve.run();

// ---

const NotFound = suite<{ h: History; git: GitRepo }>('GitRepo.resolve :: refs that name no commit');

NotFound.before((ctx) => {
  ctx.h = makeHistory();
  ctx.git = new GitRepo(ctx.h.repo.dir);
});
NotFound.after((ctx) => ctx.h.repo.remove());

NotFound('a misspelt branch suggests the nearest one :: mian', async ({ git }) => {
  const err = await rejects(git.resolve('mian'), 'CAX_REF_NOT_FOUND');
  assert.equal(err.data.nearest, ['main']);
  assert.ok(err.suggestions.some((s) => s.includes('"main"')), err.suggestions.join(' | '));
  assert.is(err.status, 404);
});

NotFound('a misspelt branch suggests the nearest one :: featur', async ({ git }) => {
  const err = await rejects(git.resolve('featur'), 'CAX_REF_NOT_FOUND');
  assert.equal(err.data.nearest, ['feature']);
  assert.ok(err.suggestions.some((s) => s.includes('"feature"')));
});

NotFound('a misspelt branch with a suffix suggests the branch :: mian~1', async ({ git }) => {
  const err = await rejects(git.resolve('mian~1'), 'CAX_REF_NOT_FOUND');
  assert.equal(err.data.nearest, ['main']);
  assert.is(err.data.ref, 'mian~1');
});

NotFound('a name far from every ref suggests nothing', async ({ git }) => {
  const err = await rejects(git.resolve('zzzzzzzzzzzz'), 'CAX_REF_NOT_FOUND');
  assert.equal(err.data.nearest, []);
});

NotFound('going past the first commit', async ({ git }) => {
  await rejects(git.resolve('HEAD~4'), 'CAX_REF_NOT_FOUND');
  await rejects(git.resolve('v1^'), 'CAX_REF_NOT_FOUND');
});

NotFound('a parent a commit does not have :: HEAD^3 on a two-parent merge', async ({ git }) => {
  await rejects(git.resolve('HEAD^3'), 'CAX_REF_NOT_FOUND');
  await rejects(git.resolve('main~1^2'), 'CAX_REF_NOT_FOUND');
});

NotFound('a SHA that is not in the repository', async ({ git }) => {
  await rejects(git.resolve('0123456789abcdef0123456789abcdef01234567'), 'CAX_REF_NOT_FOUND');
  await rejects(git.resolve('deadbeef'), 'CAX_REF_NOT_FOUND');
});

NotFound('a tag of a tree is not a commit', async ({ h, git }) => {
  h.repo.git('tag', 'tree-tag', 'HEAD^{tree}');
  await rejects(git.resolve('tree-tag'), 'CAX_REF_NOT_FOUND');
});

NotFound('names that are not refs :: ranges, paths and spaces', async ({ git }) => {
  for (const ref of ['main..feature', '../../etc/passwd', 'main feature', 'main:agents', '$(whoami)']) {
    await rejects(git.resolve(ref), 'CAX_REF_NOT_FOUND');
  }
});

NotFound.run();

// ---

const Empty = suite('GitRepo :: repositories without commits or without git');

Empty('a repository without commits :: CAX_EMPTY_REPOSITORY', async () => {
  const repo = makeRepo();
  try {
    const git = new GitRepo(repo.dir);
    assert.is(await git.head(), null);
    await rejects(git.resolve('HEAD'), 'CAX_EMPTY_REPOSITORY');
    await rejects(git.resolve('main'), 'CAX_EMPTY_REPOSITORY');
    const err = await rejects(git.resolve('v1.0'), 'CAX_EMPTY_REPOSITORY');
    assert.is(err.data.dir, repo.dir);
  } finally {
    repo.remove();
  }
});

Empty('a folder that is not a repository :: CAX_NOT_A_REPOSITORY', () => {
  const dir = tmpDir('caxton-plain-');
  try {
    assert.is(findGitdir(dir), null);
    const err = throws(() => new GitRepo(dir), 'CAX_NOT_A_REPOSITORY');
    assert.is(err.data.dir, dir);
  } finally {
    rm(dir);
  }
});

Empty('a folder that does not exist :: CAX_NOT_A_REPOSITORY', () => {
  const dir = tmpDir('caxton-gone-');
  try {
    throws(() => new GitRepo(path.join(dir, 'missing')), 'CAX_NOT_A_REPOSITORY');
  } finally {
    rm(dir);
  }
});

Empty.run();

// ---

const Gitdir = suite('findGitdir');

Gitdir('a checkout :: DIR/.git', () => {
  const repo = makeRepo(agentFiles('a'));
  try {
    assert.is(findGitdir(repo.dir), path.join(repo.dir, '.git'));
  } finally {
    repo.remove();
  }
});

Gitdir('a bare repository :: DIR itself, and GitRepo reads it', async () => {
  const src = makeRepo(agentFiles('a'));
  const bare = path.join(tmpDir('caxton-bare-'), 'ws.git');
  try {
    src.git('tag', '-a', 'v1', '-m', 'one');
    execFileSync('git', ['clone', '--quiet', '--bare', src.dir, bare], { env: { ...process.env, ...GIT_ENV } });
    assert.is(findGitdir(bare), bare);
    const git = new GitRepo(bare);
    assert.is(git.gitdir, bare);
    assert.is(await git.resolve('main'), src.head());
    assert.is(await git.resolve('v1'), src.head());
    assert.is(await git.resolve('HEAD'), src.head());
    const files = await git.listFiles(await git.commitTree(src.head()));
    assert.equal(files.map((f) => f.path), ['agents/a/agent.toml']);
  } finally {
    src.remove();
    rm(path.dirname(bare));
  }
});

Gitdir('a clone :: remote branches resolve as origin/<branch>', async () => {
  const src = makeRepo(agentFiles('a'));
  const dir = path.join(tmpDir('caxton-clone-'), 'ws');
  try {
    src.git('branch', 'staging');
    execFileSync('git', ['clone', '--quiet', src.dir, dir], { env: { ...process.env, ...GIT_ENV } });
    const git = new GitRepo(dir);
    assert.is(await git.resolve('origin/staging'), src.head());
    assert.ok((await git.branches()).includes('origin/staging'));
    assert.not.ok((await git.branches()).includes('origin/HEAD'));
  } finally {
    src.remove();
    rm(path.dirname(dir));
  }
});

Gitdir.run();

// ---

const Objects = suite<{ h: History; git: GitRepo }>('GitRepo :: commits, trees and blobs');

Objects.before((ctx) => {
  ctx.h = makeHistory();
  ctx.git = new GitRepo(ctx.h.repo.dir);
});
Objects.after((ctx) => ctx.h.repo.remove());

Objects('commit() gives sha, first-line message, author and ISO date', async ({ h, git }) => {
  const info = await git.commit(h.c2);
  assert.is(info.sha, h.c2);
  assert.is(info.message, 'add b');
  assert.is(info.author, 'Caxton Test');
  assert.is(info.date, new Date(Number(h.repo.git('log', '-1', '--format=%at', h.c2)) * 1000).toISOString());
});

Objects('commitTree() is the root tree', async ({ h, git }) => {
  assert.is(await git.commitTree(h.c2), h.repo.git('rev-parse', `${h.c2}^{tree}`));
});

Objects('readTree() lists one level with types and ids', async ({ h, git }) => {
  const root = await git.readTree(await git.commitTree(h.c2));
  assert.equal(root.map((e) => [e.path, e.type]), [['agents', 'tree']]);
  const agents = await git.readTree(root[0]!.oid);
  assert.equal(agents.map((e) => e.path), ['a', 'b']);
  assert.is(agents[1]!.oid, h.repo.git('rev-parse', `${h.c2}:agents/b`));
  assert.is(agents[1]!.mode, '040000');
});

Objects('listFiles() lists every blob under a tree with relative paths', async ({ h, git }) => {
  const files = await git.listFiles(await git.commitTree(h.merge));
  assert.equal(files.map((f) => f.path), ['agents/a/agent.toml', 'agents/b/agent.toml', 'agents/c/agent.toml', 'agents/d/agent.toml']);
  assert.ok(files.every((f) => f.type === 'blob'));
  const sub = await git.listFiles(h.repo.git('rev-parse', `${h.merge}:agents`), 'agents');
  assert.is(sub[0]!.path, 'agents/a/agent.toml');
});

Objects('readBlob() gives the committed bytes', async ({ h, git }) => {
  const oid = h.repo.git('rev-parse', `${h.c1}:agents/a/agent.toml`);
  assert.is(new TextDecoder().decode(await git.readBlob(oid)), agentToml('a'));
});

Objects('readBlob() reads the committed version, not the working tree', async ({ h, git }) => {
  h.repo.write({ 'agents/a/agent.toml': 'uncommitted' });
  const oid = h.repo.git('rev-parse', 'HEAD:agents/a/agent.toml');
  assert.is(new TextDecoder().decode(await git.readBlob(oid)), agentToml('a'));
  h.repo.git('checkout', '--', 'agents/a/agent.toml');
});

Objects('branches() lists local branches', async ({ git }) => {
  assert.equal((await git.branches()).sort(), ['feature', 'main']);
  assert.is(await git.currentBranch(), 'main');
});

Objects.run();

// ---

/** Every object of the repository with its type, as git lists them. */
function allObjects(repo: TestRepo): Array<{ oid: string; type: string }> {
  const oids = repo.git('rev-list', '--objects', '--all').split('\n').map((l) => l.split(' ')[0]!).filter(Boolean);
  const types = execFileSync('git', ['cat-file', '--batch-check=%(objecttype)'], { cwd: repo.dir, input: `${oids.join('\n')}\n`, encoding: 'utf8' }).trim().split('\n');
  return oids.map((oid, i) => ({ oid, type: types[i]! }));
}

/** How many objects of the (one) pack are ofs and ref deltas, from their headers in the pack. */
function packedTypes(repo: TestRepo): { ofsDelta: number; refDelta: number } {
  const dir = path.join(repo.dir, '.git/objects/pack');
  const idx = fs.readdirSync(dir).filter((f) => f.endsWith('.idx'));
  assert.is(idx.length, 1, 'one pack');
  const pack = fs.readFileSync(path.join(dir, idx[0]!.replace(/idx$/, 'pack')));
  const out = { ofsDelta: 0, refDelta: 0 };
  for (const line of repo.git('verify-pack', '-v', path.join(dir, idx[0]!)).split('\n')) {
    const f = line.split(/\s+/);
    if (!/^[0-9a-f]{40}$/.test(f[0] ?? '') || f.length < 5) continue;
    const type = (pack[Number(f[4])]! >> 4) & 7;
    if (type === 6) out.ofsDelta++;
    if (type === 7) out.refDelta++;
  }
  return out;
}

/** The isomorphic-git error a call ends with (its code), or null. */
async function isoError(p: Promise<unknown>): Promise<string | null> {
  try {
    await p;
    return null;
  } catch (err) {
    return (err as { code?: string }).code ?? String(err);
  }
}

/**
 * A workspace with the tree entries that differ between readers: odd names (spaces, non-ASCII,
 * characters past U+FFFF, names git sorts differently from a plain string sort), an executable, a
 * symlink, a submodule, dotfiles with "git" in their names, and a file revised often (deltas).
 */
function makeOddRepo(): TestRepo {
  const big = (n: number) => Array.from({ length: 400 }, (_, i) => `line ${i} ${i % 37 === n % 37 ? `rev ${n}` : ''}`).join('\n');
  const repo = makeRepo({
    ...agentFiles('a'),
    'with space.txt': 'space\n',
    'ünïcödé.md': 'unicode\n',
    '\uff21-fullwidth.txt': 'fullwidth\n',
    '😀-emoji.txt': 'emoji\n',
    'foo/inner.txt': 'dir foo\n',
    'foo.txt': 'file foo.txt\n',
    'foo-bar': 'file foo-bar\n',
    '.gitignore': 'node_modules\n',
    '.github/workflows/ci.yml': 'on: push\n',
    'bin/run.sh': '#!/bin/sh\necho run\n',
    'big.txt': big(0),
    'data.bin': new Uint8Array(Array.from({ length: 3000 }, (_, i) => (i * 7) % 256)),
  });
  fs.chmodSync(path.join(repo.dir, 'bin/run.sh'), 0o755);
  fs.symlinkSync('bin/run.sh', path.join(repo.dir, 'run-link'));
  repo.git('add', '-A');
  repo.git('commit', '--quiet', '-m', 'exec, symlink');
  for (let n = 1; n <= 12; n++) repo.commit({ 'big.txt': big(n), [`agents/a/notes-${n % 3}.md`]: `note ${n}\n` }, `revision ${n}`);
  // last: `git add -A` would drop a gitlink that has no folder
  repo.git('update-index', '--add', '--cacheinfo', `160000,${repo.head()},vendor/sub`);
  repo.git('commit', '--quiet', '-m', 'submodule');
  return repo;
}

const Direct = suite<{ repo: TestRepo }>('GitRepo :: direct object reads match isomorphic-git');

Direct.before((ctx) => {
  ctx.repo = makeOddRepo();
});
Direct.after((ctx) => ctx.repo.remove());

/** Every object read three ways: the direct reader (it must answer), GitRepo, isomorphic-git. */
async function sameAsIsomorphicGit(repo: TestRepo, label: string): Promise<number> {
  const gitdir = path.join(repo.dir, '.git');
  const ours = new GitRepo(repo.dir);
  const store = new ObjectStore(gitdir);
  const iso = { fs, gitdir, cache: {} };
  let trees = 0;
  for (const { oid, type } of allObjects(repo)) {
    const raw = store.read(oid);
    assert.ok(raw, `${label}: the direct reader reads ${type} ${oid}`);
    assert.is(raw!.type, type, `${label}: type of ${oid}`);
    assert.ok(raw!.body.equals(execFileSync('git', ['cat-file', type, oid], { cwd: repo.dir })), `${label}: bytes of ${oid}`);
    if (type === 'tree') {
      const expected = (await isogit.readTree({ ...iso, oid })).tree;
      assert.equal(parseTree(raw!.body), expected, `${label}: parsed tree ${oid}`);
      assert.equal(await ours.readTree(oid), expected, `${label}: readTree ${oid}`);
      trees++;
    } else if (type === 'blob') {
      const expected = (await isogit.readBlob({ ...iso, oid })).blob;
      const got = await ours.readBlob(oid);
      assert.is(got.constructor, expected.constructor, 'a Uint8Array, as isomorphic-git gives');
      assert.is(got.buffer.byteLength, got.length, 'with an ArrayBuffer of its own');
      assert.equal(got, expected, `${label}: readBlob ${oid}`);
    } else if (type === 'commit') {
      assert.is(await ours.commitTree(oid), (await isogit.readCommit({ ...iso, oid })).commit.tree, `${label}: commitTree ${oid}`);
    }
  }
  return trees;
}

Direct('the workspace has what the suite means to test', async ({ repo }) => {
  const root = await new GitRepo(repo.dir).readTree(await new GitRepo(repo.dir).commitTree(repo.head()));
  const byName = new Map(root.map((e) => [e.path, e]));
  assert.is(byName.get('vendor')?.type, 'tree');
  assert.is(byName.get('run-link')?.mode, '120000');
  assert.equal(root.map((e) => e.path).filter((p) => p.startsWith('foo')), ['foo', 'foo-bar', 'foo.txt'], 'isomorphic-git order, not git’s');
  const names = root.map((e) => e.path);
  assert.ok(names.indexOf('\uff21-fullwidth.txt') < names.indexOf('😀-emoji.txt'), 'code point order past U+FFFF');
  const vendor = await new GitRepo(repo.dir).readTree(byName.get('vendor')!.oid);
  assert.equal(vendor.map((e) => [e.path, e.type, e.mode]), [['sub', 'commit', '160000']]);
  const bin = await new GitRepo(repo.dir).readTree(byName.get('bin')!.oid);
  assert.is(bin[0]!.mode, '100755');
});

Direct('loose objects :: trees, blobs and commits as isomorphic-git reads them', async ({ repo }) => {
  assert.is(fs.readdirSync(path.join(repo.dir, '.git/objects/pack')).length, 0, 'nothing packed yet');
  assert.ok((await sameAsIsomorphicGit(repo, 'loose')) > 5);
});

Direct('packed objects (ofs deltas) :: the same after git gc', async ({ repo }) => {
  repo.git('gc', '--quiet', '--aggressive');
  assert.is(repo.git('count-objects', '-v').match(/^count: (\d+)/m)?.[1], '0', 'everything packed');
  assert.ok(packedTypes(repo).ofsDelta > 0, 'the pack has ofs deltas');
  await sameAsIsomorphicGit(repo, 'packed');
});

Direct('packed objects (ref deltas) :: the same after a repack without offsets', async ({ repo }) => {
  repo.git('-c', 'repack.useDeltaBaseOffset=false', 'repack', '-a', '-d', '-f', '--quiet');
  const types = packedTypes(repo);
  assert.ok(types.refDelta > 0 && types.ofsDelta === 0, 'the pack has ref deltas only');
  await sameAsIsomorphicGit(repo, 'ref deltas');
});

Direct('a pack written after the first read (a fetch, a gc) is found by the same reader', async ({ repo }) => {
  const gitdir = path.join(repo.dir, '.git');
  const ours = new GitRepo(repo.dir);
  const store = new ObjectStore(gitdir);
  const headTree = repo.git('rev-parse', 'HEAD^{tree}');
  assert.ok(store.read(headTree) && (await ours.readTree(headTree)).length, 'packs listed, one read');
  const next = repo.commit({ 'late.txt': 'late\n' }, 'after the first read');
  const oid = repo.git('rev-parse', `${next}:late.txt`);
  assert.ok(store.read(oid), 'loose');
  repo.git('gc', '--quiet'); // a new pack; the old one and the loose objects are gone
  assert.ok(store.read(oid), 'in the new pack, listed again on the miss');
  assert.is(new TextDecoder().decode(await ours.readBlob(oid)), 'late\n');
  assert.is(await ours.commitTree(next), repo.git('rev-parse', `${next}^{tree}`));
  ours.refresh();
  assert.is(new TextDecoder().decode(await ours.readBlob(oid)), 'late\n');
});

Direct('a pack listed but removed by a repack before it was read :: listed again', async ({ repo }) => {
  const gitdir = path.join(repo.dir, '.git');
  const store = new ObjectStore(gitdir);
  const blob = repo.git('rev-parse', 'HEAD:with space.txt');
  assert.is(store.read('0123456789abcdef0123456789abcdef01234567'), null, 'lists the packs, reads none');
  repo.commit({ 'later.txt': 'later\n' }, 'one more');
  repo.git('gc', '--quiet');
  assert.is(store.read(blob)?.body.toString(), 'space\n');
});

Direct('a missing object throws, as isomorphic-git does', async ({ repo }) => {
  const ours = new GitRepo(repo.dir);
  const gitdir = path.join(repo.dir, '.git');
  const missing = '0123456789abcdef0123456789abcdef01234567';
  assert.is(new ObjectStore(gitdir).read(missing), null);
  assert.is(await isoError(ours.readTree(missing)), 'NotFoundError');
  assert.is(await isoError(ours.readBlob(missing)), 'NotFoundError');
  assert.is(await isoError(ours.commitTree(missing)), 'NotFoundError');
  assert.is(await isoError(ours.readBlob('not an oid')), await isoError(isogit.readBlob({ fs, gitdir, oid: 'not an oid' })));
});

Direct('what the direct reader does not answer is isomorphic-git’s :: wrong types, commits as trees', async ({ repo }) => {
  const ours = new GitRepo(repo.dir);
  const gitdir = path.join(repo.dir, '.git');
  const head = repo.head();
  const tree = repo.git('rev-parse', `${head}^{tree}`);
  assert.equal(await ours.readTree(head), (await isogit.readTree({ fs, gitdir, oid: head })).tree, 'a commit reads as its tree');
  assert.is(await isoError(ours.readBlob(tree)), 'ObjectTypeError');
  assert.is(await isoError(ours.readBlob(tree)), await isoError(isogit.readBlob({ fs, gitdir, oid: tree })));
});

Direct('trees isomorphic-git refuses still throw :: unsafe names, unknown modes', async ({ repo }) => {
  const ours = new GitRepo(repo.dir);
  const gitdir = path.join(repo.dir, '.git');
  const blob = repo.git('rev-parse', `${repo.head()}:with space.txt`);
  const mktree = (line: string) => execFileSync('git', ['mktree'], { cwd: repo.dir, input: `${line}\n`, encoding: 'utf8' }).trim();
  for (const [line, code] of [
    [`100644 blob ${blob}\t.GIT`, 'UnsafeFilepathError'],
    [`100644 blob ${blob}\t.g\u200cit`, 'UnsafeFilepathError'],
    [`100644 blob ${blob}\tgit~1`, 'UnsafeFilepathError'],
    [`100664 blob ${blob}\told-mode`, 'InternalError'],
  ] as const) {
    const oid = mktree(line);
    assert.is(parseTree(new ObjectStore(gitdir).read(oid)!.body), null, line);
    assert.is(await isoError(ours.readTree(oid)), code, line);
    assert.is(await isoError(ours.readTree(oid)), await isoError(isogit.readTree({ fs, gitdir, oid })), line);
  }
});

Direct.run();

// ---

const Worktree = suite('GitRepo :: linked worktrees');

Worktree('reads HEAD from the worktree and objects and refs from the shared repository', async () => {
  const repo = makeRepo(agentFiles('a'));
  const wt = path.join(tmpDir('caxton-wt-'), 'feature');
  try {
    repo.git('worktree', 'add', '--quiet', '-b', 'feature', wt);
    const git = (...args: string[]) => execFileSync('git', ['-c', 'commit.gpgsign=false', ...args], { cwd: wt, env: { ...process.env, ...GIT_ENV }, encoding: 'utf8' }).trim();
    fs.mkdirSync(path.join(wt, 'agents/b'), { recursive: true });
    fs.writeFileSync(path.join(wt, 'agents/b/agent.toml'), agentToml('b'));
    git('add', '-A');
    git('commit', '--quiet', '-m', 'b on feature');
    const featureHead = git('rev-parse', 'HEAD');
    const mainHead = repo.head();
    assert.is.not(featureHead, mainHead);

    const r = new GitRepo(wt);
    assert.is(await r.head(), featureHead, 'HEAD is the worktree\'s, not the main checkout\'s');
    assert.is(await r.currentBranch(), 'feature');
    assert.is(await r.resolve('HEAD~1'), mainHead);
    assert.is(await r.resolve('main'), mainHead);
    const tree = await r.readTree(await r.commitTree(featureHead));
    assert.ok(tree.some((e) => e.path === 'agents'));
    // The main checkout is unaffected.
    assert.is(await new GitRepo(repo.dir).head(), mainHead);
  } finally {
    repo.remove();
    rm(path.dirname(wt));
  }
});

Worktree.run();
