// How events travel from the request path to the log's worker, and how a conversation's events
// are stored together.
//
// A batch is one string, not an array of rows: handing a string to another thread is a copy, where a
// structured clone of thousands of small arrays was a visible share of a message's cost. A row is
// six fields joined by FIELD and ended by ROW. Neither separator can occur inside a field: ids are
// validated at the edge ([A-Za-z0-9._:-]), types are ours, and JSON text escapes every control
// character.
//
// The worker (groupRows) stores a conversation's events in one batch (a message's
// ConversationStarted, MessageSent, MessageRouted and MessageDelivered, say), or the events of one
// group key (a tool's calls), as one row of type GROUP whose payload holds the events as parts
// (seq FIELD ms FIELD type FIELD payload), joined by PART. A DuckDB row costs far more than its bytes,
// so this is what keeps the log cheap; the `events` view (log-worker.ts) splits groups back into
// events, so nothing that reads the log sees them. The grouping happens on the worker, not on the
// request path: there, an event is only its row's text, and nothing of it outlives the batch's send.

export const FIELD = '\x1f';
export const ROW = '\x1e';
/** joins the events inside a GROUP row's payload */
export const PART = '\x1d';
/** an absent deployment or conversation id (ids are never empty) */
const NONE = '';
/**
 * On the wire, the conversation field holds a group key (AppendOptions.group) after this mark. It
 * cannot start an id ([A-Za-z0-9._:-]), so the two never meet; the stored row has no conversation.
 */
export const KEY = '#';

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

// A batch is gathered as pieces (heads, payload texts, separators) and joined once when it is sent:
// each payload's text is copied once, not once per concatenation.

/** A row up to its payload: the row is rowHead + payload + ROW. */
export function rowHead(seq: number, at: number, type: string, deploymentId: string | null, conversationId: string | null): string {
  return `${seq}${FIELD}${at}${FIELD}${type}${FIELD}${deploymentId ?? NONE}${FIELD}${conversationId ?? NONE}${FIELD}`;
}

/** An event inside a GROUP row's payload up to its own payload: the part is partHead + payload. */
export function partHead(seq: number, at: number, type: string): string {
  return `${seq}${FIELD}${at}${FIELD}${type}${FIELD}`;
}

/** The rows of a batch, in order. */
export function decodeRows(batch: string): Row[] {
  const rows: Row[] = [];
  let at = 0;
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
    const dep = batch.slice(f3 + 1, f4);
    const conv = batch.slice(f4 + 1, f5);
    rows.push([Number(batch.slice(at, f1)), Number(batch.slice(f1 + 1, f2)), batch.slice(f2 + 1, f3), dep === NONE ? null : dep, conv === NONE ? null : conv, batch.slice(f5 + 1, stop)]);
    at = stop + 1;
  }
  return rows;
}

/**
 * The rows to store for a batch: each conversation's (or group key's) events as one GROUP row, which
 * carries its last event's seq and time (so max(seq) over stored rows stays the log's); an event alone
 * in its conversation, or without one, as a plain row. Events of one conversation under different
 * deployments are not grouped.
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
      (g.parts ??= [partHead(g.row[0], g.row[1], g.row[2]) + g.row[5]]).push(partHead(seq, at, type) + payload);
      g.row[0] = seq;
      g.row[1] = at;
    }
  }
  for (const { row, parts } of groups.values()) out.push(parts ? [row[0], row[1], GROUP, row[3], row[4], parts.join(PART)] : row);
  return out;
}
