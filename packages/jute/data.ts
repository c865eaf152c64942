/**
 * The records of `org.apache.zookeeper.data`: Id, ACL, Stat, StatPersisted, ClientInfo.
 *
 * @module
 */

import type { JuteRecord } from "./record.ts";
import type { JuteReader } from "./reader.ts";
import type { JuteWriter } from "./writer.ts";

/**
 * An identity: an auth scheme and an id within it (`world:anyone`, `digest:user:hash`, `ip:10.0.0.1`).
 *
 * `Id` of zookeeper.jute (`org.apache.zookeeper.data.Id`).
 */
export interface Id {
  /** The auth scheme: `world`, `auth`, `digest`, `ip`, `x509`, `sasl` or another provider's. */
  scheme: string;
  /** The identity within the scheme, in its form (`anyone`; `user:base64(sha1(user:password))` for digest; an address for ip). */
  id: string;
}

/**
 * Codec of {@linkcode Id}, field for field as Apache's generated
 * `org.apache.zookeeper.data.Id` writes it.
 *
 * @example Round trip
 * ```ts
 * import { decode, encode, Id } from "@zkts/jute";
 * import assert from "node:assert/strict";
 * const v: Id = { scheme: "world", id: "anyone" };
 * assert.deepEqual(decode(Id, encode(Id, v)), v);
 * ```
 */
export const Id: JuteRecord<Id> = {
  name: "Id",
  write(w: JuteWriter, v: Id): void {
    w.writeString(v.scheme);
    w.writeString(v.id);
  },
  read(r: JuteReader): Id {
    // kazoo's CREATOR_ALL_ACL sends Id("auth", null): Apache reads the null
    // id and ignores it ("auth" expands to the session's ids). Read it as "".
    return {
      scheme: r.readString(),
      id: r.readStringOrNull() ?? "",
    };
  },
};

/**
 * One access control entry: permission bits (`Perms`) granted to an `Id`.
 *
 * `ACL` of zookeeper.jute (`org.apache.zookeeper.data.ACL`).
 */
export interface ACL {
  /** The permission bits granted (`Perms`: read 1, write 2, create 4, delete 8, admin 16). */
  perms: number;
  /** Whom the permissions are granted to. */
  id: Id;
}

/**
 * Codec of {@linkcode ACL}, field for field as Apache's generated
 * `org.apache.zookeeper.data.ACL` writes it.
 *
 * @example Round trip
 * ```ts
 * import { decode, encode, ACL } from "@zkts/jute";
 * import assert from "node:assert/strict";
 * const v: ACL = { perms: 31, id: { scheme: "world", id: "anyone" } };
 * assert.deepEqual(decode(ACL, encode(ACL, v)), v);
 * ```
 */
export const ACL: JuteRecord<ACL> = {
  name: "ACL",
  write(w: JuteWriter, v: ACL): void {
    w.writeInt(v.perms);
    Id.write(w, v.id);
  },
  read(r: JuteReader): ACL {
    return {
      perms: r.readInt(),
      id: Id.read(r),
    };
  },
};

/**
 * A znode's metadata as clients see it: zxids, times, versions, owner, sizes.
 *
 * `Stat` of zookeeper.jute (`org.apache.zookeeper.data.Stat`).
 */
export interface Stat {
  /** created zxid */
  czxid: bigint;
  /** last modified zxid */
  mzxid: bigint;
  /** created */
  ctime: bigint;
  /** last modified */
  mtime: bigint;
  /** version */
  version: number;
  /** child version */
  cversion: number;
  /** acl version */
  aversion: number;
  /** owner id if ephemeral, 0 otw */
  ephemeralOwner: bigint;
  /** length of the data in the node */
  dataLength: number;
  /** number of children of this node */
  numChildren: number;
  /** last modified children */
  pzxid: bigint;
}

/**
 * Codec of {@linkcode Stat}, field for field as Apache's generated
 * `org.apache.zookeeper.data.Stat` writes it.
 *
 * @example Round trip
 * ```ts
 * import { decode, encode, Stat } from "@zkts/jute";
 * import assert from "node:assert/strict";
 * const v: Stat = { czxid: 1n, mzxid: 2n, ctime: 3n, mtime: 4n, version: 5, cversion: 6, aversion: 7, ephemeralOwner: 8n, dataLength: 9, numChildren: 10, pzxid: 11n };
 * assert.deepEqual(decode(Stat, encode(Stat, v)), v);
 * ```
 */
