// Human output, as pure functions of data → string. `--json` bypasses all of it.
import pc from 'picocolors';
import type { ChangeItem, Changes, DeploymentPlan, DeploymentRecord, HeldBack, RecordIssue } from '../server/deploy/record.js';
import type { CaxtonError } from '../server/errors.js';
import type { AgentHealth } from '../server/routing/dispatcher.js';
import type { FieldChange } from '../server/workspace/diff.js';

/** `1 change`, `2 changes` */
export const plural = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;

export const short = (sha: string | null | undefined) => (sha ? sha.slice(0, 7) : '—');

/**
 * An API time (ISO 8601, UTC) as every command prints one: `2026-11-25 20:31:05Z`, with the
 * milliseconds where order within a second matters (the event log): `2026-11-25 20:31:05.123Z`.
 */
import { utcTime } from '../server/util/time.js';

export { utcTime };

export function renderError(e: Pick<CaxtonError, 'message' | 'suggestions' | 'code'>): string {
  const lines = [`${pc.red('✗')} ${e.message} ${pc.dim(`[${e.code}]`)}`];
  for (const s of e.suggestions) lines.push(`  ${pc.cyan('→')} ${s}`);
  return lines.join('\n');
}

const MAX_VALUE = 32;

/**
 * Before → after in a change line: each value as JSON, cut short; absent as `unset`. Both are cut
 * from a little before where they first differ, so a long text changed past its start shows that
 * part (…reply text) rather than two beginnings that read the same.
 */
