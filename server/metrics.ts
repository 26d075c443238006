// Prometheus metrics on a registry of the server's own (never the global one, so apps in one
// process stay apart).
import client from 'prom-client';
import type { DeploymentRecord } from './deploy/record.js';
import type { Snapshot } from './deploy/snapshot.js';

export class Metrics {
  readonly registry = new client.Registry();

  private counter<L extends string>(name: string, help: string, labelNames: readonly L[] = []): client.Counter<L> {
    return new client.Counter({ name, help, labelNames, registers: [this.registry] });
  }

  private histogram<L extends string>(name: string, help: string, buckets: number[], labelNames: readonly L[] = []): client.Histogram<L> {
    return new client.Histogram({ name, help, buckets, labelNames, registers: [this.registry] });
  }

  private readonly deployments = this.counter('caxton_deployments_total', 'Deployments by final status and trigger', ['status', 'trigger']);
  private readonly duration = this.histogram('caxton_deployment_duration_seconds', 'Server-side deployment duration', [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], ['status']);
  private readonly agents = new client.Gauge({ name: 'caxton_agents_deployed', help: 'Agents in the live snapshot', registers: [this.registry] });
  private readonly tools = new client.Gauge({ name: 'caxton_tools_deployed', help: 'Tools in the live snapshot', registers: [this.registry] });

  private readonly messages = this.counter('caxton_messages_total', 'Client messages by outcome (ok, or the error code)', ['outcome']);
  private readonly routing = this.histogram('caxton_routing_seconds', 'Time spent routing a message (decisions and retry backoff), excluding the agent', [0.00001, 0.00005, 0.0001, 0.0005, 0.001, 0.005, 0.01, 0.1, 1]);
  private readonly messageDuration = this.histogram('caxton_message_duration_seconds', 'Time from receiving a message to its reply', [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30]);

  private readonly toolCalls = this.counter(
    'caxton_tool_calls_total',
    'Tool calls by tool and outcome (ok, or why it failed: permission, schema, timeout, memory, output, trap, error, quarantined, unavailable, not-found; cancelled: its caller stopped waiting)',
    ['tool', 'outcome'],
  );
  private readonly toolDuration = this.histogram('caxton_tool_call_seconds', 'Time a tool call ran in its sandbox', [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5], ['tool']);

  private readonly dropped = this.counter('caxton_events_dropped_total', 'Message and tool events the event log shed while it was behind (each time also an EventsDropped event)', ['type']);
  private readonly writeFailures = this.counter('caxton_event_log_write_failures_total', 'Commits of the event log that failed (a full disk, say): their stored rows are lost, and the server log says why', []);
  private readonly rowsLost = this.counter('caxton_event_log_rows_lost_total', 'Stored rows (each one event, or a conversation\'s events of one batch) lost with the commits that failed', []);

  /** What the event log has sent its worker and not yet stored, read at each scrape. */
  eventLogBacklog(read: () => number): void {
    new client.Gauge({
      name: 'caxton_event_log_backlog_bytes',
      help: 'Event bytes sent to the log writer and not yet stored; past 256 MiB the log sheds message and tool events',
      registers: [this.registry],
      collect() {
        this.set(read());
      },
    });
  }

  toolCall(c: { tool: string; outcome: string; ms: number }): void {
    this.toolCalls.inc({ tool: c.tool, outcome: c.outcome });
    this.toolDuration.observe({ tool: c.tool }, c.ms / 1000);
  }

  /** A commit of the event log that failed, with the stored rows it held. */
  eventLogWriteFailed(rows: number): void {
    this.writeFailures.inc();
    this.rowsLost.inc(rows);
  }

  eventsDropped(types: Record<string, number>): void {
    for (const [type, n] of Object.entries(types)) this.dropped.inc({ type }, n);
  }

  message(o: { ok: boolean; routingMs: number; durationMs: number; code?: string }): void {
    this.messages.inc({ outcome: o.ok ? 'ok' : (o.code ?? 'error') });
    if (o.ok) this.routing.observe(o.routingMs / 1000);
    this.messageDuration.observe(o.durationMs / 1000);
  }

  constructor({ defaults = true }: { defaults?: boolean } = {}) {
    if (defaults) client.collectDefaultMetrics({ register: this.registry, prefix: 'caxton_' });
  }

  deployment(r: DeploymentRecord): void {
    this.deployments.inc({ status: r.status, trigger: r.trigger });
    this.duration.observe({ status: r.status }, r.durationMs / 1000);
  }

  snapshot(s: Snapshot | null): void {
    this.agents.set(s?.agents.size ?? 0);
    this.tools.set(s?.tools.size ?? 0);
  }
}
