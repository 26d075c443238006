import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { dataDirError } from '../../server/serve.js';
import { CaxtonError } from '../../server/errors.js';

const OpenError = suite('dataDirError');

OpenError('a data folder it cannot write :: CAX_DATA_DIR_UNUSABLE saying why, not an internal error', () => {
  const cases: Array<[string, RegExp]> = [
    ['IO Error: Cannot open file "/d/events.duckdb": Read-only file system', /its disk is read-only \(IO Error: Cannot open file/],
    ['IO Error: Could not write file "/d/events.duckdb.wal": No space left on device', /its disk is full/],
    ['IO Error: Cannot open file "/d/events.duckdb": Permission denied', /this user may not write there/],
  ];
  for (const [message, why] of cases) {
    const e = dataDirError(new Error(message), '/d') as CaxtonError;
    assert.instance(e, CaxtonError, message);
    assert.is(e.code, 'CAX_DATA_DIR_UNUSABLE');
    assert.match(e.message, /^Caxton cannot write its data folder \/d: /);
    assert.match(e.message, why);
    assert.match(e.suggestions[0]!, /--data DIR/);
  }
});

OpenError("Node's error codes for the token's write :: the same error", () => {
  const erofs = Object.assign(new Error("EROFS: read-only file system, open '/d/token.1.tmp'"), { code: 'EROFS' });
  const e = dataDirError(erofs, '/d') as CaxtonError;
  assert.is(e.code, 'CAX_DATA_DIR_UNUSABLE');
  assert.match(e.message, /its disk is read-only/);
  const eacces = Object.assign(new Error("EACCES: permission denied, open '/d/token.1.tmp'"), { code: 'EACCES' });
  assert.match((dataDirError(eacces, '/d') as CaxtonError).message, /this user may not write there/);
});

OpenError('a lock held by another server :: CAX_DATA_DIR_IN_USE; anything else as it was', () => {
  assert.is((dataDirError(new Error('IO Error: Could not set lock on file "/d/events.duckdb": Conflicting lock is held'), '/d') as CaxtonError).code, 'CAX_DATA_DIR_IN_USE');
  const other = new Error('something else');
  assert.is(dataDirError(other, '/d'), other);
});

OpenError.run();
