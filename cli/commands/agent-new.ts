import fs from 'node:fs';
import path from 'node:path';
import pc from 'picocolors';
import { CaxtonError } from '../../server/errors.js';
import { NAME_RE } from '../../server/workspace/schema.js';
import { findTemplate, listTemplates, templateFiles } from '../templates.js';
import { commit as gitCommit } from './init.js';
import { requireWorkspace, type Command } from '../command.js';

/** The template's main agent: the one named like the template, else the first. */
function primaryAgent(files: Map<string, Buffer>, templateId: string): string {
  const agents = [...new Set([...files.keys()].map((f) => /^agents\/([^/]+)\//.exec(f)?.[1]).filter((x): x is string => !!x))];
  if (!agents.length) throw new CaxtonError('CAX_TEMPLATE_NOT_FOUND', { id: templateId, available: listTemplates().map((t) => t.id) });
  return agents.includes(templateId) ? templateId : agents[0]!;
}

export const agentNew: Command = {
  name: 'agent',
  usage: 'caxton agent new NAME [--template ID] [--commit]',
  help: [
    'NAME           the agent\'s name and folder (agents/NAME/): lower-case letters, digits and dashes',
    '--template ID  the template whose main agent it copies (caxton templates lists them)',
    '--commit       commit the new files (and nothing else)',
  ],
  positionals: 2,
  options: { template: { type: 'string' }, commit: { type: 'boolean' } },
  async run(ctx) {
    const [verb, name] = ctx.positionals;
    if (verb !== 'new' || !name) throw new CaxtonError('CAX_USAGE', { detail: 'expected "agent new NAME"', hint: 'caxton agent new reporter --template task-automator' });
    if (!NAME_RE.test(name)) throw new CaxtonError('CAX_INVALID_NAME', { kind: 'agent', name });
    const root = requireWorkspace(ctx);
    const target = path.join(root, 'agents', name);
    if (fs.existsSync(target)) throw new CaxtonError('CAX_AGENT_EXISTS', { name });
    const templateId = typeof ctx.flags.template === 'string' ? ctx.flags.template : (listTemplates().find((t) => t.default)?.id ?? 'task-automator');
    const template = findTemplate(templateId);
    const files = templateFiles(template, { workspace_name: path.basename(root), created_at: new Date().toISOString(), template_id: template.id, agent_name: name });
    const source = primaryAgent(files, template.id);
    const written: string[] = [];
    for (const [rel, content] of files) {
      let out: string | null = null;
      if (rel.startsWith(`agents/${source}/`)) {
        out = rel.replace(`agents/${source}/`, `agents/${name}/`);
      } else if (rel.startsWith('tools/') && !fs.existsSync(path.join(root, rel))) {
        out = rel; // the tools the agent needs, unless the workspace has them already
      }
      if (!out) continue;
      let data: Buffer | string = content;
      if (out.endsWith('/agent.toml')) data = content.toString('utf8').replace(/^name\s*=\s*"[^"]*"/m, `name = "${name}"`);
      fs.mkdirSync(path.dirname(path.join(root, out)), { recursive: true });
      fs.writeFileSync(path.join(root, out), data);
      written.push(out);
    }
    let commit: string | null = null;
    // the new agent's files only: whatever else is changed or staged in the workspace stays as it is
    if (ctx.flags.commit) commit = await gitCommit(root, `caxton agent new ${name} from template ${template.id}`, written);
    const lines = [
      ...written.sort().map((f) => `  ${pc.green('+')} ${f}`),
      `${pc.green('✓')} Added agent ${pc.bold(name)} from ${template.id}${commit ? ` (commit ${commit.slice(0, 7)})` : ''}`,
      // the folders it wrote, no more: "git add agents tools" failed where there was no tools/
      ...(commit ? ['Next: caxton deploy'] : [`Next: caxton validate && git add ${[...new Set(written.map((f) => f.split('/').slice(0, 2).join('/')))].sort().join(' ')} && git commit -m "add ${name}" && caxton deploy`]),
    ];
    return { data: { agent: name, template: template.id, files: written.sort(), commit }, text: lines.join('\n'), ok: true };
  },
};
