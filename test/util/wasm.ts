// Minimal WebAssembly modules assembled by hand: each export is a function () -> i32 returning 0
// (or `returns`, 0–63: what Extism reads as a failure when not 0).
// Enough for deployment tests (compile + export checks) without a toolchain.

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
}

function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

export function wasmModule(exports: string[] = ['run'], returns = 0): Uint8Array {
  if (!(returns >= 0 && returns < 64)) throw new Error('returns: 0–63 (one byte of LEB128)');
  const n = exports.length;
  const type = section(1, [1, 0x60, 0, 1, 0x7f]);
  const funcs = section(3, [...uleb(n), ...exports.map(() => 0)]);
  const enc = new TextEncoder();
  const exp = section(7, [...uleb(n), ...exports.flatMap((name, i) => { const b = [...enc.encode(name)]; return [...uleb(b.length), ...b, 0x00, ...uleb(i)]; })]);
  const body = [0x00, 0x41, returns, 0x0b];
  const code = section(10, [...uleb(n), ...exports.flatMap(() => [...uleb(body.length), ...body])]);
  return new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, ...type, ...funcs, ...exp, ...code]);
}

/** Bytes that are not a WebAssembly module, for build failures. */
export const BROKEN_WASM = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0xff, 0xff]);

/** A module whose start function never returns: instantiating it hangs (a plugin's top-level loop). */
export function hangingStartModule(): Uint8Array {
  const type = section(1, [1, 0x60, 0, 0]);
  const funcs = section(3, [1, 0]);
  const enc = [...new TextEncoder().encode('run')];
  const exp = section(7, [1, ...uleb(enc.length), ...enc, 0x00, 0]);
  const start = section(8, [0]);
  // loop; br 0; end
  const body = [0x00, 0x03, 0x40, 0x0c, 0x00, 0x0b, 0x0b];
  const code = section(10, [1, ...uleb(body.length), ...body]);
  return new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, ...type, ...funcs, ...exp, ...start, ...code]);
}
