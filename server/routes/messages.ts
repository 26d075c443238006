import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { CaxtonError } from '../errors.js';
import { Id, MessageAnswer, MessageRequest } from '../routing/message.js';
import { Conversations, join } from '../routing/conversations.js';
import { routingStats, llmUsage, USAGE_BY } from '../events/routing-queries.js';
import { parseInput } from './body.js';
import { uuid } from '../util/uuid.js';

const ConversationBody = z.strictObject({ id: Id.optional(), participants: z.array(z.string().min(1).max(128)).max(64).optional() });

export default async function messageRoutes(app: FastifyInstance): Promise<void> {
  const { dispatcher, conversations, events, onboarding } = app.deps;

  const answer = z.toJSONSchema(MessageAnswer, { target: 'draft-7', unrepresentable: 'throw' });
  app.post('/messages', { schema: { response: { 200: answer } } }, async (req): Promise<z.input<typeof MessageAnswer>> => {
    const body = parseInput(MessageRequest, req.body);
    const r = await dispatcher.send(body);
    const milestones = onboarding?.answered(r) ?? [];
    // the response schema picks the answer's fields, in its order: no copy of the dispatcher's reply
    return milestones.length ? { ...r, milestones: [...milestones] } : r;
  });

  // up to 100,000 live: a page, not all of them, so one request cannot hold the server for a 40 MB answer
  app.get('/conversations', async (req) => {
    const q = parseInput(z.object({ limit: z.coerce.number().int().min(1).max(10_000).default(100) }), req.query, 'query');
    return conversations.active(q.limit).map((c) => ({ ...Conversations.view(c), history: undefined }));
  });

  app.post('/conversations', async (req, reply) => {
    const body = parseInput(ConversationBody, req.body);
    const id = body.id ?? uuid();
    // 201 for a conversation this made, 200 for one that was going on already (it joins the participants)
    const existed = conversations.get(id);
    const going = existed !== undefined && !existed.ended;
    const c = conversations.touch(id, 'client');
    for (const p of body.participants ?? []) join(c, p);
    return reply.status(going ? 200 : 201).send(Conversations.view(c));
  });

  app.get('/conversations/:id', async (req) => {
    const { id } = req.params as { id: string };
    const c = conversations.get(id);
    if (!c) throw new CaxtonError('CAX_CONVERSATION_NOT_FOUND', { id });
    return Conversations.view(c);
  });

  app.get('/messages/recent', async (req) => {
    const q = parseInput(z.object({ limit: z.coerce.number().int().min(1).max(1000).default(100) }), req.query, 'query');
    return conversations.recent(q.limit);
  });

  app.get('/analytics/routing', async (req) => {
    const q = parseInput(z.object({ windowSeconds: z.coerce.number().int().min(1).max(31 * 86400).default(3600) }), req.query, 'query');
    return routingStats(events, q.windowSeconds);
  });

  app.get('/analytics/onboarding', async () => onboarding?.funnel() ?? { createdAt: null, steps: [] });

  app.get('/analytics/usage', async (req) => {
    const q = parseInput(z.object({ by: z.enum(USAGE_BY).default('agent') }), req.query, 'query');
    return llmUsage(events, q.by);
  });
}
