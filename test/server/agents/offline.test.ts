import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { offlineAgent } from '../../../server/agents/offline.js';
import type { AgentRequest } from '../../../server/agents/runtime.js';
import type { Content, Message, Reply } from '../../../server/routing/message.js';
import { AgentFile } from '../../../server/workspace/schema.js';
import { CaxtonError } from '../../../server/errors.js';

/** An agent.toml as parsed (defaults applied by the real schema). */
function spec(o: Record<string, unknown> = {}): AgentFile {
  return AgentFile.parse({ name: 'helper', description: 'Helps', capabilities: ['help'], ...o });
}

function message(o: Partial<Message> = {}): Message {
  return {
    id: 'm-1', performative: 'request', sender: 'client', receiver: null, capability: 'help', content: 'plan my week', conversationId: 'c-1',
    replyWith: null, inReplyTo: null, protocol: null, ontology: null, deadline: null, strategy: null, hops: 0, path: [], createdAt: 0, ...o,
  };
}

interface Calls {
  tools: Array<{ tool: string; fn: string; input: unknown }>;
  asks: Array<{ capability: string; content: Content }>;
}

function request(o: { message?: Partial<Message>; tools?: Record<string, (input: unknown) => unknown>; asks?: Record<string, (content: Content) => Content> } = {}): { req: AgentRequest; calls: Calls } {
  const calls: Calls = { tools: [], asks: [] };
  const req: AgentRequest = {
    message: message(o.message),
    spec: spec(),
    signal: new AbortController().signal,
    async callTool(tool, fn, input) {
      calls.tools.push({ tool, fn, input });
      const f = o.tools?.[`${tool}.${fn}`];
      if (!f) throw new CaxtonError('CAX_TOOL_NOT_PERMITTED', { agent: 'helper', tool });
      return f(input);
    },
    async ask(capability, content) {
      calls.asks.push({ capability, content });
      const f = o.asks?.[capability];
      if (!f) throw new CaxtonError('CAX_NO_CAPABLE_AGENT', { capability, capabilities: [], nearest: [] });
      return { messageId: 'm-2', conversationId: 'c-1', handledBy: `${capability}-agent`, performative: 'inform', reply: f(content), routingMs: 0, durationMs: 0, attempts: 1, trace: [] } satisfies Reply;
    },
  };
  return { req, calls };
}

// ---

const Offline = suite('offlineAgent');

Offline('without a behaviour :: echoes the content, as inform', async () => {
  const a = offlineAgent('helper', spec());
  assert.is(a.name, 'helper');
  assert.is(a.kind, 'offline');
  const { req, calls } = request();
  assert.equal(await a.handle(req), { content: 'plan my week', performative: 'inform' });
  assert.equal(calls, { tools: [], asks: [] });
});

Offline('without steps :: the answer comes at once, not as a promise (nothing to wait for); with steps, as a promise', async () => {
  const { req } = request();
  const now = offlineAgent('helper', spec({ behavior: { reply: 'at once: {{content}}' } })).handle(req);
  assert.not.instance(now, Promise);
  assert.equal(now, { content: 'at once: plan my week', performative: 'inform' });
  const later = offlineAgent('helper', spec({ tools: ['t'], behavior: { steps: [{ tool: 't' }], reply: '{{last}}' } })).handle(request({ tools: { 't.run': () => 'done' } }).req);
  assert.instance(later, Promise);
  assert.equal(await later, { content: 'done', performative: 'inform' });
});

Offline('the reply template sees the message and the agent', async () => {
  const a = offlineAgent('helper', spec({ behavior: { reply: '{{agent.name}} ({{agent.description}}) to {{message.sender}} in {{message.conversationId}}: {{content}}' } }));
  const { req } = request({ message: { sender: 'ops' } });
  assert.is((await a.handle(req)).content, 'helper (Helps) to ops in c-1: plan my week');
});

Offline('JSON content :: navigable in the reply', async () => {
  const a = offlineAgent('helper', spec({ behavior: { reply: '{{content.city}} has {{content.rows[1]}}' } }));
  const { req } = request({ message: { content: { city: 'Oslo', rows: [1, 7] } } });
  assert.is((await a.handle(req)).content, 'Oslo has 7');
});

