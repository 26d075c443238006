import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { agentFiles } from '../../util/workspace.js';
import { assertError, assertJson, serveRepo } from '../../util/http.js';

// ---

const Events = suite('GET /api/v1/events');

Events('type and limit :: the newest DeploymentCompleted only', async () => {
  const s = await serveRepo(agentFiles('a'));
  try {
    assertJson(await s.call('POST', '/api/v1/deployments', {}), 201);
    s.repo.commit(agentFiles('b'));
    const latest = assertJson(await s.call('POST', '/api/v1/deployments', {}), 201);
    const list = assertJson(await s.call('GET', '/api/v1/events?type=DeploymentCompleted&limit=1'), 200);
    assert.ok(Array.isArray(list));
    assert.is(list.length, 1);
    assert.is(list[0].type, 'DeploymentCompleted');
    assert.is(list[0].deploymentId, latest.id);
    assert.equal(list[0].payload, latest, 'the terminal event carries the whole record');
    assert.match(list[0].ts, /^\d{4}-\d{2}-\d{2}T/);
    assert.type(list[0].seq, 'number');
  } finally {
    await s.close();
  }
});

Events('all events, newest first', async () => {
  const s = await serveRepo(agentFiles('a'));
  try {
    const r = assertJson(await s.call('POST', '/api/v1/deployments', {}), 201);
    const list = assertJson(await s.call('GET', '/api/v1/events'), 200);
    const seqs = list.map((e: { seq: number }) => e.seq);
    assert.equal(seqs, [...seqs].sort((a: number, b: number) => b - a));
    const types = list.map((e: { type: string }) => e.type);
    assert.is(types[0], 'DeploymentCompleted');
    assert.ok(types.includes('DeploymentInitiated'));
    assert.ok(types.includes('AgentDeployed'));
    assert.ok(types.includes('ServerStarted'));
    const mine = assertJson(await s.call('GET', `/api/v1/events?deploymentId=${r.id}`), 200);
    assert.equal(mine.map((e: { type: string }) => e.type), ['DeploymentCompleted', 'AgentDeployed', 'DeploymentInitiated']);
  } finally {
    await s.close();
  }
});

Events('a failed deployment is a DeploymentFailed event', async () => {
  const s = await serveRepo(agentFiles('a'));
  try {
    s.repo.commit({ 'agents/a/agent.toml': 'name = [' });
    const r = assertJson(await s.call('POST', '/api/v1/deployments', {}), 201);
    assert.is(r.status, 'failed');
    const list = assertJson(await s.call('GET', '/api/v1/events?type=DeploymentFailed'), 200);
    assert.equal(list.map((e: { deploymentId: string }) => e.deploymentId), [r.id]);
    assert.equal(assertJson(await s.call('GET', '/api/v1/events?type=DeploymentCompleted'), 200), []);
  } finally {
    await s.close();
  }
});

Events('a bad query :: 400 CAX_BAD_REQUEST', async () => {
  const s = await serveRepo(agentFiles('a'));
  try {
    for (const q of ["type=x';DROP TABLE events;--", 'type=Deployment%20Completed', 'limit=0', 'limit=-1', 'limit=10001', 'limit=ten']) {
      assertError(await s.call('GET', `/api/v1/events?${q}`), 400, 'CAX_BAD_REQUEST');
    }
    assert.ok(assertJson(await s.call('GET', '/api/v1/events'), 200).length > 0, 'the log is intact');
  } finally {
    await s.close();
  }
});

Events('parameters left blank (?type=&limit=) :: the defaults, as without them', async () => {
  const s = await serveRepo(agentFiles('a'));
  try {
    const all = assertJson(await s.call('GET', '/api/v1/events'), 200);
    assert.ok(all.length > 0);
    assert.equal(assertJson(await s.call('GET', '/api/v1/events?type=&limit=&deploymentId='), 200), all);
  } finally {
    await s.close();
  }
});

Events('conversationId :: every event of one conversation', async () => {
  const s = await serveRepo(agentFiles('a'));
  try {
    assertJson(await s.call('POST', '/api/v1/deployments', {}), 201);
    assertJson(await s.call('POST', '/api/v1/messages', { capability: 'a', content: 'one', conversationId: 'conv-1' }), 200);
    assertJson(await s.call('POST', '/api/v1/messages', { capability: 'a', content: 'two', conversationId: 'conv-2' }), 200);
    const list = assertJson(await s.call('GET', '/api/v1/events?conversationId=conv-1'), 200);
    assert.ok(list.length >= 3);
    assert.ok(list.every((e: { conversationId: string }) => e.conversationId === 'conv-1'));
    assert.ok(list.some((e: { type: string }) => e.type === 'MessageDelivered'));
  } finally {
    await s.close();
  }
});

Events.run();
