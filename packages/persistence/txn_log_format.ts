/**
 * The bytes of Apache ZooKeeper's txn log (`FileTxnLog`): a 16-byte file
 * header, then records `checksum (long) | length (int) | bytes | 0x42`, then
 * zeros up to the preallocated end. Encoding and a scanner of one segment.
 *
 * @module
 */
import { adler32 } from "./adler32.ts";
import { readInt, readLong, readLongAsUint32, writeInt, writeLong } from "./_bytes.ts";
import { writeUint32AsLong } from "./_bytes.ts";
import type { StorageFile } from "./storage.ts";

/** "ZKLG" as a big-endian int: `FileTxnLog.TXNLOG_MAGIC`. */
export const TXNLOG_MAGIC = 0x5a4b4c47;
/** "ZKSN" as a big-endian int: `FileSnap.SNAP_MAGIC`. */
export const SNAP_MAGIC = 0x5a4b534e;
/** The file format version of logs and snapshots. */
export const FILE_VERSION = 2;
/** Bytes of the FileHeader record (magic int, version int, dbid long). */
export const FILE_HEADER_BYTES = 16;
/** The end-of-record byte, 'B'. */
export const END_OF_RECORD = 0x42;
/** Bytes a record adds around its payload: checksum long, length int, end byte. */
export const RECORD_OVERHEAD_BYTES = 13;
/**
 * The longest record payload accepted when reading: Apache's default
 * `jute.maxbuffer` (0xfffff) plus its default extra size (1024), the bound
 * BinaryInputArchive.checkLength puts on the record's length.
 */
export const RECORD_BYTES_MAX_DEFAULT: number = 0xfffff + 1024;
/** A TxnHeader is clientId long, cxid int, zxid long, time long, type int. */
export const TXN_HEADER_BYTES = 32;
/** Where the zxid sits in a serialized TxnHeader. */
const ZXID_OFFSET = 12;

/**
 * Encodes a FileHeader (magic, version, dbid).
 *
 * @example
 * ```ts
 * import { encodeFileHeader, TXNLOG_MAGIC } from "@zkts/persistence";
 * import assert from "node:assert/strict";
 * const h = encodeFileHeader(TXNLOG_MAGIC);
 * assert.equal(new TextDecoder().decode(h.subarray(0, 4)), "ZKLG");
 * ```
 */
export function encodeFileHeader(magic: number, dbId = 0n, version = FILE_VERSION): Uint8Array {
  const out = new Uint8Array(FILE_HEADER_BYTES);
  writeInt(out, 0, magic);
  writeInt(out, 4, version);
  writeLong(out, 8, dbId);
  return out;
}

/** A decoded FileHeader. */
export interface FileHeaderFields {
  /** The file's kind: `TXNLOG_MAGIC` ("ZKLG") or `SNAP_MAGIC` ("ZKSN"). */
  magic: number;
  /** The file format version (`FILE_VERSION`, 2). */
  version: number;
  /** The database id; Apache writes 0 and never reads it. */
  dbId: bigint;
}

/**
 * Decodes a FileHeader from the first 16 bytes of `bytes`.
 *
 * @example
 * ```ts
 * import { decodeFileHeader, encodeFileHeader, SNAP_MAGIC } from "@zkts/persistence";
 * import assert from "node:assert/strict";
 * assert.deepEqual(decodeFileHeader(encodeFileHeader(SNAP_MAGIC, 5n)), { magic: SNAP_MAGIC, version: 2, dbId: 5n });
 * ```
 */
export function decodeFileHeader(bytes: Uint8Array): FileHeaderFields {
  return { magic: readInt(bytes, 0), version: readInt(bytes, 4), dbId: readLong(bytes, 8) };
}

/**
 * The zxid of a serialized TxnHeader (+ txn): bytes 12..20.
 *
 * @example
 * ```ts
 * import { txnZxid } from "@zkts/persistence";
 * import assert from "node:assert/strict";
 * const bytes = new Uint8Array(32);
 * bytes[19] = 7;
 * assert.equal(txnZxid(bytes), 7n);
 * ```
 */
