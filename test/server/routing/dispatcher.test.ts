import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Dispatcher, type RoutingConfig } from '../../../server/routing/dispatcher.js';
import { Conversations } from '../../../server/routing/conversations.js';
import type { Snapshot } from '../../../server/deploy/snapshot.js';
import { CaxtonError } from '../../../server/errors.js';
import type { AgentAnswer, AgentRequest, ToolInvoker } from '../../../server/agents/runtime.js';
import type { AppendOptions, EventSink } from '../../../server/events/log.js';
import type { MessageRequest } from '../../../server/routing/message.js';
import { fakeSnapshot, type FakeAgentDef, type Handler } from '../../util/fake-snapshot.js';
import { rejection } from '../../util/promises.js';

interface Recorded {
  type: string;
  payload: Record<string, any>;
  conversationId: string | null;
}

/** An EventSink that keeps every event in order. */
class RecordingSink implements EventSink {
  readonly events: Recorded[] = [];
  append(type: string, payload: unknown, opts: AppendOptions = {}): void {
    this.events.push({ type, payload: payload as Record<string, any>, conversationId: opts.conversationId ?? null });
  }
  async flush(): Promise<void> {}
  types(filter?: (e: Recorded) => boolean): string[] {
    return this.events.filter(filter ?? (() => true)).map((e) => e.type);
  }
  of(type: string): Array<Record<string, any>> {
    return this.events.filter((e) => e.type === type).map((e) => e.payload);
  }
}

const snapshot = (defs: Record<string, FakeAgentDef>): Snapshot => fakeSnapshot(defs);

const noTools: ToolInvoker = {
  call: async () => {
    throw new Error('no tools here');
  },
};

interface Harness {
  d: Dispatcher;
  sink: RecordingSink;
  clock: { now: number };
  sleeps: number[];
  conversations: Conversations;
  /** the snapshot that serves now; assign to swap */
  current: { snap: Snapshot | null };
}

interface Hooks {
  onSleep?: (ms: number) => void | Promise<void>;
  random?: () => number;
}

function harness(defs: Record<string, FakeAgentDef>, config: Partial<RoutingConfig> = {}, hooks: Hooks = {}): Harness {
  const sink = new RecordingSink();
  const clock = { now: 1_700_000_000_000 };
  const sleeps: number[] = [];
  const current = { snap: snapshot(defs) as Snapshot | null };
  let ids = 0;
  const conversations = new Conversations({
    now: () => clock.now,
    onStart: (c) => sink.append('ConversationStarted', { id: c.id }, { conversationId: c.id }),
    onEnd: (c) => sink.append('ConversationEnded', { id: c.id, reason: c.ended?.reason }, { conversationId: c.id }),
  });
  const d = new Dispatcher({
    snapshot: () => current.snap,
    events: sink,
    conversations,
    tools: noTools,
    now: () => clock.now,
    random: hooks.random ?? (() => 0),
    newId: () => `id-${++ids}`,
    sleep: async (ms) => {
      sleeps.push(ms);
      clock.now += ms;
      await hooks.onSleep?.(ms);
    },
    config: { defaultStrategy: 'round-robin', ...config },
  });
  return { d, sink, clock, sleeps, conversations, current };
}

const req = (o: Partial<MessageRequest>): MessageRequest => ({ performative: 'request', content: 'hello', ...o }) as MessageRequest;

const answer = (content: string): Handler => () => ({ content });
const failing = (message = 'boom'): Handler => () => {
  throw new Error(message);
};

function deferred<T = void>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

// ---

const Send = suite('Dispatcher.send :: delivery');

Send('delivers by capability and answers with the reply shape', async () => {
  const h = harness({ echo: { capabilities: ['echo'], handle: (r) => ({ content: `echo: ${String(r.message.content)}` }) } });
  const r = await h.d.send(req({ capability: 'echo', content: 'hi' }));
  assert.is(r.messageId, 'id-1');
  assert.is(r.conversationId, 'id-2', 'a new conversation id when none is given');
  assert.is(r.handledBy, 'echo');
  assert.is(r.reply, 'echo: hi');
  assert.is(r.performative, 'inform');
  assert.is(r.attempts, 1);
  assert.type(r.routingMs, 'number');
  assert.ok(r.routingMs >= 0 && r.routingMs < 1000);
  assert.type(r.durationMs, 'number');
  assert.is(r.trace.length, 1);
  assert.equal({ ...r.trace[0], ms: 0 }, { kind: 'agent', name: 'echo', depth: 0, ms: 0, ok: true });
});

Send("a tool call the runtime refused before it ran (req.toolRejected) :: in the reply's trace, failed, and a ToolCallRejected event", async () => {
  const h = harness({
    writer: { capabilities: ['write'], handle: (r) => (r.toolRejected?.('fetch-data__fetch', 'Model tried to call unavailable tool "fetch-data__fetch"'), { content: 'done anyway' }) },
  });
  const r = await h.d.send(req({ capability: 'write', conversationId: 'c' }));
  assert.is(r.reply, 'done anyway');
  assert.equal(r.trace.map((t) => [t.kind, t.name, t.depth, t.ok]), [['agent', 'writer', 0, true], ['tool', 'fetch-data__fetch', 0, false]]);
  assert.equal(h.sink.of('ToolCallRejected'), [{ messageId: r.messageId, agent: 'writer', name: 'fetch-data__fetch', reason: 'Model tried to call unavailable tool "fetch-data__fetch"' }]);
});

Send('delivers to a named receiver and keeps the given conversation', async () => {
  const h = harness({ a: { capabilities: ['x'], handle: answer('from a') }, b: { capabilities: ['x'], handle: answer('from b') } });
  const r = await h.d.send(req({ to: 'b', conversationId: 'conv-7' }));
  assert.is(r.handledBy, 'b');
  assert.is(r.reply, 'from b');
  assert.is(r.conversationId, 'conv-7');
  const c = h.conversations.get('conv-7')!;
  assert.equal([...c.participants].sort(), ['b', 'client']);
  assert.is(c.messageCount, 1);
});

