import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { CaxtonError } from '../errors.js';
import { DeployRequest, RollbackRequest } from '../deploy/record.js';
import { findDeployment, listDeployments, deploymentStats } from '../events/deployment-queries.js';
import { parseInput } from './body.js';

const ListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});

export default async function deploymentRoutes(app: FastifyInstance): Promise<void> {
  const { deployer, events, defaultRef } = app.deps;

  app.post('/deployments', async (req, reply) => {
    const body = parseInput(DeployRequest, req.body);
    const result = await deployer.deploy({
      ref: body.ref ?? defaultRef,
      dryRun: body.dryRun ?? false,
      partial: body.partial ?? false,
      trigger: body.trigger ?? 'api',
    });
    return reply.status('dryRun' in result ? 200 : 201).send(result);
  });

  app.get('/deployments', async (req) => {
    const q = parseInput(ListQuery, req.query, 'query');
    return listDeployments(events, q);
  });

  app.get('/deployments/:id', async (req) => {
    const { id } = req.params as { id: string };
    const record = await findDeployment(events, id);
    if (!record) throw new CaxtonError('CAX_DEPLOYMENT_NOT_FOUND', { id });
    return record;
  });

  app.post('/rollback', async (req, reply) => {
    const body = parseInput(RollbackRequest, req.body);
    return reply.status(201).send(await deployer.rollback(body.to ? { to: body.to } : {}));
  });

  app.get('/analytics/deployments', async () => deploymentStats(events));
}
