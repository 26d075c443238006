// End to end: LLM agents deployed from a git workspace on a real server (127.0.0.1:0), answering
// POST /api/v1/messages through the local stand-in, with usage in GET /api/v1/analytics/usage.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { runtimeFactory } from '../../../server/agents/factory.js';
import { llmAgentFactory } from '../../../server/agents/llm-factory.js';
import { GitRepo } from '../../../server/git/repo.js';
import type { ToolCallResult } from '../../../server/agents/runtime.js';
import { makeRepo, type Files, type TestRepo } from '../../util/repo.js';
import { captureLogs, startTestServer } from '../../util/server.js';
import { rm, tmpDir } from '../../util/tmp.js';
import { agentFiles, toolFiles } from '../../util/workspace.js';
import { errorReply, startLlmStandin, textReply, toolCallReply, type LlmStandin } from '../../util/llm-standin.js';
import { pluginToolFiles } from '../../util/plugins.js';

type Server = Awaited<ReturnType<typeof startTestServer>>;

function llmAgent(name: string, llm: Record<string, unknown>, o: { tools?: string[]; capabilities?: string[] } = {}): Files {
  return agentFiles(name, {
    capabilities: o.capabilities ?? ['write'],
    tools: o.tools ?? [],
    extra: { runtime: 'llm', system_prompt: 'You write short answers.', user_prompt_template: 'Write about: {{content}}', llm: { model: 'standin-model', ...llm } },
  });
}

let s: LlmStandin;
let repo: TestRepo;
let server: Server | null = null;

async function serve(files: Files, extra: Parameters<typeof startTestServer>[0] = {}): Promise<Server> {
  repo = makeRepo(files);
  server = await startTestServer({ workspace: repo.dir, ...extra });
  const d = await server.api('POST', '/api/v1/deployments', {});
  assert.is(d.status, 201, JSON.stringify(d.body));
  assert.is(d.body.status, 'succeeded', JSON.stringify(d.body));
  return server;
}

// ---

const E2E = suite('LLM agents on a real server');
E2E.before.each(async () => {
  s = await startLlmStandin();
});
E2E.after.each(async () => {
  if (server) {
    await server.close();
    rm(server.dataDir);
    server = null;
  }
  repo?.remove();
  await s.close();
});

E2E('POST /api/v1/messages :: the stand-in answers; GET /api/v1/analytics/usage shows the tokens per agent, conversation and model', async () => {
  const srv = await serve(llmAgent('writer', { base_url: s.url }));
  const r = await srv.api('POST', '/api/v1/messages', { capability: 'write', content: 'tides', conversationId: 'conv-llm' });
  assert.is(r.status, 200, JSON.stringify(r.body));
  assert.is(r.body.handledBy, 'writer');
  assert.is(r.body.reply, 'echo: Write about: tides');
  assert.is(r.body.performative, 'inform');
  assert.equal(s.requests[0]!.body.messages[0], { role: 'system', content: 'You write short answers.' });
  assert.ok((await srv.api('POST', '/api/v1/messages', { capability: 'write', content: 'waves', conversationId: 'conv-llm' })).status === 200);

  const byAgent = await srv.api('GET', '/api/v1/analytics/usage');
  assert.is(byAgent.status, 200);
  assert.equal(byAgent.body, [{ key: 'writer', calls: 2, promptTokens: 24, completionTokens: 10 }]);
  const byConversation = await srv.api('GET', '/api/v1/analytics/usage?by=conversation');
  assert.equal(byConversation.body, [{ key: 'conv-llm', calls: 2, promptTokens: 24, completionTokens: 10 }]);
  const byModel = await srv.api('GET', '/api/v1/analytics/usage?by=model');
  assert.equal(byModel.body, [{ key: 'openai-compatible/standin-model', calls: 2, promptTokens: 24, completionTokens: 10 }]);
  // each message's usage names the model its tokens were spent on, and how many calls it took
  const events = await srv.api('GET', '/api/v1/events?type=LlmUsage');
  assert.equal(events.body.map((e: { payload: Record<string, unknown> }) => e.payload).map(({ messageId: _, ...p }: Record<string, unknown>) => p), [
    { agent: 'writer', provider: 'openai-compatible', model: 'standin-model', promptTokens: 12, completionTokens: 5, modelCalls: 1 },
    { agent: 'writer', provider: 'openai-compatible', model: 'standin-model', promptTokens: 12, completionTokens: 5, modelCalls: 1 },
  ]);
});

