import assert from "node:assert/strict";
import * as jute from "./mod.ts";

const { OpCode } = jute;

// [op, request body, response body] as FinalRequestProcessor / ClientCnxn use them.
const TABLE: [name: keyof typeof OpCode, req: unknown, rsp: unknown][] = [
  ["create", jute.CreateRequest, jute.CreateResponse],
  ["create2", jute.CreateRequest, jute.Create2Response],
  ["createContainer", jute.CreateRequest, jute.Create2Response],
  ["createTTL", jute.CreateTTLRequest, jute.Create2Response],
  ["delete", jute.DeleteRequest, null],
  ["exists", jute.ExistsRequest, jute.ExistsResponse],
  ["getData", jute.GetDataRequest, jute.GetDataResponse],
  ["setData", jute.SetDataRequest, jute.SetDataResponse],
  ["getACL", jute.GetACLRequest, jute.GetACLResponse],
  ["setACL", jute.SetACLRequest, jute.SetACLResponse],
  ["getChildren", jute.GetChildrenRequest, jute.GetChildrenResponse],
  ["sync", jute.SyncRequest, jute.SyncResponse],
  ["ping", null, null],
  ["getChildren2", jute.GetChildren2Request, jute.GetChildren2Response],
  ["check", jute.CheckVersionRequest, jute.SetDataResponse],
  ["multi", jute.MultiOperationRecord, jute.MultiResponse],
  ["multiRead", jute.MultiOperationRecord, jute.MultiResponse],
  ["reconfig", jute.ReconfigRequest, jute.GetDataResponse],
  ["checkWatches", jute.CheckWatchesRequest, null],
  ["removeWatches", jute.RemoveWatchesRequest, null],
  ["auth", jute.AuthPacket, null],
  ["setWatches", jute.SetWatches, null],
  ["sasl", jute.GetSASLRequest, jute.SetSASLResponse],
  ["getEphemerals", jute.GetEphemeralsRequest, jute.GetEphemeralsResponse],
  ["getAllChildrenNumber", jute.GetAllChildrenNumberRequest, jute.GetAllChildrenNumberResponse],
  ["setWatches2", jute.SetWatches2, null],
  ["addWatch", jute.AddWatchRequest, jute.ErrorResponse],
  ["whoAmI", null, jute.WhoAmIResponse],
  ["closeSession", null, null],
  ["createSession", jute.ConnectRequest, jute.ConnectResponse],
];

for (const [name, req, rsp] of TABLE) {
  Deno.test(`ops: ${name} (${OpCode[name]}) request and response bodies`, () => {
    assert.equal(jute.requestRecord(OpCode[name]), req);
    assert.equal(jute.responseRecord(OpCode[name]), rsp);
  });
}

Deno.test("ops: unknown op codes give undefined", () => {
  for (const op of [10, 23, 99, 108, -2]) {
    assert.equal(jute.requestRecord(op), undefined);
    assert.equal(jute.responseRecord(op), undefined);
  }
});

const TXNS: [name: keyof typeof OpCode, rec: unknown][] = [
  ["createSession", jute.CreateSessionTxn],
  ["closeSession", jute.CloseSessionTxn],
  ["create", jute.CreateTxn],
  ["create2", jute.CreateTxn],
  ["createTTL", jute.CreateTTLTxn],
  ["createContainer", jute.CreateContainerTxn],
  ["delete", jute.DeleteTxn],
  ["deleteContainer", jute.DeleteTxn],
  ["reconfig", jute.SetDataTxn],
  ["setData", jute.SetDataTxn],
  ["setACL", jute.SetACLTxn],
  ["error", jute.ErrorTxn],
  ["multi", jute.MultiTxn],
  ["check", jute.CheckVersionTxn],
];

for (const [name, rec] of TXNS) {
  Deno.test(`ops: txn type ${name} is ${(rec as jute.JuteRecord<unknown>).name}`, () => {
    assert.equal(jute.txnRecord(OpCode[name]), rec);
  });
}

Deno.test("ops: errorName and errorMessage use Apache's texts", () => {
  assert.equal(jute.errorName(jute.ErrorCode.Ok), "ok");
  assert.equal(jute.errorName(jute.ErrorCode.ApiError), "APIError");
  assert.equal(jute.errorName(jute.ErrorCode.UnknownSession), "Unknown error UNKNOWNSESSION");
  assert.equal(jute.errorName(jute.ErrorCode.RequestTimeout), "Unknown error REQUESTTIMEOUT");
  assert.equal(jute.errorName(jute.ErrorCode.Throttled), "Op throttled due to high load");
  assert.equal(
    jute.errorMessage(jute.ErrorCode.NodeExists, "/a"),
    "KeeperErrorCode = NodeExists for /a",
  );
});

Deno.test("ops: every ErrorCode has a distinct number", () => {
  const nums = Object.values(jute.ErrorCode);
  assert.equal(new Set(nums).size, nums.length);
  assert.equal(nums.length, 32);
});
