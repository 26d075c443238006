// The message path: take a message, route it (pure router) against the snapshot that serves now,
// hand it to the agent's runtime, retry elsewhere with backoff on failure, keep breakers, loads and
// conversations, and log every step as an event (off the hot path, through the batched writer).
import { CaxtonError, toCaxtonError, type ErrorCode } from '../errors.js';
import type { EventSink } from '../events/log.js';
import { MessageEvent } from '../events/types.js';
import type { LiveAgent, Snapshot } from '../deploy/snapshot.js';
import type { AgentFile, RoutingSettings, ToolFile } from '../workspace/schema.js';
import { isAgentRuntime, type AgentAnswer, type AgentRequest, type AgentRuntime, type TokenUsage, type ToolInvoker } from '../agents/runtime.js';
import { breakerAdmit, breakerFailure, breakerRelease, breakerSuccess, breakerView, CLOSED, DEFAULT_BREAKER, type BreakerConfig, type BreakerState } from './breaker.js';
import { route, type RoutingFailure } from './router.js';
import type { Conversations } from './conversations.js';
import { fipaOf, type Content, type Message, type MessageRequest, type Performative, type Reply, type Strategy, type TraceEntry } from './message.js';
import { roundMs } from '../timing.js';
import { uuid } from '../util/uuid.js';

export interface RoutingConfig {
  defaultStrategy: Strategy;
  strategies: Readonly<Record<string, Strategy>>;
  maxHops: number;
  attempts: number;
  backoffMs: number;
  backoffFactor: number;
  breaker: BreakerConfig;
  agentTimeoutMs: number;
}

export const DEFAULT_ROUTING: RoutingConfig = {
  defaultStrategy: 'deterministic',
  strategies: {},
  maxHops: 8,
  attempts: 3,
  backoffMs: 100,
  backoffFactor: 2,
  breaker: DEFAULT_BREAKER,
  agentTimeoutMs: 30_000,
};

/** caxton.toml's [routing] over the defaults. */
export function routingConfig(s: RoutingSettings | undefined, base: RoutingConfig = DEFAULT_ROUTING): RoutingConfig {
  if (!s) return base;
  return {
    defaultStrategy: s.strategy ?? base.defaultStrategy,
    strategies: s.strategies ?? base.strategies,
    maxHops: s.max_hops ?? base.maxHops,
    attempts: s.attempts ?? base.attempts,
    backoffMs: s.backoff_ms ?? base.backoffMs,
    backoffFactor: s.backoff_factor ?? base.backoffFactor,
    breaker: {
      failureThreshold: s.breaker_failures ?? base.breaker.failureThreshold,
      windowMs: s.breaker_window_ms ?? base.breaker.windowMs,
      openMs: s.breaker_open_ms ?? base.breaker.openMs,
    },
    agentTimeoutMs: s.agent_timeout_ms ?? base.agentTimeoutMs,
  };
}

/**
 * Failures that another attempt cannot fix: they propagate at once and, being about the request or
 * the workspace rather than the agent's health, do not trip its breaker (UNWELL excepted).
 */
const FINAL: ReadonlySet<string> = new Set<ErrorCode>([
  'CAX_NO_CAPABLE_AGENT', 'CAX_UNKNOWN_RECEIVER', 'CAX_HOP_LIMIT', 'CAX_ROUTING_LOOP', 'CAX_MESSAGE_EXPIRED', 'CAX_AGENT_TIMEOUT',
  'CAX_TOOL_NOT_PERMITTED', 'CAX_NOTHING_DEPLOYED', 'CAX_CIRCUIT_OPEN', 'CAX_AGENTS_UNAVAILABLE', 'CAX_AGENT_FAILED',
  'CAX_LLM_KEY_MISSING', 'CAX_LLM_TURN_LIMIT', 'CAX_LLM_REPLAY_MISS', 'CAX_LLM_REFUSED', 'CAX_BAD_REQUEST',
  // a tool call the agent makes the same way each time fails the same way each time, and a tool's
  // own error (a plugin that says no to this input, or traps on it) is its answer to this message:
  // counted against the agent, two bad requests opened its breaker for every caller
  'CAX_TOOL_INPUT_INVALID', 'CAX_TOOL_FUNCTION_NOT_FOUND', 'CAX_TOOL_FAILED',
]);
/** Final failures that still count against the agent's breaker: it gave no answer in its time. */
const UNWELL: ReadonlySet<string> = new Set<ErrorCode>(['CAX_AGENT_TIMEOUT']);

