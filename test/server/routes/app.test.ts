import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { FastifyInstance } from 'fastify';
import { agentFiles } from '../../util/workspace.js';
import { captureLogs } from '../../util/server.js';
import { api } from '../../util/server.js';
import { assertError, assertJson, injector, serveRepo, type Served } from '../../util/http.js';

/** Every route the app registered, from Fastify's own route tree: [method, path]. */
function routesOf(app: FastifyInstance): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const stack: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const m = /^((?:│ {3}| {4})*)[├└]── (\S+)(?: \(([^)]+)\))?/.exec(line);
    if (!m) continue;
    stack.length = m[1]!.length / 4;
    stack.push(m[2]!);
    if (m[3]) for (const method of m[3].split(',')) out.push([method.trim(), stack.join('')]);
  }
  return out;
}

const CONTRACT_ROUTES = [
  'POST /api/v1/deployments',
  'GET /api/v1/deployments',
  'GET /api/v1/deployments/:id',
  'POST /api/v1/rollback',
  'GET /api/v1/status',
  'GET /api/v1/agents',
  'GET /api/v1/tools',
  'GET /api/v1/capabilities',
  'GET /api/v1/events',
  'POST /api/v1/lock',
  'DELETE /api/v1/lock',
];

// ---

const Auth = suite('buildServer :: bearer token on /api/v1/*');

Auth('every /api/v1 route without a token :: 401 CAX_UNAUTHORIZED, and nothing happens', async () => {
  const s = await serveRepo(agentFiles('a'));
  try {
    const routes = routesOf(s.server.app).filter(([, p]) => p.startsWith('/api/'));
    const seen = new Set(routes.map(([m, p]) => `${m} ${p}`));
    for (const r of CONTRACT_ROUTES) assert.ok(seen.has(r), `route list has ${r}`);
    for (const [method, path] of routes) {
      const url = path.replace(/:[a-z]+/gi, 'x');
      const res = await s.anon(method, url, method === 'GET' || method === 'HEAD' ? undefined : { reason: 'r' });
      assert.is(res.status, 401, `${method} ${url}`);
      if (method !== 'HEAD') assertError(res, 401, 'CAX_UNAUTHORIZED');
    }
    assert.is(s.server.deployer.snapshot, null, 'no deployment ran');
    assert.is(s.server.deployer.lock, null, 'no lock was set');
  } finally {
    await s.close();
  }
});

Auth('every /api/v1 route with a wrong or malformed token :: 401', async () => {
  const s = await serveRepo(agentFiles('a'));
  try {
    const routes = routesOf(s.server.app).filter(([m, p]) => p.startsWith('/api/') && m !== 'HEAD');
    const wrong = injector(s.server.app, 'test-token-but-longer');
    for (const [method, path] of routes) {
      const url = path.replace(/:[a-z]+/gi, 'x');
      assertError(await wrong(method, url, method === 'GET' ? undefined : {}), 401, 'CAX_UNAUTHORIZED');
      for (const authorization of ['test-token', 'Basic dGVzdC10b2tlbg==', 'Bearer', 'Bearer ', 'Bearer TEST-TOKEN']) {
        assertError(await s.anon(method, url, undefined, { authorization }), 401, 'CAX_UNAUTHORIZED');
      }
    }
    assert.is(s.server.deployer.snapshot, null);
  } finally {
    await s.close();
  }
});

Auth('the right token over real HTTP', async () => {
  const s = await serveRepo(agentFiles('a'));
  try {
    assert.is((await s.server.api('GET', '/api/v1/status')).status, 200);
    const res = await api(s.server.url, null)('GET', '/api/v1/status');
    assert.is(res.status, 401);
    assert.is(res.body.error.code, 'CAX_UNAUTHORIZED');
  } finally {
    await s.close();
  }
});

Auth('a percent-encoded /api path still needs the token :: regression, auth bypass', async () => {
  // the router decodes %61 to "a", so /%61pi/v1/... reached the API past a raw-URL prefix check
  const s = await serveRepo(agentFiles('a'));
  try {
    const anon = api(s.server.url, null);
    for (const path of ['/%61pi/v1/status', '/%61%70%69/v1/agents', '/api/v1/%73tatus', '/%61pi/v1/deployments']) {
      const res = await anon('GET', path);
      assert.is(res.status, 401, `${path}: ${JSON.stringify(res.body)}`);
      assert.is(res.body.error.code, 'CAX_UNAUTHORIZED');
    }
    assert.is((await anon('POST', '/%61pi/v1/deployments', {})).status, 401);
    assert.is((await anon('POST', '/%61pi/v1/lock', { reason: 'x' })).status, 401);
    assert.is(s.server.deployer.snapshot, null, 'nothing was deployed');
    assert.is(s.server.deployer.lock, null, 'no lock was set');
  } finally {
    await s.close();
  }
});

Auth('an unknown /api path without a token :: 401, not a map of the routes', async () => {
  const s = await serveRepo(agentFiles('a'));
  try {
    assertError(await s.anon('GET', '/api/v1/nope'), 401, 'CAX_UNAUTHORIZED');
  } finally {
    await s.close();
  }
});

