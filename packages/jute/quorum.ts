/**
 * The quorum records of `org.apache.zookeeper.server.quorum`: QuorumPacket, LearnerInfo, QuorumAuthPacket.
 *
 * @module
 */

import type { JuteRecord } from "./record.ts";
import type { JuteReader } from "./reader.ts";
import type { JuteWriter } from "./writer.ts";
import { Id } from "./data.ts";

/**
 * A follower's or observer's introduction to the leader (in FOLLOWERINFO/OBSERVERINFO data).
 *
 * `LearnerInfo` of zookeeper.jute (`org.apache.zookeeper.server.quorum.LearnerInfo`).
 */
export interface LearnerInfo {
  /** The learner's server id (its `myid`). */
  serverid: bigint;
  /** The learner's Zab protocol version (0x10000 since 3.4). */
  protocolVersion: number;
  /** The version of the learner's quorum config (its last seen `version=` of the dynamic config). */
  configVersion: bigint;
}

/**
 * Codec of {@linkcode LearnerInfo}, field for field as Apache's generated
 * `org.apache.zookeeper.server.quorum.LearnerInfo` writes it.
 *
 * @example Round trip
 * ```ts
 * import { decode, encode, LearnerInfo } from "@zkts/jute";
 * import assert from "node:assert/strict";
 * const v: LearnerInfo = { serverid: 1n, protocolVersion: 2, configVersion: 3n };
 * assert.deepEqual(decode(LearnerInfo, encode(LearnerInfo, v)), v);
 * ```
 */
export const LearnerInfo: JuteRecord<LearnerInfo> = {
  name: "LearnerInfo",
  write(w: JuteWriter, v: LearnerInfo): void {
    w.writeLong(v.serverid);
    w.writeInt(v.protocolVersion);
    w.writeLong(v.configVersion);
  },
  read(r: JuteReader): LearnerInfo {
    return {
      serverid: r.readLong(),
      protocolVersion: r.readInt(),
      configVersion: r.readLong(),
    };
  },
};

/**
 * Every message between quorum peers (`PacketType`).
 *
 * `QuorumPacket` of zookeeper.jute (`org.apache.zookeeper.server.quorum.QuorumPacket`).
 */
export interface QuorumPacket {
  /** Request, Ack, Commit, Ping */
  type: number;
  /** The zxid the packet is about: proposed, acked or committed; for LEADERINFO and NEWLEADER, the new epoch's first zxid. */
  zxid: bigint;
  /** Only significant when type is request */
  data: Uint8Array | null;
  /** A forwarded request's auth ids; null (written as -1) in most packets, as Apache builds them. */
  authinfo: Id[] | null;
}

/**
 * Codec of {@linkcode QuorumPacket}, field for field as Apache's generated
 * `org.apache.zookeeper.server.quorum.QuorumPacket` writes it.
 *
 * @example Round trip
 * ```ts
 * import { decode, encode, QuorumPacket } from "@zkts/jute";
 * import assert from "node:assert/strict";
 * const v: QuorumPacket = { type: 1, zxid: 2n, data: new Uint8Array([3]), authinfo: [{ scheme: "world", id: "anyone" }] };
 * assert.deepEqual(decode(QuorumPacket, encode(QuorumPacket, v)), v);
 * ```
 */
export const QuorumPacket: JuteRecord<QuorumPacket> = {
  name: "QuorumPacket",
  write(w: JuteWriter, v: QuorumPacket): void {
    w.writeInt(v.type);
    w.writeLong(v.zxid);
    w.writeBuffer(v.data);
    w.writeVector(v.authinfo, Id.write);
  },
  read(r: JuteReader): QuorumPacket {
    return {
      type: r.readInt(),
      zxid: r.readLong(),
      data: r.readBuffer(),
      authinfo: r.readVectorOrNull(Id.read),
    };
  },
};

/**
 * A SASL step of quorum peer authentication.
 *
 * `QuorumAuthPacket` of zookeeper.jute (`org.apache.zookeeper.server.quorum.QuorumAuthPacket`).
 */
export interface QuorumAuthPacket {
  /** A fixed magic number that marks a quorum auth packet. */
  magic: bigint;
  /** The SASL exchange's state (`QuorumAuth.Status`): in progress, success or error. */
  status: number;
  /** The SASL token. */
  token: Uint8Array | null;
}

/**
 * Codec of {@linkcode QuorumAuthPacket}, field for field as Apache's generated
 * `org.apache.zookeeper.server.quorum.QuorumAuthPacket` writes it.
 *
 * @example Round trip
 * ```ts
 * import { decode, encode, QuorumAuthPacket } from "@zkts/jute";
 * import assert from "node:assert/strict";
 * const v: QuorumAuthPacket = { magic: 1n, status: 2, token: new Uint8Array([3]) };
 * assert.deepEqual(decode(QuorumAuthPacket, encode(QuorumAuthPacket, v)), v);
 * ```
 */
export const QuorumAuthPacket: JuteRecord<QuorumAuthPacket> = {
  name: "QuorumAuthPacket",
  write(w: JuteWriter, v: QuorumAuthPacket): void {
    w.writeLong(v.magic);
    w.writeInt(v.status);
    w.writeBuffer(v.token);
  },
  read(r: JuteReader): QuorumAuthPacket {
    return {
      magic: r.readLong(),
      status: r.readInt(),
      token: r.readBuffer(),
    };
  },
};
