import { GitRepo, findGitdir } from '../../server/git/repo.js';
import type { DeploymentPlan, DeploymentRecord } from '../../server/deploy/record.js';
import { renderDeploy, renderPlan } from '../render.js';
import { uncommittedFiles } from '../git-status.js';
import { client, SERVER_OPTIONS, type Command } from '../command.js';

/** HEAD of the local workspace as a SHA, so the server deploys exactly what this checkout has. */
export async function localHead(root: string): Promise<string | null> {
  if (!findGitdir(root)) return null;
  return new GitRepo(root).head();
}

export const deploy: Command = {
  name: 'deploy',
  usage: 'caxton deploy [--ref REF] [--dry-run] [--partial] [--json]',
  help: [
    '--ref REF   the commit, branch or tag (default: this checkout\'s HEAD); only what is committed deploys',
    '--dry-run   print the plan and deploy nothing; exits 1 when the plan would fail',
    '--partial   deploy the valid agents and tools and hold back the invalid ones at their running version',
  ],
  positionalFlag: 'ref',
  options: { ...SERVER_OPTIONS, ref: { type: 'string' }, 'dry-run': { type: 'boolean' }, partial: { type: 'boolean' } },
  async run(ctx) {
    const explicit = typeof ctx.flags.ref === 'string' ? ctx.flags.ref : undefined;
    // outside a checkout no ref is sent: the server deploys its own default (the tip of --branch for --repo)
    const ref = explicit ?? (await localHead(ctx.root));
    const uncommitted = explicit ? [] : await uncommittedFiles(ctx.root);
    const body = { ...(ref ? { ref } : {}), dryRun: !!ctx.flags['dry-run'], partial: !!ctx.flags.partial, trigger: 'cli' };
    const result = await client(ctx).post<DeploymentRecord | DeploymentPlan>('/api/v1/deployments', body);
    const note = uncommitted.length
      ? `\nNot deployed (uncommitted): ${uncommitted.slice(0, 10).join(', ')}${uncommitted.length > 10 ? ` and ${uncommitted.length - 10} more` : ''}\n  → commit them to deploy them: git add -A && git commit`
      : '';
    if ('dryRun' in result) {
      // a plan that would fail is a failure (exit 1), so `caxton deploy --dry-run && caxton deploy` gates
      return { data: { ...result, uncommitted }, text: renderPlan(result) + note, ok: result.outcome !== 'failed' };
    }
    const ok = result.status === 'succeeded' || result.status === 'partial';
    return { data: { ...result, uncommitted }, text: renderDeploy(result) + note, ok };
  },
};
