import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { functionName, offeredTools } from '../../../server/agents/llm.js';
import { llmAgentFactory } from '../../../server/agents/llm-factory.js';
import { llmSettings } from '../../../server/agents/llm-config.js';
import type { AsyncAgentRuntime } from '../../../server/agents/runtime.js';
import { CaxtonError } from '../../../server/errors.js';
import type { AgentFile } from '../../../server/workspace/schema.js';
import { agentRequest, agentSpec, toolSpec } from '../../util/agent-request.js';
import { errorReply, startLlmStandin, textReply, toolCallReply, type LlmStandin } from '../../util/llm-standin.js';
import { rejection } from '../../util/promises.js';

const noRepo = {
  commitTree: () => Promise.reject(new Error('no repository in this test')),
  readTree: () => Promise.reject(new Error('no repository in this test')),
  readBlob: () => Promise.reject(new Error('no repository in this test')),
};

function llmSpec(llm: Record<string, unknown>, o: Record<string, unknown> = {}): AgentFile {
  return agentSpec({ runtime: 'llm', llm: { model: 'standin-model', ...llm }, ...o });
}

async function build(spec: AgentFile, env: Record<string, string | undefined> = {}, warnings: unknown[] = []): Promise<AsyncAgentRuntime> {
  const logger = { warn: (o: unknown) => void warnings.push(o), info: () => undefined };
  return llmAgentFactory({ repo: noRepo, env: () => env, logger })({ name: 'helper', spec, sha: 'a'.repeat(40) });
}

const WORDCOUNT = toolSpec('wordcount', [
  { name: 'count', description: 'counts the words of text', input_schema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] } },
]);

let s: LlmStandin;

// ---

const Answers = suite('llmAgent :: answers');
Answers.before.each(async () => {
  s = await startLlmStandin();
});
Answers.after.each(() => s.close());

Answers('a plain answer :: prompts rendered over the message, settings sent, usage reported', async () => {
  const a = await build(llmSpec({ base_url: s.url, temperature: 0.2, max_tokens: 100 }, {
    system_prompt: 'You are {{agent.name}}: {{agent.description}}.',
    user_prompt_template: 'Task: {{content}} (from {{message.sender}})',
  }));
  assert.is(a.kind, 'llm');
  const { req, calls } = agentRequest();
  const answer = await a.handle(req);
  assert.equal(answer, { content: 'echo: Task: plan my week (from client)', performative: 'inform', usage: { provider: 'openai-compatible', model: 'standin-model', promptTokens: 12, completionTokens: 5, modelCalls: 1 } });
  assert.is(s.requests.length, 1);
  const body = s.requests[0]!.body;
  assert.is(body.model, 'standin-model');
  assert.equal(body.messages, [
    { role: 'system', content: 'You are helper: Helps.' },
    { role: 'user', content: 'Task: plan my week (from client)' },
  ]);
  assert.is(body.temperature, 0.2);
  assert.is(body.max_tokens, 100);
  assert.is(body.tools, undefined, 'no tools listed, none offered');
  assert.is(s.requests[0]!.headers.authorization, undefined, 'no key configured, none sent');
  assert.equal(calls, []);
});

Answers('provider "anthropic" :: the Messages API with x-api-key; usage reported', async () => {
  const a = await build(llmSpec({ provider: 'anthropic', base_url: s.url }, { system_prompt: 'Be brief.' }), { ANTHROPIC_API_KEY: 'sk-ant-test' });
  const answer = await a.handle(agentRequest().req);
  assert.equal(answer, { content: 'echo: plan my week', performative: 'inform', usage: { provider: 'anthropic', model: 'standin-model', promptTokens: 12, completionTokens: 5, modelCalls: 1 } });
  const r = s.requests[0]!;
  assert.is(r.path, '/v1/messages');
  assert.is(r.headers['x-api-key'], 'sk-ant-test');
  assert.is((r.body as unknown as { system: Array<{ text: string }> }).system[0]!.text, 'Be brief.');
});

