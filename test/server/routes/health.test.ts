import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { agentFiles, toolFiles } from '../../util/workspace.js';
import { pluginWasm } from '../../util/plugins.js';
import { assertJson, serveRepo } from '../../util/http.js';

// ---

const Health = suite('GET /health');

Health('answers 200 {"status":"ok"} without a token', async () => {
  const s = await serveRepo(agentFiles('a'));
  try {
    const res = await s.anon('GET', '/health');
    assert.equal(assertJson(res, 200), { status: 'ok' });
  } finally {
    await s.close();
  }
});

Health('ignores a wrong token', async () => {
  const s = await serveRepo(agentFiles('a'));
  try {
    const res = await s.anon('GET', '/health', undefined, { authorization: 'Bearer wrong' });
    assert.equal(assertJson(res, 200), { status: 'ok' });
  } finally {
    await s.close();
  }
});

Health('answers over real HTTP', async () => {
  const s = await serveRepo(agentFiles('a'));
  try {
    const res = await fetch(`${s.server.url}/health`);
    assert.is(res.status, 200);
    assert.equal(await res.json(), { status: 'ok' });
  } finally {
    await s.close();
  }
});

Health.run();

// ---

const Metrics = suite('GET /metrics');

const PROM_TYPE = /^text\/plain; version=0\.0\.4/;

Metrics('answers Prometheus text without a token', async () => {
  const s = await serveRepo(agentFiles('a'));
  try {
    const res = await s.anon('GET', '/metrics');
    assert.is(res.status, 200);
    assert.match(res.type, PROM_TYPE);
    assert.match(res.text, /^# HELP caxton_deployments_total /m);
    assert.match(res.text, /^# TYPE caxton_deployments_total counter$/m);
    assert.match(res.text, /^caxton_agents_deployed 0$/m);
    assert.not.match(res.text, /^caxton_deployments_total\{/m, 'no deployment counted yet');
  } finally {
    await s.close();
  }
});

Metrics('counts deployments by status and trigger', async () => {
  const s = await serveRepo(agentFiles('a'));
  try {
    assertJson(await s.call('POST', '/api/v1/deployments', {}), 201);
    s.repo.commit({ 'agents/a/agent.toml': 'name = [' });
    assert.is(assertJson(await s.call('POST', '/api/v1/deployments', { trigger: 'cli' }), 201).status, 'failed');
    const res = await s.anon('GET', '/metrics');
    assert.match(res.type, PROM_TYPE);
    assert.match(res.text, /^caxton_deployments_total\{status="succeeded",trigger="api"\} 1$/m);
    assert.match(res.text, /^caxton_deployments_total\{status="failed",trigger="cli"\} 1$/m);
    assert.match(res.text, /^caxton_deployment_duration_seconds_count\{status="succeeded"\} 1$/m);
    assert.match(res.text, /^caxton_agents_deployed 1$/m);
    assert.match(res.text, /^caxton_tools_deployed 0$/m);
  } finally {
    await s.close();
  }
});

Metrics('counts tool calls by tool and outcome, and times them', async () => {
  const s = await serveRepo({ ...agentFiles('a'), ...toolFiles('fx', ['echo', 'fails'], pluginWasm('fixture')) });
  try {
    assertJson(await s.call('POST', '/api/v1/deployments', {}), 201);
    assert.is((await s.call('POST', '/api/v1/tools/fx/call', { function: 'echo', input: { a: 1 } })).status, 200);
    assert.is((await s.call('POST', '/api/v1/tools/fx/call', { function: 'fails', input: {} })).status, 502);
    const res = await s.anon('GET', '/metrics');
    assert.match(res.text, /^# TYPE caxton_tool_calls_total counter$/m);
    assert.match(res.text, /^caxton_tool_calls_total\{tool="fx",outcome="ok"\} 1$/m);
    assert.match(res.text, /^caxton_tool_calls_total\{tool="fx",outcome="error"\} 1$/m);
    assert.match(res.text, /^caxton_tool_call_seconds_count\{tool="fx"\} 2$/m);
  } finally {
    await s.close();
  }
});

Metrics('two servers in one process keep their own counters', async () => {
  const one = await serveRepo(agentFiles('a'));
  const two = await serveRepo(agentFiles('b'));
  try {
    assertJson(await one.call('POST', '/api/v1/deployments', {}), 201);
    assert.match((await one.anon('GET', '/metrics')).text, /^caxton_deployments_total\{status="succeeded",trigger="api"\} 1$/m);
    assert.not.match((await two.anon('GET', '/metrics')).text, /^caxton_deployments_total\{/m);
  } finally {
    await one.close();
    await two.close();
  }
});

Metrics.run();