Send('history :: each delivery with its answer and the answer\'s performative, or the code it failed with', async () => {
  const h = harness({
    a: { capabilities: ['x'], handle: () => ({ content: { verdict: 'yes' }, performative: 'agree' }) },
    b: { capabilities: ['y'], handle: () => { throw new CaxtonError('CAX_TOOL_NOT_PERMITTED', { agent: 'b', tool: 't' }); } },
  });
  await h.d.send(req({ capability: 'x', content: 'may I?', conversationId: 'c' }));
  await rejection(h.d.send(req({ capability: 'y', content: 'and this?', conversationId: 'c' })));
  const picked = h.conversations.get('c')!.history.map(({ from, to, content, ok, reply, replyPerformative, error }) => ({ from, to, content, ok, reply, replyPerformative, error }));
  assert.equal(picked, [
    { from: 'client', to: 'a', content: 'may I?', ok: true, reply: { verdict: 'yes' }, replyPerformative: 'agree', error: null },
    { from: 'client', to: 'b', content: 'and this?', ok: false, reply: null, replyPerformative: null, error: 'CAX_TOOL_NOT_PERMITTED' },
  ]);
  assert.equal(h.conversations.recent(1).map((m) => m.error), ['CAX_TOOL_NOT_PERMITTED'], 'the recent ring holds the same');
});

Send('the agent sees the message as sent', async () => {
  let seen: AgentRequest['message'] | null = null;
  const h = harness({ a: { capabilities: ['x'], handle: (r) => ((seen = r.message), { content: 'ok', performative: 'agree' }) } });
  const r = await h.d.send(req({ capability: 'x', content: { rows: [1, 2] }, performative: 'query-ref', sender: 'me', ontology: 'o', protocol: 'p', replyWith: 'r1' }));
  assert.is(r.performative, 'agree');
  assert.equal(seen, {
    id: 'id-1', performative: 'query-ref', sender: 'me', receiver: null, capability: 'x', content: { rows: [1, 2] }, conversationId: 'id-2',
    replyWith: 'r1', inReplyTo: null, protocol: 'p', ontology: 'o', deadline: null, strategy: null, hops: 0, path: [], createdAt: h.clock.now,
  });
});

Send('events :: ConversationStarted, MessageSent, MessageRouted, MessageDelivered in order', async () => {
  const h = harness({ a: { capabilities: ['x'], handle: answer('ok') } });
  const r = await h.d.send(req({ capability: 'x' }));
  assert.equal(h.sink.types(), ['ConversationStarted', 'MessageSent', 'MessageRouted', 'MessageDelivered']);
  assert.ok(h.sink.events.every((e) => e.conversationId === r.conversationId));
  const routed = h.sink.of('MessageRouted')[0]!;
  assert.equal({ ...routed, routingMs: 0 }, { messageId: r.messageId, agent: 'a', strategy: 'round-robin', routingMs: 0, attempt: 1, hops: 0, candidates: 1 });
  assert.equal(h.sink.of('MessageDelivered')[0]!.agent, 'a');
});

Send('a second message in the conversation starts nothing new', async () => {
  const h = harness({ a: { capabilities: ['x'], handle: answer('ok') } });
  await h.d.send(req({ capability: 'x', conversationId: 'c' }));
  await h.d.send(req({ capability: 'x', conversationId: 'c' }));
  assert.is(h.sink.types().filter((t) => t === 'ConversationStarted').length, 1);
  assert.is(h.conversations.get('c')!.messageCount, 2);
});

Send('nothing deployed :: CAX_NOTHING_DEPLOYED, recorded as RoutingFailed', async () => {
  const h = harness({});
  h.current.snap = null;
  const e = await rejection(h.d.send(req({ capability: 'x' })));
  assert.is(e.code, 'CAX_NOTHING_DEPLOYED');
  assert.equal(h.sink.of('RoutingFailed').map((p) => p.code), ['CAX_NOTHING_DEPLOYED']);
});

Send('unknown capability :: CAX_NO_CAPABLE_AGENT with capabilities and nearest', async () => {
  const h = harness({ a: { capabilities: ['summarize'], handle: answer('ok') } });
  const e = await rejection(h.d.send(req({ capability: 'sumarize' })));
  assert.is(e.code, 'CAX_NO_CAPABLE_AGENT');
  assert.equal(e.details, { capabilities: ['summarize'], nearest: ['summarize'] });
  assert.equal(h.sink.types(), ['ConversationStarted', 'MessageSent', 'RoutingFailed']);
  assert.is(h.sink.of('RoutingFailed')[0]!.code, 'CAX_NO_CAPABLE_AGENT');
  assert.equal(h.sleeps, [], 'no retry for a failure another attempt cannot fix');
});

Send('a refused message is in its conversation: counted, in the history with no agent and its error, no participant added', async () => {
  const h = harness({ a: { capabilities: ['summarize'], handle: answer('ok') } });
  await rejection(h.d.send(req({ capability: 'nope', conversationId: 'refused-1', content: 'x' })));
  const c = h.conversations.get('refused-1')!;
  assert.is(c.messageCount, 1);
  assert.equal(c.participants, ['client']);
  assert.equal(c.history.map((m) => [m.from, m.to, m.ok, m.error, m.content]), [['client', null, false, 'CAX_NO_CAPABLE_AGENT', 'x']]);
  // a message that reached an agent before it failed is recorded once, as that delivery
  const f = harness({ a: { capabilities: ['w'], handle: failing() } });
  await rejection(f.d.send(req({ capability: 'w', conversationId: 'c' })));
  assert.equal(f.conversations.get('c')!.history.map((m) => [m.to, m.ok]), [['a', false], ['a', false], ['a', false]]);
});

Send('unknown receiver :: CAX_UNKNOWN_RECEIVER', async () => {
  const h = harness({ alpha: { capabilities: ['x'], handle: answer('ok') } });
  const e = await rejection(h.d.send(req({ to: 'alpah' })));
  assert.is(e.code, 'CAX_UNKNOWN_RECEIVER');
  assert.equal(e.details, { agents: ['alpha'], nearest: ['alpha'] });
});

