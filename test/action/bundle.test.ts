import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { actionInputs, BUNDLE, ROOT } from '../util/action.js';
import { rm, tmpDir } from '../util/tmp.js';

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

// ---

const Bundle = suite('action/dist/index.js');

Bundle('is the bundle action/src builds today (run "npm run build:action" and commit it when this fails)', () => {
  const dir = tmpDir('caxton-bundle-');
  try {
    const out = path.join(dir, 'index.js');
    const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts/build-action.js'), '--outfile', out], { cwd: ROOT, encoding: 'utf8' });
    assert.is(r.status, 0, r.stderr);
    const fresh = fs.readFileSync(out);
    const committed = fs.readFileSync(BUNDLE);
    assert.is(sha256(committed), sha256(fresh), 'action/dist/index.js is stale: run "npm run build:action" and commit it');
  } finally {
    rm(dir);
  }
});

Bundle('is self-contained: it imports nothing but Node built-ins', () => {
  const text = fs.readFileSync(BUNDLE, 'utf8');
  const specifiers = [...text.matchAll(/(?:^|\n)import\s[^'"]*['"]([^'"]+)['"]/g), ...text.matchAll(/\brequire\(['"]([^'"]+)['"]\)/g)].map((m) => m[1]!);
  for (const s of specifiers) assert.ok(s.startsWith('node:') || !/^[@a-z]/.test(s) || BUILTINS.has(s.split('/')[0]!), `imports ${s}`);
});

const BUILTINS = new Set(['assert', 'buffer', 'child_process', 'crypto', 'events', 'fs', 'http', 'https', 'net', 'os', 'path', 'stream', 'string_decoder', 'tls', 'url', 'util', 'zlib', 'async_hooks', 'diagnostics_channel', 'worker_threads', 'perf_hooks', 'console', 'querystring', 'dns', 'timers', 'sqlite', 'http2', 'module']);

Bundle.run();

// ---

const Manifest = suite('action/action.yml');

Manifest('is a node20 JavaScript action whose main is the bundle, with the contract inputs and outputs', () => {
  const yml = fs.readFileSync(path.join(ROOT, 'action/action.yml'), 'utf8');
  assert.match(yml, /\nruns:\n {2}using: node20\n {2}main: dist\/index\.js\n/);
  const inputs = actionInputs();
  assert.equal(inputs.get('server-url'), { required: true, default: null });
  assert.equal(inputs.get('token'), { required: true, default: null });
  assert.is(inputs.get('ref')?.default, '');
  assert.is(inputs.get('dry-run')?.default, 'false');
  assert.ok(inputs.has('github-token'));
  for (const o of ['deployment-id', 'status', 'sha']) assert.match(yml, new RegExp(`\\n {2}${o}:\\n`), `output ${o}`);
});

Manifest.run();
