import type { DeploymentRecord } from '../../server/deploy/record.js';
import { renderDeploy } from '../render.js';
import { client, SERVER_OPTIONS, type Command } from '../command.js';

export const rollback: Command = {
  name: 'rollback',
  usage: 'caxton rollback [--to SHA] [--json]',
  positionalFlag: 'to',
  options: { ...SERVER_OPTIONS, to: { type: 'string' } },
  async run(ctx) {
    const body = typeof ctx.flags.to === 'string' ? { to: ctx.flags.to } : {};
    const record = await client(ctx).post<DeploymentRecord>('/api/v1/rollback', body);
    return { data: record, text: renderDeploy(record), ok: record.status === 'succeeded' || record.status === 'partial' };
  },
};