Send('strategy :: the message strategy wins over the capability one, in the decision and the event', async () => {
  const h = harness(
    { a: { capabilities: ['x'], handle: answer('a') }, b: { capabilities: ['x'], handle: answer('b') }, c: { capabilities: ['x'], handle: answer('c') } },
    { strategies: { x: 'round-robin' } },
    // the random strategy picks the last candidate, round-robin would pick the first
    { random: () => 0.99 },
  );
  const r = await h.d.send(req({ capability: 'x', strategy: 'random' }));
  assert.is(r.handledBy, 'c');
  assert.is(h.sink.of('MessageRouted')[0]!.strategy, 'random');
  const rr = await h.d.send(req({ capability: 'x' }));
  assert.is(rr.handledBy, 'b', 'round-robin per capability: the counter moved on');
  assert.is(h.sink.of('MessageRouted')[1]!.strategy, 'round-robin');
});

Send('LLM usage :: tokens spent before a failure are logged as LlmUsage too', async () => {
  const spent = { promptTokens: 120, completionTokens: 30 };
  const h = harness({
    writer: {
      capabilities: ['write'],
      handle: () => {
        throw new CaxtonError('CAX_LLM_TURN_LIMIT', { agent: 'writer', turns: 5, model: 'm' }, { details: { usage: spent } });
      },
    },
  });
  assert.is((await rejection(h.d.send(req({ capability: 'write' })))).code, 'CAX_LLM_TURN_LIMIT');
  assert.equal(h.sink.of('LlmUsage').map((u) => [u.agent, u.promptTokens, u.completionTokens, u.failed]), [['writer', 120, 30, true]]);
});

Send('least-loaded :: concurrent messages go to the agent with fewer in flight', async () => {
  const gateA = deferred();
  const h = harness(
    {
      a: { capabilities: ['x'], handle: async () => (await gateA.promise, { content: 'a' }) },
      b: { capabilities: ['x'], handle: answer('b') },
    },
    { defaultStrategy: 'least-loaded' },
  );
  const first = h.d.send(req({ capability: 'x' }));
  await Promise.resolve();
  assert.is(h.d.load('a'), 1, 'the first message is in flight on a');
  const second = await h.d.send(req({ capability: 'x' }));
  assert.is(second.handledBy, 'b');
  gateA.resolve();
  assert.is((await first).handledBy, 'a');
  assert.is(h.d.load('a'), 0, 'the count drops when it is done');
});

Send.run();

// ---

const Retry = suite('Dispatcher.send :: retries');

Retry('backs off 100 ms then 200 ms, moving to another capable agent each time', async () => {
  const calls: string[] = [];
  const track = (name: string, h: Handler): Handler => (r) => (calls.push(name), h(r));
  const h = harness({
    a: { capabilities: ['work'], handle: track('a', failing('a is down')) },
    b: { capabilities: ['work'], handle: track('b', failing('b is down')) },
    c: { capabilities: ['work'], handle: track('c', answer('done by c')) },
  }, { defaultStrategy: 'least-loaded' });
  const r = await h.d.send(req({ capability: 'work' }));
  assert.equal(calls, ['a', 'b', 'c']);
  assert.equal(h.sleeps, [100, 200]);
  assert.is(r.handledBy, 'c');
  assert.is(r.reply, 'done by c');
  assert.is(r.attempts, 3);
  assert.ok(r.routingMs >= 0);
  assert.equal(h.sink.types((e) => e.type.startsWith('Message')), [
    'MessageSent', 'MessageRouted', 'MessageFailed', 'MessageRouted', 'MessageFailed', 'MessageRouted', 'MessageDelivered',
  ]);
  assert.equal(h.sink.of('MessageRouted').map((p) => [p.agent, p.attempt]), [['a', 1], ['b', 2], ['c', 3]]);
  assert.equal(h.sink.of('MessageFailed').map((p) => [p.agent, p.attempt, p.code]), [['a', 1, 'CAX_INTERNAL'], ['b', 2, 'CAX_INTERNAL']]);
});

Retry('the backoff is configurable', async () => {
  const h = harness({ a: { capabilities: ['w'], handle: failing() } }, { attempts: 4, backoffMs: 10, backoffFactor: 3 });
  const e = await rejection(h.d.send(req({ capability: 'w' })));
  assert.is(e.code, 'CAX_AGENT_FAILED');
  assert.equal(h.sleeps, [10, 30, 90]);
});

Retry('every attempt failing :: CAX_AGENT_FAILED naming the agent, attempts and cause', async () => {
  let calls = 0;
  const h = harness({ only: { capabilities: ['w'], handle: () => (calls++, failing('disk full')({} as AgentRequest)) } });
  const e = await rejection(h.d.send(req({ capability: 'w' })));
  assert.is(e.code, 'CAX_AGENT_FAILED');
  assert.equal(e.details, { agent: 'only', attempts: 3, cause: 'CAX_INTERNAL' });
  // an agent's own fault is not reported as a bug in Caxton
  assert.equal(e.suggestions, ['The server log and "caxton events" (type MessageFailed) show each attempt.']);
  assert.is(calls, 3, 'the one capable agent is retried');
  assert.equal(h.sleeps, [100, 200]);
  assert.equal(h.sink.of('MessageFailed').length, 3);
  assert.equal(h.sink.of('RoutingFailed').map((p) => p.code), ['CAX_AGENT_FAILED']);
  assert.is(h.sink.types().at(-1), 'RoutingFailed', 'the failure is the last event');
});

Retry('a CaxtonError from the agent that another attempt cannot fix is not retried', async () => {
  const fatal = [
    new CaxtonError('CAX_TOOL_NOT_PERMITTED', { agent: 'a', tool: 't' }),
    new CaxtonError('CAX_TOOL_INPUT_INVALID', { tool: 't', fn: 'run', detail: 'rows: required' }),
    new CaxtonError('CAX_LLM_REFUSED', { agent: 'a', url: 'http://x/v1', model: 'm', status: 401, detail: 'HTTP 401' }),
    new CaxtonError('CAX_TOOL_FAILED', { tool: 't', fn: 'run', detail: 'no such row' }),
    new CaxtonError('CAX_TOOL_FUNCTION_NOT_FOUND', { tool: 't', fn: 'rnu', functions: ['run'] }),
  ];
  for (const err of fatal) {
    const h = harness({
      a: { capabilities: ['w'], handle: () => { throw err; } },
      b: { capabilities: ['w'], handle: answer('b') },
    });
    const e = await rejection(h.d.send(req({ capability: 'w' })));
    assert.is(e.code, err.code);
    assert.equal(h.sleeps, [], err.code);
  }
});

