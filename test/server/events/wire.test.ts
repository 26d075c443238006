import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { FIELD, PART, ROW, decodeRows, partHead, rowHead } from '../../../server/events/wire.js';

const Wire = suite('event wire format');

Wire('rowHead + payload + ROW → decodeRows :: fields, absent ids and payload text come back as they went', () => {
  const payload = JSON.stringify({ text: 'tab\there, newline\nthere, ünïcödé ✓, \u001e\u001f\u001d escaped', n: 1.5 });
  const batch = rowHead(1, 1700000000000, 'MessageSent', null, 'conv-1') + payload + ROW + rowHead(2, 1700000000001, 'DeploymentCompleted', 'dep-1', null) + 'null' + ROW;
  assert.equal(decodeRows(batch), [
    [1, 1700000000000, 'MessageSent', null, 'conv-1', payload],
    [2, 1700000000001, 'DeploymentCompleted', 'dep-1', null, 'null'],
  ]);
  // JSON escapes every control character, so no separator reaches the text
  for (const sep of [FIELD, ROW, PART]) assert.not.ok(payload.includes(sep));
});

Wire('decodeRows :: an empty batch is no rows; a row missing fields is an error, not a shifted row', () => {
  assert.equal(decodeRows(''), []);
  assert.throws(() => decodeRows(`1${FIELD}2${FIELD}T${ROW}`), /malformed event row at offset 0/);
});

Wire('partHead :: one event inside a group row, seq, time, type and payload', () => {
  assert.is(partHead(7, 1700000000000, 'MessageRouted') + '{"a":1}', `7${FIELD}1700000000000${FIELD}MessageRouted${FIELD}{"a":1}`);
});

Wire.run();
