import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { createSandbox, isSandboxed, preopens, type SandboxedTool, type SandboxOptions } from '../../../server/tools/sandbox.js';
import { pluginWasm, toolSpec, type ToolOpts } from '../../util/plugins.js';
import { hangingStartModule, wasmModule } from '../../util/wasm.js';
import { rm, tmpDir } from '../../util/tmp.js';
import { rejection } from '../../util/promises.js';

interface Recorded {
  type: string;
  payload: any;
}

function recorder() {
  const events: Recorded[] = [];
  return { events, sink: { append: (type: string, payload: unknown) => void events.push({ type, payload }), flush: async () => {} } };
}

const tools: SandboxedTool[] = [];
async function makeTool(name: string, o: ToolOpts & { plugin?: string; sandbox?: SandboxOptions; wasm?: Uint8Array } = {}): Promise<SandboxedTool> {
  const { createTool } = createSandbox({ pool: { min: 1, max: 2 }, ...o.sandbox });
  const t = (await createTool({ name, spec: toolSpec(name, o), wasm: o.wasm ?? pluginWasm(o.plugin ?? 'fixture'), sha: 'test' })) as SandboxedTool;
  tools.push(t);
  return t;
}
async function disposeAll(): Promise<void> {
  await Promise.all(tools.splice(0).map((t) => t.dispose()));
}

const call = (t: SandboxedTool, fn: string, input: unknown = {}) => t.invoke(fn, input, { agent: null });

// ---

const Calls = suite('createSandbox :: calls');
Calls.after(disposeAll);

Calls('answers with the plugin output (JSON) and the duration', async () => {
  const { events, sink } = recorder();
  const t = await makeTool('fx', { sandbox: { events: sink } });
  const input = { text: 'héllo "world"\n', n: [1, 2.5, -3e-7], nested: { ok: true, none: null } };
  const r = await call(t, 'echo', input);
  assert.equal(r.output, input);
  assert.type(r.durationMs, 'number');
  assert.ok(r.durationMs >= 0);
  const roundtrip = await call(t, 'roundtrip', input);
  assert.equal(roundtrip.output, input, 'the plugins’ JSON library round-trips');
  const done = events.filter((e) => e.type === 'ToolExecuted');
  assert.is(done.length, 2);
  assert.is(done[0]!.payload.tool, 'fx');
  assert.is(done[0]!.payload.fn, 'echo');
  assert.type(done[0]!.payload.memoryPages, 'number');
  assert.is(done[0]!.payload.outputBytes, Buffer.byteLength(JSON.stringify(input)));
});

Calls('records the SHA-256 of the wasm bytes', async () => {
  const wasm = pluginWasm('fixture');
  const t = await makeTool('fx', { wasm });
  assert.is(t.sha256, createHash('sha256').update(wasm).digest('hex'));
  assert.ok(isSandboxed(t));
});

Calls('refuses input that breaks the input_schema before the plugin runs', async () => {
  const { events, sink } = recorder();
  const t = await makeTool('fx', {
    functions: [{ name: 'spin', input_schema: { type: 'object', required: ['n'], properties: { n: { type: 'integer' } }, additionalProperties: false } }],
    limits: { timeout_ms: 5000 },
    sandbox: { events: sink },
  });
  const started = Date.now();
  const e = await rejection(call(t, 'spin', { m: 'x' }));
  assert.is(e.code, 'CAX_TOOL_INPUT_INVALID');
  assert.is(e.status, 400);
  assert.ok(Date.now() - started < 1000, 'answered at once: the looping plugin never ran');
  const issues = e.details.issues as Array<{ path: string; message: string }>;
  assert.equal(issues, [
    { path: '/', message: 'n is missing' },
    { path: '/', message: 'm is not allowed: the input_schema has no such property' },
  ]);
  assert.equal(events.map((x) => [x.type, x.payload.reason]), [['ToolExecutionFailed', 'schema']]);
});

