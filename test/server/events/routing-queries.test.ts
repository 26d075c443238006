import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { EventLog } from '../../../server/events/log.js';
import { llmUsage, routingStats } from '../../../server/events/routing-queries.js';
import { withLog } from '../../util/event-log.js';

const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);
const MIN = 60_000;

/** A routed and delivered message `minutesAgo` before NOW. */
function message(log: EventLog, minutesAgo: number, routingMs: number, agent = 'a'): void {
  const at = NOW - minutesAgo * MIN;
  log.append('MessageRouted', { messageId: `m${minutesAgo}`, agent, strategy: 'deterministic', routingMs }, { at });
  log.append('MessageDelivered', { messageId: `m${minutesAgo}`, agent, ms: routingMs * 10 }, { at: at + 1 });
}

// ---

const Stats = suite('routingStats');

Stats('counts only the events inside the window', async () => {
  await withLog(async (log) => {
    message(log, 5, 1);
    message(log, 50, 2);
    message(log, 90, 100);
    log.append('RoutingFailed', { code: 'CAX_NO_CAPABLE_AGENT' }, { at: NOW - 10 * MIN });
    log.append('RoutingFailed', { code: 'CAX_HOP_LIMIT' }, { at: NOW - 120 * MIN });
    const r = await routingStats(log, 3600, NOW);
    assert.is(r.routed, 2);
    assert.is(r.delivered, 2);
    assert.equal(r.failures, [{ code: 'CAX_NO_CAPABLE_AGENT', count: 1 }]);
    assert.is(r.routingMs.p50, 1.5);
    assert.is((await routingStats(log, 3 * 3600, NOW)).routed, 3);
  });
});

Stats('fromClients :: a client\'s message that failed through a loop of asks is one failure to the client, three in all', async () => {
  await withLog(async (log) => {
    const at = NOW - MIN;
    // the client's message, then the asks it set off (each with its depth), each failing in turn
    log.append('MessageSent', { messageId: 'c1', performative: 'request', sender: 'client', capability: 'ping', receiver: null }, { at });
    log.append('MessageSent', { messageId: 'a1', performative: 'request', sender: 'ping', capability: 'pong', receiver: null, inReplyTo: 'c1', hops: 1 }, { at });
    log.append('MessageSent', { messageId: 'a2', performative: 'request', sender: 'pong', capability: 'ping', receiver: null, inReplyTo: 'a1', hops: 2 }, { at });
    for (const hops of [2, 1, 0]) log.append('RoutingFailed', { code: 'CAX_ROUTING_LOOP', hops }, { at });
    log.append('MessageSent', { messageId: 'c2', performative: 'request', sender: 'client', capability: 'echo', receiver: null }, { at });
    const r = await routingStats(log, 3600, NOW);
    assert.is(r.failed, 3);
    assert.equal(r.fromClients, { sent: 2, failed: 1 });
  });
});

Stats('percentiles to the microsecond, without the interpolation\'s float noise', async () => {
  await withLog(async (log) => {
    for (const [i, v] of [0.017, 0.019, 0.023, 0.027].entries()) message(log, i + 1, v);
    const r = await routingStats(log, 3600, NOW);
    for (const p of [r.routingMs.p50, r.routingMs.p95, r.routingMs.p99, r.deliveryMs.p99]) {
      assert.ok(p !== null && Math.round(p * 1000) / 1000 === p && String(p).length <= 6, String(p));
    }
  });
});

Stats('regression :: the window does not move with the database time zone', async () => {
  await withLog(async (log) => {
    message(log, 5, 1);
    // East of UTC, now()::TIMESTAMP ran ahead of the UTC timestamps in the log and hid recent events
    await log.query(`SET TimeZone = 'Asia/Tokyo'`);
    assert.is((await routingStats(log, 3600, NOW)).routed, 1);
    await log.query(`SET TimeZone = 'America/Los_Angeles'`);
    assert.is((await routingStats(log, 600, NOW + 20 * MIN)).routed, 0, 'west of UTC an old event does not creep in');
  });
});

