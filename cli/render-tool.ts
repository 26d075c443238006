// Pure renderer of a tool call's answer for a person: text output as is (a chart reads best raw);
// an object as indented JSON, except that a text field of several lines (a terminal chart) is
// printed as it is below the rest, and a long one-line text (an SVG, say) is cut, since --json gives
// it whole; the duration on its own line.

const LONG = 120;

export function renderToolCall(r: { output: unknown; durationMs: number }): string {
  const ms = `(${r.durationMs.toFixed(2)} ms)`;
  if (typeof r.output === 'string') return `${r.output}\n${ms}`;
  if (typeof r.output !== 'object' || r.output === null || Array.isArray(r.output)) return `${JSON.stringify(r.output, null, 2)}\n${ms}`;
  const blocks: string[] = [];
  const shown = Object.fromEntries(
    Object.entries(r.output).map(([key, v]) => {
      if (typeof v !== 'string') return [key, v];
      if (v.includes('\n')) {
        blocks.push(`${key}:\n${v.trimEnd()}`);
        return [key, `(${v.trimEnd().split('\n').length} lines, below)`];
      }
      return [key, v.length > LONG ? `${v.slice(0, LONG)}… (${v.length} characters; --json gives it whole)` : v];
    }),
  );
  return [JSON.stringify(shown, null, 2), ...blocks, ms].join('\n');
}
