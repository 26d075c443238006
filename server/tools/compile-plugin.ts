// Compiling a tool's plugin once per deployment and checking that it exports what its manifest names.
import { createHash } from 'node:crypto';
import type { ToolFile } from '../workspace/schema.js';
import { CaxtonError } from '../errors.js';

export interface CompiledPlugin {
  module: WebAssembly.Module;
  sha256: string;
  bytes: number;
}

export async function compilePlugin(name: string, spec: ToolFile, wasm: Uint8Array): Promise<CompiledPlugin> {
  let module: WebAssembly.Module;
  try {
    module = await WebAssembly.compile(wasm as Uint8Array<ArrayBuffer>);
  } catch (err) {
    throw new CaxtonError('CAX_TOOL_INVALID', { name, detail: `${spec.wasm} is not a valid WebAssembly module (${(err as Error).message})` });
  }
  const exported = new Set(WebAssembly.Module.exports(module).filter((e) => e.kind === 'function').map((e) => e.name));
  const missing = spec.functions.map((f) => f.name).filter((f) => !exported.has(f));
  if (missing.length) {
    throw new CaxtonError('CAX_TOOL_INVALID', {
      name,
      detail: `${spec.wasm} does not export ${missing.map((m) => `"${m}"`).join(', ')} (exports: ${[...exported].join(', ') || 'none'})`,
    });
  }
  return { module, sha256: createHash('sha256').update(wasm).digest('hex'), bytes: wasm.byteLength };
}
