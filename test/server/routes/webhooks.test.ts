import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import net from 'node:net';
import path from 'node:path';
import { basicFactory } from '../../../server/deploy/basic-factory.js';
import type { RuntimeFactory } from '../../../server/deploy/runtime-factory.js';
import type { ServeOptions } from '../../../server/serve.js';
import { deliver, pingPayload, pushPayload, signature, ZERO_SHA, type DeliveryReply } from '../../util/github.js';
import { gate } from '../../util/http.js';
import { git, makeRemote, type TestRemote } from '../../util/remote.js';
import { captureLogs, startTestServer } from '../../util/server.js';
import { rm, tmpDir } from '../../util/tmp.js';
import { agentFiles } from '../../util/workspace.js';
import { until } from '../../util/promises.js';

const SECRET = 'whsec-Zq8u1vJ3kT0pXr9aLm2N';
const TOKEN = 'cax_tok-9fQwErTy7UiOp3AsDf';

type Server = Awaited<ReturnType<typeof startTestServer>>;

interface Env {
  remote: TestRemote;
  server: Server;
  dataDir: string;
  logs: ReturnType<typeof captureLogs>;
  /** signs and sends a push of `after` (default: the work checkout's HEAD) to `ref` */
  push(o?: { ref?: string; before?: string; after?: string; id?: string }): Promise<DeliveryReply>;
  webhookDeployments(): Promise<any[]>;
  close(opts?: { keep?: boolean }): Promise<void>;
}

/** A bare remote with agent `a`, and a server following it (--repo, --branch main). */
async function setup(opts: Partial<ServeOptions> & { remote?: TestRemote; dataDir?: string } = {}): Promise<Env> {
  const remote = opts.remote ?? makeRemote(agentFiles('a'));
  const dataDir = opts.dataDir ?? tmpDir('caxton-data-');
  const logs = captureLogs('debug');
  const server = await startTestServer({ repo: remote.origin, branch: 'main', dataDir, token: TOKEN, webhookSecret: SECRET, logger: logs.logger, ...opts });
  let before = remote.work.head();
  return {
    remote,
    server,
    dataDir,
    logs,
    async push(o = {}) {
      const after = o.after ?? remote.work.head();
      const body = JSON.stringify(pushPayload({ ref: o.ref ?? 'refs/heads/main', before: o.before ?? before, after, repo: remote.work }));
      if (!o.before) before = after;
      return deliver(server.url, { event: 'push', body, secret: SECRET, ...(o.id ? { id: o.id } : {}) });
    },
    async webhookDeployments() {
      const all = (await server.api('GET', '/api/v1/deployments?limit=1000')).body as any[];
      return all.filter((d) => d.trigger === 'webhook').reverse();
    },
    async close({ keep = false } = {}) {
      await server.close();
      if (!keep) {
        remote.remove();
        rm(dataDir);
      }
    },
  };
}

/** The record of deployment `id` once it exists. */
const recordOf = (s: Server, id: string) =>
  until(async () => {
    const r = await s.api('GET', `/api/v1/deployments/${id}`);
    return r.status === 200 ? r.body : null;
  }, 20_000, 20);

const eventsOf = async (s: Server, type: string) => (await s.api('GET', `/api/v1/events?type=${type}&limit=1000`)).body as any[];

function noSecretsIn(env: Env): void {
  for (const line of env.logs.lines) {
    assert.not.ok(line.includes(SECRET), `the webhook secret leaked into a log line: ${line}`);
    assert.not.ok(line.includes(TOKEN), `the API token leaked into a log line: ${line}`);
  }
}

// ---

const Push = suite('POST /webhooks/github :: push');

