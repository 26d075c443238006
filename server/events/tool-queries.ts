// Tool analytics as SQL over the event log: calls, failure rate, latency percentiles, failure
// reasons and quarantines per tool.
import type { EventLog } from './log.js';
import { windowEventsSql } from './view.js';

export interface ToolStatsRow {
  tool: string;
  calls: number;
  succeeded: number;
  failed: number;
  failureRate: number;
  p50Ms: number | null;
  p95Ms: number | null;
  avgOutputBytes: number | null;
  maxMemoryPages: number | null;
  failures: Record<string, number>;
  quarantines: number;
}

export interface ToolStats {
  windowSeconds: number;
  tools: ToolStatsRow[];
}

const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));

export async function toolStats(log: EventLog, windowSeconds = 3600, now = Date.now()): Promise<ToolStats> {
  const events = windowEventsSql(windowSeconds, now);
  const rows = await log.query<Record<string, unknown>>(
    `SELECT (payload->>'tool') AS tool,
            count(*) AS calls,
            count(*) FILTER (WHERE type = 'ToolExecuted') AS ok,
            count(*) FILTER (WHERE type = 'ToolExecutionFailed') AS failed,
            quantile_cont(CAST(payload->>'durationMs' AS DOUBLE), 0.5) FILTER (WHERE type = 'ToolExecuted') AS p50,
            quantile_cont(CAST(payload->>'durationMs' AS DOUBLE), 0.95) FILTER (WHERE type = 'ToolExecuted') AS p95,
            avg(CAST(payload->>'outputBytes' AS DOUBLE)) FILTER (WHERE type = 'ToolExecuted') AS avg_out,
            max(CAST(payload->>'memoryPages' AS BIGINT)) AS max_pages
     FROM ${events} WHERE type IN ('ToolExecuted', 'ToolExecutionFailed')
     GROUP BY 1 ORDER BY 2 DESC, 1`,
  );
  const reasons = await log.query<{ tool: string; reason: string; n: string }>(
    `SELECT (payload->>'tool') AS tool, (payload->>'reason') AS reason, count(*) AS n
     FROM ${events} WHERE type = 'ToolExecutionFailed' GROUP BY 1, 2 ORDER BY 3 DESC`,
  );
  const quarantines = await log.query<{ tool: string; n: string }>(
    `SELECT (payload->>'tool') AS tool, count(*) AS n FROM ${events} WHERE type = 'ToolQuarantined' GROUP BY 1`,
  );
  const tools = new Map<string, ToolStatsRow>();
  for (const r of rows) {
    const calls = Number(r.calls ?? 0);
    const failed = Number(r.failed ?? 0);
    tools.set(String(r.tool), {
      tool: String(r.tool),
      calls,
      succeeded: Number(r.ok ?? 0),
      failed,
      failureRate: calls ? Math.round((failed / calls) * 10_000) / 10_000 : 0,
      p50Ms: num(r.p50),
      p95Ms: num(r.p95),
      avgOutputBytes: num(r.avg_out),
      maxMemoryPages: num(r.max_pages),
      failures: {},
      quarantines: 0,
    });
  }
  for (const r of reasons) {
    const t = tools.get(r.tool);
    if (t) t.failures[r.reason] = Number(r.n);
  }
  for (const q of quarantines) {
    const t = tools.get(q.tool);
    if (t) t.quarantines = Number(q.n);
  }
  return { windowSeconds, tools: [...tools.values()] };
}
