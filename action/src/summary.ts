// The Action's reports as pure functions of the server's answers: the job summary of a deployment,
// the dry-run preview (also the pull-request comment) and a failure. Changes are one table,
// breaking ones first, each with its field-level impact.
import type { ChangeItem, Changes, DeploymentPlan, DeploymentRecord, HeldBack, RecordIssue } from '../../server/deploy/record.js';
import { code, short, table, text, value } from './markdown.js';

/** The marker that finds the Action's own pull-request comment again. */
export const COMMENT_MARKER = '<!-- caxton-preview -->';

type Kind = 'added' | 'modified' | 'removed';
type Impact = 'breaking' | 'compatible' | 'cosmetic';

const IMPACT_RANK: Record<string, number> = { breaking: 0, compatible: 1, cosmetic: 2, none: 3 };
const KIND_RANK: Record<Kind, number> = { removed: 0, modified: 1, added: 2 };
const IMPACT_LABEL: Record<string, string> = { breaking: '🔴 breaking', compatible: '🟡 compatible', cosmetic: '⚪ cosmetic', none: '—' };
const KIND_LABEL: Record<Kind, string> = { added: '➕ added', modified: '✏️ modified', removed: '➖ removed' };

/**
 * The impact of a change as a whole: a removed agent or tool breaks whoever used it, a new one
 * breaks nothing, a modified one is as bad as its worst field.
 */
export function impactOf(kind: Kind, c: ChangeItem): Impact | 'none' {
  if (kind === 'removed') return c.kind === 'config' ? 'compatible' : 'breaking';
  if (kind === 'added') return 'compatible';
  return c.impact ?? (c.fields?.length ? 'cosmetic' : 'none');
}

export interface ChangeRow {
  kind: Kind;
  item: ChangeItem;
  impact: Impact | 'none';
}

/** Every change, breaking first; then removed, modified, added; then by name. */
export function orderChanges(changes: Changes): ChangeRow[] {
  const rows: ChangeRow[] = (['added', 'modified', 'removed'] as const).flatMap((kind) => changes[kind].map((item) => ({ kind, item, impact: impactOf(kind, item) })));
  return rows.sort(
    (a, b) => IMPACT_RANK[a.impact]! - IMPACT_RANK[b.impact]! || KIND_RANK[a.kind] - KIND_RANK[b.kind] || a.item.name.localeCompare(b.item.name),
  );
}

