import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Conversations, join, MAX_PARTICIPANTS, preview, PREVIEW_CHARS, type Conversation, type ConversationOptions, type MessageSummary } from '../../../server/routing/conversations.js';

interface Harness {
  c: Conversations;
  clock: { now: number };
  started: string[];
  ended: Array<{ id: string; reason: string | undefined; messages: number }>;
  /** ids of each batch onEvict reported */
  evicted: string[][];
}

function harness(o: ConversationOptions = {}): Harness {
  const clock = { now: 1_700_000_000_000 };
  const started: string[] = [];
  const ended: Harness['ended'] = [];
  const evicted: string[][] = [];
  const c = new Conversations({
    idleMs: 1000,
    now: () => clock.now,
    onStart: (x: Conversation) => started.push(x.id),
    onEnd: (x: Conversation) => ended.push({ id: x.id, reason: x.ended?.reason, messages: x.messageCount }),
    onEvict: (xs) => evicted.push(xs.map((x) => x.id)),
    ...o,
  });
  return { c, clock, started, ended, evicted };
}

let seq = 0;
function summary(o: Partial<MessageSummary> = {}): MessageSummary {
  seq++;
  return { id: `m${seq}`, conversationId: 'c1', from: 'client', to: 'agent-a', performative: 'request', content: `hello ${seq}`, at: new Date(0).toISOString(), ok: true, reply: `hi ${seq}`, replyPerformative: 'inform', error: null, ...o };
}

// ---

const Touch = suite('Conversations.touch');

Touch('creates a conversation on first use and fires onStart once', () => {
  const h = harness();
  const first = h.c.touch('c1', 'client');
  const again = h.c.touch('c1', 'agent-a');
  assert.is(again, first);
  assert.equal(h.started, ['c1']);
  assert.equal([...first.participants], ['client', 'agent-a']);
  assert.is(first.createdAt, h.clock.now);
  assert.is(first.messageCount, 0);
  assert.is(first.ended, null);
});

Touch('moves last activity forward', () => {
  const h = harness();
  h.c.touch('c1', 'client');
  h.clock.now += 600;
  const c = h.c.touch('c1', 'client');
  assert.is(c.lastActivity, h.clock.now);
  assert.is(c.createdAt, h.clock.now - 600);
});

Touch('after the idle time-out, ends the old conversation with reason timeout and starts it again', () => {
  const h = harness();
  const old = h.c.touch('c1', 'client');
  h.c.record(summary());
  h.clock.now += 1001;
  const fresh = h.c.touch('c1', 'client');
  assert.is.not(fresh, old);
  assert.equal(old.ended, { reason: 'timeout', at: h.clock.now });
  assert.equal(h.ended, [{ id: 'c1', reason: 'timeout', messages: 1 }]);
  assert.equal(old.history, [], 'an ended conversation frees its history (the event log keeps it)');
  assert.is(old.messageCount, 1, 'its summary stays');
  assert.equal(h.started, ['c1', 'c1']);
  assert.is(fresh.messageCount, 0);
  assert.is(fresh.ended, null);
});

Touch('conversations with the same participants, joined in the same order, share one frozen list', () => {
  const h = harness();
  const a = h.c.touch('a', 'client');
  h.c.touch('a', 'echo');
  const b = h.c.touch('b', 'client');
  h.c.touch('b', 'echo');
  h.c.touch('b', 'client');
  assert.equal([...b.participants], ['client', 'echo']);
  assert.is(a.participants, b.participants);
  assert.ok(Object.isFrozen(a.participants));
  const c = h.c.touch('c', 'echo');
  assert.equal([...c.participants], ['echo']);
  assert.is.not(c.participants, a.participants);
  // a conversation's own history is never the shared empty one once it has a message
  h.c.record(summary({ conversationId: 'a' }));
  assert.is(h.c.get('a')!.history.length, 1);
  assert.is(h.c.get('b')!.history.length, 0);
});

Touch('activity within the time-out keeps it alive', () => {
  const h = harness();
  const c = h.c.touch('c1', 'client');
  for (let i = 0; i < 5; i++) {
    h.clock.now += 900;
    assert.is(h.c.touch('c1', 'client'), c);
  }
  assert.equal(h.ended, []);
});

Touch('past maxConversations, the least recently active one is dropped and reported as evicted, not as ended', () => {
  const h = harness({ maxConversations: 2, idleMs: 60_000 });
  h.c.touch('a', 'client');
  h.clock.now += 1;
  h.c.touch('b', 'client');
  h.clock.now += 1;
  h.c.touch('a', 'client');
  h.clock.now += 1;
  h.c.touch('c', 'client');
  assert.equal(h.evicted, [['b']]);
  assert.equal(h.ended, []);
  assert.is(h.c.get('b'), undefined);
  assert.equal(h.c.active().map((x) => x.id).sort(), ['a', 'c']);
});

