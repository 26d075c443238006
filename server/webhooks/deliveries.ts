// Idempotency by X-GitHub-Delivery. The event log is the durable record: a delivery that was queued
// or ignored once is in it, so a redelivery after a restart is still recognised. An in-memory set in
// front closes the window between two copies of one delivery arriving together.
import type { EventLog } from '../events/log.js';
import { HANDLED_DELIVERY_EVENTS } from './events.js';
import { ROWS } from '../events/wire.js';

export interface DeliveryLedgerOptions {
  events: Pick<EventLog, 'query'>;
  /** ids remembered in memory; older ones are found in the log */
  maxRecent?: number;
}

export class DeliveryLedger {
  private readonly recent = new Set<string>();
  private readonly maxRecent: number;

  constructor(private readonly opts: DeliveryLedgerOptions) {
    this.maxRecent = opts.maxRecent ?? 10_000;
  }

  /**
   * Claims `id` for handling: true when it is new, false when it was handled before (then nothing
   * must be done again). The claim is taken before the first await, so of two concurrent copies
   * only one wins.
   */
  async claim(id: string): Promise<boolean> {
    if (this.recent.has(id)) return false;
    this.recent.add(id);
    if (this.recent.size > this.maxRecent) this.recent.delete(this.recent.values().next().value!);
    try {
      if (await this.inLog(id)) return false;
    } catch (err) {
      this.recent.delete(id);
      throw err;
    }
    return true;
  }

  /** Gives a claim back: the delivery did nothing (refused by the lock, malformed), so a redelivery may try again. */
  release(id: string): void {
    this.recent.delete(id);
  }

  private async inLog(id: string): Promise<boolean> {
    const types = HANDLED_DELIVERY_EVENTS.map((t) => `'${t}'`).join(', ');
    const rows = await this.opts.events.query<{ n: string | number }>(
      // delivery events have no conversation or group key (never grouped: the stored rows hold them); a copy answered as a duplicate is no evidence that the delivery was handled: its first copy may still be deciding
      `SELECT count(*) AS n FROM ${ROWS} WHERE type IN (${types}) AND json_extract_string(payload, '$.delivery') = $id
       AND json_extract_string(payload, '$.duplicate') IS DISTINCT FROM 'true'`,
      { id },
    );
    return Number(rows[0]?.n ?? 0) > 0;
  }
}
