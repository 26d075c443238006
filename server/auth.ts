// Bearer-token check for /api/v1/*: constant-time, and the token never reaches a log line.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { CaxtonError } from './errors.js';
import { writeFileAtomic } from './deploy/state-store.js';

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * A checker of `Authorization` headers. The usual header (`Bearer <token>`, same length) is compared
 * byte for byte in constant time; any other spelling is compared by digest, so neither the token's
 * length nor its content leaks through timing. No per-request hashing on the common path.
 */
export function tokenChecker(token: string): (header: string | undefined) => void {
  const expected = digest(token);
  const exact = Buffer.from(`Bearer ${token}`, 'utf8');
  return (header) => {
    if (header !== undefined && Buffer.byteLength(header, 'utf8') === exact.length && timingSafeEqual(Buffer.from(header, 'utf8'), exact)) return;
    const m = /^Bearer\s+(.+)$/i.exec(header ?? '');
    if (!m) throw new CaxtonError('CAX_UNAUTHORIZED', { reason: 'missing' });
    if (!timingSafeEqual(digest(m[1]!.trim()), expected)) throw new CaxtonError('CAX_UNAUTHORIZED', { reason: 'invalid' });
  };
}

/** CAXTON_TOKEN if set; else the data folder's token file, created (mode 0600) on first start. */
export function loadOrCreateToken(dataDir: string, fromEnv: string | undefined): { token: string; file: string | null } {
  if (fromEnv) return { token: fromEnv, file: null };
  const file = path.join(dataDir, 'token');
  try {
    const existing = fs.readFileSync(file, 'utf8').trim();
    if (existing) return { token: existing, file };
  } catch {
    /* first start */
  }
  const token = `cax_${randomBytes(24).toString('base64url')}`;
  writeFileAtomic(file, `${token}\n`, 0o600);
  fs.chmodSync(file, 0o600);
  return { token, file };
}