E2E('a tool-call round trip through the dispatcher :: the manifest offered, the call made through the sandbox interface', async () => {
  const invoked: Array<{ fn: string; input: unknown; agent: string | null }> = [];
  const gitRepo = (dir: string) => new GitRepo(dir);
  let dir = '';
  const factory = runtimeFactory({
    createTool: async ({ name }) => ({
      name,
      sha256: '0'.repeat(64),
      async invoke(fn: string, input: unknown, opts: { agent: string | null }): Promise<ToolCallResult> {
        invoked.push({ fn, input, agent: opts.agent });
        return { output: { words: 1 }, durationMs: 0 };
      },
    }),
    createLlmAgent: (args) => llmAgentFactory({ repo: gitRepo(dir), env: () => ({}) })(args),
  });
  repo = makeRepo({ ...llmAgent('writer', { base_url: s.url }, { tools: ['wordcount'] }), ...toolFiles('wordcount', ['count']) });
  dir = repo.dir;
  server = await startTestServer({ workspace: repo.dir, factory });
  assert.is((await server.api('POST', '/api/v1/deployments', {})).status, 201);
  const r = await server.api('POST', '/api/v1/messages', { capability: 'write', content: 'tides' });
  assert.is(r.status, 200, JSON.stringify(r.body));
  assert.is(r.body.reply, 'wordcount__count said: {"words":1}');
  assert.equal(invoked, [{ fn: 'count', input: { text: 'Write about: tides' }, agent: 'writer' }]);
  assert.equal(r.body.trace.map((t: { kind: string; name: string; ok: boolean }) => [t.kind, t.name, t.ok]), [['agent', 'writer', true], ['tool', 'wordcount', true]]);
  assert.is(s.requests[0]!.body.tools![0]!.function.description, 'The wordcount tool — count function');
});

E2E('tool arguments that break the input_schema :: the model is told in plain words which argument is missing or wrong (CAX_TOOL_INPUT_INVALID), not "/ must be object,array"', async () => {
  // an input_schema that is not an object is offered as the one argument "input"; models often pass its fields instead
  const tool = pluginToolFiles('fx', { functions: [{ name: 'echo', input_schema: { type: ['object', 'array'], properties: { rows: { type: 'array' } } } }] });
  s.queue(
    toolCallReply([{ name: 'fx__echo', args: { rows: [1, 2] } }]),
    toolCallReply([{ name: 'fx__echo', args: { input: 'rows' } }]),
    toolCallReply([{ name: 'fx__echo', args: { input: { rows: 'all' } } }]),
    textReply('gave up'),
  );
  const srv = await serve({ ...llmAgent('writer', { base_url: s.url }, { tools: ['fx'] }), ...tool });
  const r = await srv.api('POST', '/api/v1/messages', { capability: 'write', content: 'tides' });
  assert.is(r.status, 200, JSON.stringify(r.body));
  const told = s.requests.slice(1).map((q) => JSON.stringify(q.body.messages.at(-1)));
  assert.match(told[0]!, /"content":"The input does not match the input_schema of fx\.echo: input is missing: it must be an object or an array"/);
  assert.match(told[1]!, /input must be an object or an array, not a string/);
  assert.match(told[2]!, /rows must be an array, not a string/);
  assert.not.match(told.join('\n'), /must be object,array/);
  const failed = await srv.api('GET', '/api/v1/events?type=ToolExecutionFailed');
  assert.equal(failed.body.map((e: { payload: { code: string } }) => e.payload.code), ['CAX_TOOL_INPUT_INVALID', 'CAX_TOOL_INPUT_INVALID', 'CAX_TOOL_INPUT_INVALID']);
});

E2E('the endpoint is down :: 502 whose cause is CAX_LLM_UNAVAILABLE, naming base_url; the failure is an event', async () => {
  const down = await startLlmStandin();
  const url = down.url;
  await down.close();
  const srv = await serve(llmAgent('writer', { base_url: url }), { routing: { backoffMs: 1 } });
  const r = await srv.api('POST', '/api/v1/messages', { capability: 'write', content: 'tides' });
  assert.is(r.status, 502, JSON.stringify(r.body));
  assert.is(r.body.error.code, 'CAX_AGENT_FAILED');
  assert.is(r.body.error.cause, 'CAX_LLM_UNAVAILABLE');
  assert.ok(r.body.error.message.includes(url), r.body.error.message);
  // the cause's advice, not only the generic one
  assert.ok(r.body.error.suggestions[0].startsWith(`Check that ${url} is up`), JSON.stringify(r.body.error.suggestions));
  const failed = await srv.api('GET', '/api/v1/events?type=MessageFailed');
  assert.ok(failed.body.length >= 1);
  assert.is(failed.body[0].payload.code, 'CAX_LLM_UNAVAILABLE');
});

