/**
 * The transaction records of `org.apache.zookeeper.txn` and the data files' `FileHeader`.
 *
 * @module
 */

import type { JuteRecord } from "./record.ts";
import type { JuteReader } from "./reader.ts";
import type { JuteWriter } from "./writer.ts";
import { ACL } from "./data.ts";
import { readStr, writeStr } from "./_strings.ts";

/**
 * The first 16 bytes of a txn log or snapshot (`FileMagic`).
 *
 * `FileHeader` of zookeeper.jute (`org.apache.zookeeper.server.persistence.FileHeader`).
 */
export interface FileHeader {
  /** The file's kind: "ZKLG" for a txn log, "ZKSN" for a snapshot, as a big-endian int. */
  magic: number;
  /** The file format version; Apache writes 2. */
  version: number;
  /** The database id; Apache writes 0 and never reads it. */
  dbid: bigint;
}

/**
 * Codec of {@linkcode FileHeader}, field for field as Apache's generated
 * `org.apache.zookeeper.server.persistence.FileHeader` writes it.
 *
 * @example Round trip
 * ```ts
 * import { decode, encode, FileHeader } from "@zkts/jute";
 * import assert from "node:assert/strict";
 * const v: FileHeader = { magic: 1, version: 2, dbid: 3n };
 * assert.deepEqual(decode(FileHeader, encode(FileHeader, v)), v);
 * ```
 */
export const FileHeader: JuteRecord<FileHeader> = {
  name: "FileHeader",
  write(w: JuteWriter, v: FileHeader): void {
    w.writeInt(v.magic);
    w.writeInt(v.version);
    w.writeLong(v.dbid);
  },
  read(r: JuteReader): FileHeader {
    return {
      magic: r.readInt(),
      version: r.readInt(),
      dbid: r.readLong(),
    };
  },
};

/**
 * The tree digest after a txn, written after it since 3.6.
 *
 * `TxnDigest` of zookeeper.jute (`org.apache.zookeeper.txn.TxnDigest`).
 */
export interface TxnDigest {
  /** The digest algorithm's version: 2, Apache's `DigestCalculator.DIGEST_VERSION`. */
  version: number;
  /** The digest of the whole data tree after the txn was applied. */
  treeDigest: bigint;
}

/**
 * Codec of {@linkcode TxnDigest}, field for field as Apache's generated
 * `org.apache.zookeeper.txn.TxnDigest` writes it.
 *
 * @example Round trip
 * ```ts
 * import { decode, encode, TxnDigest } from "@zkts/jute";
 * import assert from "node:assert/strict";
 * const v: TxnDigest = { version: 1, treeDigest: 2n };
 * assert.deepEqual(decode(TxnDigest, encode(TxnDigest, v)), v);
 * ```
 */
export const TxnDigest: JuteRecord<TxnDigest> = {
  name: "TxnDigest",
  write(w: JuteWriter, v: TxnDigest): void {
    w.writeInt(v.version);
    w.writeLong(v.treeDigest);
  },
  read(r: JuteReader): TxnDigest {
    return {
      version: r.readInt(),
      treeDigest: r.readLong(),
    };
  },
};

/**
 * Precedes every txn: session, cxid, zxid, time and type.
 *
 * `TxnHeader` of zookeeper.jute (`org.apache.zookeeper.txn.TxnHeader`).
 */
export interface TxnHeader {
  /** The id of the session that issued the request. */
  clientId: bigint;
  /** The client's xid of the request; the reply carries it back. */
  cxid: number;
  /** The zxid the leader gave the txn: epoch in the high 32 bits, counter in the low 32. */
  zxid: bigint;
  /** When the leader made the txn, in milliseconds since the Unix epoch (its wall clock). */
  time: bigint;
  /** The op code of the txn (`OpCode`): the request's, or -1 (error) when it failed in the prep stage. */
  type: number;
}

/**
 * Codec of {@linkcode TxnHeader}, field for field as Apache's generated
 * `org.apache.zookeeper.txn.TxnHeader` writes it.
 *
 * @example Round trip
 * ```ts
 * import { decode, encode, TxnHeader } from "@zkts/jute";
 * import assert from "node:assert/strict";
 * const v: TxnHeader = { clientId: 1n, cxid: 2, zxid: 3n, time: 4n, type: 5 };
 * assert.deepEqual(decode(TxnHeader, encode(TxnHeader, v)), v);
 * ```
 */
