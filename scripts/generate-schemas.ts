// Writes schemas/*.json from server/workspace/schema.ts (through renderSchemas) and removes any
// schemas/*.json it no longer renders. Run with `npm run schemas`; test/schemas.test.ts fails until
// the committed files match.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderSchemas } from '../server/workspace/json-schema.js';

// Compiled to dist/scripts/, so the repository root is two levels up.
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const dir = path.join(root, 'schemas');

const rendered = renderSchemas();
fs.mkdirSync(dir, { recursive: true });
for (const [file, text] of rendered) {
  const target = path.join(dir, file);
  const before = fs.existsSync(target) ? fs.readFileSync(target, 'utf8') : null;
  if (before === text) {
    console.log(`unchanged schemas/${file}`);
    continue;
  }
  fs.writeFileSync(target, text);
  console.log(`${before === null ? 'created' : 'updated'} schemas/${file}`);
}
for (const file of fs.readdirSync(dir)) {
  if (file.endsWith('.json') && !rendered.has(file)) {
    fs.rmSync(path.join(dir, file));
    console.log(`removed schemas/${file}`);
  }
}
