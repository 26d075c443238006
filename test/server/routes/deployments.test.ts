import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { basicFactory } from '../../../server/deploy/basic-factory.js';
import type { RuntimeFactory } from '../../../server/deploy/runtime-factory.js';
import { DeploymentPlan, DeploymentRecord } from '../../../server/deploy/record.js';
import { agentFiles, toolFiles } from '../../util/workspace.js';
import { captureLogs } from '../../util/server.js';
import { assertError, assertJson, gate, serveRepo } from '../../util/http.js';
import { until } from '../../util/promises.js';

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
const BROKEN_AGENT = { 'agents/a/agent.toml': 'name = "a"\ncapabilites = ["x"]\n' };

// ---

const Post = suite('POST /api/v1/deployments');

Post('deploys HEAD and answers 201 with the record', async () => {
  const s = await serveRepo({ ...agentFiles('a'), ...toolFiles('t') });
  try {
    const r = assertJson(await s.call('POST', '/api/v1/deployments', {}), 201);
    DeploymentRecord.parse(r);
    for (const key of ['id', 'ref', 'fromSha', 'toSha', 'status', 'trigger', 'changes', 'errors', 'startedAt', 'durationMs']) {
      assert.ok(key in r, `record has ${key}`);
    }
    assert.type(r.id, 'string');
    assert.is(r.ref, 'HEAD');
    assert.is(r.fromSha, null);
    assert.is(r.toSha, s.repo.head());
    assert.is(r.status, 'succeeded');
    assert.is(r.trigger, 'api');
    assert.equal(r.changes.added.map((c: { kind: string; name: string }) => `${c.kind}:${c.name}`).sort(), ['agent:a', 'tool:t']);
    assert.equal(r.changes.modified, []);
    assert.equal(r.changes.removed, []);
    assert.equal(r.errors, []);
    assert.match(r.startedAt, ISO);
    assert.type(r.durationMs, 'number');
    assert.ok(r.durationMs >= 0);
    assert.is(s.server.deployer.snapshot?.sha, r.toSha);
  } finally {
    await s.close();
  }
});

Post('deploys a named ref with a trigger', async () => {
  const s = await serveRepo(agentFiles('a'));
  try {
    const first = s.repo.head();
    s.repo.commit(agentFiles('b'));
    const r = assertJson(await s.call('POST', '/api/v1/deployments', { ref: 'HEAD~1', trigger: 'cli' }), 201);
    assert.is(r.ref, 'HEAD~1');
    assert.is(r.toSha, first);
    assert.is(r.trigger, 'cli');
  } finally {
    await s.close();
  }
});

Post('a second deployment records fromSha and what changed', async () => {
  const s = await serveRepo({ ...agentFiles('a'), ...agentFiles('b') });
  try {
    const one = assertJson(await s.call('POST', '/api/v1/deployments', {}), 201);
    s.repo.commit({ ...agentFiles('a', { description: 'new words' }), ...agentFiles('c'), 'agents/b': null });
    const two = assertJson(await s.call('POST', '/api/v1/deployments', { ref: 'main' }), 201);
    assert.is(two.fromSha, one.toSha);
    assert.is(two.toSha, s.repo.head());
    assert.equal(two.changes.added.map((c: { name: string }) => c.name), ['c']);
    assert.equal(two.changes.modified.map((c: { name: string }) => c.name), ['a']);
    assert.equal(two.changes.removed.map((c: { name: string }) => c.name), ['b']);
  } finally {
    await s.close();
  }
});

Post('dryRun answers 200 with the plan and deploys nothing', async () => {
  const s = await serveRepo(agentFiles('a'));
  try {
    const plan = assertJson(await s.call('POST', '/api/v1/deployments', { dryRun: true }), 200);
    DeploymentPlan.parse(plan);
    assert.is(plan.dryRun, true);
    assert.is(plan.toSha, s.repo.head());
    assert.is(plan.outcome, 'succeeded');
    assert.equal(plan.changes.added.map((c: { name: string }) => c.name), ['a']);
    assert.is(s.server.deployer.snapshot, null);
    assert.is(assertJson(await s.call('GET', '/api/v1/status'), 200).deployedSha, null);
    assert.equal(assertJson(await s.call('GET', '/api/v1/deployments'), 200), []);
  } finally {
    await s.close();
  }
});

