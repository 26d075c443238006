import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { renderAgents, renderChanges, renderDeploy, renderHistory, renderPlan, renderTools } from '../../cli/render.js';
import fs from 'node:fs';
import path from 'node:path';
import { renderEvents } from '../../cli/commands/events.js';
import { EVENT_TYPES } from '../../server/events/types.js';
import { renderToolCall } from '../../cli/render-tool.js';

const strip = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, '');
const tool = (name: string, status?: object) => ({
  name,
  functions: [{ name: 'run' }],
  sha: 'abcdef0123',
  description: `the ${name} tool`,
  limits: { timeout_ms: 1000, memory_mb: 16 },
  ...(status ? { status } : {}),
});

// ---

const Tools = suite('renderTools');

Tools('shows each tool state: calls and failures, or the quarantine and its reason', () => {
  const text = strip(renderTools([
    tool('ok-tool', { calls: 3, failures: 1, quarantined: null }),
    tool('bad-tool', { calls: 9, failures: 9, quarantined: { reason: '3 limit violations in 60 s', since: 'x', violations: 3, windowMs: 60_000 } }),
  ]));
  assert.match(text, /STATE/);
  assert.match(text, /ok-tool\s.*ok \(3 calls, 1 failed\)/);
  assert.match(text, /bad-tool\s.*quarantined: 3 limit violations in 60 s/);
});

Tools('a tool whose plugin cannot start is unavailable, with the reason; one call is "1 call"', () => {
  const text = strip(renderTools([
    tool('hang', { calls: 2, failures: 2, quarantined: null, unavailable: 'the plugin does not start: its start-up ran past 5000 ms' }),
    tool('once', { calls: 1, failures: 0, quarantined: null, unavailable: null }),
  ]));
  assert.match(text, /hang\s.*unavailable: the plugin does not start: its start-up ran past 5000 ms/);
  assert.match(text, /once\s.*ok \(1 call, 0 failed\)/);
});

Tools('says when nothing is deployed', () => {
  assert.is(renderTools([]), 'No tools are deployed.');
});

Tools.run();

// ---

const Agents = suite('renderAgents');

Agents('shows each agent\'s circuit and load: closed, failures that count, open until when, half-open', () => {
  const agent = (name: string, health: object) => ({ name, capabilities: ['x'], tools: [], sha: 'abcdef0123', description: `the ${name} agent`, health: { circuit: 'closed', retryAt: null, recentFailures: 0, failureThreshold: 5, inFlight: 0, ...health } });
  const text = strip(renderAgents([
    agent('calm', {}),
    agent('shaky', { recentFailures: 2, inFlight: 3 }),
    agent('down', { circuit: 'open', retryAt: '2026-11-25T20:31:05.000Z' }),
    agent('probing', { circuit: 'half-open' }),
  ] as Parameters<typeof renderAgents>[0]));
  assert.match(text, /^AGENT\s+CAPABILITIES\s+TOOLS\s+CIRCUIT\s+IN FLIGHT\s+SHA\s+DESCRIPTION\n/);
  assert.match(text, /\ncalm\s+x\s+—\s+closed\s+0\s+abcdef0\s+the calm agent/);
  assert.match(text, /\nshaky\s+x\s+—\s+closed, 2\/5 failures\s+3\s/);
  assert.match(text, /\ndown\s+x\s+—\s+open until 20:31:05 UTC\s+0\s/);
  assert.match(text, /\nprobing\s+x\s+—\s+half-open \(one probe\)\s/);
  assert.is(renderAgents([]), 'No agents are deployed. Deploy with: caxton deploy');
});

Agents.run();

// ---

const Events = suite('renderEvents');