export function txnZxid(txnBytes: Uint8Array): bigint {
  // Through a scratch: a DataView per call costs more than the rest of an append.
  for (let i = 0; i < 8; i++) ZXID_SCRATCH[i] = txnBytes[ZXID_OFFSET + i];
  return ZXID_SCRATCH_VIEW.getBigInt64(0);
}
const ZXID_SCRATCH = new Uint8Array(8);
const ZXID_SCRATCH_VIEW = new DataView(ZXID_SCRATCH.buffer);

/**
 * Writes one log record (checksum, length, payload, 0x42) into `out` at `offset`.
 *
 * @returns the offset after the record
 *
 * @example
 * ```ts
 * import { encodeLogRecord, RECORD_OVERHEAD_BYTES } from "@zkts/persistence";
 * import assert from "node:assert/strict";
 * const out = new Uint8Array(32 + RECORD_OVERHEAD_BYTES);
 * assert.equal(encodeLogRecord(out, 0, new Uint8Array(32)), out.length);
 * assert.equal(out[out.length - 1], 0x42);
 * ```
 */
export function encodeLogRecord(out: Uint8Array, offset: number, payload: Uint8Array): number {
  writeUint32AsLong(out, offset, adler32(payload));
  writeInt(out, offset + 8, payload.length);
  out.set(payload, offset + 12);
  out[offset + 12 + payload.length] = END_OF_RECORD;
  return offset + RECORD_OVERHEAD_BYTES + payload.length;
}

/**
 * The preallocated file size after writing up to `position`
 * (FilePadding.calculateFileSizeWithPadding): grow by `preAllocSize` when
 * within 4 KiB of the known end.
 *
 * @example
 * ```ts
 * import { fileSizeWithPadding } from "@zkts/persistence";
 * import assert from "node:assert/strict";
 * assert.equal(fileSizeWithPadding(16, 0, 65536), 65536);
 * assert.equal(fileSizeWithPadding(100, 65536, 65536), 65536);
 * ```
 */
export function fileSizeWithPadding(
  position: number,
  fileSize: number,
  preAllocSize: number,
): number {
  if (preAllocSize > 0 && position + 4096 >= fileSize) {
    if (position > fileSize) {
      fileSize = position + preAllocSize;
      fileSize -= fileSize % preAllocSize;
    } else {
      fileSize += preAllocSize;
    }
  }
  return fileSize;
}

/** One record read from a log segment. */
export interface LogRecord {
  /** The zxid in its TxnHeader. */
  zxid: bigint;
  /** The serialized TxnHeader + txn [+ TxnDigest]. */
  bytes: Uint8Array;
}

/** A record with where it was found. */
export interface ScannedRecord extends LogRecord {
  /** Byte offset of its checksum in the segment. */
  offset: number;
}

/** How a segment scan ended. */
export type SegmentEnd =
  /** The end of the records: end of file, or a zero length (the preallocated tail). */
  | { kind: "end"; offset: number }
  /** A record that does not parse or check. */
  | { kind: "bad"; offset: number; reason: string };

/** What a {@linkcode scanSegment} did with the bytes, for tests and benches. */
export interface ScanCounters {
  /** `read` calls on the file. */
  reads: number;
  /** Bytes those reads returned. */
  readBytes: number;
  /** Bytes moved inside the scan's buffer (kept across a refill, or into a bigger buffer). */
  copiedBytes: number;
}

/** Limits and hints for {@linkcode scanSegment}. */
export interface ScanOptions {
  /** The longest payload accepted (default {@linkcode RECORD_BYTES_MAX_DEFAULT}). */
  recordBytesMax?: number;
  /** Bytes read ahead at least per I/O once the buffer is full-sized (default 1 MiB). */
  chunkBytes?: number;
  /** Counts the scan's reads and copies into this object (added to what it holds). */
  counters?: ScanCounters;
}

/**
 * Checks one record at `pos` of a buffer holding the segment's bytes from
 * `base`; returns the record or why it is bad, or "end" for a zero length.
 */
