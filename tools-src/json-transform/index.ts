// json-transform: a pipeline of small operations over JSON data, applied in order. Each operation is
// an object with one key naming it:
//   {"get": "a.b.0"}                     the value at a dotted path
//   {"pick": ["a", "b"]} / {"omit": [..]} keep / drop fields (of an object, or of each element)
//   {"rename": {"old": "new"}}           rename fields
//   {"filter": {"field", "op", "value"}} keep elements; op: eq ne gt gte lt lte contains exists
//   {"sort": "field"} or {"sort": {"field", "order": "asc"|"desc"}}
//   {"limit": n} / {"skip": n}
//   {"map": "field"}                     the field of each element
//   {"count": true} / {"sum"|"avg"|"min"|"max": "field"}  a number
//   {"group": "field"}                   {value: count}
//   {"unique": "field"}                  the distinct values of a field
import { JValue, Kind, stringify } from '../_lib/json';
import { fail, inputJson, outputJson } from '../_lib/io';

let error = '';

function at(v: JValue, path: string): JValue {
  if (path.length == 0) return v;
  const parts = path.split('.');
  let cur = v;
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i];
    if (cur.isObj()) {
      const next = cur.get(p);
      if (next === null) return JValue.nul();
      cur = next;
    } else if (cur.isArr()) {
      const idx = I32.parseInt(p);
      if (idx < 0 || idx >= cur.arr.length) return JValue.nul();
      cur = cur.arr[idx];
    } else return JValue.nul();
  }
  return cur;
}

function names(v: JValue): Array<string> {
  const out = new Array<string>();
  if (v.isArr()) for (let i = 0; i < v.arr.length; i++) out.push(v.arr[i].toText());
  else if (v.isStr()) out.push(v.s);
  return out;
}

function reshape(v: JValue, fields: Array<string>, keep: bool): JValue {
  if (v.isArr()) {
    const out = JValue.array();
    for (let i = 0; i < v.arr.length; i++) out.push(reshape(v.arr[i], fields, keep));
    return out;
  }
  if (!v.isObj()) return v;
  const out = JValue.object();
  if (keep) {
    for (let i = 0; i < fields.length; i++) {
      const f = v.get(fields[i]);
      if (f !== null) out.set(fields[i], f);
    }
  } else {
    for (let i = 0; i < v.keys.length; i++) if (!fields.includes(v.keys[i])) out.set(v.keys[i], v.vals[i]);
  }
  return out;
}

function rename(v: JValue, map: JValue): JValue {
  if (v.isArr()) {
    const out = JValue.array();
    for (let i = 0; i < v.arr.length; i++) out.push(rename(v.arr[i], map));
    return out;
  }
  if (!v.isObj()) return v;
  const out = JValue.object();
  for (let i = 0; i < v.keys.length; i++) {
    const to = map.get(v.keys[i]);
    out.set(to !== null && to.isStr() ? to.s : v.keys[i], v.vals[i]);
  }
  return out;
}