Answers("the AI SDK's warnings (anthropic clamps a temperature over 1) :: through the server's logger, not as text on the console", async () => {
  const warnings: unknown[] = [];
  const printed: unknown[] = [];
  const a = await build(llmSpec({ provider: 'anthropic', base_url: s.url, temperature: 1.5 }), { ANTHROPIC_API_KEY: 'sk-ant-test' }, warnings);
  const { warn, info } = console;
  console.warn = (...x: unknown[]) => void printed.push(x);
  console.info = (...x: unknown[]) => void printed.push(x);
  try {
    await a.handle(agentRequest().req);
  } finally {
    Object.assign(console, { warn, info });
  }
  assert.equal(printed, []);
  assert.ok(warnings.some((w) => /temperature/.test(JSON.stringify(w))), JSON.stringify(warnings));
});

Answers('tool calls the model gets wrong (a tool it was not offered, arguments that are not JSON) :: refused before they run, the model told, reported through req.toolRejected', async () => {
  const broken = toolCallReply([{ name: 'wordcount__count', args: {} }]);
  (broken.body as { choices: Array<{ message: { tool_calls: Array<{ function: { arguments: string } }> } }> }).choices[0]!.message.tool_calls[0]!.function.arguments = '{"text": ';
  s.queue(toolCallReply([{ name: 'fetch-data__fetch', args: { url: 'x' } }]), broken, textReply('gave up on tools'));
  const a = await build(llmSpec({ base_url: s.url }, { tools: ['wordcount'] }));
  const { req, calls, rejected } = agentRequest({ tools: { 'wordcount.count': () => ({ words: 3 }) }, manifests: [WORDCOUNT] });
  assert.is((await a.handle(req)).content, 'gave up on tools');
  assert.equal(calls, [], 'nothing ran');
  assert.equal(rejected.map((r) => r.name), ['fetch-data__fetch', 'wordcount__count']);
  assert.match(rejected[0]!.reason, /fetch-data__fetch/);
  assert.match(rejected[1]!.reason, /JSON|parse|input/i);
  // the model was told what went wrong, in the tool result of its next call
  assert.match(JSON.stringify(s.requests[1]!.body.messages), /fetch-data__fetch/);
});

Answers('JSON content :: the default template sends it as JSON text', async () => {
  const a = await build(llmSpec({ base_url: s.url }));
  const { req } = agentRequest({ message: { content: { city: 'Oslo' } } });
  assert.is((await a.handle(req)).content, 'echo: {"city":"Oslo"}');
});

Answers('a tool-call round trip :: the model asks, req.callTool runs it, the result goes back, the answer uses it', async () => {
  const a = await build(llmSpec({ base_url: s.url }, { tools: ['wordcount'] }));
  const { req, calls } = agentRequest({ tools: { 'wordcount.count': () => ({ words: 3 }) }, manifests: [WORDCOUNT] });
  const answer = await a.handle(req);
  assert.is(answer.content, 'wordcount__count said: {"words":3}');
  assert.equal(calls, [{ tool: 'wordcount', fn: 'count', input: { text: 'plan my week' } }]);
  assert.is(s.requests.length, 2);
  const [first, second] = s.requests.map((r) => r.body);
  assert.equal(first!.tools, [{
    type: 'function',
    function: { name: 'wordcount__count', description: 'The wordcount tool — counts the words of text', parameters: WORDCOUNT.functions[0]!.input_schema },
  }]);
  const [, assistant, tool] = second!.messages;
  assert.is(assistant!.tool_calls![0]!.function.name, 'wordcount__count');
  assert.equal(tool, { role: 'tool', tool_call_id: 'call_1', content: '{"words":3}' });
  assert.equal(answer.usage, { provider: 'openai-compatible', model: 'standin-model', promptTokens: 24, completionTokens: 10, modelCalls: 2 }, 'usage summed over both model calls');
});

