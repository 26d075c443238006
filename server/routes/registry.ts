// The live registry: what the current snapshot runs.
import type { FastifyInstance } from 'fastify';
import { CaxtonError } from '../errors.js';
import { describeSnapshot } from '../deploy/snapshot.js';
import { NAME_RE } from '../workspace/schema.js';

export default async function registryRoutes(app: FastifyInstance): Promise<void> {
  const { deployer, dispatcher } = app.deps;
  const view = () => {
    const s = deployer.snapshot;
    if (!s) return { agents: [], tools: [], capabilities: {} };
    const d = describeSnapshot(s);
    // each agent with its circuit breaker and load, as the dispatcher holds them now
    return { ...d, agents: d.agents.map((a) => ({ ...a, health: dispatcher.health(a.name) })) };
  };
  const byName = (kind: 'agent' | 'tool', name: string) => {
    if (!NAME_RE.test(name)) throw new CaxtonError('CAX_INVALID_NAME', { kind, name });
    const list = kind === 'agent' ? view().agents : view().tools;
    const found = list.find((x) => x.name === name);
    if (!found) throw new CaxtonError('CAX_NOT_FOUND', { kind, name, available: list.map((x) => x.name) });
    return found;
  };

  app.get('/agents', async () => view().agents);
  app.get('/agents/:name', async (req) => byName('agent', (req.params as { name: string }).name));
  app.get('/tools', async () => view().tools);
  app.get('/tools/:name', async (req) => byName('tool', (req.params as { name: string }).name));
  app.get('/capabilities', async () =>
    Object.entries(view().capabilities).map(([name, agents]) => ({ name, agents })),
  );
}
