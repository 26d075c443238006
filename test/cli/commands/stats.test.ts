// `caxton stats`: the renderers on their own, then the real CLI as a child process against a real
// server whose event log holds delivered and failed messages and a deployment.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { formatMs, renderDeploymentStats, renderRoutingStats, renderUsage } from '../../../cli/commands/stats.js';
import type { RoutingStats } from '../../../server/events/routing-queries.js';
import { assertFails, assertOk, assertOkJson } from '../../util/cli-assert.js';
import { cliSuite } from '../../util/http.js';
import { greeterFiles } from '../../util/workspace.js';

const strip = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, '');

const routing = (over: Partial<RoutingStats> = {}): RoutingStats => ({
  windowSeconds: 3600,
  routed: 12,
  delivered: 3,
  failed: 5,
  fromClients: { sent: 4, failed: 2 },
  throughputPerSecond: 0.023880406922133952,
  routingMs: { p50: 0.10450000000000001, p95: 300.84445, p99: 301.87449000000004 },
  deliveryMs: { p50: 0.044, p95: 0.31939999999999996, p99: null },
  failures: [{ code: 'CAX_AGENT_FAILED', count: 3 }, { code: 'CAX_NO_CAPABLE_AGENT', count: 2 }],
  agents: [{ agent: 'task-automator', delivered: 3, failed: 0, avgMs: 0.14166666666666664 }, { agent: 'writer', delivered: 0, failed: 9, avgMs: null }],
  strategies: [{ strategy: 'deterministic', count: 12 }],
  ...over,
});

// ---

const Render = suite('stats renderers');

Render('milliseconds: three significant digits below 100, whole ones above, a dash for none', () => {
  assert.is(formatMs(0.10450000000000001), '0.105 ms');
  assert.is(formatMs(12.345), '12.3 ms');
  assert.is(formatMs(300.84445), '301 ms');
  assert.is(formatMs(12_345.6), '12,346 ms');
  assert.is(formatMs(0), '0 ms');
  assert.is(formatMs(0.0000004), '< 0.001 ms');
  assert.is(formatMs(null), '—');
});

Render('routing: counts, percentiles, failures and agents as tables, no float noise', () => {
  const text = strip(renderRoutingStats(routing()));
  const lines = text.split('\n');
  assert.is(lines[0], 'Routing over the last 1 h: 12 routed, 3 delivered, 5 failed, 0.024 delivered/s');
  assert.is(lines[1], '  from clients: 4 sent, 2 failed', 'what the clients saw: the counts above include asks and retries');
  assert.is(lines[2], '  routing   p50 0.105 ms   p95 301 ms   p99 302 ms');
  assert.is(lines[3], '  delivery  p50 0.044 ms   p95 0.319 ms   p99 —');
  assert.match(text, /FAILURE\s+COUNT\nCAX_AGENT_FAILED\s+3\nCAX_NO_CAPABLE_AGENT\s+2/);
  assert.match(text, /AGENT\s+DELIVERED\s+FAILED\s+AVG\ntask-automator\s+3\s+0\s+0\.142 ms\nwriter\s+0\s+9\s+—/);
  assert.match(text, /Strategies: deterministic 12$/);
  assert.not.match(text, /\d{6,}/, 'no long float tails');
});

Render('routing: a window without messages says how to send one', () => {
  const empty = routing({ routed: 0, delivered: 0, failed: 0, throughputPerSecond: 0, failures: [], agents: [], strategies: [], windowSeconds: 600 });
  assert.is(strip(renderRoutingStats(empty)), 'Routing over the last 10 min: 0 routed, 0 delivered, 0 failed, 0 delivered/s\nNo messages in this window. Send one with: caxton send --capability SKILL "hello"');
});

