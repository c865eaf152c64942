/**
 * Recovery of a dataDir, as FileTxnSnapLog.restore does it: the newest
 * snapshot that checks is loaded, the txn log is recovered from the segment
 * holding its zxid on (a torn tail cut), and the txns after it are handed
 * out in order for the caller to apply. Tree
 * independent: the caller loads the nodes and applies the txns.
 *
 * @module
 */
import {
  loadNewestSnapshot,
  type SnapshotData,
  type SnapshotNodeEntry,
  type SnapshotNodeSink,
} from "./snapshot.ts";
import { TxnLog, type TxnLogOptions } from "./txn_log.ts";
import type { LogRecord } from "./txn_log_format.ts";

/** Options of {@linkcode restore}: the log's, plus where the snapshots are. */
export interface RestoreOptions extends Omit<TxnLogOptions, "snapshotZxid"> {
  /** The snapshot directory, `<dataDir>/version-2` (`dir` is the log's). */
  snapDir: string;
  /**
   * Accept a log without any snapshot (Apache's
   * `zookeeper.snapshot.trust.empty`); by default that is an error, as in
   * Apache ZooKeeper, because the state before the first log may be missing.
   */
  trustEmptySnapshot?: boolean;
  /** Receives the snapshot's nodes (root "/"). */
  onNode?: (node: SnapshotNodeEntry) => void;
  /** Takes the snapshot's nodes straight from its bytes, for `DataTree.beginLoad`. */
  nodeSink?: SnapshotNodeSink;
  /** A damaged snapshot was skipped after delivering nodes: drop them. */
  onReset?: () => void;
}

/** What {@linkcode restore} found. */
export interface Restored {
  /** The snapshot loaded, if any. */
  snapshot?: SnapshotData & { name: string };
  /** The zxid the snapshot brings the tree to; -1n without a snapshot. */
  snapshotZxid: bigint;
  /** The recovered log, open for appends (they go to a new segment). */
  log: TxnLog;
  /** The txns after the snapshot, oldest first (FileTxnSnapLog.fastForwardFromEdits). */
  replay(): AsyncGenerator<LogRecord & { file: string; offset: number }>;
}

/**
 * Restores a dataDir: loads the newest valid snapshot (skipping damaged ones
 * with a warning), recovers the log from the segment holding the snapshot's
 * zxid on (`recoverLog` with `snapshotZxid`) and returns the txns to
 * replay.
 *
 * @throws {Error} a log with txns but no snapshot, unless `trustEmptySnapshot`
 * @throws {TxnLogCorruptError} a damaged log record that is not a torn tail
 *
 * @example
 * ```ts
 * import { restore, SimStorage, TxnLog, writeSnapshot } from "@zkts/persistence";
 * import assert from "node:assert/strict";
 * const storage = new SimStorage({ seed: 1 });
 * const dir = "/data/version-2";
 * const txn = (zxid: bigint) => { const b = new Uint8Array(36); new DataView(b.buffer).setBigInt64(12, zxid); return b; };
 * const stat = { czxid: 0n, mzxid: 0n, ctime: 0n, mtime: 0n, version: 0, cversion: 0, aversion: 0, ephemeralOwner: 0n, pzxid: 0n };
 * await writeSnapshot({ storage, dir, zxid: 0n }, { sessions: [], acls: [], nodes: [{ path: "/", data: null, aclRef: -1n, stat }] });
 * const log = await TxnLog.open({ storage, dir });
 * await Promise.all([1n, 2n, 3n].map((z) => log.append(z, txn(z))));
 * await log.close();
 * const r = await restore({ storage, dir, snapDir: dir });
 * const zxids = [];
 * for await (const rec of r.replay()) zxids.push(rec.zxid);
 * assert.deepEqual(zxids, [1n, 2n, 3n]);
 * await r.log.close();
 * ```
 */
export async function restore(options: RestoreOptions): Promise<Restored> {
  // The snapshot first (as FileTxnSnapLog.restore): its zxid tells which log
  // segments the start needs; the older ones are not read.
  const snapshot = await loadNewestSnapshot({
    storage: options.storage,
    dir: options.snapDir,
    logger: options.logger,
    onNode: options.onNode,
    nodeSink: options.nodeSink,
    onReset: options.onReset,
  });
  const snapshotZxid = snapshot?.zxid ?? -1n;
  const log = await TxnLog.open({ ...options, snapshotZxid });
  if (!snapshot && log.lastZxid !== -1n && !options.trustEmptySnapshot) {
    await log.close().catch(() => {});
    throw new Error(
      `no snapshot found in ${options.snapDir}, but the txn log in ${options.dir} has txns ` +
        `up to 0x${log.lastZxid.toString(16)}: the state before the log may be missing ` +
        `(set trustEmptySnapshot, Apache's zookeeper.snapshot.trust.empty, to start anyway)`,
    );
  }
  return {
    snapshot,
    snapshotZxid,
    log,
    replay: () => log.read(snapshotZxid + 1n),
  };
}
