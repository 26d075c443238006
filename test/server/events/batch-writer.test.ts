import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { BatchWriter, RecentNumber, batchText } from '../../../server/events/batch-writer.js';
import { FIELD, PART, ROW, partHead, writePartHead, writeRowHead } from '../../../server/events/wire.js';

const Writer = suite('batch writer');

const textOf = (w: BatchWriter): string => {
  const { buffer, length } = w.take();
  return batchText(buffer, length);
};

Writer('num :: writes every finite number as String() does', () => {
  const numbers = [0, -0, 7, 10, 99, 100, 2 ** 31, 1700000000123, Number.MAX_SAFE_INTEGER, 2 ** 53 + 2, 1e21, -1, -42, 0.5, 0.012, 1e-7, 123.456, -0.25];
  for (const n of numbers) {
    const w = new BatchWriter(8);
    w.num(n);
    assert.is(textOf(w), String(n), String(n));
  }
});

Writer('RecentNumber :: writes each number as String() does, the same again, one more (carries too), or any other', () => {
  const sequence = [
    7, 7, 8, 9, 10, 11, 99, 100, 999, 1000, 1001, 1000, 1700000000123, 1700000000123, 1700000000124, 1699999999999, 1700000000000,
    Number.MAX_SAFE_INTEGER - 1, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER + 1, 0, -0, 1, -1, 0, 0.5, 1.5, 2, 1e21, 1e21 + 1, 3,
  ];
  const recent = new RecentNumber();
  const w = new BatchWriter(8);
  for (const n of sequence) {
    w.text(',');
    recent.write(w, n);
  }
  assert.is(textOf(w), sequence.map((n) => `,${String(n)}`).join(''));
});

Writer('text :: ASCII, other scripts, surrogate pairs and control characters come back as written', () => {
  const w = new BatchWriter(16);
  const parts = ['plain', 'ünïcödé ✓', '😀 pair', 'mixed ascii then é', '\u0000\u001f', ''];
  for (const s of parts) w.text(s);
  assert.is(textOf(w), parts.join(''));
});

Writer('quoted :: writes "s" only where JSON.stringify writes it so; otherwise writes nothing and answers false', () => {
  for (const s of ['', 'echo', 'c0ffee-42', 'a.b:c@d/e f_g', '</script>', '{[,]}']) {
    const w = new BatchWriter(4);
    w.text('x');
    assert.ok(w.quoted(s), s);
    assert.is(textOf(w), `x${JSON.stringify(s)}`);
  }
  for (const s of ['say "hi"', 'back\\slash', 'tab\there', '\u001c', 'é', '\u007f', '\ud800']) {
    const w = new BatchWriter(4);
    w.text('x');
    assert.not.ok(w.quoted(s), JSON.stringify(s));
    w.text('y');
    assert.is(textOf(w), 'xy', 'nothing of it was kept');
  }
});

Writer('grows past its first buffer and keeps what it wrote; pos moved back drops what came after', () => {
  const w = new BatchWriter(16);
  const long = 'abcdefghij'.repeat(1000);
  w.text('head:');
  const mark = w.pos;
  w.text('dropped');
  w.pos = mark;
  w.text(long);
  w.num(1700000000000);
  assert.is(textOf(w), `head:${long}1700000000000`);
});

Writer('take :: hands over the batch and starts empty; a buffer handed back is written into again', () => {
  const w = new BatchWriter(64);
  w.text('first');
  const a = w.take();
  assert.is(batchText(a.buffer, a.length), 'first');
  assert.is(w.pos, 0);
  w.recycle(a.buffer);
  w.text('second');
  const b = w.take();
  assert.is(batchText(b.buffer, b.length), 'second');
  assert.is.not(b.buffer, a.buffer);
  w.text('third');
  const c = w.take();
  assert.is(c.buffer, a.buffer, 'the recycled buffer');
  assert.is(batchText(c.buffer, c.length), 'third');
  // a grown buffer is not kept: the next batches start at the usual size
  const big = new BatchWriter(64);
  big.text('x'.repeat(500));
  const grown = big.take();
  big.recycle(grown.buffer);
  big.take();
  assert.is.not(big.take().buffer, grown.buffer);
});

Writer('writeRowHead and writePartHead :: a row\'s fields each ended by FIELD, and the same characters as PART + partHead', () => {
  const w = new BatchWriter(8);
  writeRowHead(w, 12, 1700000000001, 'MessageSent', null, 'conv-1');
  w.text('{}');
  writeRowHead(w, 13, 1700000000002, 'DeploymentCompleted', 'dep-1', null);
  w.text('null');
  writePartHead(w, 14, 1700000000002, 'MessageRouted');
  w.text('{}');
  assert.is(
    textOf(w),
    `${ROW}12${FIELD}1700000000001${FIELD}MessageSent${FIELD}${FIELD}conv-1${FIELD}{}${ROW}13${FIELD}1700000000002${FIELD}DeploymentCompleted${FIELD}dep-1${FIELD}${FIELD}null${PART}${partHead(14, 1700000000002, 'MessageRouted')}{}`,
  );
});

Writer.run();
