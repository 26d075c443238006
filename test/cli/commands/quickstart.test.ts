import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { runCli } from '../../util/cli.js';
import { assertOk, assertOkJson } from '../../util/cli-assert.js';
import { tmpDir, rm } from '../../util/tmp.js';

// ---

const Quickstart = suite('caxton quickstart');

Quickstart('--json :: a workspace, a deployment, and a first request through agents and a tool', async () => {
  const cwd = tmpDir('caxton-qs-');
  try {
    const doc = assertOkJson(await runCli(['quickstart', '--json'], { cwd }));
    assert.is(doc.workspace, path.join(cwd, 'caxton-quickstart'));
    assert.ok(fs.existsSync(path.join(doc.workspace, 'agents/data-fetcher/agent.toml')));
    assert.is(execFileSync('git', ['rev-list', '--count', 'HEAD'], { cwd: doc.workspace, encoding: 'utf8' }).trim(), '1');
    assert.is(doc.deployment.status, 'succeeded');
    assert.equal(doc.agents, ['data-fetcher', 'data-analyzer', 'chart-maker']);
    assert.equal(doc.toolCalls, ['fetch-data.fetch', 'analyze.analyze', 'chart.render']);
    assert.match(String(doc.reply), /sales: 6 rows/);
    assert.match(String(doc.reply), /█/);
    assert.type(doc.elapsedMs, 'number');
    // The server was stopped: nothing holds the data folder any more.
    assert.not.ok(fs.existsSync(path.join(doc.workspace, '.caxton/server.json')));
  } finally {
    rm(cwd);
  }
});

Quickstart('--keep --json :: one JSON document, printed once the server is ready, and nothing more when it is stopped', async () => {
  const cwd = tmpDir('caxton-qs-');
  try {
    // the document ends with its closing brace on a line of its own
    const r = await runCli(['quickstart', '--keep', '--json'], { cwd, signalWhen: { stdout: /\n}\n$/, signal: 'SIGINT' } });
    const doc = assertOkJson(r);
    assert.match(doc.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.is(doc.deployment.status, 'succeeded');
    assert.not.ok(fs.existsSync(path.join(doc.workspace, '.caxton/server.json')), 'the server stopped on SIGINT');
  } finally {
    rm(cwd);
  }
});

Quickstart('prints the reply with the chart, the path it took and the time; a second run takes a new folder', async () => {
  const cwd = tmpDir('caxton-qs-');
  try {
    fs.mkdirSync(path.join(cwd, 'caxton-quickstart'));
    const out = assertOk(await runCli(['quickstart'], { cwd }));
    assert.match(out, /Workspace caxton-quickstart-2 from the data-analyst template/);
    assert.match(out, /revenue by month/);
    assert.match(out, /Deployed [0-9a-f]{7}: 6 agents and tools in \d+ ms/, 'three agents and three tools: caxton.toml is not counted');
    assert.match(out, /Path: data-fetcher → fetch-data\.fetch → data-analyzer → analyze\.analyze → chart-maker → chart\.render/);
    assert.match(out, /the whole first run took \d+\.\d s/);
  } finally {
    rm(cwd);
  }
});

Quickstart('--template :: any template, with its example message', async () => {
  const cwd = tmpDir('caxton-qs-');
  try {
    const doc = assertOkJson(await runCli(['quickstart', 'mine', '--template', 'pipeline-coordinator', '--json'], { cwd }));
    assert.equal(doc.agents, ['pipeline-coordinator', 'extractor', 'transformer']);
    assert.match(String(doc.reply), /Pipeline finished for "weekly report"/);
  } finally {
    rm(cwd);
  }
});

Quickstart.run();
