import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { agentFiles, toolFiles } from '../../util/workspace.js';
import { assertError, assertJson, serveRepo } from '../../util/http.js';

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
const CONTRACT_KEYS = ['deployedSha', 'deployedAt', 'agents', 'tools', 'lastDeployment', 'lock'];

// ---

const Status = suite('GET /api/v1/status');

Status('before any deployment :: nothing deployed, no lock', async () => {
  const s = await serveRepo(agentFiles('a'));
  try {
    const body = assertJson(await s.call('GET', '/api/v1/status'), 200);
    for (const key of CONTRACT_KEYS) assert.ok(key in body, `status has ${key}`);
    assert.is(body.deployedSha, null);
    assert.is(body.deployedAt, null);
    assert.equal(body.agents, []);
    assert.equal(body.tools, []);
    assert.is(body.lastDeployment, null);
    assert.is(body.lock, null);
    assert.is(body.running, null);
  } finally {
    await s.close();
  }
});

Status('after a deployment :: SHA, time, what runs and the last record', async () => {
  const s = await serveRepo({ ...agentFiles('a', { capabilities: ['chat'], tools: ['t'] }), ...toolFiles('t', ['render']) });
  try {
    const r = assertJson(await s.call('POST', '/api/v1/deployments', {}), 201);
    const body = assertJson(await s.call('GET', '/api/v1/status'), 200);
    for (const key of CONTRACT_KEYS) assert.ok(key in body, `status has ${key}`);
    assert.is(body.deployedSha, r.toSha);
    assert.match(body.deployedAt, ISO);
    assert.is(body.deploymentId, r.id);
    assert.equal(body.agents.map((a: { name: string }) => a.name), ['a']);
    assert.equal(body.agents[0].capabilities, ['chat']);
    assert.equal(body.agents[0].tools, ['t']);
    assert.is(body.agents[0].sha, r.toSha);
    assert.equal(body.tools.map((t: { name: string }) => t.name), ['t']);
    assert.equal(body.tools[0].functions.map((f: { name: string }) => f.name), ['render']);
    assert.match(body.tools[0].wasmSha256, /^[0-9a-f]{64}$/);
    assert.equal(body.lastDeployment, r);
    assert.is(body.lock, null);
    assert.equal(body.heldBack, []);
  } finally {
    await s.close();
  }
});

Status('needs a token', async () => {
  const s = await serveRepo(agentFiles('a'));
  try {
    assertError(await s.anon('GET', '/api/v1/status'), 401, 'CAX_UNAUTHORIZED');
  } finally {
    await s.close();
  }
});

Status.run();
