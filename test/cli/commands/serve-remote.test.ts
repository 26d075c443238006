import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { runCli } from '../../util/cli.js';
import { deliver, pushPayload, type DeliveryReply } from '../../util/github.js';
import { serveGitHttp } from '../../util/git-http.js';
import { makeRemote, type TestRemote } from '../../util/remote.js';
import { spawnServe, type ServeChild } from '../../util/serve-child.js';
import { api } from '../../util/server.js';
import { tmpDir, rm } from '../../util/tmp.js';
import { agentFiles } from '../../util/workspace.js';
import { until } from '../../util/promises.js';

const SECRET = 'whsec-cli-e2e-7Hq2';
const PASSWORD = 'ghp_R3moteT0kenN0tForLogs';

/** Signs and sends the push of `remote`'s current branch head, as GitHub does after a `git push`. */
function pushDelivery(url: string, remote: TestRemote, ref: string, before: string): Promise<DeliveryReply> {
  const body = JSON.stringify(pushPayload({ ref, before, after: remote.work.head(), repo: remote.work }));
  return deliver(url, { event: 'push', body, secret: SECRET });
}

function tokenOf(data: string): string {
  return fs.readFileSync(path.join(data, 'token'), 'utf8').trim();
}

// ---

const Remote = suite('caxton serve --repo URL --branch B');

Remote('follows a bare remote end to end: clone, git push + signed webhook deploys, caxton deploy fetches', async () => {
  const remote = makeRemote(agentFiles('a'));
  const cwd = tmpDir('caxton-cwd-');
  const data = path.join(cwd, 'state');
  let server: ServeChild | null = null;
  try {
    // a release branch is the deploy branch
    remote.work.git('checkout', '--quiet', '-b', 'release');
    remote.work.git('push', '--quiet', 'origin', 'release');
    server = await spawnServe({ cwd, args: ['--repo', pathToFileURL(remote.origin).href, '--branch', 'release', '--data', data], env: { CAXTON_WEBHOOK_SECRET: SECRET } });
    assert.ok(fs.existsSync(path.join(data, 'repo.git', 'HEAD')), 'cloned into the data folder');
    const call = api(server.url, tokenOf(data));

    // a push to main is not the deploy branch
    remote.work.git('checkout', '--quiet', 'main');
    let before = remote.work.head();
    remote.push(agentFiles('on-main'));
    const ignored = await pushDelivery(server.url, remote, 'refs/heads/main', before);
    assert.is(ignored.status, 200);
    assert.is(ignored.body.status, 'ignored');

    // a push to release deploys the pushed commit
    remote.work.git('checkout', '--quiet', 'release');
    before = remote.work.head();
    const pushed = remote.push(agentFiles('b'), 'add b');
    const queued = await pushDelivery(server.url, remote, 'refs/heads/release', before);
    assert.is(queued.status, 202, JSON.stringify(queued.body));
    const record = await until(async () => {
      const r = await call('GET', `/api/v1/deployments/${queued.body.deployment.id}`);
      return r.status === 200 ? r.body : null;
    }, 20_000, 25);
    assert.is(record.toSha, pushed);
    assert.is(record.trigger, 'webhook');

    // caxton deploy (no ref: the branch) fetches first, so a push without a webhook deploys too
    const next = remote.push(agentFiles('c'), 'add c');
    // outside a checkout: no ref is sent, and the server deploys the tip of --branch (the remote's HEAD is main)
    const r = await runCli(['deploy', '--json', '--server', server.url, '--token', tokenOf(data)], { cwd });
    assert.is(r.code, 0, r.stderr);
    assert.is(JSON.parse(r.stdout).toSha, next);
    // status outside a checkout: what the server follows, and how to see what the branch would change
    const st = await runCli(['status', '--server', server.url, '--token', tokenOf(data)], { cwd });
    assert.match(st.stdout, new RegExp(`Following ${pathToFileURL(remote.origin).href.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(branch release\\); what its tip would change: caxton deploy --dry-run`));
    const status = (await call('GET', '/api/v1/status')).body;
    assert.equal(status.agents.map((a: { name: string }) => a.name).sort(), ['a', 'b', 'c']);
  } finally {
    await server?.stop();
    remote.remove();
    rm(cwd);
  }
});