Auth.run();

// ---

const Errors = suite('buildServer :: error answers');

Errors('an unknown route :: 404 CAX_ROUTE_NOT_FOUND', async () => {
  const s = await serveRepo(agentFiles('a'));
  try {
    assertError(await s.call('GET', '/api/v1/nope'), 404, 'CAX_ROUTE_NOT_FOUND');
    assertError(await s.call('GET', '/api/v2/status'), 404, 'CAX_ROUTE_NOT_FOUND');
    assertError(await s.call('DELETE', '/api/v1/status'), 404, 'CAX_ROUTE_NOT_FOUND');
    assertError(await s.anon('GET', '/nope'), 404, 'CAX_ROUTE_NOT_FOUND');
  } finally {
    await s.close();
  }
});

Errors('malformed JSON :: 400 CAX_BAD_REQUEST', async () => {
  const s = await serveRepo(agentFiles('a'));
  try {
    for (const body of ['{"ref":', '{ref: "main"}', "{'ref':'main'}", '']) {
      assertError(await s.call('POST', '/api/v1/deployments', body), 400, 'CAX_BAD_REQUEST');
    }
    assertError(await s.call('POST', '/api/v1/lock', '{"reason": "x"'), 400, 'CAX_BAD_REQUEST');
    assert.is(s.server.deployer.snapshot, null);
  } finally {
    await s.close();
  }
});

Errors('a body that is not JSON :: 400 CAX_BAD_REQUEST', async () => {
  const s = await serveRepo(agentFiles('a'));
  try {
    assertError(await s.call('POST', '/api/v1/deployments', 'ref=main', { 'content-type': 'text/plain' }), 400, 'CAX_BAD_REQUEST');
    assertError(await s.call('POST', '/api/v1/deployments', 'ref=main', { 'content-type': 'application/x-www-form-urlencoded' }), 400, 'CAX_BAD_REQUEST');
    assert.is(s.server.deployer.snapshot, null);
  } finally {
    await s.close();
  }
});

Errors('a body over 1 MiB :: 413 CAX_PAYLOAD_TOO_LARGE', async () => {
  const s = await serveRepo(agentFiles('a'));
  try {
    const big = { ref: 'main', pad: 'x'.repeat(1024 * 1024) };
    assertError(await s.call('POST', '/api/v1/deployments', big), 413, 'CAX_PAYLOAD_TOO_LARGE');
    const res = await s.server.api('POST', '/api/v1/deployments', big);
    assert.is(res.status, 413, 'over real HTTP too');
    assert.is(res.body.error.code, 'CAX_PAYLOAD_TOO_LARGE');
    assert.is(s.server.deployer.snapshot, null);
  } finally {
    await s.close();
  }
});

Errors('a body just under 1 MiB is read (and then judged by its fields)', async () => {
  const s = await serveRepo(agentFiles('a'));
  try {
    const body = JSON.stringify({ ref: 'main', pad: 'x'.repeat(1024 * 1024 - 64) });
    assert.ok(body.length < 1024 * 1024);
    assertError(await s.call('POST', '/api/v1/deployments', body), 400, 'CAX_BAD_REQUEST');
  } finally {
    await s.close();
  }
});

Errors('an unknown body field :: 400 CAX_BAD_REQUEST', async () => {
  const s = await serveRepo(agentFiles('a'));
  try {
    assertError(await s.call('POST', '/api/v1/deployments', { ref: 'main', dry_run: true }), 400, 'CAX_BAD_REQUEST');
    assertError(await s.call('POST', '/api/v1/rollback', { ref: 'main' }), 400, 'CAX_BAD_REQUEST');
    assertError(await s.call('POST', '/api/v1/lock', { reason: 'x', extra: 1 }), 400, 'CAX_BAD_REQUEST');
    assert.is(s.server.deployer.snapshot, null);
  } finally {
    await s.close();
  }
});

Errors.run();

// ---

const Logs = suite('buildServer :: logs');

Logs('no token is logged, right or wrong', async () => {
  const token = 'cax_LogCheckSecretToken_9f8e7d';
  const wrong = 'cax_WrongGuessToken_1a2b3c';
  const logs = captureLogs('trace');
  let s: Served | null = null;
  try {
    s = await serveRepo(agentFiles('a'), { token, logger: logs.logger });
    const good = api(s.server.url, token);
    const bad = api(s.server.url, wrong);
    const none = api(s.server.url, null);
    assert.is((await good('GET', '/api/v1/status')).status, 200);
    assert.is((await good('POST', '/api/v1/deployments', {})).status, 201);
    assert.is((await good('POST', '/api/v1/deployments', { ref: 'nope' })).status, 404);
    assert.is((await good('POST', '/api/v1/deployments', { bogus: token })).status, 400);
    assert.is((await good('GET', `/api/v1/nope`)).status, 404);
    assert.is((await bad('GET', '/api/v1/status')).status, 401);
    assert.is((await bad('POST', '/api/v1/deployments', {})).status, 401);
    assert.is((await none('GET', '/api/v1/agents')).status, 401);
    await s.close();
    s = null;
    assert.ok(logs.lines.length > 5, 'the requests were logged');
    assert.ok(logs.lines.some((l) => l.includes('CAX_UNAUTHORIZED')), 'the refusals were logged');
    for (const line of logs.lines) {
      assert.not.ok(line.includes(token), `token in log: ${line}`);
      assert.not.ok(line.includes(wrong), `wrong token in log: ${line}`);
      assert.not.ok(/"authorization"/i.test(line), `authorization header in log: ${line}`);
    }
  } finally {
    if (s) await s.close();
  }
});