function beforeAfter(b: unknown, a: unknown): string {
  const json = (v: unknown) => (v === undefined ? undefined : (JSON.stringify(v) ?? String(v)));
  const x = json(b);
  const y = json(a);
  let from = 0;
  if (x !== undefined && y !== undefined) while (from < x.length && from < y.length && x[from] === y[from]) from++;
  const cut = (text: string | undefined): string => {
    if (text === undefined) return 'unset';
    if (text.length <= MAX_VALUE) return text;
    const start = from > MAX_VALUE / 2 ? from - 8 : 0;
    const part = text.slice(start, start + MAX_VALUE - (start ? 2 : 1));
    return `${start ? '…' : ''}${part}${start + part.length < text.length ? '…' : ''}`;
  };
  return `${cut(x)} → ${cut(y)}`;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The innermost values that differ, as [path, before, after]: into tables by key and into lists of
 * the same length by index, so a long table (behavior) shows the step and key that changed rather
 * than two cut-off copies of itself.
 */
function differences(b: unknown, a: unknown, path: string, out: Array<[string, unknown, unknown]>): void {
  if (JSON.stringify(b) === JSON.stringify(a)) return;
  const join = (k: string | number) => (typeof k === 'number' ? `${path}[${k}]` : path ? `${path}.${k}` : k);
  if (isPlainObject(b) && isPlainObject(a)) {
    for (const k of new Set([...Object.keys(b), ...Object.keys(a)])) differences(b[k], a[k], join(k), out);
  } else if (Array.isArray(b) && Array.isArray(a) && b.length === a.length) {
    b.forEach((x, i) => differences(x, a[i], join(i), out));
  } else out.push([path, b, a]);
}

/** Before → after: for a table (limits, behavior) the values inside that changed, at most three; a plugin by its short blob id; a file beside the manifest by what became of it. */
function valueChange(f: FieldChange): string {
  if (f.file !== undefined) return fileChange(f);
  if (!('before' in f) && !('after' in f)) return '';
  if (f.field === 'plugin') return `${short(String(f.before))} → ${short(String(f.after))}`;
  const diffs: Array<[string, unknown, unknown]> = [];
  differences(f.before, f.after, '', diffs);
  if (diffs.length === 1 && diffs[0]![0] === '') return beforeAfter(f.before, f.after);
  const shown = diffs.slice(0, 3).map(([k, b, a]) => `${k} ${beforeAfter(b, a)}`);
  return `${shown.join('; ')}${diffs.length > 3 ? '; …' : ''}`;
}

/** A file beside the manifest (its blob ids mean nothing to a reader): added, removed or changed. */
function fileChange(f: Pick<FieldChange, 'before' | 'after'>): string {
  return f.before === undefined ? 'added' : f.after === undefined ? 'removed' : 'changed';
}

function describeItem(c: ChangeItem): string {
  const label = `${c.kind} ${pc.bold(c.name)}`;
  if (!c.fields?.length) return label;
  const parts = c.fields.map((f) => {
    const what = f.removed?.length ? `-${f.removed.join(',')}` : f.added?.length ? `+${f.added.join(',')}` : valueChange(f);
    const colour = f.impact === 'breaking' ? pc.red : f.impact === 'compatible' ? pc.yellow : pc.dim;
    return colour(`${f.field}${what ? ` ${what}` : ''} (${f.impact})`);
  });
  return `${label}: ${parts.join(', ')}`;
}

export function renderChanges(changes: Changes, indent = '  '): string[] {
  return [
    ...changes.added.map((c) => `${indent}${pc.green('+')} ${describeItem(c)}`),
    ...changes.modified.map((c) => `${indent}${pc.yellow('~')} ${describeItem(c)}`),
    ...changes.removed.map((c) => `${indent}${pc.red('-')} ${describeItem(c)}`),
  ];
}

export function countChanges(c: Changes): number {
  return c.added.length + c.modified.length + c.removed.length;
}

// The line itself stays exactly `path:line:column message` (CONTRACT §2), so editors and scripts
// can match it; errors are the default and only warnings carry a tag, after the message.
const severityTag = (i: RecordIssue) => (i.severity === 'warning' ? ` ${pc.yellow('(warning)')}` : '');

export function renderIssue(i: RecordIssue): string {
  const where = i.file ? `${i.file}:${i.line ?? 1}:${i.column ?? 1} ` : '';
  return `${where}${i.message}${severityTag(i)}${i.suggestion ? `\n    ${pc.cyan('→')} ${i.suggestion}` : ''}`;
}

function renderHeldBack(h: HeldBack): string {
  const kept = h.kept === 'previous' ? `keeps ${short(h.keptSha)}` : 'not deployed';
  return `  ${pc.yellow('!')} ${h.kind} ${pc.bold(h.name)} held back (${kept}): ${h.reason}`;
}

export function renderDeploy(r: DeploymentRecord): string {
  const n = countChanges(r.changes);
  const range = `${short(r.fromSha)} → ${short(r.toSha)}`;
  const lines: string[] = [];
  if (r.status === 'failed' || r.status === 'rolled_back') {
    const after = r.fromSha ? 'the previous deployment keeps serving' : 'nothing was deployed before, so nothing serves yet';
    lines.push(`${pc.red('✗')} Deployment ${r.id} of ${r.ref} (${range}) ${r.status === 'failed' ? 'failed' : 'was rolled back'}; ${after}.`);
    lines.push(...r.errors.map((e) => `  ${renderIssue(e)}`));
    if (n) lines.push(pc.dim('  Not deployed:'), ...renderChanges(r.changes, '    '));
    return lines.join('\n');
  }
  if (r.noop) return `${pc.green('✓')} Already at ${short(r.toSha)}: nothing to change ${pc.dim(`(recorded as ${r.id}, ${r.durationMs} ms)`)}`;
  lines.push(...renderChanges(r.changes));
  lines.push(...r.heldBack.map(renderHeldBack));
  lines.push(...r.warnings.map((w) => `  ${renderIssue(w)}`));
  const rollback = r.trigger === 'rollback';
  const verb = r.status === 'partial'
    ? pc.yellow(rollback ? `◐ Partially rolled back to ${short(r.toSha)}:` : '◐ Partially deployed')
    : `${pc.green('✓')} ${rollback ? `Rolled back to ${short(r.toSha)}:` : 'Deployed'}`;
  lines.push(`${verb} ${plural(n, 'change')} in ${r.durationMs} ms ${pc.dim(`(${range}, ${r.id})`)}`);
  return lines.join('\n');
}

export function renderPlan(p: DeploymentPlan): string {
  const n = countChanges(p.changes);
  const lines = [`Plan for ${p.ref} (${short(p.fromSha)} → ${short(p.toSha)}): ${plural(n, 'change')}, would end ${p.outcome}`];
  lines.push(...renderChanges(p.changes));
  lines.push(...p.heldBack.map(renderHeldBack));
  lines.push(...p.errors.map((e) => `  ${renderIssue(e)}`));
  // as the deployment itself would print them: a preview that hid them let `--dry-run && deploy` pass a broken ask
  lines.push(...p.warnings.map((w) => `  ${renderIssue(w)}`));
  lines.push(pc.dim('Dry run: nothing was deployed.'));
  return lines.join('\n');
}

export function table(rows: string[][], header: string[]): string {
  const all = [header, ...rows];
  // eslint-disable-next-line no-control-regex
  const visible = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, '').length;
  const widths = header.map((_, i) => Math.max(...all.map((r) => visible(r[i] ?? ''))));
  const fmt = (r: string[]) => r.map((c, i) => c + ' '.repeat(widths[i]! - visible(c))).join('  ').trimEnd();
  return [pc.bold(fmt(header)), ...rows.map(fmt)].join('\n');
}

