import path from 'node:path';
import pino from 'pino';
import { CaxtonError } from '../../server/errors.js';
import type { Command } from '../command.js';
import { plural } from '../render.js';
import { serverSettings } from '../target.js';

export const serve: Command = {
  name: 'serve',
  usage: 'caxton serve [--workspace DIR | --repo URL] [--branch B] [--data DIR] [--port N] [--host H] [--log-level L] [--max-body BYTES] [--retain-days N]',
  positionalFlag: 'workspace',
  options: {
    workspace: { type: 'string' },
    repo: { type: 'string' },
    branch: { type: 'string' },
    data: { type: 'string' },
    port: { type: 'string' },
    host: { type: 'string' },
    token: { type: 'string' },
    'log-level': { type: 'string' },
    'max-body': { type: 'string' },
    'retain-days': { type: 'string' },
  },
  async run(ctx) {
    const f = ctx.flags;
    if (f.workspace && f.repo) throw new CaxtonError('CAX_USAGE', { detail: '--workspace and --repo exclude each other', hint: 'Pass one of them.' });
    const workspace = typeof f.workspace === 'string' ? path.resolve(ctx.cwd, f.workspace) : ctx.root;
    const fromToml = typeof f.repo === 'string' ? {} : serverSettings(workspace);
    const port = typeof f.port === 'string' ? Number(f.port) : (fromToml.port ?? 8080);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CaxtonError('CAX_USAGE', { detail: `--port ${String(f.port)} is not a port number`, hint: 'Use 0–65535, e.g. --port 8080' });
    const maxBody = f['max-body'];
    const bodyLimit = typeof maxBody === 'string' ? Number(maxBody) : undefined;
    if (bodyLimit !== undefined && (!Number.isInteger(bodyLimit) || bodyLimit < 1024)) {
      throw new CaxtonError('CAX_USAGE', { detail: `--max-body ${String(maxBody)} is not a size in bytes (at least 1024)`, hint: 'e.g. --max-body 4194304 for 4 MiB' });
    }
    const retain = f['retain-days'];
    const retainEventsDays = typeof retain === 'string' ? Number(retain) : undefined;
    if (retainEventsDays !== undefined && (!Number.isInteger(retainEventsDays) || retainEventsDays < 1)) {
      throw new CaxtonError('CAX_USAGE', { detail: `--retain-days ${String(retain)} is not a whole number of days (at least 1)`, hint: 'e.g. --retain-days 30 keeps a month of message and tool events' });
    }
    const level = typeof f['log-level'] === 'string' ? f['log-level'] : (ctx.env.CAXTON_LOG_LEVEL ?? 'info');
    const logger = pino({ level, redact: ['req.headers.authorization'] }, pino.destination(2));
    // Loaded here, not at the top: main imports every command, and the server (Fastify, DuckDB)
    // would otherwise add ~0.3 s to each short command such as `caxton status`.
    const { startServer } = await import('../../server/serve.js');
    const server = await startServer({
      ...(typeof f.repo === 'string' ? { repo: f.repo } : { workspace }),
      ...(typeof f.branch === 'string' ? { branch: f.branch } : {}),
      ...(typeof f.data === 'string' ? { dataDir: path.resolve(ctx.cwd, f.data) } : {}),
      ...(typeof f.token === 'string' ? { token: f.token } : {}),
      port,
      ...(bodyLimit === undefined ? {} : { bodyLimit }),
      ...(retainEventsDays === undefined ? {} : { retainEventsDays }),
      host: typeof f.host === 'string' ? f.host : (fromToml.host ?? '127.0.0.1'),
      logger,
    });
    const deployed = server.deployer.snapshot;
    // listening before it says it is ready: a signal sent as soon as "ready" is read must stop it in order, not kill it
    const stopped = new Promise<NodeJS.Signals>((resolve) => {
      process.once('SIGINT', () => resolve('SIGINT'));
      process.once('SIGTERM', () => resolve('SIGTERM'));
    });
    ctx.print(`Caxton ready on ${server.url}`);
    ctx.print(deployed ? `Serving ${deployed.sha.slice(0, 7)}: ${plural(deployed.agents.size, 'agent')}, ${plural(deployed.tools.size, 'tool')}` : 'Nothing deployed yet: run "caxton deploy" in the workspace');
    const signal = await stopped;
    logger.info({ signal }, 'shutting down');
    await server.close();
    return { data: { stopped: true, signal }, text: 'Caxton stopped', ok: true };
  },
};
