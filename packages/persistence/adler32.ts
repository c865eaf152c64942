/**
 * Adler-32, the checksum Apache ZooKeeper puts in front of every txn log
 * record and at the end of every snapshot (`java.util.zip.Adler32`).
 *
 * @module
 */

/** The largest prime below 2^16 (RFC 1950). */
const BASE = 65521;
/**
 * Bytes summed before reducing modulo {@linkcode BASE}: the largest run for
 * which `b` stays below 2^31, so V8 keeps both sums as small integers
 * (zlib's NMAX of 5552 is for unsigned 32-bit sums).
 */
const RUN_BYTES_MAX = 3800;

/**
 * Computes the Adler-32 checksum of `data`, continuing from `adler` (1 for a
 * fresh checksum), as `java.util.zip.Adler32` does. Table-free.
 *
 * @param data the bytes to checksum
 * @param adler the checksum so far; 1 to start
 * @returns the checksum as an unsigned 32-bit integer
 *
 * @example Checksum of a string
 * ```ts
 * import { adler32 } from "@zkts/persistence";
 * import assert from "node:assert/strict";
 * assert.equal(adler32(new TextEncoder().encode("Wikipedia")), 0x11e60398);
 * ```
 */
export function adler32(data: Uint8Array, adler = 1): number {
  let a = adler & 0xffff;
  let b = adler >>> 16;
  const n = data.length;
  let i = 0;
  while (i < n) {
    const end = Math.min(i + RUN_BYTES_MAX, n);
    // Unrolled by 4: the loop is the hot path of log reads and snapshot loads.
    const end4 = end - 3;
    for (; i < end4; i += 4) {
      a += data[i];
      b += a;
      a += data[i + 1];
      b += a;
      a += data[i + 2];
      b += a;
      a += data[i + 3];
      b += a;
    }
    for (; i < end; i++) {
      a += data[i];
      b += a;
    }
    a %= BASE;
    b %= BASE;
  }
  return ((b << 16) | a) >>> 0;
}
