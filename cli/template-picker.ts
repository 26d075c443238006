// The interactive template gallery for `caxton init` on a terminal: filter by category, then by
// text, preview the files and capabilities, confirm. Only loaded when a person is there to answer.
import pc from 'picocolors';
import type { Template } from './templates.js';
import { templateFiles } from './templates.js';

/** Whether a template matches a search: every word in its id, name, description, category or use cases. */
export function matchesTemplate(search: string, t: Pick<Template, 'id' | 'name' | 'description' | 'category' | 'use_cases' | 'capabilities'>): boolean {
  const hay = [t.id, t.name, t.description, t.category, ...t.use_cases, ...t.capabilities].join(' ').toLowerCase();
  return search.toLowerCase().split(/\s+/).filter(Boolean).every((w) => hay.includes(w));
}

export function previewLines(t: Template): string[] {
  const files = [...templateFiles(t, { workspace_name: 'NAME', created_at: 'now', template_id: t.id, agent_name: t.id }).keys()].sort();
  return [
    `${pc.bold(t.name)} — ${t.description}`,
    `${t.category} · ${t.complexity} · about ${t.setup_minutes} min to set up`,
    `Capabilities: ${t.capabilities.join(', ')}`,
    `Use cases: ${t.use_cases.join('; ')}`,
    'Files:',
    ...files.map((f) => `  ${f}`),
  ];
}

/** Asks for a template; null when the user cancels. */
export async function pickTemplate(templates: Template[]): Promise<Template | null> {
  const p = await import('@clack/prompts');
  p.intro('caxton init — choose a template');
  const fallback = templates.find((t) => t.default) ?? templates[0]!;
  const categories = [...new Set(templates.map((t) => t.category))].sort();
  const category = await p.select({
    message: 'Category',
    options: [
      { value: '*', label: 'All templates', hint: `${templates.length}` },
      ...categories.map((c) => ({ value: c, label: c, hint: `${templates.filter((t) => t.category === c).length}` })),
    ],
    initialValue: '*',
  });
  if (p.isCancel(category)) return cancelled(p);
  const pool = category === '*' ? templates : templates.filter((t) => t.category === category);
  for (;;) {
    const id = await p.autocomplete({
      message: 'Template (type to filter)',
      placeholder: 'e.g. review, data, pipeline',
      options: pool.map((t) => ({ value: t.id, label: t.default ? `${t.name} (default)` : t.name, hint: `${t.complexity} · ${t.description}` })),
      initialValue: pool.includes(fallback) ? fallback.id : pool[0]!.id,
      filter: (search, option) => matchesTemplate(search, pool.find((t) => t.id === option.value)!),
      maxItems: 8,
    });
    if (p.isCancel(id)) return cancelled(p);
    const chosen = pool.find((t) => t.id === id)!;
    p.note(previewLines(chosen).join('\n'), 'Preview');
    const ok = await p.confirm({ message: `Create the workspace from ${chosen.name}?`, initialValue: true });
    if (p.isCancel(ok)) return cancelled(p);
    if (ok) {
      p.outro(`Using ${chosen.id}`);
      return chosen;
    }
  }
}

function cancelled(p: typeof import('@clack/prompts')): null {
  p.cancel('No workspace created.');
  return null;
}
