// The deployer: one deployment at a time. Every fallible step (resolve, read, validate, plan, build)
// happens before the one assignment that swaps the snapshot in; a failure after the swap puts the
// previous snapshot back. Returns the record of what happened, which the event log keeps.
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { CaxtonError, toCaxtonError } from '../errors.js';
import type { GitRepo } from '../git/repo.js';
import { readWorkspaceIndex } from '../git/tree-index.js';
import { EntityCache, type LoadedWorkspace } from '../workspace/load.js';
import { validateWorkspace } from '../workspace/validate.js';
import type { EventSink } from '../events/log.js';
import type { InterruptedDeployment } from '../events/deployment-queries.js';
import { EventType } from '../events/types.js';
import { agentEntity, planDeployment, toolEntity, type Plan, type PlanSide } from './plan.js';
import type { DeploymentPlan, DeploymentRecord, DeploymentStatus, HeldBack, RecordIssue, Trigger } from './record.js';
import { capabilityIndex, planSideOf, type LiveAgent, type LiveTool, type RemovedBy, type Snapshot } from './snapshot.js';
import type { RuntimeFactory } from './runtime-factory.js';
import { stateOf, type DeployLock, type StateStore } from './state-store.js';

export interface DeployerDeps {
  repo: GitRepo;
  events: EventSink;
  state: StateStore;
  factory: RuntimeFactory;
  logger: Logger;
  /** Successful deployments, newest first (rollback targets). */
  successfulDeployments: () => Promise<DeploymentRecord[]>;
  /** Called before a ref is resolved: a remote workspace fetches here. */
  beforeResolve?: (ref: string) => Promise<void>;
  /** Called after each swap (router rebuild, metrics); a throw rolls the swap back. */
  onSwap?: (next: Snapshot, prev: Snapshot | null) => void | Promise<void>;
  /** Called with every finished record (metrics). */
  onRecord?: (record: DeploymentRecord) => void;
  workspaceLabel?: string | null;
  now?: () => number;
  newId?: () => string;
}

export interface DeployOptions {
  ref: string;
  trigger: Trigger;
  dryRun?: boolean;
  partial?: boolean;
  /** the deployment's id, when the caller announced it before the deployment started (a queued webhook push) */
  id?: string;
}

export interface RunningDeployment {
  id: string;
  ref: string;
  trigger: Trigger;
  startedAt: string;
}

const LOCKABLE: ReadonlySet<Trigger> = new Set(['webhook', 'action']);

/** What a restart rebuilds from: each entity's tree id and commit, and what was held back. */
interface SavedEntities {
  entities: { agents: Record<string, { oid: string; sha: string }>; tools: Record<string, { oid: string; sha: string }> };
  configOid: string | null;
  heldBack?: HeldBack[];
  /** when that deployment switched in: a restart serves it again, it does not deploy it anew */
  deployedAt?: string | null;
}

/** A restored snapshot says what the saved one said: each version's commit, what is held back, when it was deployed. */
function asSaved(s: Snapshot, saved: SavedEntities): Snapshot {
  const sha = <T extends { sha: string }>(m: ReadonlyMap<string, T>, from: Record<string, { sha: string }>) =>
    new Map([...m].map(([n, e]) => [n, from[n] && from[n]!.sha !== e.sha ? { ...e, sha: from[n]!.sha } : e]));
  return {
    ...s,
    agents: sha(s.agents, saved.entities.agents),
    tools: sha(s.tools, saved.entities.tools),
    heldBack: saved.heldBack ?? s.heldBack,
    deployedAt: saved.deployedAt ?? s.deployedAt,
  };
}

/** The agents removed so far: the previous snapshot's, less those back, plus those this deployment drops. */
function removedAgents(prev: Snapshot | null, next: ReadonlyMap<string, LiveAgent>, by: RemovedBy): ReadonlyMap<string, RemovedBy> {
  const out = new Map(prev?.removedAgents ?? []);
  for (const name of next.keys()) out.delete(name);
  for (const name of prev?.agents.keys() ?? []) if (!next.has(name)) out.set(name, by);
  return out;
}

