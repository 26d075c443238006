import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { capMemory, pagesFor, WasmLimitError } from '../../../server/tools/wasm-limits.js';
import { pluginWasm } from '../../util/plugins.js';

const HEADER = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];

/** (memory (export "memory") min max?) */
function memoryModule(min: number, max?: number): Uint8Array {
  const limits = max === undefined ? [0x00, min] : [0x01, min, max];
  const mem = [0x05, limits.length + 1, 0x01, ...limits];
  const exp = [0x07, 0x0a, 0x01, 0x06, ...new TextEncoder().encode('memory'), 0x02, 0x00];
  return new Uint8Array([...HEADER, ...mem, ...exp]);
}

function memoryOf(bytes: Uint8Array): WebAssembly.Memory {
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>));
  return instance.exports.memory as WebAssembly.Memory;
}

const grows = (m: WebAssembly.Memory, pages: number) => {
  try {
    m.grow(pages);
    return true;
  } catch {
    return false;
  }
};

// ---

const Cap = suite('capMemory');

Cap('a memory without a maximum gets the cap, and cannot grow past it', () => {
  const r = capMemory(memoryModule(1), { maxPages: 4 });
  assert.is(r.maxPages, 4);
  assert.is(r.initialPages, 1);
  const m = memoryOf(r.bytes);
  assert.ok(grows(m, 3));
  assert.not.ok(grows(m, 1), 'the fifth page is refused');
  assert.ok(grows(memoryOf(memoryModule(1)), 10), 'the original could grow');
});

Cap('a smaller declared maximum is kept; a larger one is lowered', () => {
  assert.not.ok(grows(memoryOf(capMemory(memoryModule(1, 2), { maxPages: 8 }).bytes), 2));
  const lowered = memoryOf(capMemory(memoryModule(1, 100), { maxPages: 8 }).bytes);
  assert.ok(grows(lowered, 7));
  assert.not.ok(grows(lowered, 1));
});

Cap('a module that needs more than the cap at start is refused', () => {
  assert.throws(() => capMemory(memoryModule(20), { maxPages: 16 }), (e: unknown) => e instanceof WasmLimitError && /20 pages/.test((e as Error).message));
});

Cap('a module that imports its memory is refused', () => {
  // (import "env" "memory" (memory 1))
  const imp = [0x02, 0x0f, 0x01, 0x03, ...new TextEncoder().encode('env'), 0x06, ...new TextEncoder().encode('memory'), 0x02, 0x00, 0x01];
  assert.throws(() => capMemory(new Uint8Array([...HEADER, ...imp]), { maxPages: 16 }), /imports its memory/);
});

Cap('bytes that are not WebAssembly are refused', () => {
  assert.throws(() => capMemory(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9]), { maxPages: 16 }), (e: unknown) => e instanceof WasmLimitError);
});

Cap('a real plugin keeps its exports and everything else', () => {
  const wasm = pluginWasm('fixture');
  const capped = capMemory(wasm, { maxPages: pagesFor(16) });
  const before = WebAssembly.Module.exports(new WebAssembly.Module(wasm as Uint8Array<ArrayBuffer>));
  const after = WebAssembly.Module.exports(new WebAssembly.Module(capped.bytes as Uint8Array<ArrayBuffer>));
  assert.equal(after, before);
  assert.is(capped.maxPages, 256);
  assert.ok(Math.abs(capped.bytes.length - wasm.length) <= 8, 'only the limits changed');
});

Cap('pagesFor: MiB → 64 KiB pages', () => {
  assert.is(pagesFor(1), 16);
  assert.is(pagesFor(16), 256);
});

Cap.run();
