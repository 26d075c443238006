// What can be known of a tool's plugin without running it, so that `caxton validate` finds a plugin
// that cannot start and `deploy --partial` holds its tool back, rather than a deployment first
// meeting it while it builds: that it is a WebAssembly module at all, the functions it exports (each
// [[functions]] entry is called by that export's name), imports the Extism host does not provide,
// and the memory it needs from the start. The engine's own compiler reads the module.
import { capMemory, WasmLimitError } from './wasm-limits.js';

export type PluginInfo =
  | {
      ok: true;
      /** the functions it exports: what a [[functions]] entry may name */
      exports: readonly string[];
      /** its other exports (memory, table, global), by name: a [[functions]] entry naming one is told so */
      otherExports?: Readonly<Record<string, string>>;
      unsupportedImports: readonly string[];
      initialPages: number;
    }
  | { ok: false; error: string };

/** The host functions @extism/extism 1.0.3 provides (its CallContext); a plugin importing others cannot start. */
const EXTISM_HOST = new Set([
  'alloc', 'free', 'load_u8', 'load_u64', 'store_u8', 'store_u64', 'input_offset', 'input_length', 'input_load_u8',
  'input_load_u64', 'output_set', 'error_set', 'config_get', 'var_get', 'var_set', 'http_request', 'http_status_code',
  'length', 'length_unsafe', 'log_warn', 'log_info', 'log_debug', 'log_error',
]);

/** Imports no worker could satisfy, as "module.name". */
export function unsupportedImports(module: WebAssembly.Module): string[] {
  return WebAssembly.Module.imports(module)
    .filter((i) => !(i.module === 'extism:host/env' && i.kind === 'function' && EXTISM_HOST.has(i.name)) && !(i.module === 'wasi_snapshot_preview1' && i.kind === 'function'))
    .map((i) => `${i.module}.${i.name}`);
}

export function inspectPlugin(bytes: Uint8Array): PluginInfo {
  let module: WebAssembly.Module;
  try {
    module = new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>);
  } catch (err) {
    // "WebAssembly.Module(): expected magic word 00 61 73 6d, found 67 61 72 62 @+0": the part after the colon
    return { ok: false, error: String((err as Error).message).replace(/^WebAssembly\.Module\(\):\s*/, '') };
  }
  let initialPages: number;
  try {
    // no cap here: only what the module declares (an imported memory is refused)
    initialPages = capMemory(bytes, { maxPages: 65_536 }).initialPages;
  } catch (err) {
    if (err instanceof WasmLimitError) return { ok: false, error: err.message };
    throw err;
  }
  return {
    ok: true,
    exports: WebAssembly.Module.exports(module).filter((e) => e.kind === 'function').map((e) => e.name),
    otherExports: Object.fromEntries(WebAssembly.Module.exports(module).filter((e) => e.kind !== 'function').map((e) => [e.name, e.kind])),
    unsupportedImports: unsupportedImports(module),
    initialPages,
  };
}