export function failureError(f: RoutingFailure, lastFailure?: (agent: string) => string | undefined): CaxtonError {
  switch (f.code) {
    case 'no-capable-agent':
      return new CaxtonError('CAX_NO_CAPABLE_AGENT', f, { details: { capabilities: f.capabilities, nearest: f.nearest } });
    case 'unknown-receiver':
      return new CaxtonError('CAX_UNKNOWN_RECEIVER', f, { details: { agents: f.agents, nearest: f.nearest, ...(f.removedBy ? { removedBy: f.removedBy } : {}) } });
    case 'circuit-open': {
      const retryAt = new Date(f.retryAt).toISOString();
      // what opened them, so the answer says why and not only when
      const last = f.agents.flatMap((a) => {
        const why = lastFailure?.(a);
        return why ? [`${a}: ${why}`] : [];
      });
      return new CaxtonError('CAX_CIRCUIT_OPEN', { agents: f.agents, retryAt, last }, { details: { retryAt, lastFailures: last } });
    }
    case 'all-unavailable':
      return new CaxtonError('CAX_AGENTS_UNAVAILABLE', f);
    case 'hop-limit':
      return new CaxtonError('CAX_HOP_LIMIT', f);
    case 'loop':
      return new CaxtonError('CAX_ROUTING_LOOP', { agents: f.agents, path: [...f.path] });
  }
}

export interface DispatcherDeps {
  snapshot: () => Snapshot | null;
  events: EventSink;
  conversations: Conversations;
  tools: ToolInvoker;
  now?: () => number;
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
  newId?: () => string;
  /** metrics hook, called once per finished client message */
  onMessage?: (outcome: { ok: boolean; routingMs: number; durationMs: number; code?: string }) => void;
  /** overrides caxton.toml's [routing] (tests, benchmarks) */
  config?: Partial<RoutingConfig>;
}

export interface AgentHealth {
  circuit: 'closed' | 'open' | 'half-open';
  /** while open: when it lets a probe through */
  retryAt: string | null;
  /** while closed: failures inside the breaker's window, of failureThreshold */
  recentFailures: number;
  failureThreshold: number;
  /** messages it is handling now */
  inFlight: number;
}