Render('deployments: totals, success rate and durations, restores apart; none yet says how to deploy', () => {
  const text = strip(renderDeploymentStats({ total: 4, succeeded: 2, partial: 1, failed: 1, rolledBack: 0, rollbacks: 1, restores: 0, successRate: 0.75, avgDurationMs: 12.4, p95DurationMs: 2500 }));
  assert.is(text, 'Deployments: 4 (2 succeeded, 1 partial, 1 failed, 0 reverted at the switch), 1 of them a rollback; success rate 75 %\n  duration  avg 12 ms   p95 3 s');
  const restored = strip(renderDeploymentStats({ total: 1, succeeded: 1, partial: 0, failed: 0, rolledBack: 0, rollbacks: 0, restores: 3, successRate: 1, avgDurationMs: 10, p95DurationMs: 10 }));
  assert.match(restored, /^Deployments: 1 \(1 succeeded.*\nRestores at start: 3 \(a server serving its last deployment again after a restart; not counted above\)$/s);
  assert.is(renderDeploymentStats({ total: 0, succeeded: 0, partial: 0, failed: 0, rolledBack: 0, rollbacks: 0, restores: 0, successRate: null, avgDurationMs: null, p95DurationMs: null }), 'No deployments yet. Deploy with: caxton deploy');
});

Render('usage: totals on a line, then the largest first; none says where usage comes from', () => {
  const text = strip(renderUsage([{ key: 'writer', calls: 3, promptTokens: 12_000, completionTokens: 345 }, { key: 'planner', calls: 1, promptTokens: 40, completionTokens: 2 }], 'agent'));
  assert.is(
    text,
    'LLM usage: 4 messages, 12,387 tokens (12,040 prompt, 347 completion)\n\nAGENT    MESSAGES  PROMPT  COMPLETION  TOTAL\nwriter   3         12,000  345         12,345\nplanner  1         40      2           42',
  );
  const one = strip(renderUsage([{ key: 'c-1', calls: 1, promptTokens: 1, completionTokens: 1 }], 'conversation'));
  assert.match(one, /^LLM usage: 1 message,/);
  assert.match(one, /\nCONVERSATION\s+MESSAGES/);
  assert.match(renderUsage([], 'agent'), /^No LLM calls recorded yet\. Offline agents use no tokens/);
});

Render.run();

// ---

const { Cli, cli: stats } = cliSuite('caxton stats (child process, real server)', 'stats', greeterFiles(), async ({ server: { dispatcher, events } }) => {
  for (let i = 0; i < 3; i++) await dispatcher.send({ performative: 'request', capability: 'greet', content: `n${i}` });
  await dispatcher.send({ performative: 'request', capability: 'nope', content: 'x' }).catch(() => undefined);
  // what an LLM agent's calls record (the greeter is offline and records none)
  events.append('LlmUsage', { messageId: 'm1', agent: 'writer', provider: 'openai', model: 'gpt-4o-mini', promptTokens: 100, completionTokens: 20, modelCalls: 2 }, { conversationId: 'c-1' });
  events.append('LlmUsage', { messageId: 'm2', agent: 'writer', provider: 'anthropic', model: 'claude-haiku', promptTokens: 50, completionTokens: 5, modelCalls: 1 }, { conversationId: 'c-2' });
});

Cli('routing :: the log\'s messages, rendered', async () => {
  const text = strip(assertOk(await stats('routing')));
  assert.match(text, /^Routing over the last 1 h: 3 routed, 3 delivered, 1 failed, /);
  assert.match(text, /\n {2}routing {3}p50 [\d.]+ ms/);
  assert.match(text, /CAX_NO_CAPABLE_AGENT\s+1/);
  assert.match(text, /greeter\s+3\s+0\s+[\d.]+ ms/);
});

Cli('routing --json :: the API\'s figures, unrounded', async () => {
  const doc = assertOkJson(await stats('routing', '--json'));
  assert.is(doc.routing.delivered, 3);
  assert.equal(doc.routing.failures, [{ code: 'CAX_NO_CAPABLE_AGENT', count: 1 }]);
});

Cli('deployments :: one that succeeded', async () => {
  const text = strip(assertOk(await stats('deployments'))).trimEnd();
  assert.match(text, /^Deployments: 1 \(1 succeeded, 0 partial, 0 failed, 0 reverted at the switch\); success rate 100 %\n {2}duration {2}avg \d+ ms {3}p95 \d+ ms$/, text);
});

Cli('usage :: tokens by agent, by conversation or by model', async () => {
  assert.match(strip(assertOk(await stats('usage'))).trimEnd(), /^LLM usage: 2 messages, 175 tokens \(150 prompt, 25 completion\)\n\nAGENT\s+MESSAGES\s+PROMPT\s+COMPLETION\s+TOTAL\nwriter\s+2\s+150\s+25\s+175$/);
  const doc = assertOkJson(await stats('usage', '--by', 'conversation', '--json'));
  assert.equal(doc.usage.map((r: { key: string }) => r.key), ['c-1', 'c-2']);
  assert.match(strip(assertOk(await stats('usage', '--by', 'model'))).trimEnd(), /\nMODEL\s+MESSAGES\s+PROMPT\s+COMPLETION\s+TOTAL\nopenai\/gpt-4o-mini\s+1\s+100\s+20\s+120\nanthropic\/claude-haiku\s+1\s+50\s+5\s+55$/);
  assert.match(assertFails(await stats('usage', '--by', 'tool'), 2, 'CAX_USAGE'), /--by tool: usage is counted by agent, by conversation or by model/);
  // --by counts usage only: elsewhere it is refused rather than ignored
  assert.match(assertFails(await stats('routing', '--by', 'agent'), 2, 'CAX_USAGE'), /--by applies to "caxton stats usage" only, not to routing/);
});

Cli('an unknown kind :: usage error naming the kinds', async () => {
  const err = assertFails(await stats('latency'), 2, 'CAX_USAGE');
  assert.match(err, /onboarding, deployments, routing, usage/);
});

Cli.run();
