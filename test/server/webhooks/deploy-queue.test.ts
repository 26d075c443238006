import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import pino from 'pino';
import { CaxtonError } from '../../../server/errors.js';
import type { DeployOptions } from '../../../server/deploy/deployer.js';
import type { DeploymentRecord } from '../../../server/deploy/record.js';
import { DeployQueue } from '../../../server/webhooks/deploy-queue.js';
import { until } from '../../util/promises.js';

/** A deployer stand-in: each deploy waits until the test finishes it. */
function fakeDeployer() {
  const calls: DeployOptions[] = [];
  const finishers: Array<(err?: Error) => void> = [];
  const d = {
    running: null as null | { id: string },
    calls,
    /** finishes the oldest unfinished deploy */
    finish(err?: Error) {
      finishers.shift()!(err);
    },
    get waiting() {
      return finishers.length;
    },
    deploy(opts: DeployOptions): Promise<DeploymentRecord> {
      if (d.running) return Promise.reject(new CaxtonError('CAX_DEPLOY_BUSY', { runningId: d.running.id }));
      calls.push(opts);
      d.running = { id: opts.id! };
      return new Promise((resolve, reject) => {
        finishers.push((err) => {
          d.running = null;
          if (err) reject(err);
          else resolve({ id: opts.id!, toSha: opts.ref, fromSha: null, status: 'succeeded', durationMs: 1 } as DeploymentRecord);
        });
      });
    },
  };
  return d;
}

function sink() {
  const events: Array<{ type: string; payload: any }> = [];
  return { events, append: (type: string, payload: unknown) => void events.push({ type, payload }), flush: async () => undefined };
}

const tick = (ms = 5) => new Promise((r) => setTimeout(r, ms));

/** A queue whose branch tip follows the pushes, as on GitHub (the newest push is the tip); a test may move it. */
class TestQueue extends DeployQueue {
  tip: string | null = null;
  override enqueue(o: Parameters<DeployQueue['enqueue']>[0]) {
    this.tip = o.sha;
    return super.enqueue(o);
  }
}

function setup(opts: { branchTip?: () => Promise<string | null> } = {}) {
  const deployer = fakeDeployer();
  const events = sink();
  let n = 0;
  const queue: TestQueue = new TestQueue({
    deployer,
    events,
    logger: pino({ level: 'silent' }),
    pollMs: 5,
    newId: () => `dep_${++n}`,
    branchTip: opts.branchTip ?? (async () => queue.tip),
  });
  return { deployer, events, queue };
}

// ---

const Enqueue = suite('DeployQueue.enqueue');

Enqueue('deploys a push at once with the announced id and trigger webhook', async () => {
  const { deployer, events, queue } = setup();
  const q = queue.enqueue({ sha: 'a1', ref: 'refs/heads/main', delivery: 'd1' });
  assert.is(q.deployment.id, 'dep_1');
  assert.is(q.supersedes, null);
  await until(() => deployer.waiting === 1, 2000, 2);
  assert.equal(deployer.calls, [{ ref: 'a1', trigger: 'webhook', id: 'dep_1' }]);
  deployer.finish();
  await queue.idle();
  assert.equal(events.events.map((e) => e.type), ['WebhookDeployed']);
  assert.equal(events.events[0]!.payload.deliveries, ['d1']);
  assert.is(events.events[0]!.payload.status, 'succeeded');
});

Enqueue('while one runs, each newer push replaces the waiting one: the newest wins, no older one runs after it', async () => {
  const { deployer, events, queue } = setup();
  queue.enqueue({ sha: 's1', ref: 'r', delivery: 'd1' });
  await until(() => deployer.waiting === 1, 2000, 2);
  for (const i of [2, 3, 4, 5]) queue.enqueue({ sha: `s${i}`, ref: 'r', delivery: `d${i}` });
  assert.is(queue.state.pending!.sha, 's5');
  deployer.finish();
  await until(() => deployer.waiting === 1, 2000, 2);
  deployer.finish();
  await queue.idle();
  assert.equal(deployer.calls.map((c) => c.ref), ['s1', 's5']);
  const superseded = events.events.filter((e) => e.type === 'WebhookSuperseded');
  assert.equal(superseded.map((e) => [e.payload.sha, e.payload.by.sha]), [['s2', 's3'], ['s3', 's4'], ['s4', 's5']]);
});