Remote('a remote with credentials in its URL: deploys, and the credentials appear in no log line, answer or event', async () => {
  const remote = makeRemote(agentFiles('a'));
  const http = await serveGitHttp(remote.origin, { user: 'deploy-bot', password: PASSWORD });
  const cwd = tmpDir('caxton-cwd-');
  const data = path.join(cwd, 'state');
  let server: ServeChild | null = null;
  try {
    server = await spawnServe({ cwd, args: ['--repo', http.url, '--data', data, '--log-level', 'debug'], env: { CAXTON_WEBHOOK_SECRET: SECRET } });
    const token = tokenOf(data);
    const call = api(server.url, token);
    const before = remote.work.head();
    const pushed = remote.push(agentFiles('b'), 'add b');
    const queued = await pushDelivery(server.url, remote, 'refs/heads/main', before);
    assert.is(queued.status, 202);
    // The snapshot switches before the deployment is recorded: wait for both.
    await until(async () => {
      const s = (await call('GET', '/api/v1/status')).body;
      return s.deployedSha === pushed && s.running === null;
    }, 20_000, 25);

    // the remote goes away: the deployment fails with the URL redacted
    await http.close();
    const failed = await call('POST', '/api/v1/deployments', { ref: 'main' });
    assert.is(failed.status, 502, JSON.stringify(failed.body));
    assert.is(failed.body.error.code, 'CAX_REMOTE_FAILED');

    const seen = [
      server.stdout(),
      server.stderr(),
      JSON.stringify(failed.body),
      JSON.stringify((await call('GET', '/api/v1/status')).body),
      JSON.stringify((await call('GET', '/api/v1/events?limit=1000')).body),
      JSON.stringify((await call('GET', '/api/v1/deployments')).body),
    ].join('\n');
    assert.ok(seen.includes('***@127.0.0.1'), 'the remote shows redacted');
    assert.not.ok(seen.includes(PASSWORD), 'the password leaked');
    assert.not.ok(seen.includes('deploy-bot'), 'the user leaked');
    assert.not.ok(seen.includes(SECRET), 'the webhook secret leaked');
    assert.not.ok(seen.includes(token), 'the API token leaked');
  } finally {
    await server?.stop();
    await http.close().catch(() => undefined);
    remote.remove();
    rm(cwd);
  }
});

Remote('the remote down: a rollback and a restart after kill -9 still serve from the mirror, with no fetch', async () => {
  const remote = makeRemote(agentFiles('a'));
  const http = await serveGitHttp(remote.origin, { user: 'bot', password: PASSWORD });
  const cwd = tmpDir('caxton-cwd-');
  const data = path.join(cwd, 'state');
  let server: ServeChild | null = null;
  try {
    server = await spawnServe({ cwd, args: ['--repo', http.url, '--data', data] });
    let call = api(server.url, tokenOf(data));
    const first = remote.work.head();
    assert.is((await call('POST', '/api/v1/deployments', {})).body.toSha, first);
    const second = remote.push(agentFiles('b'), 'add b');
    assert.is((await call('POST', '/api/v1/deployments', {})).body.toSha, second);

    await http.close();
    const back = await call('POST', '/api/v1/rollback', {});
    assert.is(back.status, 201, JSON.stringify(back.body));
    assert.is(back.body.toSha, first, 'the previous SHA, from the mirror');
    assert.is((await call('POST', '/api/v1/deployments', { ref: second })).body.status, 'succeeded', 'a full SHA the mirror holds');

    await server.kill9();
    server = await spawnServe({ cwd, args: ['--repo', http.url, '--data', data] });
    call = api(server.url, tokenOf(data));
    const status = (await call('GET', '/api/v1/status')).body;
    assert.is(status.deployedSha, second, 'the last successful deployment serves again');
    assert.equal(status.agents.map((a: { name: string }) => a.name).sort(), ['a', 'b']);
    // a branch still needs the remote: deploying one fails, saying so
    assert.is((await call('POST', '/api/v1/deployments', { ref: 'main' })).body.error.code, 'CAX_REMOTE_FAILED');
  } finally {
    await server?.stop();
    await http.close().catch(() => undefined);
    remote.remove();
    rm(cwd);
  }
});

Remote('a clone that fails (wrong password) :: exit 1, CAX_REMOTE_FAILED, the password redacted', async () => {
  const remote = makeRemote(agentFiles('a'));
  const http = await serveGitHttp(remote.origin, { user: 'deploy-bot', password: 'the-right-one' });
  const cwd = tmpDir('caxton-cwd-');
  try {
    const wrong = http.url.replace('the-right-one', PASSWORD);
    const r = await runCli(['serve', '--repo', wrong, '--data', path.join(cwd, 'state'), '--port', '0', '--log-level', 'debug'], { cwd });
    assert.is(r.code, 1, r.stderr);
    assert.is(r.stdout, '');
    assert.match(r.stderr, /\[CAX_REMOTE_FAILED\]/);
    assert.not.ok(r.stderr.includes(PASSWORD), r.stderr);
    assert.ok(http.refused > 0, 'git did ask the server');
  } finally {
    await http.close();
    remote.remove();
    rm(cwd);
  }
});

Remote.run();
