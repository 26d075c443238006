import fs from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import pc from 'picocolors';
import type { DeploymentRecord } from '../../server/deploy/record.js';
import { ApiClient } from '../client.js';
import { renderDeploy } from '../render.js';
import { init } from './init.js';
import type { Command } from '../command.js';

function freshDir(cwd: string): string {
  for (let i = 1; ; i++) {
    const dir = path.join(cwd, i === 1 ? 'caxton-quickstart' : `caxton-quickstart-${i}`);
    if (!fs.existsSync(dir)) return dir;
  }
}

export const quickstart: Command = {
  name: 'quickstart',
  usage: 'caxton quickstart [DIR] [--template ID] [--keep] [--json]',
  options: { template: { type: 'string' }, keep: { type: 'boolean' } },
  async run(ctx) {
    const started = performance.now();
    const steps: string[] = [];
    const step = (s: string) => {
      steps.push(s);
      if (!ctx.json) ctx.print(s);
    };
    const dir = ctx.positionals[0] ? path.resolve(ctx.cwd, ctx.positionals[0]) : freshDir(ctx.cwd);
    const made = await init.run({ ...ctx, positionals: [dir], flags: { ...(ctx.flags.template ? { template: ctx.flags.template } : {}) } });
    step(`${pc.green('✓')} Workspace ${path.relative(ctx.cwd, dir) || '.'} from ${String(made.data.template)}`);

    const dataDir = path.join(dir, '.caxton');
    fs.mkdirSync(dataDir, { recursive: true });
    const logger = pino({ level: 'info' }, pino.destination({ dest: path.join(dataDir, 'server.log'), sync: false }));
    // Loaded here, not at the top: main imports every command, and the server (Fastify, DuckDB)
    // would otherwise add ~0.3 s to each short command such as `caxton status`.
    const { startServer } = await import('../../server/serve.js');
    const server = await startServer({ workspace: dir, port: 0, host: '127.0.0.1', logger });
    try {
      step(`${pc.green('✓')} Server on ${server.url} ${pc.dim('(log: .caxton/server.log)')}`);
      const api = new ApiClient(server.url, server.token);
      const record = await api.post<DeploymentRecord>('/api/v1/deployments', { ref: 'HEAD', trigger: 'cli' });
      step(renderDeploy(record));
      const agents = await api.get<Array<{ name: string; capabilities: string[] }>>('/api/v1/agents');
      const elapsedMs = Math.round(performance.now() - started);
      const data = {
        workspace: dir,
        url: server.url,
        deployment: record,
        reply: null as string | null,
        agents: agents.map((a) => a.name),
        toolCalls: [] as string[],
        elapsedMs,
      };
      const next = [
        `${pc.green('✓')} Ready in ${elapsedMs} ms: ${agents.length} agent${agents.length === 1 ? '' : 's'} deployed (${agents.map((a) => a.name).join(', ')})`,
        '',
        'Next:',
        `  cd ${path.relative(ctx.cwd, dir) || '.'}`,
        '  caxton serve      # keep a server running',
        '  caxton status     # what runs, what is pending',
      ];
      if (ctx.flags.keep) {
        ctx.print(`${next.join('\n')}\n\nServer kept running on ${server.url}; Ctrl-C stops it.`);
        await new Promise<void>((resolve) => {
          process.once('SIGINT', () => resolve());
          process.once('SIGTERM', () => resolve());
        });
      }
      return { data, text: next.join('\n'), ok: record.status === 'succeeded' };
    } finally {
      await server.close();
    }
  },
};
