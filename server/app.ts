// buildServer: wires the adapters into Fastify and returns it unlistened (only `serve` listens).
import { parse as secureJsonParse } from 'secure-json-parse';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { CaxtonError, toCaxtonError } from './errors.js';
import { tokenChecker } from './auth.js';
import type { Deployer } from './deploy/deployer.js';
import type { EventLog } from './events/log.js';
import type { Metrics } from './metrics.js';
import healthRoutes from './routes/health.js';
import deploymentRoutes from './routes/deployments.js';
import statusRoutes from './routes/status.js';
import registryRoutes from './routes/registry.js';
import eventRoutes from './routes/events.js';
import lockRoutes from './routes/lock.js';
import messageRoutes from './routes/messages.js';
import toolRoutes from './routes/tools.js';
import mcpRoutes from './routes/mcp.js';
import webhookRoutes, { type WebhookSettings } from './routes/webhooks.js';
import type { Dispatcher } from './routing/dispatcher.js';
import type { Onboarding } from './onboarding.js';
import type { Conversations } from './routing/conversations.js';
import type { SnapshotToolInvoker } from './tools/invoker.js';

export interface ServerDeps {
  deployer: Deployer;
  dispatcher: Dispatcher;
  /** null when milestones cannot be recorded (they never block serving) */
  onboarding?: Onboarding | null;
  conversations: Conversations;
  tools: SnapshotToolInvoker;
  events: EventLog;
  metrics: Metrics;
  token: string;
  logger: Logger;
  /** What a deployment without a ref deploys: HEAD of a local workspace, the branch of a remote one. */
  defaultRef: string;
  /** what the server deploys from: the workspace folder, or the remote's URL (credentials redacted) */
  source?: { workspace: string; remote: boolean };
  bodyLimit?: number;
  /** POST /webhooks/github: secret, deploy branch, rate limit */
  webhooks?: WebhookSettings;
  /** settles once the server may answer (the last deployment restored); requests before it wait */
  ready?: Promise<void>;
}

declare module 'fastify' {
  interface FastifyInstance {
    deps: ServerDeps;
  }
}

/**
 * Fastify's JSON parser, keeping why a body was refused (it answers only "not valid JSON"): the
 * syntax error and its position, or a "__proto__" / "constructor.prototype" key, refused because
 * code that merged the body into an object could change every object's prototype.
 */
function parseJsonBody(_req: unknown, body: string | Buffer, done: (err: Error | null, value?: unknown) => void): void {
  const text = typeof body === 'string' ? body : body.toString('utf8');
  if (text.length === 0) return done(new CaxtonError('CAX_BAD_REQUEST', { detail: 'the body is empty: send a JSON object' }));
  try {
    done(null, secureJsonParse(text, { protoAction: 'error', constructorAction: 'error' }));
  } catch (err) {
    const reason = (err as Error).message;
    const detail = /forbidden (prototype|constructor) property/.test(reason)
      ? `the body has a "__proto__" or "constructor": {"prototype": …} key, which the server refuses`
      : `the body is not valid JSON (${reason})`;
    done(new CaxtonError('CAX_BAD_REQUEST', { detail }));
  }
}

/** Fastify's own errors, as catalogue errors. */
function fromFastify(err: FastifyError, limit: number, contentType?: string): CaxtonError {
  if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE' || err.statusCode === 413) return new CaxtonError('CAX_PAYLOAD_TOO_LARGE', { limit });
  if (err.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || err.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') {
    return new CaxtonError('CAX_BAD_REQUEST', { detail: `the body is not valid JSON (${err.message})` });
  }
  if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' || err.statusCode === 415) {
    return new CaxtonError('CAX_BAD_REQUEST', {
      detail: `a body of Content-Type ${JSON.stringify(contentType ?? 'none')} is not read: the API takes JSON`,
      advice: 'Send the body as JSON with the header Content-Type: application/json (curl: -H "content-type: application/json").',
    });
  }
  if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) return new CaxtonError('CAX_BAD_REQUEST', { detail: err.message });
  return toCaxtonError(err);
}

