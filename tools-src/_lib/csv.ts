// CSV text → rows: the first line names the columns; quoted fields may hold commas, quotes ("")
// and newlines; numbers become numbers, empty fields null.
import { JValue, parseNumberText } from './json';

function cell(text: string): JValue {
  if (text.length == 0) return JValue.nul();
  const n = parseNumberText(text);
  if (!isNaN(n)) return JValue.num(n);
  return JValue.str(text);
}

/** Splits CSV text into records of raw fields. */
export function csvRecords(text: string): Array<Array<string>> {
  const records = new Array<Array<string>>();
  let record = new Array<string>();
  let field = '';
  let quoted = false;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (quoted) {
      if (c == 34) {
        if (i + 1 < n && text.charCodeAt(i + 1) == 34) {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
        i++;
        continue;
      }
      field += String.fromCharCode(c);
      i++;
      continue;
    }
    if (c == 34 && field.length == 0) {
      quoted = true;
    } else if (c == 44) {
      record.push(field);
      field = '';
    } else if (c == 10 || c == 13) {
      if (c == 13 && i + 1 < n && text.charCodeAt(i + 1) == 10) i++;
      record.push(field);
      field = '';
      if (!(record.length == 1 && record[0].length == 0)) records.push(record);
      record = new Array<string>();
    } else {
      field += String.fromCharCode(c);
    }
    i++;
  }
  if (field.length > 0 || record.length > 0) {
    record.push(field);
    records.push(record);
  }
  return records;
}

/** {columns: [...], rows: [{column: value}]} from CSV text. */
export function parseCsv(text: string): JValue {
  const records = csvRecords(text);
  const out = JValue.object();
  const columns = JValue.array();
  const rows = JValue.array();
  if (records.length == 0) {
    out.set('columns', columns);
    out.set('rows', rows);
    return out;
  }
  const header = records[0];
  for (let c = 0; c < header.length; c++) columns.push(JValue.str(header[c].trim()));
  for (let r = 1; r < records.length; r++) {
    const rec = records[r];
    const row = JValue.object();
    for (let c = 0; c < header.length; c++) {
      row.set(header[c].trim(), c < rec.length ? cell(rec[c].trim()) : JValue.nul());
    }
    rows.push(row);
  }
  out.set('columns', columns);
  out.set('rows', rows);
  return out;
}