export const TxnHeader: JuteRecord<TxnHeader> = {
  name: "TxnHeader",
  write(w: JuteWriter, v: TxnHeader): void {
    w.writeLong(v.clientId);
    w.writeInt(v.cxid);
    w.writeLong(v.zxid);
    w.writeLong(v.time);
    w.writeInt(v.type);
  },
  read(r: JuteReader): TxnHeader {
    return {
      clientId: r.readLong(),
      cxid: r.readInt(),
      zxid: r.readLong(),
      time: r.readLong(),
      type: r.readInt(),
    };
  },
};

/**
 * A create txn from before `parentCVersion` existed.
 *
 * `CreateTxnV0` of zookeeper.jute (`org.apache.zookeeper.txn.CreateTxnV0`).
 */
export interface CreateTxnV0 {
  /** The created znode's path, with its sequence number for a sequential mode. */
  path: string;
  /** The new znode's data. */
  data: Uint8Array | null;
  /** The new znode's ACL. */
  acl: ACL[];
  /** Whether the znode is ephemeral, owned by the txn's session. */
  ephemeral: boolean;
}

/**
 * Codec of {@linkcode CreateTxnV0}, field for field as Apache's generated
 * `org.apache.zookeeper.txn.CreateTxnV0` writes it.
 *
 * @example Round trip
 * ```ts
 * import { decode, encode, CreateTxnV0 } from "@zkts/jute";
 * import assert from "node:assert/strict";
 * const v: CreateTxnV0 = { path: "/app", data: new Uint8Array([2]), acl: [{ perms: 31, id: { scheme: "world", id: "anyone" } }], ephemeral: true };
 * assert.deepEqual(decode(CreateTxnV0, encode(CreateTxnV0, v)), v);
 * ```
 */
export const CreateTxnV0: JuteRecord<CreateTxnV0> = {
  name: "CreateTxnV0",
  write(w: JuteWriter, v: CreateTxnV0): void {
    w.writeString(v.path);
    w.writeBuffer(v.data);
    w.writeVector(v.acl, ACL.write);
    w.writeBool(v.ephemeral);
  },
  read(r: JuteReader): CreateTxnV0 {
    return {
      path: r.readString(),
      data: r.readBuffer(),
      acl: r.readVector(ACL.read),
      ephemeral: r.readBool(),
    };
  },
};

/**
 * The txn of a create or create2.
 *
 * `CreateTxn` of zookeeper.jute (`org.apache.zookeeper.txn.CreateTxn`).
 */
export interface CreateTxn {
  /** The created znode's path, with its sequence number for a sequential mode. */
  path: string;
  /** The new znode's data. */
  data: Uint8Array | null;
  /** The new znode's ACL. */
  acl: ACL[];
  /** Whether the znode is ephemeral, owned by the txn's session. */
  ephemeral: boolean;
  /** The parent's cversion after the create (one more than before). */
  parentCVersion: number;
}

/**
 * Codec of {@linkcode CreateTxn}, field for field as Apache's generated
 * `org.apache.zookeeper.txn.CreateTxn` writes it.
 *
 * @example Round trip
 * ```ts
 * import { decode, encode, CreateTxn } from "@zkts/jute";
 * import assert from "node:assert/strict";
 * const v: CreateTxn = { path: "/app", data: new Uint8Array([2]), acl: [{ perms: 31, id: { scheme: "world", id: "anyone" } }], ephemeral: true, parentCVersion: 5 };
 * assert.deepEqual(decode(CreateTxn, encode(CreateTxn, v)), v);
 * ```
 */
export const CreateTxn: JuteRecord<CreateTxn> = {
  name: "CreateTxn",
  write(w: JuteWriter, v: CreateTxn): void {
    w.writeString(v.path);
    w.writeBuffer(v.data);
    w.writeVector(v.acl, ACL.write);
    w.writeBool(v.ephemeral);
    w.writeInt(v.parentCVersion);
  },
  read(r: JuteReader): CreateTxn {
    return {
      path: r.readString(),
      data: r.readBuffer(),
      acl: r.readVector(ACL.read),
      ephemeral: r.readBool(),
      parentCVersion: r.readInt(),
    };
  },
};

