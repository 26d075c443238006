// The data-analyst template end to end: data-fetcher → analyze-data → chart through the router,
// each agent calling its sandboxed tool (real plugins built from tools-src/).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { findTemplate, templateFiles } from '../../cli/templates.js';
import type { Files } from '../util/repo.js';
import { assertJson, serveRepo, type Served } from '../util/http.js';

function workspace(): Files {
  const files = templateFiles(findTemplate('data-analyst'), { workspace_name: 'demo', created_at: '2026-01-01', template_id: 'data-analyst' });
  return Object.fromEntries([...files].map(([k, v]) => [k, new Uint8Array(v)]));
}

// ---

const Demo = suite('templates/data-analyst');
let s: Served;
Demo.before(async () => {
  s = await serveRepo(workspace());
  const d = assertJson(await s.call('POST', '/api/v1/deployments', {}), 201);
  assert.is(d.status, 'succeeded', JSON.stringify(d.errors));
});
Demo.after(() => s.close());

Demo('a data report passes through three agents and three tools', async () => {
  const r = assertJson(await s.call('POST', '/api/v1/messages', { capability: 'data-report', content: { dataset: 'sales' } }), 200);
  assert.is(r.handledBy, 'data-fetcher');
  assert.equal(
    r.trace.map((t: { kind: string; name: string; depth: number }) => [t.kind, t.name, t.depth]),
    [['agent', 'data-fetcher', 0], ['tool', 'fetch-data', 0], ['agent', 'data-analyzer', 1], ['tool', 'analyze', 1], ['agent', 'chart-maker', 2], ['tool', 'chart', 2]],
  );
  assert.ok(r.trace.filter((t: { kind: string }) => t.kind === 'tool').every((t: { fn?: unknown }) => typeof t.fn === 'string'), 'a tool entry names its function');
  assert.match(r.reply, /^sales: 6 rows\n/);
  assert.match(r.reply, /^2024-03 │█{40} 15100$/m, 'the terminal chart');
  assert.match(r.reply, /^revenue: mean 12525, min 9800, max 15100, p95 14800$/m, 'the statistics, one line per column');
  assert.match(r.reply, /^region: 2 distinct \(north ×3, south ×3\)$/m);
  const executed = assertJson(await s.call('GET', '/api/v1/events?type=ToolExecuted&limit=10'), 200);
  assert.equal(executed.map((e: any) => [e.payload.agent, e.payload.tool]).sort(), [['chart-maker', 'chart'], ['data-analyzer', 'analyze'], ['data-fetcher', 'fetch-data']]);
});

Demo('without a dataset the default one is used; the tools answer over the API too', async () => {
  const r = assertJson(await s.call('POST', '/api/v1/messages', { capability: 'data-report', content: 'monthly report please' }), 200);
  assert.match(r.reply, /^sales: 6 rows/);
  const svg = assertJson(await s.call('POST', '/api/v1/tools/chart/call', { function: 'render', input: { data: { a: 1, b: 2 } } }), 200);
  assert.match(svg.output.svg, /^<svg /);
});

Demo.run();
