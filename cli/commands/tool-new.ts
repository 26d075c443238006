// `caxton tool new NAME`: the source of a new tool in tools/NAME/, ready to build: an AssemblyScript
// Extism plugin (an example function, Caxton's JSON and I/O helpers, the abort handler wired in),
// its tool.toml and a package.json whose build writes plugin.wasm. The compiler versions are the
// ones Caxton's own tools are built and tested with.
import fs from 'node:fs';
import path from 'node:path';
import pc from 'picocolors';
import { CaxtonError } from '../../server/errors.js';
import { NAME_RE } from '../../server/workspace/schema.js';
import { packageRoot } from '../paths.js';
import type { Context, Output } from '../command.js';
import { requireWorkspace } from '../command.js';

/** tools/NAME/<file> ← where it comes from under tools-src/ (the tools Caxton ships share io and json). */
const SCAFFOLD: ReadonlyArray<[string, string]> = [
  ['tool.toml', '_scaffold/tool.toml'],
  ['package.json', '_scaffold/package.json'],
  ['.gitignore', '_scaffold/gitignore'],
  ['src/index.ts', '_scaffold/index.ts'],
  ['src/io.ts', '_lib/io.ts'],
  ['src/json.ts', '_lib/json.ts'],
];

export function toolNew(ctx: Context, name: string | undefined): Output {
  if (!name) throw new CaxtonError('CAX_USAGE', { detail: 'expected "tool new NAME"', hint: 'caxton tool new reverse' });
  if (!NAME_RE.test(name)) throw new CaxtonError('CAX_INVALID_NAME', { kind: 'tool', name });
  const root = requireWorkspace(ctx);
  const dir = path.join(root, 'tools', name);
  if (fs.existsSync(dir)) throw new CaxtonError('CAX_TOOL_EXISTS', { name });
  const pkgRoot = packageRoot();
  const dev = (JSON.parse(fs.readFileSync(path.join(pkgRoot, 'package.json'), 'utf8')) as { devDependencies?: Record<string, string> }).devDependencies ?? {};
  const vars: Record<string, string> = { name, assemblyscript: dev.assemblyscript ?? '^0.28.0', as_pdk: dev['@extism/as-pdk'] ?? '^1.0.0' };
  const written: string[] = [];
  for (const [to, from] of SCAFFOLD) {
    const text = fs.readFileSync(path.join(pkgRoot, 'tools-src', from), 'utf8').replace(/\{\{(\w+)\}\}/g, (m, k: string) => vars[k] ?? m);
    fs.mkdirSync(path.dirname(path.join(dir, to)), { recursive: true });
    fs.writeFileSync(path.join(dir, to), text);
    written.push(`tools/${name}/${to}`);
  }
  const lines = [
    ...written.map((f) => `  ${pc.green('+')} ${f}`),
    `${pc.green('✓')} Added the source of tool ${pc.bold(name)}: an AssemblyScript plugin with one function, run`,
    'Next:',
    `  cd tools/${name} && npm install && npm run build     # writes tools/${name}/plugin.wasm`,
    `  add "${name}" to an agent's tools (agents/<agent>/agent.toml), then: caxton validate`,
    `  git add tools/${name} agents && git commit -m "add tool ${name}" && caxton deploy`,
    `  caxton tool call ${name} run '{"text": "hello"}'`,
  ];
  return { data: { tool: name, files: written }, text: lines.join('\n'), ok: true };
}
