/**
 * The client protocol records of `org.apache.zookeeper.proto`: headers, requests, responses, WatcherEvent.
 *
 * @module
 */

import type { JuteRecord } from "./record.ts";
import type { JuteReader } from "./reader.ts";
import type { JuteWriter } from "./writer.ts";
import { ACL, ClientInfo, Stat } from "./data.ts";
import { readStr, writeStr } from "./_strings.ts";

/**
 * The first frame a client sends, without a header: to open a session or re-attach one.
 *
 * `ConnectRequest` of zookeeper.jute (`org.apache.zookeeper.proto.ConnectRequest`).
 */
export interface ConnectRequest {
  /** The client's protocol version; 0 in every Apache release. */
  protocolVersion: number;
  /** The last zxid the client has seen; a server that has seen less refuses the session. */
  lastZxidSeen: bigint;
  /** The session timeout the client asks for, in milliseconds; the server clamps it to its min and max. */
  timeOut: number;
  /** The session to re-attach, or 0 to open a new one. */
  sessionId: bigint;
  /** The session's password from the ConnectResponse that opened it; 16 zero bytes for a new session. */
  passwd: Uint8Array | null;
  /**
   * Whether the client accepts a read-only server (request) or the server is
   * read-only (response). Absent when the peer did not send the byte (clients
   * before 3.4); encoding then leaves it out too.
   */
  readOnly?: boolean;
}

/**
 * Codec of {@linkcode ConnectRequest}, field for field as Apache's generated
 * `org.apache.zookeeper.proto.ConnectRequest` writes it.
 *
 * @example Round trip
 * ```ts
 * import { decode, encode, ConnectRequest } from "@zkts/jute";
 * import assert from "node:assert/strict";
 * const v: ConnectRequest = { protocolVersion: 1, lastZxidSeen: 2n, timeOut: 3, sessionId: 4n, passwd: new Uint8Array([5]), readOnly: true };
 * assert.deepEqual(decode(ConnectRequest, encode(ConnectRequest, v)), v);
 * ```
 */
export const ConnectRequest: JuteRecord<ConnectRequest> = {
  name: "ConnectRequest",
  write(w: JuteWriter, v: ConnectRequest): void {
    w.writeInt(v.protocolVersion);
    w.writeLong(v.lastZxidSeen);
    w.writeInt(v.timeOut);
    w.writeLong(v.sessionId);
    w.writeBuffer(v.passwd);
    // Older clients and servers omit the byte (ProtocolManager): absent stays absent.
    if (v.readOnly !== undefined) w.writeBool(v.readOnly);
  },
  read(r: JuteReader): ConnectRequest {
    const v: ConnectRequest = {
      protocolVersion: r.readInt(),
      lastZxidSeen: r.readLong(),
      timeOut: r.readInt(),
      sessionId: r.readLong(),
      passwd: r.readBuffer(),
    };
    // ProtocolManager: a record that ends after passwd comes from an old peer.
    if (r.remaining > 0) v.readOnly = r.readBool();
    return v;
  },
};

/**
 * The server's answer to a `ConnectRequest`, without a header: the session id, password and negotiated timeout.
 *
 * `ConnectResponse` of zookeeper.jute (`org.apache.zookeeper.proto.ConnectResponse`).
 */
export interface ConnectResponse {
  /** The server's protocol version; 0 in every Apache release. */
  protocolVersion: number;
  /** The negotiated session timeout, in milliseconds; 0 when the session is refused. */
  timeOut: number;
  /** The session's id; 0 when the session is refused (expired, or unknown password). */
  sessionId: bigint;
  /** The session's password, which the client sends back to re-attach. */
  passwd: Uint8Array | null;
  /**
   * Whether the client accepts a read-only server (request) or the server is
   * read-only (response). Absent when the peer did not send the byte (clients
   * before 3.4); encoding then leaves it out too.
   */
  readOnly?: boolean;
}

/**
 * Codec of {@linkcode ConnectResponse}, field for field as Apache's generated
 * `org.apache.zookeeper.proto.ConnectResponse` writes it.
 *
 * @example Round trip
 * ```ts
 * import { decode, encode, ConnectResponse } from "@zkts/jute";
 * import assert from "node:assert/strict";
 * const v: ConnectResponse = { protocolVersion: 1, timeOut: 2, sessionId: 3n, passwd: new Uint8Array([4]), readOnly: true };
 * assert.deepEqual(decode(ConnectResponse, encode(ConnectResponse, v)), v);
 * ```
 */
export const ConnectResponse: JuteRecord<ConnectResponse> = {
  name: "ConnectResponse",
  write(w: JuteWriter, v: ConnectResponse): void {
    w.writeInt(v.protocolVersion);
    w.writeInt(v.timeOut);
    w.writeLong(v.sessionId);
    w.writeBuffer(v.passwd);
    // Older clients and servers omit the byte (ProtocolManager): absent stays absent.
    if (v.readOnly !== undefined) w.writeBool(v.readOnly);
  },
  read(r: JuteReader): ConnectResponse {
    const v: ConnectResponse = {
      protocolVersion: r.readInt(),
      timeOut: r.readInt(),
      sessionId: r.readLong(),
      passwd: r.readBuffer(),
    };
    // ProtocolManager: a record that ends after passwd comes from an old peer.
    if (r.remaining > 0) v.readOnly = r.readBool();
    return v;
  },
};

/**
 * Re-registers a reconnecting client's watches (xid -8, op setWatches).
 *
 * `SetWatches` of zookeeper.jute (`org.apache.zookeeper.proto.SetWatches`).
 */
export interface SetWatches {
  /** The last zxid the client has seen; a watched change after it fires at once. */
  relativeZxid: bigint;
  /** Paths with a data watch (getData). */
  dataWatches: string[];
  /** Paths with an exists watch on a znode that did not exist. */
  existWatches: string[];
  /** Paths with a child watch (getChildren). */
  childWatches: string[];
}

/**
 * Codec of {@linkcode SetWatches}, field for field as Apache's generated
 * `org.apache.zookeeper.proto.SetWatches` writes it.
 *
 * @example Round trip
 * ```ts
 * import { decode, encode, SetWatches } from "@zkts/jute";
 * import assert from "node:assert/strict";
 * const v: SetWatches = { relativeZxid: 1n, dataWatches: ["a", "b"], existWatches: ["a", "b"], childWatches: ["a", "b"] };
 * assert.deepEqual(decode(SetWatches, encode(SetWatches, v)), v);
 * ```
 */
export const SetWatches: JuteRecord<SetWatches> = {
  name: "SetWatches",
  write(w: JuteWriter, v: SetWatches): void {
    w.writeLong(v.relativeZxid);
    w.writeVector(v.dataWatches, writeStr);
    w.writeVector(v.existWatches, writeStr);
    w.writeVector(v.childWatches, writeStr);
  },
  read(r: JuteReader): SetWatches {
    return {
      relativeZxid: r.readLong(),
      dataWatches: r.readVector(readStr),
      existWatches: r.readVector(readStr),
      childWatches: r.readVector(readStr),
    };
  },
};

/**
 * Re-registers a reconnecting client's watches, persistent ones included (xid -8, op setWatches2).
 *
 * `SetWatches2` of zookeeper.jute (`org.apache.zookeeper.proto.SetWatches2`).
 */
export interface SetWatches2 {
  /** The last zxid the client has seen; a watched change after it fires at once. */
  relativeZxid: bigint;
  /** Paths with a data watch (getData). */
  dataWatches: string[];
  /** Paths with an exists watch on a znode that did not exist. */
  existWatches: string[];
  /** Paths with a child watch (getChildren). */
  childWatches: string[];
  /** Paths with a persistent watch (addWatch, `AddWatchMode.Persistent`). */
  persistentWatches: string[];
  /** Paths with a persistent recursive watch (addWatch, `AddWatchMode.PersistentRecursive`). */
  persistentRecursiveWatches: string[];
}