function compare(a: JValue, b: JValue): i32 {
  const na = a.toNumber();
  const nb = b.toNumber();
  if (!isNaN(na) && !isNaN(nb) && a.kind != Kind.Str && b.kind != Kind.Str) return na < nb ? -1 : na > nb ? 1 : 0;
  if (a.isNull() && !b.isNull()) return 1;
  if (b.isNull() && !a.isNull()) return -1;
  const sa = a.toText();
  const sb = b.toText();
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

function matches(item: JValue, field: string, op: string, value: JValue): bool {
  const v = at(item, field);
  if (op == 'exists') return !v.isNull();
  if (op == 'contains') {
    if (v.isArr()) {
      for (let i = 0; i < v.arr.length; i++) if (stringify(v.arr[i]) == stringify(value)) return true;
      return false;
    }
    return v.toText().includes(value.toText());
  }
  const c = compare(v, value);
  if (op == 'eq') return stringify(v) == stringify(value) || (c == 0 && !v.isNull());
  if (op == 'ne') return !(stringify(v) == stringify(value) || (c == 0 && !v.isNull()));
  if (v.isNull()) return false;
  if (op == 'gt') return c > 0;
  if (op == 'gte') return c >= 0;
  if (op == 'lt') return c < 0;
  if (op == 'lte') return c <= 0;
  error = 'unknown filter op "' + op + '" (eq, ne, gt, gte, lt, lte, contains, exists)';
  return false;
}

// Sorting needs the field in a comparator that cannot capture: a module-level slot holds it.
let sortField = '';
function bySortField(a: JValue, b: JValue): i32 {
  return compare(at(a, sortField), at(b, sortField));
}

function needArray(v: JValue, op: string): bool {
  if (v.isArr()) return true;
  error = '"' + op + '" needs an array, got ' + (v.isObj() ? 'an object' : stringify(v).slice(0, 40));
  return false;
}

function apply(data: JValue, op: JValue): JValue {
  if (!op.isObj() || op.keys.length != 1) {
    error = 'each operation is an object with one key, e.g. {"limit": 10}; got ' + stringify(op).slice(0, 60);
    return data;
  }
  const name = op.keys[0];
  const arg = op.vals[0];
  if (name == 'get') return at(data, arg.toText());
  if (name == 'pick') return reshape(data, names(arg), true);
  if (name == 'omit') return reshape(data, names(arg), false);
  if (name == 'rename') return arg.isObj() ? rename(data, arg) : data;
  if (name == 'filter') {
    if (!needArray(data, name)) return data;
    const field = arg.getString('field', '');
    const opName = arg.getString('op', 'eq');
    const value = arg.get('value');
    const out = JValue.array();
    for (let i = 0; i < data.arr.length; i++) {
      if (matches(data.arr[i], field, opName, value === null ? JValue.nul() : value!)) out.push(data.arr[i]);
      if (error.length > 0) return data;
    }
    return out;
  }
  if (name == 'sort') {
    if (!needArray(data, name)) return data;
    sortField = arg.isStr() ? arg.s : arg.getString('field', '');
    const desc = arg.isObj() && arg.getString('order', 'asc') == 'desc';
    const out = JValue.array();
    out.arr = data.arr.slice(0);
    out.arr.sort(bySortField);
    if (desc) out.arr.reverse();
    return out;
  }
  if (name == 'limit' || name == 'skip') {
    if (!needArray(data, name)) return data;
    const n = <i32>Math.max(0, arg.toNumber());
    const out = JValue.array();
    out.arr = name == 'limit' ? data.arr.slice(0, n) : data.arr.slice(n);
    return out;
  }
  if (name == 'map') {
    if (!needArray(data, name)) return data;
    const out = JValue.array();
    for (let i = 0; i < data.arr.length; i++) out.push(at(data.arr[i], arg.toText()));
    return out;
  }
  if (name == 'count') return JValue.num(data.isArr() ? <f64>data.arr.length : data.isObj() ? <f64>data.keys.length : 1);
  if (name == 'sum' || name == 'avg' || name == 'min' || name == 'max') {
    if (!needArray(data, name)) return data;
    let acc: f64 = name == 'min' ? Infinity : name == 'max' ? -Infinity : 0;
    let n = 0;
    for (let i = 0; i < data.arr.length; i++) {
      const v = at(data.arr[i], arg.isStr() ? arg.s : '').toNumber();
      if (isNaN(v)) continue;
      n++;
      if (name == 'min') acc = Math.min(acc, v);
      else if (name == 'max') acc = Math.max(acc, v);
      else acc += v;
    }
    if (n == 0) return JValue.nul();
    return JValue.num(name == 'avg' ? acc / <f64>n : acc);
  }
  if (name == 'group' || name == 'unique') {
    if (!needArray(data, name)) return data;
    const groups = JValue.object();
    const seen = JValue.array();
    for (let i = 0; i < data.arr.length; i++) {
      const v = at(data.arr[i], arg.toText());
      const key = v.toText();
      const prev = groups.get(key);
      if (prev === null) seen.push(v);
      groups.set(key, JValue.num(prev === null ? 1 : prev.n + 1));
    }
    return name == 'group' ? groups : seen;
  }
  error = 'unknown operation "' + name + '" (get, pick, omit, rename, filter, sort, limit, skip, map, count, sum, avg, min, max, group, unique)';
  return data;
}

/** Input: {"data": …, "ops": [operation, …]}. Output: the transformed data. */
export function transform(): i32 {
  error = ''; // module state outlives a call in a warm instance
  const input = inputJson();
  if (!input.isObj() || !input.has('data')) return fail('expected {"data": ..., "ops": [...]}');
  let data = input.get('data')!;
  const ops = input.get('ops');
  if (ops !== null && ops.isArr()) {
    for (let i = 0; i < ops.arr.length; i++) {
      data = apply(data, ops.arr[i]);
      if (error.length > 0) return fail('operation ' + (i + 1).toString() + ': ' + error);
    }
  }
  return outputJson(data);
}
