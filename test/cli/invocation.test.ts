// invocation(): the command the CLI's "Next:" lines suggest, from what is on the PATH.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { invocation } from '../../cli/invocation.js';
import { runCli } from '../util/cli.js';
import { assertOk } from '../util/cli-assert.js';
import { rm, tmpDir } from '../util/tmp.js';

const Invocation = suite('invocation');

Invocation('caxton when it is on the PATH, npx caxton when it is not; the Next lines of init say the same', async () => {
  const dir = tmpDir('caxton-path-');
  try {
    const bin = path.join(dir, 'bin');
    fs.mkdirSync(bin);
    const empty = path.join(dir, 'empty');
    fs.mkdirSync(empty);
    assert.is(invocation({ PATH: empty }), 'npx caxton');
    assert.is(invocation({}), 'npx caxton');
    fs.writeFileSync(path.join(bin, 'caxton'), '#!/bin/sh\n', { mode: 0o755 });
    assert.is(invocation({ PATH: [empty, bin].join(path.delimiter) }), 'caxton');
    // run through npx or an npm script: the node_modules/.bin npm put first is not the user's shell's
    const npmBin = path.join(dir, 'project', 'node_modules', '.bin');
    fs.mkdirSync(npmBin, { recursive: true });
    fs.writeFileSync(path.join(npmBin, 'caxton'), '#!/bin/sh\n', { mode: 0o755 });
    assert.is(invocation({ PATH: [npmBin, empty].join(path.delimiter), npm_command: 'exec' }), 'npx caxton');
    assert.is(invocation({ PATH: [npmBin, bin].join(path.delimiter), npm_command: 'exec' }), 'caxton', 'a global install still counts');
    assert.is(invocation({ PATH: npmBin }), 'caxton', 'outside npm, every folder on the PATH is the shell\'s');
    // git must stay reachable for init; caxton is not on this PATH
    const out = assertOk(await runCli(['init', 'ws', '--yes'], { cwd: dir, env: { PATH: process.env.PATH!.split(path.delimiter).filter((d) => !fs.existsSync(path.join(d, 'caxton'))).join(path.delimiter) } }));
    assert.match(out, /^ {2}npx caxton serve +# in one terminal$/m);
  } finally {
    rm(dir);
  }
});

Invocation.run();
