import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import http from 'node:http';
import { agentFiles, toolFiles } from '../../util/workspace.js';
import { assertError, assertJson, deployed, serveRepo } from '../../util/http.js';
import { basicFactory } from '../../../server/deploy/basic-factory.js';
import type { RuntimeFactory } from '../../../server/deploy/runtime-factory.js';

const WORKSPACE = {
  ...agentFiles('analyst', { capabilities: ['analyze', 'summarize'], tools: ['chart'] }),
  ...agentFiles('writer', { capabilities: ['summarize'] }),
  ...toolFiles('chart', ['render', 'legend']),
};

/** A raw HTTP GET: the path goes on the wire exactly as written (fetch would normalise dot segments). */
function rawGet(url: string, path: string): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${url}/`, { method: 'GET', path, headers: { authorization: 'Bearer test-token' } }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
    });
    req.on('error', reject);
    req.end();
  });
}

// ---

const Agents = suite('GET /api/v1/agents');

Agents('nothing deployed :: an empty list', async () => {
  const s = await serveRepo(WORKSPACE);
  try {
    assert.equal(assertJson(await s.call('GET', '/api/v1/agents'), 200), []);
    assert.equal(assertJson(await s.call('GET', '/api/v1/tools'), 200), []);
    assert.equal(assertJson(await s.call('GET', '/api/v1/capabilities'), 200), []);
  } finally {
    await s.close();
  }
});

Agents('lists the deployed agents', async () => {
  const s = await deployed(WORKSPACE);
  try {
    const list = assertJson(await s.call('GET', '/api/v1/agents'), 200);
    assert.equal(list.map((a: { name: string }) => a.name).sort(), ['analyst', 'writer']);
    const analyst = list.find((a: { name: string }) => a.name === 'analyst');
    assert.equal(analyst.capabilities, ['analyze', 'summarize']);
    assert.equal(analyst.tools, ['chart']);
    assert.is(analyst.description, 'The analyst agent');
    assert.is(analyst.sha, s.repo.head());
  } finally {
    await s.close();
  }
});

Agents('each agent with its circuit breaker and load: closed, failures that count, open with when it retries', async () => {
  // `flaky` fails every message; one attempt a message, and two failures open its breaker
  const flaky: RuntimeFactory = {
    ...basicFactory,
    createAgent: async (args) =>
      args.name === 'flaky'
        ? {
            name: 'flaky',
            handle: () => {
              throw new Error('down');
            },
          }
        : basicFactory.createAgent(args),
  };
  const s = await deployed(
    { ...WORKSPACE, ...agentFiles('flaky', { capabilities: ['flake'] }), 'caxton.toml': 'name = "t"\n\n[routing]\nattempts = 1\nbreaker_failures = 2\nbreaker_open_ms = 60000\n' },
    { factory: flaky },
  );
  try {
    const health = async (name: string) => assertJson(await s.call('GET', `/api/v1/agents/${name}`), 200).health;
    assert.equal(await health('writer'), { circuit: 'closed', retryAt: null, recentFailures: 0, failureThreshold: 2, inFlight: 0 });
    assertError(await s.call('POST', '/api/v1/messages', { capability: 'flake', content: 'x' }), 502, 'CAX_AGENT_FAILED');
    assert.equal(await health('flaky'), { circuit: 'closed', retryAt: null, recentFailures: 1, failureThreshold: 2, inFlight: 0 });
    const before = Date.now();
    assertError(await s.call('POST', '/api/v1/messages', { capability: 'flake', content: 'x' }), 502, 'CAX_AGENT_FAILED');
    const open = await health('flaky');
    assert.is(open.circuit, 'open');
    assert.ok(Date.parse(open.retryAt) >= before + 60_000, open.retryAt);
    // the list says the same
    const list = assertJson(await s.call('GET', '/api/v1/agents'), 200);
    assert.is(list.find((a: { name: string }) => a.name === 'flaky').health.circuit, 'open');
  } finally {
    await s.close();
  }
});

Agents('one agent by name', async () => {
  const s = await deployed(WORKSPACE);
  try {
    const a = assertJson(await s.call('GET', '/api/v1/agents/writer'), 200);
    assert.is(a.name, 'writer');
    assert.equal(a.capabilities, ['summarize']);
  } finally {
    await s.close();
  }
});

Agents('an agent that is not deployed :: 404 CAX_NOT_FOUND', async () => {
  const s = await deployed(WORKSPACE);
  try {
    assertError(await s.call('GET', '/api/v1/agents/ghost'), 404, 'CAX_NOT_FOUND');
    assertError(await s.call('GET', '/api/v1/tools/ghost'), 404, 'CAX_NOT_FOUND');
  } finally {
    await s.close();
  }
});

Agents('path traversal and other invalid names :: 400 CAX_INVALID_NAME', async () => {
  const s = await deployed(WORKSPACE);
  try {
    const names = ['..%2Fx', '..%2F..%2Fetc%2Fpasswd', '..%5Cx', 'a%2F..%2F..%2Fsecrets', '%2e%2e%2fx', 'Analyst', 'a%00', '-x', '1abc', 'x'.repeat(64), 'a%20b'];
    for (const n of names) {
      assertError(await s.call('GET', `/api/v1/agents/${n}`), 400, 'CAX_INVALID_NAME');
      assertError(await s.call('GET', `/api/v1/tools/${n}`), 400, 'CAX_INVALID_NAME');
    }
  } finally {
    await s.close();
  }
});

Agents('dot segments on the wire never reach an agent', async () => {
  const s = await deployed(WORKSPACE);
  try {
    for (const seg of ['..', '%2e%2e', '.%2e', '%2E%2E']) {
      const res = await rawGet(s.server.url, `/api/v1/agents/${seg}`);
      assert.is(res.status, 400, `${seg}: ${JSON.stringify(res.body)}`);
      assert.is(res.body.error.code, 'CAX_INVALID_NAME');
    }
  } finally {
    await s.close();
  }
});

Agents.run();

// ---

const Tools = suite('GET /api/v1/tools');

Tools('lists the deployed tools with their functions and limits', async () => {
  const s = await deployed(WORKSPACE);
  try {
    const list = assertJson(await s.call('GET', '/api/v1/tools'), 200);
    assert.equal(list.map((t: { name: string }) => t.name), ['chart']);
    assert.equal(list[0].functions.map((f: { name: string }) => f.name), ['render', 'legend']);
    assert.equal(list[0].functions[0].input_schema, { type: 'object' });
    assert.is(list[0].limits.timeout_ms, 1000);
    assert.is(list[0].limits.memory_mb, 16);
    const one = assertJson(await s.call('GET', '/api/v1/tools/chart'), 200);
    assert.equal(one, list[0]);
  } finally {
    await s.close();
  }
});

Tools.run();

// ---

const Capabilities = suite('GET /api/v1/capabilities');

Capabilities('maps each capability to the agents that serve it', async () => {
  const s = await deployed(WORKSPACE);
  try {
    const list = assertJson(await s.call('GET', '/api/v1/capabilities'), 200);
    assert.equal(list, [
      { name: 'analyze', agents: ['analyst'] },
      { name: 'summarize', agents: ['analyst', 'writer'] },
    ]);
  } finally {
    await s.close();
  }
});

Capabilities('follows a deployment that removes an agent', async () => {
  const s = await deployed(WORKSPACE);
  try {
    s.repo.commit({ 'agents/writer': null });
    assertJson(await s.call('POST', '/api/v1/deployments', {}), 201);
    assert.equal(assertJson(await s.call('GET', '/api/v1/capabilities'), 200), [
      { name: 'analyze', agents: ['analyst'] },
      { name: 'summarize', agents: ['analyst'] },
    ]);
    assertError(await s.call('GET', '/api/v1/agents/writer'), 404, 'CAX_NOT_FOUND');
  } finally {
    await s.close();
  }
});

Capabilities.run();
