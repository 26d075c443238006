import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import path from 'node:path';
import { EventLog } from '../../../server/events/log.js';
import { rm, tmpDir } from '../../util/tmp.js';

// log.events() splits only the stored rows that can hold its answer: it must answer what the whole
// `events` view answers, newest first, for every filter and limit.
const Listing = suite('EventLog.events');

Listing('answers what the whole events view answers, for every filter and limit', async () => {
  const dir = tmpDir('caxton-events-');
  const log = await EventLog.open({ file: path.join(dir, 'events.duckdb'), maxBatch: 37 });
  try {
    let at = Date.UTC(2026, 0, 1);
    for (let i = 0; i < 600; i++) {
      at += 7;
      const conv = `c${i % 13}`;
      if (i % 50 === 0) log.append('DeploymentInitiated', { ref: 'x' }, { deploymentId: `dep${i}`, at });
      log.append('MessageSent', { messageId: `m${i}`, performative: 'request', sender: 'client', capability: 'x', receiver: null }, { conversationId: conv, at });
      log.append('MessageRouted', { messageId: `m${i}`, agent: 'a', strategy: 'deterministic', routingMs: i / 1000, attempt: 1, hops: 0, candidates: 1 }, { conversationId: conv, at });
      if (i % 3 === 0) log.append('ToolExecuted', { tool: 't', fn: 'f', agent: 'a', durationMs: 1, memoryPages: 1, outputBytes: 2 }, { group: 'tool:t', at });
      if (i % 4 === 0) log.append('MessageFailed', { messageId: `m${i}`, agent: 'a', attempt: 1, code: 'X', error: 'e' }, { conversationId: conv, at });
      log.append('MessageDelivered', { messageId: `m${i}`, agent: 'a', ms: 1, attempt: 1, hops: 0 }, { conversationId: conv, at });
      if (i % 97 === 0) await log.flush(); // several batches and commits
    }
    const reference = async (o: { type?: string; limit: number; conversationId?: string; deploymentId?: string }) => {
      const where = [o.type ? `type = '${o.type}'` : null, o.conversationId ? `conversation_id = '${o.conversationId}'` : null, o.deploymentId ? `deployment_id = '${o.deploymentId}'` : null].filter(Boolean);
      const rows = await log.query<{ seq: string; payload: string | null }>(`SELECT seq, payload FROM events ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT ${o.limit}`);
      return rows.map((r) => [Number(r.seq), r.payload === null ? null : JSON.parse(r.payload)]);
    };
    const cases = [
      ...[1, 2, 5, 50, 400, 5000].map((limit) => ({ limit })),
      ...['MessageRouted', 'ToolExecuted', 'MessageFailed', 'DeploymentInitiated', 'Nothing'].flatMap((type) => [1, 3, 100].map((limit) => ({ type, limit }))),
      { limit: 10, conversationId: 'c3' },
      { limit: 1000, conversationId: 'c3' },
      { limit: 10, conversationId: 'c3', type: 'MessageSent' },
      { limit: 10, deploymentId: 'dep100' },
    ];
    for (const c of cases) {
      const got = (await log.events(c)).map((e) => [e.seq, e.payload]);
      assert.equal(got, await reference(c), JSON.stringify(c));
    }
  } finally {
    await log.close();
    rm(dir);
  }
});

Listing.run();
