// Calling deployed tools: POST /tools/:name/call goes through the same invoker as the agents
// (permission, then the sandbox); GET /analytics/tools summarises the tool events.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { MAX_JSON_DEPTH, withinDepth } from '../util/json-depth.js';
import { CaxtonError } from '../errors.js';
import { NAME_RE } from '../workspace/schema.js';
import { toolStats } from '../events/tool-queries.js';
import { parseInput } from './body.js';

const CallBody = z.strictObject({
  function: z.string().min(1).max(128),
  input: z.unknown().refine(withinDepth, { message: `nests deeper than ${MAX_JSON_DEPTH} levels of arrays and objects` }).optional(),
  agent: z.string().regex(NAME_RE, { message: 'must be an agent name' }).nullable().optional(),
});

export default async function toolRoutes(app: FastifyInstance): Promise<void> {
  const { tools, events } = app.deps;

  app.post('/tools/:name/call', async (req) => {
    const { name } = req.params as { name: string };
    if (!NAME_RE.test(name)) throw new CaxtonError('CAX_INVALID_NAME', { kind: 'tool', name });
    const body = parseInput(CallBody, req.body);
    const r = await tools.call({ tool: name, fn: body.function, input: body.input === undefined ? {} : body.input, agent: body.agent ?? null });
    return { output: r.output, durationMs: r.durationMs };
  });

  app.get('/analytics/tools', async (req) => {
    const q = parseInput(z.object({ windowSeconds: z.coerce.number().int().min(1).max(31 * 86400).default(3600) }), req.query, 'query');
    return toolStats(events, q.windowSeconds);
  });
}
