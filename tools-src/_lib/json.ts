// A small JSON value, parser and writer for the plugins (AssemblyScript has none built in).
// Objects keep their key order; numbers are f64; parse errors throw through `abort` as a trap
// the host reports, so every caller gets either a value or a clear failure.

export enum Kind {
  Null,
  Bool,
  Num,
  Str,
  Arr,
  Obj,
}

export class JValue {
  kind: Kind = Kind.Null;
  b: bool = false;
  n: f64 = 0;
  s: string = '';
  arr: Array<JValue> = [];
  keys: Array<string> = [];
  vals: Array<JValue> = [];

  static nul(): JValue {
    return new JValue();
  }
  static bool(b: bool): JValue {
    const v = new JValue();
    v.kind = Kind.Bool;
    v.b = b;
    return v;
  }
  static num(n: f64): JValue {
    const v = new JValue();
    v.kind = Kind.Num;
    v.n = n;
    return v;
  }
  static str(s: string): JValue {
    const v = new JValue();
    v.kind = Kind.Str;
    v.s = s;
    return v;
  }
  static array(): JValue {
    const v = new JValue();
    v.kind = Kind.Arr;
    return v;
  }
  static object(): JValue {
    const v = new JValue();
    v.kind = Kind.Obj;
    return v;
  }

  isNull(): bool {
    return this.kind == Kind.Null;
  }
  isNum(): bool {
    return this.kind == Kind.Num;
  }
  isStr(): bool {
    return this.kind == Kind.Str;
  }
  isArr(): bool {
    return this.kind == Kind.Arr;
  }
  isObj(): bool {
    return this.kind == Kind.Obj;
  }

  /** the member `key` of an object, or null */
  get(key: string): JValue | null {
    if (this.kind != Kind.Obj) return null;
    for (let i = 0; i < this.keys.length; i++) {
      if (this.keys[i] == key) return this.vals[i];
    }
    return null;
  }

  has(key: string): bool {
    return this.get(key) !== null;
  }

  /** sets (or replaces) the member `key`; returns this for chaining */
  set(key: string, value: JValue): JValue {
    for (let i = 0; i < this.keys.length; i++) {
      if (this.keys[i] == key) {
        this.vals[i] = value;
        return this;
      }
    }
    this.keys.push(key);
    this.vals.push(value);
    return this;
  }

  setNum(key: string, n: f64): JValue {
    return this.set(key, JValue.num(n));
  }
  setStr(key: string, s: string): JValue {
    return this.set(key, JValue.str(s));
  }

  push(value: JValue): JValue {
    this.arr.push(value);
    return this;
  }

  /** a string member, or `fallback` */
  getString(key: string, fallback: string): string {
    const v = this.get(key);
    if (v === null || v.kind != Kind.Str) return fallback;
    return v.s;
  }

  /** a number member, or `fallback` */
  getNumber(key: string, fallback: f64): f64 {
    const v = this.get(key);
    if (v === null || v.kind != Kind.Num) return fallback;
    return v.n;
  }

  /** the value as a number: numbers as they are, numeric strings parsed, else NaN */
  toNumber(): f64 {
    if (this.kind == Kind.Num) return this.n;
    if (this.kind == Kind.Str) return parseNumberText(this.s);
    if (this.kind == Kind.Bool) return this.b ? 1 : 0;
    return NaN;
  }

  /** the value as display text (strings without quotes) */
  toText(): string {
    if (this.kind == Kind.Str) return this.s;
    return stringify(this);
  }
}

/** A decimal number in text (JSON's grammar, a leading "+" and surrounding spaces allowed), or NaN. */
export function parseNumberText(text: string): f64 {
  const t = text.trim();
  const n = t.length;
  let i = 0;
  if (i < n && (t.charCodeAt(i) == 45 || t.charCodeAt(i) == 43)) i++;
  let digits = 0;
  while (i < n && t.charCodeAt(i) >= 48 && t.charCodeAt(i) <= 57) {
    i++;
    digits++;
  }
  if (i < n && t.charCodeAt(i) == 46) {
    i++;
    while (i < n && t.charCodeAt(i) >= 48 && t.charCodeAt(i) <= 57) {
      i++;
      digits++;
    }
  }
  if (digits == 0) return NaN;
  if (i < n && (t.charCodeAt(i) == 101 || t.charCodeAt(i) == 69)) {
    i++;
    if (i < n && (t.charCodeAt(i) == 45 || t.charCodeAt(i) == 43)) i++;
    let exp = 0;
    while (i < n && t.charCodeAt(i) >= 48 && t.charCodeAt(i) <= 57) {
      i++;
      exp++;
    }
    if (exp == 0) return NaN;
  }
  if (i != n) return NaN;
  return parseFloat(t);
}

class Parser {
  pos: i32 = 0;
  constructor(public text: string) {}

  fail(what: string): void {
    throw new Error('invalid JSON at position ' + this.pos.toString() + ': ' + what);
  }

  ws(): void {
    const t = this.text;
    while (this.pos < t.length) {
      const c = t.charCodeAt(this.pos);
      if (c == 32 || c == 9 || c == 10 || c == 13) this.pos++;
      else break;
    }
  }