Push('a signed push to main answers 202 at once and deploys the pushed SHA with trigger webhook', async () => {
  const env = await setup();
  try {
    const sha = env.remote.push(agentFiles('b'), 'add b');
    const res = await env.push();
    assert.is(res.status, 202, JSON.stringify(res.body));
    assert.is(res.body.status, 'queued');
    assert.is(res.body.delivery, res.id);
    assert.is(res.body.deployment.sha, sha);
    assert.is(res.body.deployment.trigger, 'webhook');
    assert.match(res.body.deployment.id, /^dep_/);

    const record = await recordOf(env.server, res.body.deployment.id);
    assert.is(record.status, 'succeeded');
    assert.is(record.toSha, sha);
    assert.is(record.trigger, 'webhook');
    assert.equal(record.changes.added.map((c: any) => c.name).sort(), ['a', 'b']);
    const status = (await env.server.api('GET', '/api/v1/status')).body;
    assert.is(status.deployedSha, sha);
    assert.equal(status.agents.map((a: any) => a.name).sort(), ['a', 'b']);

    // every step of the delivery is an event
    await until(async () => (await eventsOf(env.server, 'WebhookDeployed')).length === 1, 20_000, 20);
    for (const type of ['WebhookReceived', 'WebhookVerified', 'WebhookQueued', 'WebhookDeployed']) {
      const evs = await eventsOf(env.server, type);
      assert.ok(evs.some((e) => e.payload.delivery === res.id || e.payload.deliveries?.includes(res.id)), `${type} for the delivery`);
    }
    const deployed = (await eventsOf(env.server, 'WebhookDeployed'))[0];
    assert.is(deployed.payload.status, 'succeeded');
    assert.is(deployed.deploymentId, record.id);
    noSecretsIn(env);
  } finally {
    await env.close();
  }
});

Push('fetches before deploying: a push the mirror has not seen yet deploys (two pushes, two deployments)', async () => {
  const env = await setup();
  try {
    const first = env.remote.push(agentFiles('b'));
    const r1 = await env.push();
    assert.is((await recordOf(env.server, r1.body.deployment.id)).toSha, first);
    const second = env.remote.push(agentFiles('c'));
    const r2 = await env.push();
    const rec = await recordOf(env.server, r2.body.deployment.id);
    assert.is(rec.toSha, second);
    assert.is(rec.fromSha, first);
    assert.equal(rec.changes.added.map((c: any) => c.name), ['c']);
  } finally {
    await env.close();
  }
});

Push('a form-encoded delivery (content type application/x-www-form-urlencoded) deploys too', async () => {
  const env = await setup();
  try {
    const sha = env.remote.push(agentFiles('b'));
    const json = JSON.stringify(pushPayload({ ref: 'refs/heads/main', before: env.remote.work.git('rev-parse', 'HEAD~1'), after: sha, repo: env.remote.work }));
    const body = new URLSearchParams({ payload: json }).toString();
    const res = await deliver(env.server.url, { event: 'push', body, secret: SECRET, contentType: 'application/x-www-form-urlencoded' });
    assert.is(res.status, 202, JSON.stringify(res.body));
    assert.is((await recordOf(env.server, res.body.deployment.id)).toSha, sha);
  } finally {
    await env.close();
  }
});

Push('a push whose commit the deploy cannot use :: recorded as a failed deployment, the previous one keeps serving', async () => {
  const env = await setup();
  try {
    const good = env.remote.push(agentFiles('b'));
    await recordOf(env.server, (await env.push()).body.deployment.id);
    env.remote.push({ 'agents/b/agent.toml': 'name = "b"\ncapabilites = ["x"]\n' }, 'typo');
    const res = await env.push();
    assert.is(res.status, 202);
    const rec = await recordOf(env.server, res.body.deployment.id);
    assert.is(rec.status, 'failed');
    assert.ok(rec.errors.length > 0);
    assert.is((await env.server.api('GET', '/api/v1/status')).body.deployedSha, good);
  } finally {
    await env.close();
  }
});

Push('a push of a SHA that is not the branch tip after the fetch :: WebhookSuperseded by the tip, nothing deployed', async () => {
  const env = await setup();
  try {
    const res = await env.push({ after: 'f'.repeat(40) });
    assert.is(res.status, 202);
    const stale = await until(async () => (await eventsOf(env.server, 'WebhookSuperseded'))[0], 20_000, 20);
    assert.equal(stale.payload.by, { deploymentId: null, sha: env.remote.work.head() });
    assert.match(stale.payload.reason, /^refs\/heads\/main is at \w{7} now, not fffffff/);
    assert.equal(await env.webhookDeployments(), []);
  } finally {
    await env.close();
  }
});

