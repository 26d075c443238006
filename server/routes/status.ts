import type { FastifyInstance } from 'fastify';
import { describeSnapshot } from '../deploy/snapshot.js';

export default async function statusRoutes(app: FastifyInstance): Promise<void> {
  const { deployer, defaultRef } = app.deps;
  const source = app.deps.source ? { ...app.deps.source, defaultRef } : null;
  app.get('/status', async () => {
    const s = deployer.snapshot;
    const view = s ? describeSnapshot(s) : { agents: [], tools: [] };
    return {
      deployedSha: s?.sha ?? null,
      deployedAt: s?.deployedAt ?? null,
      deploymentId: s?.deploymentId ?? null,
      configOid: s?.configOid ?? null,
      agents: view.agents,
      tools: view.tools,
      heldBack: s?.heldBack ?? [],
      lastDeployment: deployer.lastDeployment,
      running: deployer.running,
      lock: deployer.lock ? { reason: deployer.lock.reason, since: deployer.lock.since, by: deployer.lock.by } : null,
      // what it follows: a workspace folder (defaultRef HEAD), or a remote and its branch
      source,
    };
  });
}
