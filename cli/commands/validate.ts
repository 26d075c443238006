import fs from 'node:fs';
import path from 'node:path';
import pc from 'picocolors';
import { loadWorkingTree } from '../../server/workspace/load.js';
import { validateWorkspace } from '../../server/workspace/validate.js';
import { formatIssue } from '../../server/workspace/issue.js';
import { plural, renderIssueWithSource } from '../render.js';
import { applyFixes, type AppliedFix } from '../../server/workspace/fix.js';
import { requireWorkspace, type Command } from '../command.js';

export const validate: Command = {
  name: 'validate',
  usage: 'caxton validate [--fix] [--json]',
  options: { fix: { type: 'boolean' } },
  async run(ctx) {
    requireWorkspace(ctx);
    let ws = loadWorkingTree(ctx.root);
    let result = validateWorkspace(ws.parts);
    const fixed: AppliedFix[] = [];
    if (ctx.flags.fix && result.issues.some((i) => i.fix)) {
      const files = [...new Set(result.issues.filter((i) => i.fix).map((i) => i.file))];
      const sources = new Map(files.map((f) => [f, fs.readFileSync(path.join(ctx.root, f), 'utf8')] as const));
      const { sources: next, applied } = applyFixes(result.issues, sources);
      for (const [file, text] of next) if (text !== sources.get(file)) fs.writeFileSync(path.join(ctx.root, file), text);
      fixed.push(...applied);
      ws = loadWorkingTree(ctx.root);
      result = validateWorkspace(ws.parts);
    }
    const errors = result.issues.filter((i) => i.severity === 'error');
    const warnings = result.issues.filter((i) => i.severity === 'warning');
    const data = {
      ok: result.ok,
      agents: [...ws.agents.keys()],
      tools: [...ws.tools.keys()],
      issues: result.issues.map((i) => ({ ...i, text: formatIssue(i) })),
      errors: errors.length,
      warnings: warnings.length,
      fixed,
    };
    const sources = new Map<string, string | undefined>();
    const source = (file: string) => {
      if (!sources.has(file)) {
        try {
          sources.set(file, fs.readFileSync(path.join(ctx.root, file), 'utf8'));
        } catch {
          sources.set(file, undefined);
        }
      }
      return sources.get(file);
    };
    const lines = fixed.length
      ? [`Fixed ${plural(fixed.length, 'line')}:\n${fixed.map((f) => `${f.file}:${f.line}\n${pc.red(`- ${f.before}`)}\n${pc.green(`+ ${f.after}`)}`).join('\n')}`]
      : [];
    lines.push(...result.issues.map((i) => renderIssueWithSource(i, source(i.file))));
    const fixable = result.issues.filter((i) => i.fix).length;
    if (fixable && !ctx.flags.fix) lines.push(pc.cyan(`${fixable} of these can be fixed automatically: caxton validate --fix`));
    const summary = `${plural(ws.agents.size, 'agent')}, ${plural(ws.tools.size, 'tool')}`;
    if (result.ok) {
      lines.push(`${pc.green('✓')} Workspace is valid: ${summary}${warnings.length ? `, ${plural(warnings.length, 'warning')}` : ''}`);
    } else {
      // where the errors are, not "in 3 agents": an error in caxton.toml is none of theirs
      const files = [...new Set(errors.map((i) => i.file))];
      const where = files.length <= 3 ? files.join(', ') : `${files.length} files`;
      lines.push(`${pc.red('✗')} ${plural(errors.length, 'error')} in ${where}${warnings.length ? `, ${plural(warnings.length, 'warning')}` : ''} (workspace: ${summary})`);
    }
    return { data, text: lines.join('\n\n'), ok: result.ok };
  },
};
