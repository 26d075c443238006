// Builds LLM agents for a deployment: settings resolved and checked (a bad [llm] table fails the
// build, naming the agent), the recording of a "replay" agent read from the deployed commit, a
// warning when a key variable is missing (the key is checked again at call time), and recording
// of live exchanges when the server runs with CAXTON_LLM_RECORD (or playback of every LLM agent
// with CAXTON_LLM_REPLAY, so CI runs the production agent.toml without a network).
import path from 'node:path';
import type { Logger } from 'pino';
import type { LlmAgentFactory } from './factory.js';
import { llmAgent } from './llm.js';
import { llmSettings } from './llm-config.js';
import { parseCassette } from './llm-replay.js';
import { CaxtonError } from '../errors.js';

/** The git reads a factory needs: a file of a commit by path. */
export interface CommitReader {
  commitTree(sha: string): Promise<string>;
  readTree(oid: string): Promise<Array<{ path: string; oid: string; type: string }>>;
  readBlob(oid: string): Promise<Uint8Array>;
}

/** The bytes of `file` (slash-separated) at commit `sha`, or null when there is no such file. */
export async function readAtCommit(repo: CommitReader, sha: string, file: string): Promise<Uint8Array | null> {
  let oid = await repo.commitTree(sha);
  const parts = file.split('/');
  for (const [i, part] of parts.entries()) {
    const entry = (await repo.readTree(oid)).find((e) => e.path === part);
    if (!entry || (i < parts.length - 1 ? entry.type !== 'tree' : entry.type !== 'blob')) return null;
    oid = entry.oid;
  }
  return repo.readBlob(oid);
}

export interface LlmFactoryOptions {
  repo: CommitReader;
  logger?: Pick<Logger, 'warn' | 'info'>;
  env?: () => Record<string, string | undefined>;
  /** a folder laid out as the workspace, where agents/<name>/<replay_file> recordings go; null: no recording */
  recordDir?: string | null;
  /** every LLM agent plays back its recording, whatever its provider (CAXTON_LLM_REPLAY=1, for CI) */
  replayAll?: boolean;
}

/**
 * Where live exchanges are recorded, from CAXTON_LLM_RECORD: unset or "0" → none; "1" → the
 * workspace itself when it is a local checkout (so `git add` picks the files up), else `fallback`;
 * anything else → that folder.
 */
export function recordDirFrom(value: string | undefined, opts: { workspace: string | null; fallback: string }): string | null {
  const flag = switchOf(value);
  if (flag === false) return null;
  if (flag === true) return opts.workspace ?? opts.fallback;
  return path.resolve(value!);
}

/** An on/off environment variable: "1", "true", "yes", "on" (any case: a workflow's YAML writes true) or "0", "false", "no", "off", unset; else null. */
function switchOf(value: string | undefined): boolean | null {
  const v = (value ?? '').trim().toLowerCase();
  if (v === '' || v === '0' || v === 'false' || v === 'no' || v === 'off') return false;
  if (v === '1' || v === 'true' || v === 'yes' || v === 'on') return true;
  return null;
}

/**
 * Whether every LLM agent plays back its recording, from CAXTON_LLM_REPLAY. A value that is neither
 * on nor off is refused: read as off, a CI run would call the live endpoint (and spend money).
 */
export function replayAllFrom(value: string | undefined): boolean {
  const flag = switchOf(value);
  if (flag === null) {
    throw new CaxtonError('CAX_USAGE', {
      detail: `CAXTON_LLM_REPLAY is ${JSON.stringify(value)}, which is neither on (1, true, yes, on) nor off (0, false, no, off)`,
      hint: 'Set CAXTON_LLM_REPLAY=1 (or true) to play every LLM agent back from its recording, as in CI; unset it, or 0, for the live endpoints.',
    });
  }
  return flag;
}

/**
 * The AI SDK's warnings (a setting the provider ignores or clamps, say) through the server's log:
 * by default the SDK writes them as plain text to the console, once per call, into a log of JSON
 * lines. The SDK reads one process-wide setting, so the last server started in a process has them.
 */
export function sdkWarningsTo(logger: Pick<Logger, 'warn'>): void {
  (globalThis as { AI_SDK_LOG_WARNINGS?: unknown }).AI_SDK_LOG_WARNINGS = (o: { warnings: unknown[]; provider?: string; model?: string }) =>
    logger.warn({ provider: o.provider, model: o.model, warnings: o.warnings }, 'the AI SDK warns about a model call');
}

export function llmAgentFactory(o: LlmFactoryOptions): LlmAgentFactory {
  const env = o.env ?? (() => process.env);
  if (o.logger) sdkWarningsTo(o.logger);
  return async ({ name, spec, sha }) => {
    const configured = llmSettings(spec);
    const settings = o.replayAll ? { ...configured, provider: 'replay' as const, baseUrl: null, apiKeyEnv: null } : configured;
    // The AI SDK takes ~120 ms to load: only servers that deploy an LLM agent pay for it.
    const { sdkProvider } = await import('./llm-provider.js');
    const file = `agents/${name}/${settings.replayFile}`;
    if (settings.provider === 'replay') {
      const bytes = await readAtCommit(o.repo, sha, file);
      if (!bytes) {
        const why = o.replayAll ? 'the server runs with CAXTON_LLM_REPLAY=1, so every LLM agent plays back its recording' : 'provider = "replay" plays it back';
        throw new Error(`agent ${name} has no recording: ${why}, and commit ${sha.slice(0, 7)} lacks ${file}; record it first (docs/llm.md)`);
      }
      const cassette = parseCassette(Buffer.from(bytes).toString('utf8'), file);
      return llmAgent({ name, spec, provider: sdkProvider({ agent: name, settings, cassette, env }) });
    }
    // A missing key fails each message with CAX_LLM_KEY_MISSING, not the deployment: the other
    // agents of the commit still deploy, and the warning says what to set.
    if (settings.apiKeyEnv && !env()[settings.apiKeyEnv]) {
      o.logger?.warn({ agent: name, env: settings.apiKeyEnv }, `agent ${name} needs $${settings.apiKeyEnv}, which is not set: its messages will fail with CAX_LLM_KEY_MISSING`);
    }
    const recordFile = o.recordDir ? path.join(o.recordDir, ...file.split('/')) : null;
    if (recordFile) o.logger?.info({ agent: name, file: recordFile }, `recording the model exchanges of ${name}`);
    return llmAgent({
      name,
      spec,
      provider: sdkProvider({
        agent: name,
        settings,
        env,
        recordFile,
        onRecordError: (err) => o.logger?.warn({ err, agent: name, file: recordFile }, 'could not record a model exchange'),
      }),
    });
  };
}
