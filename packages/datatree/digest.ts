/**
 * The tree digest of Apache ZooKeeper (DigestCalculator, version 2): a CRC32
 * per znode over path, data and stat, summed into a 64-bit AdHash.
 *
 * @module
 */
import type { StatPersisted } from "@zkts/jute";

/** DigestCalculator.DIGEST_VERSION. */
export const DIGEST_VERSION = 2;

/** DataTree.DIGEST_LOG_INTERVAL: the digest log keeps the zxids that are multiples of it. */
export const DIGEST_LOG_INTERVAL = 128n;

/** DataTree.DIGEST_LOG_LIMIT: how many entries the digest log keeps, the oldest dropped. */
export const DIGEST_LOG_LIMIT = 1024;

/** One entry of the digest log (DataTree.ZxidDigest): the tree's digest right after `zxid`. */
export interface ZxidDigest {
  /** The zxid of the txn after which the digest was taken. */
  zxid: bigint;
  /** The digest algorithm's version (`DIGEST_VERSION`). */
  digestVersion: number;
  /** DataTree.getTreeDigest, a Java long. */
  digest: bigint;
}

/** Slicing-by-8 tables of the reflected CRC32 polynomial 0xedb88320 (java.util.zip.CRC32). */
const T = (() => {
  const t = new Int32Array(8 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  for (let n = 0; n < 256; n++) {
    let c = t[n];
    for (let k = 1; k < 8; k++) {
      c = t[c & 0xff] ^ (c >>> 8);
      t[k * 256 + n] = c;
    }
  }
  return t;
})();

/**
 * Continues a CRC32 over `b[s..e)`: start with state -1, finish with
 * `(state ^ -1) >>> 0`.
 *
 * @example
 * ```ts
 * import { crc32Update } from "@zkts/datatree";
 * import assert from "node:assert/strict";
 * const b = new TextEncoder().encode("123456789");
 * assert.equal((crc32Update(crc32Update(-1, b, 0, 4), b, 4) ^ -1) >>> 0, 0xcbf43926);
 * ```
 */
export function crc32Update(state: number, b: Uint8Array, s = 0, e = b.length): number {
  let c = state;
  let i = s;
  // Eight bytes per step (slicing-by-8), then byte by byte.
  for (; i + 8 <= e; i += 8) {
    const lo = c ^ (b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24));
    c = T[1792 + (lo & 0xff)] ^ T[1536 + ((lo >>> 8) & 0xff)] ^ T[1280 + ((lo >>> 16) & 0xff)] ^
      T[1024 + (lo >>> 24)] ^ T[768 + b[i + 4]] ^ T[512 + b[i + 5]] ^ T[256 + b[i + 6]] ^
      T[b[i + 7]];
  }
  for (; i < e; i++) c = T[(c ^ b[i]) & 0xff] ^ (c >>> 8);
  return c;
}

/**
 * CRC32 (java.util.zip.CRC32) of bytes, as an unsigned number.
 *
 * @example
 * ```ts
 * import { crc32 } from "@zkts/datatree";
 * import assert from "node:assert/strict";
 * assert.equal(crc32(new TextEncoder().encode("123456789")), 0xcbf43926);
 * ```
 */
export function crc32(b: Uint8Array): number {
  return (crc32Update(-1, b) ^ -1) >>> 0;
}

const statBuf = new Uint8Array(60);
const statView = new DataView(statBuf.buffer);
const enc = new TextEncoder();

/**
 * The digest of one znode, as DigestCalculator.calculateDigest: 0 for paths
 * under "/zookeeper/", "/" hashed as "".
 *
 * @param path the znode path.
 * @param data the znode data (null counts as nothing).
 * @param stat the persisted stat.
 * @returns the CRC32 value (0..2^32-1).
 *
 * @example
 * ```ts
 * import { nodeDigest } from "@zkts/datatree";
 * import assert from "node:assert/strict";
 * const stat = { czxid: 0n, mzxid: 0n, pzxid: 0n, ctime: 0n, mtime: 0n, version: 0, cversion: 0, aversion: 0, ephemeralOwner: 0n };
 * assert.equal(nodeDigest("/zookeeper/quota", null, stat), 0);
 * assert.ok(nodeDigest("/a", null, stat) > 0);
 * ```
 */
export function nodeDigest(
  path: string | Uint8Array,
  data: Uint8Array | null,
  stat: StatPersisted,
): number {
  const p = typeof path === "string" ? encodePath(path === "/" ? "" : path) : path;
  if (isUnderZookeeper(p)) return 0;
  statView.setBigInt64(0, stat.czxid);
  statView.setBigInt64(8, stat.mzxid);
  statView.setBigInt64(16, stat.pzxid);
  statView.setBigInt64(24, stat.ctime);
  statView.setBigInt64(32, stat.mtime);
  statView.setInt32(40, stat.version);
  statView.setInt32(44, stat.cversion);
  statView.setInt32(48, stat.aversion);
  statView.setBigInt64(52, stat.ephemeralOwner);
  let c = crc32Update(-1, p);
  if (data !== null) c = crc32Update(c, data);
  c = crc32Update(c, statBuf);
  return (c ^ -1) >>> 0;
}

let scratch = new Uint8Array(256);
/** UTF-8 of a path into a reused buffer (ASCII fast path); the view is valid until the next call. */
function encodePath(path: string): Uint8Array {
  const n = path.length;
  if (n * 3 > scratch.length) scratch = new Uint8Array(n * 3);
  let i = 0;
  for (; i < n; i++) {
    const c = path.charCodeAt(i);
    if (c >= 0x80) break;
    scratch[i] = c;
  }
  if (i === n) return scratch.subarray(0, n);
  return scratch.subarray(0, enc.encodeInto(path, scratch).written);
}

const ZK_SUBTREE = enc.encode("/zookeeper/");
function isUnderZookeeper(p: Uint8Array): boolean {
  if (p.length < ZK_SUBTREE.length) return false;
  for (let i = 0; i < ZK_SUBTREE.length; i++) if (p[i] !== ZK_SUBTREE[i]) return false;
  return true;
}

/**
 * A 64-bit additive hash (AdHash) kept exactly in two 32-bit halves.
 *
 * @example
 * ```ts
 * import { AdHash } from "@zkts/datatree";
 * import assert from "node:assert/strict";
 * const h = new AdHash();
 * h.add(5); h.remove(7);
 * assert.equal(h.value, -2n);
 * ```
 */
export class AdHash {
  #lo = 0;
  #hi = 0;
  /** Adds a node digest. */
  add(d: number): void {
    this.#lo += d;
    if (this.#lo >= 0x100000000) {
      this.#lo -= 0x100000000;
      this.#hi = (this.#hi + 1) >>> 0;
    }
  }
  /** Removes a node digest. */
  remove(d: number): void {
    this.#lo -= d;
    if (this.#lo < 0) {
      this.#lo += 0x100000000;
      this.#hi = (this.#hi - 1) >>> 0;
    }
  }
  /** Adds a signed 64-bit amount. */
  addBig(d: bigint): void {
    const v = BigInt.asUintN(64, this.value + d);
    this.#lo = Number(v & 0xffffffffn);
    this.#hi = Number(v >> 32n);
  }
  /** The hash as a Java long. */
  get value(): bigint {
    return BigInt.asIntN(64, (BigInt(this.#hi) << 32n) | BigInt(this.#lo));
  }
  /** Resets to 0. */
  clear(): void {
    this.#lo = 0;
    this.#hi = 0;
  }
}
