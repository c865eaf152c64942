/**
 * Which record follows a header, by op code: the request body after a
 * `RequestHeader`, the response body after a `ReplyHeader`, the txn after a
 * `TxnHeader`.
 *
 * @module
 */

import { OpCode } from "./constants.ts";
import { MultiOperationRecord, MultiResponse } from "./multi.ts";
import {
  AddWatchRequest,
  AuthPacket,
  CheckVersionRequest,
  CheckWatchesRequest,
  ConnectRequest,
  ConnectResponse,
  Create2Response,
  CreateRequest,
  CreateResponse,
  CreateTTLRequest,
  DeleteRequest,
  ErrorResponse,
  ExistsRequest,
  ExistsResponse,
  GetACLRequest,
  GetACLResponse,
  GetAllChildrenNumberRequest,
  GetAllChildrenNumberResponse,
  GetChildren2Request,
  GetChildren2Response,
  GetChildrenRequest,
  GetChildrenResponse,
  GetDataRequest,
  GetDataResponse,
  GetEphemeralsRequest,
  GetEphemeralsResponse,
  GetSASLRequest,
  ReconfigRequest,
  RemoveWatchesRequest,
  SetACLRequest,
  SetACLResponse,
  SetDataRequest,
  SetDataResponse,
  SetSASLResponse,
  SetWatches,
  SetWatches2,
  SyncRequest,
  SyncResponse,
  WhoAmIResponse,
} from "./proto.ts";
import type { JuteRecord } from "./record.ts";
import {
  CheckVersionTxn,
  CloseSessionTxn,
  CreateContainerTxn,
  CreateSessionTxn,
  CreateTTLTxn,
  CreateTxn,
  type CreateTxnV0,
  DeleteTxn,
  ErrorTxn,
  MultiTxn,
  SetACLTxn,
  SetDataTxn,
} from "./txn.ts";

type AnyRecord = JuteRecord<unknown>;

const REQUESTS: ReadonlyMap<number, AnyRecord | null> = new Map<number, AnyRecord | null>([
  [OpCode.create, CreateRequest],
  [OpCode.create2, CreateRequest],
  [OpCode.createContainer, CreateRequest],
  [OpCode.createTTL, CreateTTLRequest],
  [OpCode.delete, DeleteRequest],
  [OpCode.exists, ExistsRequest],
  [OpCode.getData, GetDataRequest],
  [OpCode.setData, SetDataRequest],
  [OpCode.getACL, GetACLRequest],
  [OpCode.setACL, SetACLRequest],
  [OpCode.getChildren, GetChildrenRequest],
  [OpCode.sync, SyncRequest],
  [OpCode.ping, null],
  [OpCode.getChildren2, GetChildren2Request],
  [OpCode.check, CheckVersionRequest],
  [OpCode.multi, MultiOperationRecord],
  [OpCode.multiRead, MultiOperationRecord],
  [OpCode.reconfig, ReconfigRequest],
  [OpCode.checkWatches, CheckWatchesRequest],
  [OpCode.removeWatches, RemoveWatchesRequest],
  [OpCode.auth, AuthPacket],
  [OpCode.setWatches, SetWatches],
  [OpCode.sasl, GetSASLRequest],
  [OpCode.getEphemerals, GetEphemeralsRequest],
  [OpCode.getAllChildrenNumber, GetAllChildrenNumberRequest],
  [OpCode.setWatches2, SetWatches2],
  [OpCode.addWatch, AddWatchRequest],
  [OpCode.whoAmI, null],
  [OpCode.closeSession, null],
  [OpCode.createSession, ConnectRequest],
]);

// FinalRequestProcessor (and ZooKeeperServer.processSasl for sasl).
const RESPONSES: ReadonlyMap<number, AnyRecord | null> = new Map<number, AnyRecord | null>([
  [OpCode.create, CreateResponse],
  [OpCode.create2, Create2Response],
  [OpCode.createContainer, Create2Response],
  [OpCode.createTTL, Create2Response],
  [OpCode.delete, null],
  [OpCode.deleteContainer, null],
  [OpCode.exists, ExistsResponse],
  [OpCode.getData, GetDataResponse],
  [OpCode.setData, SetDataResponse],
  [OpCode.getACL, GetACLResponse],
  [OpCode.setACL, SetACLResponse],
  [OpCode.getChildren, GetChildrenResponse],
  [OpCode.sync, SyncResponse],
  [OpCode.ping, null],
  [OpCode.getChildren2, GetChildren2Response],
  // A lone check is answered like setData (FinalRequestProcessor).
  [OpCode.check, SetDataResponse],
  [OpCode.multi, MultiResponse],
  [OpCode.multiRead, MultiResponse],
  // reconfig answers with the new config as data (FinalRequestProcessor).
  [OpCode.reconfig, GetDataResponse],
  [OpCode.checkWatches, null],
  [OpCode.removeWatches, null],
  [OpCode.auth, null],
  [OpCode.setWatches, null],
  [OpCode.sasl, SetSASLResponse],
  [OpCode.getEphemerals, GetEphemeralsResponse],
  [OpCode.getAllChildrenNumber, GetAllChildrenNumberResponse],
  [OpCode.setWatches2, null],
  // addWatch answers with ErrorResponse(0) (FinalRequestProcessor).
  [OpCode.addWatch, ErrorResponse],
  [OpCode.whoAmI, WhoAmIResponse],
  [OpCode.closeSession, null],
  [OpCode.createSession, ConnectResponse],
]);

