// An MCP client (the SDK's own, Streamable HTTP) listing and calling Caxton's sandboxed tools.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { pluginToolFiles } from '../../util/plugins.js';
import { assertJson, serveRepo, type Served } from '../../util/http.js';

async function connect(url: string, token: string | null): Promise<Client> {
  const client = new Client({ name: 'caxton-test', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(`${url}/mcp`), {
    requestInit: { headers: token ? { authorization: `Bearer ${token}` } : {} },
  });
  await client.connect(transport);
  return client;
}

// ---

const Mcp = suite('/mcp (Model Context Protocol)');
let s: Served;
let client: Client;
Mcp.before(async () => {
  s = await serveRepo({
    ...pluginToolFiles('fx', { functions: [{ name: 'echo', input_schema: { type: 'object' } }, 'spin', { name: 'fails', input_schema: { type: 'string' } }], limits: { timeout_ms: 300 } }),
  });
  assertJson(await s.call('POST', '/api/v1/deployments', {}), 201);
  client = await connect(s.server.url, s.server.token);
});
Mcp.after(async () => {
  await client?.close();
  await s.close();
});

Mcp('tools/list names every deployed function as <tool>__<function> with its input schema', async () => {
  const { tools } = await client.listTools();
  assert.equal(tools.map((t) => t.name), ['fx__echo', 'fx__spin', 'fx__fails']);
  assert.equal(tools[0]!.inputSchema, { type: 'object' });
  assert.equal(tools[2]!.inputSchema, { type: 'object', properties: { input: { type: 'string' } }, required: ['input'] }, 'non-object schemas are wrapped');
  assert.match(tools[0]!.description ?? '', /The fx tool — echo function/);
});

Mcp('tools/call runs the plugin in the sandbox', async () => {
  const r = await client.callTool({ name: 'fx__echo', arguments: { a: 1, b: ['x'] } });
  assert.not.ok(r.isError);
  assert.equal(r.structuredContent, { a: 1, b: ['x'] });
  assert.equal(JSON.parse((r.content as Array<{ text: string }>)[0]!.text), { a: 1, b: ['x'] });
  const events = assertJson(await s.call('GET', '/api/v1/events?type=ToolExecuted&limit=1'), 200);
  assert.is(events[0].payload.fn, 'echo');
});

Mcp('a limit, a plugin error and an unknown tool answer isError with the code', async () => {
  const limit = await client.callTool({ name: 'fx__spin', arguments: {} });
  assert.ok(limit.isError);
  assert.match((limit.content as Array<{ text: string }>)[0]!.text, /^CAX_TOOL_LIMIT: .*timeout/);
  const failed = await client.callTool({ name: 'fx__fails', arguments: { input: 'why' } });
  assert.ok(failed.isError);
  assert.match((failed.content as Array<{ text: string }>)[0]!.text, /this function always fails: "why"/);
  const unknown = await client.callTool({ name: 'nope__x', arguments: {} });
  assert.ok(unknown.isError);
});

Mcp('needs the bearer token; GET is not allowed (stateless)', async () => {
  const anon = await s.anon('POST', '/mcp', { jsonrpc: '2.0', id: 1, method: 'tools/list' });
  assert.is(anon.status, 401);
  assert.is(anon.body.error.code, 'CAX_UNAUTHORIZED');
  let failed = false;
  try {
    await connect(s.server.url, 'wrong-token');
  } catch {
    failed = true;
  }
  assert.ok(failed, 'a client with a wrong token cannot connect');
  const get = await s.call('GET', '/mcp');
  assert.is(get.status, 405);
});

Mcp.run();
