// A direct reader for git objects, loose (objects/xx/yyyy…) and packed (idx v2 + pack, with ofs and
// ref deltas), as git reads them: inflate, and no SHA-1 of the object or of the pack. It answers
// GitRepo's hot reads (trees, blobs, a commit's tree) in microseconds, where isomorphic-git spends
// ~50–70 µs per object in per-call set-up (a gitdir stat, a pack listing, a failed loose lookup, an
// async inflate, a SHA-1) and, on a fresh cache, parses the whole pack index and hashes the whole
// pack. Anything it does not understand reads as null, and GitRepo asks isomorphic-git instead, so
// errors (missing objects, unsafe names, odd modes) stay isomorphic-git's.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

export type ObjectType = 'commit' | 'tree' | 'blob' | 'tag';

export interface RawObject {
  type: ObjectType;
  body: Buffer;
}

const PACK_TYPES: Record<number, ObjectType> = { 1: 'commit', 2: 'tree', 3: 'blob', 4: 'tag' };
const OID = /^[0-9a-f]{40}$/;
/** Delta bases kept per pack, as git's core.deltaBaseCacheLimit does (git's default is 96 MiB). */
const BASE_CACHE_BYTES = 16 * 1024 * 1024;

/** Thrown inside the reader for anything it does not handle; the caller falls back. */
class Unsupported extends Error {}

/** Inflates the zlib stream at `start` that holds `size` bytes, ignoring what follows it. */
function inflateAt(data: Buffer, start: number, size: number): Buffer {
  // zlib's worst case is a little over the input size; a bounded slice keeps the input small, and
  // the rest of the file is there if an unusual encoder needed more.
  const bound = start + size + (size >> 10) + 64;
  let out: Buffer;
  try {
    out = zlib.inflateSync(data.subarray(start, Math.min(bound, data.length)));
  } catch (err) {
    if (bound >= data.length) throw err;
    out = zlib.inflateSync(data.subarray(start));
  }
  if (out.length !== size) throw new Unsupported(`object size ${out.length}, header says ${size}`);
  return out;
}

function applyDelta(delta: Buffer, base: Buffer): Buffer {
  let p = 0;
  const varint = (): number => {
    let n = 0;
    let shift = 0;
    let b: number;
    do {
      b = delta[p++]!;
      n += (b & 0x7f) * 2 ** shift;
      shift += 7;
    } while (b & 0x80);
    return n;
  };
  if (varint() !== base.length) throw new Unsupported('delta base size mismatch');
  const out = Buffer.allocUnsafe(varint());
  let o = 0;
  while (p < delta.length) {
    const op = delta[p++]!;
    if (op & 0x80) {
      let off = 0;
      let len = 0;
      if (op & 0x01) off |= delta[p++]!;
      if (op & 0x02) off |= delta[p++]! << 8;
      if (op & 0x04) off |= delta[p++]! << 16;
      if (op & 0x08) off = (off | (delta[p++]! << 24)) >>> 0;
      if (op & 0x10) len |= delta[p++]!;
      if (op & 0x20) len |= delta[p++]! << 8;
      if (op & 0x40) len |= delta[p++]! << 16;
      if (len === 0) len = 0x10000;
      if (off + len > base.length || o + len > out.length) throw new Unsupported('delta copy out of range');
      base.copy(out, o, off, off + len);
      o += len;
    } else if (op) {
      if (p + op > delta.length || o + op > out.length) throw new Unsupported('delta insert out of range');
      delta.copy(out, o, p, p + op);
      p += op;
      o += op;
    } else {
      throw new Unsupported('delta opcode 0');
    }
  }
  if (o !== out.length) throw new Unsupported('delta result size mismatch');
  return out;
}

/** One pack: its index (v2) searched in place, its data read on first use. */
class Pack {
  private data: Buffer | null = null;
  /** the pack file is not the one the index was written for: isomorphic-git reads it */
  private mismatch = false;
  private readonly bases = new Map<number, RawObject>();
  private baseBytes = 0;