Push('a server on a local checkout with an origin fetches the pushed SHA it does not have yet', async () => {
  const remote = makeRemote(agentFiles('a'));
  const clone = path.join(remote.root, 'server-checkout');
  git(remote.root, 'clone', '--quiet', remote.origin, clone);
  const dataDir = tmpDir('caxton-data-');
  const server = await startTestServer({ workspace: clone, dataDir, token: TOKEN, webhookSecret: SECRET });
  try {
    const before = remote.work.head();
    const sha = remote.push(agentFiles('b'), 'add b');
    const body = JSON.stringify(pushPayload({ ref: 'refs/heads/main', before, after: sha, repo: remote.work }));
    const res = await deliver(server.url, { event: 'push', body, secret: SECRET });
    assert.is(res.status, 202, JSON.stringify(res.body));
    const rec = await recordOf(server, res.body.deployment.id);
    assert.is(rec.status, 'succeeded');
    assert.is(rec.toSha, sha);
  } finally {
    await server.close();
    remote.remove();
    rm(dataDir);
  }
});

Push.run();

// ---

const Replay = suite('POST /webhooks/github :: idempotent by X-GitHub-Delivery');

Replay('a replayed delivery deploys nothing again', async () => {
  const env = await setup();
  try {
    env.remote.push(agentFiles('b'));
    const first = await env.push({ id: 'delivery-replay-1' });
    await recordOf(env.server, first.body.deployment.id);
    const again = await env.push({ id: 'delivery-replay-1', before: env.remote.work.git('rev-parse', 'HEAD~1') });
    assert.is(again.status, 200, JSON.stringify(again.body));
    assert.is(again.body.status, 'duplicate');
    assert.is((await env.webhookDeployments()).length, 1);
    const ignored = await eventsOf(env.server, 'WebhookIgnored');
    assert.ok(ignored.some((e) => e.payload.delivery === 'delivery-replay-1' && /handled before/.test(e.payload.reason)));
  } finally {
    await env.close();
  }
});

Replay('two copies of one delivery at the same time queue one deployment', async () => {
  const env = await setup();
  try {
    env.remote.push(agentFiles('b'));
    const before = env.remote.work.git('rev-parse', 'HEAD~1');
    const [a, b] = await Promise.all([env.push({ id: 'delivery-twin', before }), env.push({ id: 'delivery-twin', before })]);
    assert.equal([a.status, b.status].sort(), [200, 202], JSON.stringify([a.body, b.body]));
    const queued = a.status === 202 ? a : b;
    await recordOf(env.server, queued.body.deployment.id);
    assert.is((await env.webhookDeployments()).length, 1);
  } finally {
    await env.close();
  }
});

Replay('a captured push sent again under a new delivery id after a newer push deploys nothing: the delivery id is not signed, the tip check is what stops it', async () => {
  const env = await setup();
  try {
    const before = env.remote.work.head();
    const old = env.remote.push(agentFiles('b'));
    const captured = { before, after: old };
    await recordOf(env.server, (await env.push({ id: 'delivery-old', ...captured })).body.deployment.id);
    const newer = env.remote.push(agentFiles('c'));
    await recordOf(env.server, (await env.push({ id: 'delivery-new' })).body.deployment.id);

    const replayed = await env.push({ id: 'delivery-forged', ...captured });
    assert.is(replayed.status, 202, 'signed and never seen: queued, and judged when its turn comes');
    const stale = await until(async () => (await eventsOf(env.server, 'WebhookSuperseded')).find((e) => e.payload.deliveries.includes('delivery-forged')), 20_000, 20);
    assert.equal(stale.payload.by, { deploymentId: null, sha: newer });
    assert.is((await env.server.api('GET', '/api/v1/status')).body.deployedSha, newer, 'the newer commit still serves');
    assert.is((await env.webhookDeployments()).length, 2);
  } finally {
    await env.close();
  }
});

Replay('a force-push back to an older commit deploys it: that commit is the tip again', async () => {
  const env = await setup();
  try {
    const first = env.remote.work.head();
    env.remote.push(agentFiles('b'));
    await recordOf(env.server, (await env.push()).body.deployment.id);
    env.remote.work.git('reset', '--quiet', '--hard', first);
    env.remote.work.git('push', '--quiet', '--force', 'origin', 'HEAD');
    const rec = await recordOf(env.server, (await env.push({ after: first })).body.deployment.id);
    assert.is(rec.status, 'succeeded');
    assert.is(rec.toSha, first);
  } finally {
    await env.close();
  }
});

