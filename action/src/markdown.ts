// Markdown pieces for job summaries and pull-request comments. Everything that comes from the
// workspace or the server (names, messages, values) goes through these, so a `|`, `<` or a
// newline in it cannot break a table or inject HTML.

/** Text for a table cell or a line: no HTML, no pipes, one line. */
export function text(s: unknown): string {
  return String(s ?? '')
    .replace(/\r?\n/g, ' ')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\|/g, '\\|')
    .trim();
}

/** An inline code span (backticks inside are dropped; pipes escaped for tables). */
export function code(s: unknown): string {
  const v = String(s ?? '').replace(/`/g, "'").replace(/\r?\n/g, ' ').replace(/\|/g, '\\|');
  return v ? `\`${v}\`` : '';
}

export function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

export const short = (sha: string | null | undefined): string => (sha ? sha.slice(0, 7) : '—');

/** A short JSON-ish rendering of a field value. */
export function value(v: unknown, max = 60): string {
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  if (s === undefined) return '—';
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}
