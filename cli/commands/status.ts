import path from 'node:path';
import pc from 'picocolors';
import { CaxtonError } from '../../server/errors.js';
import { StateStore } from '../../server/deploy/state-store.js';
import type { Changes, DeploymentRecord, HeldBack } from '../../server/deploy/record.js';
import { pendingChanges, type DeployedEntities } from '../pending.js';
import { uncommittedFiles } from '../git-status.js';
import { countChanges, plural, renderChanges, short, utcTime } from '../render.js';
import { client, SERVER_OPTIONS, type Command } from '../command.js';

interface StatusView {
  deployedSha: string | null;
  deployedAt: string | null;
  configOid: string | null;
  agents: Array<{ name: string; oid: string }>;
  tools: Array<{ name: string; oid: string }>;
  heldBack: HeldBack[];
  lastDeployment: DeploymentRecord | null;
  lock: { reason: string; since: string } | null;
  /** a server from before this field gives none */
  source?: { workspace: string; remote: boolean; defaultRef: string } | null;
}

/**
 * What to do about pending changes. Those a partial deployment held back as invalid fail again
 * until they are fixed: deploying alone is not the advice for them.
 */
export function pendingAdvice(changes: Changes, heldBack: readonly HeldBack[]): string {
  const held = new Set(heldBack.map((h) => `${h.kind}:${h.name}`));
  const items = [...changes.added, ...changes.modified, ...changes.removed];
  const stuck = items.filter((c) => held.has(`${c.kind}:${c.name}`)).length;
  if (!stuck) return 'deploy with: caxton deploy';
  if (stuck === items.length) return 'held back as invalid: fix them (caxton validate), commit, then caxton deploy';
  return `deploy with: caxton deploy; ${stuck === 1 ? 'the one held back as invalid needs' : `the ${stuck} held back as invalid need`} fixing first (caxton validate)`;
}

export const status: Command = {
  name: 'status',
  usage: 'caxton status [--json]',
  options: { ...SERVER_OPTIONS },
  async run(ctx) {
    let view: StatusView;
    let source: 'server' | 'cache';
    try {
      view = await client(ctx).get<StatusView>('/api/v1/status');
      source = 'server';
    } catch (err) {
      if (!(err instanceof CaxtonError) || err.code !== 'CAX_SERVER_UNREACHABLE') throw err;
      const cached = StateStore.read(path.join(ctx.root, '.caxton', 'deployment.json'));
      source = 'cache';
      view = {
        deployedSha: cached?.deployedSha ?? null,
        deployedAt: cached?.deployedAt ?? null,
        configOid: cached?.configOid ?? null,
        agents: Object.entries(cached?.entities.agents ?? {}).map(([name, e]) => ({ name, oid: e.oid })),
        tools: Object.entries(cached?.entities.tools ?? {}).map(([name, e]) => ({ name, oid: e.oid })),
        heldBack: cached?.heldBack ?? [],
        lastDeployment: cached?.lastDeployment ?? null,
        lock: null,
      };
    }
    const deployed: DeployedEntities = { sha: view.deployedSha, configOid: view.configOid, agents: view.agents, tools: view.tools };
    const [pending, uncommitted] = await Promise.all([pendingChanges(ctx.root, deployed), uncommittedFiles(ctx.root)]);
    const data = {
      source,
      serverReachable: source === 'server',
      deployedSha: view.deployedSha,
      deployedAt: view.deployedAt,
      agents: view.agents.map((a) => a.name),
      tools: view.tools.map((t) => t.name),
      heldBack: view.heldBack,
      lock: view.lock,
      lastDeployment: view.lastDeployment,
      headSha: pending?.headSha ?? null,
      pending: pending?.changes ?? { added: [], modified: [], removed: [] },
      uncommitted,
    };
    const lines: string[] = [];
    if (source === 'cache') lines.push(pc.yellow('Server not reachable; showing the last deployment recorded in .caxton/'));
    lines.push(view.deployedSha
      ? `Deployed: ${pc.bold(short(view.deployedSha))} at ${view.deployedAt ? utcTime(view.deployedAt) : 'an unknown time'} (${plural(view.agents.length, 'agent')}, ${plural(view.tools.length, 'tool')})`
      : 'Deployed: nothing yet');
    if (view.lock) lines.push(pc.yellow(`Locked: ${view.lock.reason} (since ${utcTime(view.lock.since)}); webhook and Action deploys are refused`));
    for (const h of view.heldBack) lines.push(pc.yellow(`Held back: ${h.kind} ${h.name} (${h.reason})`));
    const last = view.lastDeployment;
    if (last && last.status !== 'succeeded') lines.push(`Last deployment: ${last.id} ${last.status}`);
    if (!pending && view.source?.remote) {
      // no checkout here to compare with: the server's branch is what a deployment would take
      lines.push(`Following ${view.source.workspace} (branch ${view.source.defaultRef}); what its tip would change: caxton deploy --dry-run`);
    }
    if (pending) {
      const n = countChanges(pending.changes);
      lines.push(n ? `Pending at HEAD ${short(pending.headSha)}: ${plural(n, 'change')} (${pendingAdvice(pending.changes, view.heldBack)})` : `HEAD ${short(pending.headSha)}: nothing pending`);
      lines.push(...renderChanges(pending.changes));
    }
    if (uncommitted.length) {
      lines.push(pc.yellow(`Uncommitted (not deployable yet): ${plural(uncommitted.length, 'file')}`));
      lines.push(...uncommitted.slice(0, 20).map((f) => `  ${f}`));
    }
    return { data, text: lines.join('\n'), ok: true };
  },
};
