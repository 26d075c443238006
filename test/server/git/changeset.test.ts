import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { computeChangeset, type Changeset, type EntityOids } from '../../../server/git/changeset.js';

const oids = (o: { config?: string | null; agents?: Record<string, string>; tools?: Record<string, string> } = {}): EntityOids => ({
  config: o.config ?? null,
  agents: new Map(Object.entries(o.agents ?? {})),
  tools: new Map(Object.entries(o.tools ?? {})),
});

/** kind:name of each change in a list. */
const names = (list: Changeset['added']) => list.map((c) => `${c.kind}:${c.name}`);

// ---

const compute = suite('computeChangeset');

compute('reports nothing between equal states', () => {
  const s = oids({ config: 'c1', agents: { a: '1', b: '2' }, tools: { t: '3' } });
  const cs = computeChangeset({ from: s, to: oids({ config: 'c1', agents: { a: '1', b: '2' }, tools: { t: '3' } }) });
  assert.equal(cs, { added: [], modified: [], removed: [], config: false, unchanged: 3 });
});

compute('tells added, modified and removed apart by oid', () => {
  const cs = computeChangeset({
    from: oids({ agents: { kept: 'k', edited: 'e1', gone: 'g' }, tools: { t: 't1' } }),
    to: oids({ agents: { kept: 'k', edited: 'e2', fresh: 'f' }, tools: { t: 't2' } }),
  });
  assert.equal(cs.added, [{ kind: 'agent', name: 'fresh', toOid: 'f' }]);
  assert.equal(cs.modified, [
    { kind: 'agent', name: 'edited', fromOid: 'e1', toOid: 'e2' },
    { kind: 'tool', name: 't', fromOid: 't1', toOid: 't2' },
  ]);
  assert.equal(cs.removed, [{ kind: 'agent', name: 'gone', fromOid: 'g' }]);
  assert.is(cs.unchanged, 1);
});

compute('treats an agent and a tool of the same name as different entities', () => {
  const cs = computeChangeset({ from: oids({ agents: { x: '1' } }), to: oids({ tools: { x: '1' } }) });
  assert.equal(names(cs.added), ['tool:x']);
  assert.equal(names(cs.removed), ['agent:x']);
});

compute('sorts each list by kind, then name', () => {
  const cs = computeChangeset({
    from: null,
    to: oids({ agents: { zeta: '1', alpha: '2' }, tools: { mid: '3', beta: '4' } }),
  });
  assert.equal(names(cs.added), ['agent:alpha', 'agent:zeta', 'tool:beta', 'tool:mid']);
});

compute('sorts modified and removed too', () => {
  const from = oids({ agents: { b: '1', a: '2', d: '5', c: '6' }, tools: { z: '3', y: '4' } });
  const to = oids({ agents: { b: 'x', a: 'y' }, tools: { z: 'z', y: 'w' } });
  const cs = computeChangeset({ from, to });
  assert.equal(names(cs.modified), ['agent:a', 'agent:b', 'tool:y', 'tool:z']);
  assert.equal(names(cs.removed), ['agent:c', 'agent:d']);
});

compute('adds everything when nothing is deployed (from = null)', () => {
  const cs = computeChangeset({ from: null, to: oids({ config: 'c', agents: { a: '1' }, tools: { t: '2' } }) });
  assert.equal(names(cs.added), ['agent:a', 'tool:t']);
  assert.equal(cs.modified, []);
  assert.equal(cs.removed, []);
  assert.ok(cs.config, 'a first caxton.toml is a config change');
  assert.is(cs.unchanged, 0);
});

compute('reports no config change from nothing to a workspace without caxton.toml', () => {
  assert.not.ok(computeChangeset({ from: null, to: oids({ agents: { a: '1' } }) }).config);
});

compute('flags a config change :: added, edited, removed', () => {
  assert.ok(computeChangeset({ from: oids(), to: oids({ config: 'c' }) }).config, 'added');
  assert.ok(computeChangeset({ from: oids({ config: 'c1' }), to: oids({ config: 'c2' }) }).config, 'edited');
  assert.ok(computeChangeset({ from: oids({ config: 'c' }), to: oids() }).config, 'removed');
  assert.not.ok(computeChangeset({ from: oids({ config: 'c' }), to: oids({ config: 'c' }) }).config, 'same blob');
});

compute('leaves a config change out of the entity lists', () => {
  const cs = computeChangeset({ from: oids({ config: 'c1', agents: { a: '1' } }), to: oids({ config: 'c2', agents: { a: '1' } }) });
  assert.equal([cs.added, cs.modified, cs.removed], [[], [], []]);
  assert.is(cs.unchanged, 1);
});

compute.run();

