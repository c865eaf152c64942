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
