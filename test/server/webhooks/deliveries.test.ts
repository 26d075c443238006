import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import path from 'node:path';
import { EventLog } from '../../../server/events/log.js';
import { DeliveryLedger } from '../../../server/webhooks/deliveries.js';
import { WebhookEvent } from '../../../server/webhooks/events.js';
import { withLog } from '../../util/event-log.js';
import { rm, tmpDir } from '../../util/tmp.js';

// ---

const Claim = suite('DeliveryLedger.claim');

Claim('a new delivery is claimed once; a second claim is a duplicate', async () => {
  await withLog(async (log) => {
    const ledger = new DeliveryLedger({ events: log });
    const [a, b] = await Promise.all([ledger.claim('d1'), ledger.claim('d1')]);
    assert.equal([a, b].sort(), [false, true], 'of two concurrent claims only one wins');
    assert.is(await ledger.claim('d1'), false);
    assert.is(await ledger.claim('d2'), true);
  });
});

Claim('a released claim (a refused delivery) may be claimed again', async () => {
  await withLog(async (log) => {
    const ledger = new DeliveryLedger({ events: log });
    assert.ok(await ledger.claim('d1'));
    ledger.release('d1');
    assert.ok(await ledger.claim('d1'));
  });
});

Claim('after a restart, a delivery queued or ignored before is a duplicate; duplicates and refusals are not evidence', async () => {
  const dir = tmpDir('caxton-ledger-');
  const file = path.join(dir, 'events.duckdb');
  let log = await EventLog.open({ file });
  log.append(WebhookEvent.Queued, { delivery: 'queued-1', sha: 'a'.repeat(40) });
  log.append(WebhookEvent.Ignored, { delivery: 'ignored-1', reason: 'push to refs/heads/x' });
  log.append(WebhookEvent.Ignored, { delivery: 'dup-only', reason: 'handled before', duplicate: true });
  log.append(WebhookEvent.Refused, { delivery: 'refused-1', reason: 'freeze' });
  log.append(WebhookEvent.Verified, { delivery: 'verified-only' });
  await log.close();
  log = await EventLog.open({ file });
  try {
    const ledger = new DeliveryLedger({ events: log, maxRecent: 1 });
    assert.is(await ledger.claim('queued-1'), false);
    assert.is(await ledger.claim('ignored-1'), false);
    assert.is(await ledger.claim('dup-only'), true);
    assert.is(await ledger.claim('refused-1'), true);
    assert.is(await ledger.claim('verified-only'), true);
    assert.is(await ledger.claim("x' OR '1'='1"), true, 'ids are parameters, not SQL');
  } finally {
    await log.close();
    rm(dir);
  }
});

Claim.run();