function parseRecordAt(
  buf: Uint8Array,
  pos: number,
  avail: number,
  prevZxid: bigint,
  recordBytesMax: number,
): { ok: true; record: LogRecord; next: number } | { ok: false; end: boolean; reason: string } {
  if (avail < 12) {
    for (let i = 0; i < avail; i++) {
      if (buf[pos + i] !== 0) return { ok: false, end: false, reason: "truncated record header" };
    }
    return { ok: false, end: true, reason: "" };
  }
  const len = readInt(buf, pos + 8);
  if (len === 0) {
    // Apache defines the preallocated zeros as the end of the records.
    if (readInt(buf, pos) === 0 && readInt(buf, pos + 4) === 0) {
      return { ok: false, end: true, reason: "" };
    }
    return { ok: false, end: false, reason: "checksum without a record" };
  }
  if (len < 0 || len > recordBytesMax) {
    return { ok: false, end: false, reason: `unreasonable record length ${len}` };
  }
  if (len < 20) return { ok: false, end: false, reason: `record of ${len} bytes has no TxnHeader` };
  if (avail < len + RECORD_OVERHEAD_BYTES) {
    return { ok: false, end: false, reason: "record runs past the end of the file" };
  }
  if (buf[pos + 12 + len] !== END_OF_RECORD) {
    return { ok: false, end: false, reason: "missing end-of-record byte 0x42" };
  }
  const bytes = buf.subarray(pos + 12, pos + 12 + len);
  const stored = readLongAsUint32(buf, pos);
  const actual = adler32(bytes);
  if (stored !== actual) {
    return {
      ok: false,
      end: false,
      reason: `checksum mismatch (stored ${stored}, computed ${actual})`,
    };
  }
  const zxid = readLong(bytes, ZXID_OFFSET);
  if (zxid <= prevZxid) {
    return {
      ok: false,
      end: false,
      reason: `zxid 0x${zxid.toString(16)} after 0x${prevZxid.toString(16)}`,
    };
  }
  return {
    ok: true,
    record: { zxid, bytes: bytes.slice() },
    next: pos + len + RECORD_OVERHEAD_BYTES,
  };
}

/**
 * Reads the records of one log segment in order, checking each checksum,
 * length and end byte; returns how the scan ended. The file header must
 * already be checked ({@linkcode checkLogHeader}).
 *
 * @param file the open segment
 * @param size its length
 * @param prevZxid zxids must exceed this (the last zxid of the previous segment)
 *
 * @example Scan a segment a TxnLog wrote
 * ```ts
 * import { checkLogHeader, scanSegment, SimStorage, TxnLog } from "@zkts/persistence";
 * import assert from "node:assert/strict";
 * const storage = new SimStorage({ seed: 1 });
 * const txn = (zxid: bigint) => { const b = new Uint8Array(36); new DataView(b.buffer).setBigInt64(12, zxid); return b; };
 * const log = await TxnLog.open({ storage, dir: "/v2", preAllocSize: 4096 });
 * await Promise.all([log.append(1n, txn(1n)), log.append(2n, txn(2n))]);
 * await log.close();
 * const file = await storage.open("/v2/log.1");
 * assert.equal(checkLogHeader(await file.read(0, 16)), undefined);
 * const it = scanSegment(file, await file.size(), -1n);
 * const zxids = [];
 * let r = await it.next();
 * for (; !r.done; r = await it.next()) zxids.push(r.value.zxid);
 * assert.deepEqual(zxids, [1n, 2n]);
 * assert.deepEqual(r.value, { kind: "end", offset: 16 + 2 * 49 });
 * file.close();
 * ```
 */