export const Stat: JuteRecord<Stat> = {
  name: "Stat",
  write(w: JuteWriter, v: Stat): void {
    w.writeLong(v.czxid);
    w.writeLong(v.mzxid);
    w.writeLong(v.ctime);
    w.writeLong(v.mtime);
    w.writeInt(v.version);
    w.writeInt(v.cversion);
    w.writeInt(v.aversion);
    w.writeLong(v.ephemeralOwner);
    w.writeInt(v.dataLength);
    w.writeInt(v.numChildren);
    w.writeLong(v.pzxid);
  },
  read(r: JuteReader): Stat {
    return {
      czxid: r.readLong(),
      mzxid: r.readLong(),
      ctime: r.readLong(),
      mtime: r.readLong(),
      version: r.readInt(),
      cversion: r.readInt(),
      aversion: r.readInt(),
      ephemeralOwner: r.readLong(),
      dataLength: r.readInt(),
      numChildren: r.readInt(),
      pzxid: r.readLong(),
    };
  },
};

/**
 * A znode's metadata as the snapshot stores it (`Stat` without dataLength and numChildren).
 *
 * `StatPersisted` of zookeeper.jute (`org.apache.zookeeper.data.StatPersisted`).
 */
export interface StatPersisted {
  /** created zxid */
  czxid: bigint;
  /** last modified zxid */
  mzxid: bigint;
  /** created */
  ctime: bigint;
  /** last modified */
  mtime: bigint;
  /** version */
  version: number;
  /** child version */
  cversion: number;
  /** acl version */
  aversion: number;
  /** owner id if ephemeral, 0 otw */
  ephemeralOwner: bigint;
  /** last modified children */
  pzxid: bigint;
}

/**
 * Codec of {@linkcode StatPersisted}, field for field as Apache's generated
 * `org.apache.zookeeper.data.StatPersisted` writes it.
 *
 * @example Round trip
 * ```ts
 * import { decode, encode, StatPersisted } from "@zkts/jute";
 * import assert from "node:assert/strict";
 * const v: StatPersisted = { czxid: 1n, mzxid: 2n, ctime: 3n, mtime: 4n, version: 5, cversion: 6, aversion: 7, ephemeralOwner: 8n, pzxid: 9n };
 * assert.deepEqual(decode(StatPersisted, encode(StatPersisted, v)), v);
 * ```
 */
export const StatPersisted: JuteRecord<StatPersisted> = {
  name: "StatPersisted",
  write(w: JuteWriter, v: StatPersisted): void {
    w.writeLong(v.czxid);
    w.writeLong(v.mzxid);
    w.writeLong(v.ctime);
    w.writeLong(v.mtime);
    w.writeInt(v.version);
    w.writeInt(v.cversion);
    w.writeInt(v.aversion);
    w.writeLong(v.ephemeralOwner);
    w.writeLong(v.pzxid);
  },
  read(r: JuteReader): StatPersisted {
    return {
      czxid: r.readLong(),
      mzxid: r.readLong(),
      ctime: r.readLong(),
      mtime: r.readLong(),
      version: r.readInt(),
      cversion: r.readInt(),
      aversion: r.readInt(),
      ephemeralOwner: r.readLong(),
      pzxid: r.readLong(),
    };
  },
};

/**
 * One identity of a session, as `whoAmI` reports it.
 *
 * `ClientInfo` of zookeeper.jute (`org.apache.zookeeper.data.ClientInfo`).
 */
export interface ClientInfo {
  /** Authentication scheme */
  authScheme: string;
  /** user name or any other id(for example ip) */
  user: string;
}

/**
 * Codec of {@linkcode ClientInfo}, field for field as Apache's generated
 * `org.apache.zookeeper.data.ClientInfo` writes it.
 *
 * @example Round trip
 * ```ts
 * import { decode, encode, ClientInfo } from "@zkts/jute";
 * import assert from "node:assert/strict";
 * const v: ClientInfo = { authScheme: "x", user: "x" };
 * assert.deepEqual(decode(ClientInfo, encode(ClientInfo, v)), v);
 * ```
 */
export const ClientInfo: JuteRecord<ClientInfo> = {
  name: "ClientInfo",
  write(w: JuteWriter, v: ClientInfo): void {
    w.writeString(v.authScheme);
    w.writeString(v.user);
  },
  read(r: JuteReader): ClientInfo {
    return {
      authScheme: r.readString(),
      user: r.readString(),
    };
  },
};