  private constructor(
    readonly packFile: string,
    private readonly idx: Buffer,
    private readonly count: number,
  ) {}

  /** null for anything but an index v2 (isomorphic-git reads only v2 as well). */
  static open(idxFile: string): Pack | null {
    const idx = fs.readFileSync(idxFile);
    if (idx.length < 1072 || idx.readUInt32BE(0) !== 0xff744f63 || idx.readUInt32BE(4) !== 2) return null;
    const count = idx.readUInt32BE(8 + 255 * 4);
    if (idx.length < 1032 + count * 28 + 40) return null;
    return new Pack(idxFile.replace(/\.idx$/, '.pack'), idx, count);
  }

  /** The object's offset in the pack, or -1. */
  find(oid: Buffer): number {
    const idx = this.idx;
    const first = oid[0]!;
    let lo = first === 0 ? 0 : idx.readUInt32BE(8 + (first - 1) * 4);
    let hi = idx.readUInt32BE(8 + first * 4);
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const at = 1032 + mid * 20;
      const c = idx.compare(oid, 0, 20, at, at + 20);
      if (c === 0) return this.offset(mid);
      if (c > 0) hi = mid;
      else lo = mid + 1;
    }
    return -1;
  }

  private offset(i: number): number {
    const n = this.count;
    const small = this.idx.readUInt32BE(1032 + n * 24 + i * 4);
    if (!(small & 0x80000000)) return small;
    const at = 1032 + n * 28 + (small & 0x7fffffff) * 8;
    return this.idx.readUInt32BE(at) * 2 ** 32 + this.idx.readUInt32BE(at + 4);
  }

  private load(): Buffer {
    if (!this.data) {
      if (this.mismatch) throw new Unsupported('pack does not match its index');
      const data = fs.readFileSync(this.packFile);
      // the pack the index describes (its trailer checksum is in the index), not a rewritten one
      this.mismatch = data.length < 32 || data.toString('latin1', 0, 4) !== 'PACK' || data.compare(this.idx, this.idx.length - 40, this.idx.length - 20, data.length - 20) !== 0;
      if (this.mismatch) throw new Unsupported('pack does not match its index');
      this.data = data;
    }
    return this.data;
  }

  private remember(offset: number, obj: RawObject): void {
    if (obj.body.length > BASE_CACHE_BYTES / 4) return;
    if (this.baseBytes + obj.body.length > BASE_CACHE_BYTES) {
      this.bases.clear();
      this.baseBytes = 0;
    }
    this.bases.set(offset, obj);
    this.baseBytes += obj.body.length;
  }

  /** The object at `offset`, its delta chain resolved (a ref delta's base through `byOid`). */
  read(offset: number, byOid: (oid: Buffer) => RawObject | null): RawObject {
    const hit = this.bases.get(offset);
    if (hit) return hit;
    const data = this.load();
    const chain: Array<{ at: number; start: number; size: number }> = [];
    let at = offset;
    let base: RawObject;
    for (;;) {
      if (chain.length) {
        const cached = this.bases.get(at);
        if (cached) {
          base = cached;
          break;
        }
      }
      if (at >= data.length - 20) throw new Unsupported('offset past the pack');
      let p = at;
      let b = data[p++]!;
      const type = (b >> 4) & 7;
      let size = b & 15;
      let shift = 4;
      while (b & 0x80) {
        b = data[p++]!;
        size += (b & 0x7f) * 2 ** shift;
        shift += 7;
      }
      const known = PACK_TYPES[type];
      if (known) {
        base = { type: known, body: inflateAt(data, p, size) };
        if (chain.length) this.remember(at, base);
        break;
      }
      if (type === 6) {
        b = data[p++]!;
        let back = b & 0x7f;
        while (b & 0x80) {
          b = data[p++]!;
          back = (back + 1) * 128 + (b & 0x7f);
        }
        chain.push({ at, start: p, size });
        if (back <= 0 || back > at) throw new Unsupported('ofs delta out of range');
        at -= back;
        continue;
      }
      if (type === 7) {
        chain.push({ at, start: p + 20, size });
        const found = byOid(data.subarray(p, p + 20));
        if (!found) throw new Unsupported('ref delta base not found');
        base = found;
        break;
      }
      throw new Unsupported(`pack object type ${type}`);
    }
    for (let i = chain.length - 1; i >= 0; i--) {
      const link = chain[i]!;
      base = { type: base.type, body: applyDelta(inflateAt(data, link.start, link.size), base.body) };
      if (i > 0) this.remember(link.at, base);
    }
    return base;
  }
}

