// How events travel from the request path to the log's worker, and how a conversation's events
// are stored together.
//
// A batch is one text, not an array of rows (whose structured clone to another thread was a visible
// share of a message's cost): written as UTF-8 on the request path (batch-writer.ts), moved to the
// worker in its buffer and decoded there into one string. A row is ROW, then five fields each ended
// by FIELD, then its payload. Neither separator can occur inside a field: ids are validated at the
// edge ([A-Za-z0-9._:-]), types are ours, and JSON text escapes every control character.
//
// A conversation's events are stored as one row of type GROUP whose payload holds the events as parts
// (seq FIELD ms FIELD type FIELD payload), joined by PART. A DuckDB row costs far more than its bytes,
// so this is what keeps the log cheap; the `events` view (log-worker.ts) splits groups back into
// events, so nothing that reads the log sees them. Grouping happens in two places:
// - on the request path, an event of the same conversation (or group key) as the event appended just
//   before it is written as a part of that row (PART, partHead, payload): a message's
//   ConversationStarted, MessageSent, MessageRouted and MessageDelivered come one after another, so a
//   message is one row on the wire, with no object kept for it;
// - on the worker (groupRows), a conversation's rows in one batch are merged.

import type { BatchWriter } from './batch-writer.js';

export const FIELD = '\x1f';
export const ROW = '\x1e';
/** joins the events inside a GROUP row's payload */
export const PART = '\x1d';
const ROW_CODE = ROW.charCodeAt(0);
const PART_CODE = PART.charCodeAt(0);
/** an absent deployment or conversation id (ids are never empty) */
const NONE = '';
/**
 * On the wire, the conversation field holds a group key (AppendOptions.group) after this mark. It
 * cannot start an id ([A-Za-z0-9._:-]), so the two never meet; the stored row has no conversation.
 */
export const KEY = '#';

/** The id of the worker's message that hands a batch's buffer back, for the next batches (batch-writer.ts). */
export const BUFFER_BACK = -2;

/**
 * The table rows are stored in; queries read the `events` view over it. Only events with a
 * conversation or a group key (AppendOptions.group: tool calls) are grouped, so a query about others
 * alone (deployments, webhook deliveries, milestones) may read this table directly.
 */
export const ROWS = 'event_rows';
/** The stored type of a row holding several events of one conversation (or group key). */
export const GROUP = '~group';

/** [seq, epoch ms, type, deployment id, conversation id, payload JSON text] */
export type Row = [number, number, string, string | null, string | null, string];

// On the request path a row is written straight into the batch's bytes (log.ts, batch-writer.ts) by
// writeRowHead and writePartHead. partHead is a part's head as text, for the worker's merges: it
// must write the characters writePartHead does, and batch-writer.test.ts holds the two to it.

/** An event inside a GROUP row's payload up to its own payload: the part is partHead + payload (PART before it on the wire). */
export function partHead(seq: number, at: number, type: string): string {
  return `${seq}${FIELD}${at}${FIELD}${type}${FIELD}`;
}

const F = FIELD.charCodeAt(0);

/** `mark`, then seq, time and type, each ended by FIELD: what a row's head and a part's head begin with. */
function writeEventHead(w: BatchWriter, mark: number, seq: number, at: number, type: string): void {
  w.byte(mark);
  w.seq.write(w, seq);
  w.byte(F);
  w.time.write(w, at);
  w.byte(F);
  w.text(type);
  w.byte(F);
}

/** ROW, then a row's head (seq, time, type, deployment, conversation, each ended by FIELD), into a batch; its payload follows. */
export function writeRowHead(w: BatchWriter, seq: number, at: number, type: string, deploymentId: string | null, conversationId: string | null): void {
  writeEventHead(w, ROW_CODE, seq, at, type);
  if (deploymentId !== null) w.text(deploymentId);
  w.byte(F);
  if (conversationId !== null) w.text(conversationId);
  w.byte(F);
}

/** PART, then partHead, into a batch. */
export function writePartHead(w: BatchWriter, seq: number, at: number, type: string): void {
  writeEventHead(w, PART_CODE, seq, at, type);
}

