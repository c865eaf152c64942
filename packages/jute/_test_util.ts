// Helpers shared by this package's tests (not exported from mod.ts).

/** Lower-case hex of bytes. */
export function toHex(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; i++) s += b[i].toString(16).padStart(2, "0");
  return s;
}

/** Bytes of a hex string (spaces allowed). */
export function fromHex(hex: string): Uint8Array {
  const h = hex.replace(/\s+/g, "");
  if (h.length % 2 !== 0) throw new Error(`odd hex length ${h.length}`);
  const out = new Uint8Array(h.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(h.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** A small seeded PRNG (mulberry32) so property tests replay exactly. */
export class Prng {
  #s: number;
  constructor(seed: number) {
    this.#s = seed >>> 0;
  }
  /** A uint32. */
  next(): number {
    let t = (this.#s = (this.#s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }
  /** An int in [0, n). */
  int(n: number): number {
    return this.next() % n;
  }
  /** True with probability p. */
  chance(p: number): boolean {
    return this.next() / 0x100000000 < p;
  }
  /** One element of `a`. */
  pick<T>(a: readonly T[]): T {
    return a[this.int(a.length)];
  }
  /** Random bytes. */
  bytes(n: number): Uint8Array {
    const b = new Uint8Array(n);
    for (let i = 0; i < n; i++) b[i] = this.next() & 0xff;
    return b;
  }
}