Post('dryRun of a broken change shows the errors and leaves the deployment serving', async () => {
  const s = await serveRepo(agentFiles('a'));
  try {
    const good = assertJson(await s.call('POST', '/api/v1/deployments', {}), 201);
    s.repo.commit(BROKEN_AGENT);
    const plan = assertJson(await s.call('POST', '/api/v1/deployments', { dryRun: true }), 200);
    assert.is(plan.outcome, 'failed');
    assert.ok(plan.errors.length > 0);
    assert.is(plan.fromSha, good.toSha);
    assert.is(assertJson(await s.call('GET', '/api/v1/status'), 200).deployedSha, good.toSha);
    assert.is(assertJson(await s.call('GET', '/api/v1/deployments'), 200).length, 1);
  } finally {
    await s.close();
  }
});

Post('an invalid workspace answers 201 with status failed and its errors; the previous SHA keeps serving', async () => {
  const s = await serveRepo(agentFiles('a'));
  try {
    const good = assertJson(await s.call('POST', '/api/v1/deployments', {}), 201);
    s.repo.commit({ ...BROKEN_AGENT, ...agentFiles('b') });
    const r = assertJson(await s.call('POST', '/api/v1/deployments', {}), 201);
    assert.is(r.status, 'failed');
    assert.is(r.toSha, s.repo.head());
    assert.ok(r.errors.length > 0);
    assert.ok(r.errors.some((e: { file?: string }) => e.file === 'agents/a/agent.toml'), JSON.stringify(r.errors));
    const status = assertJson(await s.call('GET', '/api/v1/status'), 200);
    assert.is(status.deployedSha, good.toSha);
    assert.is(status.lastDeployment.id, r.id);
    assert.is(status.lastDeployment.status, 'failed');
    assert.equal(status.agents.map((a: { name: string }) => a.name), ['a'], 'b was not deployed');
  } finally {
    await s.close();
  }
});

Post('partial deploys the valid part and names what it held back', async () => {
  const s = await serveRepo({ ...agentFiles('a'), ...agentFiles('b') });
  try {
    const first = assertJson(await s.call('POST', '/api/v1/deployments', {}), 201);
    s.repo.commit({ ...BROKEN_AGENT, ...agentFiles('c') });
    const r = assertJson(await s.call('POST', '/api/v1/deployments', { partial: true }), 201);
    assert.is(r.status, 'partial');
    assert.equal(r.heldBack.map((h: { name: string }) => h.name), ['a']);
    const status = assertJson(await s.call('GET', '/api/v1/status'), 200);
    assert.is(status.deployedSha, r.toSha);
    assert.equal(status.heldBack.map((h: { name: string }) => h.name), ['a']);
    const a = status.agents.find((x: { name: string }) => x.name === 'a');
    assert.is(a.sha, first.toSha, 'a keeps running at its previous version');
    assert.ok(status.agents.some((x: { name: string }) => x.name === 'c'));
  } finally {
    await s.close();
  }
});

Post('an unknown ref :: 404 CAX_REF_NOT_FOUND naming the nearest branch', async () => {
  const s = await serveRepo(agentFiles('a'));
  try {
    const e = assertError(await s.call('POST', '/api/v1/deployments', { ref: 'mian' }), 404, 'CAX_REF_NOT_FOUND');
    assert.ok(e.suggestions.some((x: string) => x.includes('"main"')), e.suggestions.join(' | '));
    assertError(await s.call('POST', '/api/v1/deployments', { ref: 'HEAD~5' }), 404, 'CAX_REF_NOT_FOUND');
    assertError(await s.call('POST', '/api/v1/deployments', { ref: 'nope', dryRun: true }), 404, 'CAX_REF_NOT_FOUND');
    assert.equal(assertJson(await s.call('GET', '/api/v1/deployments'), 200), []);
  } finally {
    await s.close();
  }
});