/**
 * Codec of {@linkcode SetWatches2}, field for field as Apache's generated
 * `org.apache.zookeeper.proto.SetWatches2` writes it.
 *
 * @example Round trip
 * ```ts
 * import { decode, encode, SetWatches2 } from "@zkts/jute";
 * import assert from "node:assert/strict";
 * const v: SetWatches2 = { relativeZxid: 1n, dataWatches: ["a", "b"], existWatches: ["a", "b"], childWatches: ["a", "b"], persistentWatches: ["a", "b"], persistentRecursiveWatches: ["a", "b"] };
 * assert.deepEqual(decode(SetWatches2, encode(SetWatches2, v)), v);
 * ```
 */
export const SetWatches2: JuteRecord<SetWatches2> = {
  name: "SetWatches2",
  write(w: JuteWriter, v: SetWatches2): void {
    w.writeLong(v.relativeZxid);
    w.writeVector(v.dataWatches, writeStr);
    w.writeVector(v.existWatches, writeStr);
    w.writeVector(v.childWatches, writeStr);
    w.writeVector(v.persistentWatches, writeStr);
    w.writeVector(v.persistentRecursiveWatches, writeStr);
  },
  read(r: JuteReader): SetWatches2 {
    return {
      relativeZxid: r.readLong(),
      dataWatches: r.readVector(readStr),
      existWatches: r.readVector(readStr),
      childWatches: r.readVector(readStr),
      persistentWatches: r.readVector(readStr),
      persistentRecursiveWatches: r.readVector(readStr),
    };
  },
};

/**
 * Precedes every request after the handshake: the client's xid and the op code.
 *
 * `RequestHeader` of zookeeper.jute (`org.apache.zookeeper.proto.RequestHeader`).
 */
export interface RequestHeader {
  /** The client's request number, echoed in the reply; special requests use fixed negative xids (`Xid`). */
  xid: number;
  /** The op code (`OpCode`). */
  type: number;
}

/**
 * Codec of {@linkcode RequestHeader}, field for field as Apache's generated
 * `org.apache.zookeeper.proto.RequestHeader` writes it.
 *
 * @example Round trip
 * ```ts
 * import { decode, encode, RequestHeader } from "@zkts/jute";
 * import assert from "node:assert/strict";
 * const v: RequestHeader = { xid: 1, type: 2 };
 * assert.deepEqual(decode(RequestHeader, encode(RequestHeader, v)), v);
 * ```
 */
export const RequestHeader: JuteRecord<RequestHeader> = {
  name: "RequestHeader",
  write(w: JuteWriter, v: RequestHeader): void {
    w.writeInt(v.xid);
    w.writeInt(v.type);
  },
  read(r: JuteReader): RequestHeader {
    return {
      xid: r.readInt(),
      type: r.readInt(),
    };
  },
};

/**
 * Precedes each op and each result of a multi; `done` marks the end.
 *
 * `MultiHeader` of zookeeper.jute (`org.apache.zookeeper.proto.MultiHeader`).
 */
export interface MultiHeader {
  /** The op code of the op or result that follows; -1 for an error result and on the end marker. */
  type: number;
  /** Whether this header ends the multi; nothing follows it. */
  done: boolean;
  /** The error code of the result that follows (0 unless it is an error result); -1 in requests and on the end marker. */
  err: number;
}

/**
 * Codec of {@linkcode MultiHeader}, field for field as Apache's generated
 * `org.apache.zookeeper.proto.MultiHeader` writes it.
 *
 * @example Round trip
 * ```ts
 * import { decode, encode, MultiHeader } from "@zkts/jute";
 * import assert from "node:assert/strict";
 * const v: MultiHeader = { type: 1, done: true, err: 3 };
 * assert.deepEqual(decode(MultiHeader, encode(MultiHeader, v)), v);
 * ```
 */
export const MultiHeader: JuteRecord<MultiHeader> = {
  name: "MultiHeader",
  write(w: JuteWriter, v: MultiHeader): void {
    w.writeInt(v.type);
    w.writeBool(v.done);
    w.writeInt(v.err);
  },
  read(r: JuteReader): MultiHeader {
    return {
      type: r.readInt(),
      done: r.readBool(),
      err: r.readInt(),
    };
  },
};

/**
 * Adds credentials to a session (xid -4, op auth): `addauth digest user:pw`.
 *
 * `AuthPacket` of zookeeper.jute (`org.apache.zookeeper.proto.AuthPacket`).
 */
export interface AuthPacket {
  /** Unused by the server; Apache's client sends 0. */
  type: number;
  /** The auth scheme, e.g. `digest`. */
  scheme: string;
  /** The credentials in the scheme's form (`user:password` for digest). */
  auth: Uint8Array | null;
}

/**
 * Codec of {@linkcode AuthPacket}, field for field as Apache's generated
 * `org.apache.zookeeper.proto.AuthPacket` writes it.
 *
 * @example Round trip
 * ```ts
 * import { decode, encode, AuthPacket } from "@zkts/jute";
 * import assert from "node:assert/strict";
 * const v: AuthPacket = { type: 1, scheme: "x", auth: new Uint8Array([3]) };
 * assert.deepEqual(decode(AuthPacket, encode(AuthPacket, v)), v);
 * ```
 */
export const AuthPacket: JuteRecord<AuthPacket> = {
  name: "AuthPacket",
  write(w: JuteWriter, v: AuthPacket): void {
    w.writeInt(v.type);
    w.writeString(v.scheme);
    w.writeBuffer(v.auth);
  },
  read(r: JuteReader): AuthPacket {
    return {
      type: r.readInt(),
      scheme: r.readString(),
      auth: r.readBuffer(),
    };
  },
};

/**
 * Precedes every reply: the request's xid, the server's last zxid and the error code.
 *
 * `ReplyHeader` of zookeeper.jute (`org.apache.zookeeper.proto.ReplyHeader`).
 */
export interface ReplyHeader {
  /** The request's xid, or a special one (`Xid`): -1 for a watch event, -2 for a ping, -4 for auth. */
  xid: number;
  /** The last zxid the server had processed when it replied; for a watch event, the zxid of the change that fired it. */
  zxid: bigint;
  /** The error code (`ErrorCode`); 0 for success. */
  err: number;
}

/**
 * Codec of {@linkcode ReplyHeader}, field for field as Apache's generated
 * `org.apache.zookeeper.proto.ReplyHeader` writes it.
 *
 * @example Round trip
 * ```ts
 * import { decode, encode, ReplyHeader } from "@zkts/jute";
 * import assert from "node:assert/strict";
 * const v: ReplyHeader = { xid: 1, zxid: 2n, err: 3 };
 * assert.deepEqual(decode(ReplyHeader, encode(ReplyHeader, v)), v);
 * ```
 */
export const ReplyHeader: JuteRecord<ReplyHeader> = {
  name: "ReplyHeader",
  write(w: JuteWriter, v: ReplyHeader): void {
    w.writeInt(v.xid);
    w.writeLong(v.zxid);
    w.writeInt(v.err);
  },
  read(r: JuteReader): ReplyHeader {
    return {
      xid: r.readInt(),
      zxid: r.readLong(),
      err: r.readInt(),
    };
  },
};

/**
 * The body of a getData request.
 *
 * `GetDataRequest` of zookeeper.jute (`org.apache.zookeeper.proto.GetDataRequest`).
 */
export interface GetDataRequest {
  /** The znode's path. */
  path: string;
  /** Whether to leave a data watch on the znode. */
  watch: boolean;
}

/**
 * Codec of {@linkcode GetDataRequest}, field for field as Apache's generated
 * `org.apache.zookeeper.proto.GetDataRequest` writes it.
 *
 * @example Round trip
 * ```ts
 * import { decode, encode, GetDataRequest } from "@zkts/jute";
 * import assert from "node:assert/strict";
 * const v: GetDataRequest = { path: "/app", watch: true };
 * assert.deepEqual(decode(GetDataRequest, encode(GetDataRequest, v)), v);
 * ```
 */
export const GetDataRequest: JuteRecord<GetDataRequest> = {
  name: "GetDataRequest",
  write(w: JuteWriter, v: GetDataRequest): void {
    w.writeString(v.path);
    w.writeBool(v.watch);
  },
  read(r: JuteReader): GetDataRequest {
    return {
      path: r.readString(),
      watch: r.readBool(),
    };
  },
};

/**
 * The body of a setData request.
 *
 * `SetDataRequest` of zookeeper.jute (`org.apache.zookeeper.proto.SetDataRequest`).
 */