export function newDeploymentId(now = Date.now()): string {
  return `dep_${now.toString(36)}${randomBytes(3).toString('hex')}`;
}

export class Deployer {
  private current: Snapshot | null = null;
  private inFlight: RunningDeployment | null = null;
  private lastRecord: DeploymentRecord | null = null;
  private lockState: DeployLock | null;
  private readonly cache: EntityCache;
  private readonly now: () => number;
  private readonly newId: () => string;

  constructor(private readonly deps: DeployerDeps) {
    this.cache = new EntityCache(deps.repo);
    this.now = deps.now ?? Date.now;
    this.newId = deps.newId ?? (() => newDeploymentId(this.now()));
    this.lockState = deps.state.loadLock();
    this.lastRecord = deps.state.load()?.lastDeployment ?? null;
  }

  /** What serves now; read it once per request and keep the reference. */
  get snapshot(): Snapshot | null {
    return this.current;
  }

  get running(): RunningDeployment | null {
    return this.inFlight;
  }

  get lastDeployment(): DeploymentRecord | null {
    return this.lastRecord;
  }

  get lock(): DeployLock | null {
    return this.lockState;
  }

  setLock(lock: DeployLock | null): void {
    this.deps.state.saveLock(lock);
    this.lockState = lock;
    this.deps.events.append(lock ? EventType.DeployLocked : EventType.DeployUnlocked, lock ?? {});
  }

  /** Plans (dryRun) or performs a deployment. Throws CAX_DEPLOY_BUSY while another one runs. */
  async deploy(opts: DeployOptions & { dryRun: true }): Promise<DeploymentPlan>;
  async deploy(opts: DeployOptions): Promise<DeploymentRecord | DeploymentPlan>;
  async deploy(opts: DeployOptions): Promise<DeploymentRecord | DeploymentPlan> {
    if (opts.dryRun) return this.dryRun(opts);
    if (this.inFlight) {
      throw new CaxtonError('CAX_DEPLOY_BUSY', { runningId: this.inFlight.id }, { details: { runningId: this.inFlight.id } });
    }
    if (this.lockState && LOCKABLE.has(opts.trigger)) {
      this.deps.events.append(EventType.DeployRefused, { ref: opts.ref, trigger: opts.trigger, reason: this.lockState.reason });
      throw new CaxtonError('CAX_DEPLOY_LOCKED', { trigger: opts.trigger, reason: this.lockState.reason }, { details: { lock: this.lockState } });
    }
    const startedMs = this.now();
    const running: RunningDeployment = { id: opts.id ?? this.newId(), ref: opts.ref, trigger: opts.trigger, startedAt: new Date(startedMs).toISOString() };
    this.inFlight = running; // taken before the first await: deployments never interleave
    try {
      return await this.perform(running, startedMs, opts);
    } finally {
      this.inFlight = null;
    }
  }

  /** Redeploys the previous successful SHA, or `to`. */
  async rollback({ to }: { to?: string } = {}): Promise<DeploymentRecord> {
    let ref = to;
    let partial = false;
    if (!ref) {
      const deployed = this.current?.sha;
      const prev = (await this.deps.successfulDeployments()).find((d) => d.toSha !== deployed);
      if (!prev) throw new CaxtonError('CAX_NO_ROLLBACK_TARGET');
      ref = prev.toSha;
      // A commit that deployed partially would fail atomically: go back to it the way it ran.
      partial = prev.status === 'partial';
    }
    return (await this.deploy({ ref, trigger: 'rollback', partial })) as DeploymentRecord;
  }

