// The seed's demo flow, end to end with the real CLI and a real server process: init from a
// template → serve → deploy → `agent new` a second agent → deploy (only it changes) → a request in
// which data-fetcher calls its tool and asks analyze-data, which calls the chart tool → the reply →
// the events in DuckDB show every step in order.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import path from 'node:path';
import { runCli } from './util/cli.js';
import { assertOkJson } from './util/cli-assert.js';
import { spawnServe, type ServeChild } from './util/serve-child.js';
import { api } from './util/server.js';
import { tmpDir, rm } from './util/tmp.js';
import fs from 'node:fs';

const Demo = suite('demo flow');

Demo('data-fetcher → analyze-data → chart, deployed step by step from git', async () => {
  const cwd = tmpDir('caxton-demo-');
  const ws = path.join(cwd, 'ws');
  let server: ServeChild | null = null;
  try {
    assertOkJson(await runCli(['init', ws, '--template', 'data-fetcher', '--json'], { cwd }));
    server = await spawnServe({ cwd: ws });
    const cli = (...args: string[]) => runCli(args, { cwd: ws, env: { CAXTON_URL: server!.url } });

    const first = assertOkJson(await cli('deploy', '--json'));
    assert.is(first.status, 'succeeded');
    assert.equal(first.changes.added.map((c: { name: string }) => c.name).sort(), ['caxton.toml', 'data-fetcher', 'fetch-data']);

    // Alone, data-fetcher answers with the rows; its ask for analyze-data is optional.
    const alone = assertOkJson(await cli('send', '--capability', 'fetch-data', '{"dataset": "sales"}', '--json'));
    assert.match(alone.reply, /Fetched 6 rows of sales/);

    const added = assertOkJson(await cli('agent', 'new', 'analyzer', '--template', 'data-analyzer', '--commit', '--json'));
    assert.equal(added.files, ['agents/analyzer/agent.toml', 'tools/analyze/tool.toml', 'tools/chart/tool.toml', 'tools/analyze/plugin.wasm', 'tools/chart/plugin.wasm'].sort());

    const second = assertOkJson(await cli('deploy', '--json'));
    assert.is(second.status, 'succeeded');
    assert.equal(second.changes.added.map((c: { kind: string; name: string }) => `${c.kind}:${c.name}`).sort(), ['agent:analyzer', 'tool:analyze', 'tool:chart']);
    assert.equal(second.changes.modified, [], 'only the new agent and its tools change');
    assert.equal(second.changes.removed, []);

    const r = assertOkJson(await cli('send', '--capability', 'fetch-data', '{"dataset": "sales"}', '--json'));
    const path_ = r.trace.map((t: { kind: string; name: string; fn?: string }) => (t.kind === 'tool' ? `${t.name}.${t.fn}` : t.name));
    assert.equal(path_, ['data-fetcher', 'fetch-data.fetch', 'analyzer', 'analyze.analyze', 'chart.render']);
    assert.match(r.reply, /Fetched 6 rows of sales/);
    assert.match(r.reply, /revenue by month/);

    // Every step is in the event log, in order.
    const token = fs.readFileSync(path.join(ws, '.caxton/token'), 'utf8').trim();
    const events = (await api(server.url, token)('GET', '/api/v1/events?limit=500')).body as Array<{ type: string; payload: Record<string, unknown> }>;
    const story = events
      .reverse()
      .filter((e) => ['DeploymentCompleted', 'MessageRouted', 'ToolCalled', 'MessageDelivered'].includes(e.type))
      .map((e) => `${e.type}:${String(e.payload.agent ?? e.payload.status ?? '')}${e.type === 'ToolCalled' ? `:${String(e.payload.tool)}` : ''}`);
    const expected = [
      'DeploymentCompleted:succeeded',
      'DeploymentCompleted:succeeded',
      'MessageRouted:data-fetcher',
      'ToolCalled:data-fetcher:fetch-data',
      'MessageRouted:analyzer',
      'ToolCalled:analyzer:analyze',
      'ToolCalled:analyzer:chart',
      'MessageDelivered:analyzer',
      'MessageDelivered:data-fetcher',
    ];
    // The first (alone) request sits between the deployments; the last request is the tail.
    assert.equal(story.slice(0, 1), expected.slice(0, 1));
    assert.equal(story.slice(-7), expected.slice(2));
    assert.is(story.filter((s) => s.startsWith('DeploymentCompleted')).length, 2);
  } finally {
    await server?.stop();
    rm(cwd);
  }
});

Demo.run();
