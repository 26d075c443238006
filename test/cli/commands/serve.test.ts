import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { runCli } from '../../util/cli.js';
import { assertFails, assertFailsJson, assertOk, assertOkJson } from '../../util/cli-assert.js';
import { makeRepo } from '../../util/repo.js';
import { occupyPort, spawnServe, type ServeChild } from '../../util/serve-child.js';
import { tmpDir, rm } from '../../util/tmp.js';
import { agentFiles } from '../../util/workspace.js';

// ---

const Serve = suite('caxton serve');

Serve('prints the ready line once it answers, and stops on SIGTERM', async () => {
  const repo = makeRepo(agentFiles('alpha'));
  let server: ServeChild | undefined;
  try {
    server = await spawnServe({ cwd: repo.dir });
    assert.match(server.stdout(), /^Caxton ready on http:\/\/127\.0\.0\.1:\d+$/m);
    await server.waitForStdout(/Nothing deployed yet/);
    const health = await fetch(`${server.url}/health`);
    assert.is(health.status, 200);
    assert.equal(await health.json(), { status: 'ok' });
    const token = path.join(repo.dir, '.caxton', 'token');
    assert.is(fs.statSync(token).mode & 0o777, 0o600, 'the token file is private');
    assert.is(repo.git('status', '--porcelain'), '', 'the data folder stays out of git status');
    assert.is(await server.stop(), 0);
  } finally {
    await server?.kill9();
    repo.remove();
  }
});

Serve('refuses a folder that is not a git repository', async () => {
  const dir = tmpDir('caxton-cli-plain-');
  try {
    const err = assertFails(await runCli(['serve', '--port', '0'], { cwd: dir }), 1, 'CAX_NOT_A_REPOSITORY');
    assert.match(err, /caxton init/);
    assertFailsJson(await runCli(['serve', '--port', '0', '--json'], { cwd: dir }), 1, 'CAX_NOT_A_REPOSITORY');
  } finally {
    rm(dir);
  }
});

Serve('refuses a port in use, with a hint', async () => {
  const repo = makeRepo(agentFiles('alpha'));
  const held = await occupyPort();
  try {
    const r = await runCli(['serve', '--port', String(held.port), '--log-level', 'silent'], { cwd: repo.dir });
    assert.is(r.code, 1, r.stderr);
    assert.is(r.stdout, '');
    assert.match(r.stderr, /\[CAX_PORT_IN_USE\]/);
    assert.match(r.stderr, new RegExp(`Port ${held.port} on 127\\.0\\.0\\.1 is already in use`));
    assert.match(r.stderr, new RegExp(`--port ${held.port + 1}`), 'suggests another port');
    const doc = assertFailsJson(await runCli(['serve', '--port', String(held.port), '--log-level', 'silent', '--json'], { cwd: repo.dir }), 1, 'CAX_PORT_IN_USE');
    assert.ok(doc.error.suggestions.length > 0);
  } finally {
    await held.close();
    repo.remove();
  }
});

Serve.run();

// ---

const Durable = suite('caxton serve :: durable');

Durable('after kill -9 a restart serves the last successful SHA', async () => {
  const repo = makeRepo({ ...agentFiles('alpha'), ...agentFiles('beta') });
  let server: ServeChild | undefined;
  try {
    server = await spawnServe({ cwd: repo.dir });
    const cli = (...args: string[]) => runCli(args, { cwd: repo.dir, env: { CAXTON_URL: server!.url } });
    const good = repo.head();
    assertOk(await cli('deploy'));
    repo.commit({ ...agentFiles('gamma'), 'agents/beta/agent.toml': 'name = "beta"\ncapabilites = ["x"]\n' });
    assertFails(await cli('deploy'), 1);
    await server.kill9();

    server = await spawnServe({ cwd: repo.dir });
    assert.match(await server.waitForStdout(/^Serving /m), new RegExp(`^Serving ${good.slice(0, 7)}: 2 agents`, 'm'));
    const st = assertOkJson(await cli('status', '--json'));
    assert.is(st.source, 'server');
    assert.is(st.deployedSha, good);
    assert.equal(st.agents.sort(), ['alpha', 'beta']);
    const agents = assertOkJson(await cli('agents', '--json')).agents;
    assert.equal(agents.map((x: { name: string }) => x.name).sort(), ['alpha', 'beta']);
    assert.ok(agents.every((x: { sha: string }) => x.sha === good));
    assert.is(await server.stop(), 0);
  } finally {
    await server?.kill9();
    repo.remove();
  }
});

Durable.run();

// ---

const Limits = suite('caxton serve :: --max-body');

Limits('sets the request size limit: a larger message answers 413; a bad value is a usage error', async () => {
  const repo = makeRepo(agentFiles('a'));
  let server: ServeChild | null = null;
  try {
    assertFails(await runCli(['serve', '--port', '0', '--max-body', 'lots'], { cwd: repo.dir }), 2, 'CAX_USAGE');
    server = await spawnServe({ cwd: repo.dir, args: ['--max-body', '2048'] });
    const token = fs.readFileSync(path.join(repo.dir, '.caxton/token'), 'utf8').trim();
    const post = (content: string) =>
      fetch(`${server!.url}/api/v1/messages`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ capability: 'a', content }),
      });
    const big = await post('x'.repeat(3000));
    assert.is(big.status, 413);
    assert.is(((await big.json()) as { error: { code: string } }).error.code, 'CAX_PAYLOAD_TOO_LARGE');
    const small = await post('hi');
    assert.is.not(small.status, 413);
  } finally {
    await server?.stop();
    repo.remove();
  }
});

Limits.run();
