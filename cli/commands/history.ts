import type { DeploymentRecord } from '../../server/deploy/record.js';
import { renderHistory } from '../render.js';
import { client, SERVER_OPTIONS, type Command } from '../command.js';

export const history: Command = {
  name: 'history',
  usage: 'caxton history [--limit N] [--json]',
  options: { ...SERVER_OPTIONS, limit: { type: 'string' } },
  async run(ctx) {
    const limit = typeof ctx.flags.limit === 'string' ? Number(ctx.flags.limit) : 20;
    const deployments = await client(ctx).get<DeploymentRecord[]>(`/api/v1/deployments?limit=${Number.isFinite(limit) ? limit : 20}`);
    return { data: { deployments }, text: renderHistory(deployments), ok: true };
  },
};
