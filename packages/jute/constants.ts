/**
 * The numbers of the ZooKeeper protocol: op codes, error codes, watch event
 * types and states, create modes, permissions, special xids and the quorum
 * packet types, all with Apache ZooKeeper's values (ZooDefs, KeeperException,
 * Watcher, CreateMode, ClientCnxn, Leader).
 *
 * @module
 */

/**
 * Request types, as `ZooDefs.OpCode`: the `type` of a `RequestHeader`, a
 * `TxnHeader` and a `MultiHeader`.
 *
 * @example Pick the op of a request
 * ```ts
 * import { OpCode } from "@zkts/jute";
 * import assert from "node:assert/strict";
 * assert.equal(OpCode.getData, 4);
 * assert.equal(OpCode.createTTL, 21);
 * ```
 */
export const OpCode = {
  notification: 0,
  create: 1,
  delete: 2,
  exists: 3,
  getData: 4,
  setData: 5,
  getACL: 6,
  setACL: 7,
  getChildren: 8,
  sync: 9,
  ping: 11,
  getChildren2: 12,
  check: 13,
  multi: 14,
  create2: 15,
  reconfig: 16,
  checkWatches: 17,
  removeWatches: 18,
  createContainer: 19,
  deleteContainer: 20,
  createTTL: 21,
  multiRead: 22,
  auth: 100,
  setWatches: 101,
  sasl: 102,
  getEphemerals: 103,
  getAllChildrenNumber: 104,
  setWatches2: 105,
  addWatch: 106,
  whoAmI: 107,
  createSession: -10,
  closeSession: -11,
  error: -1,
} as const;

/** One of the values of {@linkcode OpCode}. */
export type OpCode = (typeof OpCode)[keyof typeof OpCode];

/**
 * Error codes, as `KeeperException.Code`: the `err` of a `ReplyHeader`, an
 * `ErrorTxn`, an `ErrorResponse` and a `MultiHeader`.
 *
 * @example Check a reply
 * ```ts
 * import { ErrorCode } from "@zkts/jute";
 * import assert from "node:assert/strict";
 * assert.equal(ErrorCode.NoNode, -101);
 * ```
 */
export const ErrorCode = {
  Ok: 0,
  SystemError: -1,
  RuntimeInconsistency: -2,
  DataInconsistency: -3,
  ConnectionLoss: -4,
  MarshallingError: -5,
  Unimplemented: -6,
  OperationTimeout: -7,
  BadArguments: -8,
  UnknownSession: -12,
  NewConfigNoQuorum: -13,
  ReconfigInProgress: -14,
  ApiError: -100,
  NoNode: -101,
  NoAuth: -102,
  BadVersion: -103,
  NoChildrenForEphemerals: -108,
  NodeExists: -110,
  NotEmpty: -111,
  SessionExpired: -112,
  InvalidCallback: -113,
  InvalidACL: -114,
  AuthFailed: -115,
  SessionMoved: -118,
  NotReadOnly: -119,
  EphemeralOnLocalSession: -120,
  NoWatcher: -121,
  RequestTimeout: -122,
  ReconfigDisabled: -123,
  SessionClosedRequireSaslAuth: -124,
  QuotaExceeded: -125,
  Throttled: -127,
} as const;

/** One of the values of {@linkcode ErrorCode}. */
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

// Apache's enum constant names (KeeperException.Code), used by getCodeMessage
// for the codes its switch does not list ("Unknown error UNKNOWNSESSION").
const CODE_ENUM_NAMES: ReadonlyMap<number, string> = new Map([
  [-12, "UNKNOWNSESSION"],
  [-122, "REQUESTTIMEOUT"],
]);

// KeeperException.getCodeMessage, word for word.
const CODE_MESSAGES: ReadonlyMap<number, string> = new Map([
  [0, "ok"],
  [-1, "SystemError"],
  [-2, "RuntimeInconsistency"],
  [-3, "DataInconsistency"],
  [-4, "ConnectionLoss"],
  [-5, "MarshallingError"],
  [-13, "NewConfigNoQuorum"],
  [-14, "ReconfigInProgress"],
  [-6, "Unimplemented"],
  [-7, "OperationTimeout"],
  [-8, "BadArguments"],
  [-100, "APIError"],
  [-101, "NoNode"],
  [-102, "NoAuth"],
  [-103, "BadVersion"],
  [-108, "NoChildrenForEphemerals"],
  [-110, "NodeExists"],
  [-114, "InvalidACL"],
  [-115, "AuthFailed"],
  [-111, "Directory not empty"],
  [-112, "Session expired"],
  [-113, "Invalid callback"],
  [-118, "Session moved"],
  [-119, "Not a read-only call"],
  [-120, "Ephemeral node on local session"],
  [-121, "No such watcher"],
  [-123, "Reconfig is disabled"],
  [-124, "Session closed because client failed to authenticate"],
  [-125, "Quota has exceeded"],
  [-127, "Op throttled due to high load"],
]);