Calls('input that breaks the input_schema :: each problem in plain words, naming the argument (none given, a wrong type, a value not allowed), not ajv\'s "/ must be object,array"', async () => {
  const t = await makeTool('fx', {
    functions: [{ name: 'echo', input_schema: { type: ['object', 'array'], properties: { rows: { type: 'array' }, opts: { type: 'object', required: ['format'], properties: { format: { enum: ['csv', 'json'] }, limit: { type: 'integer', minimum: 0 } } } } } }],
  });
  const refused = async (input: unknown) => {
    const e = await rejection(t.invoke('echo', input, { agent: null }));
    assert.is(e.code, 'CAX_TOOL_INPUT_INVALID');
    return Object.assign(e, { details: e.details as { issues: Array<{ path: string; message: string }> } });
  };
  const none = await refused(undefined);
  assert.equal(none.details.issues, [{ path: '/', message: 'input is missing: it must be an object or an array' }]);
  assert.is(none.message, 'The input does not match the input_schema of fx.echo: input is missing: it must be an object or an array');
  assert.equal((await refused('rows')).details.issues, [{ path: '/', message: 'input must be an object or an array, not a string' }]);
  assert.equal((await refused(null)).details.issues, [{ path: '/', message: 'input must be an object or an array, not null' }]);
  const deep = await refused({ rows: true, opts: { format: 'xml', limit: 1.5 } });
  assert.equal(deep.details.issues.map((i) => i.message), [
    'rows must be an array, not true',
    'opts.format must be one of "csv", "json", not "xml"',
    'opts.limit must be an integer, not a number (1.5)',
  ]);
  assert.equal((await refused({ opts: { limit: -1 } })).details.issues.map((i) => `${i.path} ${i.message}`), ['/opts opts.format is missing', '/opts/limit opts.limit must be >= 0']);
});

Calls('a function the manifest does not list is not found', async () => {
  const t = await makeTool('fx', { functions: ['echo'] });
  const e = await rejection(call(t, 'spin'));
  assert.is(e.code, 'CAX_TOOL_FUNCTION_NOT_FOUND');
  assert.is(e.status, 404);
});

Calls('an error the plugin reports fails the call with its message', async () => {
  const t = await makeTool('fx');
  const e = await rejection(call(t, 'fails', 'why'));
  assert.is(e.code, 'CAX_TOOL_FAILED');
  assert.match(e.message, /this function always fails: "why"/);
  const thrown = await rejection(call(t, 'throws'));
  assert.is(thrown.code, 'CAX_TOOL_FAILED');
  assert.match(thrown.message, /thrown on purpose/);
});

Calls('a trap fails the call and a fresh worker answers the next one', async () => {
  const t = await makeTool('fx');
  const e = await rejection(call(t, 'trap'));
  assert.is(e.code, 'CAX_TOOL_FAILED');
  assert.is(e.details.reason, 'trap');
  assert.equal((await call(t, 'echo', { again: 1 })).output, { again: 1 });
});

Calls('passes the manifest config to the plugin', async () => {
  const t = await makeTool('fx', { config: { greeting: 'hello' } });
  assert.equal((await call(t, 'config', { key: 'greeting' })).output, { greeting: 'hello' });
  assert.equal((await call(t, 'config', { key: 'other' })).output, { other: null });
});

Calls.run();

// ---

const Limits = suite('createSandbox :: limits');
Limits.after(disposeAll);