/** The rows of a batch, in order; a row with parts comes back as a GROUP row with its last part's seq and time. */
export function decodeRows(batch: string): Row[] {
  const rows: Row[] = [];
  if (batch.length && batch[0] !== ROW) throw new Error('malformed event batch: it must begin with a row');
  // the next PART at or after `from`; `part` only moves forward over the batch, where a search per
  // row that found none (a run of rows without parts) would scan the rest of the batch each time
  const nextPart = (from: number): number => {
    const i = batch.indexOf(PART, from);
    return i < 0 ? batch.length : i;
  };
  let part = nextPart(0);
  let at = 1;
  while (at < batch.length) {
    const end = batch.indexOf(ROW, at);
    const stop = end < 0 ? batch.length : end;
    const f1 = batch.indexOf(FIELD, at);
    const f2 = batch.indexOf(FIELD, f1 + 1);
    const f3 = batch.indexOf(FIELD, f2 + 1);
    const f4 = batch.indexOf(FIELD, f3 + 1);
    const f5 = batch.indexOf(FIELD, f4 + 1);
    // indexOf answers -1 when a field is missing and the next search starts over: fields must ascend
    if (!(f1 > at - 1 && f2 > f1 && f3 > f2 && f4 > f3 && f5 > f4 && f5 < stop)) throw new Error(`malformed event row at offset ${at}`);
    const depText = batch.slice(f3 + 1, f4);
    const convText = batch.slice(f4 + 1, f5);
    const dep = depText === NONE ? null : depText;
    const conv = convText === NONE ? null : convText;
    if (part < f5) part = nextPart(f5);
    if (part < stop) {
      // parts: the row's own event becomes the first part (its head is the row's first three fields)
      let last = part;
      while ((part = nextPart(part + 1)) < stop) last = part;
      const p1 = batch.indexOf(FIELD, last + 1);
      const p2 = batch.indexOf(FIELD, p1 + 1);
      if (!(p1 > last && p2 > p1 && p2 < stop)) throw new Error(`malformed event part at offset ${last}`);
      rows.push([Number(batch.slice(last + 1, p1)), Number(batch.slice(p1 + 1, p2)), GROUP, dep, conv, batch.slice(at, f3 + 1) + batch.slice(f5 + 1, stop)]);
    } else {
      rows.push([Number(batch.slice(at, f1)), Number(batch.slice(f1 + 1, f2)), batch.slice(f2 + 1, f3), dep, conv, batch.slice(f5 + 1, stop)]);
    }
    at = stop + 1;
  }
  return rows;
}

/** A row's events as the text of GROUP parts. */
const partsOf = (row: Row): string => (row[2] === GROUP ? row[5] : partHead(row[0], row[1], row[2]) + row[5]);

/**
 * The rows to store for a batch: each conversation's (or group key's) events as one GROUP row, which
 * carries its last event's seq and time (so max(seq) over stored rows stays the log's); an event alone
 * in its conversation, or without one, as a plain row. Events of one conversation under different
 * deployments are not grouped. Rows are merged within a batch only: held until the commit, they
 * outlived the young generation, and their garbage collection cost more than the fewer rows saved.
 */
export function groupRows(rows: readonly Row[]): Row[] {
  const out: Row[] = [];
  const groups = new Map<string, { row: Row; parts: string[] | null }>();
  for (const row of rows) {
    const key = row[4];
    if (key === null) {
      out.push(row);
      continue;
    }
    const [seq, at, type, dep, , payload] = row;
    const conv = key.startsWith(KEY) ? null : key;
    const g = groups.get(key);
    if (!g) groups.set(key, { row: [seq, at, type, dep, conv, payload], parts: null });
    else if (g.row[3] !== dep) out.push([seq, at, type, dep, conv, payload]);
    else {
      (g.parts ??= [partsOf(g.row)]).push(partsOf(row));
      g.row[0] = seq;
      g.row[1] = at;
    }
  }
  for (const { row, parts } of groups.values()) out.push(parts ? [row[0], row[1], GROUP, row[3], row[4], parts.join(PART)] : row);
  return out;
}