export interface SetDataRequest {
  /** The znode's path. */
  path: string;
  /** The new data; null stores no data. */
  data: Uint8Array | null;
  /** The expected data version; -1 matches any. */
  version: number;
}

/**
 * Codec of {@linkcode SetDataRequest}, field for field as Apache's generated
 * `org.apache.zookeeper.proto.SetDataRequest` writes it.
 *
 * @example Round trip
 * ```ts
 * import { decode, encode, SetDataRequest } from "@zkts/jute";
 * import assert from "node:assert/strict";
 * const v: SetDataRequest = { path: "/app", data: new Uint8Array([2]), version: 3 };
 * assert.deepEqual(decode(SetDataRequest, encode(SetDataRequest, v)), v);
 * ```
 */
export const SetDataRequest: JuteRecord<SetDataRequest> = {
  name: "SetDataRequest",
  write(w: JuteWriter, v: SetDataRequest): void {
    w.writeString(v.path);
    w.writeBuffer(v.data);
    w.writeInt(v.version);
  },
  read(r: JuteReader): SetDataRequest {
    return {
      path: r.readString(),
      data: r.readBuffer(),
      version: r.readInt(),
    };
  },
};

/**
 * The body of a reconfig request; the member lists are null when not given.
 *
 * `ReconfigRequest` of zookeeper.jute (`org.apache.zookeeper.proto.ReconfigRequest`).
 */
export interface ReconfigRequest {
  /** Servers to add (incremental), as comma-separated `server.N=…` specs; null when not given. */
  joiningServers: string | null;
  /** Server ids to remove (incremental), comma-separated; null when not given. */
  leavingServers: string | null;
  /** The whole new membership (non-incremental), as comma-separated `server.N=…` specs; null when not given. */
  newMembers: string | null;
  /** The config version the reconfig expects to replace; -1 for any. */
  curConfigId: bigint;
}

/**
 * Codec of {@linkcode ReconfigRequest}, field for field as Apache's generated
 * `org.apache.zookeeper.proto.ReconfigRequest` writes it.
 *
 * @example Round trip
 * ```ts
 * import { decode, encode, ReconfigRequest } from "@zkts/jute";
 * import assert from "node:assert/strict";
 * const v: ReconfigRequest = { joiningServers: "x", leavingServers: "x", newMembers: "x", curConfigId: 4n };
 * assert.deepEqual(decode(ReconfigRequest, encode(ReconfigRequest, v)), v);
 * ```
 */
export const ReconfigRequest: JuteRecord<ReconfigRequest> = {
  name: "ReconfigRequest",
  write(w: JuteWriter, v: ReconfigRequest): void {
    w.writeString(v.joiningServers);
    w.writeString(v.leavingServers);
    w.writeString(v.newMembers);
    w.writeLong(v.curConfigId);
  },
  read(r: JuteReader): ReconfigRequest {
    return {
      joiningServers: r.readStringOrNull(),
      leavingServers: r.readStringOrNull(),
      newMembers: r.readStringOrNull(),
      curConfigId: r.readLong(),
    };
  },
};

/**
 * The body of a setData reply (and of a lone check's).
 *
 * `SetDataResponse` of zookeeper.jute (`org.apache.zookeeper.proto.SetDataResponse`).
 */
export interface SetDataResponse {
  /** The znode's stat after the write. */
  stat: Stat;
}

/**
 * Codec of {@linkcode SetDataResponse}, field for field as Apache's generated
 * `org.apache.zookeeper.proto.SetDataResponse` writes it.
 *
 * @example Round trip
 * ```ts
 * import { decode, encode, SetDataResponse } from "@zkts/jute";
 * import assert from "node:assert/strict";
 * const v: SetDataResponse = { stat: { czxid: 2n, mzxid: 3n, ctime: 4n, mtime: 5n, version: 6, cversion: 7, aversion: 8, ephemeralOwner: 9n, dataLength: 10, numChildren: 11, pzxid: 12n } };
 * assert.deepEqual(decode(SetDataResponse, encode(SetDataResponse, v)), v);
 * ```
 */
export const SetDataResponse: JuteRecord<SetDataResponse> = {
  name: "SetDataResponse",
  write(w: JuteWriter, v: SetDataResponse): void {
    Stat.write(w, v.stat);
  },
  read(r: JuteReader): SetDataResponse {
    return {
      stat: Stat.read(r),
    };
  },
};

/**
 * A SASL token from the client (op sasl).
 *
 * `GetSASLRequest` of zookeeper.jute (`org.apache.zookeeper.proto.GetSASLRequest`).
 */
export interface GetSASLRequest {
  /** The client's SASL token. */
  token: Uint8Array | null;
}

/**
 * Codec of {@linkcode GetSASLRequest}, field for field as Apache's generated
 * `org.apache.zookeeper.proto.GetSASLRequest` writes it.
 *
 * @example Round trip
 * ```ts
 * import { decode, encode, GetSASLRequest } from "@zkts/jute";
 * import assert from "node:assert/strict";
 * const v: GetSASLRequest = { token: new Uint8Array([1]) };
 * assert.deepEqual(decode(GetSASLRequest, encode(GetSASLRequest, v)), v);
 * ```
 */
export const GetSASLRequest: JuteRecord<GetSASLRequest> = {
  name: "GetSASLRequest",
  write(w: JuteWriter, v: GetSASLRequest): void {
    w.writeBuffer(v.token);
  },
  read(r: JuteReader): GetSASLRequest {
    return {
      token: r.readBuffer(),
    };
  },
};

/**
 * A SASL token (unused by Apache's server; kept for completeness).
 *
 * `SetSASLRequest` of zookeeper.jute (`org.apache.zookeeper.proto.SetSASLRequest`).
 */
export interface SetSASLRequest {
  /** The SASL token. */
  token: Uint8Array | null;
}

/**
 * Codec of {@linkcode SetSASLRequest}, field for field as Apache's generated
 * `org.apache.zookeeper.proto.SetSASLRequest` writes it.
 *
 * @example Round trip
 * ```ts
 * import { decode, encode, SetSASLRequest } from "@zkts/jute";
 * import assert from "node:assert/strict";
 * const v: SetSASLRequest = { token: new Uint8Array([1]) };
 * assert.deepEqual(decode(SetSASLRequest, encode(SetSASLRequest, v)), v);
 * ```
 */
export const SetSASLRequest: JuteRecord<SetSASLRequest> = {
  name: "SetSASLRequest",
  write(w: JuteWriter, v: SetSASLRequest): void {
    w.writeBuffer(v.token);
  },
  read(r: JuteReader): SetSASLRequest {
    return {
      token: r.readBuffer(),
    };
  },
};

/**
 * The server's SASL token in reply to op sasl.
 *
 * `SetSASLResponse` of zookeeper.jute (`org.apache.zookeeper.proto.SetSASLResponse`).
 */
export interface SetSASLResponse {
  /** The server's SASL challenge or final token. */
  token: Uint8Array | null;
}

/**
 * Codec of {@linkcode SetSASLResponse}, field for field as Apache's generated
 * `org.apache.zookeeper.proto.SetSASLResponse` writes it.
 *
 * @example Round trip
 * ```ts
 * import { decode, encode, SetSASLResponse } from "@zkts/jute";
 * import assert from "node:assert/strict";
 * const v: SetSASLResponse = { token: new Uint8Array([1]) };
 * assert.deepEqual(decode(SetSASLResponse, encode(SetSASLResponse, v)), v);
 * ```
 */
export const SetSASLResponse: JuteRecord<SetSASLResponse> = {
  name: "SetSASLResponse",
  write(w: JuteWriter, v: SetSASLResponse): void {
    w.writeBuffer(v.token);
  },
  read(r: JuteReader): SetSASLResponse {
    return {
      token: r.readBuffer(),
    };
  },
};

/**
 * The body of a create, create2 or createContainer request.
 *
 * `CreateRequest` of zookeeper.jute (`org.apache.zookeeper.proto.CreateRequest`).
 */
export interface CreateRequest {
  /** The path to create; for a sequential mode, the prefix the sequence number is appended to. */
  path: string;
  /** The new znode's data. */
  data: Uint8Array | null;
  /** The new znode's ACL; must not be empty. */
  acl: ACL[];
  /** The `CreateMode`, as its flag number. */
  flags: number;
}

