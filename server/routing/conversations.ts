// Conversations in memory: created on first use (or explicitly), with participants, a bounded
// history, idle time-out; plus a ring buffer of the most recent messages across all of them.
import type { Content, Performative } from './message.js';

export interface MessageSummary {
  id: string;
  conversationId: string;
  from: string;
  /** the agent it was delivered to; null when none took it (no capable agent, nothing deployed, a loop…) */
  to: string | null;
  performative: Performative;
  content: Content;
  at: string;
  ok: boolean;
  /** the agent's answer (a preview, as content is) and its performative; null when the delivery failed */
  reply: Content | null;
  replyPerformative: Performative | null;
  /** why the delivery failed (an error code); null when it was answered */
  error: string | null;
}

export const PREVIEW_CHARS = 1024;

/** Small contents as they are; large ones as text cut to PREVIEW_CHARS with an ellipsis. */
export function preview(content: Content): Content {
  if (typeof content === 'string') return content.length > PREVIEW_CHARS ? `${content.slice(0, PREVIEW_CHARS)}…` : content;
  if (typeof content !== 'object' || content === null) return content;
  const text = JSON.stringify(content);
  return text.length > PREVIEW_CHARS ? `${text.slice(0, PREVIEW_CHARS)}…` : content;
}

export interface Conversation {
  id: string;
  /**
   * Few per conversation, and up to 100,000 conversations live: an exact-size array (see join) holds
   * them in a fraction of a Set's memory, and a search of a few names is as fast.
   */
  participants: readonly string[];
  messageCount: number;
  createdAt: number;
  lastActivity: number;
  history: MessageSummary[];
  ended: { reason: 'timeout' | 'evicted'; at: number } | null;
}

export interface ConversationView {
  id: string;
  participants: string[];
  messageCount: number;
  createdAt: string;
  lastActivity: string;
  active: boolean;
  endedReason: string | null;
  history: MessageSummary[];
}

export interface ConversationOptions {
  /** how long a conversation may be idle before it ends; a function is read at each use (the deployed caxton.toml may change it) */
  idleMs?: number | (() => number);
  historyLimit?: number;
  recentLimit?: number;
  maxConversations?: number;
  now?: () => number;
  onStart?: (c: Conversation) => void;
  /** a conversation idle past the time-out */
  onEnd?: (c: Conversation) => void;
  /** active conversations dropped past maxConversations, once per batch of them (they get no onEnd) */
  onEvict?: (dropped: readonly Conversation[]) => void;
}

/**
 * Participant lists are shared: conversations mostly hold the same few (['client', 'echo']), and with
 * up to 100,000 live, a list of their own each was arrays to allocate, keep and promote per
 * conversation. A shared list and a name lead to the same next list (a trie from NO_PARTICIPANTS),
 * up to MAX_SHARED lists; past that, a new list is a conversation's own. Lists are frozen.
 */
const NO_PARTICIPANTS: readonly string[] = Object.freeze([]);
/** the history of a conversation without messages, shared and frozen: record() replaces it, never adds to it */
const NO_HISTORY = Object.freeze([]) as unknown as MessageSummary[];
/** every shared list, with the shared lists one more name leads to */
const NEXT = new Map<readonly string[], Map<string, readonly string[]>>([[NO_PARTICIPANTS, new Map()]]);
const MAX_SHARED = 10_000;

function withParticipant(list: readonly string[], participant: string): readonly string[] {
  const after = NEXT.get(list);
  const found = after?.get(participant);
  if (found) return found;
  const next = Object.freeze([...list, participant]);
  if (after && NEXT.size < MAX_SHARED) {
    after.set(participant, next);
    NEXT.set(next, new Map());
  }
  return next;
}

/**
 * A conversation names at most this many participants: each join copies and searches the list, and
 * a client adding names without end (64 a request) held the event loop longer with each one.
 */
export const MAX_PARTICIPANTS = 256;

/** a conversation idle this long ends (reason timeout); `[routing] conversation_idle_ms` sets another */
export const DEFAULT_IDLE_MS = 30 * 60_000;

/** Adds a participant once; past MAX_PARTICIPANTS the list stays as it is. */
export function join(c: Conversation, participant: string): void {
  if (c.participants.length < MAX_PARTICIPANTS && !c.participants.includes(participant)) c.participants = withParticipant(c.participants, participant);
}

export class Conversations {
  /** in order of last activity (touch re-inserts), so the least recently active is the first entry */
  private readonly map = new Map<string, Conversation>();
  private lastTouched: string | null = null;
  private readonly recentRing: Array<MessageSummary | undefined>;
  private recentNext = 0;
  private readonly idle: () => number;
  private readonly historyLimit: number;
  readonly maxConversations: number;
  private readonly now: () => number;

