// The in-process git reader (isomorphic-git): refs, commits, trees and blobs. No working copy is
// read: a deployment is always a commit. One packfile cache per repository is kept across calls.
// Trees, blobs and a commit's tree are read directly first (objects.ts: loose and packed objects,
// as git reads them); isomorphic-git answers what that reader does not, and gives every error.
import fs from 'node:fs';
import path from 'node:path';
import git from 'isomorphic-git';
import { CaxtonError } from '../errors.js';
import { nearest } from '../util/nearest.js';
import { ObjectStore } from './objects.js';

export interface TreeEntry {
  path: string;
  oid: string;
  type: 'blob' | 'tree' | 'commit';
  mode: string;
}

export interface CommitInfo {
  sha: string;
  message: string;
  author: string;
  date: string;
}

/** Finds the git directory of a workspace (DIR/.git) or a bare repository (DIR itself). */
export function findGitdir(dir: string): string | null {
  const dotgit = path.join(dir, '.git');
  try {
    const st = fs.statSync(dotgit);
    if (st.isDirectory()) return dotgit;
    // a worktree or submodule: ".git" is a file "gitdir: <path>"
    const m = /^gitdir:\s*(.+)\s*$/m.exec(fs.readFileSync(dotgit, 'utf8'));
    if (m) return path.resolve(dir, m[1]!);
  } catch {
    /* not a checkout; maybe bare */
  }
  if (fs.existsSync(path.join(dir, 'HEAD')) && fs.existsSync(path.join(dir, 'objects'))) return dir;
  return null;
}

const SUFFIX = /^(.*?)((?:[~^]\d*)*)$/;

// isomorphic-git wraps `fs` again on every call and tells a promise API from a callback one by
// calling `promises.readFile()` with no arguments. Node rejects that with an ERR_INVALID_ARG_TYPE
// whose stack trace is the dearest part of a small read (twice per call: ~8 ms of the ~340 object
// reads of a 1,000-commit changeset, bench/changeset.bench.ts). The probe gets one shared rejection
// instead; every call with a path goes to node:fs unchanged.
const probeAnswer = Promise.reject(new TypeError('readFile needs a path'));
probeAnswer.catch(() => undefined);
const gitFs = {
  promises: {
    ...fs.promises,
    readFile: (...args: Parameters<typeof fs.promises.readFile>) => (args.length ? fs.promises.readFile(...args) : probeAnswer),
  },
};

// isomorphic-git's order for tree entries (compareStrings in its source): by code point, which is
// the order of the names' UTF-8 bytes; `<` where UTF-16 order is the same.
const NEEDS_CODE_POINT_ORDER = /[\ud800-\uffff]/;

function isLoneSurrogate(s: string, i: number, unit: number): boolean {
  if (unit < 0xd800 || unit > 0xdfff) return false;
  if (unit < 0xdc00) {
    const next = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
    return next < 0xdc00 || next > 0xdfff;
  }
  const prev = i > 0 ? s.charCodeAt(i - 1) : 0;
  return prev < 0xd800 || prev > 0xdbff;
}

function compareNames(a: string, b: string): number {
  if (!NEEDS_CODE_POINT_ORDER.test(a) && !NEEDS_CODE_POINT_ORDER.test(b)) return a < b ? -1 : a > b ? 1 : 0;
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x !== y) {
      if (isLoneSurrogate(a, i, x)) x = 0xfffd;
      if (isLoneSurrogate(b, i, y)) y = 0xfffd;
      if (x === y) continue;
      if (x >= 0xd800 && y >= 0xd800) {
        x += x >= 0xe000 ? -0x800 : 0x2000;
        y += y >= 0xe000 ? -0x800 : 0x2000;
      }
      return x < y ? -1 : 1;
    }
  }
  return a.length < b.length ? -1 : a.length > b.length ? 1 : 0;
}

const MODE_TYPES: Record<string, TreeEntry['type']> = { '040000': 'tree', '100644': 'blob', '100755': 'blob', '120000': 'blob', '160000': 'commit' };
const MAYBE_UNSAFE = /[\\/\u200c-\u200f\u202a-\u202e\u206a-\u206f\ufeff]|git|^\./i;

/** A name isomorphic-git refuses (UnsafeFilepathError, git's verify_path); its tree goes to it. */
function unsafeName(name: string): boolean {
  if (!MAYBE_UNSAFE.test(name)) return false; // the common case, in one test
  const hfsClean = name.replace(/[\u200c-\u200f\u202a-\u202e\u206a-\u206f\ufeff]/g, '');
  const normalized = hfsClean.split(':')[0]!.toLowerCase().replace(/[. ]+$/, '');
  return name.includes('\\') || name.includes('/') || hfsClean === '.' || hfsClean === '..' || normalized === '.git' || /^\.?git~[1-9]$/.test(normalized);
}

