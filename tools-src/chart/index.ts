// chart: rows (or label → value pairs, or analyze's column statistics) as a bar chart, rendered twice:
// an SVG document and a terminal chart of Unicode blocks.
import { JValue, formatNumber, round } from '../_lib/json';
import { fail, inputJson, outputJson } from '../_lib/io';
import { columnsOf, rowsOf } from '../_lib/rows';

const BLOCKS: string[] = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];

class Series {
  labels: Array<string> = [];
  values: Array<f64> = [];
  x: string = '';
  y: string = '';
}

function xml(s: string): string {
  return s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');
}

function clip(s: string, n: i32): string {
  return s.length <= n ? s : s.substring(0, n - 1) + '…';
}

function pad(s: string, n: i32): string {
  let out = s;
  while (out.length < n) out += ' ';
  return out;
}

/** The series to draw, from whichever shape the input has. */
function seriesOf(input: JValue): Series | null {
  const s = new Series();
  if (!input.isObj() && !input.isArr()) return null;
  // {labels: [...], values: [...]}
  const labels = input.isObj() ? input.get('labels') : null;
  const values = input.isObj() ? input.get('values') : null;
  if (labels !== null && values !== null && labels.isArr() && values.isArr()) {
    for (let i = 0; i < labels.arr.length && i < values.arr.length; i++) {
      s.labels.push(labels.arr[i].toText());
      s.values.push(values.arr[i].toNumber());
    }
    return s;
  }
  // {data: {label: value}}
  const data = input.isObj() ? input.get('data') : null;
  if (data !== null && data.isObj()) {
    for (let i = 0; i < data.keys.length; i++) {
      s.labels.push(data.keys[i]);
      s.values.push(data.vals[i].toNumber());
    }
    return s;
  }
  // analyze's output: {columns: {name: {mean, …}}}, one bar per numeric column
  const columns = input.isObj() ? input.get('columns') : null;
  if (columns !== null && columns.isObj() && rowsOf(input) === null) {
    const stat = input.getString('stat', 'mean');
    for (let i = 0; i < columns.keys.length; i++) {
      const v = columns.vals[i];
      if (!v.isObj() || v.getString('type', '') != 'number') continue;
      s.labels.push(columns.keys[i]);
      s.values.push(v.getNumber(stat, NaN));
    }
    s.y = stat;
    return s;
  }
  // rows: x = the named (or first text) column, y = the named (or first numeric) column
  const rows = rowsOf(input);
  if (rows === null) return null;
  const names = columnsOf(rows);
  let x = input.isObj() ? input.getString('x', '') : '';
  let y = input.isObj() ? input.getString('y', '') : '';
  for (let c = 0; c < names.length && (x.length == 0 || y.length == 0); c++) {
    let numeric = true;
    let seen = false;
    for (let r = 0; r < rows.arr.length; r++) {
      const v = rows.arr[r].isObj() ? rows.arr[r].get(names[c]) : null;
      if (v === null || v.isNull()) continue;
      seen = true;
      if (isNaN(v.toNumber())) numeric = false;
    }
    if (!seen) continue;
    if (numeric && y.length == 0 && names[c] != x) y = names[c];
    else if (!numeric && x.length == 0) x = names[c];
  }
  if (y.length == 0) return null;
  for (let r = 0; r < rows.arr.length; r++) {
    const row = rows.arr[r];
    if (row.isObj()) {
      const lv = x.length > 0 ? row.get(x) : null;
      s.labels.push(lv === null ? (r + 1).toString() : lv.toText());
      const v = row.get(y);
      s.values.push(v === null ? NaN : v.toNumber());
    } else {
      s.labels.push((r + 1).toString());
      s.values.push(row.toNumber());
    }
  }
  s.x = x;
  s.y = y;
  return s;
}

