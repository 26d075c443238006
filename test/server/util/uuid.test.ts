import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { uuid } from '../../../server/util/uuid.js';

const V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

test('version 4 UUIDs, all different, past a refill of the random bytes (512 ids)', () => {
  const ids = Array.from({ length: 2000 }, uuid);
  for (const id of ids) assert.match(id, V4);
  assert.is(new Set(ids).size, ids.length);
  // every hex digit of the random part turns up, in each position that is random
  for (const pos of [0, 9, 15, 20, 35]) assert.is(new Set(ids.map((id) => id[pos])).size, 16, `position ${pos}`);
  assert.equal(new Set(ids.map((id) => id[19])), new Set(['8', '9', 'a', 'b']));
});

test.run();
