// Hand-built byte vectors, written from reading Apache's serialization code
// (generated record classes, ClientCnxn, ProtocolManager, SerializeUtils).
import assert from "node:assert/strict";
import * as jute from "./mod.ts";
import { fromHex, toHex } from "./_test_util.ts";

const stat: jute.Stat = {
  czxid: 0x100000002n,
  mzxid: 0x100000003n,
  ctime: 1700000000000n,
  mtime: 1700000000001n,
  version: 1,
  cversion: 0,
  aversion: 0,
  ephemeralOwner: 0n,
  dataLength: 2,
  numChildren: 0,
  pzxid: 0x100000002n,
};
const STAT_HEX = "0000000100000002 0000000100000003 0000018bcfe56800 0000018bcfe56801" +
  "00000001 00000000 00000000 0000000000000000 00000002 00000000 0000000100000002";

const openAcl: jute.ACL[] = [{ perms: jute.Perms.All, id: { scheme: "world", id: "anyone" } }];
const OPEN_ACL_HEX = "00000001 0000001f 00000005 776f726c64 00000006 616e796f6e65";

// deno-lint-ignore no-explicit-any
const CASES: [name: string, rec: jute.JuteRecord<any>, value: unknown, hex: string][] = [
  ["RequestHeader xid 1 getData", jute.RequestHeader, { xid: 1, type: 4 }, "00000001 00000004"],
  ["RequestHeader ping", jute.RequestHeader, { xid: -2, type: 11 }, "fffffffe 0000000b"],
  [
    "ReplyHeader NoNode",
    jute.ReplyHeader,
    { xid: 1, zxid: 0x100000002n, err: -101 },
    "00000001 0000000100000002 ffffff9b",
  ],
  [
    "ConnectRequest of a 3.4+ client (readOnly byte)",
    jute.ConnectRequest,
    {
      protocolVersion: 0,
      lastZxidSeen: 0n,
      timeOut: 30000,
      sessionId: 0n,
      passwd: new Uint8Array(16),
      readOnly: false,
    },
    "00000000 0000000000000000 00007530 0000000000000000 00000010" + "00".repeat(16) + "00",
  ],
  [
    "ConnectRequest of an old client (no readOnly byte)",
    jute.ConnectRequest,
    {
      protocolVersion: 0,
      lastZxidSeen: 0x200000001n,
      timeOut: 4000,
      sessionId: 0x1000000a3b40001n,
      passwd: new Uint8Array([1, 2]),
    },
    "00000000 0000000200000001 00000fa0 01000000a3b40001 00000002 0102",
  ],
  [
    "ConnectResponse read-only server",
    jute.ConnectResponse,
    {
      protocolVersion: 0,
      timeOut: 30000,
      sessionId: 0x1000000a3b40001n,
      passwd: new Uint8Array(16).fill(0xaa),
      readOnly: true,
    },
    "00000000 00007530 01000000a3b40001 00000010" + "aa".repeat(16) + "01",
  ],
  [
    "WatcherEvent NodeDataChanged /a",
    jute.WatcherEvent,
    { type: jute.EventType.NodeDataChanged, state: jute.KeeperState.SyncConnected, path: "/a" },
    "00000003 00000003 00000002 2f61",
  ],
  [
    "CreateRequest ephemeral sequential, null data",
    jute.CreateRequest,
    { path: "/lock-", data: null, acl: openAcl, flags: jute.CreateMode.EphemeralSequential },
    "00000006 2f6c6f636b2d ffffffff" + OPEN_ACL_HEX + "00000003",
  ],
  [
    "CreateTTLRequest",
    jute.CreateTTLRequest,
    { path: "/t", data: new Uint8Array(0), acl: openAcl, flags: 5, ttl: 60000n },
    "00000002 2f74 00000000" + OPEN_ACL_HEX + "00000005 000000000000ea60",
  ],
  ["Stat", jute.Stat, stat, STAT_HEX],
  [
    "GetDataResponse",
    jute.GetDataResponse,
    { data: new Uint8Array([0x68, 0x69]), stat },
    "00000002 6869" + STAT_HEX,
  ],
  [
    "GetChildren2Response",
    jute.GetChildren2Response,
    { children: ["a", "b"], stat },
    "00000002 00000001 61 00000001 62" + STAT_HEX,
  ],
  [
    "SetWatches2",
    jute.SetWatches2,
    {
      relativeZxid: 5n,
      dataWatches: ["/d"],
      existWatches: [],
      childWatches: [],
      persistentWatches: [],
      persistentRecursiveWatches: ["/r"],
    },
    "0000000000000005 00000001 00000002 2f64 00000000 00000000 00000000 00000001 00000002 2f72",
  ],
  [
    "AuthPacket digest",
    jute.AuthPacket,
    { type: 0, scheme: "digest", auth: new Uint8Array([0x75, 0x3a, 0x70]) },
    "00000000 00000006 646967657374 00000003 753a70",
  ],
  [
    "ReconfigRequest with null members",
    jute.ReconfigRequest,
    { joiningServers: "server.4=h:1:2", leavingServers: null, newMembers: null, curConfigId: -1n },
    "0000000e 7365727665722e343d683a313a32 ffffffff ffffffff ffffffffffffffff",
  ],
  [
    "QuorumPacket PROPOSAL with no authinfo",
    jute.QuorumPacket,
    { type: jute.PacketType.PROPOSAL, zxid: 0x100000001n, data: new Uint8Array([7]), authinfo: [] },
    "00000002 0000000100000001 00000001 07 00000000",
  ],
  [
    "QuorumPacket ACK as Apache builds it (null data and authinfo)",
    jute.QuorumPacket,
    { type: jute.PacketType.ACK, zxid: 0x200000005n, data: null, authinfo: null },
    "00000003 0000000200000005 ffffffff ffffffff",
  ],
  [
    "FileHeader of a txn log",
    jute.FileHeader,
    { magic: jute.FileMagic.TXNLOG, version: 2, dbid: 0n },
    "5a4b4c47 00000002 0000000000000000",
  ],
  [
    "TxnEntry create with digest",
    jute.TxnEntry,
    {
      header: {
        clientId: 0x1000000a3b40001n,
        cxid: 1,
        zxid: 0x100000002n,
        time: 1700000000000n,
        type: 1,
      },
      txn: {
        path: "/a",
        data: new Uint8Array([1]),
        acl: openAcl,
        ephemeral: false,
        parentCVersion: 1,
      },
      digest: { version: 2, treeDigest: 0x1234n },
    },
    "01000000a3b40001 00000001 0000000100000002 0000018bcfe56800 00000001" +
    "00000002 2f61 00000001 01" + OPEN_ACL_HEX + "00 00000001" +
    "00000002 0000000000001234",
  ],
  [
    "TxnEntry closeSession from before CloseSessionTxn (no body)",
    jute.TxnEntry,
    {
      header: { clientId: 5n, cxid: 0, zxid: 9n, time: 0n, type: jute.OpCode.closeSession },
      txn: null,
    },
    "0000000000000005 00000000 0000000000000009 0000000000000000 fffffff5",
  ],
  [
    "TxnEntry CreateTxnV0 (no parentCVersion)",
    jute.TxnEntry,
    {
      header: { clientId: 5n, cxid: 0, zxid: 9n, time: 0n, type: jute.OpCode.create },
      txn: { path: "/a", data: null, acl: [], ephemeral: true },
    },
    "0000000000000005 00000000 0000000000000009 0000000000000000 00000001" +
    "00000002 2f61 ffffffff 00000000 01",
  ],
  [
    "TxnEntry createSession",
    jute.TxnEntry,
    {
      header: { clientId: 7n, cxid: 0, zxid: 1n, time: 2n, type: jute.OpCode.createSession },
      txn: { timeOut: 30000 },
      digest: { version: 2, treeDigest: -1n },
    },
    "0000000000000007 00000000 0000000000000001 0000000000000002 fffffff6 00007530" +
    "00000002 ffffffffffffffff",
  ],
  [
    "MultiTxn of a setData",
    jute.MultiTxn,
    { txns: [{ type: 5, data: new Uint8Array([0, 0, 0, 0]) }] },
    "00000001 00000005 00000004 00000000",
  ],
  [
    "SnapshotNode root",
    jute.SnapshotNode,
    {
      path: "",
      node: {
        data: new Uint8Array(0),
        acl: -1n,
        stat: {
          czxid: 0n,
          mzxid: 0n,
          ctime: 0n,
          mtime: 0n,
          version: 0,
          cversion: 1,
          aversion: 0,
          ephemeralOwner: 0n,
          pzxid: 2n,
        },
      },
    },
    "00000000 00000000 ffffffffffffffff" + "0000000000000000".repeat(4) +
    "00000000 00000001 00000000 0000000000000000 0000000000000002",
  ],
  [
    "ACLCache one entry",
    jute.ACLCache,
    [{ id: 1n, acls: openAcl }],
    "00000001 0000000000000001" + OPEN_ACL_HEX,
  ],
  [
    "ZxidDigest old hex layout",
    jute.ZxidDigest,
    { zxid: 3n, digestVersion: 1, digest: "ff" },
    "0000000000000003 00000001 00000002 6666",
  ],
  [
    "MultiResponse of a failed multi",
    jute.MultiResponse,
    {
      results: [{ type: -1, err: 0 }, { type: -1, err: -110 }, { type: -1, err: -2 }],
    },
    "ffffffff 00 00000000 00000000" + "ffffffff 00 ffffff92 ffffff92" +
    "ffffffff 00 fffffffe fffffffe" + "ffffffff 01 ffffffff",
  ],
];

