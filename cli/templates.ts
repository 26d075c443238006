// The template gallery: templates/<id>/template.toml (metadata) beside the workspace files it creates.
import fs from 'node:fs';
import path from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { z } from 'zod';
import { CaxtonError } from '../server/errors.js';
import { packageRoot } from './paths.js';

export const TemplateMeta = z.strictObject({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  category: z.string(),
  complexity: z.enum(['beginner', 'intermediate', 'advanced']),
  use_cases: z.array(z.string()),
  setup_minutes: z.number().positive(),
  capabilities: z.array(z.string()),
  default: z.boolean().default(false),
  /** the first message to send: quickstart sends it, init's next steps show it */
  example: z.strictObject({ capability: z.string(), content: z.string() }).optional(),
});
export type TemplateMeta = z.infer<typeof TemplateMeta>;

export interface Template extends TemplateMeta {
  dir: string;
}

export function templatesDir(): string {
  return path.join(packageRoot(), 'templates');
}

export function listTemplates(): Template[] {
  const dir = templatesDir();
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && fs.existsSync(path.join(dir, e.name, 'template.toml')))
    .map((e) => ({ ...TemplateMeta.parse(parseToml(fs.readFileSync(path.join(dir, e.name, 'template.toml'), 'utf8'))), dir: path.join(dir, e.name) }))
    .sort((a, b) => Number(b.default) - Number(a.default) || a.id.localeCompare(b.id));
}

/** The template's example message, as CLI text and as the content to send (JSON when it parses). */
export function exampleOf(t: Template): { capability: string; text: string; content: unknown } {
  const text = t.example?.content ?? 'hello';
  let content: unknown = text;
  try {
    content = /^\s*[[{]/.test(text) ? JSON.parse(text) : text;
  } catch {
    /* plain text */
  }
  return { capability: t.example?.capability ?? t.capabilities[0] ?? 'hello', text, content };
}

export function findTemplate(id: string): Template {
  const all = listTemplates();
  const t = all.find((x) => x.id === id);
  if (!t) throw new CaxtonError('CAX_TEMPLATE_NOT_FOUND', { id, available: all.map((x) => x.id) });
  return t;
}

/** Fills {{name}} placeholders; unknown ones are left for the runtime (e.g. {{content}}). */
export function fillTemplate(text: string, vars: Record<string, string>): string {
  return text.replace(/\{\{\s*([a-z_]+)\s*\}\}/g, (m, k: string) => (k in vars ? vars[k]! : m));
}

/** The template's files (relative path → content), variables filled; template.toml excluded. */
export function templateFiles(t: Template, vars: Record<string, string>): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (dir: string, rel: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(path.join(dir, e.name), r);
      else if (r !== 'template.toml') {
        const buf = fs.readFileSync(path.join(dir, e.name));
        const text = /\.(toml|md|json|txt|csv)$/.test(e.name);
        out.set(fillTemplate(r, vars), text ? Buffer.from(fillTemplate(buf.toString('utf8'), vars)) : buf);
      }
    }
  };
  walk(t.dir, '');
  return out;
}
