import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import path from 'node:path';
import { COMPACT, VALUE } from '../../../server/events/compact.js';
import { EventLog } from '../../../server/events/log.js';
import { ROWS } from '../../../server/events/wire.js';
import { rm, tmpDir } from '../../util/tmp.js';
import { compactText } from '../../util/event-wire.js';

const Compact = suite('compact payloads');

Compact('writeCompact :: each field as its JSON text in the listed order; undefined ones empty', () => {
  const text = compactText('MessageSent', { messageId: 'm1', performative: 'request', sender: 'client', capability: 'echo', receiver: null });
  assert.is(text, `${VALUE}"m1"${VALUE}"request"${VALUE}"client"${VALUE}"echo"${VALUE}null${VALUE}${VALUE}${VALUE}${VALUE}${VALUE}`);
});

Compact('writeCompact :: null (JSON is written instead) for a key the list lacks or an explicit undefined', () => {
  assert.is(compactText('MessageDelivered', { messageId: 'm1', agent: 'a', ms: 1, attempt: 1, hops: 0, extra: true }), null);
  assert.is(compactText('MessageDelivered', { messageId: 'm1', agent: undefined }), null);
  assert.is(compactText('MessageDelivered', { messageId: 'm1', agent: () => 1 }), null);
  assert.is(compactText('DeploymentCompleted', { id: 'd1' }), null, 'a type without a field list');
  // every listed type has its encoder, and its fields in the list's order
  for (const [type, fields] of COMPACT) {
    const payload = Object.fromEntries(fields.map((f, i) => [f, i]));
    assert.is(compactText(type, payload), fields.map((_, i) => `${VALUE}${i}`).join(''), type);
  }
});

Compact('writeCompact :: a string value is exactly its JSON text, whether written plainly or by JSON.stringify', () => {
  const strings = ['', 'echo', 'c0ffee-42', 'a.b:c@d/e f_g', 'ünïcödé', 'say "hi"', 'back\\slash', 'tab\there', '\u001c\u001d\u001e\u001f', '\ud800 lone', '😀', '</script>'];
  for (const s of strings) assert.is(compactText('ConversationStarted', { id: s }), `${VALUE}${JSON.stringify(s)}`, JSON.stringify(s));
});

/** Payloads that must read back exactly as JSON.stringify would have written them. */
const CASES: Array<[string, Record<string, unknown>]> = [
  ['ConversationStarted', { id: 'c-1' }],
  ['ConversationEnded', { id: 'c-1', reason: 'timeout', messages: 3 }],
  ['MessageSent', { messageId: 'm1', performative: 'request', sender: 'client', capability: null, receiver: 'echo' }],
  ['MessageSent', { messageId: 'm2', performative: 'request', sender: 'a', capability: 'x', receiver: null, inReplyTo: 'm1', hops: 1 }],
  ['MessageRouted', { messageId: 'm1', agent: 'echo', strategy: 'round-robin', routingMs: 0.012, attempt: 2, hops: 0, candidates: 3 }],
  ['MessageDelivered', { messageId: 'm1', agent: 'echo', ms: 1e-7, attempt: 1, hops: 0 }],
  ['ToolCalled', { messageId: 'm1', agent: 'a', tool: 't', fn: 'f', ok: false, ms: Number.NaN }],
  ['ToolExecuted', { tool: 't', fn: 'f', agent: 'ünï "quoted" \u001c\u001d\n✓', durationMs: 12.5, memoryPages: 17, outputBytes: 0 }],
  // fields in another order, or missing: what JSON.stringify would have written has the same members
  ['MessageDelivered', { hops: 0, agent: 'b', messageId: 'm3' }],
  // not compact at all: written as JSON
  ['MessageDelivered', { messageId: 'm4', agent: 'b', note: { nested: [1, 'two'] } }],
  // a client's FIPA fields, added to the list after hops
  ['MessageSent', { messageId: 'm5', performative: 'query-ref', sender: 'alice', capability: 'x', receiver: null, inReplyTo: 'prev-9', replyWith: 'rw-1', protocol: 'fipa-request', ontology: 'sales' }],
];

Compact('through the real log :: every compact payload reads back as the JSON it stands for; the stored text is compact', async () => {
  const dir = tmpDir('caxton-compact-');
  const log = await EventLog.open({ file: path.join(dir, 'events.duckdb') });
  try {
    for (const [i, [type, payload]] of CASES.entries()) log.append(type, payload, { conversationId: `conv-${i}` });
    await log.flush();
    const events = (await log.events({ limit: 100 })).reverse();
    assert.equal(events.map((e) => e.type), CASES.map(([t]) => t));
    for (const [i, [, payload]] of CASES.entries()) {
      assert.equal(events[i]!.payload, JSON.parse(JSON.stringify(payload)), `event ${i}`);
    }
    // the view's text is JSON in the listed order
    const [routed] = await log.query<{ payload: string }>(`SELECT payload FROM events WHERE type = 'MessageRouted'`);
    assert.is(routed!.payload, JSON.stringify(CASES[4]![1]));
    const stored = await log.query<{ payload: string }>(`SELECT payload FROM ${ROWS} WHERE conversation_id = 'conv-4'`);
    assert.ok(stored[0]!.payload.startsWith(VALUE), 'stored compactly');
    const json = await log.query<{ payload: string }>(`SELECT payload FROM ${ROWS} WHERE conversation_id = 'conv-9'`);
    assert.ok(json[0]!.payload.startsWith('{'), 'a payload with other keys is stored as JSON');
    // DuckDB's JSON functions read the rebuilt text
    const ms = await log.query<{ ms: number }>(`SELECT CAST(payload->>'routingMs' AS DOUBLE) AS ms FROM events WHERE type = 'MessageRouted'`);
    assert.equal(ms, [{ ms: 0.012 }]);
  } finally {
    await log.close();
    rm(dir);
  }
});

Compact.run();