Limits('stops an infinite loop at its time-out while other calls keep being answered', async () => {
  const { events, sink } = recorder();
  // both workers started before the clock runs: a cold start under load is not what this measures
  const looping = await makeTool('looping', { limits: { timeout_ms: 400 }, sandbox: { events: sink, pool: { min: 2, max: 2 }, warmup: 'await' } });
  const other = await makeTool('other', { sandbox: { warmup: 'await' } });
  const started = performance.now();
  const spin = rejection(call(looping, 'spin'));
  const answered: number[] = [];
  // While the loop runs: the same tool (its second worker) and another tool keep answering.
  for (let i = 0; i < 10; i++) {
    const t0 = performance.now();
    assert.equal((await call(other, 'echo', { i })).output, { i });
    assert.equal((await call(looping, 'echo', { i })).output, { i });
    answered.push(performance.now() - t0);
  }
  const e = await spin;
  const took = performance.now() - started;
  assert.is(e.code, 'CAX_TOOL_LIMIT');
  assert.is(e.status, 422);
  assert.is(e.details.limit, 'timeout');
  assert.ok(took >= 390 && took < 900, `stopped after ${took.toFixed(0)} ms (limit 400)`);
  assert.ok(answered.every((ms) => ms < 390), `calls during the loop took ${answered.map((x) => x.toFixed(1)).join(', ')} ms`);
  assert.equal((await call(looping, 'echo', { after: true })).output, { after: true }, 'the tool still answers');
  const failed = events.find((x) => x.type === 'ToolExecutionFailed');
  assert.is(failed?.payload.reason, 'timeout');
});

Limits('each call gets its whole time-out: a loop that starts on a worker after an earlier call runs its full limit, then stops', async () => {
  const t = await makeTool('late', { limits: { timeout_ms: 400 }, sandbox: { pool: { min: 1, max: 1 }, warmup: 'await' } });
  assert.equal((await call(t, 'echo', { first: true })).output, { first: true });
  // the worker's deadline timer was set for the first call; the loop starts well after it
  await new Promise((r) => setTimeout(r, 250));
  const started = performance.now();
  const e = await rejection(call(t, 'spin'));
  const took = performance.now() - started;
  assert.is(e.details.limit, 'timeout');
  assert.ok(took >= 390 && took < 900, `stopped after ${took.toFixed(0)} ms (limit 400, counted from its own start)`);
  assert.equal((await call(t, 'echo', { after: true })).output, { after: true }, 'a fresh worker answers');
});

Limits('calls that queued behind a looping call are handed to another worker, each answered once', async () => {
  const t = await makeTool('busy', { limits: { timeout_ms: 1500 }, sandbox: { pool: { min: 2, max: 2 }, warmup: 'await' } });
  const started = performance.now();
  const spin = rejection(call(t, 'spin'));
  const answers = await Promise.all(Array.from({ length: 24 }, (_, i) => call(t, 'echo', { i }).then((r) => ({ r, ms: performance.now() - started }))));
  assert.equal(answers.map((a) => a.r.output), Array.from({ length: 24 }, (_, i) => ({ i })));
  const slowest = Math.max(...answers.map((a) => a.ms));
  assert.ok(slowest < 700, `all answered in ${slowest.toFixed(0)} ms, long before the loop's time-out`);
  assert.is((await spin).details.limit, 'timeout');
});

Limits('a cancelled call (the agent gave up) stops its worker at once; the tool answers the next call; it is recorded as cancelled, not as the tool failing', async () => {
  const { events, sink } = recorder();
  const outcomes: string[] = [];
  const t = await makeTool('cancel', { limits: { timeout_ms: 10_000 }, sandbox: { events: sink, onCall: (c) => void outcomes.push(c.outcome) } });
  const started = performance.now();
  const e = await rejection(t.invoke('spin', {}, { agent: 'someone', signal: AbortSignal.timeout(150) }));
  assert.is(e.code, 'CAX_TOOL_UNAVAILABLE');
  assert.match(e.message, /cancelled/);
  assert.ok(performance.now() - started < 1500, 'long before the 10 s limit');
  assert.equal((await call(t, 'echo', { next: 1 })).output, { next: 1 });
  assert.equal(events.filter((x) => x.type === 'ToolExecutionFailed').map((x) => x.payload.reason), ['cancelled']);
  assert.equal(outcomes, ['cancelled', 'ok'], 'the metrics outcome too');
  assert.is(t.status().failures, 0);
});

