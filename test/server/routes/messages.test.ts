import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Files } from '../../util/repo.js';
import { agentFiles } from '../../util/workspace.js';
import { assertError, assertJson, deployed, serveRepo, type Served } from '../../util/http.js';
import { holdWorker } from '../../util/hold-log.js';

/** Three offline agents: the planner asks research through a [behavior] step, the greeter answers alone. */
function workspace(version = 'v1'): Files {
  return {
    ...agentFiles('planner', {
      capabilities: ['plan'],
      extra: { behavior: { steps: [{ id: 'notes', ask: 'research' }], reply: `${version} plan for {{content}} from {{steps.notes.output}} by {{steps.notes.handledBy}}` } },
    }),
    ...agentFiles('researcher', { capabilities: ['research'], extra: { behavior: { reply: 'notes on {{content}}' } } }),
    ...agentFiles('greeter', { capabilities: ['greet', 'welcome'], extra: { behavior: { reply: 'Hello, {{content.name}}!' } } }),
  };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

// ---

const Post = suite('POST /api/v1/messages');
let s: Served;
Post.before(async () => {
  s = await deployed(workspace());
});
Post.after(() => s.close());

Post('by capability :: 200 with messageId, conversationId, handledBy, reply, routingMs and the path', async () => {
  const r = assertJson(await s.call('POST', '/api/v1/messages', { capability: 'plan', content: 'my week' }), 200);
  assert.match(r.messageId, UUID);
  assert.match(r.conversationId, UUID);
  assert.is(r.handledBy, 'planner');
  assert.is(r.reply, 'v1 plan for my week from notes on my week by researcher');
  assert.is(r.performative, 'inform');
  assert.type(r.routingMs, 'number');
  assert.ok(r.routingMs >= 0);
  assert.type(r.durationMs, 'number');
  assert.is(r.attempts, 1);
  assert.equal(r.trace.map((t: { kind: string; name: string; depth: number; ok: boolean }) => [t.kind, t.name, t.depth, t.ok]), [['agent', 'planner', 0, true], ['agent', 'researcher', 1, true]]);
});

Post('the answer is written through the route\'s response schema: every field arrives, milestones on the first answer only', async () => {
  const fresh = await deployed(workspace());
  try {
    const first = assertJson(await fresh.call('POST', '/api/v1/messages', { capability: 'plan', content: { n: 1 } }), 200);
    const fields = ['attempts', 'conversationId', 'durationMs', 'handledBy', 'messageId', 'performative', 'reply', 'routingMs', 'trace'];
    assert.equal(Object.keys(first).sort(), ['milestones', ...fields].sort());
    assert.equal(first.milestones.map((m: Record<string, unknown>) => Object.keys(m).sort()), first.milestones.map(() => ['at', 'milestone', 'sinceCreatedMs']));
    assert.ok(first.milestones.length >= 1);
    assert.equal(Object.keys(first.trace[0]).sort(), ['depth', 'kind', 'ms', 'name', 'ok']);
    const second = assertJson(await fresh.call('POST', '/api/v1/messages', { capability: 'greet', content: { name: 'Ann', tags: ['a', 1, null] } }), 200);
    assert.equal(Object.keys(second).sort(), fields);
    assert.is(second.reply, 'Hello, Ann!');
  } finally {
    await fresh.close();
  }
});

Post('by `to` :: the named agent answers; JSON content reaches the template', async () => {
  const r = assertJson(await s.call('POST', '/api/v1/messages', { to: 'greeter', content: { name: 'Ada' }, conversationId: 'conv-to' }), 200);
  assert.is(r.handledBy, 'greeter');
  assert.is(r.reply, 'Hello, Ada!');
  assert.is(r.conversationId, 'conv-to');
});

Post('`receiver`, the FIPA name, works as `to`', async () => {
  const r = assertJson(await s.call('POST', '/api/v1/messages', { receiver: 'researcher', content: 'x', performative: 'query-ref' }), 200);
  assert.is(r.handledBy, 'researcher');
});

Post("FIPA fields :: the answer's inReplyTo is the request's replyWith; all four are kept in MessageSent and reach the agent's templates", async () => {
  const fipa = await deployed({ ...agentFiles('fipa', { capabilities: ['fipa'], extra: { behavior: { reply: '{{message.protocol}}|{{message.ontology}}|{{message.replyWith}}|{{message.inReplyTo}}' } } }) });
  try {
    const body = { capability: 'fipa', content: 'x', performative: 'query-ref', conversationId: 'fipa-1', replyWith: 'rw-1', inReplyTo: 'prev-9', protocol: 'fipa-request', ontology: 'sales' };
    const r = assertJson(await fipa.call('POST', '/api/v1/messages', body), 200);
    assert.is(r.reply, 'fipa-request|sales|rw-1|prev-9');
    assert.is(r.inReplyTo, 'rw-1');
    const [sent] = assertJson(await fipa.call('GET', '/api/v1/events?type=MessageSent&conversationId=fipa-1'), 200);
    assert.equal(sent.payload, { messageId: r.messageId, performative: 'query-ref', sender: 'client', capability: 'fipa', receiver: null, inReplyTo: 'prev-9', replyWith: 'rw-1', protocol: 'fipa-request', ontology: 'sales' });
    // unset, they are nothing: in the template, the answer and the event
    const plain = assertJson(await fipa.call('POST', '/api/v1/messages', { capability: 'fipa', content: 'x', conversationId: 'fipa-2' }), 200);
    assert.is(plain.reply, '|||');
    assert.not.ok('inReplyTo' in plain);
    const [sent2] = assertJson(await fipa.call('GET', '/api/v1/events?type=MessageSent&conversationId=fipa-2'), 200);
    assert.equal(Object.keys(sent2.payload), ['messageId', 'performative', 'sender', 'capability', 'receiver']);
  } finally {
    await fipa.close();
  }
});

Post('404 :: no agent serves the capability, with the capabilities that exist and the nearest', async () => {
  const e = assertError(await s.call('POST', '/api/v1/messages', { capability: 'gret', content: 'hi' }), 404, 'CAX_NO_CAPABLE_AGENT');
  assert.equal(e.capabilities, ['greet', 'plan', 'research', 'welcome']);
  assert.equal(e.nearest, ['greet']);
  assert.ok(e.suggestions.some((x: string) => x.includes('"greet"')));
});

Post('404 :: an unknown receiver, with the nearest agent', async () => {
  const e = assertError(await s.call('POST', '/api/v1/messages', { to: 'planer', content: 'hi' }), 404, 'CAX_UNKNOWN_RECEIVER');
  assert.equal(e.nearest, ['planner']);
});

Post('400 :: an unknown performative', async () => {
  const e = assertError(await s.call('POST', '/api/v1/messages', { capability: 'greet', content: 'hi', performative: 'shout' }), 400, 'CAX_BAD_REQUEST');
  assert.match(e.message, /performative: unknown value "shout" \(one of request, inform, query-if, /);
  assert.equal(e.suggestions, ["Check the request's body against docs/api.md."], 'nothing near: the general advice');
});

Post('400 :: a performative cut short points to the nearest ones', async () => {
  const e = assertError(await s.call('POST', '/api/v1/messages', { capability: 'greet', content: 'hi', performative: 'query' }), 400, 'CAX_BAD_REQUEST');
  assert.match(e.message, /performative: unknown value "query"/);
  assert.equal(e.suggestions, ['Did you mean "query-if" or "query-ref"?']);
});

Post('400 :: missing or null content, named and explained', async () => {
  const missing = assertError(await s.call('POST', '/api/v1/messages', { capability: 'greet' }), 400, 'CAX_BAD_REQUEST');
  assert.match(missing.message, /content: required/);
  const nul = assertError(await s.call('POST', '/api/v1/messages', { capability: 'greet', content: null }), 400, 'CAX_BAD_REQUEST');
  assert.match(nul.message, /content: must be text or a JSON number, boolean, array or object \(not null\)/);
});

Post('400 :: both capability and to, or neither; to and its FIPA name receiver together', async () => {
  assertError(await s.call('POST', '/api/v1/messages', { capability: 'greet', to: 'greeter', content: 'hi' }), 400, 'CAX_BAD_REQUEST');
  assertError(await s.call('POST', '/api/v1/messages', { content: 'hi' }), 400, 'CAX_BAD_REQUEST');
  const both = assertError(await s.call('POST', '/api/v1/messages', { to: 'greeter', receiver: 'researcher', content: 'hi' }), 400, 'CAX_BAD_REQUEST');
  assert.match(both.message, /receiver: "receiver" is the FIPA name of "to": give one of them, not both/);
});

Post('400 :: a body that is not JSON says to send JSON, whatever its Content-Type; a bad query names the query', async () => {
  for (const type of ['text/plain', 'application/x-www-form-urlencoded']) {
    const e = assertError(await s.call('POST', '/api/v1/messages', 'capability=greet&content=hi', { 'content-type': type }), 400, 'CAX_BAD_REQUEST');
    assert.is(e.message, `Invalid request: a body of Content-Type "${type}" is not read: the API takes JSON`);
    assert.equal(e.suggestions, ['Send the body as JSON with the header Content-Type: application/json (curl: -H "content-type: application/json").']);
  }
  const q = assertError(await s.call('GET', '/api/v1/conversations?limit=0'), 400, 'CAX_BAD_REQUEST');
  assert.equal(q.suggestions, ["Check the request's query against docs/api.md."]);
});

Post('400 :: an unknown field, a bad conversation id, malformed JSON', async () => {
  assertError(await s.call('POST', '/api/v1/messages', { capability: 'greet', content: 'hi', priority: 1 }), 400, 'CAX_BAD_REQUEST');
  assertError(await s.call('POST', '/api/v1/messages', { capability: 'greet', content: 'hi', conversationId: 'a b/c' }), 400, 'CAX_BAD_REQUEST');
  assertError(await s.call('POST', '/api/v1/messages', '{"capability": "greet",'), 400, 'CAX_BAD_REQUEST');
});

Post('400 :: a body refused says why: where the JSON breaks, a __proto__ key, nothing at all, content nested too deep', async () => {
  const broken = assertError(await s.call('POST', '/api/v1/messages', '{"capability": "greet", "content": "hi",}'), 400, 'CAX_BAD_REQUEST');
  assert.match(broken.message, /the body is not valid JSON \(.*position \d+/);
  for (const poisoned of ['{"capability": "greet", "content": {"__proto__": {"admin": true}}}', '{"capability": "greet", "content": {"constructor": {"prototype": {"admin": true}}}}']) {
    const e = assertError(await s.call('POST', '/api/v1/messages', poisoned), 400, 'CAX_BAD_REQUEST');
    assert.match(e.message, /has a "__proto__" or "constructor": \{"prototype": …\} key, which the server refuses/);
  }
  assert.match(assertError(await s.call('POST', '/api/v1/messages', ''), 400, 'CAX_BAD_REQUEST').message, /the body is empty/);
  // 50,000 levels: the server's own recursive walks of it would overflow the stack
  const deep = `{"capability": "greet", "content": ${'['.repeat(50_000)}${']'.repeat(50_000)}}`;
  const e = assertError(await s.call('POST', '/api/v1/messages', deep), 400, 'CAX_BAD_REQUEST');
  assert.match(e.message, /content: nests deeper than 100 levels of arrays and objects/);
  const fine = `{"capability": "greet", "content": {"name": "Deep", "more": ${'['.repeat(99)}${']'.repeat(99)}}}`;
  assert.is(assertJson(await s.call('POST', '/api/v1/messages', fine), 200).reply, 'Hello, Deep!');
});

Post('413 :: content over the 1 MiB body limit', async () => {
  const e = assertError(await s.call('POST', '/api/v1/messages', { capability: 'greet', content: 'x'.repeat(1024 * 1024 + 1) }), 413, 'CAX_PAYLOAD_TOO_LARGE');
  assert.match(e.message, /1048576 bytes/);
  // the way to a higher limit, as a user gives it
  assert.match(e.suggestions.join(' '), /caxton serve --max-body BYTES/);
});

Post('401 :: without a token', async () => {
  assertError(await s.anon('POST', '/api/v1/messages', { capability: 'greet', content: 'hi' }), 401, 'CAX_UNAUTHORIZED');
});

Post.run();

// ---

const Nothing = suite('POST /api/v1/messages :: nothing deployed');

Nothing('503 :: CAX_NOTHING_DEPLOYED before the first deployment', async () => {
  const empty = await serveRepo(workspace());
  try {
    assertError(await empty.call('POST', '/api/v1/messages', { capability: 'plan', content: 'x' }), 503, 'CAX_NOTHING_DEPLOYED');
  } finally {
    await empty.close();
  }
});

Nothing('508 :: agents that ask each other in a loop are refused with CAX_ROUTING_LOOP', async () => {
  const loop = await deployed({
    ...agentFiles('ping', { capabilities: ['ping'], extra: { behavior: { steps: [{ ask: 'pong' }] } } }),
    ...agentFiles('pong', { capabilities: ['pong'], extra: { behavior: { steps: [{ ask: 'ping' }] } } }),
  });
  try {
    const e = assertError(await loop.call('POST', '/api/v1/messages', { capability: 'ping', content: 'x' }), 508, 'CAX_ROUTING_LOOP');
    assert.ok(e.suggestions.length > 0);
  } finally {
    await loop.close();
  }
});

Nothing.run();

// ---

const Conv = suite('GET /api/v1/conversations');
let c: Served;
Conv.before(async () => {
  c = await deployed(workspace());
});
Conv.after(() => c.close());

Conv('lists the active conversations with participants and message counts', async () => {
  assertJson(await c.call('POST', '/api/v1/messages', { capability: 'plan', content: 'a', conversationId: 'conv-1' }), 200);
  assertJson(await c.call('POST', '/api/v1/messages', { capability: 'greet', content: { name: 'B' }, conversationId: 'conv-1' }), 200);
  const list = assertJson(await c.call('GET', '/api/v1/conversations'), 200);
  const one = list.find((x: { id: string }) => x.id === 'conv-1');
  assert.ok(one, JSON.stringify(list));
  assert.is(one.active, true);
  assert.is(one.messageCount, 3, 'two client messages and the nested ask');
  assert.equal(one.participants, ['client', 'greeter', 'planner', 'researcher']);
  assert.is(one.history, undefined, 'the list leaves the history out');
});

Conv('GET /:id :: the conversation with its history', async () => {
  const r = assertJson(await c.call('GET', '/api/v1/conversations/conv-1'), 200);
  assert.is(r.id, 'conv-1');
  assert.equal(r.history.map((m: { from: string; to: string; ok: boolean; replyPerformative: string | null; error: string | null }) => [m.from, m.to, m.ok, m.replyPerformative, m.error]), [
    ['planner', 'researcher', true, 'inform', null],
    ['client', 'planner', true, 'inform', null],
    ['client', 'greeter', true, 'inform', null],
  ]);
  for (const m of r.history) assert.ok(m.reply !== null && m.reply !== undefined, `a reply for ${m.id}`);
});

Conv('POST :: an id is checked as a message\'s conversationId is, with the same words', async () => {
  const created = assertJson(await c.call('POST', '/api/v1/conversations', { id: 'conv-made', participants: ['client'] }), 201);
  assert.is(created.id, 'conv-made');
  // the same id again: the conversation that is going on, 200, with the participants added
  const again = assertJson(await c.call('POST', '/api/v1/conversations', { id: 'conv-made', participants: ['ops'] }), 200);
  assert.equal(again.participants, ['client', 'ops']);
  assertError(await c.call('POST', '/api/v1/conversations', { participants: [''] }), 400, 'CAX_BAD_REQUEST');
  for (const bad of [{ id: 'has space' }, { id: 'sep\u001fin' }, { id: '' }]) {
    const onConversation = assertError(await c.call('POST', '/api/v1/conversations', bad), 400, 'CAX_BAD_REQUEST');
    const onMessage = assertError(await c.call('POST', '/api/v1/messages', { capability: 'plan', content: 'a', conversationId: bad.id }), 400, 'CAX_BAD_REQUEST');
    assert.is(onConversation.message.replace(/\bid:/g, 'conversationId:'), onMessage.message, JSON.stringify(bad));
  }
});

Conv('past the cap, the least recently active conversations are evicted: one ConversationsEvicted event lists them, and they are gone', async () => {
  const small = await deployed(workspace(), { maxConversations: 100 });
  try {
    const ids: string[] = [];
    for (let i = 0; i < 101; i++) ids.push(assertJson(await small.call('POST', '/api/v1/messages', { capability: 'greet', content: { name: `n${i}` } }), 200).conversationId);
    const events = assertJson(await small.call('GET', '/api/v1/events?type=ConversationsEvicted'), 200);
    assert.is(events.length, 1);
    assert.equal(events[0].payload, { count: 1, limit: 100, ids: [ids[0]] });
    assert.is(assertJson(await small.call('GET', '/api/v1/events?type=ConversationEnded'), 200).length, 0, 'an eviction is not an end');
    assertError(await small.call('GET', `/api/v1/conversations/${ids[0]}`), 404, 'CAX_CONVERSATION_NOT_FOUND');
    assertJson(await small.call('GET', `/api/v1/conversations/${ids[100]}`), 200);
  } finally {
    await small.close();
  }
});

Conv('GET /:id :: an id as long as a message may give (128 characters) is found; a longer one is the catalogue 404', async () => {
  const id = `long-${'x'.repeat(123)}`;
  assert.is(id.length, 128);
  const own = await deployed(workspace());
  try {
    assertJson(await own.call('POST', '/api/v1/messages', { capability: 'greet', content: { name: 'L' }, conversationId: id }), 200);
    const r = assertJson(await own.call('GET', `/api/v1/conversations/${id}`), 200);
    assert.is(r.id, id);
    assert.is(r.messageCount, 1);
    assertError(await own.call('GET', `/api/v1/conversations/${'y'.repeat(300)}`), 404, 'CAX_CONVERSATION_NOT_FOUND');
  } finally {
    await own.close();
  }
});

Conv('GET /:id :: 404 CAX_CONVERSATION_NOT_FOUND', async () => {
  assertError(await c.call('GET', '/api/v1/conversations/nope'), 404, 'CAX_CONVERSATION_NOT_FOUND');
});

Conv('GET /api/v1/messages/recent :: newest first', async () => {
  const r = assertJson(await c.call('GET', '/api/v1/messages/recent?limit=2'), 200);
  assert.equal(r.map((m: { to: string }) => m.to), ['greeter', 'planner']);
});

Conv('?limit :: the most recently active first, as many as asked; a bad limit is a 400', async () => {
  for (const id of ['conv-old', 'conv-mid', 'conv-new']) assertJson(await c.call('POST', '/api/v1/messages', { capability: 'greet', content: { name: id }, conversationId: id }), 200);
  assert.equal(assertJson(await c.call('GET', '/api/v1/conversations?limit=2'), 200).map((x: { id: string }) => x.id), ['conv-new', 'conv-mid']);
  assert.is(assertJson(await c.call('GET', '/api/v1/conversations'), 200)[0].id, 'conv-new');
  assertError(await c.call('GET', '/api/v1/conversations?limit=0'), 400, 'CAX_BAD_REQUEST');
  assertError(await c.call('GET', '/api/v1/conversations?limit=10001'), 400, 'CAX_BAD_REQUEST');
});

Conv('[routing] conversation_idle_ms in caxton.toml sets the idle time-out; a deployment without it goes back to the default', async () => {
  const files = { ...workspace(), 'caxton.toml': '[routing]\nconversation_idle_ms = 1000\n' };
  const r = await deployed(files);
  try {
    assertJson(await r.call('POST', '/api/v1/messages', { capability: 'greet', content: { name: 'A' }, conversationId: 'short' }), 200);
    assert.is(assertJson(await r.call('GET', '/api/v1/conversations/short'), 200).active, true);
    await new Promise((res) => setTimeout(res, 1150));
    const ended = assertJson(await r.call('GET', '/api/v1/conversations/short'), 200);
    assert.is(ended.active, false);
    assert.is(ended.endedReason, 'timeout');
    await r.server.events.flush();
    const logged = assertJson(await r.call('GET', '/api/v1/events?type=ConversationEnded&conversationId=short'), 200) as Array<{ payload: { reason: string } }>;
    assert.equal(logged.map((e) => e.payload.reason), ['timeout']);
    // the setting removed: the default (30 minutes) again, at once
    r.repo.commit({ 'caxton.toml': '' }, 'default idle time-out');
    assertJson(await r.call('POST', '/api/v1/deployments', {}), 201);
    assertJson(await r.call('POST', '/api/v1/messages', { capability: 'greet', content: { name: 'B' }, conversationId: 'long' }), 200);
    await new Promise((res) => setTimeout(res, 1150));
    assert.is(assertJson(await r.call('GET', '/api/v1/conversations/long'), 200).active, true);
  } finally {
    await r.close();
  }
});

Conv.run();

// ---

const Log = suite('message events and analytics');
let l: Served;
Log.before(async () => {
  l = await deployed(workspace());
  for (let i = 0; i < 20; i++) assertJson(await l.call('POST', '/api/v1/messages', { capability: 'plan', content: `n${i}` }), 200);
  assertError(await l.call('POST', '/api/v1/messages', { capability: 'nope', content: 'x' }), 404, 'CAX_NO_CAPABLE_AGENT');
  assertError(await l.call('POST', '/api/v1/messages', { capability: 'nope', content: 'x' }), 404, 'CAX_NO_CAPABLE_AGENT');
  assertError(await l.call('POST', '/api/v1/messages', { to: 'nobody', content: 'x' }), 404, 'CAX_UNKNOWN_RECEIVER');
});
Log.after(() => l.close());

Log('GET /api/v1/events?type=MessageRouted :: every routing decision is in DuckDB', async () => {
  const list = assertJson(await l.call('GET', '/api/v1/events?type=MessageRouted&limit=1000'), 200);
  assert.is(list.length, 40, 'twenty messages, each with one nested ask');
  const agents = new Set(list.map((e: { payload: { agent: string } }) => e.payload.agent));
  assert.equal([...agents].sort(), ['planner', 'researcher']);
  const e = list[0];
  assert.type(e.conversationId, 'string');
  assert.type(e.payload.routingMs, 'number');
  assert.is(e.payload.strategy, 'deterministic');
  assert.type(e.payload.messageId, 'string');
});

Log('GET /api/v1/events :: sent, delivered, started and failed events', async () => {
  const count = async (type: string) => assertJson(await l.call('GET', `/api/v1/events?type=${type}&limit=1000`), 200).length;
  assert.is(await count('MessageSent'), 43);
  assert.is(await count('MessageDelivered'), 40);
  assert.is(await count('RoutingFailed'), 3);
  assert.is(await count('ConversationStarted'), 23);
});

Log('GET /api/v1/analytics/routing :: p50/p95/p99 and failure reasons', async () => {
  const r = assertJson(await l.call('GET', '/api/v1/analytics/routing'), 200);
  assert.is(r.windowSeconds, 3600);
  assert.is(r.routed, 40);
  assert.is(r.delivered, 40);
  assert.is(r.failed, 3);
  for (const p of ['p50', 'p95', 'p99'] as const) {
    assert.type(r.routingMs[p], 'number', `routingMs.${p}`);
    assert.type(r.deliveryMs[p], 'number', `deliveryMs.${p}`);
  }
  assert.ok(r.routingMs.p50 <= r.routingMs.p95 && r.routingMs.p95 <= r.routingMs.p99);
  assert.equal(r.failures, [{ code: 'CAX_NO_CAPABLE_AGENT', count: 2 }, { code: 'CAX_UNKNOWN_RECEIVER', count: 1 }]);
  assert.equal(r.agents.map((a: { agent: string; delivered: number }) => [a.agent, a.delivered]).sort(), [['planner', 20], ['researcher', 20]]);
  assert.equal(r.strategies, [{ strategy: 'deterministic', count: 40 }]);
  assert.ok(r.throughputPerSecond > 0);
});

Log('GET /api/v1/analytics/routing :: a bad window is 400', async () => {
  assertError(await l.call('GET', '/api/v1/analytics/routing?windowSeconds=0'), 400, 'CAX_BAD_REQUEST');
});

Log('GET /metrics :: caxton_messages_total by outcome and the routing histogram', async () => {
  const res = await l.anon('GET', '/metrics');
  assert.is(res.status, 200);
  assert.match(res.text, /^caxton_messages_total\{outcome="ok"\} 20$/m);
  assert.match(res.text, /^caxton_messages_total\{outcome="CAX_NO_CAPABLE_AGENT"\} 2$/m);
  assert.match(res.text, /^caxton_messages_total\{outcome="CAX_UNKNOWN_RECEIVER"\} 1$/m);
  assert.match(res.text, /^caxton_routing_seconds_count 20$/m);
  assert.match(res.text, /^caxton_message_duration_seconds_count 23$/m);
});

Log.run();

// ---

const Redeploy = suite('POST /api/v1/messages :: 4,000 messages under a redeploy');

Redeploy('none lost, none failed; replies from the old and the new version', async () => {
  const r = await deployed(workspace());
  try {
    const { url, token } = r.server;
    const TOTAL = 4000;
    const CONCURRENCY = 32;
    const REDEPLOY_AT = 1000;
    const replies: string[] = new Array(TOTAL);
    const failures: string[] = [];
    let next = 0;
    let done = 0;
    let redeploy: Promise<unknown> | null = null;
    let redeployedAtDone = -1;
    let doneWhenDeployed = -1;
    const post = async (i: number) => {
      const res = await fetch(`${url}/api/v1/messages`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ capability: 'plan', content: `m${i}`, conversationId: `conv-${i % 50}` }),
      });
      const text = await res.text();
      if (res.status !== 200) failures.push(`#${i}: ${res.status} ${text}`);
      else replies[i] = JSON.parse(text).reply as string;
    };
    const worker = async () => {
      while (next < TOTAL) {
        const i = next++;
        // messages keep flowing while the deployment runs; the last 500 wait for it, so the new
        // version answers some however slow the machine is
        if (i >= TOTAL - 500 && redeploy) await (redeploy as Promise<unknown>).catch(() => undefined);
        await post(i).catch((err: unknown) => failures.push(`#${i}: ${String(err)}`));
        done++;
        if (done === REDEPLOY_AT && !redeploy) {
          redeployedAtDone = done;
          // a new commit that changes the planner, deployed while messages keep coming
          r.repo.commit(workspace('v2'), 'planner v2');
          redeploy = r.server.deployer.deploy({ ref: 'HEAD', trigger: 'api' }).finally(() => (doneWhenDeployed = done));
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    const record = (await redeploy) as { status: string; changes: { modified: Array<{ name: string }> } } | null;
    assert.ok(record, 'the redeploy ran');
    assert.is(record!.status, 'succeeded');
    assert.equal(record!.changes.modified.map((m) => m.name), ['planner']);
    assert.ok(doneWhenDeployed > redeployedAtDone, `messages were answered while the deployment ran (${redeployedAtDone} → ${doneWhenDeployed})`);

    assert.equal(failures.slice(0, 5), [], `${failures.length} failed`);
    const answered = replies.filter((x) => typeof x === 'string');
    assert.is(answered.length, TOTAL, 'every message has a reply');
    for (let i = 0; i < TOTAL; i++) assert.match(replies[i]!, new RegExp(`^v[12] plan for m${i} from notes on m${i} by researcher$`), `#${i}`);
    const v1 = answered.filter((x) => x.startsWith('v1 ')).length;
    const v2 = answered.filter((x) => x.startsWith('v2 ')).length;
    assert.ok(v1 >= REDEPLOY_AT, `old version answered ${v1}`);
    assert.ok(v2 > 0, `new version answered ${v2}`);
    assert.is(v1 + v2, TOTAL);

    // and the log agrees: every message delivered, nothing failed
    const stats = assertJson(await r.call('GET', '/api/v1/analytics/routing'), 200);
    assert.is(stats.delivered, TOTAL * 2, 'each message and its nested ask');
    assert.is(stats.failed, 0);
    const metrics = (await r.anon('GET', '/metrics')).text;
    assert.match(metrics, new RegExp(`^caxton_messages_total\\{outcome="ok"\\} ${TOTAL}$`, 'm'));
  } finally {
    await r.close();
  }
});

Redeploy.run();

// ---

const Behind = suite('POST /api/v1/messages :: an event log that falls behind');

Behind('messages are all answered; the log sheds their events, records how many as EventsDropped, and /metrics counts them by type', async () => {
  const r = await deployed(workspace(), { maxEventBacklogBytes: 2048 });
  try {
    const slow = holdWorker(r.server.events);
    const replies = await Promise.all(Array.from({ length: 300 }, (_, i) => r.call('POST', '/api/v1/messages', { capability: 'greet', content: { name: `n${i}` } })));
    assert.equal([...new Set(replies.map((x) => x.status))], [200]);
    const backlog = (text: string) => Number(/^caxton_event_log_backlog_bytes (\d+)$/m.exec(text)?.[1]);
    assert.ok(backlog((await r.anon('GET', '/metrics')).text) > 2048, 'the backlog shows while the log is behind');
    await slow;
    await r.server.events.flush();
    assert.is(backlog((await r.anon('GET', '/metrics')).text), 0);
    const dropped = assertJson(await r.call('GET', '/api/v1/events?type=EventsDropped'), 200) as Array<{ payload: { events: number; types: Record<string, number> } }>;
    assert.is(dropped.length, 1);
    const { events, types } = dropped[0]!.payload;
    assert.ok(types.MessageDelivered! > 0, JSON.stringify(types));
    assert.is(Object.values(types).reduce((a, b) => a + b, 0), events);
    // every message is delivered, in the log or in the count of what it shed
    const delivered = assertJson(await r.call('GET', '/api/v1/events?type=MessageDelivered&limit=1000'), 200) as unknown[];
    assert.is(delivered.length + types.MessageDelivered!, 300);
    const metrics = (await r.anon('GET', '/metrics')).text;
    assert.match(metrics, new RegExp(`^caxton_events_dropped_total\\{type="MessageDelivered"\\} ${types.MessageDelivered}$`, 'm'));
    // the deployment's record is never shed
    assert.is((assertJson(await r.call('GET', '/api/v1/deployments'), 200) as unknown[]).length, 1);
  } finally {
    await r.close();
  }
});

Behind.run();

// ---

const Removed = suite('POST /api/v1/messages :: an agent a redeploy removed');

Removed('404 :: says which deployment removed it, until it is deployed again', async () => {
  const files = { ...agentFiles('greeter', { capabilities: ['greet'] }), ...agentFiles('helper', { capabilities: ['help'] }) };
  const r = await deployed(files);
  try {
    const never = assertError(await r.call('POST', '/api/v1/messages', { to: 'nobody', content: 'hi' }), 404, 'CAX_UNKNOWN_RECEIVER');
    assert.is(never.removedBy, undefined, 'a name never deployed is not said to be removed');
    const sha = r.repo.commit({ 'agents/helper/agent.toml': null }, 'remove helper');
    const dep = assertJson(await r.call('POST', '/api/v1/deployments', {}), 201);
    const e = assertError(await r.call('POST', '/api/v1/messages', { to: 'helper', content: 'hi' }), 404, 'CAX_UNKNOWN_RECEIVER');
    assert.is(e.message, `No deployed agent is named "helper": it was removed by deployment ${dep.id} (commit ${sha.slice(0, 7)})`);
    assert.equal(e.removedBy, { deploymentId: dep.id, sha });
    assert.ok(e.suggestions.some((s: string) => s.includes('caxton history')), e.suggestions.join('\n'));
    // a later deployment that does not touch it still knows; one that brings it back forgets
    r.repo.commit(agentFiles('other', { capabilities: ['other'] }), 'add other');
    assertJson(await r.call('POST', '/api/v1/deployments', {}), 201);
    assert.equal(assertError(await r.call('POST', '/api/v1/messages', { to: 'helper', content: 'hi' }), 404, 'CAX_UNKNOWN_RECEIVER').removedBy, { deploymentId: dep.id, sha });
    r.repo.commit(agentFiles('helper', { capabilities: ['help'] }), 'helper back');
    assertJson(await r.call('POST', '/api/v1/deployments', {}), 201);
    assertJson(await r.call('POST', '/api/v1/messages', { to: 'helper', content: 'hi' }), 200);
  } finally {
    await r.close();
  }
});

Removed.run();