/**
 * A tree object's entries as isomorphic-git's readTree gives them, or null for a tree it would
 * reject or treat differently (it is then asked, and throws its own error). Exported for tests.
 */
export function parseTree(body: Buffer): TreeEntry[] | null {
  const out: TreeEntry[] = [];
  let p = 0;
  while (p < body.length) {
    const space = body.indexOf(32, p);
    const nul = body.indexOf(0, space + 1);
    if (space < 0 || nul < 0 || nul + 21 > body.length) return null;
    let mode = body.toString('latin1', p, space);
    if (mode === '40000') mode = '040000';
    const type = MODE_TYPES[mode];
    if (!type) return null;
    const name = body.toString('utf8', space + 1, nul);
    if (unsafeName(name)) return null;
    out.push({ mode, path: name, oid: body.toString('hex', nul + 1, nul + 21), type });
    p = nul + 21;
  }
  return out.sort((a, b) => compareNames(a.path, b.path));
}

/**
 * A linked worktree's git directory holds its own HEAD and a `commondir` file naming the repository
 * whose objects and refs it shares; isomorphic-git does not follow it, so GitRepo does.
 */
export function commonGitdir(gitdir: string): string {
  try {
    const common = fs.readFileSync(path.join(gitdir, 'commondir'), 'utf8').trim();
    return common ? path.resolve(gitdir, common) : gitdir;
  } catch {
    return gitdir;
  }
}

export class GitRepo {
  /** where objects and refs live (the common directory of a worktree) */
  readonly gitdir: string;
  /** where HEAD lives: the worktree's own git directory, or gitdir */
  private readonly headDir: string;
  /** isomorphic-git's object cache: parsed packfile indexes survive between calls. */
  private readonly cache: object = {};
  /** The direct reader for trees, blobs and commits' trees; isomorphic-git answers what it cannot. */
  private readonly objects: ObjectStore;

  constructor(readonly dir: string, gitdir?: string) {
    const found = gitdir ?? findGitdir(dir);
    if (!found) throw new CaxtonError('CAX_NOT_A_REPOSITORY', { dir });
    this.headDir = found;
    this.gitdir = commonGitdir(found);
    this.objects = new ObjectStore(this.gitdir);
  }

  /** HEAD's symbolic ref (refs/heads/x) or commit, read from the worktree's own HEAD. */
  private readHead(): { ref: string } | { oid: string } | null {
    try {
      const text = fs.readFileSync(path.join(this.headDir, 'HEAD'), 'utf8').trim();
      const m = /^ref:\s*(\S+)$/.exec(text);
      return m ? { ref: m[1]! } : /^[0-9a-f]{40}$/.test(text) ? { oid: text } : null;
    } catch {
      return null;
    }
  }

  /** Resolves a ref name; HEAD is read where this checkout keeps it. */
  private async resolveName(name: string): Promise<string> {
    if (name === 'HEAD' && this.headDir !== this.gitdir) {
      const h = this.readHead();
      if (!h) throw new Error('no HEAD');
      return 'oid' in h ? h.oid : git.resolveRef({ fs: gitFs, gitdir: this.gitdir, ref: h.ref });
    }
    return git.resolveRef({ fs: gitFs, gitdir: this.gitdir, ref: name });
  }

  /** Forgets the pack listing, after a fetch has written new packs (a miss would list them anyway). */
  refresh(): void {
    this.objects.refresh();
  }

  private get base() {
    return { fs: gitFs, gitdir: this.gitdir, cache: this.cache };
  }

  /** HEAD's commit, or null in a repository without commits. */
  async head(): Promise<string | null> {
    try {
      return await this.resolveName('HEAD');
    } catch {
      return null;
    }
  }

