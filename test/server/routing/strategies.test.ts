import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { choose, fnv1a, type ChooseInput } from '../../../server/routing/strategies.js';

const AGENTS = ['alpha', 'beta', 'gamma'];

function input(o: Partial<ChooseInput> = {}): ChooseInput {
  return {
    strategy: 'deterministic',
    candidates: AGENTS,
    conversationId: 'conv-1',
    counter: 0,
    inFlight: () => 0,
    random: () => {
      throw new Error('random was not expected to be called');
    },
    ...o,
  };
}

// ---

const Fnv = suite('fnv1a');

Fnv('matches the published FNV-1a 32-bit vectors', () => {
  assert.is(fnv1a(''), 0x811c9dc5);
  assert.is(fnv1a('a'), 0xe40c292c);
  assert.is(fnv1a('foobar'), 0xbf9cf968);
});

Fnv('is an unsigned 32-bit integer', () => {
  for (const s of ['x', 'conv-1\u0000alpha', 'ünïcode']) {
    const h = fnv1a(s);
    assert.ok(Number.isInteger(h) && h >= 0 && h < 2 ** 32, `${s} → ${h}`);
  }
});

Fnv.run();

// ---

const Choose = suite('choose');

Choose('a single candidate is chosen without consulting the strategy', () => {
  for (const strategy of ['deterministic', 'round-robin', 'least-loaded', 'random'] as const) {
    assert.is(choose(input({ strategy, candidates: ['only'], counter: 7 })), 'only');
  }
});

Choose('deterministic :: the same conversation always gets the same agent', () => {
  const first = choose(input({ conversationId: 'c-42' }));
  for (let i = 0; i < 20; i++) assert.is(choose(input({ conversationId: 'c-42', counter: i })), first);
  assert.is(choose(input({ conversationId: 'c-42', candidates: [...AGENTS].reverse() })), first, 'candidate order does not matter');
});

Choose('deterministic :: conversations spread across the agents', () => {
  const counts = new Map<string, number>();
  for (let i = 0; i < 300; i++) {
    const a = choose(input({ conversationId: `conversation-${i}` }));
    counts.set(a, (counts.get(a) ?? 0) + 1);
  }
  assert.equal([...counts.keys()].sort(), AGENTS);
  for (const [a, n] of counts) assert.ok(n >= 60, `${a} got only ${n} of 300`);
});

Choose('deterministic :: removing an agent moves only the conversations it held', () => {
  for (let i = 0; i < 100; i++) {
    const id = `conversation-${i}`;
    const before = choose(input({ conversationId: id }));
    const remaining = AGENTS.filter((a) => a !== 'gamma');
    const after = choose(input({ conversationId: id, candidates: remaining }));
    if (before !== 'gamma') assert.is(after, before, id);
    else assert.ok(remaining.includes(after));
  }
});

Choose('round-robin :: cycles through the candidates by counter', () => {
  const picks = [0, 1, 2, 3, 4, 5, 6].map((counter) => choose(input({ strategy: 'round-robin', counter })));
  assert.equal(picks, ['alpha', 'beta', 'gamma', 'alpha', 'beta', 'gamma', 'alpha']);
});

Choose('least-loaded :: picks the lowest in-flight count', () => {
  const loads: Record<string, number> = { alpha: 4, beta: 1, gamma: 2 };
  assert.is(choose(input({ strategy: 'least-loaded', inFlight: (a) => loads[a]! })), 'beta');
  loads.beta = 9;
  assert.is(choose(input({ strategy: 'least-loaded', inFlight: (a) => loads[a]! })), 'gamma');
});

Choose('least-loaded :: ties go to the first candidate', () => {
  assert.is(choose(input({ strategy: 'least-loaded', inFlight: (a) => (a === 'alpha' ? 3 : 1) })), 'beta');
  assert.is(choose(input({ strategy: 'least-loaded', inFlight: () => 0 })), 'alpha');
});

Choose('random :: uses the injected random', () => {
  const at = (r: number) => choose(input({ strategy: 'random', random: () => r }));
  assert.is(at(0), 'alpha');
  assert.is(at(0.34), 'beta');
  assert.is(at(0.67), 'gamma');
  assert.is(at(0.999999), 'gamma');
});

Choose('random :: calls random once per choice', () => {
  let calls = 0;
  choose(input({ strategy: 'random', random: () => (calls++, 0.5) }));
  assert.is(calls, 1);
});

Choose.run();