/**
 * Codec of {@linkcode CreateRequest}, field for field as Apache's generated
 * `org.apache.zookeeper.proto.CreateRequest` writes it.
 *
 * @example Round trip
 * ```ts
 * import { decode, encode, CreateRequest } from "@zkts/jute";
 * import assert from "node:assert/strict";
 * const v: CreateRequest = { path: "/app", data: new Uint8Array([2]), acl: [{ perms: 31, id: { scheme: "world", id: "anyone" } }], flags: 4 };
 * assert.deepEqual(decode(CreateRequest, encode(CreateRequest, v)), v);
 * ```
 */
export const CreateRequest: JuteRecord<CreateRequest> = {
  name: "CreateRequest",
  write(w: JuteWriter, v: CreateRequest): void {
    w.writeString(v.path);
    w.writeBuffer(v.data);
    w.writeVector(v.acl, ACL.write);
    w.writeInt(v.flags);
  },
  read(r: JuteReader): CreateRequest {
    return {
      path: r.readString(),
      data: r.readBuffer(),
      acl: r.readVector(ACL.read),
      flags: r.readInt(),
    };
  },
};

/**
 * The body of a createTTL request.
 *
 * `CreateTTLRequest` of zookeeper.jute (`org.apache.zookeeper.proto.CreateTTLRequest`).
 */
export interface CreateTTLRequest {
  /** The path to create; for a sequential mode, the prefix the sequence number is appended to. */
  path: string;
  /** The new znode's data. */
  data: Uint8Array | null;
  /** The new znode's ACL; must not be empty. */
  acl: ACL[];
  /** The `CreateMode`, as its flag number (a TTL mode). */
  flags: number;
  /** The time to live in milliseconds: the znode is deleted once it has no children and has not been modified for this long. */
  ttl: bigint;
}

/**
 * Codec of {@linkcode CreateTTLRequest}, field for field as Apache's generated
 * `org.apache.zookeeper.proto.CreateTTLRequest` writes it.
 *
 * @example Round trip
 * ```ts
 * import { decode, encode, CreateTTLRequest } from "@zkts/jute";
 * import assert from "node:assert/strict";
 * const v: CreateTTLRequest = { path: "/app", data: new Uint8Array([2]), acl: [{ perms: 31, id: { scheme: "world", id: "anyone" } }], flags: 4, ttl: 5n };
 * assert.deepEqual(decode(CreateTTLRequest, encode(CreateTTLRequest, v)), v);
 * ```
 */
export const CreateTTLRequest: JuteRecord<CreateTTLRequest> = {
  name: "CreateTTLRequest",
  write(w: JuteWriter, v: CreateTTLRequest): void {
    w.writeString(v.path);
    w.writeBuffer(v.data);
    w.writeVector(v.acl, ACL.write);
    w.writeInt(v.flags);
    w.writeLong(v.ttl);
  },
  read(r: JuteReader): CreateTTLRequest {
    return {
      path: r.readString(),
      data: r.readBuffer(),
      acl: r.readVector(ACL.read),
      flags: r.readInt(),
      ttl: r.readLong(),
    };
  },
};

/**
 * The body of a delete request.
 *
 * `DeleteRequest` of zookeeper.jute (`org.apache.zookeeper.proto.DeleteRequest`).
 */
export interface DeleteRequest {
  /** The znode's path. */
  path: string;
  /** The expected data version; -1 matches any. */
  version: number;
}

/**
 * Codec of {@linkcode DeleteRequest}, field for field as Apache's generated
 * `org.apache.zookeeper.proto.DeleteRequest` writes it.
 *
 * @example Round trip
 * ```ts
 * import { decode, encode, DeleteRequest } from "@zkts/jute";
 * import assert from "node:assert/strict";
 * const v: DeleteRequest = { path: "/app", version: 2 };
 * assert.deepEqual(decode(DeleteRequest, encode(DeleteRequest, v)), v);
 * ```
 */
export const DeleteRequest: JuteRecord<DeleteRequest> = {
  name: "DeleteRequest",
  write(w: JuteWriter, v: DeleteRequest): void {
    w.writeString(v.path);
    w.writeInt(v.version);
  },
  read(r: JuteReader): DeleteRequest {
    return {
      path: r.readString(),
      version: r.readInt(),
    };
  },
};

/**
 * The body of a getChildren request.
 *
 * `GetChildrenRequest` of zookeeper.jute (`org.apache.zookeeper.proto.GetChildrenRequest`).
 */
export interface GetChildrenRequest {
  /** The znode's path. */
  path: string;
  /** Whether to leave a child watch on the znode. */
  watch: boolean;
}

/**
 * Codec of {@linkcode GetChildrenRequest}, field for field as Apache's generated
 * `org.apache.zookeeper.proto.GetChildrenRequest` writes it.
 *
 * @example Round trip
 * ```ts
 * import { decode, encode, GetChildrenRequest } from "@zkts/jute";
 * import assert from "node:assert/strict";
 * const v: GetChildrenRequest = { path: "/app", watch: true };
 * assert.deepEqual(decode(GetChildrenRequest, encode(GetChildrenRequest, v)), v);
 * ```
 */
export const GetChildrenRequest: JuteRecord<GetChildrenRequest> = {
  name: "GetChildrenRequest",
  write(w: JuteWriter, v: GetChildrenRequest): void {
    w.writeString(v.path);
    w.writeBool(v.watch);
  },
  read(r: JuteReader): GetChildrenRequest {
    return {
      path: r.readString(),
      watch: r.readBool(),
    };
  },
};

/**
 * The body of a getAllChildrenNumber request.
 *
 * `GetAllChildrenNumberRequest` of zookeeper.jute (`org.apache.zookeeper.proto.GetAllChildrenNumberRequest`).
 */
export interface GetAllChildrenNumberRequest {
  /** The znode whose descendants to count. */
  path: string;
}

/**
 * Codec of {@linkcode GetAllChildrenNumberRequest}, field for field as Apache's generated
 * `org.apache.zookeeper.proto.GetAllChildrenNumberRequest` writes it.
 *
 * @example Round trip
 * ```ts
 * import { decode, encode, GetAllChildrenNumberRequest } from "@zkts/jute";
 * import assert from "node:assert/strict";
 * const v: GetAllChildrenNumberRequest = { path: "/app" };
 * assert.deepEqual(decode(GetAllChildrenNumberRequest, encode(GetAllChildrenNumberRequest, v)), v);
 * ```
 */
export const GetAllChildrenNumberRequest: JuteRecord<GetAllChildrenNumberRequest> = {
  name: "GetAllChildrenNumberRequest",
  write(w: JuteWriter, v: GetAllChildrenNumberRequest): void {
    w.writeString(v.path);
  },
  read(r: JuteReader): GetAllChildrenNumberRequest {
    return {
      path: r.readString(),
    };
  },
};

/**
 * The body of a getChildren2 request (children and stat).
 *
 * `GetChildren2Request` of zookeeper.jute (`org.apache.zookeeper.proto.GetChildren2Request`).
 */
export interface GetChildren2Request {
  /** The znode's path. */
  path: string;
  /** Whether to leave a child watch on the znode. */
  watch: boolean;
}

/**
 * Codec of {@linkcode GetChildren2Request}, field for field as Apache's generated
 * `org.apache.zookeeper.proto.GetChildren2Request` writes it.
 *
 * @example Round trip
 * ```ts
 * import { decode, encode, GetChildren2Request } from "@zkts/jute";
 * import assert from "node:assert/strict";
 * const v: GetChildren2Request = { path: "/app", watch: true };
 * assert.deepEqual(decode(GetChildren2Request, encode(GetChildren2Request, v)), v);
 * ```
 */
export const GetChildren2Request: JuteRecord<GetChildren2Request> = {
  name: "GetChildren2Request",
  write(w: JuteWriter, v: GetChildren2Request): void {
    w.writeString(v.path);
    w.writeBool(v.watch);
  },
  read(r: JuteReader): GetChildren2Request {
    return {
      path: r.readString(),
      watch: r.readBool(),
    };
  },
};

/**
 * The body of a check op (in a multi).
 *
 * `CheckVersionRequest` of zookeeper.jute (`org.apache.zookeeper.proto.CheckVersionRequest`).
 */
