/**
 * Apache ZooKeeper's txn log and snapshots, byte for byte, for zkts: an
 * existing Apache ZooKeeper dataDir opens as it is, and what zkts writes
 * Apache ZooKeeper reads.
 *
 * - {@linkcode TxnLog}: segments `version-2/log.<zxid hex>`, Adler32-checked
 *   records, preallocation, group commit (one fdatasync per batch; a txn is
 *   logged only once its fsync returned), recovery of a torn tail, reading
 *   from a zxid, truncation, a failed state after any I/O error.
 * - {@linkcode shouldRoll} / {@linkcode rollJitter}: Apache's randomized roll rule.
 * - {@linkcode Storage}: the disk, real ({@linkcode DenoStorage}) or
 *   simulated with crashes, torn writes, bit flips and I/O errors
 *   ({@linkcode SimStorage}).
 *
 * @example Log three txns and read them back
 * ```ts
 * import { DenoStorage, TxnLog } from "@zkts/persistence";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * // The caller serializes TxnHeader + txn; the zxid sits at bytes 12..20.
 * const txn = (zxid: bigint) => { const b = new Uint8Array(36); new DataView(b.buffer).setBigInt64(12, zxid); return b; };
 * const log = await TxnLog.open({ storage: new DenoStorage(), dir: `${dir}/version-2`, preAllocSize: 65536 });
 * await Promise.all([1n, 2n, 3n].map((zxid) => log.append(zxid, txn(zxid))));
 * await log.close();
 * const again = await TxnLog.open({ storage: new DenoStorage(), dir: `${dir}/version-2` });
 * assert.equal(again.lastZxid, 3n);
 * await again.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @module
 */
export * from "./adler32.ts";
export * from "./prng.ts";
export * from "./storage.ts";
export * from "./sim_storage.ts";
export * from "./names.ts";
export * from "./roll.ts";
export * from "./txn_log_format.ts";
export * from "./txn_log.ts";
export * from "./snapshot.ts";
export * from "./purge.ts";
export * from "./restore.ts";
