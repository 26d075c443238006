// buildServer's readiness gate, and startServer taking its port before it restores: a request that
// arrives while the last deployment is restored waits for it, and a port in use fails at once.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import net from 'node:net';
import path from 'node:path';
import { buildServer } from '../../server/app.js';
import { CaxtonError } from '../../server/errors.js';
import { makeRepo } from '../util/repo.js';
import { captureLogs, startTestServer } from '../util/server.js';
import { rm, tmpDir } from '../util/tmp.js';
import { agentFiles } from '../util/workspace.js';

const Ready = suite('readiness');

Ready('a request before the server is ready waits for it, then is answered as usual', async () => {
  const repo = makeRepo(agentFiles('alpha'));
  const server = await startTestServer({ workspace: repo.dir });
  let release!: () => void;
  const gated = await buildServer({ ...server.app.deps, ready: new Promise<void>((r) => (release = r)) });
  try {
    await server.deployer.deploy({ ref: 'HEAD', trigger: 'cli' });
    let answered = false;
    const pending = gated.inject({ method: 'GET', url: '/api/v1/status', headers: { authorization: `Bearer ${server.token}` } }).then((r) => ((answered = true), r));
    await new Promise((r) => setTimeout(r, 50));
    assert.not.ok(answered, 'held until ready');
    release();
    const res = await pending;
    assert.is(res.statusCode, 200);
    assert.is(res.json().deployedSha, repo.head());
    const unauthorised = await gated.inject({ method: 'GET', url: '/api/v1/status' });
    assert.is(unauthorised.statusCode, 401, 'once ready, the token is checked as ever');
  } finally {
    await gated.close();
    await server.close();
    repo.remove();
  }
});

Ready('a port in use fails before the last deployment is restored', async () => {
  const repo = makeRepo(agentFiles('alpha'));
  const data = tmpDir('caxton-data-');
  const first = await startTestServer({ workspace: repo.dir, dataDir: path.join(data, 'd') });
  await first.deployer.deploy({ ref: 'HEAD', trigger: 'cli' });
  await first.close();
  const held = net.createServer();
  await new Promise<void>((r) => held.listen(0, '127.0.0.1', r));
  const port = (held.address() as net.AddressInfo).port;
  const logs = captureLogs('info');
  try {
    const err = await startTestServer({ workspace: repo.dir, dataDir: path.join(data, 'd'), port, logger: logs.logger }).then(
      () => assert.unreachable('the port is taken'),
      (e: unknown) => e,
    );
    assert.instance(err, CaxtonError);
    assert.is((err as CaxtonError).code, 'CAX_PORT_IN_USE');
    assert.not.ok(logs.lines.some((l) => l.includes('restored the last successful deployment')), logs.lines.join('\n'));
    const again = await startTestServer({ workspace: repo.dir, dataDir: path.join(data, 'd'), logger: logs.logger });
    assert.is(again.deployer.snapshot?.sha, repo.head(), 'on a free port it restores as before');
    await again.close();
  } finally {
    held.close();
    rm(data);
    repo.remove();
  }
});

Ready.run();

// ---

const Interrupted = suite('start-up :: what the log says of earlier runs');

Interrupted('a deployment that began and never ended gets a record at the next start: failed if it was not switched in, succeeded with a warning if it was', async () => {
  const repo = makeRepo(agentFiles('alpha'));
  const first = repo.head();
  const next = repo.commit(agentFiles('beta'), 'add beta');
  const data = tmpDir('caxton-data-');
  const logs = captureLogs('info');
  try {
    const s1 = await startTestServer({ workspace: repo.dir, dataDir: data });
    await s1.deployer.deploy({ ref: first, trigger: 'cli' });
    // what a kill -9 in the middle of a deployment leaves in the log: its start, and no outcome
    s1.events.append('DeploymentInitiated', { ref: 'main', toSha: next, trigger: 'cli', partial: false }, { deploymentId: 'dep_cut1' });
    s1.events.append('DeploymentInitiated', { ref: first, toSha: first, trigger: 'action', partial: false }, { deploymentId: 'dep_cut2' });
    await s1.close();

    const s2 = await startTestServer({ workspace: repo.dir, dataDir: data, logger: logs.logger });
    try {
      const cut = (await s2.api('GET', '/api/v1/deployments/dep_cut1')).body;
      assert.equal([cut.status, cut.toSha, cut.trigger, cut.errors[0]?.code], ['failed', next, 'cli', 'interrupted']);
      assert.match(cut.errors[0].message, /the server stopped during this deployment/);
      const switched = (await s2.api('GET', '/api/v1/deployments/dep_cut2')).body;
      assert.equal([switched.status, switched.errors, switched.warnings[0]?.code], ['succeeded', [], 'interrupted']);
      assert.is((await s2.api('GET', '/api/v1/status')).body.deployedSha, first, 'what was saved serves');
      assert.ok(logs.lines.some((l) => l.includes('dep_cut1 was cut off when the server stopped; recorded as failed')), logs.lines.join('\n'));
    } finally {
      await s2.close();
    }
    // recorded once: the next start finds nothing more to record
    const s3 = await startTestServer({ workspace: repo.dir, dataDir: data });
    try {
      const history = (await s3.api('GET', '/api/v1/deployments?limit=100')).body as Array<{ id: string }>;
      assert.is(history.filter((d) => d.id === 'dep_cut1').length, 1);
    } finally {
      await s3.close();
    }
  } finally {
    rm(data);
    repo.remove();
  }
});

Interrupted('a data folder last used by another workspace :: a warning naming both, and the advice of one folder each', async () => {
  const one = makeRepo(agentFiles('alpha'));
  const other = makeRepo(agentFiles('beta'));
  const data = tmpDir('caxton-data-');
  const logs = captureLogs('info');
  try {
    await (await startTestServer({ workspace: one.dir, dataDir: data })).close();
    await (await startTestServer({ workspace: one.dir, dataDir: data, logger: logs.logger })).close();
    assert.not.ok(logs.lines.some((l) => l.includes('was last used by')), 'the same workspace again: no warning');
    await (await startTestServer({ workspace: other.dir, dataDir: data, logger: logs.logger })).close();
    const warning = logs.lines.find((l) => l.includes('was last used by the workspace'));
    assert.ok(warning, logs.lines.join('\n'));
    assert.ok(warning!.includes(one.dir) && warning!.includes('give each workspace its own (--data)'), warning);
  } finally {
    rm(data);
    one.remove();
    other.remove();
  }
});

Interrupted.run();