const sleepReal = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class Dispatcher {
  private readonly breakers = new WeakMap<LiveAgent, BreakerState>();
  /** each agent's last failure that counted against its breaker, for a CAX_CIRCUIT_OPEN to name (agents are few) */
  private readonly lastFailures = new Map<string, string>();
  private readonly inFlight = new Map<string, number>();
  private readonly counters = new Map<string, number>();
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly newId: () => string;
  private configFor: { snapshot: Snapshot | null; config: RoutingConfig } = { snapshot: null, config: DEFAULT_ROUTING };
  /** the router's lookups, made once (breakers per snapshot) rather than as closures per message */
  private readonly loadOf = (agent: string): number => this.inFlight.get(agent) ?? 0;
  private breakersFor: { snapshot: Snapshot | null; breaker: (agent: string) => BreakerState } = { snapshot: null, breaker: () => CLOSED };
  /** what a delivery's asks and tool calls run through: one object, where closures per message showed */
  private readonly host: DeliveryHost = {
    ask: (req, capability, content) => this.ask(req, capability, content),
    callTool: (req, tool, fn, input) => this.callTool(req, tool, fn, input),
    toolRejected: (req, name, reason) => this.toolRejected(req, name, reason),
  };

  constructor(private readonly deps: DispatcherDeps) {
    this.now = deps.now ?? Date.now;
    this.random = deps.random ?? Math.random;
    this.sleep = deps.sleep ?? sleepReal;
    this.newId = deps.newId ?? uuid;
  }

  private config(s: Snapshot | null): RoutingConfig {
    if (this.configFor.snapshot !== s) {
      const base = routingConfig(s?.config.routing);
      this.configFor = { snapshot: s, config: { ...base, ...this.deps.config } };
    }
    return this.configFor.config;
  }

  private breakerLookup(s: Snapshot): (agent: string) => BreakerState {
    if (this.breakersFor.snapshot !== s) this.breakersFor = { snapshot: s, breaker: (name) => this.breaker(s.agents.get(name)) };
    return this.breakersFor.breaker;
  }

  /** A live agent version's breaker; a new version starts closed. */
  private breaker(a: LiveAgent | undefined): BreakerState {
    return (a && this.breakers.get(a)) ?? CLOSED;
  }

  /** Breaker state of an agent by name, in the snapshot that serves now. */
  breakerOf(name: string): BreakerState {
    return this.breaker(this.deps.snapshot()?.agents.get(name));
  }

  load(name: string): number {
    return this.inFlight.get(name) ?? 0;
  }

  /** An agent's circuit and load as the registry shows them, in the snapshot that serves now. */
  health(name: string): AgentHealth {
    const snap = this.deps.snapshot();
    const cfg = this.config(snap).breaker;
    const v = breakerView(this.breaker(snap?.agents.get(name)), this.now(), cfg);
    return {
      circuit: v.circuit,
      retryAt: v.retryAt === null ? null : new Date(v.retryAt).toISOString(),
      recentFailures: v.recentFailures,
      failureThreshold: cfg.failureThreshold,
      inFlight: this.load(name),
    };
  }

  /** A client's message: validated request in, reply out (or a CaxtonError). */
  async send(req: MessageRequest): Promise<Reply> {
    const started = this.now();
    const t0 = performance.now();
    const msg: Message = {
      id: this.newId(),
      performative: req.performative,
      sender: req.sender ?? 'client',
      receiver: req.to ?? req.receiver ?? null,
      capability: req.capability ?? null,
      content: req.content,
      conversationId: req.conversationId ?? this.newId(),
      replyWith: req.replyWith ?? null,
      inReplyTo: req.inReplyTo ?? null,
      protocol: req.protocol ?? null,
      ontology: req.ontology ?? null,
      deadline: req.ttl ? started + req.ttl : null,
      strategy: req.strategy ?? null,
      hops: 0,
      path: [],
      createdAt: started,
    };
    this.deps.conversations.touch(msg.conversationId, msg.sender);
    const sent = { messageId: msg.id, performative: msg.performative, sender: msg.sender, capability: msg.capability, receiver: msg.receiver };
    // the FIPA fields a client set, kept with the message (most messages set none)
    const fipa = fipaOf(msg);
    // the times the dispatcher has already read (a clock read costs as much as writing the event)
    this.deps.events.append(MessageEvent.MessageSent, fipa ? { ...sent, ...fipa } : sent, { conversationId: msg.conversationId, at: started });
    try {
      const reply = await this.dispatch(msg, 0);
      reply.durationMs = roundMs(performance.now() - t0);
      this.deps.onMessage?.({ ok: true, routingMs: reply.routingMs, durationMs: reply.durationMs });
      return reply;
    } catch (err) {
      const e = toCaxtonError(err);
      this.deps.onMessage?.({ ok: false, routingMs: 0, durationMs: performance.now() - t0, code: e.code });
      throw e;
    }
  }

  private fail(msg: Message, e: CaxtonError, extra: Record<string, unknown> = {}): CaxtonError {
    this.deps.events.append(MessageEvent.RoutingFailed, {
      messageId: msg.id, code: e.code, reason: e.message, capability: msg.capability, receiver: msg.receiver, hops: msg.hops, ...extra,
    }, { conversationId: msg.conversationId });
    return e;
  }

  /**
   * A message no agent took (nothing deployed, no capable agent, a loop…): its RoutingFailed, and a
   * line in its conversation's history, which would otherwise show the conversation and no message.
   */
  private refuse(msg: Message, e: CaxtonError, extra: Record<string, unknown> = {}): CaxtonError {
    this.record(msg, null, e.code);
    return this.fail(msg, e, extra);
  }

  /** The message's line in its conversation's history: answered by `to`, failed there (`error`), or refused (`to` null). */
  private record(msg: Message, to: string | null, error: string | null, reply: Content | null = null, replyPerformative: Performative | null = null): void {
    this.deps.conversations.record({
      id: msg.id, conversationId: msg.conversationId, from: msg.sender, to, performative: msg.performative,
      content: msg.content, at: isoAt(msg.createdAt), ok: error === null, reply, replyPerformative, error,
    });
  }

  /**
   * Routes one message, with retries that move to another capable agent where there is one.
   * `start`: the snapshot a nested ask begins on (its parent's), so a request stays on one version;
   * `routed`, if given, learns each agent the message goes to (a failed ask's trace names the last).
   */
  private async dispatch(msg: Message, depth: number, start?: Snapshot, routed?: { agent: string | null }): Promise<Reply> {
    // agents already tried for this message: made at the first one, which most messages never have
    let tried: Set<string> | null = null;
    // agents whose endpoint rate limited this message: never sent it again (the router may go back to a tried one)
    let limited: Map<string, CaxtonError> | null = null;
    let routingMs = 0;
    let lastError: CaxtonError | null = null;
    let lastAgent = '';
    let snap = start ?? this.deps.snapshot();
    if (!snap) throw this.refuse(msg, new CaxtonError('CAX_NOTHING_DEPLOYED'));
    const cfg = this.config(snap);
    // The message's own strategy, then its capability's, then the default: the router and the event agree.
    const strategy = msg.strategy || (msg.capability && cfg.strategies[msg.capability]) || cfg.defaultStrategy;
    for (let attempt = 1; attempt <= cfg.attempts; attempt++) {
      if (attempt > 1) {
        const wait = cfg.backoffMs * cfg.backoffFactor ** (attempt - 2);
        const w0 = performance.now();
        await this.sleep(wait);
        routingMs += performance.now() - w0;
        // A retry routes against whatever serves now: a removed agent is not tried again.
        snap = this.deps.snapshot() ?? snap;
      }
      if (msg.deadline !== null && this.now() > msg.deadline) {
        // (with an attempt behind it, its delivery is in the history already)
        const expired = new CaxtonError('CAX_MESSAGE_EXPIRED', { ttl: msg.deadline - msg.createdAt });
        throw lastError ? this.fail(msg, expired) : this.refuse(msg, expired);
      }
      const r0 = performance.now();
      const key = msg.capability ?? msg.receiver ?? '';
      const counter = this.counters.get(key) ?? 0;
      const current = snap;
      const now = this.now();
      const decision = route({
        message: msg,
        capabilities: current.capabilities,
        agents: current.agents,
        removed: current.removedAgents,
        exclude: tried ?? undefined,
        breaker: this.breakerLookup(current),
        now,
        maxHops: cfg.maxHops,
        defaultStrategy: strategy,
        counter,
        inFlight: this.loadOf,
        random: this.random,
      });
      if (!decision.ok) {
        const f = decision.failure;
        if (lastError) {
          // Agents that failed may be unavailable for now: wait out the backoff, then report the failure.
          if ((f.code === 'all-unavailable' || f.code === 'circuit-open') && attempt < cfg.attempts) continue;
          // The agent's failure is the answer, not what a retry found after it: a deployment that
          // removed the agent meanwhile made the retry a 404 for a capability that was there.
          const gone = f.code === 'no-capable-agent' || f.code === 'unknown-receiver' ? failureError(f).message : null;
          throw this.fail(msg, agentFailed(lastAgent, attempt - 1, lastError, gone), { attempt, after: lastError.code, retry: f.code });
        }
        // no delivery failed before (a failed one would have thrown or left lastError): no agent took it
        throw this.refuse(msg, failureError(f, (a) => this.lastFailures.get(a)), { attempt });
      }
      // once a message: a retry moving on from a failed agent does not move the next message's turn
      if (attempt === 1) this.counters.set(key, counter + 1);
      // every other agent tried: the rate limit is the answer (its message says how long to wait)
      const limit = limited?.get(decision.agent);
      if (limit) throw this.fail(msg, markNested(limit), { attempt, agent: decision.agent });
      const live = current.agents.get(decision.agent)!;
      const admitted = breakerAdmit(this.breaker(live), now);
      if (!admitted.allowed) {
        (tried ??= new Set()).add(live.name);
        continue;
      }
      this.breakers.set(live, admitted.next);
      if (routed) routed.agent = live.name;
      routingMs = roundMs(routingMs + performance.now() - r0);
      this.deps.events.append(MessageEvent.MessageRouted, {
        messageId: msg.id, agent: live.name, strategy, routingMs, attempt, hops: msg.hops, candidates: decision.candidates.length,
      }, { conversationId: msg.conversationId, at: now });
      try {
        const reply = await this.deliver(msg, live, current, depth, attempt, routingMs);
        this.breakers.set(live, breakerSuccess(this.breaker(live)));
        return reply;
      } catch (err) {
        const e = toCaxtonError(err);
        const nested = (err as { nested?: boolean }).nested === true;
        const final = FINAL.has(e.code);
        const rateLimited = e.code === 'CAX_LLM_RATE_LIMITED';
        // a failure nested deeper, one about the request (a replay miss, a missing key) or a rate
        // limit (its endpoint is busy, not broken): not its fault, keep its record
        if (nested || rateLimited || (final && !UNWELL.has(e.code))) this.breakers.set(live, breakerRelease(this.breaker(live)));
        else {
          this.breakers.set(live, breakerFailure(this.breaker(live), this.now(), cfg.breaker));
          this.lastFailures.set(live.name, `${e.code}: ${e.message.slice(0, 300)}`);
        }
        this.deps.events.append(MessageEvent.MessageFailed, { messageId: msg.id, agent: live.name, attempt, code: e.code, error: e.message }, { conversationId: msg.conversationId });
        // the message ends here: its RoutingFailed, as every message that fails has one
        if (final || nested) throw this.fail(msg, markNested(e), { attempt, agent: live.name });
        (tried ??= new Set()).add(live.name);
        if (rateLimited) (limited ??= new Map()).set(live.name, e);
        lastError = e;
        lastAgent = live.name;
      }
    }
    throw this.fail(msg, agentFailed(lastAgent, cfg.attempts, lastError!));
  }

  /** An agent's ask while it handles `req`: a request to a capability, one hop deeper on the same snapshot. */
  private async ask(req: DeliveryRequest, capability: string, content: Content): Promise<Reply> {
    const { message: msg, live } = req;
    const child: Message = {
      ...msg,
      id: this.newId(),
      performative: 'request',
      sender: live.name,
      receiver: null,
      capability,
      content,
      inReplyTo: msg.id,
      replyWith: null,
      hops: msg.hops + 1,
      path: [...msg.path, live.name],
      createdAt: this.now(),
      strategy: null,
    };
    this.deps.events.append(MessageEvent.MessageSent, {
      messageId: child.id, performative: child.performative, sender: child.sender, capability, receiver: null, inReplyTo: msg.id, hops: child.hops,
    }, { conversationId: msg.conversationId });
    // Whatever fails below (a routing failure there, or its agents after their retries) is
    // not this agent's fault: marked nested, it neither trips this agent's breaker nor retries it.
    const a0 = performance.now();
    const routed = { agent: null as string | null };
    (req.waitingOn ??= []).push(capability);
    try {
      const reply = await this.dispatch(child, req.depth + 1, req.snapshot, routed);
      req.trace.push(...reply.trace);
      return reply;
    } catch (err) {
      // the path shows the ask that failed too (an optional step's, say, inside an answer): the agent
      // it last went to, or the capability where none was found
      req.trace.push({ kind: 'agent', name: routed.agent ?? capability, depth: req.depth + 1, ms: roundMs(performance.now() - a0), ok: false });
      throw markNested(toCaxtonError(err));
    } finally {
      req.waitingOn!.splice(req.waitingOn!.indexOf(capability), 1);
    }
  }

  /** A tool call of the agent handling `req`, traced and logged. */
  private async callTool(req: DeliveryRequest, tool: string, fn: string, input: unknown): Promise<unknown> {
    const { message: msg, live } = req;
    const c0 = performance.now();
    const entry: TraceEntry = { kind: 'tool', name: tool, fn, depth: req.depth, ms: 0, ok: false };
    req.trace.push(entry);
    try {
      const r = await this.deps.tools.call({ tool, fn, input, agent: live.name, signal: req.signal, snapshot: req.snapshot });
      entry.ok = true;
      return r.output;
    } finally {
      entry.ms = roundMs(performance.now() - c0);
      this.deps.events.append(MessageEvent.ToolCalled, { messageId: msg.id, agent: live.name, tool, fn, ok: entry.ok, ms: entry.ms }, { conversationId: msg.conversationId });
    }
  }

  /** A tool call the runtime refused before it ran (LLM: a tool not offered, arguments that do not fit), traced and logged. */
  private toolRejected(req: DeliveryRequest, name: string, reason: string): void {
    const { message: msg, live } = req;
    req.trace.push({ kind: 'tool', name, depth: req.depth, ms: 0, ok: false });
    this.deps.events.append(MessageEvent.ToolCallRejected, { messageId: msg.id, agent: live.name, name, reason: reason.slice(0, 500) }, { conversationId: msg.conversationId });
  }

  /** The tokens an attempt that failed had spent (e.g. before the turn limit): they still cost, so they are logged. */
  private failedUsage(msg: Message, agent: string, spent: TokenUsage | undefined): void {
    if (spent && typeof spent.promptTokens === 'number') {
      this.deps.events.append(MessageEvent.LlmUsage, { messageId: msg.id, agent, ...spent, failed: true }, { conversationId: msg.conversationId });
    }
  }

  /** Logs the tokens a runtime that was cut short by a time-out reports once it settles. */
  private lateUsage(pending: Promise<AgentAnswer>, msg: Message, agent: string): void {
    pending.then((a) => a.usage, usageOf).then((spent) => this.failedUsage(msg, agent, spent), () => undefined);
  }

  /** Runs the agent on the message; its asks and tool calls go through here too. */
  private async deliver(msg: Message, live: LiveAgent, snap: Snapshot, depth: number, attempt: number, routingMs: number): Promise<Reply> {
    const runtime = live.instance;
    if (!isAgentRuntime(runtime)) throw new CaxtonError('CAX_INTERNAL', { detail: `agent ${live.name} has no runtime` });
    const cfg = this.config(snap);
    const t0 = performance.now();
    const trace: TraceEntry[] = [{ kind: 'agent', name: live.name, depth, ms: 0, ok: true }];
    // the agent's own limit, or what is left of the message's ttl, whichever ends first
    const left = msg.deadline !== null ? msg.deadline - this.now() : Infinity;
    const timeoutMs = Math.max(1, Math.min(cfg.agentTimeoutMs, left));
    this.inFlight.set(live.name, (this.inFlight.get(live.name) ?? 0) + 1);
    this.deps.conversations.touch(msg.conversationId, live.name);
    try {
      // One cleared timer per delivery, and an AbortController only for runtimes that read the
      // signal: AbortSignal.timeout() left a pending timer and a weakly held signal behind every
      // message for the whole time-out (30 s), and creating signals dominated the hot path.
      const req = new DeliveryRequest(msg, live, snap, depth, trace, this.now, timeoutMs, this.host);
      const pending = (runtime as AgentRuntime).handle(req);
      // an answer given at once had nothing to time out
      // which limit ended it decides the error: the agent's own, or the message's ttl
      const answer = isPromise(pending)
        ? await withTimeout(pending, timeoutMs, req, () => {
          // The model calls made before the time-out still cost: once the aborted runtime stops, log
          // the tokens it reports (as a failure does), though the message has been answered already.
          this.lateUsage(pending, msg, live.name);
          const waitingOn = req.waitingOn?.length ? req.waitingOn.map((c) => `"${c}"`).join(', ') : undefined;
          const e = cfg.agentTimeoutMs <= left
            ? new CaxtonError('CAX_AGENT_TIMEOUT', { agent: live.name, ms: cfg.agentTimeoutMs, waitingOn })
            : new CaxtonError('CAX_MESSAGE_EXPIRED', { ttl: msg.deadline! - msg.createdAt });
          // Out of time while another agent had its ask: the time went there, so this agent's breaker
          // does not count it (the asked agent's own time-out counts against it).
          return waitingOn ? markNested(e) : e;
        })
        : pending;
      const ms = roundMs(performance.now() - t0);
      trace[0]!.ms = ms;
      // An answer after the ttl ran out is not one: one given at once, or before the timer's turn came,
      // would otherwise be taken late (its tokens are logged with the failure)
      if (msg.deadline !== null && this.now() > msg.deadline) {
        throw new CaxtonError('CAX_MESSAGE_EXPIRED', { ttl: msg.deadline - msg.createdAt }, answer.usage ? { details: { usage: answer.usage } } : undefined);
      }
      if (answer.usage) {
        this.deps.events.append(MessageEvent.LlmUsage, { messageId: msg.id, agent: live.name, ...answer.usage }, { conversationId: msg.conversationId });
      }
      this.deps.events.append(MessageEvent.MessageDelivered, { messageId: msg.id, agent: live.name, ms, attempt, hops: msg.hops }, { conversationId: msg.conversationId });
      const performative = answer.performative ?? 'inform';
      this.record(msg, live.name, null, answer.content, performative);
      return {
        messageId: msg.id,
        conversationId: msg.conversationId,
        handledBy: live.name,
        performative,
        reply: answer.content,
        // FIPA: a reply names the message it answers by the reply-with the sender gave
        inReplyTo: msg.replyWith ?? undefined,
        routingMs,
        durationMs: 0,
        attempts: attempt,
        trace,
      };
    } catch (err) {
      trace[0]!.ok = false;
      this.failedUsage(msg, live.name, usageOf(err));
      this.record(msg, live.name, toCaxtonError(err).code);
      throw err;
    } finally {
      // kept at zero rather than deleted: an entry removed and added again with every message made the
      // map shrink and grow its table each time (agents' names are few)
      this.inFlight.set(live.name, (this.inFlight.get(live.name) ?? 1) - 1);
    }
  }
}

