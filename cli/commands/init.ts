import fs from 'node:fs';
import path from 'node:path';
import pc from 'picocolors';
import { simpleGit } from 'simple-git';
import { CaxtonError } from '../../server/errors.js';
import { exampleOf, findTemplate, listTemplates, templateFiles } from '../templates.js';
import { noteMilestone } from '../../server/onboarding.js';
import type { Command } from '../command.js';
import { invocation } from '../invocation.js';

const GITIGNORE = '# Caxton data folder: event log, token, deployment cache\n.caxton/\nnode_modules/\n';

/** A commit even where git has no identity configured (fresh machines, CI). */
/**
 * Commits `paths` (and nothing else the user has changed or staged), or with no paths every file in
 * the folder (a new workspace's first commit). Without a git identity, Caxton's.
 */
export async function commit(dir: string, message: string, paths: readonly string[] = []): Promise<string> {
  const git = simpleGit({ baseDir: dir });
  const name = (await git.getConfig('user.name')).value;
  const email = (await git.getConfig('user.email')).value;
  const identity = [...(name ? [] : ['-c', 'user.name=Caxton']), ...(email ? [] : ['-c', 'user.email=caxton@localhost'])];
  await git.add(paths.length ? ['--', ...paths] : ['-A']);
  await git.raw([...identity, 'commit', '--no-gpg-sign', '--quiet', '-m', message, ...(paths.length ? ['--', ...paths] : [])]);
  return (await git.revparse(['HEAD'])).trim();
}

export const init: Command = {
  name: 'init',
  usage: 'caxton init [DIR] [--template ID] [--yes] [--force]',
  help: [
    'DIR            the folder (default: .); made if missing, refused if not empty unless --force',
    '--template ID  the template (caxton templates lists them); without it, a picker at a terminal, else the default',
    '--yes          take the default template without asking',
    '--force        add the workspace to a folder that is not empty, keeping its files',
  ],
  positionals: 1,
  options: { template: { type: 'string' }, yes: { type: 'boolean', short: 'y' }, force: { type: 'boolean' } },
  async run(ctx) {
    const dir = path.resolve(ctx.cwd, ctx.positionals[0] ?? '.');
    let template;
    if (typeof ctx.flags.template === 'string') template = findTemplate(ctx.flags.template);
    else if (ctx.isTTY && process.stdout.isTTY && !ctx.flags.yes && !ctx.json) {
      // A person at a terminal chooses; anything else (CI, pipes, --yes) never waits for input.
      const { pickTemplate } = await import('../template-picker.js');
      template = await pickTemplate(listTemplates());
      if (!template) throw new CaxtonError('CAX_CANCELLED', { what: 'init' });
    } else template = findTemplate(listTemplates().find((t) => t.default)?.id ?? 'task-automator');
    if (fs.existsSync(dir) && !fs.statSync(dir).isDirectory()) throw new CaxtonError('CAX_DIR_NOT_EMPTY', { dir });
    const existing = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f !== '.git') : [];
    if (existing.length && !ctx.flags.force) throw new CaxtonError('CAX_DIR_NOT_EMPTY', { dir });

    const createdAt = new Date().toISOString();
    const vars = { workspace_name: path.basename(dir), created_at: createdAt, template_id: template.id, agent_name: template.id };
    const files = templateFiles(template, vars);
    const written: string[] = [];
    for (const [rel, content] of files) {
      const target = path.join(dir, rel);
      if (fs.existsSync(target) && !ctx.flags.force) continue;
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, content);
      written.push(rel);
    }
    const ignore = path.join(dir, '.gitignore');
    if (!fs.existsSync(ignore)) {
      fs.writeFileSync(ignore, GITIGNORE);
      written.push('.gitignore');
    }
    const git = simpleGit({ baseDir: dir });
    if (!fs.existsSync(path.join(dir, '.git'))) await git.raw(['init', '--quiet', '--initial-branch=main']);
    const sha = await commit(dir, `caxton init from template ${template.id}`);
    const dataDir = path.join(dir, '.caxton');
    const at = Date.now();
    noteMilestone(dataDir, { milestone: 'InstallationComplete', at, detail: { node: process.version } });
    noteMilestone(dataDir, { milestone: 'TemplateSelected', at, detail: { template: template.id } });
    noteMilestone(dataDir, { milestone: 'FirstAgentCreated', at, detail: { template: template.id } });

    const rel = path.relative(ctx.cwd, dir) || '.';
    const cx = invocation(ctx.env);
    const lines = [
      ...written.sort().map((f) => `  ${pc.green('+')} ${f}`),
      `${pc.green('✓')} Created workspace ${pc.bold(rel)} from ${template.id} (commit ${sha.slice(0, 7)})`,
      '',
      'Next steps:',
      ...(rel === '.' ? [] : [`  cd ${rel}`]),
      `  ${`${cx} serve`.padEnd(22)} # in one terminal`,
      `  ${`${cx} deploy`.padEnd(22)} # in another`,
      `  ${cx} send --capability ${exampleOf(template).capability} '${exampleOf(template).text}'`,
    ];
    return { data: { workspace: dir, template: template.id, files: written.sort(), commit: sha }, text: lines.join('\n'), ok: true };
  },
};

export const templates: Command = {
  name: 'templates',
  usage: 'caxton templates [--json]',
  options: {},
  async run() {
    const all = listTemplates();
    const list = all.map(({ dir: _dir, ...meta }) => meta);
    const lines = all.map((t) => {
      const ex = exampleOf(t);
      return [
        `${pc.bold(t.id)}${t.default ? pc.dim(' (default)') : ''} — ${t.name}: ${t.description}`,
        `  ${t.category}, ${t.complexity}; ${t.use_cases.join('; ')}`,
        `  serves ${t.capabilities.join(', ')}; try: caxton send --capability ${ex.capability} '${ex.text}'`,
      ].join('\n');
    });
    return { data: { templates: list }, text: lines.join('\n'), ok: true };
  },
};