Enqueue('a push of the commit already waiting or running joins that deployment', async () => {
  const { deployer, queue } = setup();
  const first = queue.enqueue({ sha: 's1', ref: 'r', delivery: 'd1' });
  await until(() => deployer.waiting === 1, 2000, 2);
  const again = queue.enqueue({ sha: 's1', ref: 'r', delivery: 'd1b' });
  assert.ok(again.joined);
  assert.is(again.deployment.id, first.deployment.id);
  const next = queue.enqueue({ sha: 's2', ref: 'r', delivery: 'd2' });
  const same = queue.enqueue({ sha: 's2', ref: 'r', delivery: 'd2b' });
  assert.is(same.deployment.id, next.deployment.id);
  assert.equal(same.deployment.deliveries, ['d2', 'd2b']);
  // s1 again after s2 (a revert pushed back): the newest wins, so s1 is deployed after s2 would have been
  const back = queue.enqueue({ sha: 's1', ref: 'r', delivery: 'd3' });
  assert.not.ok(back.joined);
  deployer.finish();
  await until(() => deployer.waiting === 1, 2000, 2);
  deployer.finish();
  await queue.idle();
  assert.equal(deployer.calls.map((c) => c.ref), ['s1', 's1']);
});

Enqueue.run();

// ---

const Waits = suite('DeployQueue :: another deployment running');

Waits('waits while a deployment from elsewhere (the CLI) runs, then deploys', async () => {
  const { deployer, queue } = setup();
  deployer.running = { id: 'dep_cli' };
  queue.enqueue({ sha: 's1', ref: 'r', delivery: 'd1' });
  await tick(30);
  assert.is(deployer.calls.length, 0);
  queue.enqueue({ sha: 's2', ref: 'r', delivery: 'd2' });
  deployer.running = null;
  await until(() => deployer.waiting === 1, 2000, 2);
  deployer.finish();
  await queue.idle();
  assert.equal(deployer.calls.map((c) => c.ref), ['s2'], 'only the newest ran');
});

Waits('a CAX_DEPLOY_BUSY from a race is waited out, not recorded as a failure', async () => {
  const { deployer, events, queue } = setup();
  let busyOnce = true;
  const real = deployer.deploy.bind(deployer);
  deployer.deploy = (opts) => {
    if (busyOnce) {
      busyOnce = false;
      return Promise.reject(new CaxtonError('CAX_DEPLOY_BUSY', { runningId: 'x' }));
    }
    return real(opts);
  };
  queue.enqueue({ sha: 's1', ref: 'r', delivery: 'd1' });
  await until(() => deployer.waiting === 1, 2000, 2);
  deployer.finish();
  await queue.idle();
  assert.equal(deployer.calls.map((c) => c.ref), ['s1']);
  assert.equal(events.events.map((e) => e.type), ['WebhookDeployed']);
});

Waits.run();

// ---

const Failures = suite('DeployQueue :: refusals and failures');

Failures('the lock refuses a waiting push: WebhookRefused with the reason', async () => {
  const { deployer, events, queue } = setup();
  queue.enqueue({ sha: 's1', ref: 'r', delivery: 'd1' });
  await until(() => deployer.waiting === 1, 2000, 2);
  deployer.finish(new CaxtonError('CAX_DEPLOY_LOCKED', { trigger: 'webhook', reason: 'freeze' }, { details: { lock: { reason: 'freeze', by: 'ops' } } }));
  await queue.idle();
  assert.equal(events.events.map((e) => e.type), ['WebhookRefused']);
  assert.is(events.events[0]!.payload.reason, 'freeze');
  assert.is(events.events[0]!.payload.by, 'ops');
});

