// analyze: statistics over rows. Numeric columns get count, sum, mean, min, max, standard deviation
// and percentiles (linear interpolation, as SQL's quantile_cont); other columns get count, distinct
// values and the most frequent ones.
import { JValue, formatNumber, round } from '../_lib/json';
import { fail, inputJson, outputJson } from '../_lib/io';
import { columnsOf, rowsOf, stringList } from '../_lib/rows';
import { mostFrequent } from '../_lib/tally';

/** The p-th percentile (0–100) of sorted values. */
function percentile(sorted: Array<f64>, p: f64): f64 {
  if (sorted.length == 0) return NaN;
  const pos = (p / 100) * <f64>(sorted.length - 1);
  const lo = <i32>Math.floor(pos);
  const hi = <i32>Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - <f64>lo);
}

function numericStats(values: Array<f64>, percentiles: Array<f64>): JValue {
  const sorted = values.slice(0);
  sorted.sort();
  let sum: f64 = 0;
  for (let i = 0; i < sorted.length; i++) sum += sorted[i];
  const n = <f64>sorted.length;
  const mean = sum / n;
  let sq: f64 = 0;
  for (let i = 0; i < sorted.length; i++) sq += (sorted[i] - mean) * (sorted[i] - mean);
  const out = JValue.object();
  out.setStr('type', 'number');
  out.setNum('count', n);
  out.setNum('sum', round(sum, 6));
  out.setNum('mean', round(mean, 6));
  out.setNum('min', sorted[0]);
  out.setNum('max', sorted[sorted.length - 1]);
  out.setNum('stddev', round(Math.sqrt(sq / n), 6));
  for (let i = 0; i < percentiles.length; i++) {
    const p = percentiles[i];
    const key = 'p' + (Math.floor(p) == p ? (<i64>p).toString() : p.toString());
    out.setNum(key, round(percentile(sorted, p), 6));
  }
  return out;
}

function textStats(values: Array<string>): JValue {
  const counts = new Map<string, i32>();
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    counts.set(v, counts.has(v) ? counts.get(v) + 1 : 1);
  }
  const out = JValue.object();
  out.setStr('type', 'text');
  out.setNum('count', <f64>values.length);
  out.setNum('distinct', <f64>counts.size);
  out.set('top', mostFrequent(counts, 5, 'value'));
  return out;
}

function stat(s: JValue, key: string): string {
  const v = s.get(key);
  return v === null || v.isNull() ? '–' : formatNumber(round(v.toNumber(), 2));
}

/** One readable line per column: numbers as mean/min/max/p95, text as its most frequent values. */
function summary(columns: JValue, names: Array<string>): string {
  const lines = new Array<string>();
  for (let c = 0; c < names.length; c++) {
    const s = columns.get(names[c]);
    if (s === null) continue;
    const type = s.get('type');
    if (type !== null && type.isStr() && type.s == 'text') {
      const top = s.get('top');
      const parts = new Array<string>();
      if (top !== null) {
        for (let i = 0; i < top.arr.length && i < 3; i++) {
          const t = top.arr[i];
          const value = t.get('value');
          parts.push((value === null ? '' : value.toText()) + ' ×' + stat(t, 'count'));
        }
      }
      lines.push(names[c] + ': ' + stat(s, 'distinct') + ' distinct (' + parts.join(', ') + ')');
    } else {
      lines.push(names[c] + ': mean ' + stat(s, 'mean') + ', min ' + stat(s, 'min') + ', max ' + stat(s, 'max') + ', p95 ' + stat(s, 'p95'));
    }
  }
  return lines.join('\n');
}

/**
 * Input: rows (an array, or {rows}, or fetch-data's output), optional "columns" to restrict to and
 * "percentiles" (default [50, 90, 95]); a bare array of numbers is one column named "value".
 * Output: {count, columns: {name: stats}, text: one readable line per column}.
 */
export function analyze(): i32 {
  const input = inputJson();
  const rows = rowsOf(input);
  if (rows === null) return fail('expected rows: an array, or an object with "rows"');

  const percentiles = new Array<f64>();
  const given = input.isObj() ? input.get('percentiles') : null;
  if (given !== null && given.isArr()) {
    for (let i = 0; i < given.arr.length; i++) {
      const p = given.arr[i].toNumber();
      if (isNaN(p) || p < 0 || p > 100) return fail('percentiles must be numbers from 0 to 100');
      percentiles.push(p);
    }
  } else {
    percentiles.push(50);
    percentiles.push(90);
    percentiles.push(95);
  }

  // A bare list of values is one column.
  let table = rows;
  let bare = rows.arr.length > 0;
  for (let i = 0; i < rows.arr.length; i++) if (rows.arr[i].isObj()) bare = false;
  if (bare) {
    table = JValue.array();
    for (let i = 0; i < rows.arr.length; i++) table.push(JValue.object().set('value', rows.arr[i]));
  }

  let names = stringList(input, 'columns');
  if (names.length == 0) names = columnsOf(table);

  const columns = JValue.object();
  for (let c = 0; c < names.length; c++) {
    const name = names[c];
    const numbers = new Array<f64>();
    const texts = new Array<string>();
    let present = 0;
    for (let r = 0; r < table.arr.length; r++) {
      const row = table.arr[r];
      if (!row.isObj()) continue;
      const v = row.get(name);
      if (v === null || v.isNull()) continue;
      present++;
      const n = v.toNumber();
      if (!isNaN(n) && !v.isArr() && !v.isObj()) numbers.push(n);
      texts.push(v.toText());
    }
    if (present == 0) continue;
    columns.set(name, numbers.length == present ? numericStats(numbers, percentiles) : textStats(texts));
  }

  const out = JValue.object();
  out.setNum('count', <f64>table.arr.length);
  out.set('columns', columns);
  out.setStr('text', summary(columns, names));
  return outputJson(out);
}