export interface CheckVersionRequest {
  /** The znode's path. */
  path: string;
  /** The expected data version; -1 matches any. */
  version: number;
}

/**
 * Codec of {@linkcode CheckVersionRequest}, field for field as Apache's generated
 * `org.apache.zookeeper.proto.CheckVersionRequest` writes it.
 *
 * @example Round trip
 * ```ts
 * import { decode, encode, CheckVersionRequest } from "@zkts/jute";
 * import assert from "node:assert/strict";
 * const v: CheckVersionRequest = { path: "/app", version: 2 };
 * assert.deepEqual(decode(CheckVersionRequest, encode(CheckVersionRequest, v)), v);
 * ```
 */
export const CheckVersionRequest: JuteRecord<CheckVersionRequest> = {
  name: "CheckVersionRequest",
  write(w: JuteWriter, v: CheckVersionRequest): void {
    w.writeString(v.path);
    w.writeInt(v.version);
  },
  read(r: JuteReader): CheckVersionRequest {
    return {
      path: r.readString(),
      version: r.readInt(),
    };
  },
};

/**
 * Legacy (no op code in 3.8/3.9); kept for completeness.
 *
 * `GetMaxChildrenRequest` of zookeeper.jute (`org.apache.zookeeper.proto.GetMaxChildrenRequest`).
 */
export interface GetMaxChildrenRequest {
  /** The znode's path. */
  path: string;
}

/**
 * Codec of {@linkcode GetMaxChildrenRequest}, field for field as Apache's generated
 * `org.apache.zookeeper.proto.GetMaxChildrenRequest` writes it.
 *
 * @example Round trip
 * ```ts
 * import { decode, encode, GetMaxChildrenRequest } from "@zkts/jute";
 * import assert from "node:assert/strict";
 * const v: GetMaxChildrenRequest = { path: "/app" };
 * assert.deepEqual(decode(GetMaxChildrenRequest, encode(GetMaxChildrenRequest, v)), v);
 * ```
 */
export const GetMaxChildrenRequest: JuteRecord<GetMaxChildrenRequest> = {
  name: "GetMaxChildrenRequest",
  write(w: JuteWriter, v: GetMaxChildrenRequest): void {
    w.writeString(v.path);
  },
  read(r: JuteReader): GetMaxChildrenRequest {
    return {
      path: r.readString(),
    };
  },
};

/**
 * Legacy (no op code in 3.8/3.9); kept for completeness.
 *
 * `GetMaxChildrenResponse` of zookeeper.jute (`org.apache.zookeeper.proto.GetMaxChildrenResponse`).
 */
export interface GetMaxChildrenResponse {
  /** The most children the znode may have. */
  max: number;
}

/**
 * Codec of {@linkcode GetMaxChildrenResponse}, field for field as Apache's generated
 * `org.apache.zookeeper.proto.GetMaxChildrenResponse` writes it.
 *
 * @example Round trip
 * ```ts
 * import { decode, encode, GetMaxChildrenResponse } from "@zkts/jute";
 * import assert from "node:assert/strict";
 * const v: GetMaxChildrenResponse = { max: 1 };
 * assert.deepEqual(decode(GetMaxChildrenResponse, encode(GetMaxChildrenResponse, v)), v);
 * ```
 */
export const GetMaxChildrenResponse: JuteRecord<GetMaxChildrenResponse> = {
  name: "GetMaxChildrenResponse",
  write(w: JuteWriter, v: GetMaxChildrenResponse): void {
    w.writeInt(v.max);
  },
  read(r: JuteReader): GetMaxChildrenResponse {
    return {
      max: r.readInt(),
    };
  },
};

/**
 * Legacy (no op code in 3.8/3.9); kept for completeness.
 *
 * `SetMaxChildrenRequest` of zookeeper.jute (`org.apache.zookeeper.proto.SetMaxChildrenRequest`).
 */
export interface SetMaxChildrenRequest {
  /** The znode's path. */
  path: string;
  /** The most children the znode may have. */
  max: number;
}

/**
 * Codec of {@linkcode SetMaxChildrenRequest}, field for field as Apache's generated
 * `org.apache.zookeeper.proto.SetMaxChildrenRequest` writes it.
 *
 * @example Round trip
 * ```ts
 * import { decode, encode, SetMaxChildrenRequest } from "@zkts/jute";
 * import assert from "node:assert/strict";
 * const v: SetMaxChildrenRequest = { path: "/app", max: 2 };
 * assert.deepEqual(decode(SetMaxChildrenRequest, encode(SetMaxChildrenRequest, v)), v);
 * ```
 */
export const SetMaxChildrenRequest: JuteRecord<SetMaxChildrenRequest> = {
  name: "SetMaxChildrenRequest",
  write(w: JuteWriter, v: SetMaxChildrenRequest): void {
    w.writeString(v.path);
    w.writeInt(v.max);
  },
  read(r: JuteReader): SetMaxChildrenRequest {
    return {
      path: r.readString(),
      max: r.readInt(),
    };
  },
};

/**
 * The body of a sync request.
 *
 * `SyncRequest` of zookeeper.jute (`org.apache.zookeeper.proto.SyncRequest`).
 */
export interface SyncRequest {
  /** The path to sync; the reply echoes it. */
  path: string;
}

/**
 * Codec of {@linkcode SyncRequest}, field for field as Apache's generated
 * `org.apache.zookeeper.proto.SyncRequest` writes it.
 *
 * @example Round trip
 * ```ts
 * import { decode, encode, SyncRequest } from "@zkts/jute";
 * import assert from "node:assert/strict";
 * const v: SyncRequest = { path: "/app" };
 * assert.deepEqual(decode(SyncRequest, encode(SyncRequest, v)), v);
 * ```
 */
export const SyncRequest: JuteRecord<SyncRequest> = {
  name: "SyncRequest",
  write(w: JuteWriter, v: SyncRequest): void {
    w.writeString(v.path);
  },
  read(r: JuteReader): SyncRequest {
    return {
      path: r.readString(),
    };
  },
};

/**
 * The body of a sync reply.
 *
 * `SyncResponse` of zookeeper.jute (`org.apache.zookeeper.proto.SyncResponse`).
 */
export interface SyncResponse {
  /** The path from the sync request. */
  path: string;
}

/**
 * Codec of {@linkcode SyncResponse}, field for field as Apache's generated
 * `org.apache.zookeeper.proto.SyncResponse` writes it.
 *
 * @example Round trip
 * ```ts
 * import { decode, encode, SyncResponse } from "@zkts/jute";
 * import assert from "node:assert/strict";
 * const v: SyncResponse = { path: "/app" };
 * assert.deepEqual(decode(SyncResponse, encode(SyncResponse, v)), v);
 * ```
 */
export const SyncResponse: JuteRecord<SyncResponse> = {
  name: "SyncResponse",
  write(w: JuteWriter, v: SyncResponse): void {
    w.writeString(v.path);
  },
  read(r: JuteReader): SyncResponse {
    return {
      path: r.readString(),
    };
  },
};

/**
 * The body of a getACL request.
 *
 * `GetACLRequest` of zookeeper.jute (`org.apache.zookeeper.proto.GetACLRequest`).
 */
export interface GetACLRequest {
  /** The znode's path. */
  path: string;
}

/**
 * Codec of {@linkcode GetACLRequest}, field for field as Apache's generated
 * `org.apache.zookeeper.proto.GetACLRequest` writes it.
 *
 * @example Round trip
 * ```ts
 * import { decode, encode, GetACLRequest } from "@zkts/jute";
 * import assert from "node:assert/strict";
 * const v: GetACLRequest = { path: "/app" };
 * assert.deepEqual(decode(GetACLRequest, encode(GetACLRequest, v)), v);
 * ```
 */
export const GetACLRequest: JuteRecord<GetACLRequest> = {
  name: "GetACLRequest",
  write(w: JuteWriter, v: GetACLRequest): void {
    w.writeString(v.path);
  },
  read(r: JuteReader): GetACLRequest {
    return {
      path: r.readString(),
    };
  },
};

/**
 * The body of a setACL request.
 *
 * `SetACLRequest` of zookeeper.jute (`org.apache.zookeeper.proto.SetACLRequest`).
 */
