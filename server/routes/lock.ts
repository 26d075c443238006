// The deploy lock: while set, webhook and Action deployments are refused; the CLI still deploys.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { parseInput } from './body.js';

const LockBody = z.strictObject({ reason: z.string().trim().min(1).max(500), by: z.string().max(200).optional() });

export default async function lockRoutes(app: FastifyInstance): Promise<void> {
  const { deployer } = app.deps;
  app.post('/lock', async (req) => {
    const body = parseInput(LockBody, req.body);
    deployer.setLock({ reason: body.reason, since: new Date().toISOString(), by: body.by ?? null });
    return { lock: deployer.lock };
  });
  app.delete('/lock', async () => {
    deployer.setLock(null);
    return { lock: null };
  });
}