Replay('a redelivery after a restart is still recognised (kept in DuckDB)', async () => {
  const env = await setup();
  const before = env.remote.work.head();
  env.remote.push(agentFiles('b'));
  const first = await env.push({ id: 'delivery-restart-1', before });
  await recordOf(env.server, first.body.deployment.id);
  await env.close({ keep: true });
  const again = await setup({ remote: env.remote, dataDir: env.dataDir });
  try {
    const res = await again.push({ id: 'delivery-restart-1', before });
    assert.is(res.status, 200, JSON.stringify(res.body));
    assert.is(res.body.status, 'duplicate');
    assert.is((await again.webhookDeployments()).length, 1);
    // a new delivery of the same push is a new delivery (GitHub gives every delivery its own id)
    const fresh = await again.push({ id: 'delivery-restart-2', before });
    assert.is(fresh.status, 202);
  } finally {
    await again.close();
  }
});

Replay.run();

// ---

const Signature = suite('POST /webhooks/github :: X-Hub-Signature-256');

Signature('a bad, missing or foreign signature :: 401 CAX_WEBHOOK_SIGNATURE and nothing deployed', async () => {
  const env = await setup();
  try {
    const sha = env.remote.push(agentFiles('b'));
    const body = JSON.stringify(pushPayload({ ref: 'refs/heads/main', before: env.remote.work.git('rev-parse', 'HEAD~1'), after: sha, repo: env.remote.work }));
    const cases: Array<[string, Parameters<typeof deliver>[1]]> = [
      ['wrong secret', { event: 'push', body, secret: 'not-the-secret' }],
      ['missing', { event: 'push', body, secret: null }],
      ['tampered body', { event: 'push', body: body.replace(sha, 'e'.repeat(40)), secret: null, signature: signature(SECRET, body) }],
      ['sha1 only', { event: 'push', body, secret: null, signature: `sha1=${'0'.repeat(40)}` }],
      ['empty', { event: 'push', body, secret: null, signature: '' }],
      ['uppercase hex', { event: 'push', body, secret: null, signature: signature(SECRET, body).toUpperCase() }],
      ['one byte more', { event: 'push', body: `${body} `, secret: null, signature: signature(SECRET, body) }],
    ];
    for (const [what, d] of cases) {
      const res = await deliver(env.server.url, d);
      assert.is(res.status, 401, `${what}: ${JSON.stringify(res.body)}`);
      assert.is(res.body.error.code, 'CAX_WEBHOOK_SIGNATURE', what);
      assert.ok(Array.isArray(res.body.error.suggestions));
      assert.not.ok(JSON.stringify(res.body).includes(SECRET));
    }
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(await env.webhookDeployments(), []);
    assert.is((await env.server.api('GET', '/api/v1/status')).body.deployedSha, null);
    const rejected = await eventsOf(env.server, 'WebhookRejected');
    assert.is(rejected.length, cases.length);
    assert.equal((await eventsOf(env.server, 'WebhookVerified')).length, 0);
    noSecretsIn(env);
  } finally {
    await env.close();
  }
});

Signature('the API bearer token is no substitute for the signature', async () => {
  const env = await setup();
  try {
    const res = await fetch(`${env.server.url}/webhooks/github`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', 'x-github-event': 'ping', 'x-github-delivery': 'x' },
      body: JSON.stringify(pingPayload()),
    });
    assert.is(res.status, 401);
  } finally {
    await env.close();
  }
});

Signature('without a secret configured :: 401 (no signature can be verified) with CAX_WEBHOOK_NOT_CONFIGURED saying why, nothing deployed', async () => {
  const saved = process.env.CAXTON_WEBHOOK_SECRET;
  delete process.env.CAXTON_WEBHOOK_SECRET;
  const env = await setup({ webhookSecret: '' });
  try {
    env.remote.push(agentFiles('b'));
    const res = await env.push();
    assert.is(res.status, 401);
    assert.is(res.body.error.code, 'CAX_WEBHOOK_NOT_CONFIGURED');
    assert.match(res.body.error.suggestions.join(' '), /CAXTON_WEBHOOK_SECRET/);
    assert.equal(await env.webhookDeployments(), []);
  } finally {
    if (saved !== undefined) process.env.CAXTON_WEBHOOK_SECRET = saved;
    await env.close();
  }
});

Signature('the secret comes from CAXTON_WEBHOOK_SECRET when no option names one', async () => {
  const saved = process.env.CAXTON_WEBHOOK_SECRET;
  process.env.CAXTON_WEBHOOK_SECRET = SECRET;
  const env = await setup({ webhookSecret: undefined });
  try {
    const res = await deliver(env.server.url, { event: 'ping', body: JSON.stringify(pingPayload()), secret: SECRET });
    assert.is(res.status, 200);
  } finally {
    if (saved === undefined) delete process.env.CAXTON_WEBHOOK_SECRET;
    else process.env.CAXTON_WEBHOOK_SECRET = saved;
    await env.close();
  }
});

