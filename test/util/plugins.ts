// Real plugins built from tools-src/ by scripts/build-plugins.js (npm run build), and workspace
// files that deploy them.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'smol-toml';
import type { Files } from './repo.js';
import type { ToolFile } from '../../server/workspace/schema.js';
import { ToolFile as ToolFileSchema } from '../../server/workspace/schema.js';

/** The repository root (dist/test/util → ../../..). */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** dist/plugins/<name>.wasm; fails with how to build it. */
export function pluginWasm(name: string): Uint8Array {
  const file = path.join(ROOT, 'dist', 'plugins', `${name}.wasm`);
  if (!fs.existsSync(file)) throw new Error(`${file} is missing: run "npm run build" (scripts/build-plugins.js builds tools-src/)`);
  return fs.readFileSync(file);
}

/** Every function of the fixture plugin (tools-src/fixture). */
export const FIXTURE_FUNCTIONS = ['echo', 'spin', 'hog', 'grow', 'big', 'fails', 'trap', 'throws', 'http_get', 'config', 'roundtrip'] as const;

export interface ToolOpts {
  functions?: Array<string | { name: string; input_schema?: Record<string, unknown> }>;
  limits?: Partial<ToolFile['limits']>;
  allowed_hosts?: string[];
  allowed_paths?: Record<string, string>;
  config?: Record<string, string>;
  description?: string;
}

/** A parsed tool.toml (defaults applied), as the deployer hands it to createTool. */
export function toolSpec(name: string, o: ToolOpts = {}): ToolFile {
  return ToolFileSchema.parse(toolObject(name, o));
}

function toolObject(name: string, o: ToolOpts): Record<string, unknown> {
  return {
    name,
    description: o.description ?? `The ${name} tool`,
    wasm: 'plugin.wasm',
    limits: { timeout_ms: 1000, memory_mb: 16, max_output_bytes: 1024 * 1024, ...o.limits },
    functions: (o.functions ?? [...FIXTURE_FUNCTIONS]).map((f) =>
      typeof f === 'string' ? { name: f, description: `${f} function`, input_schema: {} } : { description: `${f.name} function`, input_schema: {}, ...f },
    ),
    allowed_hosts: o.allowed_hosts ?? [],
    allowed_paths: o.allowed_paths ?? {},
    config: o.config ?? {},
  };
}

/** tools/<name>/tool.toml + plugin.wasm for a workspace, from a built plugin (default: the fixture). */
export function pluginToolFiles(name: string, o: ToolOpts & { plugin?: string } = {}): Files {
  return {
    [`tools/${name}/tool.toml`]: stringify(toolObject(name, o)),
    [`tools/${name}/plugin.wasm`]: pluginWasm(o.plugin ?? 'fixture'),
  };
}
