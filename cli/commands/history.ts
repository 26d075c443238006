import type { DeploymentRecord } from '../../server/deploy/record.js';
import { renderHistory } from '../render.js';
import { client, limitFlag, SERVER_OPTIONS, type Command } from '../command.js';

export const history: Command = {
  name: 'history',
  usage: 'caxton history [--limit N] [--json]',
  options: { ...SERVER_OPTIONS, limit: { type: 'string' } },
  async run(ctx) {
    // the deployments route keeps at most 1,000 a page
    const limit = limitFlag(ctx, 20, 'history', 1000);
    const deployments = await client(ctx).get<DeploymentRecord[]>(`/api/v1/deployments?limit=${limit}`);
    return { data: { deployments }, text: renderHistory(deployments), ok: true };
  },
};