  /**
   * Start-up, before restore: a record for each deployment the server stopped during (a crash, kill
   * -9), which began and never ended, so every deployment has one. The saved state says whether it
   * was switched in before the stop: then it serves again, else the one before it does.
   */
  recordInterrupted(cut: readonly InterruptedDeployment[]): DeploymentRecord[] {
    const saved = this.deps.state.load();
    return cut.map((d) => {
      const switched = !!d.toSha && saved?.deployedSha === d.toSha;
      const record: DeploymentRecord = {
        id: d.id,
        ref: d.ref,
        fromSha: null,
        toSha: d.toSha,
        status: switched ? 'succeeded' : 'failed',
        trigger: d.trigger,
        changes: { added: [], modified: [], removed: [] },
        errors: switched ? [] : [{ code: 'interrupted', message: 'the server stopped during this deployment (a crash or kill -9) before it was switched in; the deployment before it serves' }],
        warnings: switched ? [{ code: 'interrupted', message: 'the server stopped after this deployment was switched in and saved, before it was recorded; its changes are not known' }] : [],
        heldBack: [],
        noop: false,
        message: null,
        startedAt: d.startedAt,
        durationMs: 0,
      };
      this.deps.events.append(switched ? EventType.DeploymentCompleted : EventType.DeploymentFailed, record, { deploymentId: d.id });
      return record;
    });
  }

  /**
   * Start-up: serve the last successful deployment again, exactly as it ran (entity by entity, so a
   * partial deployment comes back partial). Returns null when nothing was ever deployed.
   */
  async restore(): Promise<DeploymentRecord | null> {
    const saved = this.deps.state.load();
    let sha = saved?.deployedSha ?? null;
    if (!sha) sha = (await this.deps.successfulDeployments())[0]?.toSha ?? null;
    if (!sha) return null;
    const startedMs = this.now();
    const running: RunningDeployment = { id: this.newId(), ref: sha, trigger: 'startup', startedAt: new Date(startedMs).toISOString() };
    this.inFlight = running;
    try {
      if (saved?.deployedSha === sha) {
        try {
          return await this.perform(running, startedMs, { ref: sha, trigger: 'startup' }, saved);
        } catch (err) {
          this.deps.logger.warn({ err }, 'restoring the saved entities failed; redeploying the commit instead');
        }
      }
      return await this.perform(running, startedMs, { ref: sha, trigger: 'startup', partial: true });
    } finally {
      this.inFlight = null;
    }
  }

  private async resolve(ref: string): Promise<string> {
    await this.deps.beforeResolve?.(ref);
    return this.deps.repo.resolve(ref);
  }

  /** The target side of a plan: every entity of the loaded commit. */
  private targetSide(loaded: LoadedWorkspace): PlanSide {
    return {
      config: loaded.configOid,
      configSpec: loaded.config?.value ?? null,
      agents: new Map([...loaded.agents].map(([name, a]) => [name, agentEntity(a, loaded.sha)])),
      tools: new Map([...loaded.tools].map(([name, t]) => [name, toolEntity(t, loaded.sha)])),
    };
  }

  private async planFor(ref: string, toSha: string, partial: boolean, loaded?: LoadedWorkspace) {
    const ws = loaded ?? (await this.cache.load(await readWorkspaceIndex(this.deps.repo, toSha)));
    const validation = validateWorkspace(ws.parts);
    const current = this.current ? planSideOf(this.current) : null;
    const plan = planDeployment({ ref, toSha, current, target: this.targetSide(ws), validation, partial });
    return { plan, loaded: ws, validation };
  }

  private async dryRun(opts: DeployOptions): Promise<DeploymentPlan> {
    const toSha = await this.resolve(opts.ref);
    const { plan } = await this.planFor(opts.ref, toSha, opts.partial ?? false);
    return {
      dryRun: true,
      ref: opts.ref,
      fromSha: plan.fromSha,
      toSha,
      outcome: plan.outcome,
      changes: plan.changes,
      errors: plan.errors,
      warnings: plan.warnings,
      heldBack: plan.heldBack,
      noop: plan.noop,
    };
  }

