/** Levenshtein distance, two rows; inputs here are short names, so O(n·m) is fine. */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  let cur = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
    }
    [prev, cur] = [cur, prev];
  }
  return prev[b.length]!;
}

/**
 * The candidates closest to `word`, best first, within a distance that grows with the word's
 * length (a third of it, at least 2), so "capabilites" finds "capabilities" but "x" finds nothing.
 * @example nearest('capabilites', ['name', 'capabilities']) // ['capabilities']
 */
export function nearest(word: string, candidates: Iterable<string>, limit = 3): string[] {
  const max = Math.max(2, Math.floor(word.length / 3));
  const scored: Array<[string, number]> = [];
  for (const c of new Set(candidates)) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    // a word cut short ("cap") is as near as one typo; a word that runs on past a candidate
    // ("openai-compatibel" past "openai") is listed, but ranks by its distance
    const cut = c.startsWith(word);
    const prefix = cut || word.startsWith(c);
    if (d <= max || (prefix && Math.min(word.length, c.length) >= 3)) scored.push([c, cut ? Math.min(d, 1) : d]);
  }
  return scored.sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0])).slice(0, limit).map(([c]) => c);
}

/** `Did you mean "a" or "b"?` for the nearest candidates, as a list of one sentence; empty when there are none. */
export function didYouMean(near: readonly string[]): string[] {
  return near.length ? [`Did you mean ${near.map((n) => `"${n}"`).join(' or ')}?`] : [];
}