Retry('a rate-limited agent :: the message moves to another capable agent; with none, it fails with the rate limit after one request, not three', async () => {
  const limit = () => new CaxtonError('CAX_LLM_RATE_LIMITED', { agent: 'a', url: 'http://x/v1', model: 'm', detail: 'HTTP 429 again after one retry', waitMs: 120_000 });
  const calls: string[] = [];
  const two = harness({
    a: { capabilities: ['w'], handle: () => { calls.push('a'); throw limit(); } },
    b: { capabilities: ['w'], handle: () => (calls.push('b'), { content: 'b answers' }) },
  }, { defaultStrategy: 'least-loaded' });
  assert.is((await two.d.send(req({ capability: 'w' }))).handledBy, 'b');
  assert.equal(calls, ['a', 'b']);

  let requests = 0;
  const one = harness({ a: { capabilities: ['w'], handle: () => { requests++; throw limit(); } } });
  const e = await rejection(one.d.send(req({ capability: 'w' })));
  assert.is(e.code, 'CAX_LLM_RATE_LIMITED');
  assert.is(requests, 1, 'not sent to the rate-limited endpoint again');
  assert.ok(e.suggestions[0]!.includes('wait 120 s'), e.suggestions[0]);
  assert.equal(one.sink.of('RoutingFailed').map((p) => p.code), ['CAX_LLM_RATE_LIMITED']);
  // a busy endpoint is not a broken agent: its breaker did not count it
  assert.is(one.d.health('a').circuit, 'closed');
  assert.is(one.d.health('a').recentFailures, 0);
});

