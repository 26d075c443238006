/**
 * An ISO time (`2026-11-25T20:31:05.123Z`) as Caxton prints times to people: UTC, a space, a `Z`
 * (`2026-11-25 20:31:05Z`), with the milliseconds when asked. The CLI's and the error messages' one
 * format.
 */
export function utcTime(iso: string, { ms = false } = {}): string {
  const t = iso.replace('T', ' ');
  return ms ? t : t.replace(/\.\d+Z$/, 'Z');
}