/**
 * The txn of a createTTL.
 *
 * `CreateTTLTxn` of zookeeper.jute (`org.apache.zookeeper.txn.CreateTTLTxn`).
 */
export interface CreateTTLTxn {
  /** The created znode's path, with its sequence number for a sequential mode. */
  path: string;
  /** The new znode's data. */
  data: Uint8Array | null;
  /** The new znode's ACL. */
  acl: ACL[];
  /** The parent's cversion after the create (one more than before). */
  parentCVersion: number;
  /** The time to live in milliseconds, kept in the znode's ephemeralOwner. */
  ttl: bigint;
}

/**
 * Codec of {@linkcode CreateTTLTxn}, field for field as Apache's generated
 * `org.apache.zookeeper.txn.CreateTTLTxn` writes it.
 *
 * @example Round trip
 * ```ts
 * import { decode, encode, CreateTTLTxn } from "@zkts/jute";
 * import assert from "node:assert/strict";
 * const v: CreateTTLTxn = { path: "/app", data: new Uint8Array([2]), acl: [{ perms: 31, id: { scheme: "world", id: "anyone" } }], parentCVersion: 4, ttl: 5n };
 * assert.deepEqual(decode(CreateTTLTxn, encode(CreateTTLTxn, v)), v);
 * ```
 */
export const CreateTTLTxn: JuteRecord<CreateTTLTxn> = {
  name: "CreateTTLTxn",
  write(w: JuteWriter, v: CreateTTLTxn): void {
    w.writeString(v.path);
    w.writeBuffer(v.data);
    w.writeVector(v.acl, ACL.write);
    w.writeInt(v.parentCVersion);
    w.writeLong(v.ttl);
  },
  read(r: JuteReader): CreateTTLTxn {
    return {
      path: r.readString(),
      data: r.readBuffer(),
      acl: r.readVector(ACL.read),
      parentCVersion: r.readInt(),
      ttl: r.readLong(),
    };
  },
};

/**
 * The txn of a createContainer.
 *
 * `CreateContainerTxn` of zookeeper.jute (`org.apache.zookeeper.txn.CreateContainerTxn`).
 */
export interface CreateContainerTxn {
  /** The created znode's path. */
  path: string;
  /** The new znode's data. */
  data: Uint8Array | null;
  /** The new znode's ACL. */
  acl: ACL[];
  /** The parent's cversion after the create (one more than before). */
  parentCVersion: number;
}

/**
 * Codec of {@linkcode CreateContainerTxn}, field for field as Apache's generated
 * `org.apache.zookeeper.txn.CreateContainerTxn` writes it.
 *
 * @example Round trip
 * ```ts
 * import { decode, encode, CreateContainerTxn } from "@zkts/jute";
 * import assert from "node:assert/strict";
 * const v: CreateContainerTxn = { path: "/app", data: new Uint8Array([2]), acl: [{ perms: 31, id: { scheme: "world", id: "anyone" } }], parentCVersion: 4 };
 * assert.deepEqual(decode(CreateContainerTxn, encode(CreateContainerTxn, v)), v);
 * ```
 */
export const CreateContainerTxn: JuteRecord<CreateContainerTxn> = {
  name: "CreateContainerTxn",
  write(w: JuteWriter, v: CreateContainerTxn): void {
    w.writeString(v.path);
    w.writeBuffer(v.data);
    w.writeVector(v.acl, ACL.write);
    w.writeInt(v.parentCVersion);
  },
  read(r: JuteReader): CreateContainerTxn {
    return {
      path: r.readString(),
      data: r.readBuffer(),
      acl: r.readVector(ACL.read),
      parentCVersion: r.readInt(),
    };
  },
};

/**
 * The txn of a delete or deleteContainer.
 *
 * `DeleteTxn` of zookeeper.jute (`org.apache.zookeeper.txn.DeleteTxn`).
 */