Answers('a tool that fails :: the model is told, and answers', async () => {
  const a = await build(llmSpec({ base_url: s.url }, { tools: ['wordcount'] }));
  const { req, calls } = agentRequest({ tools: { 'wordcount.count': () => { throw new Error('input too long'); } }, manifests: [WORDCOUNT] });
  const answer = await a.handle(req);
  assert.is(calls.length, 1);
  assert.match(String(answer.content), /input too long/);
});

Answers('tools not deployed at this snapshot are not offered', async () => {
  const a = await build(llmSpec({ base_url: s.url }, { tools: ['wordcount', 'missing'] }));
  const { req } = agentRequest({ manifests: [] });
  assert.is((await a.handle(req)).content, 'echo: plan my week');
  assert.is(s.requests[0]!.body.tools, undefined);
});

Answers.run();

// ---

const Turns = suite('llmAgent :: bounded turns');
Turns.before.each(async () => {
  s = await startLlmStandin();
});
Turns.after.each(() => s.close());

Turns('a model that keeps calling tools :: stops after max_turns with CAX_LLM_TURN_LIMIT', async () => {
  s.fallback = () => toolCallReply([{ name: 'wordcount__count', args: { text: 'again' } }]);
  const a = await build(llmSpec({ base_url: s.url, max_turns: 3 }, { tools: ['wordcount'] }));
  const { req, calls } = agentRequest({ tools: { 'wordcount.count': () => ({ words: 1 }) }, manifests: [WORDCOUNT] });
  const e = await rejection(a.handle(req));
  assert.is(e.code, 'CAX_LLM_TURN_LIMIT');
  assert.is(e.data.turns, 3);
  assert.is(s.requests.length, 3);
  assert.is(s.requests[0]!.body.tool_choice, 'auto');
  assert.is(s.requests[2]!.body.tool_choice, 'none', 'the last turn asks for an answer in words');
  assert.is(calls.length, 2, 'the tool call on the last turn is refused, not run');
  // every model call cost tokens, the refused last one too: the dispatcher records them as failed usage
  assert.equal(e.details.usage, { provider: 'openai-compatible', model: 'standin-model', promptTokens: 3 * 12, completionTokens: 3 * 5, modelCalls: 3 });
});

Turns('the last turn forbids tool calls :: a model that complies answers (max_turns = 1)', async () => {
  const a = await build(llmSpec({ base_url: s.url, max_turns: 1 }, { tools: ['wordcount'] }));
  const { req, calls } = agentRequest({ tools: { 'wordcount.count': () => ({ words: 1 }) }, manifests: [WORDCOUNT] });
  assert.is((await a.handle(req)).content, 'echo: plan my week');
  assert.is(s.requests.length, 1);
  assert.equal(calls, []);
});

Turns('the default bound is 5 model calls', async () => {
  s.fallback = () => toolCallReply([{ name: 'wordcount__count', args: { text: 'again' } }]);
  const a = await build(llmSpec({ base_url: s.url }, { tools: ['wordcount'] }));
  const { req } = agentRequest({ tools: { 'wordcount.count': () => ({ words: 1 }) }, manifests: [WORDCOUNT] });
  assert.is((await rejection(a.handle(req))).code, 'CAX_LLM_TURN_LIMIT');
  assert.is(s.requests.length, 5);
});

Turns.run();

// ---

const Failures = suite('llmAgent :: rate limits, errors and time-outs');
Failures.before.each(async () => {
  s = await startLlmStandin();
});
Failures.after.each(() => s.close());

Failures('429 with Retry-After :: retried once after the wait, then answers', async () => {
  s.queue(errorReply(429, 'slow down', { 'retry-after': '1' }));
  const a = await build(llmSpec({ base_url: s.url }));
  const answer = await a.handle(agentRequest().req);
  assert.is(answer.content, 'echo: plan my week');
  assert.is(s.requests.length, 2);
  const gap = s.requests[1]!.at - s.requests[0]!.at;
  assert.ok(gap >= 950, `waited ${gap} ms for Retry-After: 1`);
  assert.ok(gap < 3000, `waited ${gap} ms`);
});

