// Splits a list of texts into runs short enough to store as one value each.

/** `items` in order, in runs whose length (each item plus 3 characters, its quotes and comma in JSON) stays within `max`; an item longer than `max` is a run of its own. */
export function textChunks(items: readonly string[], max: number): string[][] {
  const out: string[][] = [];
  let run: string[] = [];
  let chars = 0;
  for (const item of items) {
    if (run.length && chars + item.length + 3 > max) {
      out.push(run);
      run = [];
      chars = 0;
    }
    run.push(item);
    chars += item.length + 3;
  }
  if (run.length) out.push(run);
  return out;
}