for (const [name, rec, value, hex] of CASES) {
  Deno.test(`records: ${name} matches hand-built bytes both ways`, () => {
    const want = toHex(fromHex(hex));
    assert.equal(toHex(jute.encode(rec, value)), want);
    assert.deepEqual(jute.decode(rec, fromHex(hex)), value);
  });
}

const BAD: [name: string, rec: jute.JuteRecord<unknown>, hex: string, message: RegExp][] = [
  [
    "truncated CreateRequest",
    jute.CreateRequest,
    "00000002 2f61 0000",
    /^CreateRequest: truncated: int needs 4 bytes, 2 left at byte offset 6$/,
  ],
  [
    "Stat with a trailing byte",
    jute.Stat,
    STAT_HEX + "00",
    /^Stat: 1 trailing bytes at byte offset 68$/,
  ],
  [
    "multi with an unknown op",
    jute.MultiOperationRecord,
    "00000063 00 ffffffff",
    /^MultiOperationRecord: invalid op type 99 in MultiOperationRecord at byte offset 0$/,
  ],
  [
    "multi with deleteContainer",
    jute.MultiOperationRecord,
    "00000014 00 ffffffff",
    /invalid op type 20/,
  ],
  [
    "multi missing its done header",
    jute.MultiOperationRecord,
    "00000002 00 ffffffff 00000002 2f61 ffffffff",
    /truncated: int needs 4 bytes, 0 left at byte offset 19/,
  ],
  [
    "MultiResponse with an unknown type",
    jute.MultiResponse,
    "00000007 00 00000000",
    /invalid type|invalid op type 7 in MultiResponse/,
  ],
  [
    "TxnEntry with an unknown type",
    jute.TxnEntry,
    "00".repeat(28) + "00000063",
    /unsupported txn type 99 at byte offset 0/,
  ],
  [
    "TxnEntry with a cut digest",
    jute.TxnEntry,
    "0000000000000007 00000000 0000000000000001 0000000000000002 fffffff6 00007530 0000",
    /truncated/,
  ],
  [
    "GetChildrenResponse with a null child",
    jute.GetChildrenResponse,
    "00000001 ffffffff",
    /null string where one is required at byte offset 4/,
  ],
  [
    "WatcherEvent path length beyond the frame",
    jute.WatcherEvent,
    "00000001 00000003 000fffff 2f",
    /string of length 1048575, 1 bytes left/,
  ],
];

for (const [name, rec, hex, message] of BAD) {
  Deno.test(`records: ${name} is a JuteDecodeError naming the record`, () => {
    assert.throws(() => jute.decode(rec, fromHex(hex)), (e: unknown) => {
      assert.ok(e instanceof jute.JuteDecodeError, String(e));
      assert.match(e.message, message);
      assert.equal(e.record, rec.name);
      return true;
    });
  });
}

Deno.test("records: readRecord names the record but leaves later bytes", () => {
  const bytes = fromHex("00000001 0000000000000005 00000000 ffff");
  const r = new jute.JuteReader(bytes);
  assert.deepEqual(jute.readRecord(jute.ReplyHeader, r), { xid: 1, zxid: 5n, err: 0 });
  assert.equal(r.remaining, 2);
  assert.throws(() => jute.readRecord(jute.ReplyHeader, r), /^Error|ReplyHeader: truncated/);
});

Deno.test("records: decode with borrow returns buffers as views of the input", () => {
  const bytes = jute.encode(jute.GetDataResponse, { data: new Uint8Array([1, 2, 3]), stat });
  const v = jute.decode(jute.GetDataResponse, bytes, { borrow: true });
  assert.equal(v.data!.buffer, bytes.buffer);
});
