/**
 * Purge of old snapshots and txn logs, as Apache ZooKeeper's PurgeTxnLog
 * (`autopurge.snapRetainCount`, `zkCleanup.sh -n`): keep the newest N valid
 * snapshots, and every log a recovery from the oldest of them needs.
 *
 * @module
 */
import { zxidFromFileName } from "./names.ts";
import { joinPath, type Storage } from "./storage.ts";

/** Apache's least `snapRetainCount` (PurgeTxnLog refuses fewer). */
export const SNAP_RETAIN_COUNT_MIN = 3;

/** A snapshot file as the purge planner sees it. */
export interface PurgeSnapshot {
  /** The file name, `snapshot.<zxid in hex>`. */
  name: string;
  /** The zxid in the file name: the last txn applied when the snapshot started. */
  zxid: bigint;
  /** Whether it passes the light validity check (SnapStream.isValidSnapshot). */
  valid: boolean;
}

/**
 * Decides which files to remove (PurgeTxnLog.purgeOlderSnapshots): with Z
 * the zxid of the oldest of the `snapRetainCount` newest valid snapshots,
 * remove the snapshots below Z and the logs below Z, except the last log
 * that starts at or before Z (it holds the txns after Z). Pure.
 *
 * @param snapshots the snapshot files
 * @param logs the log file names
 * @param snapRetainCount how many valid snapshots to keep, at least 3
 * @returns the names to remove
 * @throws {RangeError} a snapRetainCount below 3
 *
 * @example
 * ```ts
 * import { planPurge } from "@zkts/persistence";
 * import assert from "node:assert/strict";
 * const snaps = [10n, 20n, 30n, 40n].map((zxid) => ({ name: `snapshot.${zxid.toString(16)}`, zxid, valid: true }));
 * const logs = ["log.1", "log.f", "log.1b", "log.2d"];
 * assert.deepEqual(planPurge(snaps, logs, 3), ["log.1", "snapshot.a"]);
 * ```
 */
export function planPurge(
  snapshots: readonly PurgeSnapshot[],
  logs: readonly string[],
  snapRetainCount: number,
): string[] {
  if (!(snapRetainCount >= SNAP_RETAIN_COUNT_MIN)) {
    throw new RangeError(
      `snapRetainCount must be at least ${SNAP_RETAIN_COUNT_MIN}, not ${snapRetainCount}`,
    );
  }
  const valid = snapshots.filter((s) => s.valid).sort((
    a,
    b,
  ) => (a.zxid > b.zxid ? -1 : a.zxid < b.zxid ? 1 : 0));
  const kept = valid.slice(0, snapRetainCount);
  if (kept.length === 0) return [];
  const least = kept[kept.length - 1].zxid;
  // FileTxnLog.getLogFiles(least): the last log starting at or before it, and all after.
  let retainedLog: bigint | undefined;
  for (const name of logs) {
    const z = zxidFromFileName(name, "log");
    if (z !== undefined && z <= least && (retainedLog === undefined || z > retainedLog)) {
      retainedLog = z;
    }
  }
  const out: string[] = [];
  for (const name of logs) {
    const z = zxidFromFileName(name, "log");
    if (z !== undefined && z < least && z !== retainedLog) out.push(name);
  }
  for (const s of snapshots) if (s.zxid < least) out.push(s.name);
  return out.sort();
}

/**
 * The light check Apache makes before counting a snapshot
 * (SnapStream.isValidSnapshot): a plain file ends with the seal's `"/"`
 * (int 1, byte '/') and has at least 10 bytes; a .gz file starts with the gzip
 * magic, a .snappy file with snappy-java's.
 */
async function looksValid(storage: Storage, path: string): Promise<boolean> {
  const f = await storage.open(path);
  try {
    const size = await f.size();
    if (path.endsWith(".snappy")) {
      const head = await f.read(0, 8);
      return head.length === 8 && head[0] === 0x82 &&
        new TextDecoder().decode(head.subarray(1, 7)) === "SNAPPY";
    }
    if (path.endsWith(".gz")) {
      const head = await f.read(0, 2);
      return head.length === 2 && head[0] === 0x1f && head[1] === 0x8b;
    }
    if (size < 10) return false;
    const tail = await f.read(size - 5, 5);
    return tail[0] === 0 && tail[1] === 0 && tail[2] === 0 && tail[3] === 1 && tail[4] === 0x2f;
  } finally {
    f.close();
  }
}

/**
 * Removes old snapshots and logs, keeping the newest `snapRetainCount` valid
 * snapshots and every log recovery from them needs (PurgeTxnLog.purge).
 *
 * @param options.snapDir `<dataDir>/version-2`
 * @param options.logDir `<dataLogDir>/version-2` (default: snapDir)
 * @returns the paths removed
 * @throws {RangeError} a snapRetainCount below 3
 *
 * @example
 * ```ts
 * import { purge, SimStorage } from "@zkts/persistence";
 * import assert from "node:assert/strict";
 * const storage = new SimStorage({ seed: 1 });
 * assert.deepEqual(await purge({ storage, snapDir: "/data/version-2", snapRetainCount: 3 }), []);
 * ```
 */
export async function purge(options: {
  storage: Storage;
  snapDir: string;
  logDir?: string;
  snapRetainCount: number;
}): Promise<string[]> {
  const { storage, snapDir } = options;
  const logDir = options.logDir ?? snapDir;
  if (!(options.snapRetainCount >= SNAP_RETAIN_COUNT_MIN)) {
    throw new RangeError(`snapRetainCount must be at least ${SNAP_RETAIN_COUNT_MIN}`);
  }
  const snapshots: PurgeSnapshot[] = [];
  for (const name of await storage.list(snapDir)) {
    const zxid = zxidFromFileName(name, "snapshot");
    if (zxid === undefined) continue;
    snapshots.push({ name, zxid, valid: await looksValid(storage, joinPath(snapDir, name)) });
  }
  const logs = (await storage.list(logDir)).filter((n) => zxidFromFileName(n, "log") !== undefined);
  const removed: string[] = [];
  for (const name of planPurge(snapshots, logs, options.snapRetainCount)) {
    const path = joinPath(name.startsWith("log.") ? logDir : snapDir, name);
    await storage.remove(path);
    removed.push(path);
  }
  if (removed.length > 0) {
    await storage.syncDir(snapDir);
    if (logDir !== snapDir) await storage.syncDir(logDir);
  }
  return removed;
}