const STATUS_COLOUR: Record<string, (s: string) => string> = {
  succeeded: pc.green,
  partial: pc.yellow,
  failed: pc.red,
  rolled_back: pc.red,
};

export function renderHistory(records: DeploymentRecord[]): string {
  if (!records.length) return 'No deployments yet. Deploy with: caxton deploy';
  return table(
    records.map((r) => [
      r.id,
      (STATUS_COLOUR[r.status] ?? ((s: string) => s))(r.status),
      r.trigger,
      // a start-up serves again what ran before the restart: nothing was deployed, nothing changed
      // (its record lists every entity, as a first deployment would)
      r.trigger === 'startup' ? `restored ${short(r.toSha)}` : `${short(r.fromSha)} → ${short(r.toSha)}`,
      r.trigger === 'startup' ? '—' : String(countChanges(r.changes)),
      `${r.durationMs} ms`,
      utcTime(r.startedAt),
      r.ref,
    ]),
    ['ID', 'STATUS', 'TRIGGER', 'SHA', 'CHANGES', 'TIME', 'STARTED', 'REF'],
  );
}

interface AgentRow {
  name: string;
  capabilities: string[];
  tools: string[];
  sha: string;
  description: string;
  health?: AgentHealth;
}

/** An agent's circuit breaker in a few words: closed, failures that count toward opening it, open until when. */
export function circuitText(h: AgentHealth | undefined): string {
  if (!h) return '—';
  if (h.circuit === 'open') return pc.red(`open until ${h.retryAt?.slice(11, 19) ?? '?'} UTC`);
  if (h.circuit === 'half-open') return pc.yellow('half-open (one probe)');
  return h.recentFailures ? pc.yellow(`closed, ${h.recentFailures}/${h.failureThreshold} failures`) : 'closed';
}

export function renderAgents(agents: AgentRow[]): string {
  if (!agents.length) return 'No agents are deployed. Deploy with: caxton deploy';
  return table(
    agents.map((a) => [a.name, a.capabilities.join(', '), a.tools.join(', ') || '—', circuitText(a.health), String(a.health?.inFlight ?? '—'), short(a.sha), a.description]),
    ['AGENT', 'CAPABILITIES', 'TOOLS', 'CIRCUIT', 'IN FLIGHT', 'SHA', 'DESCRIPTION'],
  );
}

interface ToolRow {
  name: string;
  functions: Array<{ name: string }>;
  sha: string;
  description: string;
  limits: { timeout_ms: number; memory_mb: number };
  status?: { calls?: number; failures?: number; quarantined?: unknown; unavailable?: string | null };
}

export function renderTools(tools: ToolRow[]): string {
  if (!tools.length) return 'No tools are deployed.';
  const state = (t: ToolRow) => {
    const q = t.status?.quarantined;
    if (q) return pc.red(`quarantined${typeof q === 'object' && q && 'reason' in q ? `: ${String((q as { reason: unknown }).reason)}` : ''}`);
    if (t.status?.unavailable) return pc.red(`unavailable: ${t.status.unavailable}`);
    return t.status ? pc.green(`ok (${plural(t.status.calls ?? 0, 'call')}, ${t.status.failures ?? 0} failed)`) : 'ok';
  };
  return table(
    tools.map((t) => [t.name, t.functions.map((f) => f.name).join(', '), `${t.limits.timeout_ms} ms / ${t.limits.memory_mb} MiB`, state(t), short(t.sha), t.description]),
    ['TOOL', 'FUNCTIONS', 'LIMITS', 'STATE', 'SHA', 'DESCRIPTION'],
  );
}

/** An issue with the offending source line and a caret under its column. */
export function renderIssueWithSource(i: RecordIssue, source: string | undefined): string {
  const head = `${i.file}:${i.line ?? 1}:${i.column ?? 1} ${i.message}${severityTag(i)}`;
  const lines = [head];
  const text = source?.split(/\r?\n/)[(i.line ?? 1) - 1];
  if (text !== undefined && text.trim()) {
    const num = String(i.line ?? 1);
    lines.push(pc.dim(`  ${num} | `) + text);
    lines.push(pc.dim(`  ${' '.repeat(num.length)} | `) + ' '.repeat(Math.max(0, (i.column ?? 1) - 1)) + pc.red('^'));
  }
  if (i.suggestion) lines.push(`  ${pc.cyan('→')} ${i.suggestion}`);
  return lines.join('\n');
}
