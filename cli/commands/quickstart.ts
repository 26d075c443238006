import fs from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import pc from 'picocolors';
import type { DeploymentRecord } from '../../server/deploy/record.js';
import type { TraceEntry } from '../../server/routing/message.js';
import { ApiClient } from '../client.js';
import { countChanges, short } from '../render.js';
import { exampleOf, findTemplate } from '../templates.js';
import { init } from './init.js';
import { renderTrace } from './send.js';
import { invocation } from '../invocation.js';
import type { Command } from '../command.js';

/** The template whose first request shows the whole story: three agents, three sandboxed tools. */
export const QUICKSTART_TEMPLATE = 'data-analyst';

function freshDir(cwd: string): string {
  for (let i = 1; ; i++) {
    const dir = path.join(cwd, i === 1 ? 'caxton-quickstart' : `caxton-quickstart-${i}`);
    if (!fs.existsSync(dir)) return dir;
  }
}

interface MessageReply {
  handledBy: string;
  reply: unknown;
  durationMs: number;
  trace: TraceEntry[];
}

export const quickstart: Command = {
  name: 'quickstart',
  usage: 'caxton quickstart [DIR] [--template ID] [--keep] [--json]',
  help: [
    'DIR            the workspace folder (default: a new caxton-quickstart folder here)',
    '--template ID  another template than data-analyst (caxton templates lists them)',
    '--keep         leave the server running (Ctrl-C stops it)',
  ],
  positionals: 1,
  options: { template: { type: 'string' }, keep: { type: 'boolean' } },
  async run(ctx) {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    const step = (s: string) => {
      if (!ctx.json) ctx.print(s);
    };
    const template = findTemplate(typeof ctx.flags.template === 'string' ? ctx.flags.template : QUICKSTART_TEMPLATE);
    const dir = ctx.positionals[0] ? path.resolve(ctx.cwd, ctx.positionals[0]) : freshDir(ctx.cwd);
    const rel = path.relative(ctx.cwd, dir) || '.';
    await init.run({ ...ctx, positionals: [dir], flags: { template: template.id } });
    step(`${pc.green('✓')} Workspace ${rel} from the ${template.id} template, first commit made ${pc.dim(`(${elapsed()} ms)`)}`);

    const dataDir = path.join(dir, '.caxton');
    fs.mkdirSync(dataDir, { recursive: true });
    const logger = pino({ level: 'info' }, pino.destination({ dest: path.join(dataDir, 'server.log'), sync: false }));
    // Loaded here: the server (Fastify, DuckDB, the sandbox) is only paid for by commands that run one.
    const { startServer } = await import('../../server/serve.js');
    const server = await startServer({ workspace: dir, port: 0, host: '127.0.0.1', logger });
    try {
      step(`${pc.green('✓')} Server on ${server.url} ${pc.dim(`(${elapsed()} ms; log: ${rel}/.caxton/server.log)`)}`);
      const api = new ApiClient(server.url, server.token);
      const record = await api.post<DeploymentRecord>('/api/v1/deployments', { ref: 'HEAD', trigger: 'cli' });
      // agents and tools: caxton.toml is a change, not one of them
      const n = countChanges(record.changes) - [...record.changes.added, ...record.changes.modified].filter((c) => c.kind === 'config').length;
      if (record.status !== 'succeeded') {
        return { data: { workspace: dir, deployment: record, reply: null, agents: [], toolCalls: [], elapsedMs: elapsed() }, text: `${pc.red('✗')} Deployment ${record.status}`, ok: false };
      }
      step(`${pc.green('✓')} Deployed ${short(record.toSha)}: ${n} agents and tools in ${record.durationMs} ms`);

      const example = exampleOf(template);
      step(`→ caxton send --capability ${example.capability} '${example.text}'`);
      const r = await api.post<MessageReply>('/api/v1/messages', { capability: example.capability, content: example.content });
      const agents = r.trace.filter((t) => t.kind === 'agent').map((t) => t.name);
      const toolCalls = r.trace.filter((t) => t.kind === 'tool').map((t) => `${t.name}.${t.fn ?? ''}`);
      const reply = typeof r.reply === 'string' ? r.reply : JSON.stringify(r.reply, null, 2);
      const elapsedMs = elapsed();
      const cx = invocation(ctx.env);
      const text = [
        '',
        reply.trimEnd(),
        '',
        `Path: ${renderTrace(r.trace)}`,
        `${pc.green('✓')} Answered in ${r.durationMs.toFixed(1)} ms; the whole first run took ${(elapsedMs / 1000).toFixed(1)} s.`,
        '',
        'Next:',
        `  cd ${rel}`,
        `  ${`${cx} serve`.padEnd(28)} # keep a server running (another terminal)`,
        `  ${`${cx} deploy`.padEnd(28)} # after each commit; only what changed is rebuilt`,
        `  ${cx} send --capability ${example.capability} '${example.text}'`,
      ].join('\n');
      const data = { workspace: dir, url: server.url, deployment: record, reply: r.reply, agents, toolCalls, trace: r.trace, elapsedMs };
      if (ctx.flags.keep) {
        // listening before it says it is ready: a signal sent as soon as the output is read must stop it, not kill it
        const stopped = new Promise<void>((resolve) => {
          process.once('SIGINT', () => resolve());
          process.once('SIGTERM', () => resolve());
        });
        if (!ctx.json) ctx.print(`${text}\n\nServer kept running on ${server.url}; Ctrl-C stops it.`);
        else ctx.print(JSON.stringify({ version: 1, ok: true, ...data }, null, 2));
        await stopped;
        // --json: the one document was printed when the server was ready
        return { data, text: 'Stopped.', ok: true, printed: ctx.json };
      }
      return { data, text, ok: true };
    } finally {
      await server.close();
    }
  },
};