Signature.run();

// ---

const Ignored = suite('POST /webhooks/github :: acknowledged and ignored');

Ignored('ping answers 200', async () => {
  const env = await setup();
  try {
    const res = await deliver(env.server.url, { event: 'ping', body: JSON.stringify(pingPayload()), secret: SECRET });
    assert.is(res.status, 200);
    assert.is(res.body.status, 'pong');
    assert.is(res.body.zen, 'Keep it logically awesome.');
    // GitHub's Redeliver of the same ping: pong again, not "duplicate"
    const again = await deliver(env.server.url, { event: 'ping', body: JSON.stringify(pingPayload()), secret: SECRET, id: res.id });
    assert.equal([again.status, again.body.status], [200, 'pong']);
  } finally {
    await env.close();
  }
});

Ignored('a push to another branch, a tag push, a branch deletion and another event deploy nothing', async () => {
  const env = await setup();
  try {
    env.remote.work.git('checkout', '--quiet', '-b', 'feature');
    const feature = env.remote.push(agentFiles('f'), 'feature work');
    env.remote.work.git('tag', 'v1');
    env.remote.work.git('push', '--quiet', 'origin', 'v1');
    const main = env.remote.work.git('rev-parse', 'main');
    const cases: Array<[DeliveryReply, RegExp]> = [
      [await env.push({ ref: 'refs/heads/feature', before: main, after: feature }), /refs\/heads\/feature; only pushes to refs\/heads\/main deploy/],
      [await env.push({ ref: 'refs/tags/v1', before: ZERO_SHA, after: feature }), /tag push/],
      [await env.push({ ref: 'refs/heads/main', before: main, after: ZERO_SHA }), /deleted/],
      [await deliver(env.server.url, { event: 'issues', body: JSON.stringify({ action: 'opened', issue: { number: 1 } }), secret: SECRET }), /event "issues" is not handled/],
    ];
    for (const [res, reason] of cases) {
      assert.is(res.status, 200, JSON.stringify(res.body));
      assert.is(res.body.status, 'ignored');
      assert.match(res.body.reason, reason);
    }
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(await env.webhookDeployments(), []);
    const ignored = await eventsOf(env.server, 'WebhookIgnored');
    assert.is(ignored.length, 4);
    assert.ok(ignored.every((e) => typeof e.payload.reason === 'string' && e.payload.delivery));
  } finally {
    await env.close();
  }
});

Ignored('a verified delivery that is not a push payload :: 400 CAX_BAD_REQUEST', async () => {
  const env = await setup();
  try {
    for (const body of ['not json', JSON.stringify({ ref: 'refs/heads/main', after: 'nope', before: ZERO_SHA })]) {
      const res = await deliver(env.server.url, { event: 'push', body, secret: SECRET });
      assert.is(res.status, 400, body);
      assert.is(res.body.error.code, 'CAX_BAD_REQUEST');
    }
  } finally {
    await env.close();
  }
});

Ignored('a delivery over the body limit :: 413 naming the webhook limit; one without a content type still verifies', async () => {
  const env = await setup({ webhooks: { bodyLimit: 4096 } });
  try {
    const big = await deliver(env.server.url, { event: 'ping', body: JSON.stringify({ zen: 'x'.repeat(5000) }), secret: SECRET });
    assert.is(big.status, 413);
    assert.is(big.body.error.code, 'CAX_PAYLOAD_TOO_LARGE');
    assert.match(big.body.error.message, /4096 bytes/);
    // not the API's --max-body, which does not govern deliveries
    assert.match(big.body.error.suggestions.join(' '), /caxton deploy --ref SHA/);
    const body = JSON.stringify(pingPayload());
    const res = await fetch(`${env.server.url}/webhooks/github`, {
      method: 'POST',
      headers: { 'x-github-event': 'ping', 'x-github-delivery': 'no-type', 'x-hub-signature-256': signature(SECRET, body) },
      body: Buffer.from(body),
    });
    assert.is(res.status, 200, await res.clone().text());
  } finally {
    await env.close();
  }
});

Ignored.run();

// ---

const Burst = suite('POST /webhooks/github :: a burst of pushes coalesces');