export async function buildServer(deps: ServerDeps): Promise<FastifyInstance> {
  const bodyLimit = deps.bodyLimit ?? 1024 * 1024;
  const app: FastifyInstance = Fastify({
    loggerInstance: deps.logger as unknown as FastifyBaseLogger,
    bodyLimit,
    // Ids in a path (a conversation's may be 128 characters) reach the route, which answers a 404 in
    // the catalogue's shape for one that is too long: the router's own limit (100) answered its 414.
    routerOptions: { maxParamLength: 1024 },
    // Two lines per request at info cost a fifth of the message rate, and every message and tool call
    // is an event already: request lines only when the log level is debug or finer. Errors are logged
    // by the error handler whatever the level.
    logController: new LogController({ disableRequestLogging: !deps.logger.isLevelEnabled('debug') }),
    // Request ids without headers: nothing from a client is echoed into logs as an id.
    genReqId: (() => {
      let n = 0;
      return () => `req-${(++n).toString(36)}`;
    })(),
  });
  app.decorate('deps', deps);
  app.removeContentTypeParser('application/json');
  // text/plain was read as a string, which then failed as "expected object, received string"
  app.removeContentTypeParser('text/plain');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, parseJsonBody);

  const check = tokenChecker(deps.token);
  // one flag read a request once ready: no promise awaited on the hot path
  let ready = deps.ready === undefined;
  void deps.ready?.then(() => (ready = true));
  app.addHook('onRequest', async (req) => {
    if (!ready) await deps.ready;
    // The matched route decides, not only the raw URL: the router percent-decodes the path, so
    // "/%61pi/v1/status" reaches /api/v1/status without starting with "/api/". The raw-URL check
    // stays so unknown /api/* paths answer 401 (not 404) without a token.
    if (req.url.startsWith('/api/') || req.routeOptions.url?.startsWith('/api/')) check(req.headers.authorization);
  });

  // Answers are written at the end of the event loop's turn, together, rather than each as soon as it
  // is ready. Writing to a peer that sleeps wakes it, and a wake-up on another CPU costs the writer
  // 10–20 µs on a virtual machine (more than a message's own work): written back to back, the first
  // answer wakes a client pool or proxy and the rest find it awake. A lone request waits only for the
  // rest of its own turn. bench/routing.bench.ts measures it.
  app.addHook('onSend', (_req, _reply, payload, done) => {
    setImmediate(done, null, payload);
  });

  app.setErrorHandler((err: FastifyError, req, reply) => {
    const e = err instanceof CaxtonError ? err : fromFastify(err, bodyLimit, req.headers['content-type']);
    // a stack only for what may be a fault of ours; an agent, tool or endpoint that fails (502, 503,
    // 504) is the state of the deployment, told in the message
    if (e.code === 'CAX_INTERNAL') req.log.error({ err }, e.message);
    else if (e.status >= 500) req.log.warn({ code: e.code, cause: e.data.cause ?? undefined }, e.message);
    else req.log.info({ code: e.code }, e.message);
    void reply.status(e.status).type('application/json; charset=utf-8').send(e.toJSON());
  });
  app.setNotFoundHandler((req, reply) => {
    const e = new CaxtonError('CAX_ROUTE_NOT_FOUND', { method: req.method, url: req.url.split('?')[0] });
    void reply.status(e.status).send(e.toJSON());
  });

  await app.register(healthRoutes);
  await app.register(deploymentRoutes, { prefix: '/api/v1' });
  await app.register(statusRoutes, { prefix: '/api/v1' });
  await app.register(registryRoutes, { prefix: '/api/v1' });
  await app.register(eventRoutes, { prefix: '/api/v1' });
  await app.register(lockRoutes, { prefix: '/api/v1' });
  await app.register(messageRoutes, { prefix: '/api/v1' });
  await app.register(toolRoutes, { prefix: '/api/v1' });
  await app.register(mcpRoutes);
  await app.register(webhookRoutes, { prefix: '/webhooks' });
  return app;
}
