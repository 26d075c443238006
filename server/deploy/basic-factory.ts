// A runtime factory without a tool sandbox: tools are compiled and their exports checked, agents
// answer offline. For tests of deployment alone.
import { runtimeFactory } from '../agents/factory.js';
import { compilePlugin } from '../tools/compile-plugin.js';

export const basicFactory = runtimeFactory({
  async createTool({ name, spec, wasm }) {
    const plugin = await compilePlugin(name, spec, wasm);
    return { name, sha256: plugin.sha256 };
  },
});
