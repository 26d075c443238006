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

/**
 * A simple-git client that never prompts. simple-git ≥ 4 refuses GIT_* (and other guarded)
 * variables passed through .env() unless each is named in allowEnvironment and its category is
 * enabled under `unsafe`; inherited ones it strips. They come from the server's own environment,
 * not from a request (a CA bundle, GIT_SSH_COMMAND or GIT_ASKPASS is how credentials reach git),
 * so they pass as git itself would take them. The guards on arguments (ext:: URLs,
 * --upload-pack) stay on.
 */
const ENV_CATEGORIES = {
  allowUnsafeAskPass: true,
  allowUnsafeConfigPaths: true,
  allowUnsafeConfigEnvCount: true,
  allowUnsafeEditor: true,
  allowUnsafeExec: true,
  allowUnsafeDiffExternal: true,
  allowUnsafePager: true,
  allowUnsafeGitProxy: true,
  allowUnsafeTemplateDir: true,
  allowUnsafeSshCommand: true,
} as const;

function client(baseDir?: string) {
  const env = { ...process.env, GIT_TERMINAL_PROMPT: '0' };
  return simpleGit({ ...(baseDir ? { baseDir } : {}), allowEnvironment: Object.keys(env), unsafe: ENV_CATEGORIES }).env(env);
}

function fail(err: unknown): CaxtonError {
  return new CaxtonError('CAX_REMOTE_FAILED', { detail: redact((err as Error).message ?? String(err)).split('\n')[0] });
}

/** Clones `url` as a mirror into `dir` unless it is there already; returns the git directory. */
export async function ensureMirror(url: string, dir: string): Promise<string> {
  if (fs.existsSync(`${dir}/HEAD`)) return dir;
  fs.mkdirSync(dir, { recursive: true });
  try {
    await client().clone(url, dir, ['--mirror', '--quiet']);
  } catch (err) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw fail(err);
  }
  return dir;
}

/** Fetches every ref of the mirror (or of `origin` in a workspace checkout). */
export async function fetchAll(gitdir: string, { mirror }: { mirror: boolean }): Promise<void> {
  try {
    await client(gitdir).fetch(mirror ? ['--prune', '--quiet', 'origin'] : ['--quiet', 'origin']);
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
