import { CaxtonError } from '../../server/errors.js';
import { client, SERVER_OPTIONS, type Command } from '../command.js';

export const lock: Command = {
  name: 'lock',
  usage: 'caxton lock --reason TEXT',
  positionalFlag: 'reason',
  options: { ...SERVER_OPTIONS, reason: { type: 'string' } },
  async run(ctx) {
    const reason = typeof ctx.flags.reason === 'string' ? ctx.flags.reason.trim() : '';
    if (!reason) throw new CaxtonError('CAX_USAGE', { detail: 'lock needs --reason TEXT', hint: 'caxton lock --reason "investigating an incident"' });
    const by = ctx.env.USER ?? ctx.env.USERNAME;
    const res = await client(ctx).post<{ lock: { reason: string; since: string } }>('/api/v1/lock', { reason, ...(by ? { by } : {}) });
    return { data: res, text: `Locked: ${res.lock.reason}. Webhook and Action deploys are refused; "caxton deploy" still works.`, ok: true };
  },
};

export const unlock: Command = {
  name: 'unlock',
  usage: 'caxton unlock',
  options: { ...SERVER_OPTIONS },
  async run(ctx) {
    const res = await client(ctx).delete<{ lock: null }>('/api/v1/lock');
    return { data: res, text: 'Unlocked: webhook and Action deploys are accepted again.', ok: true };
  },
};
