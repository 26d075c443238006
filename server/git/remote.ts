// Remote repositories through the git CLI (simple-git): a mirror clone in the data folder, fetched
// before deployments. Credentials come from the URL, the environment or git's credential helper;
// every message that leaves this file has them redacted.
import fs from 'node:fs';
import { simpleGit } from 'simple-git';
import { CaxtonError } from '../errors.js';

/** Hides the user-info part of URLs (https://user:token@host → https://***@host). */
export function redact(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/@\s]+@/gi, '$1***@');
}

function fail(err: unknown): CaxtonError {
  return new CaxtonError('CAX_REMOTE_FAILED', { detail: redact((err as Error).message ?? String(err)).split('\n')[0] });
}

/** Clones `url` as a mirror into `dir` unless it is there already; returns the git directory. */
export async function ensureMirror(url: string, dir: string): Promise<string> {
  if (fs.existsSync(`${dir}/HEAD`)) return dir;
  fs.mkdirSync(dir, { recursive: true });
  try {
    await simpleGit().env({ ...process.env, GIT_TERMINAL_PROMPT: '0' }).clone(url, dir, ['--mirror', '--quiet']);
  } catch (err) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw fail(err);
  }
  return dir;
}

/** Fetches every ref of the mirror (or of `origin` in a workspace checkout). */
export async function fetchAll(gitdir: string, { mirror }: { mirror: boolean }): Promise<void> {
  try {
    const git = simpleGit({ baseDir: gitdir }).env({ ...process.env, GIT_TERMINAL_PROMPT: '0' });
    await git.fetch(mirror ? ['--prune', '--quiet', 'origin'] : ['--quiet', 'origin']);
  } catch (err) {
    throw fail(err);
  }
}

export async function hasRemote(dir: string, name = 'origin'): Promise<boolean> {
  try {
    const remotes = await simpleGit({ baseDir: dir }).getRemotes();
    return remotes.some((r) => r.name === name);
  } catch {
    return false;
  }
}
