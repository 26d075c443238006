import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { RateLimiter } from '../../../server/webhooks/rate-limiter.js';

// ---

const Take = suite('RateLimiter.take');

Take('lets a burst of `capacity` through, then refuses with the wait until the next token', () => {
  let now = 0;
  const rl = new RateLimiter({ capacity: 3, refillPerSecond: 2, now: () => now });
  assert.equal([1, 2, 3].map(() => rl.take('ip').ok), [true, true, true]);
  const d = rl.take('ip');
  assert.equal(d, { ok: false, retryAfterMs: 500 });
  now = 499;
  assert.is(rl.take('ip').ok, false);
  now = 1000;
  assert.is(rl.take('ip').ok, true, 'refilled');
});

Take('refills up to capacity, not beyond', () => {
  let now = 0;
  const rl = new RateLimiter({ capacity: 2, refillPerSecond: 1, now: () => now });
  rl.take('k');
  now = 60_000;
  assert.equal([rl.take('k').ok, rl.take('k').ok, rl.take('k').ok], [true, true, false]);
});

Take('keys have their own buckets, and the least recently used is forgotten past maxKeys', () => {
  const rl = new RateLimiter({ capacity: 1, refillPerSecond: 0.001, maxKeys: 2, now: () => 0 });
  assert.ok(rl.take('a').ok);
  assert.ok(rl.take('b').ok);
  assert.not.ok(rl.take('a').ok);
  assert.ok(rl.take('c').ok, 'a third key');
  assert.ok(rl.take('b').ok, 'b was dropped (least recently used) and starts full again');
});

Take('refuses nonsense settings', () => {
  assert.throws(() => new RateLimiter({ capacity: 0, refillPerSecond: 1 }), RangeError);
  assert.throws(() => new RateLimiter({ capacity: 1, refillPerSecond: 0 }), RangeError);
});

Take.run();
