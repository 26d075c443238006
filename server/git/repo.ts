// The in-process git reader (isomorphic-git): refs, commits, trees and blobs. No working copy is
// read: a deployment is always a commit. One packfile cache per repository is kept across calls.
import fs from 'node:fs';
import path from 'node:path';
import git from 'isomorphic-git';
import { CaxtonError } from '../errors.js';
import { nearest } from '../util/nearest.js';

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

export class GitRepo {
  readonly gitdir: string;
  /** isomorphic-git's object cache: parsed packfile indexes survive between calls. */
  private readonly cache: object = {};

  constructor(readonly dir: string, gitdir?: string) {
    const found = gitdir ?? findGitdir(dir);
    if (!found) throw new CaxtonError('CAX_NOT_A_REPOSITORY', { dir });
    this.gitdir = found;
  }

  private get base() {
    return { fs: gitFs, gitdir: this.gitdir, cache: this.cache };
  }

  /** HEAD's commit, or null in a repository without commits. */
  async head(): Promise<string | null> {
    try {
      return await git.resolveRef({ fs: gitFs, gitdir: this.gitdir, ref: 'HEAD' });
    } catch {
      return null;
    }
  }

  async currentBranch(): Promise<string | null> {
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
      oid = await git.resolveRef({ fs: gitFs, gitdir: this.gitdir, ref: name });
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
    const { commit } = await git.readCommit({ ...this.base, oid: sha });
    return commit.tree;
  }

  async readTree(oid: string): Promise<TreeEntry[]> {
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
    const { blob } = await git.readBlob({ ...this.base, oid });
    return blob;
  }

  async isAncestor(ancestor: string, of: string): Promise<boolean> {
    if (ancestor === of) return true;
    return git.isDescendent({ ...this.base, oid: of, ancestor, depth: -1 }).catch(() => false);
  }
}