Logs('request lines at debug and finer only; errors at any level', async () => {
  const lines = async (level: string) => {
    const logs = captureLogs(level);
    const s = await serveRepo(agentFiles('a'), { logger: logs.logger });
    try {
      const call = api(s.server.url, s.server.token);
      assert.is((await call('GET', '/api/v1/status')).status, 200);
      assert.is((await call('POST', '/api/v1/deployments', { bogus: 1 })).status, 400);
    } finally {
      await s.close();
    }
    return logs.lines.map((l) => JSON.parse(l) as { msg: string; code?: string });
  };
  const info = await lines('info');
  assert.not.ok(info.some((l) => l.msg === 'incoming request' || l.msg === 'request completed'), 'no request lines at info');
  assert.ok(info.some((l) => l.code === 'CAX_BAD_REQUEST'), 'the refused request is logged at info');
  const debug = await lines('debug');
  assert.is(debug.filter((l) => l.msg === 'request completed').length, 2, 'a line for each request at debug');
});

Logs.run();

// ---

const Restart = suite('startServer :: restart on the same data folder');

Restart('serves the last successful SHA with a startup deployment recorded', async () => {
  const s = await serveRepo({ ...agentFiles('a'), ...agentFiles('b') });
  let again: Served | null = null;
  try {
    const good = assertJson(await s.call('POST', '/api/v1/deployments', {}), 201);
    s.repo.commit({ 'agents/a/agent.toml': 'name = [' });
    assert.is(assertJson(await s.call('POST', '/api/v1/deployments', {}), 201).status, 'failed');
    s.repo.commit(agentFiles('c'));
    await s.close({ keep: true });

    again = await serveRepo({}, { existing: s.repo, dataDir: s.dataDir });
    const status = assertJson(await again.call('GET', '/api/v1/status'), 200);
    assert.is(status.deployedSha, good.toSha, 'neither the failed SHA nor HEAD');
    assert.equal(status.agents.map((a: { name: string }) => a.name).sort(), ['a', 'b']);
    assert.is(status.lastDeployment.trigger, 'startup');
    const history = assertJson(await again.call('GET', '/api/v1/deployments'), 200);
    assert.is(history.length, 3);
    assert.is(history[0].trigger, 'startup');
    assert.is(history[0].status, 'succeeded');
    assert.is(history[0].toSha, good.toSha);
    assert.equal(assertJson(await again.call('GET', '/api/v1/capabilities'), 200).map((c: { name: string }) => c.name), ['a', 'b']);
    assert.is(assertJson(await again.call('GET', '/api/v1/events?type=ServerStopped'), 200).length, 1);
    // a restore is not a deployment made: the statistics count it apart
    const stats = assertJson(await again.call('GET', '/api/v1/analytics/deployments'), 200);
    assert.equal([stats.total, stats.succeeded, stats.failed, stats.restores], [2, 1, 1, 1]);
    assert.is(stats.successRate, 0.5);
  } finally {
    if (again) await again.close();
    else await s.close();
  }
});

Restart('a restart after a rollback serves the rolled-back SHA', async () => {
  const s = await serveRepo(agentFiles('a'));
  let again: Served | null = null;
  try {
    const one = assertJson(await s.call('POST', '/api/v1/deployments', {}), 201);
    s.repo.commit(agentFiles('b'));
    assertJson(await s.call('POST', '/api/v1/deployments', {}), 201);
    assert.is(assertJson(await s.call('POST', '/api/v1/rollback', {}), 201).toSha, one.toSha);
    await s.close({ keep: true });
    again = await serveRepo({}, { existing: s.repo, dataDir: s.dataDir });
    assert.is(assertJson(await again.call('GET', '/api/v1/status'), 200).deployedSha, one.toSha);
  } finally {
    if (again) await again.close();
    else await s.close();
  }
});

Restart('a data folder that never deployed starts empty', async () => {
  const s = await serveRepo(agentFiles('a'));
  let again: Served | null = null;
  try {
    await s.close({ keep: true });
    again = await serveRepo({}, { existing: s.repo, dataDir: s.dataDir });
    assert.is(assertJson(await again.call('GET', '/api/v1/status'), 200).deployedSha, null);
    assert.equal(assertJson(await again.call('GET', '/api/v1/deployments'), 200), []);
  } finally {
    if (again) await again.close();
    else await s.close();
  }
});

Restart.run();
