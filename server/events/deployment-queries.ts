// Deployment history and its statistics, as SQL over the event log.
import type { EventLog } from './log.js';
import { EventType, TERMINAL_DEPLOYMENT_EVENTS } from './types.js';
import { ROWS } from './wire.js';
import { DeploymentRecord } from '../deploy/record.js';

const TERMINAL = TERMINAL_DEPLOYMENT_EVENTS.map((t) => `'${t}'`).join(', ');
// Deployment events have no conversation and no group key, so they are never grouped: read the
// stored rows, not the `events` view, and history stays an index-free filter however many messages
// the log holds.

function parse(rows: Array<{ payload: string }>): DeploymentRecord[] {
  return rows.map((r) => DeploymentRecord.parse(JSON.parse(r.payload)));
}

/** Deployment records, newest first. */
export async function listDeployments(log: EventLog, { limit = 50, offset = 0 } = {}): Promise<DeploymentRecord[]> {
  const rows = await log.query<{ payload: string }>(
    `SELECT payload FROM ${ROWS} WHERE type IN (${TERMINAL}) ORDER BY seq DESC LIMIT $limit OFFSET $offset`,
    { limit: Math.max(1, Math.min(limit, 1000)), offset: Math.max(0, offset) },
  );
  return parse(rows);
}

export async function findDeployment(log: EventLog, id: string): Promise<DeploymentRecord | null> {
  const rows = await log.query<{ payload: string }>(
    `SELECT payload FROM ${ROWS} WHERE type IN (${TERMINAL}) AND deployment_id = $id ORDER BY seq DESC LIMIT 1`,
    { id },
  );
  return parse(rows)[0] ?? null;
}

/** A deployment that started and has no outcome: the server stopped during it (a crash, kill -9). */
export interface InterruptedDeployment {
  id: string;
  /** DeploymentInitiated's time, ISO */
  startedAt: string;
  ref: string;
  toSha: string;
  trigger: DeploymentRecord['trigger'];
}

/** Deployments begun (DeploymentInitiated) and never ended by a terminal event, oldest first. */
export async function interruptedDeployments(log: EventLog): Promise<InterruptedDeployment[]> {
  const rows = await log.query<{ id: string; ts: string; payload: string }>(
    `SELECT deployment_id AS id, strftime(ts, '%Y-%m-%dT%H:%M:%S.%gZ') AS ts, payload FROM ${ROWS}
     WHERE type = '${EventType.DeploymentInitiated}' AND deployment_id IS NOT NULL
       AND deployment_id NOT IN (SELECT deployment_id FROM ${ROWS} WHERE type IN (${TERMINAL}) AND deployment_id IS NOT NULL)
     ORDER BY seq`,
  );
  return rows.map((r) => {
    const p = JSON.parse(r.payload) as { ref?: string; toSha?: string; trigger?: string };
    const trigger = DeploymentRecord.shape.trigger.safeParse(p.trigger);
    return { id: r.id, startedAt: r.ts, ref: p.ref ?? '', toSha: p.toSha ?? '', trigger: trigger.success ? trigger.data : 'api' };
  });
}

/** The workspace the last server on this log served (its ServerStarted), or null before the first. */
export async function lastWorkspace(log: EventLog): Promise<string | null> {
  const rows = await log.query<{ w: string | null }>(`SELECT payload->>'workspace' AS w FROM ${ROWS} WHERE type = '${EventType.ServerStarted}' ORDER BY seq DESC LIMIT 1`);
  return rows[0]?.w ?? null;
}

/** Successful deployments (succeeded or partial), newest first. */
export async function successfulDeployments(log: EventLog, limit = 100): Promise<DeploymentRecord[]> {
  const rows = await log.query<{ payload: string }>(
    `SELECT payload FROM ${ROWS} WHERE type IN (${TERMINAL}) AND (payload->>'status') IN ('succeeded', 'partial')
     ORDER BY seq DESC LIMIT $limit`,
    { limit },
  );
  return parse(rows);
}

export interface DeploymentStats {
  total: number;
  succeeded: number;
  partial: number;
  failed: number;
  /** status rolled_back: switched, then reverted to the previous snapshot (its state could not be saved) */
  rolledBack: number;
  /** deployments made by `caxton rollback` (trigger rollback), whatever their status */
  rollbacks: number;
  /**
   * a server's start serving its last deployment again (trigger startup): not counted in the rest,
   * where each restart was a deployment that succeeded in a few milliseconds
   */
  restores: number;
  successRate: number | null;
  avgDurationMs: number | null;
  p95DurationMs: number | null;
}

export async function deploymentStats(log: EventLog): Promise<DeploymentStats> {
  // each aggregate filters after WHERE: a payload is read as JSON only in a deployment's own row
  // (a condition beside the type's in WHERE may be evaluated first, on rows that hold no JSON)
  const made = `(payload->>'trigger') IS DISTINCT FROM 'startup'`;
  const [r] = await log.query<Record<string, string | number | null>>(
    `SELECT count(*) FILTER (WHERE NOT (${made})) AS restores,
            count(*) FILTER (WHERE ${made}) AS total,
            count(*) FILTER (WHERE ${made} AND (payload->>'status') = 'succeeded') AS succeeded,
            count(*) FILTER (WHERE ${made} AND (payload->>'status') = 'partial') AS partial,
            count(*) FILTER (WHERE ${made} AND (payload->>'status') = 'failed') AS failed,
            count(*) FILTER (WHERE ${made} AND (payload->>'status') = 'rolled_back') AS rolled_back,
            count(*) FILTER (WHERE (payload->>'trigger') = 'rollback') AS rollbacks,
            avg(CAST((payload->>'durationMs') AS DOUBLE)) FILTER (WHERE ${made}) AS avg_ms,
            quantile_cont(CAST((payload->>'durationMs') AS DOUBLE), 0.95) FILTER (WHERE ${made}) AS p95_ms
     FROM ${ROWS} WHERE type IN (${TERMINAL})`,
  );
  const n = (v: unknown) => (v === null || v === undefined ? 0 : Number(v));
  const total = n(r?.total);
  const ok = n(r?.succeeded) + n(r?.partial);
  return {
    total,
    succeeded: n(r?.succeeded),
    partial: n(r?.partial),
    failed: n(r?.failed),
    rolledBack: n(r?.rolled_back),
    rollbacks: n(r?.rollbacks),
    restores: n(r?.restores),
    successRate: total ? ok / total : null,
    avgDurationMs: r?.avg_ms == null ? null : Number(r.avg_ms),
    p95DurationMs: r?.p95_ms == null ? null : Number(r.p95_ms),
  };
}