  constructor(private readonly opts: ConversationOptions = {}) {
    const idle = opts.idleMs ?? DEFAULT_IDLE_MS;
    this.idle = typeof idle === 'number' ? () => idle : idle;
    this.historyLimit = opts.historyLimit ?? 50;
    this.maxConversations = opts.maxConversations ?? 100_000;
    this.recentRing = new Array(opts.recentLimit ?? 1000);
    this.now = opts.now ?? Date.now;
  }

  get idleMs(): number {
    return this.idle();
  }

  /** The conversation, created (or restarted after it ended) on first use. */
  touch(id: string, participant: string): Conversation {
    const now = this.now();
    let c = this.map.get(id);
    if (c && !c.ended && now - c.lastActivity > this.idleMs) this.timeOut(c);
    if (!c || c.ended) {
      if (!c && this.map.size >= this.maxConversations) this.evictOldest();
      // an ended one is re-inserted: it becomes the most recently active
      if (c) this.map.delete(id);
      c = { id, participants: NO_PARTICIPANTS, messageCount: 0, createdAt: now, lastActivity: now, history: NO_HISTORY, ended: null };
      this.map.set(id, c);
      this.opts.onStart?.(c);
    } else if (this.lastTouched !== id) {
      this.map.delete(id);
      this.map.set(id, c);
    }
    this.lastTouched = id;
    join(c, participant);
    c.lastActivity = now;
    return c;
  }

  /** Keeps a bounded preview of the content and the reply: history must not hold megabytes per message. */
  record(full: MessageSummary): void {
    const content = preview(full.content);
    const reply = full.reply === null ? null : preview(full.reply);
    const summary = content === full.content && reply === full.reply ? full : { ...full, content, reply };
    const c = this.map.get(summary.conversationId);
    if (c) {
      c.messageCount++;
      join(c, summary.from);
      if (summary.to !== null) join(c, summary.to);
      // the first message's history is an array of one: most conversations never have a second
      if (c.history.length) c.history.push(summary);
      else c.history = [summary];
      while (c.history.length > this.historyLimit) c.history.shift();
    }
    this.recentRing[this.recentNext] = summary;
    this.recentNext = (this.recentNext + 1) % this.recentRing.length;
  }

  get(id: string): Conversation | undefined {
    const c = this.map.get(id);
    if (c && !c.ended && this.now() - c.lastActivity > this.idleMs) this.timeOut(c);
    return c;
  }

  /** The active conversations, the most recently active first; at most `limit` of them. */
  active(limit = Infinity): Conversation[] {
    this.sweep();
    // the map runs from least to most recently active: walk it once, keep the last `limit`
    const out: Conversation[] = [];
    for (const c of this.map.values()) if (!c.ended) out.push(c);
    return (out.length > limit ? out.slice(out.length - limit) : out).reverse();
  }

  /** Ends every conversation idle for longer than the time-out. */
  sweep(): number {
    const now = this.now();
    let n = 0;
    for (const c of this.map.values()) {
      if (!c.ended && now - c.lastActivity > this.idleMs) {
        this.timeOut(c);
        n++;
      }
    }
    return n;
  }

  /** Ends a conversation idle past the time-out. */
  private timeOut(c: Conversation): void {
    if (c.ended) return;
    c.ended = { reason: 'timeout', at: this.now() };
    this.opts.onEnd?.(c);
    // An ended conversation keeps its summary; its messages stay in the event log
    // (GET /api/v1/events?conversationId=…), not in memory.
    c.history = NO_HISTORY;
  }

  recent(limit = 100): MessageSummary[] {
    const out: MessageSummary[] = [];
    const n = this.recentRing.length;
    for (let k = 1; k <= n && out.length < limit; k++) {
      const s = this.recentRing[(this.recentNext - k + n) % n];
      if (s) out.push(s);
    }
    return out;
  }

  /**
   * Drops the least recently active 1 % (the first entries of the map). In batches, because a walk
   * from the start also steps over the slots of deleted entries until the map compacts: one walk per
   * batch keeps this O(1) amortised, where a scan of every conversation made each new one O(n).
   * The active ones among them are reported together (onEvict), not each as an end: past the cap,
   * in a server of one-shot messages, an event per dropped conversation was a stored row per message.
   */
  private evictOldest(): void {
    let n = Math.max(1, Math.ceil(this.maxConversations / 100));
    const dropped: Conversation[] = [];
    const at = this.now();
    for (const c of this.map.values()) {
      if (n-- <= 0) break;
      if (!c.ended) {
        c.ended = { reason: 'evicted', at };
        dropped.push(c);
      }
      this.map.delete(c.id);
    }
    if (dropped.length) this.opts.onEvict?.(dropped);
  }

  static view(c: Conversation): ConversationView {
    return {
      id: c.id,
      participants: [...c.participants].sort(),
      messageCount: c.messageCount,
      createdAt: new Date(c.createdAt).toISOString(),
      lastActivity: new Date(c.lastActivity).toISOString(),
      active: !c.ended,
      endedReason: c.ended?.reason ?? null,
      history: c.history,
    };
  }
}