Post('a bad body :: 400 CAX_BAD_REQUEST', async () => {
  const s = await serveRepo(agentFiles('a'));
  try {
    const bad = [
      { ref: 'main', force: true },
      { ref: 5 },
      { ref: '' },
      { dryRun: 'yes' },
      { trigger: 'rollback' },
      { trigger: 'startup' },
      { trigger: 'anything' },
      ['main'],
    ];
    for (const body of bad) assertError(await s.call('POST', '/api/v1/deployments', body), 400, 'CAX_BAD_REQUEST');
    assert.is(s.server.deployer.snapshot, null);
  } finally {
    await s.close();
  }
});

Post('no body deploys the default ref', async () => {
  const s = await serveRepo(agentFiles('a'));
  try {
    const r = assertJson(await s.call('POST', '/api/v1/deployments'), 201);
    assert.is(r.toSha, s.repo.head());
  } finally {
    await s.close();
  }
});

Post.run();

// ---

const Busy = suite('POST /api/v1/deployments :: one at a time');

Busy('while one deployment runs another answers 409 CAX_DEPLOY_BUSY with runningId', async () => {
  const g = gate();
  const slow: RuntimeFactory = {
    ...basicFactory,
    createAgent: async ({ name }) => {
      await g.wait;
      return { name };
    },
  };
  const s = await serveRepo(agentFiles('a'), { factory: slow });
  try {
    const first = s.call('POST', '/api/v1/deployments', {});
    await until(() => s.server.deployer.running !== null);
    const runningId = s.server.deployer.running!.id;

    const status = assertJson(await s.call('GET', '/api/v1/status'), 200);
    assert.is(status.running.id, runningId, 'status shows the running deployment');

    const e = assertError(await s.call('POST', '/api/v1/deployments', {}), 409, 'CAX_DEPLOY_BUSY');
    assert.is(e.runningId, runningId);
    const e2 = assertError(await s.call('POST', '/api/v1/rollback', { to: 'HEAD' }), 409, 'CAX_DEPLOY_BUSY');
    assert.is(e2.runningId, runningId);

    g.release();
    const done = assertJson(await first, 201);
    assert.is(done.id, runningId);
    assert.is(done.status, 'succeeded');
    assert.is(s.server.deployer.running, null);
    const history = assertJson(await s.call('GET', '/api/v1/deployments'), 200);
    assert.equal(history.map((d: { id: string }) => d.id), [runningId], 'the refused ones left no record');
  } finally {
    g.release();
    await s.close();
  }
});

Busy('over real HTTP, two simultaneous POSTs give one 201 and one 409', async () => {
  const g = gate();
  const slow: RuntimeFactory = { ...basicFactory, createAgent: async ({ name }) => (await g.wait, { name }) };
  const logs = captureLogs('info');
  const s = await serveRepo(agentFiles('a'), { factory: slow, logger: logs.logger });
  try {
    const a = s.server.api('POST', '/api/v1/deployments', {});
    const b = s.server.api('POST', '/api/v1/deployments', {});
    // release only once the server has refused one of them, however slow the machine
    await until(() => logs.lines.some((l) => l.includes('CAX_DEPLOY_BUSY')), 30_000);
    g.release();
    const statuses = (await Promise.all([a, b])).map((r) => r.status).sort();
    assert.equal(statuses, [201, 409]);
  } finally {
    g.release();
    await s.close();
  }
});

Busy.run();

// ---

const List = suite('GET /api/v1/deployments');