  private async perform(
    running: RunningDeployment,
    startedMs: number,
    opts: DeployOptions,
    restoreFrom?: SavedEntities,
  ): Promise<DeploymentRecord> {
    const { events, logger } = this.deps;
    const id = running.id;
    const toSha = await this.resolve(opts.ref);
    events.append(EventType.DeploymentInitiated, { ref: opts.ref, toSha, trigger: opts.trigger, partial: !!opts.partial }, { deploymentId: id });

    let loaded: LoadedWorkspace | undefined;
    if (restoreFrom) loaded = await this.loadEntities(toSha, restoreFrom);
    const { plan, loaded: ws } = await this.planFor(opts.ref, toSha, opts.partial ?? false, loaded);
    // A restart restores a partial deployment as it ran: the same entities, the same held back.
    const heldBack = restoreFrom?.heldBack ?? plan.heldBack;
    const message = await this.deps.repo.commit(toSha).then((c) => c.message.split('\n')[0] ?? null, () => null);
    const recordOf = (status: DeploymentStatus, errors: RecordIssue[]): DeploymentRecord => ({
      id,
      ref: opts.ref,
      fromSha: plan.fromSha,
      toSha,
      status,
      trigger: opts.trigger,
      changes: plan.changes,
      errors,
      warnings: plan.warnings,
      heldBack: status === 'failed' ? [] : heldBack,
      noop: plan.noop && status === 'succeeded',
      message,
      startedAt: running.startedAt,
      durationMs: Math.max(0, this.now() - startedMs),
    });
    const issueOf = (e: CaxtonError): RecordIssue => ({ code: e.code, message: e.message, suggestion: e.suggestions[0] ?? '' });

    if (plan.outcome === 'failed') return this.record(recordOf('failed', plan.errors));
    if (plan.noop && this.current) return this.record(recordOf('succeeded', []));

    let next: Snapshot;
    try {
      next = await this.build(id, plan, ws);
      if (restoreFrom) next = asSaved(next, restoreFrom);
    } catch (err) {
      const e = toCaxtonError(err);
      logger.warn({ err, deploymentId: id }, 'deployment build failed; nothing changed');
      return this.record(recordOf('failed', [issueOf(e)]));
    }

    const prev = this.current;
    this.current = next; // the swap
    // The new state and its record are written together, once: that write is what makes the
    // deployment durable, and if it (or a swap listener) fails, the previous snapshot comes back.
    const done = recordOf(heldBack.length ? 'partial' : plan.outcome, []);
    try {
      this.deps.state.save(stateOf(next, done, this.deps.workspaceLabel ?? null));
      await this.deps.onSwap?.(next, prev);
    } catch (err) {
      this.current = prev;
      const e = err instanceof CaxtonError ? err : new CaxtonError('CAX_STATE_WRITE_FAILED', { detail: (err as Error).message }, { cause: err });
      logger.error({ err, deploymentId: id }, 'deployment failed after the swap; previous snapshot restored');
      await this.dispose(next, prev);
      return this.record(recordOf('rolled_back', [issueOf(e)]));
    }
    await this.dispose(prev, next);
    for (const b of plan.build) {
      events.append(b.kind === 'agent' ? EventType.AgentDeployed : EventType.ToolDeployed, { name: b.name, sha: toSha, oid: (b.kind === 'agent' ? next.agents : next.tools).get(b.name)?.oid }, { deploymentId: id });
    }
    for (const r of plan.changes.removed) {
      if (r.kind !== 'config') events.append(r.kind === 'agent' ? EventType.AgentRemoved : EventType.ToolRemoved, { name: r.name }, { deploymentId: id });
    }
    for (const h of heldBack) events.append(EventType.EntityHeldBack, h, { deploymentId: id });
    return this.record(done, { stateSaved: true });
  }

  /** A workspace made of exactly the saved entity versions (start-up restore). */
  private async loadEntities(
    sha: string,
    saved: SavedEntities,
  ): Promise<LoadedWorkspace> {
    const index = {
      sha,
      config: saved.configOid,
      agents: new Map(Object.entries(saved.entities.agents).map(([n, e]) => [n, e.oid])),
      tools: new Map(Object.entries(saved.entities.tools).map(([n, e]) => [n, e.oid])),
      strays: [],
    };
    return this.cache.load(index);
  }

