#!/usr/bin/env node
// Builds the WebAssembly plugins whose AssemblyScript sources live in tools-src/<name>/index.ts
// (tools-src/_lib is shared code), offline, with the assemblyscript compiler from devDependencies.
//
//   dist/plugins/<name>.wasm             every plugin (template tools and test fixtures)
//   templates/<id>/tools/<name>/plugin.wasm
//                                        a copy for each template that ships a tool of that name
//                                        (git-ignored: built artifacts are not committed)
//
// A plugin is rebuilt only when its sources, the shared library, the compiler or the flags change
// (a hash beside the .wasm). `npm run build` (and so `npm ci` through `prepare`) runs this.
// Usage: node scripts/build-plugins.js [--force] [name ...]
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const srcDir = path.join(root, 'tools-src');
const outDir = path.join(root, 'dist', 'plugins');
const args = process.argv.slice(2);
const force = args.includes('--force');
const only = args.filter((a) => !a.startsWith('--'));

const FLAGS = ['-O3', '--runtime', 'incremental', '--use', 'abort=tools-src/_lib/io/pluginAbort'];

let asc;
try {
  asc = await import('assemblyscript/asc');
} catch {
  console.log('build-plugins: assemblyscript is not installed (a production install?); plugins not built');
  process.exit(0);
}
const require = createRequire(import.meta.url);
const versionOf = (pkg) => {
  try {
    return JSON.parse(fs.readFileSync(require.resolve(`${pkg}/package.json`), 'utf8')).version;
  } catch {
    return '?';
  }
};

function filesUnder(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return filesUnder(p);
    return e.name.endsWith('.ts') ? [p] : [];
  }).sort();
}

function hashFiles(files, seed) {
  const h = createHash('sha256').update(seed);
  for (const f of files) h.update(path.relative(root, f)).update('\0').update(fs.readFileSync(f)).update('\0');
  return h.digest('hex');
}

const plugins = fs
  .readdirSync(srcDir, { withFileTypes: true })
  .filter((e) => e.isDirectory() && !e.name.startsWith('_') && fs.existsSync(path.join(srcDir, e.name, 'index.ts')))
  .map((e) => e.name)
  .filter((n) => !only.length || only.includes(n))
  .sort();

const seed = hashFiles(filesUnder(path.join(srcDir, '_lib')), JSON.stringify({ FLAGS, asc: versionOf('assemblyscript'), pdk: versionOf('@extism/as-pdk') }));
fs.mkdirSync(outDir, { recursive: true });
process.chdir(root); // the --use abort= element path is relative to the working directory

const started = Date.now();
let built = 0;
let failed = 0;
for (const name of plugins) {
  const wasm = path.join(outDir, `${name}.wasm`);
  const stamp = path.join(outDir, `${name}.hash`);
  const hash = hashFiles(filesUnder(path.join(srcDir, name)), seed);
  if (!force && fs.existsSync(wasm) && fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === hash) continue;
  const t = Date.now();
  let stderr = '';
  const { error } = await asc.main([`tools-src/${name}/index.ts`, '--outFile', path.relative(root, wasm), ...FLAGS], {
    stdout: { write: () => true },
    stderr: { write: (s) => ((stderr += String(s)), true) },
  });
  if (error) {
    failed++;
    console.error(`build-plugins: ${name} failed\n${stderr}`);
    continue;
  }
  fs.writeFileSync(stamp, hash);
  built++;
  console.log(`build-plugins: ${name}.wasm (${fs.statSync(wasm).size} bytes, ${Date.now() - t} ms)`);
}

// Templates that ship a tool of a plugin's name get its plugin.wasm.
let copied = 0;
const templatesDir = path.join(root, 'templates');
for (const id of fs.existsSync(templatesDir) ? fs.readdirSync(templatesDir) : []) {
  const toolsDir = path.join(templatesDir, id, 'tools');
  if (!fs.existsSync(toolsDir)) continue;
  for (const tool of fs.readdirSync(toolsDir)) {
    const from = path.join(outDir, `${tool}.wasm`);
    const to = path.join(toolsDir, tool, 'plugin.wasm');
    if (!fs.existsSync(from) || !fs.existsSync(path.join(toolsDir, tool, 'tool.toml'))) continue;
    const bytes = fs.readFileSync(from);
    if (fs.existsSync(to) && fs.readFileSync(to).equals(bytes)) continue;
    fs.writeFileSync(to, bytes);
    copied++;
  }
}

console.log(
  `build-plugins: ${built} built, ${plugins.length - built - failed} up to date${copied ? `, ${copied} copied into templates` : ''}${failed ? `, ${failed} FAILED` : ''} (${((Date.now() - started) / 1000).toFixed(1)} s)`,
);
process.exit(failed ? 1 : 0);
