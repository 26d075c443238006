// A real event log (DuckDB file, worker thread) in a temporary folder, for one test's body.
import path from 'node:path';
import { EventLog, type EventLogOptions } from '../../server/events/log.js';
import { rm, tmpDir } from './tmp.js';

/** Opens a log in a new temporary folder, runs `body` on it, then closes it and removes the folder. */
export async function withLog(body: (log: EventLog) => Promise<void>, opts: Omit<EventLogOptions, 'file'> = {}): Promise<void> {
  const dir = tmpDir('caxton-events-');
  const log = await EventLog.open({ file: path.join(dir, 'events.duckdb'), ...opts });
  try {
    await body(log);
  } finally {
    await log.close();
    rm(dir);
  }
}
