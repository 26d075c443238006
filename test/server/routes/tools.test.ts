import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Files } from '../../util/repo.js';
import { agentFiles } from '../../util/workspace.js';
import { pluginToolFiles, type ToolOpts } from '../../util/plugins.js';
import { assertError, assertJson, deployed, type Served } from '../../util/http.js';

const FX: ToolOpts = {
  limits: { timeout_ms: 300, max_output_bytes: 1000 },
  functions: ['echo', 'spin', 'big', 'http_get'],
};

/** The fixture plugin as tool "fx", an agent that lists it (and echoes through it), one that does not. */
function workspace(fx: ToolOpts = FX): Files {
  return {
    ...pluginToolFiles('fx', fx),
    ...agentFiles('caller', {
      capabilities: ['echo-back'],
      tools: ['fx'],
      extra: { behavior: { steps: [{ id: 'e', tool: 'fx', function: 'echo', input: { said: '{{content}}' } }], reply: 'echoed {{steps.e.output.said}}' } },
    }),
    ...agentFiles('stranger', { capabilities: ['nothing'] }),
  };
}

/** The same, with an input_schema on echo. */
const WITH_SCHEMA: ToolOpts = {
  ...FX,
  functions: ['spin', 'big', 'http_get', { name: 'echo', input_schema: { type: 'object', required: ['n'], properties: { n: { type: 'number' } } } }],
};

// ---

const Call = suite('POST /api/v1/tools/:name/call');
let s: Served;
Call.before(async () => {
  s = await deployed(workspace(WITH_SCHEMA));
});
Call.after(() => s.close());

Call('200 with the output and the duration', async () => {
  const r = assertJson(await s.call('POST', '/api/v1/tools/fx/call', { function: 'echo', input: { n: 1, text: 'hé' } }), 200);
  assert.equal(r.output, { n: 1, text: 'hé' });
  assert.type(r.durationMs, 'number');
});

Call('with an agent that lists the tool :: 200; one that does not, or one that is not deployed :: 403', async () => {
  assertJson(await s.call('POST', '/api/v1/tools/fx/call', { function: 'echo', input: { n: 2 }, agent: 'caller' }), 200);
  const e = assertError(await s.call('POST', '/api/v1/tools/fx/call', { function: 'echo', input: { n: 2 }, agent: 'stranger' }), 403, 'CAX_TOOL_NOT_PERMITTED');
  assert.match(e.message, /"stranger" may not call tool "fx"/);
  const unknown = assertError(await s.call('POST', '/api/v1/tools/fx/call', { function: 'echo', input: { n: 2 }, agent: 'calller' }), 403, 'CAX_TOOL_NOT_PERMITTED');
  assert.is(unknown.message, 'Agent "calller" may not call tool "fx": no agent of that name is deployed');
  assert.is(unknown.suggestions[0], 'Did you mean "caller"?');
  const ev = assertJson(await s.call('GET', '/api/v1/events?type=ToolExecutionFailed&limit=5'), 200);
  assert.equal(ev.filter((x: any) => x.payload.reason === 'permission').map((x: any) => x.payload.agent).sort(), ['calller', 'stranger'], 'each refusal is an event');
});

Call('an input nested deeper than 100 levels :: 400 before any call', async () => {
  const deep = `{"function": "echo", "input": ${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}}`;
  const e = assertError(await s.call('POST', '/api/v1/tools/fx/call', deep), 400, 'CAX_BAD_REQUEST');
  assert.match(e.message, /input: nests deeper than 100 levels/);
});

Call('stopped by a limit :: 422 naming the limit', async () => {
  const started = Date.now();
  const e = assertError(await s.call('POST', '/api/v1/tools/fx/call', { function: 'spin', input: {} }), 422, 'CAX_TOOL_LIMIT');
  assert.is(e.limit, 'timeout');
  assert.is(e.value, 300);
  assert.ok(Date.now() - started < 1500);
  const out = assertError(await s.call('POST', '/api/v1/tools/fx/call', { function: 'big', input: { bytes: 5000 } }), 422, 'CAX_TOOL_LIMIT');
  assert.is(out.limit, 'output');
  assertJson(await s.call('GET', '/health'), 200);
});

Call('input that breaks the schema :: 400 with the problems', async () => {
  const e = assertError(await s.call('POST', '/api/v1/tools/fx/call', { function: 'echo', input: { n: 'one' } }), 400, 'CAX_TOOL_INPUT_INVALID');
  assert.equal(e.issues, [{ path: '/n', message: 'n must be a number, not a string' }]);
});

Call('a plugin reaching a host it was not granted :: 403', async () => {
  const e = assertError(await s.call('POST', '/api/v1/tools/fx/call', { function: 'http_get', input: { url: 'http://127.0.0.1:9/' } }), 403, 'CAX_TOOL_ACCESS_DENIED');
  assert.match(e.message, /not in allowed_hosts/);
});

