import { renderAgents, renderTools } from '../render.js';
import { client, SERVER_OPTIONS, type Command } from '../command.js';

export const agents: Command = {
  name: 'agents',
  usage: 'caxton agents [--json]',
  options: { ...SERVER_OPTIONS },
  async run(ctx) {
    const list = await client(ctx).get<Parameters<typeof renderAgents>[0]>('/api/v1/agents');
    return { data: { agents: list }, text: renderAgents(list), ok: true };
  },
};

export const tools: Command = {
  name: 'tools',
  usage: 'caxton tools [--json]',
  options: { ...SERVER_OPTIONS },
  async run(ctx) {
    const list = await client(ctx).get<Parameters<typeof renderTools>[0]>('/api/v1/tools');
    return { data: { tools: list }, text: renderTools(list), ok: true };
  },
};
