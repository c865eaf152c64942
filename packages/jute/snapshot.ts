/**
 * The records of an Apache snapshot file (`snapshot.<zxid hex>`) that are
 * not in zookeeper.jute, as FileSnap, SerializeUtils, DataTree, DataNode,
 * ReferenceCountedACLCache and SnapStream write them.
 *
 * A snapshot is: `FileHeader`; {@linkcode SnapshotSessions}; the
 * {@linkcode ACLCache}; per znode, parents first, a {@linkcode SnapshotNode}
 * (path, then `DataNode`); the path `"/"` to end the tree; a
 * {@linkcode SnapshotSeal} (Adler32 of everything before it, then `"/"`);
 * then, when digests are on (3.6+), a {@linkcode ZxidDigest} and another
 * seal; then, when enabled, the last processed zxid (a long) and another
 * seal.
 *
 * @module
 */

import { ACL, StatPersisted } from "./data.ts";
import { JuteDecodeError } from "./errors.ts";
import type { JuteReader } from "./reader.ts";
import type { JuteRecord } from "./record.ts";
import type { JuteWriter } from "./writer.ts";

/** A znode as the snapshot stores it (`DataNode.serialize`). */
export interface DataNode {
  /** The node's data; null when created with null data. */
  data: Uint8Array | null;
  /** Key of the node's ACL list in the {@linkcode ACLCache}; -1 for open ACL. */
  acl: bigint;
  /** The persisted stat (no dataLength/numChildren: they are derived). */
  stat: StatPersisted;
}

/**
 * Codec of {@linkcode DataNode}: buffer data, long acl, StatPersisted.
 *
 * @example
 * ```ts
 * import { DataNode, decode, encode } from "@zkts/jute";
 * import assert from "node:assert/strict";
 * const v: DataNode = {
 *   data: new Uint8Array([1, 2]),
 *   acl: 1n,
 *   stat: { czxid: 2n, mzxid: 2n, ctime: 5n, mtime: 5n, version: 0, cversion: 0, aversion: 0, ephemeralOwner: 0n, pzxid: 2n },
 * };
 * assert.deepEqual(decode(DataNode, encode(DataNode, v)), v);
 * ```
 */
export const DataNode: JuteRecord<DataNode> = {
  name: "DataNode",
  write(w: JuteWriter, v: DataNode): void {
    w.writeBuffer(v.data);
    w.writeLong(v.acl);
    StatPersisted.write(w, v.stat);
  },
  read(r: JuteReader): DataNode {
    return { data: r.readBuffer(), acl: r.readLong(), stat: StatPersisted.read(r) };
  },
};

/** One znode of the tree section: its path, then its node. */
export interface SnapshotNode {
  /** The full path; `""` for the root. */
  path: string;
  /** The node. */
  node: DataNode;
}

/**
 * Codec of {@linkcode SnapshotNode} (`DataTree.serializeNodeData`). The tree
 * section ends with the path `"/"` and no node: read the path first with
 * `r.readString()` when walking a snapshot.
 *
 * @example
 * ```ts
 * import { decode, encode, SnapshotNode } from "@zkts/jute";
 * import assert from "node:assert/strict";
 * const v: SnapshotNode = {
 *   path: "/a",
 *   node: {
 *     data: null,
 *     acl: -1n,
 *     stat: { czxid: 2n, mzxid: 2n, ctime: 5n, mtime: 5n, version: 0, cversion: 0, aversion: 0, ephemeralOwner: 0n, pzxid: 2n },
 *   },
 * };
 * assert.deepEqual(decode(SnapshotNode, encode(SnapshotNode, v)), v);
 * ```
 */
export const SnapshotNode: JuteRecord<SnapshotNode> = {
  name: "SnapshotNode",
  write(w: JuteWriter, v: SnapshotNode): void {
    w.writeString(v.path);
    DataNode.write(w, v.node);
  },
  read(r: JuteReader): SnapshotNode {
    return { path: r.readString(), node: DataNode.read(r) };
  },
};

/** One ACL list of the snapshot's ACL cache, under its long key. */
export interface ACLCacheEntry {
  /** The key DataNodes refer to (`DataNode.acl`). */
  id: bigint;
  /** The ACL list. */
  acls: ACL[];
}

function readAclEntry(r: JuteReader): ACLCacheEntry {
  return { id: r.readLong(), acls: r.readVector(ACL.read) };
}

/**
 * Codec of the ACL cache section (`ReferenceCountedACLCache.serialize`): a
 * count, then per entry a long key and a vector of ACL. Decoding checks the
 * count against the bytes left before reading.
 *
 * @example
 * ```ts
 * import { ACLCache, decode, encode, type ACLCacheEntry } from "@zkts/jute";
 * import assert from "node:assert/strict";
 * const v: ACLCacheEntry[] = [{ id: 1n, acls: [{ perms: 31, id: { scheme: "world", id: "anyone" } }] }];
 * assert.deepEqual(decode(ACLCache, encode(ACLCache, v)), v);
 * ```
 */
