// The SQL that splits stored rows (wire.ts) back into events: the `events` view (log-worker.ts) over
// all of event_rows, and the same over a subset of them (a query that can tell which stored rows it
// needs splits only those: log.ts's newest-first listing, the analytics' time windows).
import { FIELD, GROUP, PART, ROWS } from './wire.js';
import { VALUE, payloadSql } from './compact.js';

const chr = (c: string) => `chr(${c.charCodeAt(0)})`;

/**
 * One row per event, payload as stored (compact text or JSON), from `rows`: a table or CTE name with
 * event_rows' columns. A GROUP row's events are its parts.
 */
export function splitSql(rows: string = ROWS): string {
  return `SELECT seq, ts, type, deployment_id, conversation_id, payload FROM ${rows} WHERE type <> '${GROUP}'
      UNION ALL
      SELECT CAST(f[1] AS BIGINT), make_timestamp(CAST(f[2] AS BIGINT) * 1000), f[3], deployment_id, conversation_id, f[4]
      FROM (SELECT deployment_id, conversation_id, string_split(unnest(string_split(payload, ${chr(PART)})), ${chr(FIELD)}) AS f FROM ${rows} WHERE type = '${GROUP}')`;
}

/** `events`' columns, the payload as JSON text, over `split`: a query answering splitSql's columns. */
export function withJsonPayload(split: string): string {
  return `SELECT seq, ts, type, deployment_id, conversation_id, ${payloadSql('type', 'payload', 'v')} AS payload
    FROM (SELECT *, CASE WHEN starts_with(payload, ${chr(VALUE)}) THEN string_split(payload, ${chr(VALUE)}) END AS v FROM (${split}))`;
}

/** The events of the stored rows `rows` (a table or CTE name), as the `events` view has them. */
export function eventsSql(rows: string = ROWS): string {
  return withJsonPayload(splitSql(rows));
}

/**
 * A GROUP row carries its last event's time, and its events are written in order, so an event at or
 * after a time is only ever in a row stamped at or after it. This much slack covers a clock stepped
 * back while a batch was written; the exact cut-off is applied to the events after the split.
 */
const SLACK_MS = 10 * 60_000;

/**
 * SQL for the events of the last `windowSeconds` (at least one) before `now` (epoch ms), as the
 * `events` view has them. The cut-off is computed here, as `ts` holds it (UTC epoch ms): DuckDB's
 * now()::TIMESTAMP is local time and would move the window by the UTC offset. Only the stored rows
 * of the window are split: over the whole view, a query split every event the log holds.
 */
export function windowEventsSql(windowSeconds: number, now: number): string {
  const since = Math.floor(now - Math.max(1, Math.floor(windowSeconds)) * 1000);
  return `(WITH recent AS (SELECT * FROM ${ROWS} WHERE ts >= epoch_ms(${since - SLACK_MS}))
    SELECT * FROM (${eventsSql('recent')}) WHERE ts >= epoch_ms(${since}))`;
}

/** the text by which a GROUP row's payload holds an event of a type (each part's type is between two FIELDs) */
export function partTypeSql(typeParam: string): string {
  return `${chr(FIELD)} || ${typeParam} || ${chr(FIELD)}`;
}
