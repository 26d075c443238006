// The on-disk shape of a workspace, as zod schemas. Each schema is at once the TypeScript type,
// the validator and (through scripts/generate-schemas.ts) the JSON Schema in schemas/.
import { z } from 'zod';

export const NAME_PATTERN = '^[a-z][a-z0-9-]{0,62}$';
export const NAME_RE = new RegExp(NAME_PATTERN);

export const Name = z
  .string()
  .regex(NAME_RE, { message: `must match ${NAME_PATTERN} (lower-case letters, digits and dashes, starting with a letter)` });

/** WebAssembly export names, as Extism plugins name their functions. */
const FunctionName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, { message: 'must be a WebAssembly export name ([A-Za-z_][A-Za-z0-9_]*)' });

/** A path inside the entity's own folder: relative, no "..", no absolute paths. */
const InnerPath = z
  .string()
  .min(1)
  .refine((p) => !p.startsWith('/') && !p.split(/[\\/]/).includes('..'), {
    message: 'must be a relative path inside the folder (no "/" prefix, no "..")',
  });

export const LlmConfig = z.strictObject({
  provider: z.enum(['openai-compatible', 'openai', 'anthropic', 'ollama', 'replay']).default('openai-compatible'),
  model: z.string().min(1),
  base_url: z
    .url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL, e.g. "http://127.0.0.1:8000/v1"' })
    // the URL is quoted in every error, event and log line about the endpoint, and the SDK appends
    // paths to it: a user:password, a ?query (an api-key) or a #fragment would leak or break it
    .refine((u) => {
      try {
        const url = new URL(u);
        return !url.username && !url.password && !url.search && !url.hash;
      } catch {
        return true; // z.url reports it
      }
    }, { message: 'must not hold credentials, a ?query or a #fragment (the URL is shown in errors and logs): put the key in the variable api_key_env names' })
    .optional(),
  api_key_env: z
    .string()
    .regex(/^[A-Z_][A-Z0-9_]*$/, { message: 'must be an environment variable name' })
    // the key is sent to base_url, which the agent names too: never the server's own secrets
    .regex(/^(?!CAXTON_)/, { message: 'may not name one of Caxton\'s own variables (CAXTON_*): they hold the server\'s token and webhook secret' })
    .optional(),
  temperature: z.number().min(0).max(2).optional(),
  max_tokens: z.number().int().positive().optional(),
  timeout_ms: z.number().int().positive().max(600_000).optional(),
  max_turns: z.number().int().min(1).max(32).optional(),
  replay_file: InnerPath.optional(),
});

/** One step of the offline behaviour: call a tool, or ask another capability through the router. */
export const BehaviorStep = z.strictObject({
  id: Name.optional(),
  tool: Name.optional(),
  function: FunctionName.optional(),
  ask: Name.optional(),
  input: z.unknown().optional(),
  content: z.string().optional(),
  /** when it fails, record the error (steps.<id>.error) and go on */
  optional: z.boolean().optional(),
});

export const Behavior = z.strictObject({
  steps: z.array(BehaviorStep).default([]),
  reply: z.string().default('{{content}}'),
});

export const AgentFile = z.strictObject({
  name: Name,
  description: z.string().min(1, { message: 'must not be empty' }),
  capabilities: z.array(Name).min(1, { message: 'must list at least one capability' }),
  tools: z.array(Name).default([]),
  version: z.string().optional(),
  tags: z.array(z.string()).optional(),
  runtime: z.enum(['offline', 'llm']).default('offline'),
  system_prompt: z.string().optional(),
  user_prompt_template: z.string().optional(),
  behavior: Behavior.optional(),
  llm: LlmConfig.optional(),
  /** Free-form fields for the user's own tooling; Caxton ignores them. */
  metadata: z.record(z.string(), z.unknown()).optional(),
});
export type AgentFile = z.output<typeof AgentFile>;

export const ToolFunction = z.strictObject({
  name: FunctionName,
  description: z.string().default(''),
  input_schema: z.record(z.string(), z.unknown()).default({ type: 'object' }),
});

export const ToolLimits = z.strictObject({
  timeout_ms: z.number().int().min(1).max(600_000).default(1000),
  memory_mb: z.number().int().min(1).max(4096).default(16),
  max_output_bytes: z.number().int().min(1).max(64 * 1024 * 1024).default(1024 * 1024),
  /** limit violations (time, memory, output) within the window that quarantine the tool */
  quarantine_after: z.number().int().min(1).max(1000).optional(),
  quarantine_window_ms: z.number().int().min(1000).max(86_400_000).optional(),
});

export const ToolFile = z.strictObject({
  name: Name,
  description: z.string().min(1, { message: 'must not be empty' }),
  version: z.string().optional(),
  wasm: InnerPath.default('plugin.wasm'),
  limits: ToolLimits.default({ timeout_ms: 1000, memory_mb: 16, max_output_bytes: 1024 * 1024 }),
  functions: z.array(ToolFunction).min(1, { message: 'must list at least one function' }),
  allowed_hosts: z.array(z.string()).default([]),
  /** Host path → guest path, as Extism's allowedPaths. */
  allowed_paths: z.record(z.string(), z.string()).default({}),
  config: z.record(z.string(), z.string()).default({}),
  metadata: z.record(z.string(), z.unknown()).optional(),
});
export type ToolFile = z.output<typeof ToolFile>;

export const STRATEGY_NAMES = ['deterministic', 'round-robin', 'least-loaded', 'random'] as const;
export const StrategyName = z.enum(STRATEGY_NAMES);

export const RoutingSettings = z.strictObject({
  /** default strategy for every capability */
  strategy: StrategyName.optional(),
  /** per capability */
  strategies: z.record(Name, StrategyName).optional(),
  max_hops: z.number().int().min(1).max(64).optional(),
  attempts: z.number().int().min(1).max(10).optional(),
  backoff_ms: z.number().int().min(0).max(60_000).optional(),
  backoff_factor: z.number().min(1).max(10).optional(),
  breaker_failures: z.number().int().min(1).max(1000).optional(),
  breaker_window_ms: z.number().int().min(1).max(3_600_000).optional(),
  breaker_open_ms: z.number().int().min(1).max(3_600_000).optional(),
  agent_timeout_ms: z.number().int().min(1).max(3_600_000).optional(),
  /** how long a conversation may be idle before it ends (reason timeout): 1 s to 7 days */
  conversation_idle_ms: z.number().int().min(1000).max(7 * 86_400_000).optional(),
});
export type RoutingSettings = z.output<typeof RoutingSettings>;

export const CaxtonFile = z.strictObject({
  name: z.string().optional(),
  server: z
    .strictObject({
      url: z.string().url().optional(),
      host: z.string().optional(),
      port: z.number().int().min(0).max(65535).optional(),
    })
    .optional(),
  deploy: z
    .strictObject({
      branch: z.string().optional(),
    })
    .optional(),
  routing: RoutingSettings.optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
});
export type CaxtonFile = z.output<typeof CaxtonFile>;

/** Published JSON Schemas: file name → zod schema. */
export const PUBLISHED_SCHEMAS = {
  'agent.schema.json': AgentFile,
  'tool.schema.json': ToolFile,
  'caxton.schema.json': CaxtonFile,
} as const;
