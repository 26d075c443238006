// A command's arguments, parsed by node:util's parseArgs. Its errors are written for the authors
// of programs ("argument is ambiguous", "place it at the end of the command after '--'"); a user
// gets what is wrong in their words, the option they probably meant, and the command's usage.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { CaxtonError } from '../server/errors.js';
import { nearest } from '../server/util/nearest.js';

type Options = NonNullable<ParseArgsConfig['options']>;

export interface ParsedArgs {
  positionals: string[];
  values: Record<string, string | boolean | undefined>;
}

export function parseCommandArgs(args: string[], options: Options, usage: string): ParsedArgs {
  try {
    const parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
    return { positionals: parsed.positionals, values: parsed.values as ParsedArgs['values'] };
  } catch (err) {
    throw usageError(err as Error & { code?: string }, args, options, usage);
  }
}

/** The option parseArgs names in its message, as the user wrote it (`--limit`, `-x`). */
const named = (message: string) => /'(-{1,2}[^' <]+)/.exec(message)?.[1] ?? '';

function usageError(err: Error & { code?: string }, args: readonly string[], options: Options, usage: string): CaxtonError {
  const opt = named(err.message);
  const hints: string[] = [];
  let detail: string;
  if (err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    detail = `unknown option ${opt}`;
    // a one-letter option is a near miss of every other: only long ones are guessed at
    const near = opt.startsWith('--') ? nearest(opt, Object.keys(options).map((long) => `--${long}`), 1) : [];
    if (near.length) hints.push(`Did you mean ${near[0]}?`);
    else hints.push(`If "${opt}" is text rather than an option, put it after "--": ${usage.split(' ').slice(0, 2).join(' ')} … -- "${opt}"`);
  } else if (/argument is ambiguous/.test(err.message)) {
    // `--limit -1`: the value looks like an option, so parseArgs will not take it as one
    const value = args[args.indexOf(opt) + 1];
    detail = `${opt} needs a value, and the one after it starts with "-"`;
    hints.push(`Write the value with "=": ${opt}=${value ?? '-…'}`);
  } else if (/argument missing/.test(err.message)) {
    detail = `${opt} needs a value`;
  } else if (/does not take an argument/.test(err.message)) {
    detail = `${opt} takes no value`;
    hints.push(`Write it alone: ${opt}`);
  } else {
    detail = err.message.split('\n')[0] ?? String(err);
  }
  hints.push(`Usage: ${usage}`);
  return new CaxtonError('CAX_USAGE', { detail, hint: hints });
}
