// Prometheus metrics on a registry of the server's own (never the global one, so apps in one
// process stay apart).
import client from 'prom-client';
import type { DeploymentRecord } from './deploy/record.js';
import type { Snapshot } from './deploy/snapshot.js';

export class Metrics {
  readonly registry = new client.Registry();
  private readonly deployments = new client.Counter({
    name: 'caxton_deployments_total',
    help: 'Deployments by final status and trigger',
    labelNames: ['status', 'trigger'] as const,
    registers: [this.registry],
  });
  private readonly duration = new client.Histogram({
    name: 'caxton_deployment_duration_seconds',
    help: 'Server-side deployment duration',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    labelNames: ['status'] as const,
    registers: [this.registry],
  });
  private readonly agents = new client.Gauge({ name: 'caxton_agents_deployed', help: 'Agents in the live snapshot', registers: [this.registry] });
  private readonly tools = new client.Gauge({ name: 'caxton_tools_deployed', help: 'Tools in the live snapshot', registers: [this.registry] });

  private readonly messages = new client.Counter({
    name: 'caxton_messages_total',
    help: 'Client messages by outcome (ok, or the error code)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  private readonly routing = new client.Histogram({
    name: 'caxton_routing_seconds',
    help: 'Time spent routing a message (decisions and retry backoff), excluding the agent',
    buckets: [0.00001, 0.00005, 0.0001, 0.0005, 0.001, 0.005, 0.01, 0.1, 1],
    registers: [this.registry],
  });
  private readonly messageDuration = new client.Histogram({
    name: 'caxton_message_duration_seconds',
    help: 'Time from receiving a message to its reply',
    buckets: [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30],
    registers: [this.registry],
  });

  private readonly toolCalls = new client.Counter({
    name: 'caxton_tool_calls_total',
    help: 'Tool calls by tool and outcome (ok, or why it failed: permission, schema, timeout, memory, output, trap, error, quarantined, unavailable, not-found)',
    labelNames: ['tool', 'outcome'] as const,
    registers: [this.registry],
  });
  private readonly toolDuration = new client.Histogram({
    name: 'caxton_tool_call_seconds',
    help: 'Time a tool call ran in its sandbox',
    buckets: [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
    labelNames: ['tool'] as const,
    registers: [this.registry],
  });

  private readonly dropped = new client.Counter({
    name: 'caxton_events_dropped_total',
    help: 'Message and tool events the event log shed while it was behind (each time also an EventsDropped event)',
    labelNames: ['type'] as const,
    registers: [this.registry],
  });

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
