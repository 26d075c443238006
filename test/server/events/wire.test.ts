import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { FIELD, GROUP, KEY, PART, ROW, decodeRows, groupRows, partHead, type Row } from '../../../server/events/wire.js';
import { rowText } from '../../util/event-wire.js';

const Wire = suite('event wire format');

Wire('rows as the request path writes them → decodeRows :: fields, absent ids and payload text come back as they went', () => {
  const payload = JSON.stringify({ text: 'tab\there, newline\nthere, ünïcödé ✓, \u001e\u001f\u001d escaped', n: 1.5 });
  const batch = rowText(1, 1700000000000, 'MessageSent', null, 'conv-1') + payload + rowText(2, 1700000000001, 'DeploymentCompleted', 'dep-1', null) + 'null';
  assert.equal(decodeRows(batch), [
    [1, 1700000000000, 'MessageSent', null, 'conv-1', payload],
    [2, 1700000000001, 'DeploymentCompleted', 'dep-1', null, 'null'],
  ]);
  // JSON escapes every control character, so no separator reaches the text
  for (const sep of [FIELD, ROW, PART]) assert.not.ok(payload.includes(sep));
});

Wire('decodeRows :: an empty batch is no rows; a row missing fields is an error, not a shifted row', () => {
  assert.equal(decodeRows(''), []);
  assert.throws(() => decodeRows(`${ROW}1${FIELD}2${FIELD}T`), /malformed event row at offset 1/);
  assert.throws(() => decodeRows(rowText(1, 2, 'T', null, null).slice(ROW.length) + 'null'), /must begin with a row/);
  assert.throws(() => decodeRows(`${rowText(1, 2, 'T', null, 'c')}null${PART}3${FIELD}x`), /malformed event part/);
});

Wire('decodeRows :: a row followed by parts (appended one after another in its conversation) is one GROUP row with its last part\'s seq and time', () => {
  const batch = rowText(1, 100, 'ConversationStarted', null, 'c1') + '{"id":"c1"}' + PART + partHead(2, 100, 'MessageSent') + '{"m":1}' + PART + partHead(3, 104, 'MessageDelivered') + '{"m":1}'
    + rowText(4, 105, 'DeploymentCompleted', 'd1', null) + '{}';
  assert.equal(decodeRows(batch), [
    [3, 104, GROUP, null, 'c1', [partHead(1, 100, 'ConversationStarted') + '{"id":"c1"}', partHead(2, 100, 'MessageSent') + '{"m":1}', partHead(3, 104, 'MessageDelivered') + '{"m":1}'].join(PART)],
    [4, 105, 'DeploymentCompleted', 'd1', null, '{}'],
  ]);
  // rows without parts between rows with them, in any order
  const row = (seq: number, conv: string | null) => rowText(seq, 100, 'T', null, conv) + `{"s":${seq}}`;
  const part = (seq: number) => PART + partHead(seq, 101, 'U') + `{"s":${seq}}`;
  const mixed = row(1, null) + row(2, 'a') + part(3) + part(4) + row(5, 'b') + row(6, 'c') + row(7, 'd') + part(8) + row(9, null);
  assert.equal(decodeRows(mixed).map((r) => [r[0], r[2], r[4]]), [[1, 'T', null], [4, GROUP, 'a'], [5, 'T', 'b'], [6, 'T', 'c'], [8, GROUP, 'd'], [9, 'T', null]]);
  assert.is(decodeRows(mixed)[1]![5], `${partHead(2, 100, 'T')}{"s":2}${part(3)}${part(4)}`);
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
    // a row with parts from the request path: its parts join the group as they are
    [7, 105, GROUP, null, 'c1', `${partHead(6, 104, 'MessageSent')}{"m":2}${PART}${partHead(7, 105, 'MessageRouted')}{"m":2}`],
  ];
  assert.equal(groupRows(rows), [
    [3, 101, 'DeploymentCompleted', 'd1', null, '{}'],
    [7, 105, GROUP, null, 'c1', [partHead(1, 100, 'ConversationStarted') + '{"id":"c1"}', partHead(2, 100, 'MessageSent') + '{"m":1}', partHead(5, 103, 'MessageDelivered') + '{"m":1}', partHead(6, 104, 'MessageSent') + '{"m":2}', partHead(7, 105, 'MessageRouted') + '{"m":2}'].join(PART)],
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