Burst('five pushes while a deployment runs end on the newest SHA, deploying only the first and the last', async () => {
  const g = gate();
  let held = true;
  const slow: RuntimeFactory = {
    ...basicFactory,
    createAgent: async (args) => {
      if (held) await g.wait;
      return basicFactory.createAgent(args);
    },
  };
  const env = await setup({ factory: slow });
  try {
    const shas: string[] = [];
    const replies: DeliveryReply[] = [];
    for (let i = 1; i <= 5; i++) {
      shas.push(env.remote.push(agentFiles(`burst-${i}`), `burst ${i}`));
      replies.push(await env.push());
      if (i === 1) await until(async () => env.server.deployer.running !== null, 20_000, 20);
    }
    assert.ok(replies.every((r) => r.status === 202), JSON.stringify(replies.map((r) => r.body)));
    held = false;
    g.release();
    await recordOf(env.server, replies[4]!.body.deployment.id);
    const deployed = await env.webhookDeployments();
    assert.equal(deployed.map((d) => d.toSha), [shas[0], shas[4]], 'pushes 2–4 were superseded');
    assert.is((await env.server.api('GET', '/api/v1/status')).body.deployedSha, shas[4]);
    const superseded = await eventsOf(env.server, 'WebhookSuperseded');
    assert.equal(superseded.map((e) => e.payload.sha).sort(), [shas[1], shas[2], shas[3]].sort());
  } finally {
    g.release();
    await env.close();
  }
});

Burst('five pushes in quick succession end on the newest SHA with no older deployment after it', async () => {
  const env = await setup();
  try {
    const shas: string[] = [];
    const replies: DeliveryReply[] = [];
    for (let i = 1; i <= 5; i++) {
      shas.push(env.remote.push(agentFiles(`quick-${i}`), `quick ${i}`));
      replies.push(await env.push());
    }
    assert.ok(replies.every((r) => r.status === 202));
    await recordOf(env.server, replies[4]!.body.deployment.id);
    await new Promise((r) => setTimeout(r, 300));
    const deployed = (await env.webhookDeployments()).map((d) => shas.indexOf(d.toSha));
    assert.ok(deployed.length >= 1 && deployed.length <= 5);
    assert.is(deployed.at(-1), 4, 'the newest SHA is deployed last');
    for (let i = 1; i < deployed.length; i++) assert.ok(deployed[i]! > deployed[i - 1]!, `push order kept: ${deployed.join(',')}`);
    assert.is((await env.server.api('GET', '/api/v1/status')).body.deployedSha, shas[4]);
  } finally {
    await env.close();
  }
});

Burst('a push while a CLI deployment runs waits for it instead of failing busy', async () => {
  const g = gate();
  let held = true;
  const slow: RuntimeFactory = {
    ...basicFactory,
    createAgent: async (args) => {
      if (held) await g.wait;
      return basicFactory.createAgent(args);
    },
  };
  const env = await setup({ factory: slow });
  try {
    const cli = env.server.api('POST', '/api/v1/deployments', { ref: 'main', trigger: 'cli' });
    await until(async () => env.server.deployer.running !== null, 20_000, 20);
    const sha = env.remote.push(agentFiles('b'));
    const res = await env.push();
    assert.is(res.status, 202);
    await new Promise((r) => setTimeout(r, 150));
    held = false;
    g.release();
    assert.is((await cli).status, 201);
    const rec = await recordOf(env.server, res.body.deployment.id);
    assert.is(rec.status, 'succeeded');
    assert.is(rec.toSha, sha);
    assert.equal(await eventsOf(env.server, 'WebhookDeployFailed'), []);
  } finally {
    g.release();
    await env.close();
  }
});

Burst.run();

// ---

const Locked = suite('POST /webhooks/github :: deploy lock');