Failures('a deployment that throws is WebhookDeployFailed with its code, and the queue carries on', async () => {
  const { deployer, events, queue } = setup();
  queue.enqueue({ sha: 's1', ref: 'r', delivery: 'd1' });
  await until(() => deployer.waiting === 1, 2000, 2);
  queue.enqueue({ sha: 's2', ref: 'r', delivery: 'd2' });
  deployer.finish(new CaxtonError('CAX_REMOTE_FAILED', { detail: 'https://***@host: refused' }));
  await until(() => deployer.waiting === 1, 2000, 2);
  deployer.finish();
  await queue.idle();
  assert.equal(events.events.map((e) => [e.type, e.payload.sha]), [['WebhookDeployFailed', 's1'], ['WebhookDeployed', 's2']]);
  assert.is(events.events[0]!.payload.code, 'CAX_REMOTE_FAILED');
});

Failures('a push that is no longer the branch tip when its turn comes is superseded by the tip, not deployed (a late or replayed delivery)', async () => {
  const { deployer, events, queue } = setup();
  deployer.running = { id: 'dep_cli' };
  queue.enqueue({ sha: 'a'.repeat(40), ref: 'refs/heads/main', delivery: 'd-old' });
  queue.tip = 'b'.repeat(40);
  deployer.running = null;
  await queue.idle();
  assert.is(deployer.calls.length, 0, 'nothing deployed');
  assert.equal(events.events.map((e) => e.type), ['WebhookSuperseded']);
  const p = events.events[0]!.payload;
  assert.equal(p.by, { deploymentId: null, sha: 'b'.repeat(40) });
  assert.match(p.reason, /refs\/heads\/main is at bbbbbbb now, not aaaaaaa/);
  assert.match(p.reason, `caxton deploy --ref ${'a'.repeat(40)}`);
});

Failures('a branch that is gone deploys nothing; a fetch that fails is WebhookDeployFailed with its code', async () => {
  const gone = setup({ branchTip: async () => null });
  gone.queue.enqueue({ sha: 's1', ref: 'refs/heads/main', delivery: 'd1' });
  await gone.queue.idle();
  assert.is(gone.deployer.calls.length, 0);
  assert.equal(gone.events.events.map((e) => [e.type, e.payload.by]), [['WebhookSuperseded', null]]);
  assert.match(gone.events.events[0]!.payload.reason, /refs\/heads\/main is not in the repository now/);

  const offline = setup({ branchTip: () => Promise.reject(new CaxtonError('CAX_REMOTE_FAILED', { detail: 'unreachable' })) });
  offline.queue.enqueue({ sha: 's1', ref: 'refs/heads/main', delivery: 'd1' });
  await offline.queue.idle();
  assert.is(offline.deployer.calls.length, 0);
  assert.equal(offline.events.events.map((e) => [e.type, e.payload.code]), [['WebhookDeployFailed', 'CAX_REMOTE_FAILED']]);
});

Failures.run();

// ---

const Close = suite('DeployQueue.close');

Close('drops what waits and resolves once the running deployment ends', async () => {
  const { deployer, events, queue } = setup();
  queue.enqueue({ sha: 's1', ref: 'r', delivery: 'd1' });
  await until(() => deployer.waiting === 1, 2000, 2);
  queue.enqueue({ sha: 's2', ref: 'r', delivery: 'd2' });
  let closed = false;
  const p = queue.close().then(() => (closed = true));
  await tick(20);
  assert.not.ok(closed, 'waits for the running deployment');
  deployer.finish();
  await p;
  assert.equal(deployer.calls.map((c) => c.ref), ['s1']);
  const dropped = events.events.find((e) => e.type === 'WebhookSuperseded')!;
  assert.is(dropped.payload.sha, 's2');
  assert.is(dropped.payload.by, null);
});

Close.run();