export interface DeleteTxn {
  /** The deleted znode's path. */
  path: string;
}

/**
 * Codec of {@linkcode DeleteTxn}, field for field as Apache's generated
 * `org.apache.zookeeper.txn.DeleteTxn` writes it.
 *
 * @example Round trip
 * ```ts
 * import { decode, encode, DeleteTxn } from "@zkts/jute";
 * import assert from "node:assert/strict";
 * const v: DeleteTxn = { path: "/app" };
 * assert.deepEqual(decode(DeleteTxn, encode(DeleteTxn, v)), v);
 * ```
 */
export const DeleteTxn: JuteRecord<DeleteTxn> = {
  name: "DeleteTxn",
  write(w: JuteWriter, v: DeleteTxn): void {
    w.writeString(v.path);
  },
  read(r: JuteReader): DeleteTxn {
    return {
      path: r.readString(),
    };
  },
};

/**
 * The txn of a setData (and of a reconfig).
 *
 * `SetDataTxn` of zookeeper.jute (`org.apache.zookeeper.txn.SetDataTxn`).
 */
export interface SetDataTxn {
  /** The znode's path. */
  path: string;
  /** The new data. */
  data: Uint8Array | null;
  /** The znode's data version after the write (one more than before). */
  version: number;
}

/**
 * Codec of {@linkcode SetDataTxn}, field for field as Apache's generated
 * `org.apache.zookeeper.txn.SetDataTxn` writes it.
 *
 * @example Round trip
 * ```ts
 * import { decode, encode, SetDataTxn } from "@zkts/jute";
 * import assert from "node:assert/strict";
 * const v: SetDataTxn = { path: "/app", data: new Uint8Array([2]), version: 3 };
 * assert.deepEqual(decode(SetDataTxn, encode(SetDataTxn, v)), v);
 * ```
 */
export const SetDataTxn: JuteRecord<SetDataTxn> = {
  name: "SetDataTxn",
  write(w: JuteWriter, v: SetDataTxn): void {
    w.writeString(v.path);
    w.writeBuffer(v.data);
    w.writeInt(v.version);
  },
  read(r: JuteReader): SetDataTxn {
    return {
      path: r.readString(),
      data: r.readBuffer(),
      version: r.readInt(),
    };
  },
};

/**
 * The txn of a check op inside a multi.
 *
 * `CheckVersionTxn` of zookeeper.jute (`org.apache.zookeeper.txn.CheckVersionTxn`).
 */
export interface CheckVersionTxn {
  /** The checked znode's path. */
  path: string;
  /** The data version the check matched, plus one (as Apache's `checkAndIncVersion` returns it). */
  version: number;
}

/**
 * Codec of {@linkcode CheckVersionTxn}, field for field as Apache's generated
 * `org.apache.zookeeper.txn.CheckVersionTxn` writes it.
 *
 * @example Round trip
 * ```ts
 * import { decode, encode, CheckVersionTxn } from "@zkts/jute";
 * import assert from "node:assert/strict";
 * const v: CheckVersionTxn = { path: "/app", version: 2 };
 * assert.deepEqual(decode(CheckVersionTxn, encode(CheckVersionTxn, v)), v);
 * ```
 */
export const CheckVersionTxn: JuteRecord<CheckVersionTxn> = {
  name: "CheckVersionTxn",
  write(w: JuteWriter, v: CheckVersionTxn): void {
    w.writeString(v.path);
    w.writeInt(v.version);
  },
  read(r: JuteReader): CheckVersionTxn {
    return {
      path: r.readString(),
      version: r.readInt(),
    };
  },
};

/**
 * The txn of a setACL.
 *
 * `SetACLTxn` of zookeeper.jute (`org.apache.zookeeper.txn.SetACLTxn`).
 */
export interface SetACLTxn {
  /** The znode's path. */
  path: string;
  /** The new ACL. */
  acl: ACL[];
  /** The znode's ACL version (`aversion`) after the change (one more than before). */
  version: number;
}