Retry("a retry after a deployment removed the agents :: the agent's failure, not a 404 for a capability that was there", async () => {
  let h!: Harness;
  h = harness({ a: { capabilities: ['w'], handle: failing('disk full') } }, {}, {
    onSleep: () => {
      h.current.snap = snapshot({ other: { capabilities: ['elsewhere'], handle: answer('x') } });
    },
  });
  const e = await rejection(h.d.send(req({ capability: 'w' })));
  assert.is(e.code, 'CAX_AGENT_FAILED');
  assert.equal(e.details, { agent: 'a', attempts: 1, cause: 'CAX_INTERNAL' });
  assert.match(e.message, /disk full/);
  assert.ok(e.suggestions.some((s) => /a deployment since removed it \(No deployed agent serves capability "w"/.test(s)), e.suggestions.join('\n'));
  const failed = h.sink.of('RoutingFailed');
  assert.is(failed.length, 1);
  assert.is(failed[0]!.code, 'CAX_AGENT_FAILED');
  assert.is(failed[0]!.after, 'CAX_INTERNAL', 'the reason names what failed before');
  assert.is(failed[0]!.retry, 'no-capable-agent', 'and what the retry found');
  assert.is(failed[0]!.attempt, 2);
});

Retry('a failure no retry can fix still ends the message with its RoutingFailed, so the analytics count it', async () => {
  const h = harness({ a: { capabilities: ['w'], handle: () => { throw new CaxtonError('CAX_TOOL_FAILED', { tool: 't', fn: 'run', detail: 'no such row' }); } } });
  const e = await rejection(h.d.send(req({ capability: 'w' })));
  assert.is(e.code, 'CAX_TOOL_FAILED');
  assert.equal(h.sink.of('RoutingFailed').map((p) => [p.code, p.agent, p.attempt]), [['CAX_TOOL_FAILED', 'a', 1]]);
  assert.is(h.sink.types().at(-1), 'RoutingFailed', 'the failure is the last event');
});

Retry('round-robin :: a retry does not take the next message\'s turn', async () => {
  const h = harness({
    bad: { capabilities: ['w'], handle: failing() },
    good: { capabilities: ['w'], handle: answer('good') },
  }, { defaultStrategy: 'round-robin', breaker: { failureThreshold: 100, windowMs: 60_000, openMs: 1000 } });
  const first: string[] = [];
  for (let i = 0; i < 4; i++) {
    const r = await h.d.send(req({ capability: 'w' }));
    assert.is(r.handledBy, 'good');
    first.push(r.attempts === 1 ? 'good' : 'bad');
  }
  assert.equal(first, ['bad', 'good', 'bad', 'good'], 'the turns alternate whatever the retries did');
});

Retry('a retry after a deployment replaced the agent runs on the new version', async () => {
  let h!: Harness;
  h = harness({ a: { capabilities: ['w'], handle: failing() } }, {}, {
    onSleep: () => {
      h.current.snap = snapshot({ a: { capabilities: ['w'], handle: answer('a v2') } });
    },
  });
  const r = await h.d.send(req({ capability: 'w' }));
  assert.is(r.reply, 'a v2');
  assert.is(r.attempts, 2);
});

Retry('ttl :: a deadline passed during the backoff is CAX_MESSAGE_EXPIRED', async () => {
  const h = harness({ a: { capabilities: ['w'], handle: failing() } });
  const e = await rejection(h.d.send(req({ capability: 'w', ttl: 50 })));
  assert.is(e.code, 'CAX_MESSAGE_EXPIRED');
  assert.equal(h.sleeps, [100]);
  assert.equal(h.sink.of('RoutingFailed').map((p) => p.code), ['CAX_MESSAGE_EXPIRED']);
});

Retry('ttl :: an answer given after the ttl ran out (at once, before any timer could fire) is CAX_MESSAGE_EXPIRED, not taken late', async () => {
  const h = harness({
    late: {
      capabilities: ['w'],
      handle: () => {
        h.clock.now += 5;
        return { content: 'too late', usage: { promptTokens: 3, completionTokens: 1 } };
      },
    },
  });
  const e = await rejection(h.d.send(req({ capability: 'w', ttl: 2 })));
  assert.is(e.code, 'CAX_MESSAGE_EXPIRED');
  assert.equal(h.sink.of('MessageDelivered'), []);
  assert.equal(h.sink.of('MessageFailed').map((p) => p.code), ['CAX_MESSAGE_EXPIRED']);
  // the tokens were spent all the same: logged as a failure's
  assert.equal(h.sink.of('LlmUsage').map((p) => [p.promptTokens, p.failed]), [[3, true]]);
  assert.is(h.d.health('late').recentFailures, 0, 'the ttl was the sender\'s, not the agent\'s fault');
  // within the ttl it is an answer
  assert.is((await h.d.send(req({ capability: 'w', ttl: 10 }))).reply, 'too late');
});

Retry('ttl :: an agent slower than the ttl is stopped with CAX_MESSAGE_EXPIRED', async () => {
  const never = deferred<AgentAnswer>();
  const h = harness({ slow: { capabilities: ['w'], handle: () => never.promise } });
  // AbortSignal.timeout's timer does not hold the process open; this one does, until the answer
  const alive = setTimeout(() => undefined, 10_000);
  const e = await rejection(h.d.send(req({ capability: 'w', ttl: 20 }))).finally(() => clearTimeout(alive));
  assert.is(e.code, 'CAX_MESSAGE_EXPIRED');
  assert.equal(h.sink.of('MessageFailed').map((p) => p.code), ['CAX_MESSAGE_EXPIRED']);
  assert.is(h.d.load('slow'), 0, 'the in-flight count is released');
});

Retry("ttl :: the agent's signal aborts with CAX_MESSAGE_EXPIRED, so its work can stop", async () => {
  const seen: { aborted?: boolean; reason?: unknown } = {};
  const h = harness({
    slow: {
      capabilities: ['w'],
      handle: (r) =>
        new Promise<AgentAnswer>((_, reject) => {
          r.signal.addEventListener('abort', () => {
            seen.aborted = r.signal.aborted;
            seen.reason = r.signal.reason;
            reject(new Error('stopped'));
          });
        }),
    },
  });
  const alive = setTimeout(() => undefined, 10_000);
  const e = await rejection(h.d.send(req({ capability: 'w', ttl: 20 }))).finally(() => clearTimeout(alive));
  assert.is(e.code, 'CAX_MESSAGE_EXPIRED');
  assert.is(seen.aborted, true);
  assert.instance(seen.reason, CaxtonError);
  assert.is((seen.reason as CaxtonError).code, 'CAX_MESSAGE_EXPIRED');
});

Retry('ttl :: a signal first read after the time-out is already aborted', async () => {
  const got: { late: AbortSignal | null } = { late: null };
  const h = harness({
    slow: {
      capabilities: ['w'],
      handle: (r) => new Promise<AgentAnswer>((resolve) => setTimeout(() => ((got.late = r.signal), resolve({ content: 'late' })), 40)),
    },
  });
  const e = await rejection(h.d.send(req({ capability: 'w', ttl: 10 })));
  assert.is(e.code, 'CAX_MESSAGE_EXPIRED');
  await new Promise((r) => setTimeout(r, 60));
  assert.ok(got.late, 'the agent read its signal');
  assert.is(got.late!.aborted, true);
  assert.is((got.late!.reason as CaxtonError).code, 'CAX_MESSAGE_EXPIRED');
});

Retry("time-out :: the agent's own limit cutting first is CAX_AGENT_TIMEOUT naming it and [routing] agent_timeout_ms, not the ttl", async () => {
  const never = deferred<AgentAnswer>();
  let deadline: number | undefined;
  const h = harness({ slow: { capabilities: ['w'], handle: (r) => ((deadline = r.deadline), never.promise) } }, { agentTimeoutMs: 20 });
  const alive = setTimeout(() => undefined, 10_000);
  const e = await rejection(h.d.send(req({ capability: 'w', ttl: 120_000 }))).finally(() => clearTimeout(alive));
  assert.is(e.code, 'CAX_AGENT_TIMEOUT');
  assert.match(e.message, /Agent "slow" gave no answer within 20 ms \(\[routing\] agent_timeout_ms\)/);
  assert.match(e.suggestions[0]!, /agent_timeout_ms in caxton\.toml/);
  assert.is(deadline, h.clock.now + 20, 'the agent is told when its answer is due');
  assert.is(h.sink.of('MessageFailed').length, 1, 'not retried');
});

Retry('time-out :: tokens an LLM runtime spent before the dispatcher cut it short are still logged as LlmUsage', async () => {
  const spent = { promptTokens: 100, completionTokens: 20 };
  let settled!: Promise<unknown>;
  // as the LLM runtime does: one model call made, the next one aborted by the signal, the error carrying the usage
  const h = harness({
    writer: {
      capabilities: ['write'],
      handle: (r) => {
        const p = new Promise<AgentAnswer>((_, reject) => r.signal.addEventListener('abort', () => {
          reject(new CaxtonError((r.signal.reason as CaxtonError).code, (r.signal.reason as CaxtonError).data, { details: { usage: spent } }));
        }));
        settled = p.catch(() => undefined);
        return p;
      },
    },
  }, { agentTimeoutMs: 20 });
  const alive = setTimeout(() => undefined, 10_000);
  const e = await rejection(h.d.send(req({ capability: 'write' }))).finally(() => clearTimeout(alive));
  assert.is(e.code, 'CAX_AGENT_TIMEOUT');
  await settled;
  await new Promise((ok) => setImmediate(ok));
  assert.equal(h.sink.of('LlmUsage').map((u) => [u.agent, u.promptTokens, u.completionTokens, u.failed]), [['writer', 100, 20, true]]);
});

Retry('time-out :: a ttl shorter than the agent timeout is CAX_MESSAGE_EXPIRED with the ttl the message was sent with', async () => {
  const never = deferred<AgentAnswer>();
  const h = harness({ slow: { capabilities: ['w'], handle: () => never.promise } }, { agentTimeoutMs: 30_000 });
  const alive = setTimeout(() => undefined, 10_000);
  const e = await rejection(h.d.send(req({ capability: 'w', ttl: 25 }))).finally(() => clearTimeout(alive));
  assert.is(e.code, 'CAX_MESSAGE_EXPIRED');
  assert.match(e.message, /ttl of 25 ms/);
});

Retry.run();

// ---

const Breaker = suite('Dispatcher.send :: circuit breakers');

const BREAKER = { failureThreshold: 2, windowMs: 60_000, openMs: 5_000 };

Breaker('opens after repeated failures, so the next message goes to a healthy agent', async () => {
  const calls: string[] = [];
  const state = { badHealthy: false };
  const h = harness(
    {
      'a-bad': { capabilities: ['w'], handle: () => (calls.push('a-bad'), state.badHealthy ? { content: 'a-bad ok' } : failing()({} as AgentRequest)) },
      'b-good': { capabilities: ['w'], handle: () => (calls.push('b-good'), { content: 'b-good ok' }) },
    },
    { attempts: 1, defaultStrategy: 'least-loaded', breaker: BREAKER },
  );
  // least-loaded with no load picks the first candidate, a-bad, while it is available
  for (let i = 0; i < 2; i++) assert.is((await rejection(h.d.send(req({ capability: 'w' })))).code, 'CAX_AGENT_FAILED');
  assert.is(h.d.breakerOf('a-bad').state, 'open');
  calls.length = 0;
  const r = await h.d.send(req({ capability: 'w' }));
  assert.is(r.handledBy, 'b-good');
  assert.equal(calls, ['b-good'], 'the open agent is not called');

  // after openMs one probe goes through; its success closes the breaker
  state.badHealthy = true;
  h.clock.now += BREAKER.openMs;
  const probe = await h.d.send(req({ capability: 'w' }));
  assert.is(probe.handledBy, 'a-bad');
  assert.equal(h.d.breakerOf('a-bad'), { state: 'closed', failures: [] });
  assert.is((await h.d.send(req({ capability: 'w' }))).handledBy, 'a-bad');
});

Breaker('with every capable agent open :: CAX_CIRCUIT_OPEN with retryAt', async () => {
  const state = { healthy: false };
  const h = harness({ flaky: { capabilities: ['w'], handle: () => (state.healthy ? { content: 'ok' } : failing()({} as AgentRequest)) } }, { attempts: 1, breaker: BREAKER });
  const openedAt = h.clock.now;
  for (let i = 0; i < 2; i++) await rejection(h.d.send(req({ capability: 'w' })));
  const e = await rejection(h.d.send(req({ capability: 'w' })));
  assert.is(e.code, 'CAX_CIRCUIT_OPEN');
  const retryAt = new Date(openedAt + BREAKER.openMs).toISOString();
  // what opened it, not only when it closes
  const last = ['flaky: CAX_INTERNAL: Internal error: boom'];
  assert.equal(e.details, { retryAt, lastFailures: last });
  assert.equal(e.data, { agents: ['flaky'], retryAt, last });
  assert.is(e.suggestions[0], 'Last failure of flaky: CAX_INTERNAL: Internal error: boom');
  assert.is(h.sink.of('RoutingFailed').at(-1)!.code, 'CAX_CIRCUIT_OPEN');

  state.healthy = true;
  h.clock.now += BREAKER.openMs - 1;
  assert.is((await rejection(h.d.send(req({ capability: 'w' })))).code, 'CAX_CIRCUIT_OPEN', 'still open 1 ms before retryAt');
  h.clock.now += 1;
  assert.is((await h.d.send(req({ capability: 'w' }))).reply, 'ok');
  assert.is(h.d.breakerOf('flaky').state, 'closed');
});

Breaker('a failed probe opens it again', async () => {
  const h = harness({ flaky: { capabilities: ['w'], handle: failing() } }, { attempts: 1, breaker: BREAKER });
  for (let i = 0; i < 2; i++) await rejection(h.d.send(req({ capability: 'w' })));
  h.clock.now += BREAKER.openMs;
  assert.is((await rejection(h.d.send(req({ capability: 'w' })))).code, 'CAX_AGENT_FAILED', 'the probe is delivered and fails');
  assert.equal(h.d.breakerOf('flaky'), { state: 'open', openedAt: h.clock.now, retryAt: h.clock.now + BREAKER.openMs });
});

Breaker('half-open lets exactly one probe through; a concurrent message is refused', async () => {
  const gateProbe = deferred();
  const state = { mode: 'fail' as 'fail' | 'slow' };
  const h = harness(
    { flaky: { capabilities: ['w'], handle: async () => (state.mode === 'fail' ? failing()({} as AgentRequest) : (await gateProbe.promise, { content: 'ok' })) } },
    { attempts: 1, breaker: BREAKER },
  );
  for (let i = 0; i < 2; i++) await rejection(h.d.send(req({ capability: 'w' })));
  h.clock.now += BREAKER.openMs;
  state.mode = 'slow';
  const probe = h.d.send(req({ capability: 'w' }));
  await Promise.resolve();
  assert.equal(h.d.breakerOf('flaky'), { state: 'half-open', probing: true });
  assert.is((await rejection(h.d.send(req({ capability: 'w' })))).code, 'CAX_AGENTS_UNAVAILABLE');
  gateProbe.resolve();
  assert.is((await probe).reply, 'ok');
  assert.is(h.d.breakerOf('flaky').state, 'closed');
});

Breaker('retries with a threshold inside one message :: agent failed once the only agent opens', async () => {
  const h = harness({ only: { capabilities: ['w'], handle: failing() } }, { breaker: BREAKER });
  const e = await rejection(h.d.send(req({ capability: 'w' })));
  assert.is(e.code, 'CAX_AGENT_FAILED', 'the real failure is reported, not the breaker it tripped');
  assert.is(h.d.breakerOf('only').state, 'open');
  assert.equal(h.sleeps, [100, 200]);
  assert.is(h.sink.of('MessageFailed').length, 2, 'the third attempt found the breaker open and called nothing');
});

Breaker('failures about the request or the workspace (a replay miss, a missing key, the turn limit, a tool that refuses the input) do not open the breaker; a time-out does', async () => {
  const codes = [
    new CaxtonError('CAX_LLM_REPLAY_MISS', { agent: 'a', file: 'agents/a/replay.json', detail: 'x' }),
    new CaxtonError('CAX_LLM_KEY_MISSING', { agent: 'a', env: 'KEY' }),
    new CaxtonError('CAX_LLM_TURN_LIMIT', { agent: 'a', turns: 5, model: 'm' }),
    new CaxtonError('CAX_TOOL_FAILED', { tool: 'fetch-data', fn: 'fetch', detail: 'no dataset "nosuch"' }),
  ];
  let i = 0;
  const h = harness({ a: { capabilities: ['w'], handle: () => { throw codes[i++ % codes.length]!; } } }, { breaker: BREAKER });
  for (let n = 0; n < 6; n++) assert.is((await rejection(h.d.send(req({ capability: 'w' })))).code, codes[n % codes.length]!.code);
  assert.equal(h.d.breakerOf('a'), { state: 'closed', failures: [] });

  const never = deferred<AgentAnswer>();
  const slow = harness({ slow: { capabilities: ['w'], handle: () => never.promise } }, { breaker: BREAKER, agentTimeoutMs: 5 });
  const alive = setTimeout(() => undefined, 10_000);
  for (let n = 0; n < 2; n++) assert.is((await rejection(slow.d.send(req({ capability: 'w' })))).code, 'CAX_AGENT_TIMEOUT');
  clearTimeout(alive);
  assert.is(slow.d.breakerOf('slow').state, 'open', 'an agent that gives no answer in its time is unwell');
});

Breaker.run();

// ---

const Nested = suite('Dispatcher.send :: nested asks');

Nested('an agent asks a capability through ctx.ask; hops, path and trace follow', async () => {
  const seen: Array<AgentRequest['message']> = [];
  const h = harness({
    planner: {
      capabilities: ['plan'],
      handle: async (r) => {
        seen.push(r.message);
        const sub = await r.ask('research', { topic: r.message.content });
        return { content: `plan from ${sub.handledBy}: ${String(sub.reply)}` };
      },
    },
    researcher: { capabilities: ['research'], handle: (r) => (seen.push(r.message), { content: 'facts' }) },
  });
  const r = await h.d.send(req({ capability: 'plan', content: 'week', conversationId: 'c' }));
  assert.is(r.handledBy, 'planner');
  assert.is(r.reply, 'plan from researcher: facts');
  assert.equal(r.trace.map((t) => [t.kind, t.name, t.depth, t.ok]), [['agent', 'planner', 0, true], ['agent', 'researcher', 1, true]]);
  const [outer, inner] = seen;
  assert.is(outer!.hops, 0);
  assert.equal(outer!.path, []);
  assert.is(inner!.hops, 1);
  assert.equal(inner!.path, ['planner']);
  assert.is(inner!.sender, 'planner');
  assert.is(inner!.capability, 'research');
  assert.equal(inner!.content, { topic: 'week' });
  assert.is(inner!.inReplyTo, outer!.id);
  assert.is(inner!.conversationId, 'c', 'a nested ask stays in the conversation');
  assert.equal(h.sink.types((e) => e.type.startsWith('Message')), [
    'MessageSent', 'MessageRouted', 'MessageSent', 'MessageRouted', 'MessageDelivered', 'MessageDelivered',
  ]);
  assert.equal(h.sink.of('MessageSent')[1], { messageId: inner!.id, performative: 'request', sender: 'planner', capability: 'research', receiver: null, inReplyTo: outer!.id, hops: 1 });
  assert.equal(h.sink.of('MessageDelivered').map((p) => [p.agent, p.hops]), [['researcher', 1], ['planner', 0]]);
  assert.equal([...h.conversations.get('c')!.participants].sort(), ['client', 'planner', 'researcher']);
});

Nested('ping-pong (A asks B asks A) is refused with CAX_ROUTING_LOOP, and neither breaker is blamed', async () => {
  const calls: string[] = [];
  const h = harness({
    a: { capabilities: ['cap-a'], handle: async (r) => (calls.push('a'), { content: (await r.ask('cap-b', 'ping')).reply }) },
    b: { capabilities: ['cap-b'], handle: async (r) => (calls.push('b'), { content: (await r.ask('cap-a', 'pong')).reply }) },
  });
  const e = await rejection(h.d.send(req({ capability: 'cap-a' })));
  assert.is(e.code, 'CAX_ROUTING_LOOP');
  assert.equal(e.data, { agents: ['a'], path: ['a', 'b'] });
  assert.equal(calls, ['a', 'b'], 'a is not asked again inside its own chain');
  assert.equal(h.sleeps, [], 'a loop is not retried');
  assert.equal(h.d.breakerOf('a'), { state: 'closed', failures: [] });
  assert.equal(h.d.breakerOf('b'), { state: 'closed', failures: [] });
  // each message of the chain ends with its own RoutingFailed: the refused ask, b's, then the client's
  assert.equal(h.sink.of('RoutingFailed').map((p) => [p.code, p.hops]), [['CAX_ROUTING_LOOP', 2], ['CAX_ROUTING_LOOP', 1], ['CAX_ROUTING_LOOP', 0]]);
});

Nested('a loop on one capable agent moves to another that is outside the path', async () => {
  const h = harness({
    a: { capabilities: ['cap-a', 'echo'], handle: async (r) => ({ content: (await r.ask('echo', 'x')).handledBy }) },
    z: { capabilities: ['echo'], handle: answer('z') },
  });
  const r = await h.d.send(req({ to: 'a' }));
  assert.is(r.reply, 'z');
});

Nested('a long chain is refused with CAX_HOP_LIMIT', async () => {
  const calls: string[] = [];
  const defs: Record<string, FakeAgentDef> = {};
  for (let i = 0; i < 10; i++) {
    defs[`step-${i}`] = { capabilities: [`cap-${i}`], handle: async (r) => (calls.push(`step-${i}`), { content: (await r.ask(`cap-${i + 1}`, 'more')).reply }) };
  }
  const h = harness(defs, { maxHops: 3 });
  const e = await rejection(h.d.send(req({ capability: 'cap-0' })));
  assert.is(e.code, 'CAX_HOP_LIMIT');
  assert.equal(e.data, { code: 'hop-limit', hops: 4, maxHops: 3 });
  // four asks deep: the limit counts asks, not the agents on the path (five here)
  assert.is(e.message, 'The request went 4 asks deep (agent asking agent), over the limit of 3 ([routing] max_hops)');
  assert.equal(calls, ['step-0', 'step-1', 'step-2', 'step-3']);
  assert.equal(h.sleeps, []);
  for (let i = 0; i < 4; i++) assert.equal(h.d.breakerOf(`step-${i}`), { state: 'closed', failures: [] }, `step-${i}`);
});

Nested('an optional ask that failed is in the trace, marked failed, under the agent it went to', async () => {
  const h = harness({
    outer: {
      capabilities: ['o'],
      handle: async (r) => {
        const tried = await r.ask('inner', 'x').then(() => 'answered', (e: CaxtonError) => e.code);
        const missing = await r.ask('nowhere', 'x').then(() => 'answered', (e: CaxtonError) => e.code);
        return { content: `${tried} ${missing}` };
      },
    },
    inner: { capabilities: ['inner'], handle: () => { throw new CaxtonError('CAX_TOOL_FAILED', { tool: 't', fn: 'run', detail: 'no' }); } },
  });
  const r = await h.d.send(req({ capability: 'o' }));
  assert.is(r.reply, 'CAX_TOOL_FAILED CAX_NO_CAPABLE_AGENT');
  assert.equal(r.trace.map((t) => [t.name, t.depth, t.ok]), [['outer', 0, true], ['inner', 1, false], ['nowhere', 1, false]]);
});

Nested("a time-out while the agent waits for its ask is not held against it: the answer names what it waited for", async () => {
  const never = new Promise<AgentAnswer>(() => {});
  const h = harness({
    // work of its own first (a tool step, say): its clock started before the asked agent's
    outer: { capabilities: ['o'], handle: async (r) => (await new Promise((res) => setTimeout(res, 10)), { content: (await r.ask('slow', 'x')).reply }) },
    slow: { capabilities: ['slow'], handle: () => never },
  }, { agentTimeoutMs: 30 });
  // the dispatcher's timers do not keep a process alive; this test waits on them
  const alive = setInterval(() => {}, 1000);
  try {
    const e = await rejection(h.d.send(req({ capability: 'o' })));
    assert.is(e.code, 'CAX_AGENT_TIMEOUT');
    assert.match(e.message, /Agent "outer" gave no answer within 30 ms .*: it was waiting for its ask to "slow"/);
    assert.equal(h.sleeps, [], 'not retried');
    assert.equal(h.d.breakerOf('outer'), { state: 'closed', failures: [] }, 'the time went to the asked agent');
    // the asked agent's own time-out, a moment later, is held against it
    await new Promise((r) => setTimeout(r, 60));
    assert.is(h.d.breakerOf('slow').state, 'closed');
    assert.is((h.d.breakerOf('slow') as { failures: readonly number[] }).failures.length, 1);
  } finally {
    clearInterval(alive);
  }
});

Nested('a failing nested agent is retried at its own level only', async () => {
  let outerCalls = 0;
  const h = harness({
    outer: { capabilities: ['o'], handle: async (r) => (outerCalls++, { content: (await r.ask('inner', 'x')).reply }) },
    inner: { capabilities: ['inner'], handle: failing() },
  });
  const e = await rejection(h.d.send(req({ capability: 'o' })));
  assert.is(e.code, 'CAX_AGENT_FAILED');
  assert.is(e.data.agent, 'inner');
  assert.is(outerCalls, 1, 'the outer agent is not retried for its callee');
  assert.equal(h.sleeps, [100, 200]);
  assert.equal(h.d.breakerOf('outer'), { state: 'closed', failures: [] });
});

Nested.run();

// ---

const Swap = suite('Dispatcher.send :: deployments');

Swap('a message in flight finishes on the agent it started with while the snapshot is swapped', async () => {
  const gateV1 = deferred();
  const h = harness({ worker: { capabilities: ['w'], handle: async () => (await gateV1.promise, { content: 'v1' }) } });
  const v1 = h.current.snap!;
  const inFlight = h.d.send(req({ capability: 'w' }));
  await Promise.resolve();
  assert.is(h.d.load('worker'), 1);
  h.current.snap = snapshot({ worker: { capabilities: ['w'], handle: answer('v2') } });
  assert.is.not(h.current.snap, v1);
  const during = await h.d.send(req({ capability: 'w' }));
  assert.is(during.reply, 'v2', 'a new message goes to the new version at once');
  gateV1.resolve();
  const r = await inFlight;
  assert.is(r.reply, 'v1');
  assert.is(r.handledBy, 'worker');
  assert.is(h.d.load('worker'), 0);
});

Swap('a breaker belongs to one agent version: a redeployed agent starts closed', async () => {
  const h = harness({ w: { capabilities: ['w'], handle: failing() } }, { attempts: 1, breaker: BREAKER });
  for (let i = 0; i < 2; i++) await rejection(h.d.send(req({ capability: 'w' })));
  assert.is(h.d.breakerOf('w').state, 'open');
  h.current.snap = snapshot({ w: { capabilities: ['w'], handle: answer('fixed') } });
  assert.is(h.d.breakerOf('w').state, 'closed');
  assert.is((await h.d.send(req({ capability: 'w' }))).reply, 'fixed');
});

Swap('a nested ask made after a swap still goes to the version its request started on', async () => {
  const gate = deferred();
  const h = harness({
    planner: { capabilities: ['plan'], handle: async (r: AgentRequest) => { await gate.promise; return { content: `planned with ${String((await r.ask('research', 'x')).reply)}` }; } },
    researcher: { capabilities: ['research'], handle: answer('v1 notes') },
  });
  const inFlight = h.d.send(req({ capability: 'plan' }));
  await Promise.resolve();
  h.current.snap = snapshot({
    planner: { capabilities: ['plan'], handle: answer('v2 planner') },
    researcher: { capabilities: ['research'], handle: answer('v2 notes') },
  });
  gate.resolve();
  assert.is((await inFlight).reply, 'planned with v1 notes');
});

Swap.run();
