// Compact payloads for the events every message and tool call writes (MessageSent, MessageRouted,
// MessageDelivered, …). Such a payload is stored as each field's own JSON text, in a fixed order,
// each preceded by VALUE, rather than as one JSON.stringify of the object: less than half the cost on
// the request path (~130 against ~310 ns an event), and ~30 % fewer bytes for the log to write. The
// `events` view (log-worker.ts) rebuilds the JSON object from the same field lists, so every reader
// gets the text JSON.stringify would have written, with the keys in the order listed here.
//
// VALUE is a control character, which JSON text escapes, so it never occurs inside a value; a payload
// written as JSON never starts with it, so old and new rows read alike. Stored rows outlive this
// table: a type's fields may be added at its end, never reordered or removed, and a type never leaves.

import type { BatchWriter } from './batch-writer.js';

export const VALUE = '\x1c';

/** The field names of each compact event type, in order. */
export const COMPACT: ReadonlyMap<string, readonly string[]> = new Map([
  ['ConversationStarted', ['id']],
  ['ConversationEnded', ['id', 'reason', 'messages']],
  ['MessageSent', ['messageId', 'performative', 'sender', 'capability', 'receiver', 'inReplyTo', 'hops', 'replyWith', 'protocol', 'ontology']],
  ['MessageRouted', ['messageId', 'agent', 'strategy', 'routingMs', 'attempt', 'hops', 'candidates']],
  ['MessageDelivered', ['messageId', 'agent', 'ms', 'attempt', 'hops']],
  ['ToolCalled', ['messageId', 'agent', 'tool', 'fn', 'ok', 'ms']],
  ['ToolExecuted', ['tool', 'fn', 'agent', 'durationMs', 'memoryPages', 'outputBytes']],
]);

type Encoder = (p: Record<string, unknown>, w: BatchWriter) => boolean;

/**
 * An encoder per type, made from its field list (a few µs once, at start-up): `p["messageId"]` written
 * in the code is a plain property read, where `p[name]` in a loop over payloads of many shapes is a
 * slow generic one. A string is `"text"` when JSON would write it so (BatchWriter.quoted), else its
 * JSON; a key the list lacks, or one set to undefined, makes the payload fall back to JSON (false).
 */
function encoder(fields: readonly string[]): Encoder {
  const lines = fields.map((f) => {
    const key = JSON.stringify(f);
    return `v = p[${key}]; w.byte(${VALUE.charCodeAt(0)});
if (v !== undefined) {
  n++;
  if (typeof v === 'string') { if (!w.quoted(v)) w.text(JSON.stringify(v)); }
  else if (typeof v === 'number') { if (Number.isFinite(v)) w.num(v); else w.text('null'); }
  else { const j = JSON.stringify(v); if (j === undefined) return false; w.text(j); }
}`;
  });
  const body = `let n = 0, v;\n${lines.join('\n')}\nlet keys = 0; for (const _ in p) keys++;\nreturn keys === n;`;
  return new Function('p', 'w', body) as Encoder;
}

const ENCODERS: ReadonlyMap<string, Encoder> = new Map([...COMPACT].map(([type, fields]) => [type, encoder(fields)]));

/**
 * Writes the payload's compact text and answers true, or answers false when it cannot be one (a type
 * without a field list, a key the list lacks or one set to undefined, a value JSON cannot write): the
 * caller then moves the writer back and writes JSON, so nothing is ever lost.
 */
export function writeCompact(type: string, payload: object, w: BatchWriter): boolean {
  const encode = ENCODERS.get(type);
  return encode ? encode(payload as Record<string, unknown>, w) : false;
}

/**
 * SQL for the JSON text of a payload: `payload` as stored, `type` its event type, `split` the payload
 * split at VALUE (a list; its first element is the empty text before the marker).
 */
export function payloadSql(type: string, payload: string, split: string): string {
  const cases = [...COMPACT].map(([t, fields]) => {
    const members = fields.map((f, i) => `CASE WHEN ${split}[${i + 2}] <> '' THEN '"${f}":' || ${split}[${i + 2}] END`);
    return `WHEN '${t}' THEN '{' || concat_ws(',', ${members.join(', ')}) || '}'`;
  });
  return `CASE WHEN starts_with(${payload}, chr(${VALUE.charCodeAt(0)})) THEN CASE ${type} ${cases.join(' ')} END ELSE ${payload} END`;
}
