import pc from 'picocolors';
import type { ConversationView, MessageSummary } from '../../server/routing/conversations.js';
import { shellArg } from '../../server/util/shell-arg.js';
import { plural, table, utcTime } from '../render.js';
import { client, limitFlag, SERVER_OPTIONS, type Command } from '../command.js';

const MAX_CONTENT = 100;

/** Content on one line of the table: its line breaks shown as ↵, long text cut. */
const contentText = (c: MessageSummary['reply']) => {
  const text = (typeof c === 'string' ? c : JSON.stringify(c)).replace(/\r?\n/g, ' ↵ ');
  return text.length > MAX_CONTENT ? `${text.slice(0, MAX_CONTENT)}…` : text;
};

/** A message's line, then its answer's (or why it failed) from the agent back to the sender. */
function exchange(m: MessageSummary): string[][] {
  const to = m.to ?? '(no agent)';
  const sent = [utcTime(m.at), `${m.from} → ${to}`, m.performative, contentText(m.content)];
  const back = m.to === null ? '' : `${m.to} → ${m.from}`;
  if (!m.ok) return [sent, ['', back, pc.red(m.to === null ? 'refused' : 'failed'), m.error ?? 'no reason recorded']];
  // a server from before replies were kept gives none
  if (m.replyPerformative == null) return [sent];
  return [sent, ['', back, m.replyPerformative, contentText(m.reply)]];
}

/** The active conversations, most recently active first. */
export function renderConversations(list: Omit<ConversationView, 'history'>[]): string {
  if (!list.length) return 'No active conversations. Start one with: caxton send --capability SKILL "hello"';
  return table(
    list.map((c) => [c.id, String(c.messageCount), c.participants.join(', '), utcTime(c.lastActivity), utcTime(c.createdAt)]),
    ['CONVERSATION', 'MESSAGES', 'PARTICIPANTS', 'LAST ACTIVE', 'STARTED'],
  );
}

/** One conversation: what it is, then its history, a message and its answer a line each. */
export function renderConversation(c: ConversationView): string {
  const state = c.active ? pc.green('active') : pc.yellow(`ended (${c.endedReason ?? 'unknown'})`);
  const lines = [
    `${pc.bold(c.id)}  ${state}`,
    `  ${plural(c.messageCount, 'message')} between ${c.participants.join(', ') || 'nobody yet'}; started ${utcTime(c.createdAt)}, last active ${utcTime(c.lastActivity)}`,
  ];
  if (c.history.length) {
    const shown = c.history.length < c.messageCount ? ` (the last ${c.history.length})` : '';
    lines.push('', `History${shown}:`);
    lines.push(table(c.history.flatMap(exchange), ['TIME', 'FROM → TO', 'PERFORMATIVE', 'CONTENT']));
  } else if (c.messageCount) {
    lines.push('', `Its history was let go when it ended; the event log keeps every message: caxton events --conversation ${shellArg(c.id)}`);
  }
  if (c.active) lines.push('', `Continue it: caxton send --conversation ${shellArg(c.id)} --capability SKILL "…"`);
  return lines.join('\n');
}

export const conversations: Command = {
  name: 'conversations',
  usage: 'caxton conversations [ID] [--limit N] [--json]',
  positionals: 1,
  options: { ...SERVER_OPTIONS, limit: { type: 'string' } },
  async run(ctx) {
    const [id] = ctx.positionals;
    if (id !== undefined) {
      const c = await client(ctx).get<ConversationView>(`/api/v1/conversations/${encodeURIComponent(id)}`);
      return { data: { conversation: c }, text: renderConversation(c), ok: true };
    }
    const limit = limitFlag(ctx, 20, 'conversations');
    const list = await client(ctx).get<Omit<ConversationView, 'history'>[]>(`/api/v1/conversations?limit=${limit}`);
    return { data: { conversations: list }, text: renderConversations(list), ok: true };
  },
};
