// The template tools built from tools-src/, each under its own manifest (tools-src/<name>/tool.toml)
// in the sandbox, as a workspace deploys them.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { createSandbox, type SandboxedTool } from '../../server/tools/sandbox.js';
import { ToolFile } from '../../server/workspace/schema.js';
import { pluginWasm, ROOT } from '../util/plugins.js';
import { rejection } from '../util/promises.js';

const sandbox = createSandbox({ pool: { min: 1, max: 1 } });
const live: SandboxedTool[] = [];

async function tool(name: string): Promise<SandboxedTool> {
  const spec = ToolFile.parse(parseToml(fs.readFileSync(path.join(ROOT, 'tools-src', name, 'tool.toml'), 'utf8')));
  const t = (await sandbox.createTool({ name, spec, wasm: pluginWasm(name), sha: 'test' })) as SandboxedTool;
  live.push(t);
  return t;
}
const run = async (t: SandboxedTool, fn: string, input: unknown): Promise<any> => (await t.invoke(fn, input, { agent: null })).output;
const closeAll = async () => {
  await Promise.all(live.splice(0).map((t) => t.dispose()));
};

// ---

const Fetch = suite('tools-src/fetch-data');
Fetch.after(closeAll);

Fetch('reads the dataset shipped in its manifest, numbers as numbers', async () => {
  const t = await tool('fetch-data');
  const r = await run(t, 'fetch', { dataset: 'sales' });
  assert.is(r.dataset, 'sales');
  assert.is(r.source, 'config');
  assert.equal(r.columns, ['month', 'region', 'revenue', 'orders']);
  assert.is(r.count, 6);
  assert.equal(r.rows[0], { month: '2024-01', region: 'north', revenue: 12400, orders: 310 });
  assert.is((await run(t, 'fetch', {})).count, 6, 'default_dataset');
  assert.is((await run(t, 'fetch', { limit: 2 })).rows.length, 2);
  const e = await rejection(run(t, 'fetch', { dataset: 'nope' }));
  assert.is(e.code, 'CAX_TOOL_FAILED');
  assert.match(e.message, /no dataset "nope" \(datasets: sales\)/);
});

Fetch('an HTTP source is denied unless the manifest allows the host', async () => {
  const t = await tool('fetch-data');
  const e = await rejection(run(t, 'fetch', { url: 'http://127.0.0.1:9/data.csv' }));
  assert.is(e.code, 'CAX_TOOL_ACCESS_DENIED');
});

Fetch.run();

// ---

const Analyze = suite('tools-src/analyze');
Analyze.after(closeAll);

Analyze('count, sum, mean, min, max, stddev and percentiles per numeric column; top values per text column', async () => {
  const t = await tool('analyze');
  const rows = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((n) => ({ n, k: n % 2 ? 'odd' : 'even', maybe: n > 8 ? null : n }));
  const r = await run(t, 'analyze', { rows, percentiles: [50, 90, 95] });
  assert.is(r.count, 10);
  assert.equal(r.columns.n, { type: 'number', count: 10, sum: 55, mean: 5.5, min: 1, max: 10, stddev: 2.872281, p50: 5.5, p90: 9.1, p95: 9.55 });
  assert.equal(r.columns.k, { type: 'text', count: 10, distinct: 2, top: [{ value: 'even', count: 5 }, { value: 'odd', count: 5 }] });
  assert.is(r.columns.maybe.count, 8, 'nulls are not counted');
  assert.is(r.text, ['n: mean 5.5, min 1, max 10, p95 9.55', 'k: 2 distinct (even ×5, odd ×5)', 'maybe: mean 4.5, min 1, max 8, p95 7.65'].join('\n'));
});

Analyze('takes fetch-data’s output, or a bare list of numbers', async () => {
  const t = await tool('analyze');
  const fetched = await run(await tool('fetch-data'), 'fetch', { dataset: 'sales' });
  const r = await run(t, 'analyze', fetched);
  assert.is(r.columns.revenue.sum, 75150);
  assert.is(r.columns.revenue.max, 15100);
  assert.equal((await run(t, 'analyze', [3, 1, 2])).columns.value.p50, 2);
  assert.is((await rejection(run(t, 'analyze', { nothing: true }))).code, 'CAX_TOOL_FAILED');
});

Analyze.run();

// ---

const Chart = suite('tools-src/chart');
Chart.after(closeAll);

