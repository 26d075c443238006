import pc from 'picocolors';
import { CaxtonError } from '../../server/errors.js';
import type { DeploymentStats } from '../../server/events/deployment-queries.js';
import type { RoutingStats, UsageRow } from '../../server/events/routing-queries.js';
import { table, utcTime } from '../render.js';
import { client, SERVER_OPTIONS, type Command } from '../command.js';

const KINDS = ['onboarding', 'deployments', 'routing', 'usage'] as const;
const USAGE_BY = ['agent', 'conversation', 'model'] as const;
type Kind = (typeof KINDS)[number];

export function formatDuration(ms: number | null): string {
  if (ms === null) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${s % 60} s`;
}

/** Milliseconds as people read them: three significant digits below 100, whole ones above. */
export function formatMs(ms: number | null): string {
  if (ms === null) return '—';
  if (ms > 0 && ms < 0.001) return '< 0.001 ms';
  if (ms >= 100) return `${Math.round(ms).toLocaleString('en-US')} ms`;
  return `${Number(ms.toPrecision(3))} ms`;
}

const percentiles = (p: { p50: number | null; p95: number | null; p99: number | null }) => `p50 ${formatMs(p.p50)}   p95 ${formatMs(p.p95)}   p99 ${formatMs(p.p99)}`;

const windowText = (seconds: number) => (seconds % 3600 === 0 ? `${seconds / 3600} h` : seconds % 60 === 0 ? `${seconds / 60} min` : `${seconds} s`);

export function renderRoutingStats(s: RoutingStats): string {
  const rate = s.throughputPerSecond >= 10 ? Math.round(s.throughputPerSecond).toLocaleString('en-US') : Number(s.throughputPerSecond.toPrecision(2)).toString();
  const lines = [
    `Routing over the last ${windowText(s.windowSeconds)}: ${s.routed} routed, ${s.delivered} delivered, ${s.failed ? pc.red(`${s.failed} failed`) : '0 failed'}, ${rate} delivered/s`,
  ];
  if (!s.routed && !s.failed) {
    lines.push(pc.dim('No messages in this window. Send one with: caxton send --capability SKILL "hello"'));
    return lines.join('\n');
  }
  // the counts above include agents' asks (a loop of asks fails once at each level) and retries;
  // this is what the clients saw
  const c = s.fromClients;
  if (c) lines.push(`  from clients: ${c.sent} sent, ${c.failed ? pc.red(`${c.failed} failed`) : '0 failed'}`);
  lines.push(`  routing   ${percentiles(s.routingMs)}`, `  delivery  ${percentiles(s.deliveryMs)}`);
  if (s.failures.length) lines.push('', table(s.failures.map((f) => [f.code, String(f.count)]), ['FAILURE', 'COUNT']));
  if (s.agents.length) {
    lines.push('', table(s.agents.map((a) => [a.agent, String(a.delivered), a.failed ? pc.red(String(a.failed)) : '0', formatMs(a.avgMs)]), ['AGENT', 'DELIVERED', 'FAILED', 'AVG']));
  }
  if (s.strategies.length) lines.push('', `Strategies: ${s.strategies.map((x) => `${x.strategy} ${x.count}`).join(', ')}`);
  return lines.join('\n');
}

export function renderDeploymentStats(s: DeploymentStats): string {
  // a server that restarted restored its deployment; that is not one made, and is said apart
  const restores = s.restores ? `Restores at start: ${s.restores} (a server serving its last deployment again after a restart; not counted above)` : null;
  if (!s.total) return ['No deployments yet. Deploy with: caxton deploy', ...(restores ? [restores] : [])].join('\n');
  const rate = s.successRate === null ? '—' : `${Math.round(s.successRate * 100)} %`;
  const bad = s.failed + s.rolledBack;
  // a rolled_back status is a switch undone by the server, not a `caxton rollback`: said apart
  const rollbacks = s.rollbacks ? `, ${s.rollbacks === 1 ? '1 of them a rollback' : `${s.rollbacks} of them rollbacks`}` : '';
  return [
    `Deployments: ${s.total} (${s.succeeded} succeeded, ${s.partial} partial, ${bad ? pc.red(`${s.failed} failed, ${s.rolledBack} reverted at the switch`) : '0 failed, 0 reverted at the switch'})${rollbacks}; success rate ${rate}`,
    `  duration  avg ${formatDuration(s.avgDurationMs)}   p95 ${formatDuration(s.p95DurationMs)}`,
    ...(restores ? [restores] : []),
  ].join('\n');
}

const count = (n: number) => n.toLocaleString('en-US');

/** LLM token usage by agent, conversation or model, the largest first, with a total line. */
export function renderUsage(rows: UsageRow[], by: (typeof USAGE_BY)[number]): string {
  if (!rows.length) return 'No LLM calls recorded yet. Offline agents use no tokens; an agent with an [llm] section records its usage here.';
  const sum = (f: (r: UsageRow) => number) => rows.reduce((n, r) => n + f(r), 0);
  const prompt = sum((r) => r.promptTokens);
  const completion = sum((r) => r.completionTokens);
  return [
    // an LlmUsage event is one message's model calls, summed: a message, not a model call
    `LLM usage: ${count(sum((r) => r.calls))} ${sum((r) => r.calls) === 1 ? 'message' : 'messages'}, ${count(prompt + completion)} tokens (${count(prompt)} prompt, ${count(completion)} completion)`,
    '',
    table(
      rows.map((r) => [r.key ?? '—', count(r.calls), count(r.promptTokens), count(r.completionTokens), count(r.promptTokens + r.completionTokens)]),
      [by.toUpperCase(), 'MESSAGES', 'PROMPT', 'COMPLETION', 'TOTAL'],
    ),
  ].join('\n');
}

interface Funnel {
  createdAt: string | null;
  steps: Array<{ milestone: string; reached: boolean; at: string; sinceCreatedMs: number | null }>;
}

export const stats: Command = {
  name: 'stats',
  usage: 'caxton stats [onboarding|deployments|routing|usage] [--by agent|conversation|model] [--json]',
  positionals: 1,
  options: { ...SERVER_OPTIONS, by: { type: 'string' } },
  async run(ctx) {
    const kind = (ctx.positionals[0] ?? 'onboarding') as Kind;
    if (!KINDS.includes(kind)) throw new CaxtonError('CAX_USAGE', { detail: `unknown stats "${kind}"`, hint: `Use one of: ${KINDS.join(', ')}` });
    // --by counts usage only; given to another kind it would be ignored in silence
    if (typeof ctx.flags.by === 'string' && kind !== 'usage') {
      throw new CaxtonError('CAX_USAGE', { detail: `--by applies to "caxton stats usage" only, not to ${kind}`, hint: 'caxton stats usage --by conversation' });
    }
    const api = client(ctx);
    if (kind === 'onboarding') {
      const f = await api.get<Funnel>('/api/v1/analytics/onboarding');
      const rows = f.steps.map((s) => [s.reached ? pc.green('✓') : pc.dim('·'), s.milestone, s.reached ? formatDuration(s.sinceCreatedMs) : pc.dim('not yet')]);
      const text = [`Workspace created: ${f.createdAt ? utcTime(f.createdAt) : 'unknown'}`, table(rows, ['', 'MILESTONE', 'SINCE CREATED'])].join('\n');
      return { data: { onboarding: f }, text, ok: true };
    }
    if (kind === 'deployments') {
      const d = await api.get<DeploymentStats>('/api/v1/analytics/deployments');
      return { data: { deployments: d }, text: renderDeploymentStats(d), ok: true };
    }
    if (kind === 'usage') {
      const by = (typeof ctx.flags.by === 'string' ? ctx.flags.by : 'agent') as (typeof USAGE_BY)[number];
      if (!USAGE_BY.includes(by)) throw new CaxtonError('CAX_USAGE', { detail: `--by ${by}: usage is counted by agent, by conversation or by model`, hint: 'caxton stats usage --by model' });
      const rows = await api.get<UsageRow[]>(`/api/v1/analytics/usage?by=${by}`);
      return { data: { usage: rows, by }, text: renderUsage(rows, by), ok: true };
    }
    const r = await api.get<RoutingStats>('/api/v1/analytics/routing');
    return { data: { routing: r }, text: renderRoutingStats(r), ok: true };
  },
};