Limits('caps a memory hog at memory_mb', async () => {
  const { events, sink } = recorder();
  const t = await makeTool('hungry', { limits: { memory_mb: 8 }, sandbox: { events: sink } });
  const e = await rejection(call(t, 'hog'));
  assert.is(e.code, 'CAX_TOOL_LIMIT');
  assert.is(e.details.limit, 'memory');
  assert.is(e.details.value, 8);
  const failed = events.find((x) => x.type === 'ToolExecutionFailed');
  assert.is(failed?.payload.reason, 'memory');
  assert.ok(failed!.payload.memoryPages <= 128, `memory stayed within 8 MiB (${failed!.payload.memoryPages} pages)`);
  // memory.grow itself is refused past the cap.
  const grown = (await call(t, 'grow')).output as { pages: number };
  assert.ok(grown.pages <= 128 && grown.pages > 100, `grew to ${grown.pages} pages`);
});

Limits('caps the output at max_output_bytes', async () => {
  const t = await makeTool('chatty', { limits: { max_output_bytes: 1000 } });
  assert.is(((await call(t, 'big', { bytes: 900 })).output as string).length, 898);
  const e = await rejection(call(t, 'big', { bytes: 5000 }));
  assert.is(e.code, 'CAX_TOOL_LIMIT');
  assert.is(e.details.limit, 'output');
  assert.match(e.message, /5000 bytes/);
});

Limits.run();

// ---