Failures('429 again after the retry :: CAX_LLM_RATE_LIMITED with the wait asked, after exactly two requests', async () => {
  s.queue(errorReply(429, 'slow down', { 'retry-after-ms': '50' }), errorReply(429, 'still slow', { 'retry-after': '7' }));
  const a = await build(llmSpec({ base_url: s.url }));
  const e = await rejection(a.handle(agentRequest().req));
  assert.is(e.code, 'CAX_LLM_RATE_LIMITED');
  assert.match(e.message, /429/);
  assert.is(e.data.waitMs, 7000);
  assert.match(e.suggestions[0]!, /wait 7 s/);
  assert.is(s.requests.length, 2);
});

Failures('429 asking for longer than the time-out allows :: fails at once, no retry', async () => {
  s.queue(errorReply(429, 'come back in two minutes', { 'retry-after': '120' }));
  const a = await build(llmSpec({ base_url: s.url, timeout_ms: 5000 }));
  const t0 = Date.now();
  const e = await rejection(a.handle(agentRequest().req));
  assert.is(e.code, 'CAX_LLM_RATE_LIMITED');
  assert.match(e.message, /wait 120 s/);
  assert.is(s.requests.length, 1);
  assert.ok(Date.now() - t0 < 2000);
});

Failures("429 whose wait fits timeout_ms but not the dispatcher's deadline (agent_timeout_ms, ttl) :: fails at once, naming the time really left", async () => {
  s.queue(errorReply(429, 'come back in forty seconds', { 'retry-after': '40' }));
  const a = await build(llmSpec({ base_url: s.url, timeout_ms: 60_000 }));
  const t0 = Date.now();
  const e = await rejection(a.handle(agentRequest({ deadline: Date.now() + 30_000 }).req));
  assert.is(e.code, 'CAX_LLM_RATE_LIMITED');
  assert.match(e.message, /wait 40 s, more than the (29|30) s left/);
  assert.is(s.requests.length, 1);
  assert.ok(Date.now() - t0 < 2000);
});

Failures('an error answer :: CAX_LLM_UNAVAILABLE naming base_url and model, never the key; not retried', async () => {
  const key = 'sk-standin-0123456789';
  s.queue(errorReply(500, `internal error for key ${key}`));
  const a = await build(llmSpec({ base_url: s.url, api_key_env: 'STANDIN_KEY' }), { STANDIN_KEY: key });
  const e = await rejection(a.handle(agentRequest().req));
  assert.is(e.code, 'CAX_LLM_UNAVAILABLE');
  assert.is(e.data.url, s.url);
  assert.is(e.data.model, 'standin-model');
  assert.ok(e.message.includes(s.url) && e.message.includes('standin-model'), e.message);
  assert.match(e.message, /HTTP 500/);
  const body = JSON.stringify(e.toJSON());
  assert.not.ok(body.includes(key), `the key leaked: ${body}`);
  assert.is(s.requests.length, 1);
  assert.is(s.requests[0]!.headers.authorization, `Bearer ${key}`);
});

Failures('a request the endpoint refuses (401, 403, 404) :: CAX_LLM_REFUSED (final: not retried), with advice on the key or the model; a 500 stays CAX_LLM_UNAVAILABLE', async () => {
  s.queue(errorReply(401, 'invalid api key'));
  const keyed = await build(llmSpec({ base_url: s.url, api_key_env: 'STANDIN_KEY' }), { STANDIN_KEY: 'sk-wrong-0000' });
  const e = await rejection(keyed.handle(agentRequest().req));
  assert.is(e.code, 'CAX_LLM_REFUSED');
  assert.match(e.message, /refused the request: .*HTTP 401/);
  assert.match(e.suggestions[0]!, /^The endpoint refused the key in \$STANDIN_KEY: check that it is a valid key for /);
  assert.not.ok(JSON.stringify(e.toJSON()).includes('sk-wrong-0000'));
  s.queue(errorReply(403, 'key required'));
  const keyless = await build(llmSpec({ base_url: s.url }));
  assert.match((await rejection(keyless.handle(agentRequest().req))).suggestions[0]!, /set \[llm\] api_key_env/);
  s.queue(errorReply(404, 'no such model'));
  assert.match((await rejection(keyless.handle(agentRequest().req))).suggestions[0]!, /Check the model name "standin-model"/);
  s.queue(errorReply(500, 'boom'));
  const down = await rejection(keyless.handle(agentRequest().req));
  assert.is(down.code, 'CAX_LLM_UNAVAILABLE');
  assert.match(down.suggestions[0]!, /is up and the model "standin-model" exists/);
});

