#!/usr/bin/env node
// Parses, dispatches, renders. The only file that calls process.exit.
import { CaxtonError, toCaxtonError } from '../server/errors.js';
import { workspaceRoot } from './paths.js';
import { plural, renderError } from './render.js';
import { parseCommandArgs } from './args.js';
import type { Command, Context, Flags } from './command.js';
import { COMMANDS } from './command-table.js';

const JSON_VERSION = 1;

function help(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'caxton — agents and WebAssembly tools deployed from git',
    '',
    'Usage: caxton <command> [options]',
    '',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Global: --json (one JSON document on stdout), --server URL, --token TOKEN, --help',
    'Exit codes: 0 ok, 1 operation failed, 2 usage error, 3 server unreachable',
  ].join('\n');
}

/** An argument the command does not take is refused: `deploy HEAD~3` must not deploy HEAD. */
function checkPositionals(command: Command, given: readonly string[]): void {
  const most = command.positionals ?? 0;
  if (given.length <= most) return;
  const stray = given[most]!;
  const detail = most === 0
    ? `caxton ${command.name} takes no arguments, and "${stray}" is one`
    : `caxton ${command.name} takes at most ${plural(most, 'argument')}; "${stray}" is one too many`;
  const hint = command.positionalFlag && most === 0 && given.length === 1 ? [`Did you mean: caxton ${command.name} --${command.positionalFlag} ${JSON.stringify(stray)}`] : [];
  throw new CaxtonError('CAX_USAGE', { detail, hint: [...hint, `Usage: ${command.usage}`] });
}

function write(stream: NodeJS.WriteStream, text: string): void {
  if (text) stream.write(text.endsWith('\n') ? text : `${text}\n`);
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  const wantsJson = rest.includes('--json');
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    // Without a command it is a usage error (exit 2), and failures keep stdout empty.
    write(name ? process.stdout : process.stderr, help());
    return name ? 0 : 2;
  }
  if (name === '--version' || name === '-v') {
    const { packageRoot } = await import('./paths.js');
    const { readFileSync } = await import('node:fs');
    write(process.stdout, (JSON.parse(readFileSync(`${packageRoot()}/package.json`, 'utf8')) as { version: string }).version);
    return 0;
  }
  const entry = COMMANDS.find((c) => c.name === name);
  try {
    if (!entry) {
      const { nearest } = await import('../server/util/nearest.js');
      const near = nearest(name, COMMANDS.map((c) => c.name), 1);
      throw new CaxtonError('CAX_USAGE', {
        detail: `Unknown command "${name}"`,
        hint: near.length ? `Did you mean "caxton ${near[0]}"?` : 'Run "caxton --help" for the commands.',
      });
    }
    const command = await entry.load();
    if (rest.includes('--help') || rest.includes('-h')) {
      const details = command.help?.length ? `\n\n${command.help.map((l) => `  ${l}`).join('\n')}` : '';
      write(process.stdout, `${entry.summary}\n\nUsage: ${command.usage}${details}\n\nEvery command and option: docs/cli.md`);
      return 0;
    }
    const parsed = parseCommandArgs(rest, { ...command.options, json: { type: 'boolean' } }, command.usage);
    checkPositionals(command, parsed.positionals);
    const ctx: Context = {
      positionals: parsed.positionals,
      flags: parsed.values as Flags,
      cwd: process.cwd(),
      root: workspaceRoot(process.cwd()),
      env: process.env,
      json: !!parsed.values.json,
      isTTY: !!process.stdin.isTTY,
      print: (line) => write(process.stdout, line),
    };
    const out = await command.run(ctx);
    if (!out.printed) {
      if (ctx.json) write(process.stdout, JSON.stringify({ version: JSON_VERSION, ok: out.ok, ...out.data }, null, 2));
      else write(out.ok ? process.stdout : process.stderr, out.text);
    }
    return out.ok ? 0 : 1;
  } catch (err) {
    const e = toCaxtonError(err);
    if (wantsJson) write(process.stdout, JSON.stringify({ version: JSON_VERSION, ok: false, ...e.toJSON() }, null, 2));
    else write(process.stderr, renderError(e));
    if (e.code === 'CAX_INTERNAL' && process.env.CAXTON_DEBUG) write(process.stderr, String((err as Error).stack));
    return e.exitCode;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    // serve and open handles end on their own; short commands must not wait for idle sockets. Output
    // to a pipe is written asynchronously: exit once both streams have flushed (a callback runs after
    // the writes before it), or a pipe reader gets the first 64 KiB and no error.
    if (process.argv[2] !== 'serve') {
      let open = 2;
      const done = () => {
        if (--open === 0) process.exit(code);
      };
      process.stdout.write('', done);
      process.stderr.write('', done);
    }
  },
  (err: unknown) => {
    process.stderr.write(`${String((err as Error)?.stack ?? err)}\n`);
    process.exit(1);
  },
);
