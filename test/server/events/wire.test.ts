import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { FIELD, GROUP, KEY, PART, ROW, decodeRows, groupRows, partHead, rowHead, type Row } from '../../../server/events/wire.js';

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

Wire('groupRows :: a conversation\'s events become one row with its last seq and time; single events and events without one stay plain', () => {
  const rows: Row[] = [
    [1, 100, 'ConversationStarted', null, 'c1', '{"id":"c1"}'],
    [2, 100, 'MessageSent', null, 'c1', '{"m":1}'],
    [3, 101, 'DeploymentCompleted', 'd1', null, '{}'],
    [4, 102, 'ConversationEnded', null, 'c2', '{"id":"c2"}'],
    [5, 103, 'MessageDelivered', null, 'c1', '{"m":1}'],
  ];
  assert.equal(groupRows(rows), [
    [3, 101, 'DeploymentCompleted', 'd1', null, '{}'],
    [5, 103, GROUP, null, 'c1', [partHead(1, 100, 'ConversationStarted') + '{"id":"c1"}', partHead(2, 100, 'MessageSent') + '{"m":1}', partHead(5, 103, 'MessageDelivered') + '{"m":1}'].join(PART)],
    [4, 102, 'ConversationEnded', null, 'c2', '{"id":"c2"}'],
  ]);
});

Wire('groupRows :: a group key groups without a conversation; another deployment breaks a group off', () => {
  const rows: Row[] = [
    [1, 100, 'ToolExecuted', null, `${KEY}tool:fx`, '{"a":1}'],
    [2, 101, 'ToolExecuted', null, `${KEY}tool:fx`, '{"a":2}'],
    [3, 102, 'ToolExecuted', null, `${KEY}tool:other`, '{"a":3}'],
    [4, 103, 'MessageSent', 'd1', 'c1', '{}'],
    [5, 104, 'MessageSent', 'd2', 'c1', '{}'],
  ];
  assert.equal(groupRows(rows), [
    [5, 104, 'MessageSent', 'd2', 'c1', '{}'],
    [2, 101, GROUP, null, null, `${partHead(1, 100, 'ToolExecuted')}{"a":1}${PART}${partHead(2, 101, 'ToolExecuted')}{"a":2}`],
    [3, 102, 'ToolExecuted', null, null, '{"a":3}'],
    [4, 103, 'MessageSent', 'd1', 'c1', '{}'],
  ]);
});

Wire.run();
