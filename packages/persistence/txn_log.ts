/**
 * The txn log: segments `log.<first zxid hex>` in Apache ZooKeeper's format,
 * group commit (one fdatasync per batch; a txn counts as logged only after
 * the fsync covering it returned), preallocation, recovery of a torn tail,
 * reading from any zxid, truncation for TRUNC, and a failed state after any
 * write or fsync error.
 *
 * @module
 */
import { logFileName, zxidFromFileName } from "./names.ts";
import type { Storage, StorageFile } from "./storage.ts";
import { joinPath } from "./storage.ts";
import {
  checkLogHeader,
  encodeFileHeader,
  encodeLogRecord,
  FILE_HEADER_BYTES,
  fileSizeWithPadding,
  type LogRecord,
  RECORD_BYTES_MAX_DEFAULT,
  RECORD_OVERHEAD_BYTES,
  scanSegment,
  type SegmentEnd,
  TXN_HEADER_BYTES,
  TXNLOG_MAGIC,
  txnZxid,
  validRecordAfter,
} from "./txn_log_format.ts";

/** Apache's default `zookeeper.preAllocSize` (64 MiB), in bytes. */
export const PRE_ALLOC_SIZE_DEFAULT = 64 * 1024 * 1024;
/** Apache's default `zookeeper.maxBatchSize`: txns per fsync at most. */
export const BATCH_TXNS_MAX_DEFAULT = 1000;

/** A record that does not check, where recovery cannot tell it from a torn tail. *
 * @example A flipped bit in a record with good records after it
 * ```ts
 * import { SimStorage, TxnLog, TxnLogCorruptError } from "@zkts/persistence";
 * import assert from "node:assert/strict";
 * const storage = new SimStorage({ seed: 1 });
 * const txn = (zxid: bigint) => { const b = new Uint8Array(36); new DataView(b.buffer).setBigInt64(12, zxid); return b; };
 * const log = await TxnLog.open({ storage, dir: "/v2", preAllocSize: 4096 });
 * await Promise.all([1n, 2n, 3n].map((z) => log.append(z, txn(z))));
 * await log.close();
 * storage.flipBit("/v2/log.1", 16 + 20, 0);
 * await assert.rejects(TxnLog.open({ storage, dir: "/v2" }), (e) => e instanceof TxnLogCorruptError && e.offset === 16);
 * ```
 */
export class TxnLogCorruptError extends Error {
  /** The segment file. */
  readonly file: string;
  /** Byte offset of the bad record. */
  readonly offset: number;
  /** What is wrong with it. */
  readonly reason: string;

  /**
   * Creates the error for a bad record, naming the file, the offset and the way out.
   *
   * @param file the segment file
   * @param offset byte offset of the bad record
   * @param reason what is wrong with it
   */
  constructor(file: string, offset: number, reason: string) {
    super(
      `txn log corrupt: ${file} at byte offset ${offset}: ${reason}. ` +
        `Restore the file, or start with truncateOnCorruption to drop the log from this record on`,
    );
    this.name = "TxnLogCorruptError";
    this.file = file;
    this.offset = offset;
    this.reason = reason;
  }
}

/** The log stopped after a write or fsync error; nothing after it was logged. *
 * @example
 * ```ts
 * import { SimStorage, TxnLog, TxnLogFailedError } from "@zkts/persistence";
 * import assert from "node:assert/strict";
 * const storage = new SimStorage({ seed: 1 });
 * const txn = (zxid: bigint) => { const b = new Uint8Array(36); new DataView(b.buffer).setBigInt64(12, zxid); return b; };
 * const log = await TxnLog.open({ storage, dir: "/v2", logger: { warn() {}, error() {} } });
 * storage.failNext("sync");
 * await assert.rejects(log.append(1n, txn(1n)), TxnLogFailedError);
 * await assert.rejects(log.append(2n, txn(2n)), TxnLogFailedError);
 * assert.equal(log.persistedZxid, -1n);
 * ```
 */
export class TxnLogFailedError extends Error {
  /**
   * Creates the error that every later write gets.
   *
   * @param cause the write or fsync error that stopped the log
   */
  constructor(cause: unknown) {
    super(
      `txn log failed and accepts no more writes: ${
        cause instanceof Error ? cause.message : String(cause)
      }. Txns not acknowledged before this error may not be durable; restart to recover`,
      { cause },
    );
    this.name = "TxnLogFailedError";
  }
}

/** A log segment file. */
export interface SegmentInfo {
  /** The file name, `log.<zxid hex>`. */
  name: string;
  /** The zxid in its name: its first txn. */
  startZxid: bigint;
}

/** Options of the log's readers and of {@linkcode TxnLog.open}. */
export interface TxnLogReadOptions {
  /** The disk. */
  storage: Storage;
  /** The directory of the segments: `<dataLogDir>/version-2`. */
  dir: string;
  /** The longest record payload accepted (default jute.maxbuffer + 1024). */
  recordBytesMax?: number;
}