Failures('the endpoint is down :: CAX_LLM_UNAVAILABLE naming base_url and model', async () => {
  const down = await startLlmStandin();
  const url = down.url;
  await down.close();
  const a = await build(llmSpec({ base_url: url }));
  const t0 = Date.now();
  const e = await rejection(a.handle(agentRequest().req));
  assert.is(e.code, 'CAX_LLM_UNAVAILABLE');
  assert.ok(e.message.includes(url), e.message);
  assert.match(e.message, /cannot connect \(ECONNREFUSED\)/);
  assert.match(e.suggestions.join(' '), /standin-model/);
  assert.ok(Date.now() - t0 < 1000, 'a refused connection is not retried');
});

Failures('the key variable is not set :: CAX_LLM_KEY_MISSING at call time, no request; the build warns', async () => {
  const warnings: unknown[] = [];
  const env: Record<string, string | undefined> = {};
  const a = await build(llmSpec({ base_url: s.url, api_key_env: 'STANDIN_KEY' }), env, warnings);
  assert.equal(warnings, [{ agent: 'helper', env: 'STANDIN_KEY' }]);
  const e = await rejection(a.handle(agentRequest().req));
  assert.is(e.code, 'CAX_LLM_KEY_MISSING');
  assert.is(e.data.env, 'STANDIN_KEY');
  assert.match(e.message, /STANDIN_KEY/);
  assert.ok(e.suggestions.some((x) => x.includes('CAXTON_LLM_REPLAY=1')), e.suggestions.join('\n'));
  assert.is(s.requests.length, 0);
  env.STANDIN_KEY = 'sk-set-later';
  assert.is((await a.handle(agentRequest().req)).content, 'echo: plan my week', 'the key is read at call time');
});

Failures('timeout_ms :: a slow endpoint fails with CAX_LLM_UNAVAILABLE when the time is up', async () => {
  s.queue({ ...textReply('too late'), delayMs: 3000 });
  const a = await build(llmSpec({ base_url: s.url, timeout_ms: 200 }));
  const t0 = Date.now();
  const e = await rejection(a.handle(agentRequest().req));
  assert.is(e.code, 'CAX_LLM_UNAVAILABLE');
  assert.match(e.message, /no answer within 200 ms/);
  assert.match(e.suggestions[0]!, /raise it, and \[routing\] agent_timeout_ms/, 'the advice is the time-out, not only whether the endpoint is up');
  assert.ok(Date.now() - t0 < 1500);
});

Failures('the request is cancelled (req.signal) :: the model call stops', async () => {
  s.queue({ ...textReply('too late'), delayMs: 3000 });
  const a = await build(llmSpec({ base_url: s.url }));
  const ac = new AbortController();
  setTimeout(() => ac.abort(new Error('message expired')), 100);
  const t0 = Date.now();
  const err = await a.handle(agentRequest({ signal: ac.signal }).req).then(() => null, (e: unknown) => e);
  assert.ok(err, 'rejected');
  assert.not.instance(err, CaxtonError, 'the dispatcher, not the runtime, reports an expired message');
  assert.ok(Date.now() - t0 < 1500);
});

Failures.run();

// ---

const Settings = suite('llmSettings');