Offline('a tool step :: calls the tool with the rendered input (raw value for one placeholder)', async () => {
  const a = offlineAgent('helper', spec({
    tools: ['search'],
    behavior: {
      steps: [{ id: 'found', tool: 'search', function: 'query', input: { q: '{{content}}', limit: 3, raw: '{{message}}' } }],
      reply: 'found {{steps.found.output.total}}: {{steps.found.output.items[0]}}',
    },
  }));
  const { req, calls } = request({ tools: { 'search.query': () => ({ total: 2, items: ['x', 'y'] }) } });
  const r = await a.handle(req);
  assert.equal(calls.tools, [{ tool: 'search', fn: 'query', input: { q: 'plan my week', limit: 3, raw: { id: 'm-1', sender: 'client', performative: 'request', conversationId: 'c-1', content: 'plan my week' } } }]);
  assert.is(r.content, 'found 2: x');
});

Offline('a tool step :: function defaults to run, input to the content', async () => {
  const a = offlineAgent('helper', spec({ tools: ['t'], behavior: { steps: [{ tool: 't' }], reply: '{{steps.step1.output}}' } }));
  const { req, calls } = request({ message: { content: { n: 1 } }, tools: { 't.run': (i) => `got ${JSON.stringify(i)}` } });
  const r = await a.handle(req);
  assert.equal(calls.tools, [{ tool: 't', fn: 'run', input: { n: 1 } }]);
  assert.is(r.content, 'got {"n":1}');
});

Offline('a tool output that is JSON text can be navigated by the next steps', async () => {
  const a = offlineAgent('helper', spec({
    tools: ['stats'],
    behavior: { steps: [{ id: 's', tool: 'stats' }, { id: 'q', ask: 'explain', content: 'mean is {{steps.s.output.mean}}' }], reply: '{{steps.q.output}}' },
  }));
  const { req, calls } = request({ tools: { 'stats.run': () => '{"mean": 4.5}' }, asks: { explain: (c) => `explained: ${String(c)}` } });
  const r = await a.handle(req);
  assert.equal(calls.asks, [{ capability: 'explain', content: 'mean is 4.5' }]);
  assert.is(r.content, 'explained: mean is 4.5');
});

Offline('an ask step :: without content, passes the last output on (or the message content first)', async () => {
  const a = offlineAgent('helper', spec({
    tools: ['t'],
    behavior: {
      steps: [{ id: 'first', ask: 'research' }, { id: 'calc', tool: 't' }, { id: 'second', ask: 'summarize' }],
      reply: '{{steps.first.handledBy}} then {{steps.second.handledBy}}: {{last}}',
    },
  }));
  const { req, calls } = request({
    tools: { 't.run': (i) => ({ wrapped: i }) },
    asks: { research: (c) => `facts on ${String(c)}`, summarize: (c) => `short ${JSON.stringify(c)}` },
  });
  const r = await a.handle(req);
  assert.equal(calls.asks, [
    { capability: 'research', content: 'plan my week' },
    { capability: 'summarize', content: { wrapped: 'plan my week' } },
  ]);
  assert.equal(calls.tools, [{ tool: 't', fn: 'run', input: 'plan my week' }], 'a tool input defaults to the content, not the last output');
  assert.is(r.content, 'research-agent then summarize-agent: short {"wrapped":"plan my week"}');
});

Offline('steps run in order and each sees the ones before', async () => {
  const order: string[] = [];
  const a = offlineAgent('helper', spec({
    tools: ['t'],
    behavior: { steps: [{ id: 'a', tool: 't', input: 'one' }, { id: 'b', tool: 't', input: '{{steps.a.output}}+two' }], reply: '{{steps.b.output}}' },
  }));
  const { req } = request({ tools: { 't.run': (i) => (order.push(String(i)), `[${String(i)}]`) } });
  assert.is((await a.handle(req)).content, '[[one]+two]');
  assert.equal(order, ['one', '[one]+two']);
});

Offline('a failing step fails the message with its error, and later steps do not run', async () => {
  const a = offlineAgent('helper', spec({ tools: ['t'], behavior: { steps: [{ ask: 'nobody' }, { tool: 't' }] } }));
  const { req, calls } = request({ tools: { 't.run': () => 'x' } });
  try {
    await a.handle(req);
    assert.unreachable('should have failed');
  } catch (err) {
    assert.instance(err, CaxtonError);
    assert.is((err as CaxtonError).code, 'CAX_NO_CAPABLE_AGENT');
  }
  assert.equal(calls.tools, []);
});

Offline.run();