/** The token usage a runtime's failure carries (CaxtonError details), if any. */
const usageOf = (err: unknown): TokenUsage | undefined => (err as { details?: { usage?: TokenUsage } } | null)?.details?.usage;

/** `gone`: why a retry found no agent (a deployment removed it meanwhile), told after the cause's advice */
function agentFailed(agent: string, attempts: number, cause: CaxtonError, gone: string | null = null): CaxtonError {
  // an internal fault's advice ("a bug in Caxton") is not passed on as the agent's
  const advice = [...(cause.code === 'CAX_INTERNAL' ? [] : cause.suggestions), ...(gone ? [`It was not retried: a deployment since removed it (${gone}).`] : [])];
  return new CaxtonError('CAX_AGENT_FAILED', { agent, attempts, detail: cause.message, advice }, { cause, details: { agent, attempts, cause: cause.code } });
}

/** Marks an error as coming from a nested ask, so outer levels neither retry nor blame their agent. */
function markNested(e: CaxtonError): CaxtonError {
  (e as unknown as { nested: boolean }).nested = true;
  return e;
}

/** What a delivery's asks and tool calls run through (the dispatcher's). */
interface DeliveryHost {
  ask(req: DeliveryRequest, capability: string, content: Content): Promise<Reply>;
  callTool(req: DeliveryRequest, tool: string, fn: string, input: unknown): Promise<unknown>;
  toolRejected(req: DeliveryRequest, name: string, reason: string): void;
}

