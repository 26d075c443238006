// The runtime factory used until agents run: tools are compiled and their exports checked; agents
// are their validated spec.
import type { RuntimeFactory } from './runtime-factory.js';
import { compilePlugin } from '../tools/compile-plugin.js';

export const basicFactory: RuntimeFactory = {
  async createTool({ name, spec, wasm }) {
    const plugin = await compilePlugin(name, spec, wasm);
    return { name, sha256: plugin.sha256, module: plugin.module };
  },
  async createAgent({ name }) {
    return { name };
  },
};