Events('one line per event with its time, type, id and a cut payload', () => {
  const text = strip(renderEvents([
    { seq: 2, ts: '2026-11-25T10:00:01.000Z', type: 'MessageFailed', deploymentId: null, conversationId: 'c-1', payload: { agent: 'a', error: 'x'.repeat(300) } },
    { seq: 1, ts: '2026-11-25T10:00:00.000Z', type: 'DeploymentCompleted', deploymentId: 'dep_1', conversationId: null, payload: { status: 'succeeded' } },
  ]));
  assert.match(text, /2026-11-25 10:00:01\.000Z\s+MessageFailed\s+c-1\s+\{"agent":"a","error":"x+…/);
  assert.match(text, /DeploymentCompleted\s+dep_1\s+\{"status":"succeeded"\}/);
  assert.is(renderEvents([]), 'No events.');
});

Events('nothing of a type Caxton never writes :: says so, with the nearest names; a real type is just empty', () => {
  assert.is(renderEvents([], 'MessageRoute'), 'No events of type "MessageRoute": Caxton writes no such type. Did you mean "MessageRouted"?');
  assert.is(renderEvents([], 'Zzz'), 'No events of type "Zzz": Caxton writes no such type. docs/api.md lists the event types.');
  assert.is(renderEvents([], 'ToolQuarantined'), 'No events.');
});

Events('docs/api.md lists every event type Caxton writes', () => {
  const doc = fs.readFileSync(path.resolve('docs/api.md'), 'utf8');
  const section = doc.slice(doc.indexOf('## Event types'), doc.indexOf('## The deployment record'));
  for (const t of EVENT_TYPES) assert.ok(section.includes(`\`${t}\``), `${t} is missing from docs/api.md's event types`);
  const listed = [...section.matchAll(/`([A-Z][A-Za-z]+)`/g)].map((m) => m[1]!);
  assert.equal(listed.filter((t) => !EVENT_TYPES.includes(t)), [], 'no type listed that Caxton does not write');
});

Events.run();

// ---

const Changes = suite('renderChanges');

Changes('a modified field shows its value before and after: scalars as JSON cut short, a table by the keys that changed, a plugin by its blob id', () => {
  const lines = renderChanges({
    added: [{ kind: 'agent', name: 'fresh' }],
    modified: [
      { kind: 'agent', name: 'planner', impact: 'breaking', fields: [
        { field: 'capabilities', impact: 'breaking', removed: ['plan'], note: 'capability removed' },
        { field: 'description', impact: 'cosmetic', before: 'Plans weeks', after: `Plans weeks, days and ${'x'.repeat(40)}` },
      ] },
      { kind: 'tool', name: 'chart', impact: 'compatible', fields: [
        { field: 'limits', impact: 'compatible', before: { timeout_ms: 1000, memory_mb: 16 }, after: { timeout_ms: 2000, memory_mb: 16 } },
        { field: 'plugin', impact: 'compatible', before: 'aaaaaaa1111111', after: 'bbbbbbb2222222' },
        { field: 'metadata', impact: 'cosmetic', after: { team: 'a' } },
      ] },
    ],
    removed: [{ kind: 'tool', name: 'old' }],
  }).map(strip);
  assert.equal(lines, [
    '  + agent fresh',
    '  ~ agent planner: capabilities -plan (breaking), description "Plans weeks" → "Plans weeks, days and xxxxxxxx… (cosmetic)',
    '  ~ tool chart: limits timeout_ms 1000 → 2000 (compatible), plugin aaaaaaa → bbbbbbb (compatible), metadata unset → {"team":"a"} (cosmetic)',
    '  - tool old',
  ]);
});

Changes('a file beside the manifest :: named with what became of it (added, removed, changed), not its blob ids', () => {
  const [line] = renderChanges({
    added: [],
    modified: [{ kind: 'agent', name: 'r', impact: 'compatible', fields: [
      { field: 'replay.json', impact: 'compatible', before: 'aaaaaaa1111111', after: 'bbbbbbb2222222', note: 'the recording the agent plays back: its answers change', file: 'agents/r/replay.json' },
      { field: 'README.md', impact: 'cosmetic', after: 'ccccccc3333333', note: 'not read by Caxton', file: 'agents/r/README.md' },
      { field: 'notes.md', impact: 'cosmetic', before: 'ddddddd4444444', note: 'not read by Caxton', file: 'agents/r/notes.md' },
    ] }],
    removed: [],
  }).map(strip);
  assert.is(line, '  ~ agent r: replay.json changed (compatible), README.md added (cosmetic), notes.md removed (cosmetic)');
});

Changes('a long table shows the values inside it that changed, by their path, not two cut-off copies', () => {
  const step = (fn: string) => ({ id: 'rev', tool: 'reverse', function: fn, input: { text: '{{content}}', note: 'x'.repeat(60) } });
  const [line] = renderChanges({
    added: [],
    modified: [{ kind: 'agent', name: 'a', impact: 'compatible', fields: [
      { field: 'behavior', impact: 'compatible', before: { steps: [step('revers')], reply: '{{last}}' }, after: { steps: [step('reverse')], reply: '{{steps.rev.output}}' } },
    ] }],
    removed: [],
  }).map(strip);
  assert.is(line, '  ~ agent a: behavior steps[0].function "revers" → "reverse"; reply "{{last}}" → "{{steps.rev.output}}" (compatible)');
});

Changes.run();

// ---

const ToolCall = suite('renderToolCall');

ToolCall('text as it is; an object as JSON with its text of several lines below it and a long line cut', () => {
  assert.is(renderToolCall({ output: 'a\nb', durationMs: 1.234 }), 'a\nb\n(1.23 ms)');
  assert.is(renderToolCall({ output: [1, 2], durationMs: 0 }), '[\n  1,\n  2\n]\n(0.00 ms)');
  const svg = `<svg>${'x'.repeat(300)}</svg>`;
  const text = renderToolCall({ output: { title: 'sales', points: 2, svg, text: 'jan ██ 2\nfeb ████ 4\n' }, durationMs: 2 });
  assert.is(text, [
    '{',
    '  "title": "sales",',
    '  "points": 2,',
    `  "svg": "${svg.slice(0, 120)}… (311 characters; --json gives it whole)",`,
    '  "text": "(2 lines, below)"',
    '}',
    'text:',
    'jan ██ 2',
    'feb ████ 4',
    '(2.00 ms)',
  ].join('\n'));
});

ToolCall.run();

// ---

const Deploys = suite('renderDeploy');

Deploys('a failed deployment says what serves now: the previous deployment, or nothing when there was none', () => {
  const failed = (fromSha: string | null) => strip(renderDeploy({
    id: 'dep_1', ref: 'HEAD', fromSha, toSha: 'c'.repeat(40), status: 'failed', trigger: 'cli',
    changes: { added: [], modified: [], removed: [] }, errors: [], warnings: [], heldBack: [], durationMs: 3,
  } as never));
  assert.match(failed('a'.repeat(40)), /failed; the previous deployment keeps serving\.$/m);
  assert.match(failed(null), /\(— → ccccccc\) failed; nothing was deployed before, so nothing serves yet\.$/m);
});

Deploys('a long text changed past its start shows where it differs, not two beginnings that read the same', () => {
  const before = 'Task received: {{content}}\n1. Read it\n2. Plan it\n3. Do it';
  const after = 'Task received: {{content}}\n1. Read it\n2. Plan it\n3. Ship it';
  const changes = { added: [], removed: [], modified: [{ kind: 'agent', name: 'a', impact: 'compatible', fields: [{ field: 'behavior', impact: 'compatible', before: { reply: before }, after: { reply: after } }] }] };
  const [line] = renderChanges(changes as never).map(strip);
  assert.is(line, '  ~ agent a: behavior reply … it\\n3. Do it" → … it\\n3. Ship it" (compatible)');
});

Deploys('a caxton.toml change shows the settings that changed inside each table', () => {
  const changes = { added: [], removed: [], modified: [{ kind: 'config', name: 'caxton.toml', impact: 'compatible', fields: [{ field: 'routing', impact: 'compatible', before: { strategy: 'deterministic', attempts: 3 }, after: { strategy: 'round-robin', attempts: 5 }, note: 'settings changed' }] }] };
  assert.equal(renderChanges(changes as never).map(strip), ['  ~ config caxton.toml: routing strategy "deterministic" → "round-robin"; attempts 3 → 5 (compatible)']);
});

Deploys('history: a start-up row says it restored a commit, with no changes', () => {
  const rec = (over: Record<string, unknown>) => ({
    id: 'dep_1', ref: 'HEAD', fromSha: null, toSha: 'c'.repeat(40), status: 'succeeded', trigger: 'cli', startedAt: '2026-11-25T10:00:00.000Z',
    changes: { added: [{ kind: 'agent', name: 'a' }, { kind: 'agent', name: 'b' }], modified: [], removed: [] }, errors: [], warnings: [], heldBack: [], durationMs: 3, ...over,
  });
  const rows = strip(renderHistory([rec({ id: 'dep_2', trigger: 'startup' }), rec({})] as never)).split('\n');
  assert.match(rows[1]!, /^dep_2\s+succeeded\s+startup\s+restored ccccccc\s+—\s+3 ms/);
  assert.match(rows[2]!, /^dep_1\s+succeeded\s+cli\s+— → ccccccc\s+2\s+3 ms/);
});

Deploys('a dry run prints the warnings the deployment would print', () => {
  const warning = { code: 'unknown-capability', severity: 'warning', file: 'agents/a/agent.toml', line: 16, column: 7, message: 'behavior step 2 asks capability "chart", which no agent serves at this commit', suggestion: 'add an agent that serves it' };
  const plan = { ref: 'HEAD', fromSha: 'a'.repeat(40), toSha: 'c'.repeat(40), outcome: 'succeeded', changes: { added: [], modified: [], removed: [] }, errors: [], warnings: [warning], heldBack: [] };
  const text = strip(renderPlan(plan as never));
  assert.match(text, /agents\/a\/agent\.toml:16:7 behavior step 2 asks capability "chart", which no agent serves at this commit/);
  assert.match(text, /Dry run: nothing was deployed\.$/);
});

Deploys.run();
