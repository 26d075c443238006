// Holding the event log's worker, to test a log that falls behind.
import type { EventLog } from '../../server/events/log.js';

/**
 * A query DuckDB runs on its own threads for ~0.3 s here; the worker stores nothing more until it
 * ends, so what is appended meanwhile waits as the log's backlog. Resolves when it ends.
 */
export function holdWorker(log: EventLog): Promise<unknown> {
  return log.query(`SELECT count(*) AS n FROM range(100000000) t(i) WHERE i % 7 = 3`);
}