Touch('active(limit) :: the most recently active first, ended ones left out', () => {
  const h = harness({ idleMs: 1000 });
  for (const id of ['a', 'b', 'c', 'd']) {
    h.c.touch(id, 'client');
    h.clock.now += 100;
  }
  h.c.touch('a', 'client');
  assert.equal(h.c.active().map((x) => x.id), ['a', 'd', 'c', 'b']);
  assert.equal(h.c.active(2).map((x) => x.id), ['a', 'd']);
  h.clock.now += 850; // b (1,150 ms idle) and c (1,050 ms) time out; d (950 ms) does not
  assert.equal(h.c.active(3).map((x) => x.id), ['a', 'd']);
});

Touch('eviction follows last activity, not creation :: a restarted conversation counts as new', () => {
  const h = harness({ maxConversations: 3, idleMs: 1000 });
  h.c.touch('a', 'client');
  h.clock.now += 10;
  h.c.touch('b', 'client');
  h.clock.now += 10;
  h.c.touch('c', 'client');
  h.clock.now += 995;
  h.c.touch('a', 'client'); // a timed out (1015 ms idle) and starts again: now the newest
  h.clock.now += 1;
  h.c.touch('d', 'client');
  assert.equal(h.ended.map((e) => `${e.id}:${e.reason}`), ['a:timeout']);
  assert.equal(h.evicted, [['b']]);
  h.clock.now += 1;
  h.c.touch('c', 'client');
  h.c.touch('e', 'client');
  assert.equal(h.evicted, [['b'], ['a']], 'c was touched again, so a is now the least recent');
  assert.equal(h.c.active().map((x) => x.id).sort(), ['c', 'd', 'e']);
});

Touch.run();

// ---

const Record = suite('Conversations.record');

Record('counts messages and adds sender and receiver as participants', () => {
  const h = harness();
  h.c.touch('c1', 'client');
  h.c.record(summary({ from: 'client', to: 'agent-a' }));
  h.c.record(summary({ from: 'agent-a', to: 'agent-b' }));
  const c = h.c.get('c1')!;
  assert.is(c.messageCount, 2);
  assert.equal([...c.participants].sort(), ['agent-a', 'agent-b', 'client']);
});

Record('keeps a bounded history, newest last', () => {
  const h = harness({ historyLimit: 3 });
  h.c.touch('c1', 'client');
  const all = Array.from({ length: 7 }, () => summary());
  for (const m of all) h.c.record(m);
  const c = h.c.get('c1')!;
  assert.is(c.messageCount, 7, 'the count covers every message');
  assert.equal(c.history.map((m) => m.id), all.slice(-3).map((m) => m.id));
});

Record('a message of an unknown conversation still reaches the recent buffer', () => {
  const h = harness();
  const m = summary({ conversationId: 'nowhere' });
  h.c.record(m);
  assert.is(h.c.get('nowhere'), undefined);
  assert.equal(h.c.recent(), [m]);
});

Record.run();

// ---

const Get = suite('Conversations.get');

Get('unknown id :: undefined', () => {
  assert.is(harness().c.get('nope'), undefined);
});

Get('an idle conversation read after its time-out is ended with reason timeout', () => {
  const h = harness();
  h.c.touch('c1', 'client');
  h.clock.now += 1000;
  assert.is(h.c.get('c1')!.ended, null, 'exactly idleMs is not yet idle');
  h.clock.now += 1;
  const c = h.c.get('c1')!;
  assert.is(c.ended?.reason, 'timeout');
  assert.equal(h.ended.map((e) => e.reason), ['timeout']);
  h.c.get('c1');
  assert.is(h.ended.length, 1, 'onEnd fires once');
});

Get.run();

// ---

const Sweep = suite('Conversations.sweep');

Sweep('ends every idle conversation and leaves the active ones', () => {
  const h = harness();
  h.c.touch('old-1', 'client');
  h.c.touch('old-2', 'client');
  h.clock.now += 800;
  h.c.touch('fresh', 'client');
  h.clock.now += 300;
  assert.is(h.c.sweep(), 2);
  assert.equal(h.ended.map((e) => `${e.id}:${e.reason}`).sort(), ['old-1:timeout', 'old-2:timeout']);
  assert.equal(h.c.active().map((c) => c.id), ['fresh']);
  assert.is(h.c.sweep(), 0, 'nothing is ended twice');
});

Sweep.run();

// ---

const Evict = suite('Conversations eviction');