E2E('the key variable is not set :: the deployment succeeds with a warning; messages fail with CAX_LLM_KEY_MISSING', async () => {
  const srv = await serve(llmAgent('writer', { base_url: s.url, api_key_env: 'TEST_UNSET_LLM_KEY' }));
  const r = await srv.api('POST', '/api/v1/messages', { capability: 'write', content: 'tides' });
  assert.is(r.status, 502, JSON.stringify(r.body));
  assert.is(r.body.error.code, 'CAX_LLM_KEY_MISSING');
  assert.match(r.body.error.message, /TEST_UNSET_LLM_KEY/);
  assert.is(s.requests.length, 0);
});

E2E('an endpoint that echoes the key in its error :: the key is sent, but neither answered nor logged', async () => {
  const key = 'sk-caxton-test-9f8e7d6c5b4a';
  process.env.TEST_LLM_KEY = key;
  const logs = captureLogs('debug');
  try {
    s.fallback = (req) => errorReply(500, `upstream refused ${String(req.headers.authorization)}`);
    const srv = await serve(llmAgent('writer', { base_url: s.url, api_key_env: 'TEST_LLM_KEY' }), { logger: logs.logger, routing: { backoffMs: 1 } });
    const r = await srv.api('POST', '/api/v1/messages', { capability: 'write', content: 'tides' });
    assert.is(r.status, 502);
    assert.is(r.body.error.cause, 'CAX_LLM_UNAVAILABLE');
    assert.is(s.requests[0]!.headers.authorization, `Bearer ${key}`);
    assert.match(r.body.error.message, /\[redacted\]/);
    assert.not.ok(JSON.stringify(r.body).includes(key), 'key in the answer');
    const events = await srv.api('GET', '/api/v1/events?limit=1000');
    assert.not.ok(JSON.stringify(events.body).includes(key), 'key in the event log');
    await srv.close();
    rm(srv.dataDir);
    server = null;
    assert.ok(logs.lines.length > 0);
    assert.not.ok(logs.lines.some((l) => l.includes(key)), 'key in the server log');
  } finally {
    delete process.env.TEST_LLM_KEY;
  }
});

E2E('CAXTON_LLM_RECORD, commit, CAXTON_LLM_REPLAY :: the documented CI workflow, with no endpoint and no key at replay time', async () => {
  const recordDir = tmpDir('caxton-record-');
  process.env.CAXTON_LLM_RECORD = recordDir;
  let srv: Server;
  try {
    srv = await serve(llmAgent('writer', { base_url: s.url }));
  } finally {
    delete process.env.CAXTON_LLM_RECORD;
  }
  const live = await srv.api('POST', '/api/v1/messages', { capability: 'write', content: 'tides' });
  assert.is(live.status, 200);
  await srv.close();
  rm(srv.dataDir);
  server = null;
  repo.remove();
  await s.close();

  const recording = fs.readFileSync(path.join(recordDir, 'agents', 'writer', 'replay.json'), 'utf8');
  rm(recordDir);
  // CI: the same agent.toml (its endpoint is gone now), the recording committed beside it.
  process.env.CAXTON_LLM_REPLAY = '1';
  let replayed: Server;
  try {
    replayed = await serve({ ...llmAgent('writer', { base_url: s.url, api_key_env: 'TEST_UNSET_LLM_KEY' }), 'agents/writer/replay.json': recording });
  } finally {
    delete process.env.CAXTON_LLM_REPLAY;
  }
  const r = await replayed.api('POST', '/api/v1/messages', { capability: 'write', content: 'tides' });
  assert.is(r.status, 200, JSON.stringify(r.body));
  assert.is(r.body.reply, live.body.reply);
  const usage = await replayed.api('GET', '/api/v1/analytics/usage');
  assert.equal(usage.body, [{ key: 'writer', calls: 1, promptTokens: 12, completionTokens: 5 }], 'recorded usage is replayed too');
  const miss = await replayed.api('POST', '/api/v1/messages', { capability: 'write', content: 'something new' });
  // A replay miss is final: retrying on the same recording cannot help, so it is answered as itself.
  assert.is(miss.status, 502);
  assert.is(miss.body.error.code, 'CAX_LLM_REPLAY_MISS');
  s = await startLlmStandin(); // for after.each
});

E2E.run();