/**
 * What a runtime gets for one delivery. A class, so `signal`, `ask` and the rest are on the prototype
 * (a getter or closures in an object literal cost a new hidden class or allocations per message), and
 * the AbortController behind `signal` is made only when a runtime reads it: most offline deliveries
 * never do.
 */
class DeliveryRequest implements AgentRequest {
  private ctrl: AbortController | null = null;
  private reason: Error | null = null;
  private due = 0;
  /** the capabilities its asks in flight went to: a time-out meanwhile is theirs (made at the first ask) */
  waitingOn: string[] | null = null;

  constructor(
    readonly message: Message,
    readonly live: LiveAgent,
    readonly snapshot: Snapshot,
    readonly depth: number,
    /** the reply's trace: this agent's entry first, then its tool calls and its asks' entries */
    readonly trace: TraceEntry[],
    private readonly clock: () => number,
    private readonly timeoutMs: number,
    private readonly host: DeliveryHost,
  ) {}

  get spec(): AgentFile {
    return this.live.spec;
  }

  ask(capability: string, content: Content): Promise<Reply> {
    return this.host.ask(this, capability, content);
  }

  callTool(tool: string, fn: string, input: unknown): Promise<unknown> {
    return this.host.callTool(this, tool, fn, input);
  }

  toolSpec(tool: string): ToolFile | undefined {
    return this.snapshot.tools.get(tool)?.spec;
  }