List('lists records newest first as a JSON array', async () => {
  const s = await serveRepo(agentFiles('a'));
  try {
    assert.equal(assertJson(await s.call('GET', '/api/v1/deployments'), 200), []);
    const ids: string[] = [];
    ids.push(assertJson(await s.call('POST', '/api/v1/deployments', {}), 201).id);
    s.repo.commit(agentFiles('b'));
    ids.push(assertJson(await s.call('POST', '/api/v1/deployments', {}), 201).id);
    s.repo.commit(BROKEN_AGENT);
    ids.push(assertJson(await s.call('POST', '/api/v1/deployments', {}), 201).id);
    const list = assertJson(await s.call('GET', '/api/v1/deployments'), 200);
    assert.ok(Array.isArray(list));
    assert.equal(list.map((d: { id: string }) => d.id), ids.reverse());
    assert.equal(list.map((d: { status: string }) => d.status), ['failed', 'succeeded', 'succeeded']);
    for (const d of list) DeploymentRecord.parse(d);
  } finally {
    await s.close();
  }
});

List('limit and offset page through the list', async () => {
  const s = await serveRepo(agentFiles('a'));
  try {
    const one = assertJson(await s.call('POST', '/api/v1/deployments', {}), 201);
    s.repo.commit(agentFiles('b'));
    const two = assertJson(await s.call('POST', '/api/v1/deployments', {}), 201);
    assert.equal(assertJson(await s.call('GET', '/api/v1/deployments?limit=1'), 200).map((d: { id: string }) => d.id), [two.id]);
    assert.equal(assertJson(await s.call('GET', '/api/v1/deployments?limit=1&offset=1'), 200).map((d: { id: string }) => d.id), [one.id]);
    for (const q of ['limit=0', 'limit=abc', 'limit=1001', 'offset=-1']) {
      assertError(await s.call('GET', `/api/v1/deployments?${q}`), 400, 'CAX_BAD_REQUEST');
    }
  } finally {
    await s.close();
  }
});

List.run();

// ---

const One = suite('GET /api/v1/deployments/:id');

One('answers the record the POST answered', async () => {
  const s = await serveRepo(agentFiles('a'));
  try {
    const r = assertJson(await s.call('POST', '/api/v1/deployments', {}), 201);
    assert.equal(assertJson(await s.call('GET', `/api/v1/deployments/${r.id}`), 200), r);
  } finally {
    await s.close();
  }
});

One('an unknown id :: 404 CAX_DEPLOYMENT_NOT_FOUND', async () => {
  const s = await serveRepo(agentFiles('a'));
  try {
    assertJson(await s.call('POST', '/api/v1/deployments', {}), 201);
    assertError(await s.call('GET', '/api/v1/deployments/dep_nope'), 404, 'CAX_DEPLOYMENT_NOT_FOUND');
    assertError(await s.call('GET', `/api/v1/deployments/${encodeURIComponent("x' OR '1'='1")}`), 404, 'CAX_DEPLOYMENT_NOT_FOUND');
  } finally {
    await s.close();
  }
});

One.run();

// ---

const Rollback = suite('POST /api/v1/rollback');

Rollback('redeploys the previous successful SHA with trigger rollback', async () => {
  const s = await serveRepo(agentFiles('a'));
  try {
    const one = assertJson(await s.call('POST', '/api/v1/deployments', {}), 201);
    s.repo.commit(agentFiles('b'));
    const two = assertJson(await s.call('POST', '/api/v1/deployments', {}), 201);
    s.repo.commit(BROKEN_AGENT);
    assert.is(assertJson(await s.call('POST', '/api/v1/deployments', {}), 201).status, 'failed');

    const back = assertJson(await s.call('POST', '/api/v1/rollback', {}), 201);
    DeploymentRecord.parse(back);
    assert.is(back.trigger, 'rollback');
    assert.is(back.status, 'succeeded');
    assert.is(back.fromSha, two.toSha);
    assert.is(back.toSha, one.toSha, 'the failed deployment is no target');
    assert.equal(back.changes.removed.map((c: { name: string }) => c.name), ['b']);
    const status = assertJson(await s.call('GET', '/api/v1/status'), 200);
    assert.is(status.deployedSha, one.toSha);
    assert.equal(status.agents.map((a: { name: string }) => a.name), ['a']);
  } finally {
    await s.close();
  }
});