/**
 * Codec of {@linkcode SetACLTxn}, field for field as Apache's generated
 * `org.apache.zookeeper.txn.SetACLTxn` writes it.
 *
 * @example Round trip
 * ```ts
 * import { decode, encode, SetACLTxn } from "@zkts/jute";
 * import assert from "node:assert/strict";
 * const v: SetACLTxn = { path: "/app", acl: [{ perms: 31, id: { scheme: "world", id: "anyone" } }], version: 3 };
 * assert.deepEqual(decode(SetACLTxn, encode(SetACLTxn, v)), v);
 * ```
 */
export const SetACLTxn: JuteRecord<SetACLTxn> = {
  name: "SetACLTxn",
  write(w: JuteWriter, v: SetACLTxn): void {
    w.writeString(v.path);
    w.writeVector(v.acl, ACL.write);
    w.writeInt(v.version);
  },
  read(r: JuteReader): SetACLTxn {
    return {
      path: r.readString(),
      acl: r.readVector(ACL.read),
      version: r.readInt(),
    };
  },
};

/**
 * Legacy; kept for completeness.
 *
 * `SetMaxChildrenTxn` of zookeeper.jute (`org.apache.zookeeper.txn.SetMaxChildrenTxn`).
 */
export interface SetMaxChildrenTxn {
  /** The znode's path. */
  path: string;
  /** The most children the znode may have. */
  max: number;
}

/**
 * Codec of {@linkcode SetMaxChildrenTxn}, field for field as Apache's generated
 * `org.apache.zookeeper.txn.SetMaxChildrenTxn` writes it.
 *
 * @example Round trip
 * ```ts
 * import { decode, encode, SetMaxChildrenTxn } from "@zkts/jute";
 * import assert from "node:assert/strict";
 * const v: SetMaxChildrenTxn = { path: "/app", max: 2 };
 * assert.deepEqual(decode(SetMaxChildrenTxn, encode(SetMaxChildrenTxn, v)), v);
 * ```
 */
export const SetMaxChildrenTxn: JuteRecord<SetMaxChildrenTxn> = {
  name: "SetMaxChildrenTxn",
  write(w: JuteWriter, v: SetMaxChildrenTxn): void {
    w.writeString(v.path);
    w.writeInt(v.max);
  },
  read(r: JuteReader): SetMaxChildrenTxn {
    return {
      path: r.readString(),
      max: r.readInt(),
    };
  },
};

/**
 * The txn of a createSession: the negotiated timeout.
 *
 * `CreateSessionTxn` of zookeeper.jute (`org.apache.zookeeper.txn.CreateSessionTxn`).
 */
export interface CreateSessionTxn {
  /** The negotiated session timeout, in milliseconds. */
  timeOut: number;
}

/**
 * Codec of {@linkcode CreateSessionTxn}, field for field as Apache's generated
 * `org.apache.zookeeper.txn.CreateSessionTxn` writes it.
 *
 * @example Round trip
 * ```ts
 * import { decode, encode, CreateSessionTxn } from "@zkts/jute";
 * import assert from "node:assert/strict";
 * const v: CreateSessionTxn = { timeOut: 1 };
 * assert.deepEqual(decode(CreateSessionTxn, encode(CreateSessionTxn, v)), v);
 * ```
 */
export const CreateSessionTxn: JuteRecord<CreateSessionTxn> = {
  name: "CreateSessionTxn",
  write(w: JuteWriter, v: CreateSessionTxn): void {
    w.writeInt(v.timeOut);
  },
  read(r: JuteReader): CreateSessionTxn {
    return {
      timeOut: r.readInt(),
    };
  },
};

/**
 * The txn of a closeSession: the session's ephemerals to delete (3.6+).
 *
 * `CloseSessionTxn` of zookeeper.jute (`org.apache.zookeeper.txn.CloseSessionTxn`).
 */
export interface CloseSessionTxn {
  /** The paths of the session's ephemeral znodes, deleted with it. */
  paths2Delete: string[];
}

/**
 * Codec of {@linkcode CloseSessionTxn}, field for field as Apache's generated
 * `org.apache.zookeeper.txn.CloseSessionTxn` writes it.
 *
 * @example Round trip
 * ```ts
 * import { decode, encode, CloseSessionTxn } from "@zkts/jute";
 * import assert from "node:assert/strict";
 * const v: CloseSessionTxn = { paths2Delete: ["a", "b"] };
 * assert.deepEqual(decode(CloseSessionTxn, encode(CloseSessionTxn, v)), v);
 * ```
 */