export interface SetACLRequest {
  /** The znode's path. */
  path: string;
  /** The new ACL; must not be empty. */
  acl: ACL[];
  /** The expected ACL version (the stat's `aversion`); -1 matches any. */
  version: number;
}

/**
 * Codec of {@linkcode SetACLRequest}, field for field as Apache's generated
 * `org.apache.zookeeper.proto.SetACLRequest` writes it.
 *
 * @example Round trip
 * ```ts
 * import { decode, encode, SetACLRequest } from "@zkts/jute";
 * import assert from "node:assert/strict";
 * const v: SetACLRequest = { path: "/app", acl: [{ perms: 31, id: { scheme: "world", id: "anyone" } }], version: 3 };
 * assert.deepEqual(decode(SetACLRequest, encode(SetACLRequest, v)), v);
 * ```
 */
export const SetACLRequest: JuteRecord<SetACLRequest> = {
  name: "SetACLRequest",
  write(w: JuteWriter, v: SetACLRequest): void {
    w.writeString(v.path);
    w.writeVector(v.acl, ACL.write);
    w.writeInt(v.version);
  },
  read(r: JuteReader): SetACLRequest {
    return {
      path: r.readString(),
      acl: r.readVector(ACL.read),
      version: r.readInt(),
    };
  },
};

/**
 * The body of a setACL reply.
 *
 * `SetACLResponse` of zookeeper.jute (`org.apache.zookeeper.proto.SetACLResponse`).
 */
export interface SetACLResponse {
  /** The znode's stat after the change. */
  stat: Stat;
}

/**
 * Codec of {@linkcode SetACLResponse}, field for field as Apache's generated
 * `org.apache.zookeeper.proto.SetACLResponse` writes it.
 *
 * @example Round trip
 * ```ts
 * import { decode, encode, SetACLResponse } from "@zkts/jute";
 * import assert from "node:assert/strict";
 * const v: SetACLResponse = { stat: { czxid: 2n, mzxid: 3n, ctime: 4n, mtime: 5n, version: 6, cversion: 7, aversion: 8, ephemeralOwner: 9n, dataLength: 10, numChildren: 11, pzxid: 12n } };
 * assert.deepEqual(decode(SetACLResponse, encode(SetACLResponse, v)), v);
 * ```
 */
export const SetACLResponse: JuteRecord<SetACLResponse> = {
  name: "SetACLResponse",
  write(w: JuteWriter, v: SetACLResponse): void {
    Stat.write(w, v.stat);
  },
  read(r: JuteReader): SetACLResponse {
    return {
      stat: Stat.read(r),
    };
  },
};

/**
 * The body of an addWatch request (persistent watches, `AddWatchMode`).
 *
 * `AddWatchRequest` of zookeeper.jute (`org.apache.zookeeper.proto.AddWatchRequest`).
 */
export interface AddWatchRequest {
  /** The path to watch. */
  path: string;
  /** The `AddWatchMode`: 0 persistent, 1 persistent recursive. */
  mode: number;
}

/**
 * Codec of {@linkcode AddWatchRequest}, field for field as Apache's generated
 * `org.apache.zookeeper.proto.AddWatchRequest` writes it.
 *
 * @example Round trip
 * ```ts
 * import { decode, encode, AddWatchRequest } from "@zkts/jute";
 * import assert from "node:assert/strict";
 * const v: AddWatchRequest = { path: "/app", mode: 2 };
 * assert.deepEqual(decode(AddWatchRequest, encode(AddWatchRequest, v)), v);
 * ```
 */
export const AddWatchRequest: JuteRecord<AddWatchRequest> = {
  name: "AddWatchRequest",
  write(w: JuteWriter, v: AddWatchRequest): void {
    w.writeString(v.path);
    w.writeInt(v.mode);
  },
  read(r: JuteReader): AddWatchRequest {
    return {
      path: r.readString(),
      mode: r.readInt(),
    };
  },
};

/**
 * A watch notification (reply xid -1): event type, connection state, path.
 *
 * `WatcherEvent` of zookeeper.jute (`org.apache.zookeeper.proto.WatcherEvent`).
 */
export interface WatcherEvent {
  /** event type */
  type: number;
  /** state of the Keeper client runtime */
  state: number;
  /** The path of the znode the event is about. */
  path: string;
}

/**
 * Codec of {@linkcode WatcherEvent}, field for field as Apache's generated
 * `org.apache.zookeeper.proto.WatcherEvent` writes it.
 *
 * @example Round trip
 * ```ts
 * import { decode, encode, WatcherEvent } from "@zkts/jute";
 * import assert from "node:assert/strict";
 * const v: WatcherEvent = { type: 1, state: 2, path: "/app" };
 * assert.deepEqual(decode(WatcherEvent, encode(WatcherEvent, v)), v);
 * ```
 */
export const WatcherEvent: JuteRecord<WatcherEvent> = {
  name: "WatcherEvent",
  write(w: JuteWriter, v: WatcherEvent): void {
    w.writeInt(v.type);
    w.writeInt(v.state);
    w.writeString(v.path);
  },
  read(r: JuteReader): WatcherEvent {
    return {
      type: r.readInt(),
      state: r.readInt(),
      path: r.readString(),
    };
  },
};

/**
 * An error code as a body: in multi results, and addWatch's reply.
 *
 * `ErrorResponse` of zookeeper.jute (`org.apache.zookeeper.proto.ErrorResponse`).
 */
export interface ErrorResponse {
  /** The error code (`ErrorCode`); 0 for success. */
  err: number;
}

/**
 * Codec of {@linkcode ErrorResponse}, field for field as Apache's generated
 * `org.apache.zookeeper.proto.ErrorResponse` writes it.
 *
 * @example Round trip
 * ```ts
 * import { decode, encode, ErrorResponse } from "@zkts/jute";
 * import assert from "node:assert/strict";
 * const v: ErrorResponse = { err: 1 };
 * assert.deepEqual(decode(ErrorResponse, encode(ErrorResponse, v)), v);
 * ```
 */
export const ErrorResponse: JuteRecord<ErrorResponse> = {
  name: "ErrorResponse",
  write(w: JuteWriter, v: ErrorResponse): void {
    w.writeInt(v.err);
  },
  read(r: JuteReader): ErrorResponse {
    return {
      err: r.readInt(),
    };
  },
};

/**
 * The body of a create reply: the created path.
 *
 * `CreateResponse` of zookeeper.jute (`org.apache.zookeeper.proto.CreateResponse`).
 */
export interface CreateResponse {
  /** The created znode's path, with its sequence number for a sequential mode. */
  path: string;
}

/**
 * Codec of {@linkcode CreateResponse}, field for field as Apache's generated
 * `org.apache.zookeeper.proto.CreateResponse` writes it.
 *
 * @example Round trip
 * ```ts
 * import { decode, encode, CreateResponse } from "@zkts/jute";
 * import assert from "node:assert/strict";
 * const v: CreateResponse = { path: "/app" };
 * assert.deepEqual(decode(CreateResponse, encode(CreateResponse, v)), v);
 * ```
 */
export const CreateResponse: JuteRecord<CreateResponse> = {
  name: "CreateResponse",
  write(w: JuteWriter, v: CreateResponse): void {
    w.writeString(v.path);
  },
  read(r: JuteReader): CreateResponse {
    return {
      path: r.readString(),
    };
  },
};

/**
 * The body of a create2, createTTL or createContainer reply: path and stat.
 *
 * `Create2Response` of zookeeper.jute (`org.apache.zookeeper.proto.Create2Response`).
 */
export interface Create2Response {
  /** The created znode's path, with its sequence number for a sequential mode. */
  path: string;
  /** The created znode's stat. */
  stat: Stat;
}

/**
 * Codec of {@linkcode Create2Response}, field for field as Apache's generated
 * `org.apache.zookeeper.proto.Create2Response` writes it.
 *
 * @example Round trip
 * ```ts
 * import { decode, encode, Create2Response } from "@zkts/jute";
 * import assert from "node:assert/strict";
 * const v: Create2Response = { path: "/app", stat: { czxid: 3n, mzxid: 4n, ctime: 5n, mtime: 6n, version: 7, cversion: 8, aversion: 9, ephemeralOwner: 10n, dataLength: 11, numChildren: 12, pzxid: 13n } };
 * assert.deepEqual(decode(Create2Response, encode(Create2Response, v)), v);
 * ```
 */
