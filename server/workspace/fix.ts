// Applying the safe fixes that validation found (misspelt keys, near-miss enum values) to source
// text, by position. Pure: sources in, fixed sources and the list of what changed out.
import type { Issue } from './issue.js';

export interface AppliedFix {
  file: string;
  line: number;
  before: string;
  after: string;
}

/** Fixes every issue with a `fix` whose text is found at its position; others are left alone. */
export function applyFixes(issues: readonly Issue[], sources: ReadonlyMap<string, string>): { sources: Map<string, string>; applied: AppliedFix[] } {
  const out = new Map(sources);
  const applied: AppliedFix[] = [];
  // Right to left within a line, so earlier columns stay valid.
  const ordered = issues.filter((i) => i.fix).sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || b.column - a.column);
  for (const issue of ordered) {
    const text = out.get(issue.file);
    if (text === undefined) continue;
    const lines = text.split('\n');
    const line = lines[issue.line - 1];
    if (line === undefined) continue;
    const fix = issue.fix!;
    const at = issue.column - 1;
    const candidates = fix.kind === 'rename-key' ? [fix.from, `"${fix.from}"`] : fix.kind === 'quote-value' ? [fix.from] : [`"${fix.from}"`, `'${fix.from}'`];
    // a bare value must end where the token ends: "3" is not the start of "3.5"
    const found = candidates.find((c) => line.startsWith(c, at) && (fix.kind !== 'quote-value' || !/[\w.+-]/.test(line[at + c.length] ?? '')));
    if (!found) continue;
    const replacement = fix.kind === 'quote-value' ? JSON.stringify(fix.to) : fix.kind === 'unquote-value' ? fix.to : found.startsWith('"') ? `"${fix.to}"` : found.startsWith("'") ? `'${fix.to}'` : fix.to;
    const next = line.slice(0, at) + replacement + line.slice(at + found.length);
    const prev = applied.find((a) => a.file === issue.file && a.line === issue.line);
    if (prev) prev.after = next;
    else applied.push({ file: issue.file, line: issue.line, before: line, after: next });
    lines[issue.line - 1] = next;
    out.set(issue.file, lines.join('\n'));
  }
  return { sources: out, applied };
}
