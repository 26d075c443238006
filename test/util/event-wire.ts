// The log's wire text as the request path's own writers make it: what the wire and compact tests
// build their batches and expectations from.
import { BatchWriter, batchText } from '../../server/events/batch-writer.js';
import { writeCompact } from '../../server/events/compact.js';
import { writeRowHead } from '../../server/events/wire.js';

/** The text of what `write` puts into a fresh batch. */
export function written(write: (w: BatchWriter) => void): string {
  const w = new BatchWriter(64);
  write(w);
  const { buffer, length } = w.take();
  return batchText(buffer, length);
}

/** ROW and a row's head, up to its payload. */
export const rowText = (seq: number, at: number, type: string, deploymentId: string | null, conversationId: string | null): string =>
  written((w) => writeRowHead(w, seq, at, type, deploymentId, conversationId));

/** The payload's compact text, or null when the log would write it as JSON instead. */
export function compactText(type: string, payload: object): string | null {
  let ok = false;
  const text = written((w) => {
    ok = writeCompact(type, payload, w);
  });
  return ok ? text : null;
}
