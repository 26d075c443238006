import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ViolationRecord } from '../../../server/tools/quarantine.js';

const Record = suite('ViolationRecord');

Record('starts a quarantine at the Nth violation within the window, once', () => {
  const r = new ViolationRecord({ violations: 3, windowMs: 1000 });
  assert.is(r.record(0, 'timeout'), null);
  assert.is(r.record(100, 'timeout'), null);
  const q = r.record(200, 'memory: ran out');
  assert.ok(q);
  assert.is(q!.violations, 3);
  assert.match(q!.reason, /3 limit violations within 1 s \(last: memory: ran out\)/);
  assert.is(q!.since, new Date(200).toISOString());
  assert.is(r.record(300, 'timeout'), null, 'already quarantined');
  assert.is(r.quarantined, q);
});

Record('violations older than the window do not count', () => {
  const r = new ViolationRecord({ violations: 2, windowMs: 1000 });
  r.record(0, 'x');
  assert.is(r.record(1000, 'x'), null);
  assert.ok(r.record(1999, 'x'));
});

Record.run();