Rollback('to names the commit', async () => {
  const s = await serveRepo(agentFiles('a'));
  try {
    const first = s.repo.head();
    assertJson(await s.call('POST', '/api/v1/deployments', {}), 201);
    s.repo.commit(agentFiles('b'));
    assertJson(await s.call('POST', '/api/v1/deployments', {}), 201);
    s.repo.commit(agentFiles('c'));
    const back = assertJson(await s.call('POST', '/api/v1/rollback', { to: first.slice(0, 8) }), 201);
    assert.is(back.toSha, first);
    assert.is(back.trigger, 'rollback');
  } finally {
    await s.close();
  }
});

Rollback('with no earlier successful deployment :: 409 CAX_NO_ROLLBACK_TARGET', async () => {
  const s = await serveRepo(agentFiles('a'));
  try {
    assertError(await s.call('POST', '/api/v1/rollback', {}), 409, 'CAX_NO_ROLLBACK_TARGET');
    assertJson(await s.call('POST', '/api/v1/deployments', {}), 201);
    assertError(await s.call('POST', '/api/v1/rollback', {}), 409, 'CAX_NO_ROLLBACK_TARGET');
    s.repo.commit(BROKEN_AGENT);
    assertJson(await s.call('POST', '/api/v1/deployments', {}), 201);
    assertError(await s.call('POST', '/api/v1/rollback'), 409, 'CAX_NO_ROLLBACK_TARGET');
  } finally {
    await s.close();
  }
});

Rollback('a bad body or an unknown commit', async () => {
  const s = await serveRepo(agentFiles('a'));
  try {
    assertError(await s.call('POST', '/api/v1/rollback', { sha: 'abc' }), 400, 'CAX_BAD_REQUEST');
    assertError(await s.call('POST', '/api/v1/rollback', { to: '' }), 400, 'CAX_BAD_REQUEST');
    assertError(await s.call('POST', '/api/v1/rollback', { to: 'no-such-ref' }), 404, 'CAX_REF_NOT_FOUND');
  } finally {
    await s.close();
  }
});

Rollback.run();

// ---

const Analytics = suite('GET /api/v1/analytics/deployments');

Analytics('nothing deployed :: zero total and no rate', async () => {
  const s = await serveRepo(agentFiles('a'));
  try {
    const stats = assertJson(await s.call('GET', '/api/v1/analytics/deployments'), 200);
    assert.is(stats.total, 0);
    assert.is(stats.successRate, null);
    assert.is(stats.avgDurationMs, null);
  } finally {
    await s.close();
  }
});

Analytics('gives the success rate and the average duration', async () => {
  const s = await serveRepo(agentFiles('a'));
  try {
    const records = [assertJson(await s.call('POST', '/api/v1/deployments', {}), 201)];
    s.repo.commit(agentFiles('b'));
    records.push(assertJson(await s.call('POST', '/api/v1/deployments', {}), 201));
    s.repo.commit(BROKEN_AGENT);
    records.push(assertJson(await s.call('POST', '/api/v1/deployments', {}), 201));
    const stats = assertJson(await s.call('GET', '/api/v1/analytics/deployments'), 200);
    assert.is(stats.total, 3);
    assert.is(stats.succeeded, 2);
    assert.is(stats.failed, 1);
    assert.ok(Math.abs(stats.successRate - 2 / 3) < 1e-9, String(stats.successRate));
    const mean = records.reduce((n, r) => n + r.durationMs, 0) / records.length;
    assert.ok(Math.abs(stats.avgDurationMs - mean) < 1e-6, `${stats.avgDurationMs} vs ${mean}`);
    assert.type(stats.p95DurationMs, 'number');
    assert.equal([stats.rollbacks, stats.rolledBack], [0, 0]);
    assertJson(await s.call('POST', '/api/v1/rollback', {}), 201);
    const after = assertJson(await s.call('GET', '/api/v1/analytics/deployments'), 200);
    assert.equal([after.total, after.rollbacks, after.rolledBack], [4, 1, 0], 'a rollback is counted as one, not as a reverted switch');
  } finally {
    await s.close();
  }
});

Analytics.run();