function fieldsCell(item: ChangeItem): string {
  if (!item.fields?.length) return '';
  return item.fields
    .map((f) => {
      const parts: string[] = [];
      if (f.added?.length) parts.push(`+${f.added.map(text).join(', +')}`);
      if (f.removed?.length) parts.push(`−${f.removed.map(text).join(', −')}`);
      // a file beside the manifest: its blob ids mean nothing to a reader
      if (f.file !== undefined) parts.push(f.before === undefined ? 'added' : f.after === undefined ? 'removed' : 'changed');
      if (!parts.length && (f.before !== undefined || f.after !== undefined)) parts.push(`${code(value(f.before))} → ${code(value(f.after))}`);
      const note = f.note ? ` — ${text(f.note)}` : '';
      return `${code(f.field)} ${parts.join(' ')} (${text(f.impact)})${note}`.replace(/\s+\(/, ' (');
    })
    .join('<br>');
}

export function renderChanges(changes: Changes): string {
  const rows = orderChanges(changes);
  const count = (k: Kind) => changes[k].length;
  const breaking = rows.filter((r) => r.impact === 'breaking').length;
  const head = `### Changes: ${count('added')} added, ${count('modified')} modified, ${count('removed')} removed${breaking ? ` (${breaking} breaking)` : ''}`;
  if (!rows.length) return `${head}\n\nNo agent, tool or setting changes.`;
  return `${head}\n\n${table(
    ['Change', 'Kind', 'Name', 'Impact', 'Fields'],
    rows.map((r) => [KIND_LABEL[r.kind], r.item.kind, code(r.item.name), IMPACT_LABEL[r.impact]!, fieldsCell(r.item)]),
  )}`;
}

function where(i: RecordIssue): string {
  return i.file ? code(`${i.file}:${i.line ?? 1}:${i.column ?? 1}`) : '';
}

export function renderIssues(title: string, issues: RecordIssue[]): string {
  if (!issues.length) return '';
  return `### ${title}\n\n${table(
    ['Where', 'Code', 'Problem', 'How to fix'],
    issues.map((i) => [where(i), code(i.code), text(i.message), text(i.suggestion ?? '')]),
  )}`;
}

/** What makes each held-back entity invalid: the record's errors hold only what failed the deployment. */
export const heldBackIssues = (held: readonly HeldBack[]): RecordIssue[] => held.flatMap((h) => h.issues);

function renderHeldBack(held: HeldBack[]): string {
  if (!held.length) return '';
  return [
    `### Held back\n\n${table(
      ['Kind', 'Name', 'Keeps', 'Why'],
      held.map((h) => [h.kind, code(h.name), h.kept === 'previous' ? code(short(h.keptSha)) : 'not deployed', text(h.reason)]),
    )}`,
    renderIssues('Why they are held back', heldBackIssues(held)),
  ].filter(Boolean).join('\n\n');
}

export interface ReportContext {
  serverUrl: string;
  /** a link to the workflow run, when known */
  runUrl?: string | null;
}

const STATUS_ICON: Record<string, string> = { succeeded: '✅', partial: '🟡', failed: '❌', rolled_back: '❌' };

/** The job summary of a finished deployment: outcome table, changes, held back, errors. */
export function renderDeployment(r: DeploymentRecord, ctx: ReportContext): string {
  const icon = STATUS_ICON[r.status] ?? '❔';
  const title = r.status === 'succeeded' || r.status === 'partial' ? `Caxton deployed ${code(short(r.toSha))}` : `Caxton deployment of ${code(short(r.toSha))} ${r.status === 'failed' ? 'failed' : 'was rolled back'}`;
  const outcome = table(
    ['', ''],
    [
      ['Status', `**${r.status}**${r.noop ? ' (already deployed: nothing changed)' : ''}`],
      ['Deployment', code(r.id)],
      ['From', code(r.fromSha ?? 'nothing deployed')],
      ['To', code(r.toSha)],
      ['Ref', code(r.ref)],
      ...(r.message ? [['Commit message', text(r.message)]] : []),
      ['Duration', `${r.durationMs} ms`],
      ['Started', text(r.startedAt)],
      ['Trigger', r.trigger],
      ['Server', text(ctx.serverUrl)],
    ],
  );
  const failed = r.status === 'failed' || r.status === 'rolled_back';
  return [
    `## ${icon} ${title}`,
    failed ? (r.fromSha ? 'Nothing changed: the previous deployment keeps serving.' : 'Nothing changed: nothing was deployed before, so nothing serves yet.') : '',
    outcome,
    renderChanges(r.changes),
    renderHeldBack(r.heldBack),
    renderIssues('Errors', r.errors),
    renderIssues('Warnings', r.warnings),
    ctx.runUrl ? `<sub>[workflow run](${ctx.runUrl})</sub>` : '',
  ]
    .filter(Boolean)
    .join('\n\n')
    .concat('\n');
}

const OUTCOME_WORDS: Record<string, string> = { succeeded: 'would succeed', partial: 'would deploy partially', failed: 'would fail', rolled_back: 'would fail' };

/** The dry-run preview: what deploying `ref` would change against what runs now. */
export function renderPreview(p: DeploymentPlan, ctx: ReportContext & { what?: string; lock?: { reason: string; since: string } | null }): string {
  const icon = p.outcome === 'failed' ? '❌' : p.outcome === 'partial' ? '🟡' : '🔍';
  const head = `## ${icon} Caxton preview${ctx.what ? ` for ${text(ctx.what)}` : ''}: ${OUTCOME_WORDS[p.outcome] ?? p.outcome}`;
  const line = p.noop
    ? `${code(short(p.toSha))} is what runs now: merging changes nothing. Nothing was deployed.`
    : `Deploying ${code(short(p.toSha))} over ${p.fromSha ? `the running ${code(short(p.fromSha))}` : 'an empty server'} would end **${p.outcome}**. Nothing was deployed.`;
  // the plan is what a deployment would do; while the lock is set, a merge's push or Action deploy does not run at all
  const lock = ctx.lock ? `⚠️ **The server's deploy lock is set** since ${text(ctx.lock.since)}: ${text(ctx.lock.reason)}. A push or Action deployment after merging is refused until \`caxton unlock\`.` : '';
  return [head, line, lock, renderChanges(p.changes), renderHeldBack(p.heldBack), renderIssues('Validation errors', p.errors), renderIssues('Warnings', p.warnings), ctx.runUrl ? `<sub>[workflow run](${ctx.runUrl})</sub>` : '']
    .filter(Boolean)
    .join('\n\n')
    .concat('\n');
}

/**
 * The suggestions for an error, as they read in a workflow: the server's own for its errors, and
 * the Action's inputs instead of the CLI's flags where the CLI's advice would not apply.
 */
export function actionSuggestions(e: { code: string; suggestions: string[] }, serverUrl: string): string[] {
  if (e.code === 'CAX_SERVER_UNREACHABLE') {
    return [
      `Check the server-url input (${serverUrl}): the runner must reach it over the network.`,
      'A server on 127.0.0.1 is not reachable from GitHub-hosted runners: expose it behind a reverse proxy, or use a self-hosted runner (docs/github-action.md).',
    ];
  }
  if (e.code === 'CAX_UNAUTHORIZED') {
    return ["Set the token input to the server's API token (its CAXTON_TOKEN, or the file <data>/token it wrote), kept in a repository secret."];
  }
  return e.suggestions;
}

/** A failure before any record: the server's error code, message and suggestions. */
export function renderFailure(e: { code: string; message: string; suggestions: string[] }, ctx: ReportContext & { ref: string; dryRun: boolean }): string {
  return [
    `## ❌ Caxton ${ctx.dryRun ? 'preview' : 'deployment'} of ${code(ctx.ref)} failed`,
    `**${text(e.message)}** ${code(e.code)}`,
    e.suggestions.map((s) => `- ${text(s)}`).join('\n'),
    `Server: ${text(ctx.serverUrl)}`,
  ]
    .filter(Boolean)
    .join('\n\n')
    .concat('\n');
}

/** The one-paragraph message the step fails with. */
export function failureMessage(e: { code: string; message: string; suggestions: string[] }): string {
  return [`${e.message} [${e.code}]`, ...e.suggestions.map((s) => `→ ${s}`)].join('\n');
}

/** The failure message of a deployment record that failed. */
export function recordFailureMessage(r: DeploymentRecord): string {
  const lines = [`Deployment ${r.id} of ${short(r.toSha)} ${r.status === 'failed' ? 'failed' : 'was rolled back'}; the previous deployment keeps serving.`];
  for (const e of r.errors) {
    lines.push(`${e.file ? `${e.file}:${e.line ?? 1}:${e.column ?? 1} ` : ''}${e.message} [${e.code}]`);
    if (e.suggestion) lines.push(`  → ${e.suggestion}`);
  }
  return lines.join('\n');
}