/** Options of {@linkcode TxnLog.open}. */
export interface TxnLogOptions extends TxnLogReadOptions {
  /** Bytes preallocated at a time (Apache `zookeeper.preAllocSize`, default 64 MiB); 0 turns it off. */
  preAllocSize?: number;
  /**
   * How the preallocated space is made: "sparse" sets the length by writing one
   * zero byte at the new end, as Apache's FilePadding does; "zeros" writes
   * the zeros, so later fdatasyncs never allocate blocks. Default "sparse".
   */
  preAllocFill?: "sparse" | "zeros";
  /** fdatasync each batch (Apache `zookeeper.forceSync`, default true). */
  forceSync?: boolean;
  /** The dbid written in new segments' headers (Apache writes 0). */
  dbId?: bigint;
  /** Txns per batch at most (Apache `zookeeper.maxBatchSize`, default 1000). */
  batchTxnsMax?: number;
  /**
   * When a bad record is found that is not a torn tail, drop the log from it
   * on (the records after it are lost) instead of refusing to open.
   */
  truncateOnCorruption?: boolean;
  /**
   * The zxid of the snapshot the caller restores from: recovery reads only
   * the last segment starting at or before it and the later ones (the ones a
   * replay from it reads, as FileTxnLog.getLogFiles picks them); the older
   * segments are not read. Default -1n: every segment is read.
   */
  snapshotZxid?: bigint;
  /** Called with the highest durable zxid after each batch's fsync. */
  onPersisted?: (upTo: bigint) => void;
  /** Called once when the log enters the failed state. */
  onFailure?: (error: TxnLogFailedError) => void;
  /** Where recovery and failures are reported (default console). */
  logger?: Pick<Console, "warn" | "error">;
  /**
   * An fsync slower than this is warned about and counted in
   * {@linkcode TxnLog.fsyncThresholdExceedCount} (Apache's
   * `fsync.warningthresholdms`, default 1000).
   */
  fsyncWarningThresholdMs?: number;
}

/** What recovery found and did. */
export interface RecoveryReport {
  /** The segments after recovery, oldest first. */
  segments: SegmentInfo[];
  /** The last zxid in the log; -1n when the log is empty (as Apache). */
  lastZxid: bigint;
  /** Records dropped: the torn tail, or with truncateOnCorruption the damaged part. */
  truncated: { file: string; offset: number; reason: string }[];
  /** Segments removed (empty after a crash, or after a truncation). */
  removed: string[];
  /** Segments not read: those before the one holding the snapshot's zxid (`snapshotZxid`). */
  skipped: string[];
}

/**
 * Lists the log segments of a directory, oldest first.
 *
 * @example
 * ```ts
 * import { listSegments, SimStorage } from "@zkts/persistence";
 * import assert from "node:assert/strict";
 * const storage = new SimStorage({ seed: 1 });
 * await storage.mkdir("/v2");
 * await (await storage.open("/v2/log.a", { create: true })).close();
 * await (await storage.open("/v2/log.2", { create: true })).close();
 * assert.deepEqual((await listSegments(storage, "/v2")).map((s) => s.name), ["log.2", "log.a"]);
 * ```
 */
export async function listSegments(storage: Storage, dir: string): Promise<SegmentInfo[]> {
  const out: SegmentInfo[] = [];
  for (const name of await storage.list(dir)) {
    const startZxid = zxidFromFileName(name, "log");
    if (startZxid !== undefined) out.push({ name, startZxid });
  }
  return out.sort((a, b) => (a.startZxid < b.startZxid ? -1 : a.startZxid > b.startZxid ? 1 : 0));
}

interface SegmentScan {
  records: number;
  lastZxid: bigint;
  end: SegmentEnd;
  size: number;
}

async function scanWhole(
  storage: Storage,
  path: string,
  prevZxid: bigint,
  recordBytesMax: number,
  onRecord?: (r: LogRecord) => void,
): Promise<SegmentScan> {
  const file = await storage.open(path);
  try {
    const size = await file.size();
    const head = await file.read(0, FILE_HEADER_BYTES);
    if (size === 0) {
      return { records: 0, lastZxid: prevZxid, end: { kind: "end", offset: 0 }, size };
    }
    const bad = checkLogHeader(head);
    if (bad) {
      return { records: 0, lastZxid: prevZxid, end: { kind: "bad", offset: 0, reason: bad }, size };
    }
    let records = 0;
    let lastZxid = prevZxid;
    const it = scanSegment(file, size, prevZxid, { recordBytesMax });
    while (true) {
      const r = await it.next();
      if (r.done) return { records, lastZxid, end: r.value, size };
      records++;
      lastZxid = r.value.zxid;
      onRecord?.(r.value);
    }
  } finally {
    file.close();
  }
}

async function setLength(storage: Storage, path: string, size: number): Promise<void> {
  const f = await storage.open(path);
  try {
    await f.truncate(size);
    await f.sync();
  } finally {
    f.close();
  }
}

