// inspectPlugin on real bytes: a built Extism plugin, hand-made modules, and bytes that are not one.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { inspectPlugin } from '../../../server/tools/plugin-info.js';
import { pluginWasm } from '../../util/plugins.js';
import { BROKEN_WASM, wasmModule } from '../../util/wasm.js';

const Inspect = suite('inspectPlugin');

Inspect('a plugin built with the Extism PDK :: its function exports, no import the host lacks, the memory it starts with', () => {
  const info = inspectPlugin(pluginWasm('chart'));
  assert.ok(info.ok);
  if (!info.ok) return;
  assert.equal(info.exports, ['render'], 'functions only: not its memory');
  assert.is(info.otherExports?.memory, 'memory', 'which is kept apart, named by its kind');
  assert.equal(info.unsupportedImports, []);
  assert.ok(info.initialPages >= 1 && info.initialPages <= 256, String(info.initialPages));
});

Inspect('a hand-made module :: every export, no memory', () => {
  assert.equal(inspectPlugin(wasmModule(['run', 'describe'])), { ok: true, exports: ['run', 'describe'], otherExports: {}, unsupportedImports: [], initialPages: 0 });
});

Inspect('bytes that are not a module :: the compiler\'s reason, without its prefix', () => {
  const text = inspectPlugin(new TextEncoder().encode('garbage, not wasm'));
  assert.not.ok(text.ok);
  if (text.ok) return;
  assert.match(text.error, /^expected magic word 00 61 73 6d/);
  const truncated = inspectPlugin(BROKEN_WASM);
  assert.not.ok(truncated.ok);
  assert.equal(inspectPlugin(new Uint8Array()).ok, false);
});

Inspect.run();