Stats('throughput: deliveries a second since the first in the window, over a second at least', async () => {
  await withLog(async (log) => {
    for (let i = 0; i < 11; i++) log.append('MessageDelivered', { agent: 'a', ms: 1 }, { at: NOW - 1000 + i * 100 });
    const r = await routingStats(log, 60, NOW);
    assert.is(r.delivered, 11);
    assert.is(r.throughputPerSecond, 11);
    assert.is((await routingStats(log, 60, NOW + 10_000)).throughputPerSecond, 1, 'ten seconds later, 11 in 11 s');
  });
});

Stats('throughput of a single message is not one a second long after it', async () => {
  await withLog(async (log) => {
    log.append('MessageDelivered', { agent: 'a', ms: 1 }, { at: NOW - 50_000 });
    assert.is((await routingStats(log, 3600, NOW)).throughputPerSecond, 0.02);
    assert.is((await routingStats(log, 3600, NOW - 49_900)).throughputPerSecond, 1, 'just after it: one in its first second');
    assert.is((await routingStats(log, 60, NOW + 3600_000)).throughputPerSecond, 0, 'outside the window: none');
  });
});

Stats.run();

// ---

const Usage = suite('llmUsage');

Usage('counts a message once however many attempts spent tokens on it, and sums every attempt\'s tokens', async () => {
  await withLog(async (log) => {
    // one message: two failed attempts that spent tokens, then an answer
    for (const failed of [true, true, false]) log.append('LlmUsage', { messageId: 'm1', agent: 'writer', promptTokens: 10, completionTokens: 2, ...(failed ? { failed } : {}) }, { conversationId: 'c1' });
    log.append('LlmUsage', { messageId: 'm2', agent: 'writer', promptTokens: 5, completionTokens: 1 }, { conversationId: 'c2' });
    log.append('LlmUsage', { agent: 'writer', promptTokens: 1, completionTokens: 1 });
    log.append('LlmUsage', { agent: 'writer', promptTokens: 1, completionTokens: 1 });
    assert.equal(await llmUsage(log, 'agent'), [{ key: 'writer', calls: 4, promptTokens: 37, completionTokens: 9 }]);
    assert.equal(await llmUsage(log, 'conversation'), [
      { key: 'c1', calls: 1, promptTokens: 30, completionTokens: 6 },
      { key: 'c2', calls: 1, promptTokens: 5, completionTokens: 1 },
      { key: null, calls: 2, promptTokens: 2, completionTokens: 2 },
    ]);
  });
});

Usage('by model :: provider/model, the most prompt tokens first; usage recorded before the model was has none', async () => {
  await withLog(async (log) => {
    log.append('LlmUsage', { messageId: 'm1', agent: 'a', provider: 'openai', model: 'gpt-4o', promptTokens: 10, completionTokens: 2, modelCalls: 2 });
    log.append('LlmUsage', { messageId: 'm2', agent: 'b', provider: 'openai', model: 'gpt-4o', promptTokens: 5, completionTokens: 1, modelCalls: 1 });
    log.append('LlmUsage', { messageId: 'm3', agent: 'a', provider: 'anthropic', model: 'claude-haiku', promptTokens: 40, completionTokens: 4, modelCalls: 1 });
    log.append('LlmUsage', { messageId: 'm4', agent: 'a', promptTokens: 7, completionTokens: 7 });
    assert.equal(await llmUsage(log, 'model'), [
      { key: 'anthropic/claude-haiku', calls: 1, promptTokens: 40, completionTokens: 4 },
      { key: 'openai/gpt-4o', calls: 2, promptTokens: 15, completionTokens: 3 },
      { key: null, calls: 1, promptTokens: 7, completionTokens: 7 },
    ]);
  });
});

Usage.run();