/**
 * The index of the first segment a start from `snapshotZxid` reads: the last
 * one whose first zxid is at or before it (FileTxnLog.getLogFiles), else 0.
 *
 * @example
 * ```ts
 * import { firstSegmentFor } from "@zkts/persistence";
 * import assert from "node:assert/strict";
 * const segments = [1n, 100n, 200n].map((startZxid) => ({ name: `log.${startZxid.toString(16)}`, startZxid }));
 * assert.equal(firstSegmentFor(segments, 150n), 1);
 * assert.equal(firstSegmentFor(segments, 200n), 2);
 * assert.equal(firstSegmentFor(segments, -1n), 0);
 * ```
 */
export function firstSegmentFor(segments: readonly SegmentInfo[], snapshotZxid: bigint): number {
  let first = 0;
  for (let i = 0; i < segments.length; i++) if (segments[i].startZxid <= snapshotZxid) first = i;
  return first;
}

/**
 * Recovers the log of a directory after a stop or a crash: checks every
 * record of the segments it reads; a torn record at the very end of the
 * last segment (bad checksum, short length, missing 0x42, with nothing valid
 * after it) is cut away, and the last segment is cut to its last record (its
 * preallocated zeros too: new txns always go to a new segment, as in Apache
 * ZooKeeper); a last segment left without records is removed. A bad record
 * anywhere else throws {@linkcode TxnLogCorruptError} naming file and offset,
 * unless `truncateOnCorruption` is set.
 *
 * It reads every segment, or with `snapshotZxid` only the last one starting
 * at or before it and the later ones ({@linkcode firstSegmentFor}; further
 * back only when those hold no record, to find the log's last zxid).
 *
 * @param options.snapshotZxid the zxid of the snapshot the start restores
 *   from; the segments before the one holding it are not read (`skipped`)
 * @throws {TxnLogCorruptError} a bad record that is not a torn tail
 *
 * @example A torn record at the end is cut away
 * ```ts
 * import { recoverLog, SimStorage, TxnLog } from "@zkts/persistence";
 * import assert from "node:assert/strict";
 * const storage = new SimStorage({ seed: 1 });
 * const txn = (zxid: bigint) => { const b = new Uint8Array(36); new DataView(b.buffer).setBigInt64(12, zxid); return b; };
 * const log = await TxnLog.open({ storage, dir: "/v2", preAllocSize: 0 });
 * await Promise.all([1n, 2n].map((z) => log.append(z, txn(z))));
 * await log.close();
 * const f = await storage.open("/v2/log.1");
 * await f.truncate((await f.size()) - 3); // a crash in the middle of the last record
 * await f.sync();
 * f.close();
 * const report = await recoverLog({ storage, dir: "/v2", logger: { warn() {} } });
 * assert.equal(report.lastZxid, 1n);
 * assert.equal(report.truncated.length, 1);
 * ```
 */
export async function recoverLog(
  options: TxnLogReadOptions & {
    truncateOnCorruption?: boolean;
    snapshotZxid?: bigint;
    logger?: Pick<Console, "warn">;
  },
): Promise<RecoveryReport> {
  const { storage, dir } = options;
  const logger = options.logger ?? console;
  const recordBytesMax = options.recordBytesMax ?? RECORD_BYTES_MAX_DEFAULT;
  await storage.mkdir(dir);
  const segments = await listSegments(storage, dir);
  const report: RecoveryReport = {
    segments: [],
    lastZxid: -1n,
    truncated: [],
    removed: [],
    skipped: [],
  };
  let changedDir = false;
  let prevZxid = -1n;
  // Only the segments a replay from the snapshot reads (Apache reads no others
  // at start-up): a 1M-txn log holds a dozen 64 MiB segments, the snapshot
  // needs the last one or two.
  let first = firstSegmentFor(segments, options.snapshotZxid ?? -1n);
  for (let i = first;; i++) {
    if (i === segments.length) {
      if (prevZxid !== -1n || first === 0) break;
      // No record from `first` on (its segments were empty, or removed as
      // empty): the log's last zxid is in an earlier segment; read back to it.
      first--;
      i = first - 1;
      report.segments.length = 0;
      continue;
    }
    const seg = segments[i];
    const path = joinPath(dir, seg.name);
    const isLast = i === segments.length - 1;
    const scan = await scanWhole(storage, path, prevZxid, recordBytesMax);
    let cutAt: number | undefined;
    if (scan.end.kind === "bad") {
      let corrupt = !isLast;
      if (!corrupt) {
        const bytes = await storage.readFile(path);
        corrupt = validRecordAfter(bytes, scan.end.offset, scan.lastZxid, recordBytesMax) !==
          undefined;
      }
      if (corrupt && !options.truncateOnCorruption) {
        throw new TxnLogCorruptError(path, scan.end.offset, scan.end.reason);
      }
      const what = corrupt ? "damaged record" : "torn record at the end of the log";
      logger.warn(
        `[zkts txn log] ${what} in ${path} at byte offset ${scan.end.offset} (${scan.end.reason}); ` +
          `dropping the log from there on`,
      );
      report.truncated.push({ file: path, offset: scan.end.offset, reason: scan.end.reason });
      cutAt = scan.end.offset;
      if (corrupt) {
        for (const later of segments.slice(i + 1)) {
          await storage.remove(joinPath(dir, later.name));
          report.removed.push(later.name);
          changedDir = true;
        }
        segments.length = i + 1;
      }
    } else if (isLast && scan.end.offset < scan.size) {
      cutAt = scan.end.offset; // the preallocated zeros of the last segment
    }
    const last = i === segments.length - 1;
    if (scan.records === 0 && last) {
      // Nothing in it was ever acknowledged: the fsync that acknowledges a txn covers the header.
      logger.warn(`[zkts txn log] removing ${path}: no complete record`);
      await storage.remove(path);
      report.removed.push(seg.name);
      changedDir = true;
      segments.length = i--;
      continue;
    }
    if (cutAt !== undefined) await setLength(storage, path, Math.max(cutAt, FILE_HEADER_BYTES));
    report.segments.push(seg);
    prevZxid = scan.lastZxid;
  }
  report.skipped = segments.slice(0, first).map((s) => s.name);
  report.segments.unshift(...segments.slice(0, first));
  if (changedDir) await storage.syncDir(dir);
  report.lastZxid = prevZxid;
  return report;
}

