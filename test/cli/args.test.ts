// parseCommandArgs: parseArgs's errors told in a user's words, with the option meant and the usage.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parseCommandArgs } from '../../cli/args.js';
import { CaxtonError } from '../../server/errors.js';

const OPTIONS = { limit: { type: 'string' }, capability: { type: 'string', short: 'c' }, json: { type: 'boolean' } } as const;
const USAGE = 'caxton thing [--limit N] [--capability C] [--json]';

function refused(args: string[]): { message: string; suggestions: string[] } {
  try {
    parseCommandArgs(args, OPTIONS, USAGE);
  } catch (err) {
    assert.instance(err, CaxtonError);
    const e = err as CaxtonError;
    assert.is(e.code, 'CAX_USAGE');
    assert.is(e.exitCode, 2);
    return { message: e.message, suggestions: e.suggestions };
  }
  return assert.unreachable(`${args.join(' ')} was accepted`) as never;
}

const Args = suite('parseCommandArgs');

Args('parses options, short options and positionals', () => {
  const parsed = parseCommandArgs(['-c', 'greet', '--limit=5', 'hello', '--json'], OPTIONS, USAGE);
  assert.equal(parsed.positionals, ['hello']);
  assert.equal({ ...parsed.values }, { capability: 'greet', limit: '5', json: true });
  assert.equal(parseCommandArgs(['--', '--not-an-option'], OPTIONS, USAGE).positionals, ['--not-an-option']);
});

Args('an unknown long option :: the nearest one, then the usage', () => {
  assert.equal(refused(['--capabilty', 'x']), { message: 'unknown option --capabilty', suggestions: ['Did you mean --capability?', `Usage: ${USAGE}`] });
});

Args('an unknown option with nothing near :: how to pass text that starts with "-"', () => {
  assert.equal(refused(['-x']).suggestions, ['If "-x" is text rather than an option, put it after "--": caxton thing … -- "-x"', `Usage: ${USAGE}`]);
  assert.match(refused(['--zzzzzzzz']).suggestions[0]!, /If "--zzzzzzzz" is text rather than an option/);
});

Args('a value that starts with "-" :: write it with "="', () => {
  assert.equal(refused(['--limit', '-1']), { message: '--limit needs a value, and the one after it starts with "-"', suggestions: ['Write the value with "=": --limit=-1', `Usage: ${USAGE}`] });
});

Args('a missing value; a value for a flag that takes none', () => {
  assert.equal(refused(['--limit']), { message: '--limit needs a value', suggestions: [`Usage: ${USAGE}`] });
  assert.equal(refused(['--json=yes']), { message: '--json takes no value', suggestions: ['Write it alone: --json', `Usage: ${USAGE}`] });
});

Args.run();
