/**
 * File names of Apache ZooKeeper's dataDir (`persistence/Util.java`):
 * `log.<zxid>` and `snapshot.<zxid>[.gz|.snappy]`, the zxid in lower-case
 * hex without padding (`Long.toHexString`).
 *
 * @module
 */

/** The sub-directory of dataDir and dataLogDir that holds the files (`FileTxnSnapLog.version`). */
export const VERSION_DIR = "version-2";

function toHex(zxid: bigint): string {
  return BigInt.asUintN(64, zxid).toString(16);
}

/**
 * The name of the txn log segment whose first txn has `zxid`.
 *
 * @example
 * ```ts
 * import { logFileName } from "@zkts/persistence";
 * import assert from "node:assert/strict";
 * assert.equal(logFileName(0x100000001n), "log.100000001");
 * ```
 */
export function logFileName(zxid: bigint): string {
  return `log.${toHex(zxid)}`;
}

/**
 * The name of the snapshot taken at `zxid` (the last zxid applied when it started).
 *
 * @param zxid the snapshot's zxid
 * @param compression "none" (default), "gz" or "snappy": the extension Apache adds
 *
 * @example
 * ```ts
 * import { snapshotFileName } from "@zkts/persistence";
 * import assert from "node:assert/strict";
 * assert.equal(snapshotFileName(0x2an), "snapshot.2a");
 * assert.equal(snapshotFileName(0x2an, "gz"), "snapshot.2a.gz");
 * ```
 */
export function snapshotFileName(
  zxid: bigint,
  compression: "none" | "gz" | "snappy" = "none",
): string {
  return `snapshot.${toHex(zxid)}${compression === "none" ? "" : "." + compression}`;
}

/**
 * The zxid in a `log.*` or `snapshot.*` file name, as `Util.getZxidFromName`
 * reads it, or undefined when the name does not have the prefix or a hex zxid.
 *
 * @example
 * ```ts
 * import { zxidFromFileName } from "@zkts/persistence";
 * import assert from "node:assert/strict";
 * assert.equal(zxidFromFileName("log.1f", "log"), 0x1fn);
 * assert.equal(zxidFromFileName("snapshot.1f.gz", "snapshot"), 0x1fn);
 * assert.equal(zxidFromFileName("log.tmp", "log"), undefined);
 * ```
 */
export function zxidFromFileName(name: string, prefix: "log" | "snapshot"): bigint | undefined {
  const parts = name.split(".");
  if (parts.length < 2 || parts[0] !== prefix) return undefined;
  if (!/^[0-9a-fA-F]{1,16}$/.test(parts[1])) return undefined;
  return BigInt.asIntN(64, BigInt("0x" + parts[1]));
}