  toolRejected(name: string, reason: string): void {
    this.host.toolRejected(this, name, reason);
  }

  /** when the answer is due (epoch ms), read on first use: most runtimes never ask, and a clock read per message shows */
  get deadline(): number {
    if (!this.due) this.due = this.clock() + this.timeoutMs;
    return this.due;
  }

  /** aborted with the time-out's error, at once if the time-out came first */
  get signal(): AbortSignal {
    if (!this.ctrl) {
      this.ctrl = new AbortController();
      if (this.reason) this.ctrl.abort(this.reason);
    }
    return this.ctrl.signal;
  }

  abort(reason: Error): void {
    this.reason ??= reason;
    this.ctrl?.abort(reason);
  }
}

let lastIsoMs = NaN;
let lastIso = '';
/** `new Date(ms).toISOString()`, remembered for the last millisecond: many messages share one. */
function isoAt(ms: number): string {
  if (ms !== lastIsoMs) {
    lastIso = new Date(ms).toISOString();
    lastIsoMs = ms;
  }
  return lastIso;
}

const isPromise = <T>(v: T | Promise<T>): v is Promise<T> => typeof (v as { then?: unknown } | null)?.then === 'function';

/** `p`, or `onTimeout()` after `ms` (aborting `ctrl` with it, so the agent's work can stop). */
function withTimeout<T>(p: Promise<T>, ms: number, ctrl: { abort(reason: Error): void }, onTimeout: () => Error): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      const e = onTimeout();
      ctrl.abort(e);
      reject(e);
    }, ms);
    // like AbortSignal.timeout(): a pending delivery alone does not keep the process alive
    timer.unref();
    p.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}
