// Finding the rows in an input: an array, or {rows: [...]}, or {data: [...] | {rows: [...]}}
// (so each tool accepts the one before it in a chain, e.g. fetch-data → analyze).
import { JValue } from './json';

export function rowsOf(input: JValue): JValue | null {
  if (input.isArr()) return input;
  if (!input.isObj()) return null;
  const rows = input.get('rows');
  if (rows !== null && rows.isArr()) return rows;
  const data = input.get('data');
  if (data !== null) {
    if (data.isArr()) return data;
    if (data.isObj()) {
      const inner = data.get('rows');
      if (inner !== null && inner.isArr()) return inner;
    }
  }
  return null;
}

/** Column names in order of first appearance across object rows. */
export function columnsOf(rows: JValue): Array<string> {
  const out = new Array<string>();
  for (let i = 0; i < rows.arr.length; i++) {
    const row = rows.arr[i];
    if (!row.isObj()) continue;
    for (let k = 0; k < row.keys.length; k++) {
      if (!out.includes(row.keys[k])) out.push(row.keys[k]);
    }
  }
  return out;
}

/** The strings of an array member (e.g. "columns"), or an empty list. */
export function stringList(input: JValue, key: string): Array<string> {
  const out = new Array<string>();
  const v = input.isObj() ? input.get(key) : null;
  if (v === null || !v.isArr()) return out;
  for (let i = 0; i < v.arr.length; i++) if (v.arr[i].isStr()) out.push(v.arr[i].s);
  return out;
}