Locked('a push while locked answers 423, deploys nothing and is recorded as refused', async () => {
  const env = await setup();
  try {
    await env.server.api('POST', '/api/v1/lock', { reason: 'rolled back, investigating', by: 'ops' });
    const sha = env.remote.push(agentFiles('b'));
    const res = await env.push({ id: 'delivery-locked-1' });
    assert.is(res.status, 423, JSON.stringify(res.body));
    assert.is(res.body.error.code, 'CAX_DEPLOY_LOCKED');
    assert.match(res.body.error.message, /rolled back, investigating/);
    assert.is(res.body.error.lock.by, 'ops');
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(await env.webhookDeployments(), []);
    const refused = await eventsOf(env.server, 'WebhookRefused');
    assert.is(refused.length, 1);
    assert.is(refused[0].payload.delivery, 'delivery-locked-1');
    assert.is(refused[0].payload.sha, sha);
    assert.is(refused[0].payload.reason, 'rolled back, investigating');

    // once unlocked, GitHub's "Redeliver" of the refused delivery deploys it
    await env.server.api('DELETE', '/api/v1/lock');
    const again = await env.push({ id: 'delivery-locked-1', before: env.remote.work.git('rev-parse', 'HEAD~1') });
    assert.is(again.status, 202, JSON.stringify(again.body));
    assert.is((await recordOf(env.server, again.body.deployment.id)).toSha, sha);
  } finally {
    await env.close();
  }
});

Locked('a lock set while a push waits refuses it when its turn comes', async () => {
  const g = gate();
  let held = true;
  const slow: RuntimeFactory = { ...basicFactory, createAgent: async (args) => (held && (await g.wait), basicFactory.createAgent(args)) };
  const env = await setup({ factory: slow });
  try {
    env.remote.push(agentFiles('b'));
    const first = await env.push();
    await until(async () => env.server.deployer.running !== null, 20_000, 20);
    env.remote.push(agentFiles('c'));
    const second = await env.push();
    assert.is(second.status, 202);
    await env.server.api('POST', '/api/v1/lock', { reason: 'freeze' });
    held = false;
    g.release();
    await recordOf(env.server, first.body.deployment.id);
    const refused = await until(async () => (await eventsOf(env.server, 'WebhookRefused'))[0], 20_000, 20);
    assert.is(refused.payload.deploymentId, second.body.deployment.id);
    assert.is((await env.server.api('GET', `/api/v1/deployments/${second.body.deployment.id}`)).status, 404);
  } finally {
    g.release();
    await env.close();
  }
});

Locked.run();

// ---

const Limits = suite('POST /webhooks/github :: rate limit');

Limits('over the limit :: 429 CAX_RATE_LIMITED with Retry-After', async () => {
  const env = await setup({ webhooks: { rateLimit: { capacity: 3, refillPerSecond: 0.01 } } });
  try {
    const statuses: number[] = [];
    let last: DeliveryReply | null = null;
    for (let i = 0; i < 5; i++) {
      last = await deliver(env.server.url, { event: 'ping', body: JSON.stringify(pingPayload()), secret: i % 2 ? null : SECRET });
      statuses.push(last.status);
    }
    assert.equal(statuses, [200, 401, 200, 429, 429]);
    assert.is(last!.body.error.code, 'CAX_RATE_LIMITED');
    assert.ok(Number(last!.headers.get('retry-after')) >= 1);
    // the rest of the API is not limited
    assert.is((await env.server.api('GET', '/api/v1/status')).status, 200);
  } finally {
    await env.close();
  }
});

Limits('deliveries read at once are capped: one more is 429 before its body is read; a finished one frees its place', async () => {
  const env = await setup({ webhooks: { maxInFlight: 1 } });
  const { port } = new URL(env.server.url);
  // a delivery whose body has not all arrived: it holds its place while it is read
  const slow = net.connect(Number(port), '127.0.0.1');
  try {
    await new Promise<void>((r) => slow.once('connect', () => r()));
    slow.write('POST /webhooks/github HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nX-GitHub-Event: ping\r\nX-GitHub-Delivery: slow-1\r\nContent-Length: 1000\r\n\r\n{"zen":');
    await new Promise((r) => setTimeout(r, 100));
    const refused = await deliver(env.server.url, { event: 'ping', body: JSON.stringify(pingPayload()), secret: SECRET });
    assert.is(refused.status, 429);
    assert.is(refused.body.error.code, 'CAX_RATE_LIMITED');
    assert.is(refused.headers.get('retry-after'), '1');
    slow.destroy();
    await new Promise((r) => setTimeout(r, 100));
    assert.is((await deliver(env.server.url, { event: 'ping', body: JSON.stringify(pingPayload()), secret: SECRET })).status, 200, 'the abandoned one freed its place');
    assert.is((await deliver(env.server.url, { event: 'ping', body: JSON.stringify(pingPayload()), secret: SECRET })).status, 200, 'and so did the answered one');
  } finally {
    slow.destroy();
    await env.close();
  }
});

Limits.run();