Evict('drops the least recently active 1 % in one batch: the active ones reported together, one already ended dropped silently', () => {
  const h = harness({ maxConversations: 200, idleMs: 60_000 });
  for (let i = 0; i < 200; i++) {
    h.c.touch(`c${i}`, 'client');
    h.clock.now += 1;
  }
  h.c.record(summary({ conversationId: 'c0' }));
  // c1 ends by its time-out first (it is the only one idle that long): it keeps its ConversationEnded
  const ended = h.c.get('c1')!;
  ended.lastActivity -= 120_000;
  assert.is(h.c.get('c1')!.ended?.reason, 'timeout');
  h.c.touch('new', 'client');
  assert.equal(h.evicted, [['c0']], 'of the two oldest (1 % of 200), only the active one is reported');
  assert.equal(h.ended.map((e) => e.id), ['c1']);
  assert.is(h.c.get('c0'), undefined);
  assert.is(h.c.get('c1'), undefined);
  assert.is(h.c.active().length, 199);
});

Evict.run();

// ---

const Recent = suite('Conversations.recent');

Recent('newest first', () => {
  const h = harness();
  const ms = [summary(), summary(), summary()];
  for (const m of ms) h.c.record(m);
  assert.equal(h.c.recent().map((m) => m.id), ms.map((m) => m.id).reverse());
});

Recent('a ring buffer :: holds only the last recentLimit messages', () => {
  const h = harness({ recentLimit: 4 });
  const ms = Array.from({ length: 10 }, () => summary());
  for (const m of ms) h.c.record(m);
  assert.equal(h.c.recent().map((m) => m.id), ms.slice(-4).reverse().map((m) => m.id));
});

Recent('limit :: the newest N', () => {
  const h = harness({ recentLimit: 8 });
  const ms = Array.from({ length: 5 }, () => summary());
  for (const m of ms) h.c.record(m);
  assert.equal(h.c.recent(2).map((m) => m.id), [ms[4]!.id, ms[3]!.id]);
});

Recent('empty :: an empty list', () => {
  assert.equal(harness().c.recent(), []);
});

Recent.run();

// ---

const View = suite('Conversations.view');

View('the public shape :: sorted participants, ISO times, active and reason', () => {
  const h = harness();
  const c = h.c.touch('c1', 'zed');
  h.c.touch('c1', 'client');
  const m = summary();
  h.c.record(m);
  assert.equal(Conversations.view(c), {
    id: 'c1',
    participants: ['agent-a', 'client', 'zed'],
    messageCount: 1,
    createdAt: new Date(h.clock.now).toISOString(),
    lastActivity: new Date(h.clock.now).toISOString(),
    active: true,
    endedReason: null,
    history: [m],
  });
  h.clock.now += 5000;
  h.c.sweep();
  const v = Conversations.view(c);
  assert.is(v.active, false);
  assert.is(v.endedReason, 'timeout');
});

View.run();

// ---

const Participants = suite('join');

Participants('a conversation names at most MAX_PARTICIPANTS participants, each once', () => {
  const c = new Conversations().touch('c1', 'client');
  join(c, 'client');
  for (let i = 0; i < MAX_PARTICIPANTS + 50; i++) join(c, `p${i}`);
  assert.is(c.participants.length, MAX_PARTICIPANTS);
  assert.is(c.participants[0], 'client');
  assert.is(new Set(c.participants).size, MAX_PARTICIPANTS);
});

Participants.run();

// ---

const Preview = suite('preview');

Preview('keeps small contents as they are and cuts large ones to a text preview', () => {
  assert.is(preview('short'), 'short');
  assert.equal(preview({ a: 1 }), { a: 1 });
  const big = 'x'.repeat(PREVIEW_CHARS * 10);
  assert.is((preview(big) as string).length, PREVIEW_CHARS + 1);
  const obj = preview({ rows: Array.from({ length: 1000 }, (_, i) => ({ i })) });
  assert.type(obj, 'string');
  assert.ok((obj as string).endsWith('…'));
});

Preview('history keeps the preview of content and reply, not the whole', () => {
  const c = new Conversations();
  c.touch('c1', 'client');
  c.record({ id: 'm1', conversationId: 'c1', from: 'client', to: 'a', performative: 'request', content: 'y'.repeat(50_000), at: '', ok: true, reply: 'short', replyPerformative: 'inform', error: null });
  c.record({ id: 'm2', conversationId: 'c1', from: 'client', to: 'a', performative: 'request', content: 'short', at: '', ok: true, reply: { rows: 'z'.repeat(50_000) }, replyPerformative: 'inform', error: null });
  const [first, second] = c.get('c1')!.history;
  assert.is((first!.content as string).length, PREVIEW_CHARS + 1);
  assert.is(first!.reply, 'short');
  assert.is(second!.content, 'short');
  assert.is((second!.reply as string).length, PREVIEW_CHARS + 1, 'the reply is cut as content is');
});

Preview.run();
