// Values put into the commands that suggestions and hints show, so that copying one into a shell
// passes the value as one argument ("bad id" was shown bare and ran as two).

/** Characters a POSIX shell takes as they are, outside quotes. */
const PLAIN = /^[A-Za-z0-9_@%+=:,./-]+$/;

/**
 * `value` as one shell argument: as it is when it needs no quotes, else in single quotes (a quote
 * inside as '\'').
 * @example shellArg('bad id') // "'bad id'"
 */
export function shellArg(value: string): string {
  if (PLAIN.test(value)) return value;
  return `'${value.replace(/'/g, `'\\''`)}'`;
}
