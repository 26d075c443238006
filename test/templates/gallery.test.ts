import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import path from 'node:path';
import fs from 'node:fs';
import { exampleOf, listTemplates } from '../../cli/templates.js';
import { runCli, json } from '../util/cli.js';
import { startTestServer } from '../util/server.js';
import { tmpDir, rm } from '../util/tmp.js';

/** A first message for each template, and what its answer must contain. */
const SAMPLES: Record<string, { capability: string; content: unknown; expect: RegExp }> = {
  'task-automator': { capability: 'automate-task', content: 'plan my week', expect: /Task received: plan my week/ },
  'code-reviewer': { capability: 'review-code', content: 'add(a, b)', expect: /Review of: add\(a, b\)/ },
  'content-generator': { capability: 'generate-content', content: 'release notes', expect: /Outline for "release notes"/ },
  'system-monitor': { capability: 'monitor-system', content: 'checkout', expect: /Triage for checkout/ },
  'test-runner': { capability: 'run-tests', content: 'the login change', expect: /Test plan for the login change/ },
  'pipeline-coordinator': { capability: 'coordinate-pipeline', content: 'weekly', expect: /transform → normalised\(fields\(task=weekly\)\)/ },
  'data-fetcher': { capability: 'fetch-data', content: { dataset: 'sales' }, expect: /Fetched 6 rows of sales/ },
  'data-analyzer': { capability: 'analyze-data', content: { dataset: 'inline', rows: [{ m: 'a', v: 3 }, { m: 'b', v: 5 }] }, expect: /inline: 2 rows[\s\S]*█/ },
  'data-analyst': { capability: 'data-report', content: { dataset: 'sales' }, expect: /sales: 6 rows[\s\S]*█/ },
  'api-client': { capability: 'call-api', content: { resource: 'users' }, expect: /"name":"Ada"/ },
  'data-validator': { capability: 'validate-data', content: { rows: [{ email: 'a@x' }, {}], required: 'email' }, expect: /1 of 2 records have "email"/ },
};

// ---

const Gallery = suite('templates');

Gallery('the gallery has at least ten templates, task-automator the default, each with metadata', () => {
  const all = listTemplates();
  assert.ok(all.length >= 10, `${all.length} templates`);
  assert.is(all.filter((t) => t.default).map((t) => t.id).join(), 'task-automator');
  for (const t of all) {
    assert.ok(t.description && t.category && t.use_cases.length && t.capabilities.length && t.setup_minutes > 0, t.id);
  }
});

for (const t of listTemplates()) {
  Gallery(`${t.id} :: inits, validates, deploys and answers offline`, async () => {
    const sample = SAMPLES[t.id];
    assert.ok(sample, `add a sample message for template "${t.id}" to this test`);
    const dir = tmpDir('caxton-tpl-');
    const ws = path.join(dir, 'ws');
    try {
      const init = await runCli(['init', ws, '--template', t.id, '--json'], { cwd: dir });
      assert.is(init.code, 0, init.stderr);
      const v = await runCli(['validate', '--json'], { cwd: ws });
      assert.is(v.code, 0, v.stdout);
      assert.is(json(v).ok, true);
      const server = await startTestServer({ workspace: ws });
      try {
        const dep = await server.api('POST', '/api/v1/deployments', {});
        assert.is(dep.status, 201);
        assert.is(dep.body.status, 'succeeded', JSON.stringify(dep.body.errors));
        const r = await server.api('POST', '/api/v1/messages', { capability: sample!.capability, content: sample!.content });
        assert.is(r.status, 200, JSON.stringify(r.body));
        assert.match(String(r.body.reply), sample!.expect);
        // the template's own example (init prints it) answers too, and the workspace README sends that one
        const ex = exampleOf(t);
        const own = await server.api('POST', '/api/v1/messages', { capability: ex.capability, content: ex.content });
        assert.is(own.status, 200, JSON.stringify(own.body));
        const sends = fs.readFileSync(path.join(ws, 'README.md'), 'utf8').split('\n').filter((l) => l.startsWith('caxton send'));
        for (const line of sends) assert.is(line, `caxton send --capability ${ex.capability} '${ex.text}'`, 'README.md');
      } finally {
        await server.close();
      }
    } finally {
      rm(dir);
    }
  });
}

Gallery.run();
