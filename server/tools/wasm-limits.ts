// Memory limits written into a WebAssembly module before it is instantiated. @extism/extism 1.0.3 has
// no memory cap of its own, and a module that declares its memory without a maximum may grow it to
// 4 GiB; rewriting the declared maximum makes the engine refuse every `memory.grow` past the cap
// (it returns -1 to the guest), whatever the plugin does. Pure: bytes in, bytes out.

export const WASM_PAGE = 65_536;

export interface MemoryCap {
  /** the rewritten module */
  bytes: Uint8Array;
  /** the maximum now declared, in 64 KiB pages */
  maxPages: number;
  /** the largest initial size any memory declares, in pages */
  initialPages: number;
}

export class WasmLimitError extends Error {}

/** Pages in `mb` MiB. */
export function pagesFor(mb: number): number {
  return Math.floor((mb * 1024 * 1024) / WASM_PAGE);
}

class Reader {
  pos = 0;
  constructor(readonly b: Uint8Array) {}
  byte(): number {
    if (this.pos >= this.b.length) throw new WasmLimitError('unexpected end of module');
    return this.b[this.pos++]!;
  }
  /** unsigned LEB128 as a Number (values up to 2^53 are exact) */
  uleb(): number {
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      const b = this.byte();
      result += (b & 0x7f) * mul;
      if (!(b & 0x80)) return result;
      mul *= 128;
    }
    throw new WasmLimitError('malformed LEB128 number');
  }
}

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
}

/** Limits (flags, min, max?) with the maximum set to min(declared, cap). Shared and 64-bit memories keep their flags. */
function cappedLimits(r: Reader, cap: number, seen: { initial: number }): number[] {
  const flags = r.byte();
  if (flags > 0x07) throw new WasmLimitError(`unknown limits flags 0x${flags.toString(16)}`);
  const min = r.uleb();
  const max = flags & 0x01 ? r.uleb() : Infinity;
  seen.initial = Math.max(seen.initial, min);
  const capped = Math.min(max, Math.max(cap, 0));
  return [flags | 0x01, ...uleb(min), ...uleb(Math.max(capped, min))];
}

/**
 * Rewrites every memory the module defines (and every table, capped at `maxTableElements`) to declare
 * at most `maxPages`. Throws WasmLimitError when the module imports its memory (Extism supplies none)
 * or needs more than `maxPages` from the start.
 *
 * @example capMemory(wasmBytes, { maxPages: pagesFor(16) })
 */
export function capMemory(wasm: Uint8Array, opts: { maxPages: number; maxTableElements?: number }): MemoryCap {
  const r = new Reader(wasm);
  if (wasm.length < 8 || wasm[0] !== 0x00 || wasm[1] !== 0x61 || wasm[2] !== 0x73 || wasm[3] !== 0x6d) {
    throw new WasmLimitError('not a WebAssembly module');
  }
  r.pos = 8;
  const parts: Uint8Array[] = [wasm.subarray(0, 8)];
  const mem = { initial: 0 };
  const table = { initial: 0 };
  const maxTable = opts.maxTableElements ?? 100_000;
  while (r.pos < wasm.length) {
    const start = r.pos;
    const id = r.byte();
    const size = r.uleb();
    const bodyStart = r.pos;
    const end = bodyStart + size;
    if (end > wasm.length) throw new WasmLimitError('section runs past the end of the module');
    if (id === 2) {
      // Imports: an imported memory would be sized by whoever supplies it; refuse it.
      const s = new Reader(wasm.subarray(bodyStart, end));
      const n = s.uleb();
      for (let i = 0; i < n; i++) {
        const modLen = s.uleb();
        s.pos += modLen;
        const nameLen = s.uleb();
        s.pos += nameLen;
        const kind = s.byte();
        if (kind === 0x00) s.uleb();
        else if (kind === 0x01) {
          s.byte();
          const f = s.byte();
          s.uleb();
          if (f & 1) s.uleb();
        } else if (kind === 0x02) throw new WasmLimitError('the module imports its memory; a plugin must define its own');
        else if (kind === 0x03) {
          s.byte();
          s.byte();
        } else if (kind === 0x04) {
          s.byte();
          s.uleb();
        } else throw new WasmLimitError(`unknown import kind ${kind}`);
      }
      parts.push(wasm.subarray(start, end));
    } else if (id === 4 || id === 5) {
      const s = new Reader(wasm.subarray(bodyStart, end));
      const n = s.uleb();
      const body: number[] = [...uleb(n)];
      for (let i = 0; i < n; i++) {
        if (id === 4) {
          const refType = s.byte();
          if (refType === 0x40) throw new WasmLimitError('tables with initialisers are not supported');
          body.push(refType, ...cappedLimits(s, maxTable, table));
        } else {
          body.push(...cappedLimits(s, opts.maxPages, mem));
        }
      }
      if (s.pos !== size) throw new WasmLimitError(`malformed ${id === 4 ? 'table' : 'memory'} section`);
      parts.push(new Uint8Array([id, ...uleb(body.length), ...body]));
    } else {
      parts.push(wasm.subarray(start, end));
    }
    r.pos = end;
  }
  if (mem.initial > opts.maxPages) {
    throw new WasmLimitError(
      `the module needs ${mem.initial} pages (${((mem.initial * WASM_PAGE) / 1048576).toFixed(1)} MiB) of memory at start, over its limit of ${opts.maxPages} pages`,
    );
  }
  return { bytes: Buffer.concat(parts), maxPages: opts.maxPages, initialPages: mem.initial };
}