  value(depth: i32): JValue {
    if (depth > 256) this.fail('nested too deeply');
    this.ws();
    if (this.pos >= this.text.length) this.fail('unexpected end');
    const c = this.text.charCodeAt(this.pos);
    if (c == 123) return this.object(depth);
    if (c == 91) return this.array(depth);
    if (c == 34) return JValue.str(this.string());
    if (c == 116) return this.word('true', JValue.bool(true));
    if (c == 102) return this.word('false', JValue.bool(false));
    if (c == 110) return this.word('null', JValue.nul());
    return this.number();
  }

  word(w: string, v: JValue): JValue {
    if (this.text.substr(this.pos, w.length) != w) this.fail('unexpected character');
    this.pos += w.length;
    return v;
  }

  number(): JValue {
    const t = this.text;
    const start = this.pos;
    while (this.pos < t.length) {
      const c = t.charCodeAt(this.pos);
      if ((c >= 48 && c <= 57) || c == 45 || c == 43 || c == 46 || c == 101 || c == 69) this.pos++;
      else break;
    }
    if (this.pos == start) this.fail('unexpected character');
    return JValue.num(parseFloat(t.substring(start, this.pos)));
  }

  string(): string {
    const t = this.text;
    this.pos++; // opening quote
    let out = '';
    let run = this.pos;
    while (true) {
      if (this.pos >= t.length) this.fail('unterminated string');
      const c = t.charCodeAt(this.pos);
      if (c == 34) {
        out += t.substring(run, this.pos);
        this.pos++;
        return out;
      }
      if (c == 92) {
        out += t.substring(run, this.pos);
        this.pos++;
        const e = t.charCodeAt(this.pos);
        if (e == 110) out += '\n';
        else if (e == 116) out += '\t';
        else if (e == 114) out += '\r';
        else if (e == 98) out += '\b';
        else if (e == 102) out += '\f';
        else if (e == 117) {
          const hex = t.substr(this.pos + 1, 4);
          out += String.fromCharCode(<i32>parseInt(hex, 16));
          this.pos += 4;
        } else out += String.fromCharCode(e);
        this.pos++;
        run = this.pos;
        continue;
      }
      this.pos++;
    }
  }

  array(depth: i32): JValue {
    const v = JValue.array();
    this.pos++;
    this.ws();
    if (this.text.charCodeAt(this.pos) == 93) {
      this.pos++;
      return v;
    }
    while (true) {
      v.arr.push(this.value(depth + 1));
      this.ws();
      const c = this.text.charCodeAt(this.pos);
      this.pos++;
      if (c == 93) return v;
      if (c != 44) this.fail('expected , or ]');
    }
  }

  object(depth: i32): JValue {
    const v = JValue.object();
    this.pos++;
    this.ws();
    if (this.text.charCodeAt(this.pos) == 125) {
      this.pos++;
      return v;
    }
    while (true) {
      this.ws();
      if (this.text.charCodeAt(this.pos) != 34) this.fail('expected a key');
      const key = this.string();
      this.ws();
      if (this.text.charCodeAt(this.pos) != 58) this.fail('expected :');
      this.pos++;
      v.keys.push(key);
      v.vals.push(this.value(depth + 1));
      this.ws();
      const c = this.text.charCodeAt(this.pos);
      this.pos++;
      if (c == 125) return v;
      if (c != 44) this.fail('expected , or }');
    }
  }
}

export function parse(text: string): JValue {
  const p = new Parser(text);
  const v = p.value(0);
  p.ws();
  if (p.pos < text.length) p.fail('trailing characters');
  return v;
}

/** A number as JSON: integers without a fraction, NaN and infinities as null. */
export function formatNumber(n: f64): string {
  if (isNaN(n) || !isFinite(n)) return 'null';
  if (Math.floor(n) == n && Math.abs(n) < 1e15) return (<i64>n).toString();
  return n.toString();
}

/** Rounds to `digits` decimals (for readable statistics). */
export function round(n: f64, digits: i32): f64 {
  const f = Math.pow(10, <f64>digits);
  return Math.round(n * f) / f;
}

function hex4(c: i32): string {
  const h = c.toString(16);
  let pad = '';
  for (let i = h.length; i < 4; i++) pad += '0';
  return pad + h;
}

export function quote(s: string): string {
  let out = '"';
  let run = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c == 34 || c == 92 || c < 32) {
      out += s.substring(run, i);
      if (c == 34) out += '\\"';
      else if (c == 92) out += '\\\\';
      else if (c == 10) out += '\\n';
      else if (c == 13) out += '\\r';
      else if (c == 9) out += '\\t';
      else out += '\\u' + hex4(c);
      run = i + 1;
    }
  }
  out += s.substring(run);
  return out + '"';
}

export function stringify(v: JValue): string {
  if (v.kind == Kind.Null) return 'null';
  if (v.kind == Kind.Bool) return v.b ? 'true' : 'false';
  if (v.kind == Kind.Num) return formatNumber(v.n);
  if (v.kind == Kind.Str) return quote(v.s);
  const parts = new Array<string>();
  if (v.kind == Kind.Arr) {
    for (let i = 0; i < v.arr.length; i++) parts.push(stringify(v.arr[i]));
    return '[' + parts.join(',') + ']';
  }
  for (let i = 0; i < v.keys.length; i++) parts.push(quote(v.keys[i]) + ':' + stringify(v.vals[i]));
  return '{' + parts.join(',') + '}';
}