const Deny = suite('createSandbox :: deny by default');
let server: http.Server | undefined;
let port = 0;
let hits = 0;
let dir = '';
Deny.before(async () => {
  server = http.createServer((_req, res) => {
    hits++;
    res.end('{"rows":[1,2,3]}');
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
  port = (server.address() as AddressInfo).port;
  dir = tmpDir('caxton-files-');
  fs.writeFileSync(path.join(dir, 'data.csv'), 'a,b\n1,2\n');
});
Deny.after(async () => {
  await disposeAll();
  await new Promise<void>((r) => server!.close(() => r()));
  rm(dir);
});

Deny('HTTP: no host is reachable unless allowed_hosts lists it', async () => {
  const { events, sink } = recorder();
  const closed = await makeTool('closed', { sandbox: { events: sink } });
  const e = await rejection(call(closed, 'http_get', { url: `http://127.0.0.1:${port}/data` }));
  assert.is(e.code, 'CAX_TOOL_ACCESS_DENIED');
  assert.is(e.status, 403);
  assert.is(hits, 0, 'no request left the sandbox');
  assert.is(events.find((x) => x.type === 'ToolExecutionFailed')?.payload.reason, 'permission');

  const open = await makeTool('open', { allowed_hosts: ['127.0.0.1'] });
  const r = (await call(open, 'http_get', { url: `http://127.0.0.1:${port}/data` })).output as { status: number; body: string };
  assert.is(r.status, 200);
  assert.is(r.body, '{"rows":[1,2,3]}');
  assert.is(hits, 1);
  const other = await rejection(call(open, 'http_get', { url: `http://localhost:${port}/data` }));
  assert.is(other.code, 'CAX_TOOL_ACCESS_DENIED', 'only the listed host');
  assert.is(hits, 1);
  // an allowed host that does not answer: the reason, not only fetch's "fetch failed"
  const gone = await new Promise<number>((resolve) => {
    const srv = http.createServer().listen(0, '127.0.0.1', () => {
      const p = (srv.address() as AddressInfo).port;
      srv.close(() => resolve(p));
    });
  });
  const refused = await rejection(call(open, 'http_get', { url: `http://127.0.0.1:${gone}/data` }));
  assert.match(refused.message, /HTTP request to 127\.0\.0\.1 failed: fetch failed \(ECONNREFUSED\)/);
});

Deny('files: nothing is readable unless allowed_paths grants a directory', async () => {
  const closed = await makeTool('closed-fs', { plugin: 'fs-probe', functions: ['read_file'] });
  const e = await rejection(call(closed, 'read_file', { path: 'data.csv' }));
  assert.is(e.code, 'CAX_TOOL_FAILED');
  assert.match(e.message, /cannot open data\.csv: errno 8/, 'EBADF: no directory is preopened');

  const open = await makeTool('open-fs', { plugin: 'fs-probe', functions: ['read_file'], allowed_paths: { [dir]: '/data' } });
  assert.equal((await call(open, 'read_file', { path: 'data.csv' })).output, { content: 'a,b\n1,2\n' });
  const escape = await rejection(call(open, 'read_file', { path: '../../etc/passwd' }));
  assert.match(escape.message, /errno 76/, 'ENOTCAPABLE outside the granted directory');
});

Deny('preopens: host → guest in the manifest becomes guest → host, relative to the base', () => {
  assert.equal(preopens({ data: '/data', '/abs': '/x' }, '/srv/ws'), { '/data': '/srv/ws/data', '/x': '/abs' });
});

Deny.run();

// ---

const Quarantine = suite('createSandbox :: quarantine');
Quarantine.after(disposeAll);

Quarantine('a tool that breaks its limits 3 times in the window is quarantined with the reason', async () => {
  const { events, sink } = recorder();
  const t = await makeTool('flaky', { limits: { max_output_bytes: 100 }, sandbox: { events: sink } });
  for (let i = 0; i < 3; i++) assert.is((await rejection(call(t, 'big', { bytes: 500 }))).code, 'CAX_TOOL_LIMIT');
  const q = events.filter((x) => x.type === 'ToolQuarantined');
  assert.is(q.length, 1);
  assert.is(q[0]!.payload.tool, 'flaky');
  assert.is(q[0]!.payload.violations, 3);
  const e = await rejection(call(t, 'echo', { fine: true }));
  assert.is(e.code, 'CAX_TOOL_QUARANTINED');
  assert.match(e.message, /3 limit violations within 60 s/);
  assert.ok(t.status().quarantined);
  assert.is(events.at(-1)?.payload.reason, 'quarantined');
  // A new instance (what a deployment that changes the tool builds) starts clean.
  const fresh = await makeTool('flaky', { limits: { max_output_bytes: 100 } });
  assert.equal((await call(fresh, 'echo', { fine: true })).output, { fine: true });
  assert.is(fresh.status().quarantined, null);
});

Quarantine('errors the plugin reports and schema failures do not count; violations outside the window expire', async () => {
  let now = 0;
  const t = await makeTool('slow-burn', { limits: { max_output_bytes: 100 }, sandbox: { now: () => now, quarantine: { violations: 2, windowMs: 1000 } } });
  await rejection(call(t, 'fails'));
  await rejection(call(t, 'fails'));
  await rejection(call(t, 'big', { bytes: 500 }));
  now = 1500;
  await rejection(call(t, 'big', { bytes: 500 }));
  assert.is(t.status().quarantined, null);
  now = 1600;
  await rejection(call(t, 'big', { bytes: 500 }));
  assert.ok(t.status().quarantined);
});

Quarantine('tool.toml sets its own policy: [limits] quarantine_after and quarantine_window_ms', async () => {
  const strict = await makeTool('strict', { limits: { max_output_bytes: 100, quarantine_after: 1, quarantine_window_ms: 5000 } });
  assert.is((await rejection(call(strict, 'big', { bytes: 500 }))).code, 'CAX_TOOL_LIMIT');
  const e = await rejection(call(strict, 'echo', { fine: true }));
  assert.is(e.code, 'CAX_TOOL_QUARANTINED');
  assert.match(e.message, /1 limit violations within 5 s/);
  const lenient = await makeTool('lenient', { limits: { max_output_bytes: 100, quarantine_after: 10 } });
  for (let i = 0; i < 5; i++) await rejection(call(lenient, 'big', { bytes: 500 }));
  assert.is(lenient.status().quarantined, null);
});

Quarantine.run();

// ---

const Deploy = suite('createSandbox :: createTool');
Deploy.after(disposeAll);

Deploy('a plugin whose start-up never ends is stopped: calls answer CAX_TOOL_UNAVAILABLE saying so, and its status says it cannot run', async () => {
  const t = await makeTool('hang', { functions: ['run'], wasm: hangingStartModule(), limits: { timeout_ms: 100 }, sandbox: { pool: { min: 1, max: 1, startTimeoutMs: 150 } } });
  const started = performance.now();
  const e = await rejection(call(t, 'run'));
  assert.is(e.code, 'CAX_TOOL_UNAVAILABLE');
  assert.match(e.message, /start-up .* ran past 150 ms/);
  assert.ok(performance.now() - started < 5000, 'three starts of 150 ms, not forever');
  const status = t.status();
  assert.is(status.workers, 0, 'no thread left spinning');
  assert.match(status.unavailable ?? '', /^the plugin does not start: its start-up/);
});

Deploy('a schema with an $id deploys again and again (a redeployment, a rollback): the compiler forgets it after each build', async () => {
  const functions = [{ name: 'echo', input_schema: { $id: 'https://example.com/echo.json', type: 'object' } }];
  for (let i = 0; i < 3; i++) {
    const t = await makeTool(`id-${i}`, { functions });
    assert.equal((await call(t, 'echo', { i })).output, { i });
  }
});

Deploy('a plugin that lacks a function the manifest names is refused', async () => {
  const e = await rejection(makeTool('fx', { functions: ['echo', 'missing_fn'] }));
  assert.is(e.code, 'CAX_TOOL_INVALID');
  assert.match(e.message, /missing_fn/);
});

Deploy('a plugin that imports what the host does not provide is refused at deployment', async () => {
  // (module (import "env" "launch_missiles" (func)) (export "run" (func 0)))
  const wasm = new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x02, 0x17, 0x01, 0x03, 0x65, 0x6e, 0x76, 0x0f,
    ...new TextEncoder().encode('launch_missiles'), 0x00, 0x00, 0x07, 0x07, 0x01, 0x03, 0x72, 0x75, 0x6e, 0x00, 0x00,
  ]);
  const e = await rejection(makeTool('fx', { functions: ['run'], wasm }));
  assert.is(e.code, 'CAX_TOOL_INVALID');
  assert.match(e.message, /env\.launch_missiles/);
});

