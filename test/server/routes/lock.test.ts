import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { agentFiles } from '../../util/workspace.js';
import { assertError, assertJson, serveRepo } from '../../util/http.js';

// ---

const Lock = suite('POST /api/v1/lock');

Lock('sets the lock and status shows it', async () => {
  const s = await serveRepo(agentFiles('a'));
  try {
    const body = assertJson(await s.call('POST', '/api/v1/lock', { reason: 'release freeze' }), 200);
    assert.is(body.lock.reason, 'release freeze');
    assert.match(body.lock.since, /^\d{4}-\d{2}-\d{2}T/);
    const status = assertJson(await s.call('GET', '/api/v1/status'), 200);
    assert.is(status.lock.reason, 'release freeze');
    assert.is(status.lock.since, body.lock.since);
    const events = assertJson(await s.call('GET', '/api/v1/events?type=DeployLocked'), 200);
    assert.is(events[0].payload.reason, 'release freeze');
  } finally {
    await s.close();
  }
});

Lock('a bad body :: 400 CAX_BAD_REQUEST and no lock', async () => {
  const s = await serveRepo(agentFiles('a'));
  try {
    for (const body of [{}, { reason: '' }, { reason: '   ' }, { reason: 5 }, { reason: 'x', until: 'later' }, { reason: 'x'.repeat(501) }]) {
      assertError(await s.call('POST', '/api/v1/lock', body), 400, 'CAX_BAD_REQUEST');
    }
    assert.is(assertJson(await s.call('GET', '/api/v1/status'), 200).lock, null);
  } finally {
    await s.close();
  }
});

Lock('while locked, webhook and action deployments answer 423 CAX_DEPLOY_LOCKED and deploy nothing', async () => {
  const s = await serveRepo(agentFiles('a'));
  try {
    assertJson(await s.call('POST', '/api/v1/lock', { reason: 'incident 42' }), 200);
    for (const trigger of ['webhook', 'action']) {
      const e = assertError(await s.call('POST', '/api/v1/deployments', { trigger }), 423, 'CAX_DEPLOY_LOCKED');
      assert.is(e.lock.reason, 'incident 42');
    }
    assert.is(s.server.deployer.snapshot, null);
    assert.equal(assertJson(await s.call('GET', '/api/v1/deployments'), 200), []);
    const refused = assertJson(await s.call('GET', '/api/v1/events?type=DeployRefused'), 200);
    assert.equal(refused.map((e: { payload: { trigger: string } }) => e.payload.trigger), ['action', 'webhook']);
  } finally {
    await s.close();
  }
});

Lock('while locked, cli deployments, dry runs and rollbacks still work', async () => {
  const s = await serveRepo(agentFiles('a'));
  try {
    const one = assertJson(await s.call('POST', '/api/v1/deployments', {}), 201);
    assertJson(await s.call('POST', '/api/v1/lock', { reason: 'freeze' }), 200);
    s.repo.commit(agentFiles('b'));
    const two = assertJson(await s.call('POST', '/api/v1/deployments', { trigger: 'cli' }), 201);
    assert.is(two.status, 'succeeded');
    assert.is(two.trigger, 'cli');
    assert.is(assertJson(await s.call('POST', '/api/v1/deployments', { trigger: 'webhook', dryRun: true }), 200).dryRun, true);
    const back = assertJson(await s.call('POST', '/api/v1/rollback', {}), 201);
    assert.is(back.toSha, one.toSha);
    assert.is(assertJson(await s.call('GET', '/api/v1/status'), 200).lock.reason, 'freeze', 'still locked');
  } finally {
    await s.close();
  }
});

Lock('the lock survives a restart', async () => {
  const s = await serveRepo(agentFiles('a'));
  let again;
  try {
    assertJson(await s.call('POST', '/api/v1/lock', { reason: 'maintenance' }), 200);
    await s.close({ keep: true });
    again = await serveRepo({}, { existing: s.repo, dataDir: s.dataDir });
    assert.is(assertJson(await again.call('GET', '/api/v1/status'), 200).lock.reason, 'maintenance');
    assertError(await again.call('POST', '/api/v1/deployments', { trigger: 'webhook' }), 423, 'CAX_DEPLOY_LOCKED');
  } finally {
    if (again) await again.close();
    else await s.close();
  }
});

Lock.run();

// ---

const Unlock = suite('DELETE /api/v1/lock');

Unlock('lifts the lock; webhook deployments work again', async () => {
  const s = await serveRepo(agentFiles('a'));
  try {
    assertJson(await s.call('POST', '/api/v1/lock', { reason: 'freeze' }), 200);
    assert.equal(assertJson(await s.call('DELETE', '/api/v1/lock'), 200), { lock: null });
    assert.is(assertJson(await s.call('GET', '/api/v1/status'), 200).lock, null);
    const r = assertJson(await s.call('POST', '/api/v1/deployments', { trigger: 'webhook' }), 201);
    assert.is(r.trigger, 'webhook');
    assert.is(r.status, 'succeeded');
    assert.is(assertJson(await s.call('GET', '/api/v1/events?type=DeployUnlocked'), 200).length, 1);
  } finally {
    await s.close();
  }
});

Unlock('without a lock is a no-op answer', async () => {
  const s = await serveRepo(agentFiles('a'));
  try {
    assert.equal(assertJson(await s.call('DELETE', '/api/v1/lock'), 200), { lock: null });
  } finally {
    await s.close();
  }
});

Unlock.run();
