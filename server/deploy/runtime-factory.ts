// The seam between deploying and running: the deployer asks a factory for live instances of new or
// changed agents and tools, and disposes of the ones a swap leaves behind. The agent runtimes and the
// tool sandbox implement it; the default here compiles plugins and checks their exports.
import type { AgentFile, ToolFile } from '../workspace/schema.js';

export interface AgentInstance {
  readonly name: string;
  dispose?(): void | Promise<void>;
}

export interface ToolInstance {
  readonly name: string;
  /** SHA-256 of the wasm bytes, hex */
  readonly sha256: string;
  dispose?(): void | Promise<void>;
}

export interface RuntimeFactory {
  createTool(args: { name: string; spec: ToolFile; wasm: Uint8Array; sha: string }): Promise<ToolInstance>;
  createAgent(args: { name: string; spec: AgentFile; sha: string }): Promise<AgentInstance>;
}
