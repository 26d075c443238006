// The most frequent values of a count: what analyze (a text column's top values) and text-stats (the
// top words) both report.
import { JValue } from './json';

class Tally {
  constructor(
    public value: string,
    public count: i32,
  ) {}
}

/** Most frequent first; ties in text order, so the answer never depends on the map's order. */
function byCount(a: Tally, b: Tally): i32 {
  if (a.count != b.count) return b.count - a.count;
  return a.value < b.value ? -1 : a.value > b.value ? 1 : 0;
}

/** The `top` most frequent keys of `counts`, as [{<field>: key, count}]. */
export function mostFrequent(counts: Map<string, i32>, top: i32, field: string): JValue {
  const keys = counts.keys();
  const tallies = new Array<Tally>();
  for (let i = 0; i < keys.length; i++) tallies.push(new Tally(keys[i], counts.get(keys[i])));
  tallies.sort(byCount);
  const out = JValue.array();
  for (let i = 0; i < tallies.length && i < top; i++) {
    const t = JValue.object();
    t.setStr(field, tallies[i].value);
    t.setNum('count', <f64>tallies[i].count);
    out.push(t);
  }
  return out;
}
