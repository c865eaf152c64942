// Big-endian helpers (Jute is big-endian), kept private to the package.

export function writeInt(buf: Uint8Array, off: number, v: number): void {
  buf[off] = v >>> 24;
  buf[off + 1] = v >>> 16;
  buf[off + 2] = v >>> 8;
  buf[off + 3] = v;
}

export function readInt(buf: Uint8Array, off: number): number {
  return (buf[off] << 24) | (buf[off + 1] << 16) | (buf[off + 2] << 8) | buf[off + 3];
}

export function writeLong(buf: Uint8Array, off: number, v: bigint): void {
  const hi = Number(BigInt.asIntN(64, v) >> 32n) | 0;
  const lo = Number(v & 0xffffffffn) >>> 0;
  writeInt(buf, off, hi);
  writeInt(buf, off + 4, lo);
}

export function readLong(buf: Uint8Array, off: number): bigint {
  const hi = readInt(buf, off);
  const lo = readInt(buf, off + 4) >>> 0;
  return (BigInt(hi) << 32n) | BigInt(lo);
}

/** An unsigned 32-bit value written as a Jute long (Adler32.getValue()). */
export function writeUint32AsLong(buf: Uint8Array, off: number, v: number): void {
  writeInt(buf, off, 0);
  writeInt(buf, off + 4, v);
}

/** Reads a Jute long; returns -1 when it does not fit an unsigned 32-bit value. */
export function readLongAsUint32(buf: Uint8Array, off: number): number {
  if (readInt(buf, off) !== 0) return -1;
  return readInt(buf, off + 4) >>> 0;
}

export function isZero(buf: Uint8Array, start = 0, end = buf.length): boolean {
  for (let i = start; i < end; i++) if (buf[i] !== 0) return false;
  return true;
}

export function concat(parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
