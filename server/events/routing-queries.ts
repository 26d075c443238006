// Routing analytics as SQL over the event log: latency percentiles, throughput, failure reasons,
// per-agent load, and LLM token usage per agent and conversation.
import type { EventLog } from './log.js';
import { windowEventsSql } from './view.js';

export interface RoutingStats {
  windowSeconds: number;
  /** deliveries and failures of every message, an agent's asks included (a loop of asks fails at each level) */
  routed: number;
  delivered: number;
  failed: number;
  /** the messages clients sent (hops 0), and how many of those failed: what the clients saw */
  fromClients: { sent: number; failed: number };
  throughputPerSecond: number;
  routingMs: { p50: number | null; p95: number | null; p99: number | null };
  deliveryMs: { p50: number | null; p95: number | null; p99: number | null };
  failures: Array<{ code: string; count: number }>;
  agents: Array<{ agent: string; delivered: number; failed: number; avgMs: number | null }>;
  strategies: Array<{ strategy: string; count: number }>;
}

const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
/** A percentile in ms to the microsecond (the log stores timings so): interpolation leaves 0.026999999999999996 */
const ms = (v: unknown) => {
  const n = num(v);
  return n === null ? null : Math.round(n * 1000) / 1000;
};

export async function routingStats(log: EventLog, windowSeconds = 3600, now = Date.now()): Promise<RoutingStats> {
  const events = windowEventsSql(windowSeconds, now);
  // the routing times, and what clients sent and saw fail: a client's message has no hops in
  // MessageSent (an ask has its depth); a failure always has them
  const routed = `type = 'MessageRouted'`;
  const fromClient = `coalesce(CAST(payload->>'hops' AS INTEGER), 0) = 0`;
  const [lat] = await log.query<Record<string, unknown>>(
    `SELECT count(*) FILTER (WHERE ${routed}) AS n,
            quantile_cont(CAST(payload->>'routingMs' AS DOUBLE), 0.5) FILTER (WHERE ${routed}) AS p50,
            quantile_cont(CAST(payload->>'routingMs' AS DOUBLE), 0.95) FILTER (WHERE ${routed}) AS p95,
            quantile_cont(CAST(payload->>'routingMs' AS DOUBLE), 0.99) FILTER (WHERE ${routed}) AS p99,
            count(*) FILTER (WHERE type = 'MessageSent' AND ${fromClient}) AS client_sent,
            count(*) FILTER (WHERE type = 'RoutingFailed' AND ${fromClient}) AS client_failed
     FROM ${events} WHERE type IN ('MessageRouted', 'MessageSent', 'RoutingFailed')`,
  );
  const [del] = await log.query<Record<string, unknown>>(
    `SELECT count(*) AS n, min(ts) AS first, max(ts) AS last,
            quantile_cont(CAST(payload->>'ms' AS DOUBLE), 0.5) AS p50,
            quantile_cont(CAST(payload->>'ms' AS DOUBLE), 0.95) AS p95,
            quantile_cont(CAST(payload->>'ms' AS DOUBLE), 0.99) AS p99,
            epoch_ms(min(ts)) AS first_ms
     FROM ${events} WHERE type = 'MessageDelivered'`,
  );
  const failures = await log.query<{ code: string; count: string }>(
    `SELECT (payload->>'code') AS code, count(*) AS count FROM ${events} WHERE type = 'RoutingFailed' GROUP BY 1 ORDER BY 2 DESC`,
  );
  const agents = await log.query<{ agent: string; delivered: string; failed: string; avg_ms: number | null }>(
    `SELECT (payload->>'agent') AS agent,
            count(*) FILTER (WHERE type = 'MessageDelivered') AS delivered,
            count(*) FILTER (WHERE type = 'MessageFailed') AS failed,
            avg(CAST(payload->>'ms' AS DOUBLE)) FILTER (WHERE type = 'MessageDelivered') AS avg_ms
     FROM ${events} WHERE type IN ('MessageDelivered', 'MessageFailed') GROUP BY 1 ORDER BY 2 DESC`,
  );
  const strategies = await log.query<{ strategy: string; count: string }>(
    `SELECT (payload->>'strategy') AS strategy, count(*) AS count FROM ${events} WHERE type = 'MessageRouted' GROUP BY 1 ORDER BY 2 DESC`,
  );
  const delivered = Number(del?.n ?? 0);
  // the rate since the first delivery in the window (over a second at least): a server that
  // started a minute ago is not averaged over an hour, and one message is not "1 a second" an hour on
  const sinceFirstMs = delivered ? Math.max(1000, now - Number(del?.first_ms)) : 1000;
  return {
    windowSeconds,
    routed: Number(lat?.n ?? 0),
    delivered,
    failed: failures.reduce((n, f) => n + Number(f.count), 0),
    fromClients: { sent: Number(lat?.client_sent ?? 0), failed: Number(lat?.client_failed ?? 0) },
    throughputPerSecond: (delivered / sinceFirstMs) * 1000,
    routingMs: { p50: ms(lat?.p50), p95: ms(lat?.p95), p99: ms(lat?.p99) },
    deliveryMs: { p50: ms(del?.p50), p95: ms(del?.p95), p99: ms(del?.p99) },
    failures: failures.map((f) => ({ code: f.code, count: Number(f.count) })),
    agents: agents.map((a) => ({ agent: a.agent, delivered: Number(a.delivered), failed: Number(a.failed), avgMs: num(a.avg_ms) })),
    strategies: strategies.map((s) => ({ strategy: s.strategy, count: Number(s.count) })),
  };
}

export const USAGE_BY = ['agent', 'conversation', 'model'] as const;
export type UsageBy = (typeof USAGE_BY)[number];

export interface UsageRow {
  /** the agent, conversation or model (provider/model); null for calls recorded without one */
  key: string | null;
  calls: number;
  promptTokens: number;
  completionTokens: number;
}

/** The SQL of each grouping's key; usage recorded before the model was (Caxton 0.1) has none. */
const USAGE_KEY: Record<UsageBy, string> = {
  agent: `(payload->>'agent')`,
  conversation: 'conversation_id',
  model: `CASE WHEN payload->>'model' IS NULL THEN NULL ELSE concat_ws('/', payload->>'provider', payload->>'model') END`,
};

/** LLM token usage grouped by agent, conversation or model. */
export async function llmUsage(log: EventLog, by: UsageBy): Promise<UsageRow[]> {
  const key = USAGE_KEY[by];
  const rows = await log.query<{ key: string | null; calls: string; p: string | null; c: string | null }>(
    // calls: messages, each once: a message retried writes an LlmUsage per attempt that spent tokens
    `SELECT ${key} AS key, count(DISTINCT coalesce(payload->>'messageId', CAST(seq AS VARCHAR))) AS calls,
            sum(CAST(payload->>'promptTokens' AS BIGINT)) AS p, sum(CAST(payload->>'completionTokens' AS BIGINT)) AS c
     FROM events WHERE type = 'LlmUsage' GROUP BY 1 ORDER BY 3 DESC NULLS LAST`,
  );
  return rows.map((r) => ({ key: r.key, calls: Number(r.calls), promptTokens: Number(r.p ?? 0), completionTokens: Number(r.c ?? 0) }));
}