export const Create2Response: JuteRecord<Create2Response> = {
  name: "Create2Response",
  write(w: JuteWriter, v: Create2Response): void {
    w.writeString(v.path);
    Stat.write(w, v.stat);
  },
  read(r: JuteReader): Create2Response {
    return {
      path: r.readString(),
      stat: Stat.read(r),
    };
  },
};

/**
 * The body of an exists request.
 *
 * `ExistsRequest` of zookeeper.jute (`org.apache.zookeeper.proto.ExistsRequest`).
 */
export interface ExistsRequest {
  /** The znode's path. */
  path: string;
  /** Whether to leave a watch: a data watch if the znode exists, an exists watch if not. */
  watch: boolean;
}

/**
 * Codec of {@linkcode ExistsRequest}, field for field as Apache's generated
 * `org.apache.zookeeper.proto.ExistsRequest` writes it.
 *
 * @example Round trip
 * ```ts
 * import { decode, encode, ExistsRequest } from "@zkts/jute";
 * import assert from "node:assert/strict";
 * const v: ExistsRequest = { path: "/app", watch: true };
 * assert.deepEqual(decode(ExistsRequest, encode(ExistsRequest, v)), v);
 * ```
 */
export const ExistsRequest: JuteRecord<ExistsRequest> = {
  name: "ExistsRequest",
  write(w: JuteWriter, v: ExistsRequest): void {
    w.writeString(v.path);
    w.writeBool(v.watch);
  },
  read(r: JuteReader): ExistsRequest {
    return {
      path: r.readString(),
      watch: r.readBool(),
    };
  },
};

/**
 * The body of an exists reply.
 *
 * `ExistsResponse` of zookeeper.jute (`org.apache.zookeeper.proto.ExistsResponse`).
 */
export interface ExistsResponse {
  /** The znode's stat. */
  stat: Stat;
}

/**
 * Codec of {@linkcode ExistsResponse}, field for field as Apache's generated
 * `org.apache.zookeeper.proto.ExistsResponse` writes it.
 *
 * @example Round trip
 * ```ts
 * import { decode, encode, ExistsResponse } from "@zkts/jute";
 * import assert from "node:assert/strict";
 * const v: ExistsResponse = { stat: { czxid: 2n, mzxid: 3n, ctime: 4n, mtime: 5n, version: 6, cversion: 7, aversion: 8, ephemeralOwner: 9n, dataLength: 10, numChildren: 11, pzxid: 12n } };
 * assert.deepEqual(decode(ExistsResponse, encode(ExistsResponse, v)), v);
 * ```
 */
export const ExistsResponse: JuteRecord<ExistsResponse> = {
  name: "ExistsResponse",
  write(w: JuteWriter, v: ExistsResponse): void {
    Stat.write(w, v.stat);
  },
  read(r: JuteReader): ExistsResponse {
    return {
      stat: Stat.read(r),
    };
  },
};

/**
 * The body of a getData reply (also of reconfig's).
 *
 * `GetDataResponse` of zookeeper.jute (`org.apache.zookeeper.proto.GetDataResponse`).
 */
export interface GetDataResponse {
  /** The znode's data. */
  data: Uint8Array | null;
  /** The znode's stat. */
  stat: Stat;
}

/**
 * Codec of {@linkcode GetDataResponse}, field for field as Apache's generated
 * `org.apache.zookeeper.proto.GetDataResponse` writes it.
 *
 * @example Round trip
 * ```ts
 * import { decode, encode, GetDataResponse } from "@zkts/jute";
 * import assert from "node:assert/strict";
 * const v: GetDataResponse = { data: new Uint8Array([1]), stat: { czxid: 3n, mzxid: 4n, ctime: 5n, mtime: 6n, version: 7, cversion: 8, aversion: 9, ephemeralOwner: 10n, dataLength: 11, numChildren: 12, pzxid: 13n } };
 * assert.deepEqual(decode(GetDataResponse, encode(GetDataResponse, v)), v);
 * ```
 */
export const GetDataResponse: JuteRecord<GetDataResponse> = {
  name: "GetDataResponse",
  write(w: JuteWriter, v: GetDataResponse): void {
    w.writeBuffer(v.data);
    Stat.write(w, v.stat);
  },
  read(r: JuteReader): GetDataResponse {
    return {
      data: r.readBuffer(),
      stat: Stat.read(r),
    };
  },
};

/**
 * The body of a getChildren reply.
 *
 * `GetChildrenResponse` of zookeeper.jute (`org.apache.zookeeper.proto.GetChildrenResponse`).
 */
export interface GetChildrenResponse {
  /** The children's names (not full paths). */
  children: string[];
}

/**
 * Codec of {@linkcode GetChildrenResponse}, field for field as Apache's generated
 * `org.apache.zookeeper.proto.GetChildrenResponse` writes it.
 *
 * @example Round trip
 * ```ts
 * import { decode, encode, GetChildrenResponse } from "@zkts/jute";
 * import assert from "node:assert/strict";
 * const v: GetChildrenResponse = { children: ["a", "b"] };
 * assert.deepEqual(decode(GetChildrenResponse, encode(GetChildrenResponse, v)), v);
 * ```
 */
export const GetChildrenResponse: JuteRecord<GetChildrenResponse> = {
  name: "GetChildrenResponse",
  write(w: JuteWriter, v: GetChildrenResponse): void {
    w.writeVector(v.children, writeStr);
  },
  read(r: JuteReader): GetChildrenResponse {
    return {
      children: r.readVector(readStr),
    };
  },
};

/**
 * The body of a getAllChildrenNumber reply.
 *
 * `GetAllChildrenNumberResponse` of zookeeper.jute (`org.apache.zookeeper.proto.GetAllChildrenNumberResponse`).
 */
export interface GetAllChildrenNumberResponse {
  /** How many descendants the znode has, at every depth. */
  totalNumber: number;
}

/**
 * Codec of {@linkcode GetAllChildrenNumberResponse}, field for field as Apache's generated
 * `org.apache.zookeeper.proto.GetAllChildrenNumberResponse` writes it.
 *
 * @example Round trip
 * ```ts
 * import { decode, encode, GetAllChildrenNumberResponse } from "@zkts/jute";
 * import assert from "node:assert/strict";
 * const v: GetAllChildrenNumberResponse = { totalNumber: 1 };
 * assert.deepEqual(decode(GetAllChildrenNumberResponse, encode(GetAllChildrenNumberResponse, v)), v);
 * ```
 */
export const GetAllChildrenNumberResponse: JuteRecord<GetAllChildrenNumberResponse> = {
  name: "GetAllChildrenNumberResponse",
  write(w: JuteWriter, v: GetAllChildrenNumberResponse): void {
    w.writeInt(v.totalNumber);
  },
  read(r: JuteReader): GetAllChildrenNumberResponse {
    return {
      totalNumber: r.readInt(),
    };
  },
};

/**
 * The body of a getChildren2 reply.
 *
 * `GetChildren2Response` of zookeeper.jute (`org.apache.zookeeper.proto.GetChildren2Response`).
 */
export interface GetChildren2Response {
  /** The children's names (not full paths). */
  children: string[];
  /** The znode's stat. */
  stat: Stat;
}

/**
 * Codec of {@linkcode GetChildren2Response}, field for field as Apache's generated
 * `org.apache.zookeeper.proto.GetChildren2Response` writes it.
 *
 * @example Round trip
 * ```ts
 * import { decode, encode, GetChildren2Response } from "@zkts/jute";
 * import assert from "node:assert/strict";
 * const v: GetChildren2Response = { children: ["a", "b"], stat: { czxid: 3n, mzxid: 4n, ctime: 5n, mtime: 6n, version: 7, cversion: 8, aversion: 9, ephemeralOwner: 10n, dataLength: 11, numChildren: 12, pzxid: 13n } };
 * assert.deepEqual(decode(GetChildren2Response, encode(GetChildren2Response, v)), v);
 * ```
 */