/**
 * Reads the records with zxid >= `fromZxid`, across segments, oldest first.
 * A bad record in the last segment ends the read (a tail being written or
 * torn); anywhere else it throws.
 *
 * @param options.fromZxid the first zxid wanted (default: from the start)
 * @param options.toZxid the last zxid wanted (default: to the end)
 * @throws {TxnLogCorruptError} a bad record before the last segment
 *
 * @example Read what a log holds
 * ```ts
 * import { readTxnLog, SimStorage, TxnLog } from "@zkts/persistence";
 * import assert from "node:assert/strict";
 * const storage = new SimStorage({ seed: 1 });
 * const log = await TxnLog.open({ storage, dir: "/data/version-2", preAllocSize: 4096 });
 * const txn = (zxid: bigint) => { const b = new Uint8Array(36); new DataView(b.buffer).setBigInt64(12, zxid); return b; };
 * await Promise.all([log.append(1n, txn(1n)), log.append(2n, txn(2n)), log.append(3n, txn(3n))]);
 * const zxids = [];
 * for await (const r of readTxnLog({ storage, dir: "/data/version-2", fromZxid: 2n })) zxids.push(r.zxid);
 * assert.deepEqual(zxids, [2n, 3n]);
 * await log.close();
 * ```
 */
export async function* readTxnLog(
  options: TxnLogReadOptions & { fromZxid?: bigint; toZxid?: bigint },
): AsyncGenerator<LogRecord & { file: string; offset: number }> {
  const { storage, dir } = options;
  const from = options.fromZxid ?? -1n;
  const to = options.toZxid;
  const segments = await listSegments(storage, dir);
  // Start at the last segment that begins at or before `from` (FileTxnLog.getLogFiles).
  let first = 0;
  for (let i = 0; i < segments.length; i++) if (segments[i].startZxid <= from) first = i;
  let prevZxid = -1n;
  for (let i = first; i < segments.length; i++) {
    const path = joinPath(dir, segments[i].name);
    const isLast = i === segments.length - 1;
    const file = await storage.open(path);
    try {
      const size = await file.size();
      if (size === 0 && isLast) return;
      const bad = checkLogHeader(await file.read(0, FILE_HEADER_BYTES));
      if (bad) {
        if (isLast && size < FILE_HEADER_BYTES) return;
        throw new TxnLogCorruptError(path, 0, bad);
      }
      const it = scanSegment(file, size, prevZxid, { recordBytesMax: options.recordBytesMax });
      while (true) {
        const r = await it.next();
        if (r.done) {
          if (r.value.kind === "bad" && !isLast) {
            throw new TxnLogCorruptError(path, r.value.offset, r.value.reason);
          }
          if (r.value.kind === "bad") return;
          break;
        }
        prevZxid = r.value.zxid;
        if (to !== undefined && r.value.zxid > to) return;
        if (r.value.zxid >= from) yield { ...r.value, file: path };
      }
    } finally {
      file.close();
    }
  }
}

interface Batch {
  /**
   * The encoded records, after a 16-byte slot for a FileHeader: records are
   * encoded (checksummed, copied) as they are appended, while the previous
   * batch's fsync is in flight, so the fsync loop only writes.
   */
  buf: Uint8Array;
  /** Bytes used in `buf`, the header slot included. */
  length: number;
  count: number;
  firstZxid: bigint;
  lastZxid: bigint;
  /** Start a new segment with this batch. */
  roll: boolean;
  /** One promise for the whole batch, made when the first append asks for it. */
  done?: { promise: Promise<void>; resolve: () => void; reject: (e: Error) => void };
}

