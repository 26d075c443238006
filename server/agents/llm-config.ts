// An agent's [llm] table with every default filled in, and the checks that can fail at deploy time.
// Pure: the environment is not read here (the key is looked up at call time, see llm-provider.ts).
import type { AgentFile } from '../workspace/schema.js';

export type LlmProviderName = 'openai-compatible' | 'openai' | 'anthropic' | 'ollama' | 'replay';

export interface LlmSettings {
  provider: LlmProviderName;
  model: string;
  /** the endpoint; null for the replay provider */
  baseUrl: string | null;
  /** the environment variable that holds the key; null when the endpoint needs none */
  apiKeyEnv: string | null;
  temperature: number | undefined;
  maxTokens: number | undefined;
  timeoutMs: number;
  maxTurns: number;
  /** path inside the agent's folder: replayed from (provider "replay") or recorded to */
  replayFile: string;
}

export const LLM_DEFAULTS = { timeoutMs: 60_000, maxTurns: 5, replayFile: 'replay.json' } as const;

/** Hosted providers have a well-known endpoint and key variable; a local server needs neither. */
const PROVIDER_DEFAULTS: Record<LlmProviderName, { baseUrl: string | null; apiKeyEnv: string | null }> = {
  openai: { baseUrl: 'https://api.openai.com/v1', apiKeyEnv: 'OPENAI_API_KEY' },
  anthropic: { baseUrl: 'https://api.anthropic.com/v1', apiKeyEnv: 'ANTHROPIC_API_KEY' },
  ollama: { baseUrl: 'http://127.0.0.1:11434/v1', apiKeyEnv: null },
  'openai-compatible': { baseUrl: null, apiKeyEnv: null },
  replay: { baseUrl: null, apiKeyEnv: null },
};

/**
 * An LLM agent's recording, as a path inside its folder: what provider "replay" and
 * CAXTON_LLM_REPLAY=1 play back, and CAXTON_LLM_RECORD writes. Null for an offline agent.
 */
export function recordingFile(spec: AgentFile): string | null {
  return spec.runtime === 'llm' && spec.llm ? (spec.llm.replay_file ?? LLM_DEFAULTS.replayFile) : null;
}

/**
 * The recording a deployment plays back for the agent, as a path inside its folder: runtime "llm"
 * with provider "replay" (CAXTON_LLM_REPLAY=1 plays back every LLM agent, which only the server knows).
 */
export function replayedFile(spec: AgentFile): string | null {
  return spec.llm?.provider === 'replay' ? recordingFile(spec) : null;
}

/**
 * Resolves an agent's [llm] table. Throws (a plain Error: the deployer turns it into
 * CAX_BUILD_FAILED naming the agent) when the table cannot work at all.
 */
export function llmSettings(spec: AgentFile): LlmSettings {
  const llm = spec.llm;
  if (!llm) throw new Error('runtime = "llm" needs an [llm] table with model and base_url');
  const d = PROVIDER_DEFAULTS[llm.provider];
  const baseUrl = llm.provider === 'replay' ? null : (llm.base_url ?? d.baseUrl);
  if (llm.provider !== 'replay' && !baseUrl) {
    throw new Error(`[llm] provider "${llm.provider}" needs base_url (e.g. "http://127.0.0.1:8000/v1")`);
  }
  return {
    provider: llm.provider,
    model: llm.model,
    baseUrl: baseUrl ? baseUrl.replace(/\/+$/, '') : null,
    apiKeyEnv: llm.provider === 'replay' ? null : (llm.api_key_env ?? d.apiKeyEnv),
    temperature: llm.temperature,
    maxTokens: llm.max_tokens,
    timeoutMs: llm.timeout_ms ?? LLM_DEFAULTS.timeoutMs,
    maxTurns: llm.max_turns ?? LLM_DEFAULTS.maxTurns,
    replayFile: llm.replay_file ?? LLM_DEFAULTS.replayFile,
  };
}