Chart('rows → an SVG document and a terminal bar chart', async () => {
  const t = await tool('chart');
  const r = await run(t, 'render', { rows: [{ m: 'jan', v: 10 }, { m: 'feb', v: 20 }, { m: 'mar & apr', v: 5 }], title: 'Sales' });
  assert.is(r.title, 'Sales');
  assert.is(r.points, 3);
  assert.match(r.svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  assert.match(r.svg, /<\/svg>$/);
  assert.match(r.svg, /mar &amp; apr/);
  assert.is((r.svg.match(/<rect /g) ?? []).length, 4, 'a background and three bars');
  const lines = r.text.split('\n');
  assert.is(lines[0], 'Sales');
  assert.is(lines[2], `feb       │${'█'.repeat(40)} 20`);
  assert.is(lines[1], `jan       │${'█'.repeat(20)} 10`);
});

Chart('picks the label and value columns itself; takes {data} and analyze’s output', async () => {
  const t = await tool('chart');
  const fetched = await run(await tool('fetch-data'), 'fetch', { dataset: 'sales' });
  const r = await run(t, 'render', fetched);
  assert.is(r.title, 'revenue by month');
  assert.is(r.points, 6);
  assert.match(r.text, /^2024-03 │█{40} 15100$/m);
  assert.is((await run(t, 'render', { data: { a: 1, b: 2 } })).points, 2);
  const stats = await run(await tool('analyze'), 'analyze', fetched);
  const byColumn = await run(t, 'render', stats);
  assert.is(byColumn.points, 2, 'revenue and orders');
  assert.is((await rejection(run(t, 'render', { rows: [{ a: 'x' }] }))).code, 'CAX_TOOL_FAILED');
});

Chart.run();

// ---

const Text = suite('tools-src/text-stats');
Text.after(closeAll);

Text('counts words, lines, sentences and paragraphs; top words case-insensitive', async () => {
  const t = await tool('text-stats');
  const text = 'The cat sat. The cat ran!\nDid it?\n\nNaïve café, the end';
  const r = await run(t, 'stats', { text, top: 2 });
  assert.is(r.words, 12);
  assert.is(r.lines, 4);
  assert.is(r.sentences, 4);
  assert.is(r.paragraphs, 2);
  assert.is(r.uniqueWords, 9);
  assert.equal(r.topWords, [{ word: 'the', count: 3 }, { word: 'cat', count: 2 }]);
  assert.is(r.characters, [...text].length);
  assert.is(r.averageWordLength, 3.17);
  assert.is((await run(t, 'stats', 'one two')).words, 2, 'a bare string');
  assert.is((await rejection(t.invoke('stats', 42, { agent: null }))).code, 'CAX_TOOL_INPUT_INVALID');
});

Text.run();

// ---

const Transform = suite('tools-src/json-transform');
Transform.after(closeAll);

const DATA = [
  { name: 'ada', team: 'core', score: 92, tags: ['x'] },
  { name: 'bob', team: 'web', score: 71, tags: [] },
  { name: 'cy', team: 'core', score: 85, tags: ['x', 'y'] },
  { name: 'dee', team: 'web', score: null, tags: ['y'] },
];

Transform('filter, sort, limit, pick and rename, in order', async () => {
  const t = await tool('json-transform');
  const r = await run(t, 'transform', {
    data: DATA,
    ops: [{ filter: { field: 'score', op: 'gte', value: 80 } }, { sort: { field: 'score', order: 'desc' } }, { limit: 5 }, { pick: ['name', 'score'] }, { rename: { score: 'points' } }],
  });
  assert.equal(r, [{ name: 'ada', points: 92 }, { name: 'cy', points: 85 }]);
});

Transform('get, map, group, unique, count and the sums', async () => {
  const t = await tool('json-transform');
  const one = async (op: unknown, data: unknown = DATA) => run(t, 'transform', { data, ops: [op] });
  assert.is(await one({ get: '2.tags.1' }), 'y');
  assert.equal(await one({ map: 'name' }), ['ada', 'bob', 'cy', 'dee']);
  assert.equal(await one({ group: 'team' }), { core: 2, web: 2 });
  assert.equal(await one({ unique: 'team' }), ['core', 'web']);
  assert.is(await one({ count: true }), 4);
  assert.is(await one({ sum: 'score' }), 248);
  assert.is(await one({ max: 'score' }), 92);
  assert.equal(await one({ filter: { field: 'tags', op: 'contains', value: 'y' } }), [DATA[2], DATA[3]]);
  assert.equal(await one({ omit: ['tags', 'score'] }, DATA[0]), { name: 'ada', team: 'core' });
});

Transform('an unknown operation fails the call and the next call is unaffected', async () => {
  const t = await tool('json-transform');
  const e = await rejection(run(t, 'transform', { data: [], ops: [{ explode: true }] }));
  assert.is(e.code, 'CAX_TOOL_FAILED');
  assert.match(e.message, /operation 1: unknown operation "explode"/);
  assert.equal(await run(t, 'transform', { data: [1, 2, 3], ops: [{ limit: 2 }] }), [1, 2]);
});

Transform.run();
