// `caxton conversations`: the renderers on their own, then the real CLI as a child process against a
// real server holding a conversation of three messages and one of one.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { renderConversation, renderConversations } from '../../../cli/commands/conversations.js';
import type { ConversationView } from '../../../server/routing/conversations.js';
import { assertFails, assertOk, assertOkJson } from '../../util/cli-assert.js';
import { cliSuite } from '../../util/http.js';
import { greeterFiles } from '../../util/workspace.js';

const strip = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, '');

const view = (over: Partial<ConversationView> = {}): ConversationView => ({
  id: 'trip-1',
  participants: ['client', 'planner'],
  messageCount: 2,
  createdAt: '2026-11-25T20:00:00.000Z',
  lastActivity: '2026-11-25T20:01:30.250Z',
  active: true,
  endedReason: null,
  history: [
    { id: 'm1', conversationId: 'trip-1', from: 'client', to: 'planner', performative: 'request', content: 'plan a trip', at: '2026-11-25T20:00:00.000Z', ok: true, reply: { days: 3 }, replyPerformative: 'inform', error: null },
    { id: 'm2', conversationId: 'trip-1', from: 'client', to: 'planner', performative: 'query-ref', content: { days: 3, to: 'x'.repeat(200) }, at: '2026-11-25T20:01:30.250Z', ok: false, reply: null, replyPerformative: null, error: 'CAX_AGENT_FAILED' },
  ],
  ...over,
});

// ---

const Render = suite('conversations renderers');

Render('the list: a table, most recent first as the API gives it; none says how to start one', () => {
  const { history: _, ...c } = view();
  const text = strip(renderConversations([c]));
  assert.match(text, /^CONVERSATION\s+MESSAGES\s+PARTICIPANTS\s+LAST ACTIVE\s+STARTED\ntrip-1\s+2\s+client, planner\s+2026-11-25 20:01:30Z\s+2026-11-25 20:00:00Z$/);
  assert.is(renderConversations([]), 'No active conversations. Start one with: caxton send --capability SKILL "hello"');
});

Render('one: its state and counts, its history a message and its answer a line each (JSON content cut, failures with their code), how to continue it', () => {
  const text = strip(renderConversation(view()));
  const lines = text.split('\n');
  assert.is(lines[0], 'trip-1  active');
  assert.is(lines[1], '  2 messages between client, planner; started 2026-11-25 20:00:00Z, last active 2026-11-25 20:01:30Z');
  assert.match(text, /\nHistory:\nTIME\s+FROM → TO\s+PERFORMATIVE\s+CONTENT\n2026-11-25 20:00:00Z\s+client → planner\s+request\s+plan a trip\n\s+planner → client\s+inform\s+\{"days":3\}\n/);
  assert.match(text, /\n2026-11-25 20:01:30Z\s+client → planner\s+query-ref\s+\{"days":3,"to":"x+…\n\s+planner → client\s+failed\s+CAX_AGENT_FAILED\n/);
  assert.ok(lines.every((l) => l.length < 200), 'long content is cut');
  assert.match(text, /Continue it: caxton send --conversation trip-1 --capability SKILL "…"$/);
});

Render('one that ended: the reason, where its messages are, and no invitation to continue', () => {
  const text = strip(renderConversation(view({ active: false, endedReason: 'timeout', history: [] })));
  assert.match(text, /^trip-1 {2}ended \(timeout\)\n/);
  assert.match(text, /the event log keeps every message: caxton events --conversation trip-1$/);
  assert.not.match(text, /Continue it/);
});

Render('a reply of several lines stays on its row of the table', () => {
  const [first] = view().history;
  const text = strip(renderConversation(view({ history: [{ ...first!, reply: 'Day 1: museum\nDay 2: hike\r\nDay 3: rest' }] })));
  assert.match(text, /planner → client\s+inform\s+Day 1: museum ↵ Day 2: hike ↵ Day 3: rest\n/);
});

Render('a message no agent took: to no agent, refused with its code', () => {
  const [first] = view().history;
  const text = strip(renderConversation(view({ history: [{ ...first!, to: null, ok: false, reply: null, replyPerformative: null, error: 'CAX_NO_CAPABLE_AGENT' }] })));
  assert.match(text, /client → \(no agent\)\s+request\s+plan a trip\n\s+refused\s+CAX_NO_CAPABLE_AGENT/);
});

Render('a history shorter than the count says it shows the last ones', () => {
  assert.match(strip(renderConversation(view({ messageCount: 80 }))), /\nHistory \(the last 2\):\n/);
});

Render.run();

// ---

const { Cli, cli } = cliSuite('caxton conversations (child process, real server)', 'conversations', greeterFiles(), async ({ server: { dispatcher } }) => {
  for (const name of ['Ada', 'Bob', 'Cy']) await dispatcher.send({ performative: 'request', capability: 'greet', content: name, conversationId: 'hello-1' });
  await dispatcher.send({ performative: 'request', capability: 'greet', content: 'Di', conversationId: 'hello-2' });
});

Cli('lists the conversations the server holds, the most recently active first', async () => {
  const text = strip(assertOk(await cli()));
  assert.match(text, /\nhello-2\s+1\s+client, greeter\s+[\d-]+ [\d:]+Z\s+[\d-]+ [\d:]+Z\nhello-1\s+3\s+client, greeter\s/);
  assert.equal(assertOkJson(await cli('--limit', '1', '--json')).conversations.map((c: { id: string }) => c.id), ['hello-2']);
});

Cli('ID :: that conversation and its history', async () => {
  const text = strip(assertOk(await cli('hello-1')));
  assert.match(text, /^hello-1 {2}active\n {2}3 messages between client, greeter;/);
  assert.match(text, /client → greeter\s+request\s+Ada\n\s+greeter → client\s+inform\s+Hello, Ada!\n.*Bob\n.*Hello, Bob!\n.*Cy\n.*Hello, Cy!\n/);
  const doc = assertOkJson(await cli('hello-1', '--json'));
  assert.equal(
    doc.conversation.history.map((m: { content: string; reply: string; replyPerformative: string; error: null }) => [m.content, m.replyPerformative, m.reply, m.error]),
    [['Ada', 'inform', 'Hello, Ada!', null], ['Bob', 'inform', 'Hello, Bob!', null], ['Cy', 'inform', 'Hello, Cy!', null]],
  );
});

Cli('an unknown ID :: not found, with where to look; a bad --limit :: usage error', async () => {
  const err = assertFails(await cli('nope'), 1, 'CAX_CONVERSATION_NOT_FOUND');
  assert.match(err, /caxton conversations/);
  assert.match(err, /caxton events --conversation nope/);
  // the id as the user typed it, quoted so the suggestion runs as one argument
  const spaced = assertFails(await cli('bad id'), 1, 'CAX_CONVERSATION_NOT_FOUND');
  assert.match(spaced, /caxton events --conversation 'bad id'$/m);
  assertFails(await cli('--limit', '0'), 2, 'CAX_USAGE');
  assertFails(await cli('a', 'b'), 2, 'CAX_USAGE');
});

Cli.run();
