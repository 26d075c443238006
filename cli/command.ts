import fs from 'node:fs';
import path from 'node:path';
import type { ParseArgsConfig } from 'node:util';
import { CaxtonError } from '../server/errors.js';
import { ApiClient } from './client.js';
import { resolveTarget, type Target } from './target.js';

export type Flags = Record<string, string | boolean | undefined>;

export interface Context {
  positionals: string[];
  flags: Flags;
  cwd: string;
  /** the workspace root found from cwd */
  root: string;
  env: NodeJS.ProcessEnv;
  json: boolean;
  isTTY: boolean;
  /** for long-running commands (serve) that report while they run */
  print(line: string): void;
}

/** What a command returns; main renders `text`, or `data` with --json. */
export interface Output {
  data: Record<string, unknown>;
  text: string;
  /** false: the operation failed (exit 1), the text goes to stderr */
  ok: boolean;
  /** true: a long-running command printed its result already, when it was ready; main prints nothing more */
  printed?: boolean;
}

export interface Command {
  name: string;
  usage: string;
  options: NonNullable<ParseArgsConfig['options']>;
  /** the most arguments (not options) it takes; more are a usage error, never silently ignored (default 0) */
  positionals?: number;
  /** the option a stray argument was probably meant for (`deploy HEAD~3` → `--ref HEAD~3`) */
  positionalFlag?: string;
  /** what each option does, a line each, for `caxton <command> --help` */
  help?: readonly string[];
  run(ctx: Context): Promise<Output>;
}

export const SERVER_OPTIONS = {
  server: { type: 'string' },
  token: { type: 'string' },
} as const;

export function target(ctx: Context): Target {
  return resolveTarget({
    ...(typeof ctx.flags.server === 'string' ? { server: ctx.flags.server } : {}),
    ...(typeof ctx.flags.token === 'string' ? { token: ctx.flags.token } : {}),
    root: ctx.root,
    env: ctx.env,
  });
}

/**
 * Commands that read or write the workspace's files refuse a folder outside any workspace (no .git
 * or caxton.toml there or above), rather than report on, or write into, a folder that is not one.
 */
export function requireWorkspace(ctx: Context): string {
  if (!fs.existsSync(path.join(ctx.root, '.git')) && !fs.existsSync(path.join(ctx.root, 'caxton.toml'))) {
    throw new CaxtonError('CAX_NOT_A_REPOSITORY', { dir: ctx.cwd });
  }
  return ctx.root;
}

export function client(ctx: Context): ApiClient {
  const t = target(ctx);
  return new ApiClient(t.url, t.token);
}

/** `--limit N` (a whole number from 1 to `max`, the API's own bound), or `fallback` without it; `command` names the hint's example. */
export function limitFlag(ctx: Context, fallback: number, command: string, max = 10_000): number {
  const given = ctx.flags.limit;
  const limit = typeof given === 'string' ? Number(given) : fallback;
  if (!Number.isInteger(limit) || limit < 1 || limit > max) {
    throw new CaxtonError('CAX_USAGE', { detail: `--limit ${String(given)} is not a number from 1 to ${max}`, hint: `caxton ${command} --limit ${Math.min(100, max)}` });
  }
  return limit;
}
