import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { parseInput } from './body.js';

const Query = z.object({
  type: z.string().regex(/^[A-Za-z]+$/, { message: 'must be an event type such as DeploymentCompleted' }).optional(),
  limit: z.coerce.number().int().min(1).max(10_000).default(100),
  deploymentId: z.string().max(64).optional(),
  conversationId: z.string().max(128).optional(),
});

export default async function eventRoutes(app: FastifyInstance): Promise<void> {
  const { events } = app.deps;
  app.get('/events', async (req) => {
    const q = parseInput(Query, req.query, 'query');
    return events.events({
      limit: q.limit,
      ...(q.type ? { type: q.type } : {}),
      ...(q.deploymentId ? { deploymentId: q.deploymentId } : {}),
      ...(q.conversationId ? { conversationId: q.conversationId } : {}),
    });
  });
}