/**
 * The text Apache ZooKeeper gives an error code (`KeeperException.getCodeMessage`),
 * e.g. `"NoNode"` or `"Directory not empty"`. Codes Apache's switch does not
 * list read `"Unknown error <ENUM_NAME>"`, as in Java.
 *
 * @param code an error code, e.g. {@linkcode ErrorCode.NoNode}
 * @returns Apache's message for it
 *
 * @example
 * ```ts
 * import { ErrorCode, errorName } from "@zkts/jute";
 * import assert from "node:assert/strict";
 * assert.equal(errorName(ErrorCode.NotEmpty), "Directory not empty");
 * assert.equal(errorName(-999), "Unknown error -999");
 * ```
 */
export function errorName(code: number): string {
  return CODE_MESSAGES.get(code) ??
    `Unknown error ${CODE_ENUM_NAMES.get(code) ?? code}`;
}

/**
 * The message of a `KeeperException` as Apache builds it:
 * `"KeeperErrorCode = NoNode for /a"`.
 *
 * @param code an error code
 * @param path the path the error is about, if any
 * @returns `"KeeperErrorCode = " + errorName(code)` (+ `" for " + path`)
 *
 * @example
 * ```ts
 * import { ErrorCode, errorMessage } from "@zkts/jute";
 * import assert from "node:assert/strict";
 * assert.equal(errorMessage(ErrorCode.NoNode, "/a"), "KeeperErrorCode = NoNode for /a");
 * assert.equal(errorMessage(ErrorCode.BadVersion), "KeeperErrorCode = BadVersion");
 * ```
 */
export function errorMessage(code: number, path?: string): string {
  const head = `KeeperErrorCode = ${errorName(code)}`;
  return path === undefined ? head : `${head} for ${path}`;
}

/**
 * Watch event types, as `Watcher.Event.EventType`: the `type` of a `WatcherEvent`.
 *
 * @example
 * ```ts
 * import { EventType } from "@zkts/jute";
 * import assert from "node:assert/strict";
 * assert.equal(EventType.NodeDataChanged, 3);
 * ```
 */
export const EventType = {
  None: -1,
  NodeCreated: 1,
  NodeDeleted: 2,
  NodeDataChanged: 3,
  NodeChildrenChanged: 4,
  DataWatchRemoved: 5,
  ChildWatchRemoved: 6,
  PersistentWatchRemoved: 7,
} as const;

/** One of the values of {@linkcode EventType}. */
export type EventType = (typeof EventType)[keyof typeof EventType];

/**
 * Client connection states, as `Watcher.Event.KeeperState`: the `state` of a
 * `WatcherEvent`.
 *
 * @example
 * ```ts
 * import { KeeperState } from "@zkts/jute";
 * import assert from "node:assert/strict";
 * assert.equal(KeeperState.SyncConnected, 3);
 * ```
 */
export const KeeperState = {
  Unknown: -1,
  Disconnected: 0,
  NoSyncConnected: 1,
  SyncConnected: 3,
  AuthFailed: 4,
  ConnectedReadOnly: 5,
  SaslAuthenticated: 6,
  Expired: -112,
  Closed: 7,
} as const;

/** One of the values of {@linkcode KeeperState}. */
export type KeeperState = (typeof KeeperState)[keyof typeof KeeperState];

/**
 * Create modes as the `flags` of a create request (`CreateMode.toFlag()`).
 *
 * @example
 * ```ts
 * import { CreateMode } from "@zkts/jute";
 * import assert from "node:assert/strict";
 * assert.equal(CreateMode.EphemeralSequential, 3);
 * ```
 */
export const CreateMode = {
  Persistent: 0,
  Ephemeral: 1,
  PersistentSequential: 2,
  EphemeralSequential: 3,
  Container: 4,
  PersistentWithTtl: 5,
  PersistentSequentialWithTtl: 6,
} as const;

/** One of the values of {@linkcode CreateMode}. */
export type CreateMode = (typeof CreateMode)[keyof typeof CreateMode];