/**
 * The objects of one git directory. Pack indexes are listed and read once and kept (a pack's
 * content never changes); a miss lists objects/pack again, so packs written since (a fetch, a gc)
 * are found; `refresh()` drops the listing at once.
 */
export class ObjectStore {
  /** .idx file name → its pack; kept across listings (a pack never changes under its name). */
  private packs = new Map<string, Pack | null>();
  private listed = false;

  constructor(private readonly gitdir: string) {}

  refresh(): void {
    this.listed = false;
  }

  private listPacks(): Array<Pack | null> {
    if (!this.listed) {
      const dir = path.join(this.gitdir, 'objects', 'pack');
      let names: string[] = [];
      try {
        names = fs.readdirSync(dir).filter((n) => n.endsWith('.idx')).sort();
      } catch {
        /* no packs */
      }
      const packs = new Map<string, Pack | null>();
      for (const n of names) {
        let p = this.packs.get(n);
        if (p === undefined) {
          try {
            p = Pack.open(path.join(dir, n));
          } catch {
            p = null; // unreadable: isomorphic-git will have its say
          }
        }
        packs.set(n, p);
      }
      this.packs = packs;
      this.listed = true;
    }
    return [...this.packs.values()];
  }

  /**
   * The object, or null when this reader cannot give it (missing, or in a form it does not read).
   * Its bytes may be cached (a delta base): copy them before handing them out.
   */
  read(oid: string): RawObject | null {
    if (!OID.test(oid)) return null;
    try {
      return this.readBin(Buffer.from(oid, 'hex'), oid, true);
    } catch {
      return null;
    }
  }

  private readBin(bin: Buffer, hex: string, retry: boolean): RawObject | null {
    const packs = this.listPacks();
    for (const pack of packs) {
      const offset = pack ? pack.find(bin) : -1;
      if (offset < 0) continue;
      try {
        return pack!.read(offset, (base) => this.readBin(base, base.toString('hex'), retry));
      } catch (err) {
        // the pack was removed by a repack since we listed it: list again
        if (!retry || (err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        this.refresh();
        return this.readBin(bin, hex, false);
      }
    }
    const loose = this.readLoose(hex);
    if (loose) return loose;
    if (!retry) return null;
    // not here: a fetch or a gc may have written a pack since we listed them
    this.refresh();
    const again = this.listPacks();
    if (again.length === packs.length && again.every((p, i) => p === packs[i])) return null;
    return this.readBin(bin, hex, false);
  }

  private readLoose(hex: string): RawObject | null {
    let file: Buffer;
    try {
      file = fs.readFileSync(path.join(this.gitdir, 'objects', hex.slice(0, 2), hex.slice(2)));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
    const raw = zlib.inflateSync(file);
    const space = raw.indexOf(32);
    const nul = raw.indexOf(0, space + 1);
    if (space < 0 || nul < 0) throw new Unsupported('loose object header');
    const type = raw.toString('latin1', 0, space);
    if (type !== 'commit' && type !== 'tree' && type !== 'blob' && type !== 'tag') throw new Unsupported(`loose type ${type}`);
    const size = raw.toString('latin1', space + 1, nul);
    if (!/^\d+$/.test(size) || Number(size) !== raw.length - nul - 1) throw new Unsupported('loose object size');
    return { type, body: raw.subarray(nul + 1) };
  }
}
