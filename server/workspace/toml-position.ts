// smol-toml gives values without positions, so this scanner maps a value's path
// (["tools", 1], ["limits", "timeout_ms"], ["functions", 0, "name"]) back to a line and column.
// It understands what workspace files use: tables, arrays of tables (and sub-tables of their entries,
// as smol-toml's stringify writes input_schema), dotted and quoted keys, and
// inline arrays and tables (one level of element positions), and skips multi-line strings (a prompt's
// "[Note]" line is not a table header). Unknown paths fall back to their parent.

export interface Position {
  line: number;
  column: number;
}

interface Entry {
  key: Position;
  value: Position;
}

type Path = ReadonlyArray<string | number>;

const BARE_KEY = /^[A-Za-z0-9_-]+/;

function splitKey(text: string): string[] {
  const parts: string[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === ' ' || ch === '\t' || ch === '.') {
      i++;
    } else if (ch === '"' || ch === "'") {
      const end = text.indexOf(ch, i + 1);
      parts.push(text.slice(i + 1, end < 0 ? text.length : end));
      i = end < 0 ? text.length : end + 1;
    } else {
      const m = BARE_KEY.exec(text.slice(i));
      if (!m) break;
      parts.push(m[0]);
      i += m[0].length;
    }
  }
  return parts;
}

/** Index of the `=` that ends a key, outside quotes; -1 if the line holds no key/value pair. */
function keyEnd(line: string): number {
  let quote = '';
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quote) {
      if (ch === quote) quote = '';
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (ch === '=') return i;
    else if (ch === '#' || ch === '[' || ch === '{') return -1;
  }
  return -1;
}

class Scanner {
  readonly entries = new Map<string, Entry>();
  private readonly arrayCounts = new Map<string, number>();
  private readonly lines: string[];

  constructor(source: string) {
    this.lines = source.split(/\r?\n/);
    this.scan();
  }

  private set(path: Path, entry: Entry): void {
    const k = JSON.stringify(path);
    if (!this.entries.has(k)) this.entries.set(k, entry);
  }

  /** Records `path` and the tables it implies (`a.b.c = 1` and `[a.b.c]` open `a` and `a.b`) at `pos`. */
  private setWithParents(path: Path, from: number, entry: Entry, pos: Position): void {
    for (let n = from + 1; n < path.length; n++) this.set(path.slice(0, n), { key: pos, value: pos });
    this.set(path, entry);
  }

  /** The line where a multi-line string opened at (ln, col) closes. */
  private stringEnd(ln: number, col: number): number {
    const delim = this.lines[ln]!.slice(col, col + 3);
    if (this.lines[ln]!.indexOf(delim, col + 3) >= 0) return ln;
    for (let l = ln + 1; l < this.lines.length; l++) if (this.lines[l]!.includes(delim)) return l;
    return this.lines.length - 1;
  }

  /**
   * A header's path with the current entry's index after each array of tables it passes through:
   * after `[[functions]]`, `[functions.input_schema]` is ["functions", 0, "input_schema"].
   */
  private headerPath(name: readonly string[]): Array<string | number> {
    const out: Array<string | number> = [];
    name.forEach((seg, i) => {
      out.push(seg);
      const n = i < name.length - 1 ? this.arrayCounts.get(JSON.stringify(out)) : undefined;
      if (n !== undefined) out.push(n - 1);
    });
    return out;
  }

  private scan(): void {
    let table: Array<string | number> = [];
    for (let ln = 0; ln < this.lines.length; ln++) {
      const raw = this.lines[ln]!;
      const indent = raw.length - raw.trimStart().length;
      const line = raw.trim();
      if (!line || line.startsWith('#')) continue;
      const pos = { line: ln + 1, column: indent + 1 };
      if (line.startsWith('[[')) {
        const name = this.headerPath(splitKey(line.slice(2, line.indexOf(']]') < 0 ? undefined : line.indexOf(']]'))));
        const k = JSON.stringify(name);
        const idx = this.arrayCounts.get(k) ?? 0;
        this.arrayCounts.set(k, idx + 1);
        table = [...name, idx];
        this.setWithParents(name, 0, { key: pos, value: pos }, pos);
        this.set(table, { key: pos, value: pos });
        continue;
      }
      if (line.startsWith('[')) {
        table = this.headerPath(splitKey(line.slice(1, line.indexOf(']') < 0 ? undefined : line.indexOf(']'))));
        this.setWithParents(table, 0, { key: pos, value: pos }, pos);
        continue;
      }
      const eq = keyEnd(raw);
      if (eq < 0) continue;
      const path = [...table, ...splitKey(raw.slice(0, eq))];
      let vcol = eq + 1;
      while (raw[vcol] === ' ' || raw[vcol] === '\t') vcol++;
      const entry = { key: pos, value: { line: ln + 1, column: vcol + 1 } };
      this.setWithParents(path, table.length, entry, pos);
      if (raw[vcol] === '[' || raw[vcol] === '{') ln = this.scanInline(path, ln, vcol);
      else if (raw.startsWith('"""', vcol) || raw.startsWith("'''", vcol)) ln = this.stringEnd(ln, vcol);
    }
  }

  /** Records element positions of an inline array or table; returns the line where it ends. */
  private scanInline(path: Path, ln: number, col: number): number {
    const open = this.lines[ln]![col]!;
    let depth = 0;
    let quote = '';
    let index = 0;
    let expectElement = true;
    let keyStart: Position | null = null;
    let keyText = '';
    for (let l = ln; l < this.lines.length; l++) {
      const text = this.lines[l]!;
      for (let c = l === ln ? col : 0; c < text.length; c++) {
        const ch = text[c]!;
        if (quote) {
          if (ch === '\\' && quote === '"') c++;
          else if (ch === quote) quote = '';
          if (depth === 1 && open === '{' && keyStart) keyText += ch;
          continue;
        }
        if (ch === '#') break;
        if (depth === 1 && expectElement && ch !== ' ' && ch !== '\t' && ch !== ']' && ch !== '}') {
          if (open === '[') {
            const p = { line: l + 1, column: c + 1 };
            this.set([...path, index], { key: p, value: p });
          } else if (!keyStart) {
            keyStart = { line: l + 1, column: c + 1 };
            keyText = '';
          }
          expectElement = false;
        }
        if (depth === 1 && open === '{' && keyStart && ch === '=') {
          const p = keyStart;
          this.set([...path, ...splitKey(keyText)], { key: p, value: p });
          keyStart = null;
        } else if (depth === 1 && open === '{' && keyStart) keyText += ch;
        if (ch === '"' || ch === "'") quote = ch;
        else if (ch === '[' || ch === '{') depth++;
        else if (ch === ']' || ch === '}') {
          depth--;
          if (depth === 0) return l;
        } else if (ch === ',' && depth === 1) {
          index++;
          expectElement = true;
        }
      }
    }
    return this.lines.length - 1;
  }
}

/** A located TOML document: where each value's key and value start. */
export class TomlPositions {
  private readonly scanner: Scanner;
  constructor(source: string) {
    this.scanner = new Scanner(source);
  }

  /** Position of the key (`which: 'key'`) or value at `path`, or of its nearest known parent. */
  locate(path: Path, which: 'key' | 'value' = 'value'): Position {
    for (let n = path.length; n > 0; n--) {
      const e = this.scanner.entries.get(JSON.stringify(path.slice(0, n)));
      if (e) return e[which];
    }
    return { line: 1, column: 1 };
  }

  has(path: Path): boolean {
    return this.scanner.entries.has(JSON.stringify(path));
  }
}
