// Random (version 4) UUIDs as flat strings. Node's crypto.randomUUID() joins 20 pieces with `+`,
// so V8 keeps each id as a rope of ~19 cons cells (~490 bytes, against 56 for the text). A message
// id lives as long as its conversation's history keeps it (50 messages a conversation, up to
// 100,000 conversations), so those ropes were half of the history's memory, and copying them as
// they aged through the heap was most of what the garbage collector cost the dispatcher. Written
// into a buffer and read out once, an id is one flat string.
import { randomFillSync } from 'node:crypto';

const HEX = Buffer.from('0123456789abcdef', 'latin1');
/** random bytes for 512 ids, refilled when used up (as Node buffers randomUUID's) */
const random = Buffer.alloc(16 * 512);
let at = random.length;
const text = Buffer.alloc(36);

export function uuid(): string {
  if (at === random.length) {
    randomFillSync(random);
    at = 0;
  }
  let p = 0;
  for (let i = 0; i < 16; i++) {
    let b = random[at + i]!;
    // the version (4) and the variant (10xx) bits, as RFC 9562 sets them
    if (i === 6) b = (b & 0x0f) | 0x40;
    else if (i === 8) b = (b & 0x3f) | 0x80;
    if (i === 4 || i === 6 || i === 8 || i === 10) text[p++] = 0x2d;
    text[p++] = HEX[b >> 4]!;
    text[p++] = HEX[b & 15]!;
  }
  at += 16;
  return text.toString('latin1', 0, 36);
}
