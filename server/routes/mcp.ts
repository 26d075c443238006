// The deployed tools over the Model Context Protocol: tools/list and tools/call on Streamable HTTP at
// /mcp, behind the API's bearer token. Stateless: each POST gets its own MCP server and transport
// (JSON answers, no session), so any MCP client can list and call Caxton's sandboxed tools, and a
// call goes through the same invoker as the API's (the sandbox, its limits, its events).
import fs from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { CallToolRequestSchema, ListToolsRequestSchema, type CallToolResult, type Tool } from '@modelcontextprotocol/sdk/types.js';
import { tokenChecker } from '../auth.js';
import { toCaxtonError } from '../errors.js';
import type { Snapshot } from '../deploy/snapshot.js';

/** MCP tool names: `<tool>__<function>` (tool names never hold "__"). */
const SEP = '__';

const VERSION = (() => {
  try {
    return (JSON.parse(fs.readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return '0.0.0';
  }
})();

/** MCP wants an object schema; any other input_schema is offered as the single argument `input`. */
function wraps(schema: Record<string, unknown>): boolean {
  return schema.type !== 'object';
}

/** The snapshot's tools as MCP tools. */
export function mcpTools(snap: Snapshot | null): Tool[] {
  if (!snap) return [];
  return [...snap.tools.values()].flatMap((t) =>
    t.spec.functions.map((f) => ({
      name: `${t.name}${SEP}${f.name}`,
      title: `${t.name} ${f.name}`,
      description: [t.spec.description, f.description].filter(Boolean).join(' — '),
      inputSchema: (wraps(f.input_schema) ? { type: 'object', properties: { input: f.input_schema }, required: ['input'] } : f.input_schema) as Tool['inputSchema'],
    })),
  );
}

export default async function mcpRoutes(app: FastifyInstance): Promise<void> {
  const { tools, deployer, token } = app.deps;
  const check = tokenChecker(token);
  // Encapsulated: this hook guards /mcp only (the app's own hook guards /api/*).
  app.addHook('onRequest', async (req) => check(req.headers.authorization));

  const serverFor = () => {
    const server = new Server({ name: 'caxton', version: VERSION }, { capabilities: { tools: {} } });
    server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools: mcpTools(deployer.snapshot) }));
    server.setRequestHandler(CallToolRequestSchema, async (req): Promise<CallToolResult> => {
      const snap = deployer.snapshot;
      const name = req.params.name;
      const at = name.indexOf(SEP);
      const tool = at > 0 ? snap?.tools.get(name.slice(0, at)) : undefined;
      const fn = at > 0 ? name.slice(at + SEP.length) : '';
      const spec = tool?.spec.functions.find((f) => f.name === fn);
      if (!tool || !spec) {
        return { isError: true, content: [{ type: 'text', text: `No tool "${name}"; tools/list names the deployed ones (<tool>${SEP}<function>).` }] };
      }
      const args = (req.params.arguments ?? {}) as Record<string, unknown>;
      const input = wraps(spec.input_schema) ? args.input : args;
      try {
        const r = await tools.call({ tool: tool.name, fn, input, agent: null, snapshot: snap! });
        const text = typeof r.output === 'string' ? r.output : JSON.stringify(r.output);
        const structured = r.output && typeof r.output === 'object' && !Array.isArray(r.output) ? { structuredContent: r.output as Record<string, unknown> } : {};
        return { content: [{ type: 'text', text }], ...structured, _meta: { durationMs: r.durationMs } };
      } catch (err) {
        const e = toCaxtonError(err);
        // A tool's failure is the tool's answer (isError), not a protocol error: the model can read it.
        return { isError: true, content: [{ type: 'text', text: `${e.code}: ${e.message}` }], _meta: { error: e.toJSON().error } };
      }
    });
    return server;
  };

  app.post('/mcp', async (req, reply) => {
    const server = serverFor();
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    reply.hijack();
    reply.raw.on('close', () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(req.raw, reply.raw, req.body);
  });

  // Stateless: no server-initiated stream and no session to end.
  const notAllowed = async (_req: unknown, reply: { status(n: number): { header(k: string, v: string): { send(b: unknown): unknown } } }) =>
    reply.status(405).header('allow', 'POST').send({ jsonrpc: '2.0', error: { code: -32000, message: 'Method not allowed: this MCP endpoint is stateless; POST JSON-RPC requests' }, id: null });
  app.get('/mcp', notAllowed);
  app.delete('/mcp', notAllowed);
}