Call('unknown tool, unknown function, bad name, bad body, no token', async () => {
  assertError(await s.call('POST', '/api/v1/tools/nope/call', { function: 'echo', input: {} }), 404, 'CAX_NOT_FOUND');
  assertError(await s.call('POST', '/api/v1/tools/fx/call', { function: 'nope', input: {} }), 404, 'CAX_TOOL_FUNCTION_NOT_FOUND');
  assertError(await s.call('POST', '/api/v1/tools/Bad_Name/call', { function: 'echo' }), 400, 'CAX_INVALID_NAME');
  assertError(await s.call('POST', '/api/v1/tools/fx/call', { input: {} }), 400, 'CAX_BAD_REQUEST');
  assertError(await s.call('POST', '/api/v1/tools/fx/call', { function: 'echo', extra: 1 }), 400, 'CAX_BAD_REQUEST');
  assertError(await s.anon('POST', '/api/v1/tools/fx/call', { function: 'echo', input: {} }), 401, 'CAX_UNAUTHORIZED');
});

Call.run();

// ---

const Agents = suite('agents call tools through the sandbox');
let a: Served;
Agents.before(async () => {
  a = await deployed(workspace());
});
Agents.after(() => a.close());

Agents('an offline agent’s tool step runs the plugin', async () => {
  const r = assertJson(await a.call('POST', '/api/v1/messages', { capability: 'echo-back', content: 'ping' }), 200);
  assert.is(r.handledBy, 'caller');
  assert.is(r.reply, 'echoed ping');
  const ev = assertJson(await a.call('GET', '/api/v1/events?type=ToolExecuted&limit=5'), 200);
  assert.ok(ev.some((x: any) => x.payload.tool === 'fx' && x.payload.agent === 'caller'));
});

Agents.run();

// ---

const Quarantine = suite('quarantine across deployments');
let q: Served;
Quarantine.before(async () => {
  q = await deployed(workspace());
});
Quarantine.after(() => q.close());

const over = () => q.call('POST', '/api/v1/tools/fx/call', { function: 'big', input: { bytes: 5000 } });
const echo = () => q.call('POST', '/api/v1/tools/fx/call', { function: 'echo', input: { ok: true } });

Quarantine('3 limit violations quarantine the tool; an unrelated deployment keeps it quarantined; changing the tool clears it', async () => {
  for (let i = 0; i < 3; i++) assertError(await over(), 422, 'CAX_TOOL_LIMIT');
  const e = assertError(await echo(), 503, 'CAX_TOOL_QUARANTINED');
  assert.match(e.message, /quarantined since .*: 3 limit violations/);
  const listed = assertJson(await q.call('GET', '/api/v1/tools'), 200);
  assert.ok(listed.find((t: any) => t.name === 'fx').status.quarantined, 'GET /tools shows it');
  const events = assertJson(await q.call('GET', '/api/v1/events?type=ToolQuarantined'), 200);
  assert.is(events.length, 1);
  assert.is(events[0].payload.tool, 'fx');

  // A deployment that leaves tools/fx/ unchanged keeps the same instance, and its record.
  q.repo.commit(agentFiles('stranger', { capabilities: ['nothing', 'more'] }));
  assertJson(await q.call('POST', '/api/v1/deployments', {}), 201);
  assertError(await echo(), 503, 'CAX_TOOL_QUARANTINED');

  // Changing the tool deploys a new instance, which starts clean.
  q.repo.commit(pluginToolFiles('fx', { ...FX, description: 'fixed' }));
  const d = assertJson(await q.call('POST', '/api/v1/deployments', {}), 201);
  assert.equal(d.changes.modified.map((m: any) => [m.kind, m.name]), [['tool', 'fx']]);
  assert.equal(assertJson(await echo(), 200).output, { ok: true });
});

Quarantine('GET /api/v1/analytics/tools :: calls, failure rate, p50/p95, reasons, quarantines', async () => {
  const stats = assertJson(await q.call('GET', '/api/v1/analytics/tools'), 200);
  assert.is(stats.windowSeconds, 3600);
  const fx = stats.tools.find((t: any) => t.tool === 'fx');
  assert.ok(fx, JSON.stringify(stats));
  assert.is(fx.failed, 5, '3 output violations and 2 quarantine refusals');
  assert.is(fx.failures.output, 3);
  assert.is(fx.failures.quarantined, 2);
  assert.is(fx.succeeded, 1);
  assert.is(fx.calls, 6);
  assert.is(fx.failureRate, Math.round((5 / 6) * 10_000) / 10_000);
  assert.type(fx.p50Ms, 'number');
  assert.type(fx.p95Ms, 'number');
  assert.is(fx.quarantines, 1);
  assertError(await q.call('GET', '/api/v1/analytics/tools?windowSeconds=0'), 400, 'CAX_BAD_REQUEST');
});

Quarantine.run();