Settings('defaults :: 5 turns, 60 s, replay.json; hosted providers know their endpoint and key variable', () => {
  const openai = llmSettings(llmSpec({ provider: 'openai' }));
  assert.equal(openai, {
    provider: 'openai', model: 'standin-model', baseUrl: 'https://api.openai.com/v1', apiKeyEnv: 'OPENAI_API_KEY',
    temperature: undefined, maxTokens: undefined, timeoutMs: 60_000, maxTurns: 5, replayFile: 'replay.json',
  });
  assert.is(llmSettings(llmSpec({ provider: 'anthropic' })).apiKeyEnv, 'ANTHROPIC_API_KEY');
  assert.is(llmSettings(llmSpec({ provider: 'ollama' })).baseUrl, 'http://127.0.0.1:11434/v1');
  assert.is(llmSettings(llmSpec({ provider: 'ollama' })).apiKeyEnv, null);
  assert.is(llmSettings(llmSpec({ base_url: 'http://127.0.0.1:9/v1/' })).baseUrl, 'http://127.0.0.1:9/v1', 'trailing slash dropped');
});

Settings('openai-compatible without base_url :: the build fails, saying what to add', async () => {
  assert.throws(() => llmSettings(llmSpec({})), /needs base_url/);
  try {
    await build(llmSpec({}));
    assert.unreachable('built');
  } catch (err) {
    assert.match((err as Error).message, /base_url/);
  }
});

Settings.run();

// ---

const Names = suite('functionName');

Names('tool__fn, within OpenAI\'s 64 characters', () => {
  assert.is(functionName('wordcount', 'count'), 'wordcount__count');
  const long = functionName('a'.repeat(60), 'b'.repeat(60));
  assert.is(long.length, 64);
  assert.match(long, /^[a-zA-Z0-9_-]{1,64}$/);
  assert.is.not(long, functionName('a'.repeat(60), `${'b'.repeat(59)}c`), 'distinct names stay distinct');
});

Names.run();

// ---

const Offered = suite('offeredTools');

Offered('one function per function of each permitted, deployed tool; the call goes through callTool', async () => {
  const two = toolSpec('text', [{ name: 'upper' }, { name: 'lower', description: 'lower-cases' }]);
  const { req, calls } = agentRequest({ manifests: [two, WORDCOUNT], tools: { 'text.lower': (i) => i } });
  const tools = offeredTools(agentSpec({ tools: ['text'] }), req);
  assert.equal(tools.map((t) => [t.name, t.description]), [['text__upper', 'The text tool'], ['text__lower', 'The text tool — lower-cases']]);
  assert.equal(await tools[1]!.execute({ s: 'X' }), { s: 'X' });
  assert.equal(calls, [{ tool: 'text', fn: 'lower', input: { s: 'X' } }]);
});

Offered('an input that is not an object (a string, a list, a choice of types) is offered as the one field "input", and passed on unwrapped', async () => {
  const mixed = toolSpec('fetch', [{ name: 'fetch', input_schema: { type: ['object', 'string'] } }, { name: 'sum', input_schema: { type: 'array', items: { type: 'number' } } }]);
  const { req, calls } = agentRequest({ manifests: [mixed], tools: { 'fetch.fetch': (i) => i, 'fetch.sum': (i) => i } });
  const tools = offeredTools(agentSpec({ tools: ['fetch'] }), req);
  assert.equal(tools.map((t) => t.inputSchema), [
    { type: 'object', properties: { input: { type: ['object', 'string'] } }, required: ['input'], additionalProperties: false },
    { type: 'object', properties: { input: { type: 'array', items: { type: 'number' } } }, required: ['input'], additionalProperties: false },
  ]);
  assert.is(await tools[0]!.execute({ input: 'sales' }), 'sales');
  assert.equal(await tools[1]!.execute({ input: [1, 2] }), [1, 2]);
  assert.equal(calls, [{ tool: 'fetch', fn: 'fetch', input: 'sales' }, { tool: 'fetch', fn: 'sum', input: [1, 2] }]);
});

Offered.run();
