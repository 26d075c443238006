// The event log's reads on a large log, as an operator meets them after weeks: `caxton events`
// (the newest 50, and the newest 50 of a type), the routing and tool analytics over the last hour,
// and the deployment history. The log is built in process the way a server writes it: each message
// its MessageSent, MessageRouted and MessageDelivered (every other one a tool call, ToolCalled and
// ToolExecuted), in conversations of three messages with 1,000 going on at once, over two days
// up to now; a deployment every 20,000 messages. The baseline is one scan of the stored rows (the
// length of every payload) through the same worker: what a query that read the whole log would pay
// at least. An informative line shows the newest 50 read as before, over the whole `events` view.
// BENCH_EVENTS_MESSAGES sets the messages (default 300,000: ~1.2M events).
import path from 'node:path';
import { EventLog } from '../server/events/log.js';
import { ROWS } from '../server/events/wire.js';
import { routingStats } from '../server/events/routing-queries.js';
import { toolStats } from '../server/events/tool-queries.js';
import { deploymentStats, listDeployments } from '../server/events/deployment-queries.js';
import type { DeploymentRecord } from '../server/deploy/record.js';
import { RUNS, interleave, log, result, rmrf, scratch, type BenchResult } from './harness.js';

const MESSAGES = Number(process.env.BENCH_EVENTS_MESSAGES ?? 300_000);
const SPAN_MS = 2 * 24 * 3600_000;

/** Appends the messages' events, each at its time over SPAN_MS up to `now`; answers how many events. */
async function fill(events: EventLog, now: number): Promise<number> {
  let n = 0;
  const start = now - SPAN_MS;
  for (let i = 0; i < MESSAGES; i++) {
    const at = Math.floor(start + (i / MESSAGES) * SPAN_MS);
    // 1,000 conversations going on at once, three messages each
    const conversationId = `conv-${Math.floor(i / 3000) * 1000 + (i % 1000)}`;
    const c = { conversationId, at };
    const messageId = `msg-${i}`;
    if (i % 20_000 === 0) {
      const record: DeploymentRecord = {
        id: `dep-${i}`, ref: 'main', fromSha: null, toSha: 'a'.repeat(40), status: 'succeeded', trigger: 'cli',
        changes: { added: [{ kind: 'agent', name: 'echo' }], modified: [], removed: [] }, errors: [], warnings: [], heldBack: [],
        noop: false, message: 'a commit', startedAt: new Date(at).toISOString(), durationMs: 12,
      };
      events.append('DeploymentCompleted', record, { deploymentId: record.id, at });
      n++;
    }
    events.append('MessageSent', { messageId, performative: 'request', sender: 'client', capability: 'echo', receiver: null }, c);
    events.append('MessageRouted', { messageId, agent: 'echo', strategy: 'deterministic', routingMs: 0.012, attempt: 1, hops: 0, candidates: 1 }, c);
    n += 3;
    if (i % 2 === 0) {
      events.append('ToolExecuted', { tool: 'chart', fn: 'render', agent: 'echo', durationMs: 0.4, memoryPages: 17, outputBytes: 120 }, { group: 'chart', at });
      events.append('ToolCalled', { messageId, agent: 'echo', tool: 'chart', fn: 'render', ok: true, ms: 0.5 }, c);
      n += 2;
    }
    events.append('MessageDelivered', { messageId, agent: 'echo', ms: 0.9, attempt: 1, hops: 0 }, c);
    // yield now and then, as a server does between requests, so batches go to the worker
    if (i % 2000 === 1999) await new Promise((r) => setImmediate(r));
  }
  await events.flush();
  return n;
}

export async function eventReadsBench(): Promise<BenchResult[]> {
  const dir = scratch('event-reads-');
  const events = await EventLog.open({ file: path.join(dir, 'events.duckdb') });
  try {
    const now = Date.now();
    const t0 = performance.now();
    const written = await fill(events, now);
    const [{ rows } = { rows: '?' }] = await events.query<{ rows: string }>(`SELECT count(*) AS rows FROM ${ROWS}`);
    log(`  a log of ${written.toLocaleString('en-US')} events (${Number(rows).toLocaleString('en-US')} stored rows), written in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const runs = Math.min(RUNS, 7);
    const s = await interleave({
      runs,
      warmup: 1,
      fns: {
        scan: () => events.query(`SELECT sum(length(payload)) FROM ${ROWS}`),
        wholeView: () => events.query(`SELECT seq, payload FROM events ORDER BY seq DESC LIMIT 50`),
        newest: () => events.events({ limit: 50 }),
        ofType: () => events.events({ type: 'MessageRouted', limit: 50 }),
        routing: () => routingStats(events, 3600, now),
        tools: () => toolStats(events, 3600, now),
        history: () => listDeployments(events, { limit: 20 }),
        deployments: () => deploymentStats(events),
      },
    });
    const baseline = { name: 'one scan of the log', samples: s.scan };
    const under = (ms: number) => (median: number) => median < ms;
    return [
      result({ name: 'events: the newest 50 (caxton events)', ours: s.newest, baseline, target: '< 100 ms', check: under(100) }),
      result({ name: '  the newest 50 over the whole view (before)', ours: s.wholeView, baseline }),
      result({ name: 'events: the newest 50 MessageRouted', ours: s.ofType, baseline, target: '< 1,000 ms', check: under(1000) }),
      result({ name: 'routing analytics, the last hour', ours: s.routing, baseline, target: '< 250 ms', check: under(250) }),
      result({ name: 'tool analytics, the last hour', ours: s.tools, baseline, target: '< 250 ms', check: under(250) }),
      result({ name: 'deployment history, newest 20', ours: s.history, baseline, target: '< 100 ms', check: under(100) }),
      result({ name: 'deployment statistics', ours: s.deployments, baseline, target: '< 500 ms', check: under(500) }),
    ];
  } finally {
    await events.close();
    rmrf(dir);
  }
}