export const GetChildren2Response: JuteRecord<GetChildren2Response> = {
  name: "GetChildren2Response",
  write(w: JuteWriter, v: GetChildren2Response): void {
    w.writeVector(v.children, writeStr);
    Stat.write(w, v.stat);
  },
  read(r: JuteReader): GetChildren2Response {
    return {
      children: r.readVector(readStr),
      stat: Stat.read(r),
    };
  },
};

/**
 * The body of a getACL reply.
 *
 * `GetACLResponse` of zookeeper.jute (`org.apache.zookeeper.proto.GetACLResponse`).
 */
export interface GetACLResponse {
  /** The znode's ACL. */
  acl: ACL[];
  /** The znode's stat. */
  stat: Stat;
}

/**
 * Codec of {@linkcode GetACLResponse}, field for field as Apache's generated
 * `org.apache.zookeeper.proto.GetACLResponse` writes it.
 *
 * @example Round trip
 * ```ts
 * import { decode, encode, GetACLResponse } from "@zkts/jute";
 * import assert from "node:assert/strict";
 * const v: GetACLResponse = { acl: [{ perms: 31, id: { scheme: "world", id: "anyone" } }], stat: { czxid: 3n, mzxid: 4n, ctime: 5n, mtime: 6n, version: 7, cversion: 8, aversion: 9, ephemeralOwner: 10n, dataLength: 11, numChildren: 12, pzxid: 13n } };
 * assert.deepEqual(decode(GetACLResponse, encode(GetACLResponse, v)), v);
 * ```
 */
export const GetACLResponse: JuteRecord<GetACLResponse> = {
  name: "GetACLResponse",
  write(w: JuteWriter, v: GetACLResponse): void {
    w.writeVector(v.acl, ACL.write);
    Stat.write(w, v.stat);
  },
  read(r: JuteReader): GetACLResponse {
    return {
      acl: r.readVector(ACL.read),
      stat: Stat.read(r),
    };
  },
};

/**
 * The body of a checkWatches request (`WatcherType`).
 *
 * `CheckWatchesRequest` of zookeeper.jute (`org.apache.zookeeper.proto.CheckWatchesRequest`).
 */
export interface CheckWatchesRequest {
  /** The znode's path. */
  path: string;
  /** Which watches (`WatcherType`). */
  type: number;
}

/**
 * Codec of {@linkcode CheckWatchesRequest}, field for field as Apache's generated
 * `org.apache.zookeeper.proto.CheckWatchesRequest` writes it.
 *
 * @example Round trip
 * ```ts
 * import { decode, encode, CheckWatchesRequest } from "@zkts/jute";
 * import assert from "node:assert/strict";
 * const v: CheckWatchesRequest = { path: "/app", type: 2 };
 * assert.deepEqual(decode(CheckWatchesRequest, encode(CheckWatchesRequest, v)), v);
 * ```
 */
export const CheckWatchesRequest: JuteRecord<CheckWatchesRequest> = {
  name: "CheckWatchesRequest",
  write(w: JuteWriter, v: CheckWatchesRequest): void {
    w.writeString(v.path);
    w.writeInt(v.type);
  },
  read(r: JuteReader): CheckWatchesRequest {
    return {
      path: r.readString(),
      type: r.readInt(),
    };
  },
};

/**
 * The body of a removeWatches request (`WatcherType`).
 *
 * `RemoveWatchesRequest` of zookeeper.jute (`org.apache.zookeeper.proto.RemoveWatchesRequest`).
 */
export interface RemoveWatchesRequest {
  /** The znode's path. */
  path: string;
  /** Which watches to remove (`WatcherType`). */
  type: number;
}

/**
 * Codec of {@linkcode RemoveWatchesRequest}, field for field as Apache's generated
 * `org.apache.zookeeper.proto.RemoveWatchesRequest` writes it.
 *
 * @example Round trip
 * ```ts
 * import { decode, encode, RemoveWatchesRequest } from "@zkts/jute";
 * import assert from "node:assert/strict";
 * const v: RemoveWatchesRequest = { path: "/app", type: 2 };
 * assert.deepEqual(decode(RemoveWatchesRequest, encode(RemoveWatchesRequest, v)), v);
 * ```
 */
export const RemoveWatchesRequest: JuteRecord<RemoveWatchesRequest> = {
  name: "RemoveWatchesRequest",
  write(w: JuteWriter, v: RemoveWatchesRequest): void {
    w.writeString(v.path);
    w.writeInt(v.type);
  },
  read(r: JuteReader): RemoveWatchesRequest {
    return {
      path: r.readString(),
      type: r.readInt(),
    };
  },
};

/**
 * The body of a getEphemerals request.
 *
 * `GetEphemeralsRequest` of zookeeper.jute (`org.apache.zookeeper.proto.GetEphemeralsRequest`).
 */
export interface GetEphemeralsRequest {
  /** Only ephemerals whose paths start with this; blank or `/` for all. */
  prefixPath: string;
}

/**
 * Codec of {@linkcode GetEphemeralsRequest}, field for field as Apache's generated
 * `org.apache.zookeeper.proto.GetEphemeralsRequest` writes it.
 *
 * @example Round trip
 * ```ts
 * import { decode, encode, GetEphemeralsRequest } from "@zkts/jute";
 * import assert from "node:assert/strict";
 * const v: GetEphemeralsRequest = { prefixPath: "/app" };
 * assert.deepEqual(decode(GetEphemeralsRequest, encode(GetEphemeralsRequest, v)), v);
 * ```
 */
export const GetEphemeralsRequest: JuteRecord<GetEphemeralsRequest> = {
  name: "GetEphemeralsRequest",
  write(w: JuteWriter, v: GetEphemeralsRequest): void {
    w.writeString(v.prefixPath);
  },
  read(r: JuteReader): GetEphemeralsRequest {
    return {
      prefixPath: r.readString(),
    };
  },
};

/**
 * The body of a getEphemerals reply.
 *
 * `GetEphemeralsResponse` of zookeeper.jute (`org.apache.zookeeper.proto.GetEphemeralsResponse`).
 */
export interface GetEphemeralsResponse {
  /** The paths of the session's ephemeral znodes. */
  ephemerals: string[];
}

/**
 * Codec of {@linkcode GetEphemeralsResponse}, field for field as Apache's generated
 * `org.apache.zookeeper.proto.GetEphemeralsResponse` writes it.
 *
 * @example Round trip
 * ```ts
 * import { decode, encode, GetEphemeralsResponse } from "@zkts/jute";
 * import assert from "node:assert/strict";
 * const v: GetEphemeralsResponse = { ephemerals: ["a", "b"] };
 * assert.deepEqual(decode(GetEphemeralsResponse, encode(GetEphemeralsResponse, v)), v);
 * ```
 */
export const GetEphemeralsResponse: JuteRecord<GetEphemeralsResponse> = {
  name: "GetEphemeralsResponse",
  write(w: JuteWriter, v: GetEphemeralsResponse): void {
    w.writeVector(v.ephemerals, writeStr);
  },
  read(r: JuteReader): GetEphemeralsResponse {
    return {
      ephemerals: r.readVector(readStr),
    };
  },
};

/**
 * The body of a whoAmI reply.
 *
 * `WhoAmIResponse` of zookeeper.jute (`org.apache.zookeeper.proto.WhoAmIResponse`).
 */
export interface WhoAmIResponse {
  /** The session's identities, one per authenticated scheme. */
  clientInfo: ClientInfo[];
}

/**
 * Codec of {@linkcode WhoAmIResponse}, field for field as Apache's generated
 * `org.apache.zookeeper.proto.WhoAmIResponse` writes it.
 *
 * @example Round trip
 * ```ts
 * import { decode, encode, WhoAmIResponse } from "@zkts/jute";
 * import assert from "node:assert/strict";
 * const v: WhoAmIResponse = { clientInfo: [{ authScheme: "x", user: "x" }] };
 * assert.deepEqual(decode(WhoAmIResponse, encode(WhoAmIResponse, v)), v);
 * ```
 */
export const WhoAmIResponse: JuteRecord<WhoAmIResponse> = {
  name: "WhoAmIResponse",
  write(w: JuteWriter, v: WhoAmIResponse): void {
    w.writeVector(v.clientInfo, ClientInfo.write);
  },
  read(r: JuteReader): WhoAmIResponse {
    return {
      clientInfo: r.readVector(ClientInfo.read),
    };
  },
};