interface OpenSegment {
  file: StorageFile;
  name: string;
  /** Where the next record goes. */
  position: number;
  /** The preallocated length. */
  allocated: number;
  /** Whether its directory entry is not yet durable. */
  newEntry: boolean;
}

/**
 * Apache ZooKeeper's txn log (FileTxnLog), with group commit.
 *
 * `append(zxid, bytes)` queues a record (bytes = serialized TxnHeader + txn
 * [+ TxnDigest], the caller serializes); records queue while a batch is being
 * written and fsynced, and the next batch takes them all (up to
 * `batchTxnsMax`). The promise of an append resolves only after the fsync
 * covering it returned; `onPersisted(upTo)` reports the same to a pure core.
 * After any write or fsync error the log is failed: the batch and everything
 * queued reject with {@linkcode TxnLogFailedError}, and so does every later
 * append.
 *
 * @example Append, then read back
 * ```ts
 * import { TxnLog } from "@zkts/persistence";
 * import { DenoStorage } from "@zkts/persistence";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * const txn = (zxid: bigint) => { const b = new Uint8Array(36); new DataView(b.buffer).setBigInt64(12, zxid); return b; };
 * const log = await TxnLog.open({ storage: new DenoStorage(), dir: `${dir}/version-2`, preAllocSize: 65536 });
 * await Promise.all([1n, 2n, 3n].map((z) => log.append(z, txn(z))));
 * assert.equal(log.persistedZxid, 3n);
 * const seen = [];
 * for await (const r of log.read(2n)) seen.push(r.zxid);
 * assert.deepEqual(seen, [2n, 3n]);
 * await log.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class TxnLog {
  #storage: Storage;
  #dir: string;
  #preAllocSize: number;
  #preAllocFill: "sparse" | "zeros";
  #forceSync: boolean;
  #dbId: bigint;
  #batchTxnsMax: number;
  #recordBytesMax: number;
  #onPersisted?: (upTo: bigint) => void;
  #onFailure?: (error: TxnLogFailedError) => void;
  #logger: Pick<Console, "warn" | "error">;

  #segment: OpenSegment | undefined;
  #rollNext = false;
  /** Batches being filled or waiting to be written, oldest first. */
  #queue: Batch[] = [];
  /** The batch being written. */
  #inWrite: Batch | undefined;
  /** Batches written, waiting for an fsync. */
  #written: Batch[] = [];
  /** The batches the fsync in flight covers. */
  #inSync: Batch[] | undefined;
  #fsyncWarnMs = 1000;
  #fsyncExceeded = 0;
  /** Durable batches whose acknowledgement waits for the write under way. */
  #synced: Batch[] = [];
  /** A write pump is scheduled (a microtask). */
  #kicked = false;
  /** flush() callers waiting for the pipeline to empty. */
  #idleWaiters: (() => void)[] = [];
  #failed: TxnLogFailedError | undefined;
  #closed = false;
  #lastZxid: bigint;
  #persistedZxid: bigint;
  #txnsSinceRoll = 0;
  #bytesSinceRoll = 0;
  /** What recovery found when the log was opened. */
  readonly recovery: RecoveryReport;

  private constructor(options: TxnLogOptions, recovery: RecoveryReport) {
    this.#storage = options.storage;
    this.#dir = options.dir;
    this.#preAllocSize = options.preAllocSize ?? PRE_ALLOC_SIZE_DEFAULT;
    this.#preAllocFill = options.preAllocFill ?? "sparse";
    this.#forceSync = options.forceSync ?? true;
    this.#dbId = options.dbId ?? 0n;
    this.#batchTxnsMax = options.batchTxnsMax ?? BATCH_TXNS_MAX_DEFAULT;
    this.#recordBytesMax = options.recordBytesMax ?? RECORD_BYTES_MAX_DEFAULT;
    this.#onPersisted = options.onPersisted;
    this.#onFailure = options.onFailure;
    this.#logger = options.logger ?? console;
    this.#fsyncWarnMs = options.fsyncWarningThresholdMs ?? 1000;
    this.recovery = recovery;
    this.#lastZxid = recovery.lastZxid;
    this.#persistedZxid = recovery.lastZxid;
  }

  /** Fsyncs slower than `fsyncWarningThresholdMs` so far (ServerStats' fsync_threshold_exceed_count). */
  get fsyncThresholdExceedCount(): number {
    return this.#fsyncExceeded;
  }

  /**
   * Opens the log of a directory (creating it), running {@linkcode recoverLog} first.
   *
   * @throws {TxnLogCorruptError} a bad record that is not a torn tail
   */
  static async open(options: TxnLogOptions): Promise<TxnLog> {
    const recovery = await recoverLog(options);
    return new TxnLog(options, recovery);
  }

  /** The last zxid appended (queued or durable); -1n when the log is empty. */
  get lastZxid(): bigint {
    return this.#lastZxid;
  }

  /** The last zxid known durable: every txn up to it survives a crash. */
  get persistedZxid(): bigint {
    return this.#persistedZxid;
  }

  /** The error that failed the log, if it failed. */
  get failure(): TxnLogFailedError | undefined {
    return this.#failed;
  }

  /** Txns appended since the last roll (Apache's ZKDatabase.getTxnCount). */
  get txnsSinceRoll(): number {
    return this.#txnsSinceRoll;
  }

  /** Log bytes appended since the last roll (ZKDatabase.getTxnSize). */
  get bytesSinceRoll(): number {
    return this.#bytesSinceRoll;
  }

  /**
   * Queues a txn record. The promise resolves once the record is durable
   * (after the fsync of its batch; at once after the write with forceSync off).
   *
   * @param zxid the zxid in the record's TxnHeader; greater than any before
   * @param bytes serialized TxnHeader + txn [+ TxnDigest]
   * @throws {TxnLogFailedError} (rejects) once the log failed
   * @throws {RangeError} (rejects) a zxid not above the last, or bytes that do not hold it
   */
  append(zxid: bigint, bytes: Uint8Array): Promise<void> {
    const batch = this.#enqueue(zxid, bytes);
    if (batch instanceof Error) return Promise.reject(batch);
    // Every append of a batch shares its promise: one allocation and one
    // resolution per fsync, not per txn (1000-txn batches spend less CPU than the disk).
    batch.done ??= Promise.withResolvers<void>();
    return batch.done.promise;
  }

  /**
   * Queues a txn record without a promise: durability is reported through
   * `onPersisted`, failure through `onFailure` (for a pure core's shell).
   *
   * @throws {TxnLogFailedError} once the log failed
   */
  submit(zxid: bigint, bytes: Uint8Array): void {
    const batch = this.#enqueue(zxid, bytes);
    if (batch instanceof Error) throw batch;
  }

  #enqueue(zxid: bigint, bytes: Uint8Array): Batch | Error {
    if (this.#failed) return this.#failed;
    if (this.#closed) return new Error("txn log closed");
    if (zxid <= this.#lastZxid) {
      return new RangeError(
        `zxid 0x${zxid.toString(16)} is not above 0x${this.#lastZxid.toString(16)}`,
      );
    }
    if (bytes.length < TXN_HEADER_BYTES || bytes.length > this.#recordBytesMax) {
      return new RangeError(
        `txn record of ${bytes.length} bytes (TxnHeader is 32, max ${this.#recordBytesMax})`,
      );
    }
    if (txnZxid(bytes) !== zxid) {
      return new RangeError(
        `zxid 0x${zxid.toString(16)} is not the one in the TxnHeader (0x${
          txnZxid(bytes).toString(16)
        })`,
      );
    }
    this.#lastZxid = zxid;
    let batch = this.#queue.at(-1);
    if (!batch || this.#rollNext || batch.count >= this.#batchTxnsMax) {
      batch = {
        buf: new Uint8Array(FILE_HEADER_BYTES + 4096),
        length: FILE_HEADER_BYTES,
        count: 0,
        firstZxid: zxid,
        lastZxid: zxid,
        roll: this.#rollNext,
      };
      this.#rollNext = false;
      this.#queue.push(batch);
    }
    const need = batch.length + bytes.length + RECORD_OVERHEAD_BYTES;
    if (need > batch.buf.length) {
      const grown = new Uint8Array(Math.max(need, batch.buf.length * 2));
      grown.set(batch.buf.subarray(0, batch.length));
      batch.buf = grown;
    }
    batch.length = encodeLogRecord(batch.buf, batch.length, bytes);
    batch.count++;
    batch.lastZxid = zxid;
    this.#txnsSinceRoll++;
    this.#bytesSinceRoll += bytes.length + RECORD_OVERHEAD_BYTES;
    this.#kick();
    return batch;
  }

  /**
   * Starts a new segment with the next append (FileTxnLog.rollLog), as the
   * server does when {@linkcode shouldRoll} says so, before a snapshot.
   */
  roll(): void {
    this.#rollNext = true;
    this.#txnsSinceRoll = 0;
    this.#bytesSinceRoll = 0;
  }

  /** Resolves when everything appended so far is durable (or rejects when the log failed). */
  async flush(): Promise<void> {
    if (!this.#isIdle()) await new Promise<void>((resolve) => this.#idleWaiters.push(resolve));
    if (this.#failed) throw this.#failed;
  }

  #isIdle(): boolean {
    return this.#failed !== undefined ||
      (!this.#kicked && !this.#inWrite && !this.#inSync && this.#written.length === 0 &&
        this.#synced.length === 0 && this.#queue.length === 0);
  }

  #checkIdle(): void {
    if (this.#idleWaiters.length > 0 && this.#isIdle()) {
      for (const resolve of this.#idleWaiters.splice(0)) resolve();
    }
  }

  // The pipeline. Batches are written one after another as soon as the
  // previous write returned, even while an fsync is under way; an fsync
  // covers the batches whose writes returned before it started (at most
  // batchTxnsMax txns); the next fsync starts as soon as the last returned,
  // and before its batches are acknowledged, so the acknowledgements (and
  // the appends they lead to) run while the disk works. Measured on Linux, a
  // write to a file waits in the kernel for that file's fsync to end; when an
  // fsync ends with such a write under way, its batches are acknowledged just
  // after that write returns and its fsync starts (the write takes a fraction
  // of an fsync). Deno runs a file op and its continuation on different
  // threads, so each step waits for the event loop: keeping it free at those
  // moments is what makes the log as fast as the disk.

  #kick(): void {
    if (this.#kicked || this.#inWrite) return;
    this.#kicked = true;
    // A microtask first: appends made in the same turn join the batch.
    queueMicrotask(() => {
      this.#kicked = false;
      this.#pumpWrites();
    });
  }

  #pumpWrites(): void {
    if (this.#failed || this.#inWrite || this.#queue.length === 0) return this.#checkIdle();
    const batch = this.#queue[0];
    // A new segment waits until the old one's batches are durable: closing a file does not sync it.
    if ((batch.roll || !this.#segment) && (this.#inSync || this.#written.length > 0)) return;
    this.#queue.shift();
    this.#inWrite = batch;
    this.#writeBatch(batch).then(() => {
      if (this.#failed) return;
      this.#inWrite = undefined;
      this.#written.push(batch);
      this.#pumpSync();
      // Batches whose fsync returned while this write was under way (see #pumpSync).
      if (this.#synced.length > 0) this.#acknowledge(this.#synced.splice(0));
      this.#pumpWrites();
    }, (e) => this.#fail(e));
  }

  #pumpSync(): void {
    if (this.#failed || this.#inSync || this.#written.length === 0) return this.#checkIdle();
    // At most batchTxnsMax txns per fsync (Apache's maxBatchSize), as a bound on its time.
    let take = 1;
    let txns = this.#written[0].count;
    while (
      take < this.#written.length && txns + this.#written[take].count <= this.#batchTxnsMax
    ) txns += this.#written[take++].count;
    const covered = this.#written.splice(0, take);
    if (!this.#forceSync) {
      this.#acknowledge(covered);
      return this.#pumpSync();
    }
    this.#inSync = covered;
    const seg = this.#segment!;
    const t0 = performance.now();
    const synced = seg.newEntry
      // Apache does not fsync the directory; a new segment's name must survive a crash too.
      ? seg.file.syncData().then(() => this.#storage.syncDir(this.#dir)).then(() => {
        seg.newEntry = false;
      })
      : seg.file.syncData();
    synced.then(() => {
      if (this.#failed) return;
      const tookMs = performance.now() - t0;
      if (tookMs > this.#fsyncWarnMs) {
        // FileTxnLog.commit's warning, counted for ServerStats.
        this.#fsyncExceeded++;
        this.#logger.warn(
          `fsync-ing the write ahead log took ${
            Math.round(tookMs)
          }ms which will adversely effect operation latency (fsync.warningthresholdms=${this.#fsyncWarnMs})`,
        );
      }
      this.#inSync = undefined;
      if (this.#inWrite) {
        // A write that waited for this fsync (a file's writes wait for its
        // fsync in the kernel) returns in a moment: its fsync starts then,
        // and these batches are acknowledged after that, so that the
        // acknowledgements run while that fsync is under way.
        this.#synced.push(...covered);
        return;
      }
      this.#pumpSync();
      this.#acknowledge(covered);
      // A new segment may have waited for this fsync.
      this.#pumpWrites();
    }, (e) => this.#fail(e));
  }

  #acknowledge(batches: Batch[]): void {
    const upTo = batches[batches.length - 1].lastZxid;
    this.#persistedZxid = upTo;
    for (const b of batches) b.done?.resolve();
    this.#onPersisted?.(upTo);
    this.#checkIdle();
  }

  #fail(cause: unknown): void {
    if (this.#failed) return;
    const error = new TxnLogFailedError(cause);
    this.#failed = error;
    this.#logger.error(`[zkts txn log] FAILED: ${error.message}`);
    const batches = [
      ...this.#synced.splice(0),
      ...(this.#inSync ?? []),
      ...this.#written.splice(0),
      ...(this.#inWrite ? [this.#inWrite] : []),
      ...this.#queue.splice(0),
    ];
    this.#inSync = undefined;
    this.#inWrite = undefined;
    for (const b of batches) b.done?.reject(error);
    try {
      this.#segment?.file.close();
    } catch { /* the handle may be gone with the disk */ }
    this.#segment = undefined;
    this.#onFailure?.(error);
    this.#checkIdle();
  }

  /** Writes a batch at the end of the segment (opening a new one first when it rolls); no fsync. */
  async #writeBatch(batch: Batch): Promise<void> {
    if (batch.roll || !this.#segment) {
      // The previous segment's records are all durable (see #pumpWrites).
      this.#segment?.file.close();
      this.#segment = undefined;
      const name = logFileName(batch.firstZxid);
      const file = await this.#storage.open(joinPath(this.#dir, name), {
        create: true,
        truncate: true,
      });
      // Apache counts the header as the file's current size before padding, so
      // its segments are 16 + n * preAllocSize long; so are ours.
      this.#segment = { file, name, position: 0, allocated: FILE_HEADER_BYTES, newEntry: true };
    }
    const seg = this.#segment;
    let out: Uint8Array;
    if (seg.position === 0) {
      batch.buf.set(encodeFileHeader(TXNLOG_MAGIC, this.#dbId));
      out = batch.buf.subarray(0, batch.length);
    } else {
      out = batch.buf.subarray(FILE_HEADER_BYTES, batch.length);
    }
    const end = seg.position + out.length;
    // Only when needed: an await here would delay the write's start.
    if (this.#padTo(seg, end) !== seg.allocated) await this.#pad(seg, end);
    await seg.file.write(out, seg.position);
    seg.position = end;
  }

  /** The size the segment must have before a batch ending at `end` is written. */
  #padTo(seg: OpenSegment, end: number): number {
    // Apache pads from the position before the batch (FileTxnLog.append);
    // a batch that would still reach the end pads again from its end.
    const start = Math.max(seg.position, FILE_HEADER_BYTES);
    let size = fileSizeWithPadding(start, seg.allocated, this.#preAllocSize);
    while (this.#preAllocSize > 0 && end + 4096 >= size) {
      size = fileSizeWithPadding(end, size, this.#preAllocSize);
    }
    return size;
  }

  async #pad(seg: OpenSegment, end: number): Promise<void> {
    const size = this.#padTo(seg, end);
    if (size === seg.allocated) return;
    if (this.#preAllocFill === "zeros") {
      const chunk = new Uint8Array(Math.min(1 << 20, size - seg.allocated));
      for (let at = Math.max(seg.allocated, end); at < size; at += chunk.length) {
        await seg.file.write(chunk.subarray(0, Math.min(chunk.length, size - at)), at);
      }
    } else {
      await seg.file.write(new Uint8Array(1), size - 1);
    }
    seg.allocated = size;
  }

  /**
   * Reads the durable records with zxid >= `fromZxid` (for a follower's
   * catch-up), across segments, oldest first.
   *
   * @throws {TxnLogCorruptError} a bad record before the last segment
   */
  async *read(fromZxid: bigint): AsyncGenerator<LogRecord & { file: string; offset: number }> {
    const upTo = this.#persistedZxid;
    yield* readTxnLog({
      storage: this.#storage,
      dir: this.#dir,
      fromZxid,
      toZxid: upTo,
      recordBytesMax: this.#recordBytesMax,
    });
  }

  /**
   * Truncates the log back to `zxid` (a follower told TRUNC;
   * FileTxnLog.truncate): keeps the records up to and including it, removes
   * the segments after it; the next append starts a new segment.
   *
   * @returns the last zxid left in the log
   * @throws {Error} when the log has no segment at all (as Apache)
   */
  async truncate(zxid: bigint): Promise<bigint> {
    await this.flush();
    this.#segment?.file.close();
    this.#segment = undefined;
    const segments = await listSegments(this.#storage, this.#dir);
    if (segments.length === 0) {
      throw new Error(
        `no txn log files in ${this.#dir} to truncate to 0x${zxid.toString(16)}`,
      );
    }
    let lastKept = -1n;
    let removed = false;
    for (const seg of segments) {
      const path = joinPath(this.#dir, seg.name);
      if (seg.startZxid > zxid) {
        await this.#storage.remove(path);
        removed = true;
        continue;
      }
      let cut: number | undefined;
      let records = 0;
      for await (
        const r of readTxnLog({ storage: this.#storage, dir: this.#dir, fromZxid: seg.startZxid })
      ) {
        if (r.file !== path) break;
        if (r.zxid > zxid) {
          cut = r.offset;
          break;
        }
        records++;
        lastKept = r.zxid;
      }
      if (cut !== undefined) {
        if (records === 0) {
          await this.#storage.remove(path);
          removed = true;
        } else await setLength(this.#storage, path, cut);
      }
    }
    if (removed) await this.#storage.syncDir(this.#dir);
    this.#lastZxid = lastKept;
    this.#persistedZxid = lastKept;
    this.#rollNext = false;
    return lastKept;
  }

  /** Waits for queued appends to be durable, then closes the segment. */
  async close(): Promise<void> {
    try {
      await this.flush();
    } finally {
      this.#closed = true;
      this.#segment?.file.close();
      this.#segment = undefined;
    }
  }
}
