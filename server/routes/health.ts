import type { FastifyInstance } from 'fastify';

export default async function healthRoutes(app: FastifyInstance): Promise<void> {
  app.get('/health', async () => ({ status: 'ok' }));
  app.get('/metrics', async (_req, reply) => {
    const { metrics, deployer } = app.deps;
    metrics.snapshot(deployer.snapshot);
    return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
}
