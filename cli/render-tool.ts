// Pure renderer of a tool call's answer: text output as is (an SVG or a chart reads best raw),
// anything else as indented JSON; the duration on its own line.

export function renderToolCall(r: { output: unknown; durationMs: number }): string {
  const out = typeof r.output === 'string' ? r.output : JSON.stringify(r.output, null, 2);
  return `${out}\n(${r.durationMs.toFixed(2)} ms)`;
}
