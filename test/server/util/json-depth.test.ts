import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { withinDepth } from '../../../server/util/json-depth.js';

const Depth = suite('withinDepth');

Depth('counts arrays and objects, not scalars; deeper than the limit is refused', () => {
  assert.ok(withinDepth('text'));
  assert.ok(withinDepth(null));
  assert.ok(withinDepth({ a: [1, { b: 2 }] }, 3));
  assert.not.ok(withinDepth({ a: [1, { b: {} }] }, 3));
  assert.ok(withinDepth([[[]]], 3));
  assert.not.ok(withinDepth([[[[]]]], 3));
});

Depth('half a million levels without overflowing its own stack', () => {
  let v: unknown[] = [];
  for (let i = 0; i < 500_000; i++) v = [v];
  assert.not.ok(withinDepth(v));
});

Depth.run();
