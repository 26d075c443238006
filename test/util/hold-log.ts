// Holding the event log's worker, to test a log that falls behind.
import type { EventLog } from '../../server/events/log.js';

/**
 * Holds the worker for `ms` (EventLog.hold: as a stalled disk would); what is appended meanwhile
 * waits as the log's backlog. Resolves when it is released.
 */
export async function holdWorker(log: EventLog, ms = 300): Promise<void> {
  const release = log.hold();
  await new Promise((r) => setTimeout(r, ms));
  release();
}
