// Real git repositories in temp folders: branch main, fixed author, no signing.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { tmpDir, rm } from './tmp.js';

export type Files = Record<string, string | Uint8Array | null>;

export const GIT_ENV = {
  GIT_AUTHOR_NAME: 'Caxton Test',
  GIT_AUTHOR_EMAIL: 'test@caxton.invalid',
  GIT_COMMITTER_NAME: 'Caxton Test',
  GIT_COMMITTER_EMAIL: 'test@caxton.invalid',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
};

export interface TestRepo {
  dir: string;
  git(...args: string[]): string;
  /** Writes (or with null, deletes) files and commits them; returns the new SHA. */
  commit(files: Files, message?: string): string;
  /** Writes files without committing. */
  write(files: Files): void;
  head(): string;
  remove(): void;
}

export function writeFiles(dir: string, files: Files): void {
  for (const [rel, content] of Object.entries(files)) {
    const full = path.join(dir, rel);
    if (content === null) {
      fs.rmSync(full, { recursive: true, force: true });
      continue;
    }
    fs.mkdirSync(path.dirname(full), { recursive: true });
    fs.writeFileSync(full, content);
  }
}

export function makeRepo(files: Files = {}, opts: { dir?: string; bare?: boolean } = {}): TestRepo {
  const dir = opts.dir ?? tmpDir('caxton-repo-');
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'commit.gpgsign=false', '-c', 'tag.gpgsign=false', ...args], {
      cwd: dir,
      env: { ...process.env, ...GIT_ENV },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    }).trim();
  git('init', '--quiet', '--initial-branch=main', ...(opts.bare ? ['--bare'] : []));
  const repo: TestRepo = {
    dir,
    git,
    write: (f) => writeFiles(dir, f),
    commit(f, message = 'change') {
      writeFiles(dir, f);
      git('add', '-A');
      git('commit', '--quiet', '--allow-empty', '-m', message);
      return git('rev-parse', 'HEAD');
    },
    head: () => git('rev-parse', 'HEAD'),
    remove: () => rm(dir),
  };
  if (Object.keys(files).length) repo.commit(files, 'initial');
  return repo;
}
