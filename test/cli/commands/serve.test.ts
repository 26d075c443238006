import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { EventLog } from '../../../server/events/log.js';
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
    assert.is(fs.statSync(path.dirname(token)).mode & 0o777, 0o700, 'so is the data folder, with the event log in it');
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

Serve('a data folder another server holds :: CAX_DATA_DIR_IN_USE alone, without the event log worker\'s exit logged as an error first', async () => {
  const repo = makeRepo(agentFiles('alpha'));
  let first: ServeChild | undefined;
  try {
    first = await spawnServe({ cwd: repo.dir });
    const r = await runCli(['serve', '--port', '0'], { cwd: repo.dir });
    assert.is(r.code, 1, r.stderr);
    assert.match(r.stderr, /\[CAX_DATA_DIR_IN_USE\]/);
    assert.not.match(r.stderr, /event log worker exited/);
    assert.not.match(r.stderr, /"level":50/);
  } finally {
    await first?.stop();
    repo.remove();
  }
});

Serve('a bad --port, --max-body or --retain-days is a usage error that names the flag and its value', async () => {
  const repo = makeRepo(agentFiles('alpha'));
  try {
    for (const [flag, value] of [['--port', 'x'], ['--max-body', 'lots'], ['--retain-days', '0'], ['--retain-days', '1.5']] as const) {
      const err = assertFails(await runCli(['serve', ...(flag === '--port' ? [] : ['--port', '0']), flag, value], { cwd: repo.dir }), 2, 'CAX_USAGE');
      assert.match(err, `${flag} ${value} is not`);
    }
  } finally {
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

Limits('sets the request size limit: a larger message answers 413', async () => {
  const repo = makeRepo(agentFiles('a'));
  let server: ServeChild | null = null;
  try {
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

// ---

const Retain = suite('caxton serve :: --retain-days');

Retain('deletes message and tool events older than N days at start-up, says how many in EventsPruned, keeps the rest', async () => {
  const repo = makeRepo(agentFiles('a'));
  let server: ServeChild | null = null;
  try {
    // a log with ten days old events (a conversation's three, a tool's call, the server's start) and a recent message
    const dataDir = path.join(repo.dir, '.caxton');
    fs.mkdirSync(dataDir, { recursive: true });
    const old = Date.now() - 10 * 86_400_000;
    const log = await EventLog.open({ file: path.join(dataDir, 'events.duckdb') });
    log.append('MessageSent', { messageId: 'm1' }, { conversationId: 'old-conv', at: old });
    log.append('MessageDelivered', { messageId: 'm1', agent: 'a' }, { conversationId: 'old-conv', at: old });
    log.append('LlmUsage', { messageId: 'm1', promptTokens: 3, completionTokens: 4 }, { conversationId: 'old-conv', at: old });
    log.append('ToolExecuted', { tool: 't', fn: 'f' }, { group: 't', at: old });
    log.append('ServerStarted', { url: 'http://old' }, { at: old });
    log.append('WebhookReceived', { delivery: 'd-bad', event: 'push', bytes: 10 }, { at: old });
    log.append('WebhookRejected', { delivery: 'd-bad', event: 'push', reason: 'invalid' }, { at: old });
    log.append('WebhookQueued', { delivery: 'd-good', sha: 'abc', ref: 'refs/heads/main' }, { at: old });
    log.append('MessageSent', { messageId: 'm2' }, { conversationId: 'new-conv' });
    await log.close();

    server = await spawnServe({ cwd: repo.dir, args: ['--retain-days', '7'] });
    const token = fs.readFileSync(path.join(dataDir, 'token'), 'utf8').trim();
    const events = async (q: string) => (await (await fetch(`${server!.url}/api/v1/events?${q}`, { headers: { authorization: `Bearer ${token}` } })).json()) as Array<{ type: string; conversationId: string | null; payload: Record<string, unknown> }>;
    let pruned: Awaited<ReturnType<typeof events>> = [];
    for (let i = 0; i < 100 && !pruned.length; i++) {
      pruned = await events('type=EventsPruned');
      if (!pruned.length) await new Promise((r) => setTimeout(r, 50));
    }
    assert.is(pruned.length, 1, 'pruned at start-up');
    assert.is(pruned[0]!.payload.events, 6);
    assert.equal(await events('type=WebhookRejected'), [], 'an unsigned delivery\'s trail goes');
    assert.is((await events('type=WebhookQueued')).length, 1, 'what idempotency reads stays');
    assert.is(pruned[0]!.payload.retainDays, 7);
    assert.equal(await events('conversationId=old-conv'), []);
    assert.equal(await events('type=ToolExecuted'), []);
    assert.is((await events('conversationId=new-conv')).length, 1, 'a recent message is kept');
    assert.ok((await events('type=ServerStarted')).some((e) => e.payload.url === 'http://old'), "the server's old start is kept");
  } finally {
    await server?.stop();
    repo.remove();
  }
});

Retain.run();