export const CloseSessionTxn: JuteRecord<CloseSessionTxn> = {
  name: "CloseSessionTxn",
  write(w: JuteWriter, v: CloseSessionTxn): void {
    w.writeVector(v.paths2Delete, writeStr);
  },
  read(r: JuteReader): CloseSessionTxn {
    return {
      paths2Delete: r.readVector(readStr),
    };
  },
};

/**
 * The txn of a request that failed in the prep stage: its error code.
 *
 * `ErrorTxn` of zookeeper.jute (`org.apache.zookeeper.txn.ErrorTxn`).
 */
export interface ErrorTxn {
  /** The error code (`ErrorCode`) the request failed with. */
  err: number;
}

/**
 * Codec of {@linkcode ErrorTxn}, field for field as Apache's generated
 * `org.apache.zookeeper.txn.ErrorTxn` writes it.
 *
 * @example Round trip
 * ```ts
 * import { decode, encode, ErrorTxn } from "@zkts/jute";
 * import assert from "node:assert/strict";
 * const v: ErrorTxn = { err: 1 };
 * assert.deepEqual(decode(ErrorTxn, encode(ErrorTxn, v)), v);
 * ```
 */
export const ErrorTxn: JuteRecord<ErrorTxn> = {
  name: "ErrorTxn",
  write(w: JuteWriter, v: ErrorTxn): void {
    w.writeInt(v.err);
  },
  read(r: JuteReader): ErrorTxn {
    return {
      err: r.readInt(),
    };
  },
};

/**
 * One txn inside a `MultiTxn`: its type and its record's bytes (decode with `txnRecord`).
 *
 * `Txn` of zookeeper.jute (`org.apache.zookeeper.txn.Txn`).
 */
export interface Txn {
  /** The op code of the inner txn (`OpCode`), or -1 (error) for a failed op. */
  type: number;
  /** The inner txn's record, serialized. */
  data: Uint8Array | null;
}

/**
 * Codec of {@linkcode Txn}, field for field as Apache's generated
 * `org.apache.zookeeper.txn.Txn` writes it.
 *
 * @example Round trip
 * ```ts
 * import { decode, encode, Txn } from "@zkts/jute";
 * import assert from "node:assert/strict";
 * const v: Txn = { type: 1, data: new Uint8Array([2]) };
 * assert.deepEqual(decode(Txn, encode(Txn, v)), v);
 * ```
 */
export const Txn: JuteRecord<Txn> = {
  name: "Txn",
  write(w: JuteWriter, v: Txn): void {
    w.writeInt(v.type);
    w.writeBuffer(v.data);
  },
  read(r: JuteReader): Txn {
    return {
      type: r.readInt(),
      data: r.readBuffer(),
    };
  },
};

/**
 * The txn of a multi: its txns in order.
 *
 * `MultiTxn` of zookeeper.jute (`org.apache.zookeeper.txn.MultiTxn`).
 */
export interface MultiTxn {
  /** The multi's txns, in order; all applied or, if one failed, all `ErrorTxn`. */
  txns: Txn[];
}

/**
 * Codec of {@linkcode MultiTxn}, field for field as Apache's generated
 * `org.apache.zookeeper.txn.MultiTxn` writes it.
 *
 * @example Round trip
 * ```ts
 * import { decode, encode, MultiTxn } from "@zkts/jute";
 * import assert from "node:assert/strict";
 * const v: MultiTxn = { txns: [{ type: 2, data: new Uint8Array([3]) }] };
 * assert.deepEqual(decode(MultiTxn, encode(MultiTxn, v)), v);
 * ```
 */
export const MultiTxn: JuteRecord<MultiTxn> = {
  name: "MultiTxn",
  write(w: JuteWriter, v: MultiTxn): void {
    w.writeVector(v.txns, Txn.write);
  },
  read(r: JuteReader): MultiTxn {
    return {
      txns: r.readVector(Txn.read),
    };
  },
};
