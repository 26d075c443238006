import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { shellArg } from '../../../server/util/shell-arg.js';

const ShellArg = suite('shellArg');

ShellArg('a plain word, path or id :: as it is', () => {
  for (const v of ['trip-42', 'a.b_c:d', './my-workspace', 'user@host']) assert.is(shellArg(v), v);
});

ShellArg('spaces, quotes, globs, $ and the empty string :: single-quoted', () => {
  assert.is(shellArg('bad id'), "'bad id'");
  assert.is(shellArg(''), "''");
  assert.is(shellArg("it's"), `'it'\\''s'`);
  assert.is(shellArg('*'), "'*'");
});

ShellArg('a real shell reads each back as one argument, unchanged', () => {
  const values = ['bad id', "it's", '$HOME `x` "y"', 'a\nb', '', 'plain', '~root', '!x'];
  const script = `printf '%s\\0' ${values.map(shellArg).join(' ')}`;
  const out = execFileSync('/bin/sh', ['-c', script], { encoding: 'utf8' });
  assert.equal(out.split('\0').slice(0, -1), values);
});

ShellArg.run();
