// A developer's checkout pushing to a bare repository that plays GitHub: real `git push`es.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { GIT_ENV, makeRepo, type Files, type TestRepo } from './repo.js';
import { rm, tmpDir } from './tmp.js';

export interface TestRemote {
  root: string;
  /** the checkout that commits and pushes (its `origin` is the bare repository) */
  work: TestRepo;
  /** path of the bare repository */
  origin: string;
  /** commits `files` on the current branch and pushes it; returns the new SHA */
  push(files: Files, message?: string): string;
  remove(): void;
}

export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, env: { ...process.env, ...GIT_ENV }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

/** A bare `origin.git` cloned from a first commit of `files`, and `work` with it as origin. */
export function makeRemote(files: Files): TestRemote {
  const root = tmpDir('caxton-remote-');
  fs.mkdirSync(path.join(root, 'work'));
  const work = makeRepo(files, { dir: path.join(root, 'work') });
  const origin = path.join(root, 'origin.git');
  git(root, 'clone', '--quiet', '--bare', work.dir, origin);
  work.git('remote', 'add', 'origin', origin);
  work.git('fetch', '--quiet', 'origin');
  work.git('branch', '--quiet', '--set-upstream-to=origin/main', 'main');
  return {
    root,
    work,
    origin,
    push(f, message = 'change') {
      const sha = work.commit(f, message);
      work.git('push', '--quiet', 'origin', 'HEAD');
      return sha;
    },
    remove: () => rm(root),
  };
}
