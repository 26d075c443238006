// A batch of event rows (wire.ts) written as UTF-8 straight into a buffer, which is then transferred
// (moved, not copied) to the log's worker, where it is decoded into the batch's text. On the request
// path no string is made for a head, a payload or a row, and nothing is joined: building the text
// from strings, then copying it to the worker, was about half of what logging cost the thread that
// answers requests (and a sixth of its garbage), while the worker runs on a core with time to spare.

/** a batch of a few hundred events fits, so a buffer rarely grows */
const INITIAL_BYTES = 128 * 1024;
/** buffers the worker has handed back, kept for the next batches */
const MAX_SPARE = 4;
const UTF8 = new TextEncoder();

export class BatchWriter {
  /** the events' seq and time, which every row and part head writes (wire.ts) */
  readonly seq = new RecentNumber();
  readonly time = new RecentNumber();
  private buf: Uint8Array;
  /** bytes written so far; a caller may move it back (only back) to drop what it wrote after a mark */
  pos = 0;
  private readonly spare: ArrayBuffer[] = [];

  constructor(private readonly size = INITIAL_BYTES) {
    this.buf = new Uint8Array(size);
  }

  /** one ASCII character (a separator) */
  byte(c: number): void {
    if (this.pos === this.buf.length) this.grow(1);
    this.buf[this.pos++] = c;
  }

  /** text as it is (ids, types, JSON text) */
  text(s: string): void {
    const n = s.length;
    // UTF-8 takes at most 3 bytes per UTF-16 unit
    if (this.pos + 3 * n > this.buf.length) this.grow(3 * n);
    const b = this.buf;
    let p = this.pos;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) {
        // the rare text that is not ASCII: the encoder writes the rest
        this.pos = p + UTF8.encodeInto(i ? s.slice(i) : s, b.subarray(p)).written;
        return;
      }
      b[p++] = c;
    }
    this.pos = p;
  }

  /**
   * `"s"` when JSON.stringify writes s so (printable ASCII without `"` or `\`), answering true;
   * otherwise nothing is written and the answer is false.
   */
  quoted(s: string): boolean {
    const n = s.length;
    if (this.pos + n + 2 > this.buf.length) this.grow(n + 2);
    const b = this.buf;
    let p = this.pos;
    b[p++] = 0x22;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c < 0x20 || c === 0x22 || c === 0x5c || c >= 0x7f) return false;
      b[p++] = c;
    }
    b[p++] = 0x22;
    this.pos = p;
    return true;
  }

  /** a finite number, as String(v) writes it */
  num(v: number): void {
    if (!(v >= 0 && v <= Number.MAX_SAFE_INTEGER && Number.isInteger(v))) {
      this.text(String(v));
      return;
    }
    let digits = 1;
    for (let x = v; x >= 10; x = Math.floor(x / 10)) digits++;
    if (this.pos + digits > this.buf.length) this.grow(digits);
    const b = this.buf;
    let p = this.pos + digits;
    this.pos = p;
    let x = v;
    do {
      const q = Math.floor(x / 10);
      b[--p] = 0x30 + (x - q * 10);
      x = q;
    } while (x > 0);
  }

  /** the first n bytes of src */
  bytes(src: Uint8Array, n: number): void {
    if (this.pos + n > this.buf.length) this.grow(n);
    const b = this.buf;
    let p = this.pos;
    for (let i = 0; i < n; i++) b[p++] = src[i]!;
    this.pos = p;
  }

  /** The batch written so far, as a buffer and its length in bytes; the writer starts a new batch. */
  take(): { buffer: ArrayBuffer; length: number } {
    const out = { buffer: this.buf.buffer as ArrayBuffer, length: this.pos };
    this.buf = new Uint8Array(this.spare.pop() ?? new ArrayBuffer(this.size));
    this.pos = 0;
    return out;
  }

  /** A buffer handed back after its batch was read: the next batch may be written into it. */
  recycle(buffer: ArrayBuffer): void {
    if (this.spare.length < MAX_SPARE && buffer.byteLength === this.size) this.spare.push(buffer);
  }

  private grow(need: number): void {
    const next = new Uint8Array(Math.max(2 * this.buf.length, this.pos + need));
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }
}

/**
 * A number written again and again, each time most often the same or one more: an event's seq (one
 * more than the last event's) and its time in epoch ms (mostly the last event's). Its digits are
 * kept, so the same number again is a copy of them and one more is an increment of the last digit;
 * num() divides by ten for each digit, twice, which for a seq and a 13-digit time was a fifth of
 * what logging cost the thread that answers requests. It writes what num() writes.
 */
export class RecentNumber {
  private value = NaN;
  /** MAX_SAFE_INTEGER has 16 digits */
  private readonly digits = new Uint8Array(16);
  private len = 0;

  write(w: BatchWriter, v: number): void {
    if (v !== this.value) {
      if (v === this.value + 1 && v <= Number.MAX_SAFE_INTEGER) this.increment();
      else if (v >= 0 && v <= Number.MAX_SAFE_INTEGER && Number.isInteger(v)) this.set(v);
      else {
        w.num(v);
        return;
      }
      this.value = v;
    }
    w.bytes(this.digits, this.len);
  }

  private increment(): void {
    const d = this.digits;
    let i = this.len - 1;
    while (i >= 0 && d[i] === 0x39) d[i--] = 0x30;
    if (i >= 0) d[i]!++;
    else {
      // 9…9 + 1: a new leading digit
      d.copyWithin(1, 0, this.len);
      d[0] = 0x31;
      this.len++;
    }
  }

  private set(v: number): void {
    const s = String(v);
    for (let i = 0; i < s.length; i++) this.digits[i] = s.charCodeAt(i);
    this.len = s.length;
  }
}

const UTF8_DECODER = new TextDecoder();

/** The text of a batch written by a BatchWriter. */
export function batchText(buffer: ArrayBuffer, length: number): string {
  return UTF8_DECODER.decode(new Uint8Array(buffer, 0, length));
}