  /** Builds the next snapshot: new instances for new or changed entities, the live ones otherwise. */
  private async build(id: string, plan: Plan, ws: LoadedWorkspace): Promise<Snapshot> {
    const prev = this.current;
    const built: Array<{ dispose?(): void | Promise<void> }> = [];
    try {
      const tools = new Map<string, LiveTool>();
      for (const [name, sel] of plan.tools) {
        const old = prev?.tools.get(name);
        if (sel.from === 'current' || old?.oid === sel.oid) {
          tools.set(name, old!);
          continue;
        }
        const loaded = ws.tools.get(name)!;
        const spec = loaded.parsed!.value!;
        const wasmOid = loaded.files.get(spec.wasm)!;
        const wasm = await this.deps.repo.readBlob(wasmOid);
        const instance = await this.deps.factory.createTool({ name, spec, wasm, sha: plan.toSha });
        built.push(instance);
        tools.set(name, { name, oid: sel.oid, sha: plan.toSha, wasmOid, spec, instance, files: loaded.files });
      }
      const agents = new Map<string, LiveAgent>();
      for (const [name, sel] of plan.agents) {
        const old = prev?.agents.get(name);
        if (sel.from === 'current' || old?.oid === sel.oid) {
          agents.set(name, old!);
          continue;
        }
        const loaded = ws.agents.get(name)!;
        const spec = loaded.parsed!.value!;
        const instance = await this.deps.factory.createAgent({ name, spec, sha: plan.toSha }).catch((err: unknown) => {
          throw new CaxtonError('CAX_BUILD_FAILED', { kind: 'agent', name, detail: (err as Error).message }, { cause: err });
        });
        built.push(instance);
        agents.set(name, { name, oid: sel.oid, sha: plan.toSha, spec, instance, files: loaded.files });
      }
      return {
        deploymentId: id,
        sha: plan.toSha,
        deployedAt: new Date(this.now()).toISOString(),
        configOid: ws.configOid,
        config: ws.config?.value ?? {},
        agents,
        tools,
        capabilities: capabilityIndex(agents.values()),
        heldBack: plan.heldBack,
        removedAgents: removedAgents(prev, agents, { deploymentId: id, sha: plan.toSha }),
      };
    } catch (err) {
      await Promise.allSettled(built.map((b) => b.dispose?.()));
      throw err;
    }
  }

  /** Disposes instances of `from` that `keep` no longer uses. */
  private async dispose(from: Snapshot | null, keep: Snapshot | null): Promise<void> {
    if (!from) return;
    const gone = [
      ...[...from.agents.values()].filter((a) => keep?.agents.get(a.name) !== a).map((a) => a.instance),
      ...[...from.tools.values()].filter((t) => keep?.tools.get(t.name) !== t).map((t) => t.instance),
    ];
    const results = await Promise.allSettled(gone.map((i) => i.dispose?.()));
    for (const r of results) if (r.status === 'rejected') this.deps.logger.warn({ err: r.reason }, 'dispose failed');
  }

  /** Appends the terminal event, makes it durable, and (unless done with the swap) the status cache. */
  private async record(record: DeploymentRecord, { stateSaved = false } = {}): Promise<DeploymentRecord> {
    const type = record.status === 'failed' ? EventType.DeploymentFailed : record.status === 'rolled_back' ? EventType.DeploymentRolledBack : EventType.DeploymentCompleted;
    this.deps.events.append(type, record, { deploymentId: record.id });
    await this.deps.events.flush();
    this.lastRecord = record;
    if (!stateSaved) {
      try {
        this.deps.state.save(stateOf(this.current, record, this.deps.workspaceLabel ?? null));
      } catch (err) {
        this.deps.logger.error({ err }, 'could not update the status cache');
      }
    }
    this.deps.onRecord?.(record);
    this.deps.logger.info({ deploymentId: record.id, status: record.status, toSha: record.toSha, durationMs: record.durationMs }, 'deployment finished');
    return record;
  }
}
