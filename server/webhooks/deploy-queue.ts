// A coalescing queue in front of the deployer for pushes. One push deploys at a time; while it
// runs (or while any other deployment runs, from the CLI say), only the newest push waits, and each
// newer push replaces the waiting one. So a burst ends on the newest SHA and no older SHA is ever
// deployed after a newer one was queued. Nor is one that is no longer the branch's tip when its
// turn comes (push.ts, checkTip): a late or replayed delivery ends as superseded by the tip.
import type { Logger } from 'pino';
import { toCaxtonError } from '../errors.js';
import { newDeploymentId, type DeployOptions } from '../deploy/deployer.js';
import type { DeploymentPlan, DeploymentRecord, Trigger } from '../deploy/record.js';
import type { EventSink } from '../events/log.js';
import { WebhookEvent } from './events.js';
import { checkTip } from './push.js';

export interface QueuedDeployment {
  /** the id the deployment will have once it runs (announced in the 202) */
  id: string;
  sha: string;
  /** the pushed ref, e.g. refs/heads/main */
  ref: string;
  /** every delivery this deployment answers (more than one when they pushed the same commit) */
  deliveries: string[];
  queuedAt: string;
}

export interface DeployQueueDeps {
  deployer: {
    deploy(opts: DeployOptions): Promise<DeploymentRecord | DeploymentPlan>;
    readonly running: unknown;
  };
  events: EventSink;
  logger: Logger;
  /** the commit a pushed ref (refs/heads/<branch>) is at now, fetched first; null when it is not there */
  branchTip: (ref: string) => Promise<string | null>;
  trigger?: Trigger;
  /** how long to wait before looking again while another deployment runs */
  pollMs?: number;
  newId?: () => string;
  now?: () => number;
}

export interface Enqueued {
  deployment: QueuedDeployment;
  /** true when the push joined a deployment of the same commit already waiting or running */
  joined: boolean;
  /** the waiting deployment this one replaced */
  supersedes: QueuedDeployment | null;
}

export class DeployQueue {
  private pending: QueuedDeployment | null = null;
  private active: QueuedDeployment | null = null;
  private loop: Promise<void> | null = null;
  private closed = false;
  private wake: (() => void) | null = null;
  private readonly now: () => number;
  private readonly newId: () => string;

  constructor(private readonly deps: DeployQueueDeps) {
    this.now = deps.now ?? Date.now;
    this.newId = deps.newId ?? (() => newDeploymentId(this.now()));
  }

  /** What waits and what runs now. */
  get state(): { pending: QueuedDeployment | null; active: QueuedDeployment | null } {
    return { pending: this.pending, active: this.active };
  }

  /** Queues the deployment of `sha`; returns at once. */
  enqueue({ sha, ref, delivery }: { sha: string; ref: string; delivery: string }): Enqueued {
    // The same commit as the waiting deployment, or as the running one with nothing waiting behind
    // it: one deployment answers both deliveries.
    const same = this.pending?.sha === sha ? this.pending : !this.pending && this.active?.sha === sha ? this.active : null;
    if (same) {
      same.deliveries.push(delivery);
      return { deployment: same, joined: true, supersedes: null };
    }
    const item: QueuedDeployment = { id: this.newId(), sha, ref, deliveries: [delivery], queuedAt: new Date(this.now()).toISOString() };
    const old = this.pending;
    this.pending = item;
    if (old) this.superseded(old, item);
    this.kick();
    return { deployment: item, joined: false, supersedes: old };
  }

  /** Resolves once nothing waits or runs. */
  async idle(): Promise<void> {
    while (this.loop) await this.loop;
  }

  /** Drops what waits and resolves once the running deployment (if any) has finished. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.pending) this.superseded(this.pending, null);
    this.pending = null;
    this.wake?.();
    await this.idle();
  }

  /** Starts the loop unless it runs; a push queued while it was winding down starts it again. */
  private kick(): void {
    if (this.loop || this.closed) return;
    this.loop = this.run().finally(() => {
      this.loop = null;
      if (this.pending) this.kick();
    });
  }

  private superseded(old: QueuedDeployment, by: QueuedDeployment | null): void {
    this.supersede(old, by ? { deploymentId: by.id, sha: by.sha } : null, by ? 'a newer push' : 'the server is stopping');
  }

  private supersede(old: QueuedDeployment, by: { deploymentId: string | null; sha: string } | null, reason: string): void {
    this.deps.events.append(WebhookEvent.Superseded, { deliveries: old.deliveries, sha: old.sha, deploymentId: old.id, by, reason }, { deploymentId: old.id });
  }

  private sleep(): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(t);
        this.wake = null;
        resolve();
      };
      const t = setTimeout(done, this.deps.pollMs ?? 50);
      this.wake = done;
    });
  }

  private async run(): Promise<void> {
    const { deployer, events, logger } = this.deps;
    while (this.pending && !this.closed) {
      // Deployments never interleave: wait while any other one runs, and keep the waiting slot
      // open to newer pushes meanwhile.
      if (deployer.running) {
        await this.sleep();
        continue;
      }
      const item = this.pending;
      this.pending = null;
      this.active = item;
      const meta = { deliveries: item.deliveries, sha: item.sha, deploymentId: item.id };
      try {
        const tip = await this.deps.branchTip(item.ref);
        const check = checkTip({ sha: item.sha, ref: item.ref, tip });
        if (check.action === 'stale') {
          this.supersede(item, tip ? { deploymentId: null, sha: tip } : null, check.reason);
          logger.warn({ deploymentId: item.id, sha: item.sha, tip }, `webhook push not deployed: ${check.reason}`);
        } else {
          const record = (await deployer.deploy({ ref: item.sha, trigger: this.deps.trigger ?? 'webhook', id: item.id })) as DeploymentRecord;
          events.append(WebhookEvent.Deployed, { ...meta, status: record.status, fromSha: record.fromSha, toSha: record.toSha, durationMs: record.durationMs }, { deploymentId: item.id });
        }
      } catch (err) {
        const e = toCaxtonError(err);
        if (e.code === 'CAX_DEPLOY_BUSY') {
          // Another deployment started between the look and the call: this one waits again,
          // unless a newer push took the slot meanwhile.
          if (this.pending) this.superseded(item, this.pending);
          else this.pending = item;
          this.active = null;
          await this.sleep();
          continue;
        }
        if (e.code === 'CAX_DEPLOY_LOCKED') {
          const lock = (e.details.lock ?? {}) as { reason?: string; by?: string | null };
          events.append(WebhookEvent.Refused, { ...meta, reason: lock.reason ?? null, by: lock.by ?? null, code: e.code }, { deploymentId: item.id });
        } else {
          events.append(WebhookEvent.DeployFailed, { ...meta, code: e.code, message: e.message }, { deploymentId: item.id });
        }
        logger.warn({ deploymentId: item.id, sha: item.sha, code: e.code }, `webhook deployment did not run: ${e.message}`);
      } finally {
        this.active = null;
      }
      await events.flush().catch((err: unknown) => logger.error({ err }, 'event log flush failed'));
    }
  }
}
