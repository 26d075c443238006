import fs from 'node:fs';
import path from 'node:path';
import pc from 'picocolors';
import { loadWorkingTree } from '../../server/workspace/load.js';
import { validateWorkspace } from '../../server/workspace/validate.js';
import { formatIssue } from '../../server/workspace/issue.js';
import { renderIssueWithSource } from '../render.js';
import type { Command } from '../command.js';

export const validate: Command = {
  name: 'validate',
  usage: 'caxton validate [--json]',
  options: {},
  async run(ctx) {
    const ws = loadWorkingTree(ctx.root);
    const result = validateWorkspace(ws.parts);
    const errors = result.issues.filter((i) => i.severity === 'error');
    const warnings = result.issues.filter((i) => i.severity === 'warning');
    const data = {
      ok: result.ok,
      agents: [...ws.agents.keys()],
      tools: [...ws.tools.keys()],
      issues: result.issues.map((i) => ({ ...i, text: formatIssue(i) })),
      errors: errors.length,
      warnings: warnings.length,
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
    const lines = result.issues.map((i) => renderIssueWithSource(i, source(i.file)));
    const summary = `${ws.agents.size} agent${ws.agents.size === 1 ? '' : 's'}, ${ws.tools.size} tool${ws.tools.size === 1 ? '' : 's'}`;
    if (result.ok) {
      lines.push(`${pc.green('✓')} Workspace is valid: ${summary}${warnings.length ? `, ${warnings.length} warning(s)` : ''}`);
    } else {
      lines.push(`${pc.red('✗')} ${errors.length} error(s)${warnings.length ? `, ${warnings.length} warning(s)` : ''} in ${summary}`);
    }
    return { data, text: lines.join('\n\n'), ok: result.ok };
  },
};
