import pc from 'picocolors';
import { CaxtonError } from '../../server/errors.js';
import { table } from '../render.js';
import { client, SERVER_OPTIONS, type Command } from '../command.js';

const KINDS = ['onboarding', 'deployments', 'routing'] as const;
type Kind = (typeof KINDS)[number];

export function formatDuration(ms: number | null): string {
  if (ms === null) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${s % 60} s`;
}

interface Funnel {
  createdAt: string | null;
  steps: Array<{ milestone: string; reached: boolean; at: string; sinceCreatedMs: number | null }>;
}

export const stats: Command = {
  name: 'stats',
  usage: 'caxton stats [onboarding|deployments|routing] [--json]',
  options: { ...SERVER_OPTIONS },
  async run(ctx) {
    const kind = (ctx.positionals[0] ?? 'onboarding') as Kind;
    if (!KINDS.includes(kind)) throw new CaxtonError('CAX_USAGE', { detail: `unknown stats "${kind}"`, hint: `Use one of: ${KINDS.join(', ')}` });
    const api = client(ctx);
    if (kind === 'onboarding') {
      const f = await api.get<Funnel>('/api/v1/analytics/onboarding');
      const rows = f.steps.map((s) => [s.reached ? pc.green('✓') : pc.dim('·'), s.milestone, s.reached ? formatDuration(s.sinceCreatedMs) : pc.dim('not yet')]);
      const text = [`Workspace created: ${f.createdAt ?? 'unknown'}`, table(rows, ['', 'MILESTONE', 'SINCE CREATED'])].join('\n');
      return { data: { onboarding: f }, text, ok: true };
    }
    const path = kind === 'deployments' ? '/api/v1/analytics/deployments' : '/api/v1/analytics/routing';
    const data = await api.get<Record<string, unknown>>(path);
    const text = Object.entries(data)
      .map(([k, v]) => `${k}: ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
      .join('\n');
    return { data: { [kind]: data }, text, ok: true };
  },
};