/**
 * ACL permission bits, as `ZooDefs.Perms`: the `perms` of an `ACL`.
 *
 * @example
 * ```ts
 * import { Perms } from "@zkts/jute";
 * import assert from "node:assert/strict";
 * assert.equal(Perms.Read | Perms.Write, 3);
 * assert.equal(Perms.All, 31);
 * ```
 */
export const Perms = {
  Read: 1,
  Write: 2,
  Create: 4,
  Delete: 8,
  Admin: 16,
  All: 31,
} as const;

/**
 * Persistent watch modes, as `ZooDefs.AddWatchModes`: the `mode` of an
 * `AddWatchRequest`.
 *
 * @example
 * ```ts
 * import { AddWatchMode } from "@zkts/jute";
 * import assert from "node:assert/strict";
 * assert.equal(AddWatchMode.PersistentRecursive, 1);
 * ```
 */
export const AddWatchMode = {
  Persistent: 0,
  PersistentRecursive: 1,
} as const;

/** One of the values of {@linkcode AddWatchMode}. */
export type AddWatchMode = (typeof AddWatchMode)[keyof typeof AddWatchMode];

/**
 * Watcher types, as `Watcher.WatcherType`: the `type` of a
 * `CheckWatchesRequest` and a `RemoveWatchesRequest`.
 *
 * @example
 * ```ts
 * import { WatcherType } from "@zkts/jute";
 * import assert from "node:assert/strict";
 * assert.equal(WatcherType.Any, 3);
 * ```
 */
export const WatcherType = {
  Children: 1,
  Data: 2,
  Any: 3,
  Persistent: 4,
  PersistentRecursive: 5,
} as const;

/** One of the values of {@linkcode WatcherType}. */
export type WatcherType = (typeof WatcherType)[keyof typeof WatcherType];

/**
 * The xids the client and server treat as special (`ClientCnxn`).
 *
 * @example
 * ```ts
 * import { Xid } from "@zkts/jute";
 * import assert from "node:assert/strict";
 * assert.equal(Xid.Notification, -1);
 * assert.equal(Xid.Ping, -2);
 * ```
 */
export const Xid = {
  Notification: -1,
  Ping: -2,
  Auth: -4,
  SetWatches: -8,
} as const;

/**
 * Quorum packet types (`Leader`): the `type` of a `QuorumPacket`.
 *
 * @example
 * ```ts
 * import { PacketType } from "@zkts/jute";
 * import assert from "node:assert/strict";
 * assert.equal(PacketType.PROPOSAL, 2);
 * ```
 */
export const PacketType = {
  REQUEST: 1,
  PROPOSAL: 2,
  ACK: 3,
  COMMIT: 4,
  PING: 5,
  REVALIDATE: 6,
  SYNC: 7,
  INFORM: 8,
  COMMITANDACTIVATE: 9,
  NEWLEADER: 10,
  FOLLOWERINFO: 11,
  UPTODATE: 12,
  DIFF: 13,
  TRUNC: 14,
  SNAP: 15,
  OBSERVERINFO: 16,
  LEADERINFO: 17,
  ACKEPOCH: 18,
  INFORMANDACTIVATE: 19,
} as const;

/** One of the values of {@linkcode PacketType}. */
export type PacketType = (typeof PacketType)[keyof typeof PacketType];

/**
 * Apache's default `jute.maxbuffer` (`BinaryInputArchive.maxBuffer`), 0xfffff
 * bytes: the largest frame a server accepts (`NIOServerCnxn.readLength`
 * rejects `len < 0 || len > maxBuffer`).
 *
 * @example
 * ```ts
 * import { JUTE_MAXBUFFER_DEFAULT } from "@zkts/jute";
 * import assert from "node:assert/strict";
 * assert.equal(JUTE_MAXBUFFER_DEFAULT, 1048575);
 * ```
 */
export const JUTE_MAXBUFFER_DEFAULT = 0xfffff;

/**
 * The magic numbers and version of Apache's data files (`FileTxnLog`,
 * `FileSnap`): "ZKLG" and "ZKSN" as big-endian ints, version 2.
 *
 * @example
 * ```ts
 * import { FileMagic } from "@zkts/jute";
 * import assert from "node:assert/strict";
 * assert.equal(FileMagic.TXNLOG, 0x5a4b4c47);
 * ```
 */
export const FileMagic = {
  /** "ZKLG": a transaction log, `log.<zxid hex>`. */
  TXNLOG: 0x5a4b4c47,
  /** "ZKSN": a snapshot, `snapshot.<zxid hex>`. */
  SNAP: 0x5a4b534e,
  /** The version both files carry in their header. */
  VERSION: 2,
} as const;
