// Which hosts a plugin may reach: the manifest's allowed_hosts, deny by default. Pure.

/**
 * True when `hostname` matches one of `patterns`: an exact name, `*.example.com` (any subdomain of
 * example.com, not example.com itself), or `*` (any host).
 */
export function hostAllowed(hostname: string, patterns: readonly string[]): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, '').replace(/^\[(.*)\]$/, '$1');
  for (const raw of patterns) {
    const p = raw.toLowerCase().trim();
    if (p === '*' || p === host) return true;
    if (p.startsWith('*.') && host.endsWith(p.slice(1)) && host.length > p.length - 1) return true;
  }
  return false;
}