/** Every txn body, by `TxnHeader.type`. */
export type AnyTxn =
  | CreateTxn
  | CreateTxnV0
  | CreateTTLTxn
  | CreateContainerTxn
  | DeleteTxn
  | SetDataTxn
  | CheckVersionTxn
  | SetACLTxn
  | CreateSessionTxn
  | CloseSessionTxn
  | ErrorTxn
  | MultiTxn;

// SerializeUtils.deserializeTxn; `check` only occurs inside a MultiTxn.
const TXNS: ReadonlyMap<number, JuteRecord<AnyTxn>> = new Map<number, JuteRecord<AnyTxn>>([
  [OpCode.createSession, CreateSessionTxn],
  [OpCode.closeSession, CloseSessionTxn],
  [OpCode.create, CreateTxn],
  [OpCode.create2, CreateTxn],
  [OpCode.createTTL, CreateTTLTxn],
  [OpCode.createContainer, CreateContainerTxn],
  [OpCode.delete, DeleteTxn],
  [OpCode.deleteContainer, DeleteTxn],
  [OpCode.reconfig, SetDataTxn],
  [OpCode.setData, SetDataTxn],
  [OpCode.setACL, SetACLTxn],
  [OpCode.error, ErrorTxn],
  [OpCode.multi, MultiTxn],
  [OpCode.check, CheckVersionTxn],
]);

/**
 * The record a client sends after its `RequestHeader` for an op, as Apache's
 * server reads it. `createSession` gives `ConnectRequest` (the handshake,
 * sent without a header); `multi` and `multiRead` give
 * {@linkcode MultiOperationRecord}; `auth` (xid -4) gives `AuthPacket`.
 *
 * @param opCode the `type` of the `RequestHeader`
 * @returns the body's codec; `null` when the op has no body (ping,
 * closeSession, whoAmI); `undefined` for an op code Apache does not know
 *
 * @example
 * ```ts
 * import { GetDataRequest, OpCode, requestRecord } from "@zkts/jute";
 * import assert from "node:assert/strict";
 * assert.equal(requestRecord(OpCode.getData), GetDataRequest);
 * assert.equal(requestRecord(OpCode.ping), null);
 * assert.equal(requestRecord(999), undefined);
 * ```
 */
export function requestRecord(opCode: number): JuteRecord<unknown> | null | undefined {
  return REQUESTS.get(opCode);
}

/**
 * The record Apache's server sends after the `ReplyHeader` when it answers an
 * op (FinalRequestProcessor). Apache sends it whenever it has one, even with
 * a non-zero `err` in a few cases; most failed requests get the header alone,
 * so a reader should decode a body only when bytes follow the header.
 *
 * @param opCode the `type` of the request being answered
 * @returns the body's codec; `null` when the answer is the header alone
 * (delete, ping, setWatches, auth, closeSession, ...); `undefined` for an op
 * code Apache does not know
 *
 * @example
 * ```ts
 * import { Create2Response, ErrorResponse, OpCode, responseRecord } from "@zkts/jute";
 * import assert from "node:assert/strict";
 * assert.equal(responseRecord(OpCode.createTTL), Create2Response);
 * assert.equal(responseRecord(OpCode.addWatch), ErrorResponse);
 * assert.equal(responseRecord(OpCode.delete), null);
 * ```
 */
export function responseRecord(opCode: number): JuteRecord<unknown> | null | undefined {
  return RESPONSES.get(opCode);
}

/**
 * The txn record that follows a `TxnHeader` of this type in a txn log, a
 * proposal or a `MultiTxn`'s `Txn` (SerializeUtils.deserializeTxn): e.g.
 * `create` and `create2` give `CreateTxn`, `reconfig` gives `SetDataTxn`.
 *
 * @param type the `type` of the `TxnHeader` (or of a `Txn` in a multi)
 * @returns the txn's codec, or `undefined` for a type with no txn
 *
 * @example Decode the ops of a MultiTxn
 * ```ts
 * import { decode, DeleteTxn, encode, OpCode, txnRecord } from "@zkts/jute";
 * import assert from "node:assert/strict";
 * const sub = { type: OpCode.delete, data: encode(DeleteTxn, { path: "/a" }) };
 * assert.deepEqual(decode(txnRecord(sub.type)!, sub.data!), { path: "/a" });
 * ```
 */
export function txnRecord(type: number): JuteRecord<AnyTxn> | undefined {
  return TXNS.get(type);
}