Deploy('an input_schema that is not a JSON Schema is refused', async () => {
  const e = await rejection(makeTool('fx', { functions: [{ name: 'echo', input_schema: { type: 'no-such-type' } }] }));
  assert.is(e.code, 'CAX_TOOL_INVALID');
  assert.match(e.message, /input_schema of function "echo"/);
});

Deploy('a module without memory (hand-made) runs too', async () => {
  const t = await makeTool('bare', { functions: ['run'], wasm: wasmModule(['run']) });
  assert.is((await call(t, 'run')).output, null);
});

Deploy('a function that returns other than 0 without an error fails (Extism: 0 is success)', async () => {
  const { events, sink } = recorder();
  const t = await makeTool('rc', { functions: ['run'], wasm: wasmModule(['run'], 3), sandbox: { events: sink } });
  for (let i = 0; i < 2; i++) {
    const e = await rejection(call(t, 'run'));
    assert.is(e.code, 'CAX_TOOL_FAILED');
    assert.is(e.details?.reason, 'error');
    assert.match(e.message, /run returned 3 \(not 0: a failure\) without an error message/);
  }
  const failed = events.filter((x) => x.type === 'ToolExecutionFailed');
  assert.is(failed.length, 2);
  assert.is(failed[0]!.payload.reason, 'error');
  assert.is((await call(await makeTool('rc0', { functions: ['run'], wasm: wasmModule(['run'], 0) }), 'run')).output, null, 'and 0 is success');
});

Deploy('dispose ends the workers; later calls are refused as unavailable', async () => {
  const t = await makeTool('fx', { sandbox: { warmup: 'await' } });
  assert.is(t.status().workers, 1);
  await t.dispose();
  assert.is(t.status().workers, 0);
  const e = await rejection(call(t, 'echo'));
  assert.is(e.code, 'CAX_TOOL_UNAVAILABLE');
});

Deploy.run();
