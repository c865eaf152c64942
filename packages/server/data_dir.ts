/**
 * Recovery of a dataDir for the server's shells (standalone and ensemble
 * member), as FileTxnSnapLog.restore and ZKDatabase.loadDataBase do it: the
 * newest valid snapshot straight into a data tree, then the txns after it
 * replayed, the sessions they create and close tracked, the txn log left
 * open for appends.
 *
 * @module
 */
import { DataTree } from "@zkts/datatree";
import { decode, OpCode, TxnEntry } from "@zkts/jute";
import { restore, type Storage, type TxnLog, type TxnLogFailedError } from "@zkts/persistence";
import type { ZkConfig } from "./config.ts";
import type { Conn } from "./core.ts";
import type { Logger } from "./log.ts";

/** What a dataDir held. */
export interface LoadedDataDir {
  tree: DataTree<Conn>;
  /** Live sessions: id → timeout (ms). */
  sessions: Map<bigint, number>;
  /** The txn log, open for appends. */
  log: TxnLog;
  /** The last txns replayed from the log (at most `keepRecent`), oldest first, with their bytes. */
  recent: { zxid: bigint; data: Uint8Array }[];
}

/**
 * Loads `snapDir`/`logDir` (the `version-2` directories) into a new tree.
 *
 * @throws {Error} what `restore` of @zkts/persistence throws (a log without a snapshot, a damaged record)
 */
export async function loadDataDir(opts: {
  config: ZkConfig;
  storage: Storage;
  snapDir: string;
  logDir: string;
  logger: Logger;
  onPersisted: (upTo: bigint) => void;
  onFailure: (e: TxnLogFailedError) => void;
  /** How many of the last replayed txns to keep in `recent` (default 0). */
  keepRecent?: number;
}): Promise<LoadedDataDir> {
  const { config, logger } = opts;
  const t0 = performance.now();
  // Apache 3.8's rules (watch modes, exists without an ACL check): the oracle is 3.8.
  const tree = new DataTree<Conn>({
    extendedTypesEnabled: config.extendedTypesEnabled,
    digestEnabled: config.digestEnabled,
    apacheVersion: "3.8",
  });
  // The snapshot's nodes go straight from the file's bytes into the tree.
  const sink = tree.snapshotSink();
  const restored = await restore({
    storage: opts.storage,
    dir: opts.logDir,
    snapDir: opts.snapDir,
    forceSync: config.forceSync,
    preAllocSize: config.preAllocSizeBytes,
    fsyncWarningThresholdMs: config.fsyncWarningThresholdMs,
    logger,
    nodeSink: sink,
    onPersisted: opts.onPersisted,
    onFailure: opts.onFailure,
  });
  const sessions = new Map<bigint, number>();
  let lastZxid = 0n;
  if (restored.snapshot) {
    sink.finish();
    for (const [id, timeout] of restored.snapshot.sessions) sessions.set(id, timeout);
    lastZxid = restored.snapshot.zxid;
  }
  const keep = opts.keepRecent ?? 0;
  const recent: { zxid: bigint; data: Uint8Array }[] = [];
  let replayed = 0;
  for await (const rec of restored.replay()) {
    const entry = decode(TxnEntry, rec.bytes);
    tree.processTxn(entry.header, entry.txn);
    trackSession(sessions, entry);
    lastZxid = entry.header.zxid;
    replayed++;
    if (keep > 0) {
      recent.push({ zxid: lastZxid, data: rec.bytes });
      if (recent.length > keep) recent.shift();
    }
  }
  tree.lastProcessedZxid = lastZxid;
  if (restored.snapshot || replayed > 0) {
    const { segments, skipped } = restored.log.recovery;
    logger.info(
      `Restored ${
        restored.snapshot ? restored.snapshot.name : "no snapshot"
      } and ${replayed} txns ` +
        `up to zxid 0x${lastZxid.toString(16)} (read ${
          segments.length - skipped.length
        } of ${segments.length} log segments), ${sessions.size} sessions in ${
          (performance.now() - t0).toFixed(0)
        } ms`,
    );
  }
  return { tree, sessions, log: restored.log, recent };
}

/** Keeps a session table in step with a txn (createSession adds, closeSession removes). */
export function trackSession(
  sessions: Map<bigint, number>,
  entry: { header: { type: number; clientId: bigint }; txn: unknown },
): void {
  if (entry.header.type === OpCode.createSession) {
    sessions.set(entry.header.clientId, (entry.txn as { timeOut: number }).timeOut);
  } else if (entry.header.type === OpCode.closeSession) {
    sessions.delete(entry.header.clientId);
  }
}