function terminal(s: Series, title: string, width: i32): string {
  let max: f64 = 0;
  let labelWidth = 1;
  for (let i = 0; i < s.values.length; i++) {
    if (!isNaN(s.values[i]) && s.values[i] > max) max = s.values[i];
    const l = clip(s.labels[i], 20).length;
    if (l > labelWidth) labelWidth = l;
  }
  const lines = new Array<string>();
  if (title.length > 0) lines.push(title);
  for (let i = 0; i < s.values.length; i++) {
    const v = s.values[i];
    let bar = '';
    if (!isNaN(v) && v > 0 && max > 0) {
      const eighths = <i32>Math.round((v / max) * <f64>width * 8);
      bar = '█'.repeat(eighths / 8) + BLOCKS[eighths % 8];
    }
    lines.push(pad(clip(s.labels[i], 20), labelWidth) + ' │' + bar + ' ' + (isNaN(v) ? '–' : formatNumber(round(v, 2))));
  }
  return lines.join('\n');
}

function svg(s: Series, title: string): string {
  const barHeight = 22;
  const gap = 8;
  const left = 150;
  const plot = 400;
  const top = title.length > 0 ? 40 : 12;
  const height = top + s.values.length * (barHeight + gap) + 12;
  const width = left + plot + 90;
  let max: f64 = 0;
  for (let i = 0; i < s.values.length; i++) if (!isNaN(s.values[i]) && s.values[i] > max) max = s.values[i];
  const parts = new Array<string>();
  parts.push('<svg xmlns="http://www.w3.org/2000/svg" width="' + width.toString() + '" height="' + height.toString() + '" viewBox="0 0 ' + width.toString() + ' ' + height.toString() + '" font-family="sans-serif" font-size="13">');
  parts.push('<rect width="100%" height="100%" fill="#ffffff"/>');
  if (title.length > 0) parts.push('<text x="' + (width / 2).toString() + '" y="24" text-anchor="middle" font-size="16" font-weight="bold">' + xml(title) + '</text>');
  for (let i = 0; i < s.values.length; i++) {
    const v = s.values[i];
    const y = top + i * (barHeight + gap);
    const w = !isNaN(v) && v > 0 && max > 0 ? <i32>Math.round((v / max) * <f64>plot) : 0;
    parts.push('<text x="' + (left - 8).toString() + '" y="' + (y + 15).toString() + '" text-anchor="end">' + xml(clip(s.labels[i], 22)) + '</text>');
    parts.push('<rect x="' + left.toString() + '" y="' + y.toString() + '" width="' + w.toString() + '" height="' + barHeight.toString() + '" fill="#4f7cac"/>');
    parts.push('<text x="' + (left + w + 6).toString() + '" y="' + (y + 15).toString() + '">' + (isNaN(v) ? '–' : formatNumber(round(v, 2))) + '</text>');
  }
  parts.push('</svg>');
  return parts.join('');
}

/**
 * Input: rows with optional "x" (label column) and "y" (value column); or {labels, values}; or
 * {data: {label: value}}; or analyze's output (one bar per numeric column, "stat" default "mean").
 * Optional "title" and "width" (terminal columns, default 40). Output: {title, points, svg, text}.
 */
export function render(): i32 {
  const input = inputJson();
  const s = seriesOf(input);
  if (s === null || s.values.length == 0) return fail('nothing to chart: give rows with a numeric column, {labels, values} or {data: {label: value}}');
  let title = input.isObj() ? input.getString('title', '') : '';
  if (title.length == 0 && s.y.length > 0) title = s.x.length > 0 ? s.y + ' by ' + s.x : s.y;
  let width = input.isObj() ? <i32>input.getNumber('width', 40) : 40;
  if (width < 5) width = 5;
  if (width > 200) width = 200;
  const out = JValue.object();
  out.setStr('title', title);
  out.setNum('points', <f64>s.values.length);
  out.setStr('svg', svg(s, title));
  out.setStr('text', terminal(s, title, width));
  return outputJson(out);
}
