import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { loadOrCreateToken, tokenChecker } from '../../server/auth.js';
import { CaxtonError } from '../../server/errors.js';
import { tmpDir, rm } from '../util/tmp.js';

function reason(fn: () => void): string | null {
  try {
    fn();
    return null;
  } catch (err) {
    assert.instance(err, CaxtonError);
    assert.is((err as CaxtonError).code, 'CAX_UNAUTHORIZED');
    return String((err as CaxtonError).data.reason);
  }
}

// ---

const Checker = suite('tokenChecker');

Checker('accepts the token in the usual header and in other spellings of it', () => {
  const check = tokenChecker('s3cret-token');
  assert.is(reason(() => check('Bearer s3cret-token')), null);
  assert.is(reason(() => check('bearer s3cret-token')), null);
  assert.is(reason(() => check('Bearer    s3cret-token ')), null);
});

Checker('refuses a wrong token, of the same length or another', () => {
  const check = tokenChecker('s3cret-token');
  assert.is(reason(() => check('Bearer s3cret-tokeN')), 'invalid');
  assert.is(reason(() => check('Bearer s3cret')), 'invalid');
  assert.is(reason(() => check('Bearer s3cret-token-and-more')), 'invalid');
});

Checker('says a header without a bearer token is missing', () => {
  const check = tokenChecker('s3cret-token');
  assert.is(reason(() => check(undefined)), 'missing');
  assert.is(reason(() => check('')), 'missing');
  assert.is(reason(() => check('Basic czNjcmV0')), 'missing');
  assert.is(reason(() => check('s3cret-token')), 'missing');
});

Checker.run();

// ---

const Token = suite('loadOrCreateToken');

Token('creates a token file readable by its owner only, and reuses it', () => {
  const dir = tmpDir('caxton-token-');
  try {
    const first = loadOrCreateToken(dir, undefined);
    assert.is(first.file, path.join(dir, 'token'));
    assert.is(fs.statSync(first.file!).mode & 0o777, 0o600);
    assert.match(first.token, /^cax_[A-Za-z0-9_-]{32}$/);
    assert.is(loadOrCreateToken(dir, undefined).token, first.token);
  } finally {
    rm(dir);
  }
});

Token('CAXTON_TOKEN wins and writes no file', () => {
  const dir = tmpDir('caxton-token-');
  try {
    const t = loadOrCreateToken(dir, 'from-env');
    assert.equal(t, { token: 'from-env', file: null });
    assert.not.ok(fs.existsSync(path.join(dir, 'token')));
  } finally {
    rm(dir);
  }
});

Token.run();