export async function* scanSegment(
  file: StorageFile,
  size: number,
  prevZxid: bigint,
  options: ScanOptions = {},
): AsyncGenerator<ScannedRecord, SegmentEnd> {
  const recordBytesMax = options.recordBytesMax ?? RECORD_BYTES_MAX_DEFAULT;
  const chunk = options.chunkBytes ?? 1 << 20;
  const counters = options.counters;
  // The window: the segment's bytes [base, end) sit in buf[0, end - base).
  // It is refilled only when the record at `pos` is not all in it: then the
  // unread bytes (less than one record) move to the front and the rest of the
  // buffer is read at once. The buffer holds at least twice the record asked
  // for (or the rest of the file), so each refill reads at least as much as it
  // moves, and a byte is read once and moved at most twice (a refill and a
  // growth): reading a segment costs O(its size), not O(records × buffer).
  let buf = new Uint8Array(0);
  let base = FILE_HEADER_BYTES;
  let end = FILE_HEADER_BYTES;
  let pos = FILE_HEADER_BYTES;
  /** Makes the window hold `n` bytes from `pos`, or all up to the end of the file. */
  const fill = async (n: number): Promise<void> => {
    n = Math.min(n, size - pos);
    if (end - pos >= n) return;
    if (buf.length - (pos - base) < n) {
      const kept = buf.subarray(pos - base, end - base);
      const capacity = Math.min(Math.max(2 * n, 2 * chunk), size - pos);
      if (buf.length >= capacity) {
        buf.copyWithin(0, pos - base, end - base);
      } else {
        const bigger = new Uint8Array(capacity);
        bigger.set(kept);
        buf = bigger;
      }
      if (counters) counters.copiedBytes += kept.length;
      base = pos;
    }
    const want = Math.min(buf.length - (end - base), size - end);
    const more = await file.read(end, want);
    if (more.length > want) {
      throw new Error(`read of ${want} bytes at ${end} of ${file.path} returned ${more.length}`);
    }
    buf.set(more, end - base);
    end += more.length;
    if (counters) {
      counters.reads++;
      counters.readBytes += more.length;
    }
    if (more.length < want) size = end; // the file shrank under us
  };
  while (true) {
    if (pos >= size) return { kind: "end", offset: pos };
    await fill(12);
    if (end - pos >= 12) {
      const len = readInt(buf, pos - base + 8);
      if (len > 0 && len <= recordBytesMax) await fill(len + RECORD_OVERHEAD_BYTES);
    }
    const r = parseRecordAt(buf, pos - base, end - pos, prevZxid, recordBytesMax);
    if (!r.ok) {
      return r.end ? { kind: "end", offset: pos } : { kind: "bad", offset: pos, reason: r.reason };
    }
    yield { ...r.record, offset: pos };
    prevZxid = r.record.zxid;
    pos = base + r.next;
  }
}

/**
 * Whether a whole valid record starts anywhere in `bytes` after `from` (up to
 * the last non-zero byte): tells a torn tail (nothing valid after it) from a
 * damaged record in the middle of the log.
 *
 * @example A damaged record followed by a good one
 * ```ts
 * import { encodeLogRecord, validRecordAfter } from "@zkts/persistence";
 * import assert from "node:assert/strict";
 * const txn = (zxid: bigint) => { const b = new Uint8Array(36); new DataView(b.buffer).setBigInt64(12, zxid); return b; };
 * const bytes = new Uint8Array(200);
 * const second = encodeLogRecord(bytes, 0, txn(1n));
 * encodeLogRecord(bytes, second, txn(2n));
 * bytes[20] ^= 1; // damage the first record
 * assert.equal(validRecordAfter(bytes, 0, 0n), second);
 * ```
 */
export function validRecordAfter(
  bytes: Uint8Array,
  from: number,
  prevZxid: bigint,
  recordBytesMax = RECORD_BYTES_MAX_DEFAULT,
): number | undefined {
  let last = bytes.length - 1;
  while (last > from && bytes[last] === 0) last--;
  for (let q = from + 1; q + RECORD_OVERHEAD_BYTES + 20 <= last + 1; q++) {
    const len = readInt(bytes, q + 8);
    if (len < 20 || len > recordBytesMax || q + 12 + len >= bytes.length) continue;
    if (bytes[q + 12 + len] !== END_OF_RECORD) continue;
    const r = parseRecordAt(bytes, q, bytes.length - q, prevZxid, recordBytesMax);
    if (r.ok) return q;
  }
  return undefined;
}

/**
 * Checks the FileHeader of a log segment.
 *
 * @returns undefined when good, else why not
 *
 * @example
 * ```ts
 * import { checkLogHeader, encodeFileHeader, SNAP_MAGIC, TXNLOG_MAGIC } from "@zkts/persistence";
 * import assert from "node:assert/strict";
 * assert.equal(checkLogHeader(encodeFileHeader(TXNLOG_MAGIC)), undefined);
 * assert.match(checkLogHeader(encodeFileHeader(SNAP_MAGIC))!, /invalid magic/);
 * ```
 */
export function checkLogHeader(head: Uint8Array): string | undefined {
  if (head.length < FILE_HEADER_BYTES) return `file header truncated (${head.length} bytes)`;
  const h = decodeFileHeader(head);
  if (h.magic !== TXNLOG_MAGIC) {
    return `invalid magic number 0x${(h.magic >>> 0).toString(16)} != 0x${
      TXNLOG_MAGIC.toString(16)
    }`;
  }
  return undefined;
}
