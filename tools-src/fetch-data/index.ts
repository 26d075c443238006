// fetch-data: rows from a dataset shipped in the tool's manifest ([config], so it deploys with the
// commit), or, when the manifest grants allowed_hosts, from an HTTP source. CSV or JSON.
import { Config } from '@extism/as-pdk';
import { JValue, parse } from '../_lib/json';
import { parseCsv } from '../_lib/csv';
import { httpGet } from '../_lib/http';
import { fail, inputJson, outputJson } from '../_lib/io';
import { columnsOf, rowsOf } from '../_lib/rows';

function looksLikeJson(text: string): bool {
  const t = text.trimStart();
  return t.startsWith('[') || t.startsWith('{');
}

/** {columns, rows} from CSV or JSON text. */
function tableOf(text: string, format: string): JValue | null {
  if (format == 'json' || (format != 'csv' && looksLikeJson(text))) {
    const doc = parse(text);
    const rows = rowsOf(doc);
    if (rows === null) return null;
    const out = JValue.object();
    const columns = JValue.array();
    const names = columnsOf(rows);
    for (let i = 0; i < names.length; i++) columns.push(JValue.str(names[i]));
    out.set('columns', columns);
    out.set('rows', rows);
    return out;
  }
  return parseCsv(text);
}

/**
 * Input: {"dataset": "sales"} (a [config] entry of the manifest), or {"url": "https://…"} (needs
 * allowed_hosts), with optional "format" ("csv" | "json") and "limit". A bare string names a dataset.
 * Output: {dataset, source, columns, count, rows}.
 */
export function fetch(): i32 {
  const input = inputJson();
  let dataset = input.isStr() ? input.s : input.getString('dataset', '');
  const url = input.isObj() ? input.getString('url', '') : '';
  const format = input.isObj() ? input.getString('format', '') : '';
  const limit = input.isObj() ? input.getNumber('limit', -1) : -1;

  let text = '';
  let source = '';
  if (url.length > 0) {
    const res = httpGet(url);
    if (res.status >= 400 || res.status == 0) return fail('GET ' + url + ' answered ' + res.status.toString());
    text = res.body;
    source = url;
    if (dataset.length == 0) dataset = url;
  } else {
    if (dataset.length == 0) {
      const d = Config.get('default_dataset');
      if (d === null) return fail('no dataset named and no default_dataset in the tool config');
      dataset = d!;
    }
    const data = Config.get(dataset);
    if (data === null) {
      const known = Config.get('datasets');
      return fail('no dataset "' + dataset + '" (datasets: ' + (known === null ? 'none' : known!) + ')');
    }
    text = data!;
    source = 'config';
  }

  const table = tableOf(text, format);
  if (table === null) return fail('the JSON source has no rows (expected an array, or an object with "rows")');
  const rows = table.get('rows')!;
  if (limit >= 0 && <i32>limit < rows.arr.length) rows.arr = rows.arr.slice(0, <i32>limit);

  const out = JValue.object();
  out.setStr('dataset', dataset);
  out.setStr('source', source);
  out.set('columns', table.get('columns')!);
  out.setNum('count', <f64>rows.arr.length);
  out.set('rows', rows);
  return outputJson(out);
}
