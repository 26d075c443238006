import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { textChunks } from '../../../server/util/text-chunks.js';

const Chunks = suite('textChunks');

Chunks('runs in order whose JSON length stays within the limit; none empty', () => {
  const ids = Array.from({ length: 250 }, (_, i) => `conversation-${String(i).padStart(3, '0')}`); // 16 characters, 19 with JSON's quotes and comma
  const runs = textChunks(ids, 200);
  assert.equal(runs.flat(), ids);
  for (const r of runs) assert.ok(JSON.stringify(r).length <= 200 + 1, `${JSON.stringify(r).length}`);
  assert.equal(runs.map((r) => r.length), Array(25).fill(10));
  assert.equal(textChunks([], 200), []);
});

Chunks('an item longer than the limit is a run of its own', () => {
  assert.equal(textChunks(['a', 'x'.repeat(50), 'b'], 10), [['a'], ['x'.repeat(50)], ['b']]);
});

Chunks.run();