export const ACLCache: JuteRecord<ACLCacheEntry[]> = {
  name: "ACLCache",
  write(w: JuteWriter, v: ACLCacheEntry[]): void {
    w.writeInt(v.length);
    for (const e of v) {
      w.writeLong(e.id);
      w.writeVector(e.acls, ACL.write);
    }
  },
  read(r: JuteReader): ACLCacheEntry[] {
    // Same layout as a vector (count, items); Apache never writes -1 here.
    return r.readVector(readAclEntry);
  },
};

/** A session of the snapshot's session section. */
export interface SnapshotSession {
  /** The session id. */
  id: bigint;
  /** The negotiated timeout, in ms. */
  timeout: number;
}

function readSession(r: JuteReader): SnapshotSession {
  return { id: r.readLong(), timeout: r.readInt() };
}

/**
 * Codec of the session section (`SerializeUtils.serializeSnapshot`): a
 * count, then per session a long id and an int timeout.
 *
 * @example
 * ```ts
 * import { decode, encode, SnapshotSessions } from "@zkts/jute";
 * import assert from "node:assert/strict";
 * const v = [{ id: 0x1000000a3b40000n, timeout: 30000 }];
 * assert.deepEqual(decode(SnapshotSessions, encode(SnapshotSessions, v)), v);
 * ```
 */
export const SnapshotSessions: JuteRecord<SnapshotSession[]> = {
  name: "SnapshotSessions",
  write(w: JuteWriter, v: SnapshotSession[]): void {
    w.writeInt(v.length);
    for (const s of v) {
      w.writeLong(s.id);
      w.writeInt(s.timeout);
    }
  },
  read(r: JuteReader): SnapshotSession[] {
    return r.readVector(readSession);
  },
};

/** The tree digest a snapshot carries after its first seal (`DataTree.ZxidDigest`). */
export interface ZxidDigest {
  /** The zxid the digest is for; 0 when the snapshot had none. */
  zxid: bigint;
  /** The digest algorithm's version (2 in 3.6+). */
  digestVersion: number;
  /**
   * The digest: a long for `digestVersion >= 2`; a hex string (or null) in
   * the older layout Apache still reads.
   */
  digest: bigint | string | null;
}

/**
 * Codec of {@linkcode ZxidDigest}: long zxid, int digestVersion, then a long
 * digest (version 2+) or a hex string (older).
 *
 * @example
 * ```ts
 * import { decode, encode, ZxidDigest } from "@zkts/jute";
 * import assert from "node:assert/strict";
 * const v: ZxidDigest = { zxid: 0x100000004n, digestVersion: 2, digest: 1234567890123n };
 * assert.deepEqual(decode(ZxidDigest, encode(ZxidDigest, v)), v);
 * ```
 */
export const ZxidDigest: JuteRecord<ZxidDigest> = {
  name: "ZxidDigest",
  write(w: JuteWriter, v: ZxidDigest): void {
    w.writeLong(v.zxid);
    w.writeInt(v.digestVersion);
    if (typeof v.digest === "bigint") w.writeLong(v.digest);
    else w.writeString(v.digest);
  },
  read(r: JuteReader): ZxidDigest {
    const zxid = r.readLong();
    const digestVersion = r.readInt();
    const digest = digestVersion < 2 ? r.readStringOrNull() : r.readLong();
    return { zxid, digestVersion, digest };
  },
};

/** A checksum seal (`SnapStream.sealStream`). */
export interface SnapshotSeal {
  /** Adler32 (or the stream's checksum) of every byte before the seal. */
  checksum: bigint;
  /** Always `"/"` from Apache; read and ignored by it. */
  path: string;
}

/**
 * Codec of {@linkcode SnapshotSeal}: long checksum, then the string `"/"`.
 *
 * @example
 * ```ts
 * import { decode, encode, SnapshotSeal } from "@zkts/jute";
 * import assert from "node:assert/strict";
 * const v = { checksum: 0x1234abcdn, path: "/" };
 * assert.deepEqual(decode(SnapshotSeal, encode(SnapshotSeal, v)), v);
 * ```
 */
export const SnapshotSeal: JuteRecord<SnapshotSeal> = {
  name: "SnapshotSeal",
  write(w: JuteWriter, v: SnapshotSeal): void {
    w.writeLong(v.checksum);
    w.writeString(v.path);
  },
  read(r: JuteReader): SnapshotSeal {
    return { checksum: r.readLong(), path: r.readString() };
  },
};

/**
 * One {@linkcode SnapshotNode} of a snapshot's tree section, as positions in
 * the snapshot's bytes instead of decoded values: a bulk load (a server
 * starting from a million-znode snapshot) copies names, data and stats
 * straight into its own storage, without a string, a bigint or an object per
 * node. The view is reused from node to node: copy what you keep.
 */
