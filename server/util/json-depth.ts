// How deeply a parsed JSON value nests, found without recursion: a body of 1 MiB can nest half a
// million levels, and the server's own recursive walks of it (JSON.stringify for the history's
// preview, a template, a reply) would then overflow the stack. Messages and tool inputs deeper than
// MAX_JSON_DEPTH are refused at the edge instead.

export const MAX_JSON_DEPTH = 100;

/** True when `value` nests at most `limit` arrays or objects deep. */
export function withinDepth(value: unknown, limit = MAX_JSON_DEPTH): boolean {
  if (typeof value !== 'object' || value === null) return true;
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (depth > limit) return false;
    for (const child of Array.isArray(v) ? v : Object.values(v as object)) {
      if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
    }
  }
  return true;
}
