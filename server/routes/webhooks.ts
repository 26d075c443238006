// POST /webhooks/github: GitHub's push webhook. Authenticated by X-Hub-Signature-256 (HMAC-SHA256
// of the raw body with the shared secret, compared in constant time by @octokit/webhooks) instead
// of the bearer token. A push to the deploy branch answers 202 at once and deploys `after` through
// the coalescing queue; everything else is acknowledged and ignored. Every delivery is an event.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Webhooks } from '@octokit/webhooks';
import { CaxtonError } from '../errors.js';
import { WebhookEvent } from '../webhooks/events.js';
import { DeliveryLedger } from '../webhooks/deliveries.js';
import { DeployQueue } from '../webhooks/deploy-queue.js';
import { DEFAULT_WEBHOOK_RATE, RateLimiter, type RateLimitOptions } from '../webhooks/rate-limiter.js';
import { PushPayload, classifyPush } from '../webhooks/push.js';
import { parseInput } from './body.js';

export interface WebhookSettings {
  /** the webhook's shared secret; null answers every delivery with CAX_WEBHOOK_NOT_CONFIGURED */
  secret: string | null;
  /** pushes to refs/heads/<branch> deploy */
  branch: string;
  /** the commit a pushed ref is at now (fetched first): a push deploys only while it is the tip */
  branchTip: (ref: string) => Promise<string | null>;
  rateLimit?: RateLimitOptions;
  /** body limit of a delivery in bytes (GitHub caps payloads at 25 MB; default 10 MiB) */
  bodyLimit?: number;
  /** how often the queue looks again while another deployment runs */
  pollMs?: number;
  /** deliveries read at once (default 4): a body is buffered whole before its signature is checked */
  maxInFlight?: number;
}

const header = (req: FastifyRequest, name: string): string | null => {
  const v = req.headers[name];
  const s = Array.isArray(v) ? v[0] : v;
  return s ? s.trim().slice(0, 200) : null;
};

/** The JSON document of a delivery: sent as application/json, or as the form field `payload`. */
function parsePayload(raw: string, contentType: string | null): unknown {
  const text = /^application\/x-www-form-urlencoded/i.test(contentType ?? '') ? (new URLSearchParams(raw).get('payload') ?? '') : raw;
  try {
    return JSON.parse(text);
  } catch {
    throw new CaxtonError('CAX_BAD_REQUEST', { detail: 'the delivery body is not JSON' });
  }
}