export interface SnapshotNodeView {
  /** The snapshot's bytes; every position below counts from their start. */
  bytes: Uint8Array;
  /** The UTF-8 path: `bytes[pathStart, pathEnd)`; empty for the root. */
  pathStart: number;
  /** One past the path's last byte. */
  pathEnd: number;
  /** The data: `bytes[dataStart, dataStart + dataLength)`. */
  dataStart: number;
  /** The data's length; -1 when the data is null. */
  dataLength: number;
  /** The node's ACL cache key (`DataNode.acl`; -1 for open ACL). */
  acl: number;
  /**
   * Where the node's `StatPersisted` starts: 60 bytes, big-endian czxid,
   * mzxid, ctime, mtime (longs), version, cversion, aversion (ints),
   * ephemeralOwner, pzxid (longs).
   */
  statStart: number;
}

/** The bytes of a `StatPersisted`. */
export const STAT_PERSISTED_BYTES = 60;

/** What {@linkcode scanSnapshotNodes} found. */
export interface SnapshotNodesScan {
  /** The nodes in the section. */
  count: number;
  /** The bytes of all their names (the path after its last "/"). */
  nameBytes: number;
  /** The bytes of all their non-null data. */
  dataBytes: number;
  /** The offset after the section's end marker (the path "/"). */
  end: number;
}

function int32(b: Uint8Array, o: number): number {
  return (b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3];
}

/**
 * Walks a snapshot's tree section, the {@linkcode SnapshotNode}s from
 * `offset` up to and including the end marker (the path `"/"`), checking
 * every length against `end`. With `visit`, each node is handed over as a
 * {@linkcode SnapshotNodeView} (one object, reused); without it the walk only
 * counts, which takes a few milliseconds for a million nodes and lets a loader
 * size its storage once.
 *
 * @param bytes the snapshot's bytes (uncompressed)
 * @param offset where the first node's path starts
 * @param end one past the last byte that may be read
 * @param visit receives each node
 * @throws {JuteDecodeError} a negative or overlong length, a null path, or no end marker
 *
 * @example
 * ```ts
 * import { encode, scanSnapshotNodes, SnapshotNode } from "@zkts/jute";
 * import assert from "node:assert/strict";
 * const stat = { czxid: 2n, mzxid: 2n, ctime: 5n, mtime: 5n, version: 0, cversion: 0, aversion: 0, ephemeralOwner: 0n, pzxid: 2n };
 * const a = encode(SnapshotNode, { path: "", node: { data: null, acl: -1n, stat } });
 * const b = encode(SnapshotNode, { path: "/a", node: { data: new Uint8Array([7]), acl: 1n, stat } });
 * const bytes = new Uint8Array([...a, ...b, 0, 0, 0, 1, 0x2f]);
 * const paths: string[] = [];
 * const scan = scanSnapshotNodes(bytes, 0, bytes.length, (v) => {
 *   paths.push(new TextDecoder().decode(bytes.subarray(v.pathStart, v.pathEnd)));
 * });
 * assert.deepEqual(paths, ["", "/a"]);
 * assert.deepEqual(scan, { count: 2, nameBytes: 1, dataBytes: 1, end: bytes.length });
 * ```
 */
export function scanSnapshotNodes(
  bytes: Uint8Array,
  offset: number,
  end: number,
  visit?: (node: SnapshotNodeView) => void,
): SnapshotNodesScan {
  const view: SnapshotNodeView = {
    bytes,
    pathStart: 0,
    pathEnd: 0,
    dataStart: 0,
    dataLength: -1,
    acl: -1,
    statStart: 0,
  };
  let o = offset;
  let count = 0;
  let nameBytes = 0;
  let dataBytes = 0;
  const need = (n: number, what: string) => {
    if (end - o < n) {
      throw new JuteDecodeError(`truncated: ${what} needs ${n} bytes, ${end - o} left`, o);
    }
  };
  for (;;) {
    need(4, "path length");
    const pathLen = int32(bytes, o);
    if (pathLen < 0) throw new JuteDecodeError(`bad path length ${pathLen}`, o);
    o += 4;
    need(pathLen, "path");
    const pathStart = o;
    o += pathLen;
    if (pathLen === 1 && bytes[pathStart] === 0x2f) break; // "/": the end of the tree
    need(4, "data length");
    const dataLen = int32(bytes, o);
    if (dataLen < -1) throw new JuteDecodeError(`negative buffer length ${dataLen}`, o);
    o += 4;
    need(Math.max(dataLen, 0) + 8 + STAT_PERSISTED_BYTES, "node");
    const dataStart = o;
    o += Math.max(dataLen, 0);
    const hi = int32(bytes, o);
    const lo = int32(bytes, o + 4) >>> 0;
    o += 8;
    count++;
    const pathEnd = pathStart + pathLen;
    let slash = pathEnd - 1;
    while (slash >= pathStart && bytes[slash] !== 0x2f) slash--;
    nameBytes += pathEnd - slash - 1;
    if (dataLen > 0) dataBytes += dataLen;
    if (visit) {
      view.pathStart = pathStart;
      view.pathEnd = pathEnd;
      view.dataStart = dataStart;
      view.dataLength = dataLen;
      view.acl = hi * 4294967296 + lo;
      view.statStart = o;
      visit(view);
    }
    o += STAT_PERSISTED_BYTES;
  }
  return { count, nameBytes, dataBytes, end: o };
}