  async currentBranch(): Promise<string | null> {
    if (this.headDir !== this.gitdir) {
      const h = this.readHead();
      return h && 'ref' in h ? h.ref.replace(/^refs\/heads\//, '') : null;
    }
    return (await git.currentBranch({ fs: gitFs, gitdir: this.gitdir, fullname: false })) ?? null;
  }

  /**
   * A ref (branch, tag, remote branch, full or short SHA, with ~N / ^N suffixes) → commit SHA.
   * @example await repo.resolve('HEAD~2')
   */
  async resolve(ref: string): Promise<string> {
    const m = SUFFIX.exec(ref.trim())!;
    const baseRef = m[1] || 'HEAD';
    let oid = await this.resolveBase(baseRef, ref);
    for (const op of m[2]!.match(/[~^]\d*/g) ?? []) {
      const n = op.length > 1 ? Number(op.slice(1)) : 1;
      if (op[0] === '~') {
        for (let i = 0; i < n; i++) oid = await this.parent(oid, 1, ref);
      } else if (n > 0) oid = await this.parent(oid, n, ref);
    }
    return oid;
  }

  private async resolveBase(name: string, full: string): Promise<string> {
    if (!/^[\w./@{}-]+$/.test(name) || name.includes('..')) throw await this.notFound(full);
    let oid: string | null = null;
    try {
      oid = await this.resolveName(name);
    } catch {
      if (/^[0-9a-f]{4,40}$/i.test(name)) {
        try {
          oid = await git.expandOid({ ...this.base, oid: name.toLowerCase() });
        } catch {
          oid = null;
        }
      }
    }
    if (!oid) {
      if (name === 'HEAD') throw new CaxtonError('CAX_EMPTY_REPOSITORY', { dir: this.dir });
      throw await this.notFound(full);
    }
    return this.peelToCommit(oid, full);
  }

  private async peelToCommit(oid: string, ref: string): Promise<string> {
    for (let i = 0; i < 8; i++) {
      let obj;
      try {
        obj = await git.readObject({ ...this.base, oid, format: 'parsed' });
      } catch {
        throw await this.notFound(ref);
      }
      if (obj.type === 'commit') return oid;
      if (obj.type === 'tag') {
        oid = (obj.object as { object: string }).object;
        continue;
      }
      break;
    }
    throw await this.notFound(ref);
  }

  private async parent(oid: string, n: number, ref: string): Promise<string> {
    const { commit } = await git.readCommit({ ...this.base, oid });
    const p = commit.parent[n - 1];
    if (!p) throw await this.notFound(ref);
    return p;
  }

  private async notFound(ref: string): Promise<CaxtonError> {
    if (!(await this.head())) return new CaxtonError('CAX_EMPTY_REPOSITORY', { dir: this.dir });
    const names = [...(await this.branches()), ...(await git.listTags({ fs: gitFs, gitdir: this.gitdir }).catch(() => []))];
    return new CaxtonError('CAX_REF_NOT_FOUND', { ref, nearest: nearest(ref.replace(/[~^]\d*$/g, ''), names) });
  }

  async branches(): Promise<string[]> {
    const local = await git.listBranches({ fs: gitFs, gitdir: this.gitdir }).catch(() => [] as string[]);
    const remote = await git.listBranches({ fs: gitFs, gitdir: this.gitdir, remote: 'origin' }).catch(() => [] as string[]);
    return [...local, ...remote.filter((b) => b !== 'HEAD').map((b) => `origin/${b}`)];
  }

  /** Whether the repository holds this commit (a full SHA) already. */
  async hasCommit(sha: string): Promise<boolean> {
    return this.commit(sha).then(() => true, () => false);
  }

  async commit(sha: string): Promise<CommitInfo> {
    const { commit } = await git.readCommit({ ...this.base, oid: sha });
    return {
      sha,
      message: commit.message.trim(),
      author: commit.author.name,
      date: new Date(commit.author.timestamp * 1000).toISOString(),
    };
  }

  /** The root tree of a commit. */
  async commitTree(sha: string): Promise<string> {
    const raw = this.objects.read(sha);
    if (raw?.type === 'commit') {
      const m = /^tree ([0-9a-f]{40})\n/.exec(raw.body.toString('latin1', 0, 46));
      if (m) return m[1]!;
    }
    const { commit } = await git.readCommit({ ...this.base, oid: sha });
    return commit.tree;
  }

  async readTree(oid: string): Promise<TreeEntry[]> {
    const raw = this.objects.read(oid);
    if (raw?.type === 'tree') {
      const entries = parseTree(raw.body);
      if (entries) return entries;
    }
    const { tree } = await git.readTree({ ...this.base, oid });
    return tree as TreeEntry[];
  }

  /** Every blob under a tree, with paths relative to it. */
  async listFiles(treeOid: string, prefix = ''): Promise<TreeEntry[]> {
    const out: TreeEntry[] = [];
    for (const e of await this.readTree(treeOid)) {
      const p = prefix ? `${prefix}/${e.path}` : e.path;
      if (e.type === 'tree') out.push(...(await this.listFiles(e.oid, p)));
      else if (e.type === 'blob') out.push({ ...e, path: p });
    }
    return out;
  }

  async readBlob(oid: string): Promise<Uint8Array> {
    const raw = this.objects.read(oid);
    // a copy: a Uint8Array (not a Buffer) with an ArrayBuffer of its own, as isomorphic-git gives
    if (raw?.type === 'blob') return new Uint8Array(raw.body);
    const { blob } = await git.readBlob({ ...this.base, oid });
    return blob;
  }
}