export default async function webhookRoutes(app: FastifyInstance): Promise<void> {
  const { deployer, events } = app.deps;
  const settings: WebhookSettings = app.deps.webhooks ?? { secret: null, branch: 'main', branchTip: async () => null };
  const verifier = settings.secret ? new Webhooks({ secret: settings.secret }) : null;
  const ledger = new DeliveryLedger({ events });
  const queue = new DeployQueue({ deployer, events, logger: app.deps.logger, branchTip: settings.branchTip, ...(settings.pollMs ? { pollMs: settings.pollMs } : {}) });
  const limiter = new RateLimiter(settings.rateLimit ?? DEFAULT_WEBHOOK_RATE);
  app.addHook('onClose', () => queue.close());

  // The signature covers the exact bytes GitHub sent, so this scope keeps the body as a Buffer
  // instead of parsing it (the JSON parser of the rest of the API would re-serialise it).
  const bodyLimit = settings.bodyLimit ?? 10 * 1024 * 1024;
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit }, (_req, body, done) => done(null, body));
  // This scope's own body limit in the 413; everything else goes on to the server's error handler.
  app.setErrorHandler((err: FastifyError) => {
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      throw new CaxtonError('CAX_PAYLOAD_TOO_LARGE', { limit: bodyLimit, hint: 'A push this large is refused here: deploy its commit with caxton deploy --ref SHA.' });
    }
    throw err;
  });

  // Bodies up to bodyLimit are read whole before the signature can be checked: unsigned posts sent
  // at once each held theirs (55 of 10 MB took the server from 199 MB to 1.1 GB). A few at a time
  // is plenty for GitHub, which sends a hook's deliveries one by one.
  const maxInFlight = settings.maxInFlight ?? 4;
  let inFlight = 0;
  const limited = (reply: FastifyReply, retryAfterMs: number) => {
    void reply.header('retry-after', String(Math.ceil(retryAfterMs / 1000)));
    return new CaxtonError('CAX_RATE_LIMITED', { path: '/webhooks/github', retryAfterMs }, { details: { retryAfterMs } });
  };
  const rateLimit = async (req: FastifyRequest, reply: FastifyReply) => {
    const d = limiter.take(req.ip);
    if (!d.ok) throw limited(reply, d.retryAfterMs);
    if (inFlight >= maxInFlight) throw limited(reply, 1000);
    inFlight++;
    // the response's close: answered, failed or abandoned by the client alike
    reply.raw.once('close', () => inFlight--);
  };

  app.post('/github', { onRequest: rateLimit }, async (req, reply) => {
    const delivery = header(req, 'x-github-delivery');
    const name = header(req, 'x-github-event');
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const meta = { delivery, event: name };
    events.append(WebhookEvent.Received, { ...meta, bytes: raw.length });

    const reject = (reason: 'not-configured' | 'missing' | 'invalid') => {
      events.append(WebhookEvent.Rejected, { ...meta, reason });
      return reason === 'not-configured' ? new CaxtonError('CAX_WEBHOOK_NOT_CONFIGURED') : new CaxtonError('CAX_WEBHOOK_SIGNATURE', { reason });
    };
    if (!verifier) throw reject('not-configured');
    const signature = header(req, 'x-hub-signature-256');
    if (!signature) throw reject('missing');
    // @octokit/webhooks verifies a string; it is checked to re-encode to exactly the received
    // bytes, so no byte the signature covers is lost in the conversion.
    const text = raw.toString('utf8');
    const exact = Buffer.byteLength(text) === raw.length && Buffer.from(text, 'utf8').equals(raw);
    const valid = exact && text.length > 0 && (await verifier.verify(text, signature).catch(() => false));
    if (!valid) throw reject('invalid');

    if (!delivery || !name) throw new CaxtonError('CAX_BAD_REQUEST', { detail: 'a delivery needs the X-GitHub-Delivery and X-GitHub-Event headers' });
    events.append(WebhookEvent.Verified, meta);

    const ignore = async (reason: string, extra: Record<string, unknown> = {}, status = 'ignored') => {
      events.append(WebhookEvent.Ignored, { ...meta, reason, ...extra });
      await events.flush();
      return reply.status(200).send({ status, delivery, reason, ...extra });
    };

    // a ping deploys nothing, so its redelivery (GitHub's "Redeliver" on the hook's first delivery) answers pong again
    if (name === 'ping') {
      const payload = parsePayload(text, header(req, 'content-type'));
      return ignore('ping: the webhook reaches Caxton', { zen: (payload as { zen?: unknown })?.zen ?? null }, 'pong');
    }
    if (!(await ledger.claim(delivery))) {
      return ignore(`delivery ${delivery} was handled before; nothing is deployed again`, { duplicate: true }, 'duplicate');
    }
    try {
      const payload = parsePayload(text, header(req, 'content-type'));
      if (name !== 'push') return await ignore(`event "${name}" is not handled; only push deploys`);
      const decision = classifyPush({ payload: parseInput(PushPayload, payload), branch: settings.branch });
      if (decision.action === 'ignore') return await ignore(decision.reason, { ref: decision.ref });

      const lock = deployer.lock;
      if (lock) {
        // Nothing was handled (the claim is given back below): a redelivery once unlocked may deploy it.
        events.append(WebhookEvent.Refused, { ...meta, sha: decision.sha, reason: lock.reason, by: lock.by });
        await events.flush();
        throw new CaxtonError('CAX_DEPLOY_LOCKED', { trigger: 'webhook', reason: lock.reason }, { details: { lock, delivery } });
      }

      const { deployment, joined, supersedes } = queue.enqueue({ sha: decision.sha, ref: decision.ref, delivery });
      events.append(
        WebhookEvent.Queued,
        { ...meta, sha: decision.sha, ref: decision.ref, deploymentId: deployment.id, joined, supersedes: supersedes ? { deploymentId: supersedes.id, sha: supersedes.sha } : null },
        { deploymentId: deployment.id },
      );
      await events.flush();
      return reply.status(202).send({
        status: 'queued',
        delivery,
        deployment: { id: deployment.id, ref: decision.ref, sha: decision.sha, trigger: 'webhook', status: 'queued', queuedAt: deployment.queuedAt },
        joined,
        supersedes: supersedes ? { id: supersedes.id, sha: supersedes.sha } : null,
      });
    } catch (err) {
      ledger.release(delivery);
      throw err;
    }
  });
}
