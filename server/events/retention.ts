// `caxton serve --retain-days N`: message and tool events older than N days are deleted, once the
// server listens and then every hour (events/types.ts says which types; log-worker.ts deletes).
import type { Logger } from 'pino';
import type { EventLog } from './log.js';
import { LogEvent, PRUNABLE_EVENTS } from './types.js';

const DAY_MS = 86_400_000;
const PRUNE_EVERY_MS = 3_600_000;

/**
 * Deletes message and tool events older than `days`, now (in the background) and every hour; each
 * time it deletes some, one EventsPruned says how many. `stop` waits for a run under way.
 */
export function startRetention(events: EventLog, days: number, logger: Logger): { stop(): Promise<void> } {
  let running: Promise<void> = Promise.resolve();
  const run = () => {
    running = running.then(async () => {
      const before = Date.now() - days * DAY_MS;
      try {
        const n = await events.prune(before, PRUNABLE_EVENTS);
        if (n > 0) {
          const payload = { events: n, before: new Date(before).toISOString(), retainDays: days };
          events.append(LogEvent.EventsPruned, payload);
          logger.info(payload, `deleted ${n} message and tool events older than ${days === 1 ? '1 day' : `${days} days`}`);
        }
      } catch (err) {
        logger.warn({ err }, 'could not delete old events; trying again in an hour');
      }
    });
  };
  run();
  const timer = setInterval(run, PRUNE_EVERY_MS);
  timer.unref();
  return {
    stop: () => {
      clearInterval(timer);
      return running;
    },
  };
}
