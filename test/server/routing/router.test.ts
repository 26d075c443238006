import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { route, type RouteInput } from '../../../server/routing/router.js';
import { CLOSED, type BreakerState } from '../../../server/routing/breaker.js';
import { capabilityIndex } from '../../../server/deploy/snapshot.js';

/** agent name → capabilities */
const AGENTS: Record<string, string[]> = {
  summarizer: ['summarize'],
  'summarizer-2': ['summarize'],
  translator: ['translate'],
  charts: ['render-chart'],
};

type Overrides = Partial<Omit<RouteInput, 'message' | 'agents'>> & { message?: Partial<RouteInput['message']>; agents?: Record<string, string[]> };

/** A route input over AGENTS (or `agents`): round-robin, closed breakers, no load. */
function input(o: Overrides = {}): RouteInput {
  const { message, agents: defs = AGENTS, ...rest } = o;
  const agents = new Map(Object.entries(defs).map(([name, capabilities]) => [name, { name, spec: { capabilities } }]));
  return {
    capabilities: capabilityIndex(agents.values()),
    breaker: () => CLOSED,
    now: 1_000,
    maxHops: 4,
    defaultStrategy: 'round-robin',
    counter: 0,
    inFlight: () => 0,
    random: () => 0,
    ...rest,
    agents,
    message: { capability: 'summarize', receiver: null, conversationId: 'c1', path: [], hops: 0, strategy: null, ...message },
  };
}

const open = (retryAt: number): BreakerState => ({ state: 'open', openedAt: retryAt - 10_000, retryAt });

// ---

const Route = suite('route');

Route('routes a capability to a capable agent, listing the candidates', () => {
  const d = route(input());
  assert.equal(d, { ok: true, agent: 'summarizer', candidates: ['summarizer', 'summarizer-2'] });
});

Route('routes to a named receiver', () => {
  const d = route(input({ message: { capability: null, receiver: 'translator' } }));
  assert.equal(d, { ok: true, agent: 'translator', candidates: ['translator'] });
});

Route('uses the message strategy over the default', () => {
  const byCounter = route(input({ counter: 1 }));
  assert.is(byCounter.ok && byCounter.agent, 'summarizer-2', 'round-robin by default');
  const least = route(input({ counter: 1, message: { strategy: 'least-loaded' }, inFlight: (a) => (a === 'summarizer' ? 0 : 5) }));
  assert.is(least.ok && least.agent, 'summarizer');
});

Route('fails :: no-capable-agent, with the capabilities that exist and the nearest', () => {
  const d = route(input({ message: { capability: 'sumarize' } }));
  assert.equal(d, {
    ok: false,
    failure: { code: 'no-capable-agent', capability: 'sumarize', capabilities: ['render-chart', 'summarize', 'translate'], nearest: ['summarize'] },
  });
});

Route('fails :: no-capable-agent, nothing near', () => {
  const d = route(input({ message: { capability: 'x' } }));
  assert.ok(!d.ok && d.failure.code === 'no-capable-agent');
  assert.equal(!d.ok && d.failure.code === 'no-capable-agent' && d.failure.nearest, []);
});

Route('fails :: unknown-receiver, with the agents and the nearest name', () => {
  const d = route(input({ message: { capability: null, receiver: 'translater' } }));
  assert.equal(d, {
    ok: false,
    failure: { code: 'unknown-receiver', receiver: 'translater', agents: ['charts', 'summarizer', 'summarizer-2', 'translator'], nearest: ['translator'] },
  });
});

Route('fails :: circuit-open, with the earliest retry time', () => {
  const breakers: Record<string, BreakerState> = { summarizer: open(9_000), 'summarizer-2': open(7_000) };
  const d = route(input({ breaker: (a) => breakers[a] ?? CLOSED }));
  assert.equal(d, { ok: false, failure: { code: 'circuit-open', agents: ['summarizer', 'summarizer-2'], retryAt: 7_000 } });
});

Route('an open breaker past its retry time is a candidate again', () => {
  const d = route(input({ now: 9_000, breaker: (a) => (a === 'summarizer' ? open(9_000) : open(20_000)) }));
  assert.equal(d, { ok: true, agent: 'summarizer', candidates: ['summarizer'] });
});

Route('skips an agent whose breaker is open', () => {
  const d = route(input({ breaker: (a) => (a === 'summarizer' ? open(9_000) : CLOSED) }));
  assert.equal(d, { ok: true, agent: 'summarizer-2', candidates: ['summarizer-2'] });
});

Route('fails :: all-unavailable while every half-open probe runs', () => {
  const d = route(input({ breaker: () => ({ state: 'half-open', probing: true }) }));
  assert.equal(d, { ok: false, failure: { code: 'all-unavailable', agents: ['summarizer', 'summarizer-2'] } });
});

Route('fails :: hop-limit past maxHops', () => {
  assert.ok(route(input({ message: { hops: 4 } })).ok, 'exactly maxHops still routes');
  assert.equal(route(input({ message: { hops: 5 } })), { ok: false, failure: { code: 'hop-limit', hops: 5, maxHops: 4 } });
});

Route('fails :: loop, every capable agent already in the path', () => {
  const path = ['translator', 'summarizer', 'summarizer-2'];
  const d = route(input({ message: { path, hops: 3 } }));
  assert.equal(d, { ok: false, failure: { code: 'loop', agents: ['summarizer', 'summarizer-2'], path } });
});

Route('fails :: loop, a receiver asked inside its own chain', () => {
  const d = route(input({ message: { capability: null, receiver: 'translator', path: ['translator'], hops: 1 } }));
  assert.ok(!d.ok && d.failure.code === 'loop');
});

Route('an agent in the path is skipped for another capable one', () => {
  const d = route(input({ message: { path: ['summarizer'], hops: 1 } }));
  assert.equal(d, { ok: true, agent: 'summarizer-2', candidates: ['summarizer-2'] });
});

Route('exclude :: a retry moves to an untried agent', () => {
  const d = route(input({ exclude: new Set(['summarizer']) }));
  assert.equal(d, { ok: true, agent: 'summarizer-2', candidates: ['summarizer-2'] });
});

Route('exclude :: with every capable agent tried, goes back to them', () => {
  const d = route(input({ exclude: new Set(['summarizer', 'summarizer-2']), counter: 1 }));
  assert.equal(d, { ok: true, agent: 'summarizer-2', candidates: ['summarizer', 'summarizer-2'] });
});

Route('exclude :: the one capable agent is retried', () => {
  const d = route(input({ message: { capability: 'translate' }, exclude: new Set(['translator']) }));
  assert.equal(d, { ok: true, agent: 'translator', candidates: ['translator'] });
});

Route('exclude :: an untried agent with an open breaker is circuit-open, not a retry of the tried one', () => {
  const d = route(input({ exclude: new Set(['summarizer']), breaker: (a) => (a === 'summarizer-2' ? open(8_000) : CLOSED) }));
  assert.equal(d, { ok: false, failure: { code: 'circuit-open', agents: ['summarizer-2'], retryAt: 8_000 } });
});

Route.run();
