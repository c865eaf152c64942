import assert from "node:assert/strict";
import { OpCode } from "@zkts/jute";
import { DataTree, processRead, type ReadRequest, writeReply } from "./mod.ts";

const OPEN = [{ perms: 31, id: { scheme: "world", id: "anyone" } }];
const NOREAD = [{ perms: 30, id: { scheme: "world", id: "anyone" } }];
let zxid = 0n;
function tree(version?: "3.8" | "3.9") {
  const t = new DataTree<string>({ apacheVersion: version });
  const c = (path: string, acl = OPEN, owner = 0n) =>
    t.processTxn({ clientId: owner || 1n, cxid: 0, zxid: ++zxid, time: 0n, type: OpCode.create }, {
      path,
      data: new TextEncoder().encode(path),
      acl,
      ephemeral: owner !== 0n,
      parentCVersion: -1,
    });
  c("/a");
  c("/a/b");
  c("/a/e", OPEN, 9n);
  c("/secret", NOREAD);
  return t;
}
const ctx = { watcher: "w", sessionId: 9n, authInfo: [] };

Deno.test("processRead: each read's answer and error, as FinalRequestProcessor", () => {
  const cases: {
    name: string;
    req: ReadRequest;
    err: number;
    response?: unknown;
    version?: "3.8";
  }[] = [
    {
      name: "exists with a NUL is BadArguments",
      req: { type: OpCode.exists, request: { path: "/a\0", watch: false } },
      err: -8,
    },
    {
      name: "exists without READ is NoAuth (3.9)",
      req: { type: OpCode.exists, request: { path: "/secret", watch: false } },
      err: -102,
    },
    {
      name: "exists without READ answers (3.8)",
      req: { type: OpCode.exists, request: { path: "/secret", watch: false } },
      err: 0,
      version: "3.8",
    },
    {
      name: "getData without READ is NoAuth",
      req: { type: OpCode.getData, request: { path: "/secret", watch: false } },
      err: -102,
    },
    {
      name: "getChildren of a missing node is NoNode",
      req: { type: OpCode.getChildren, request: { path: "/x", watch: false } },
      err: -101,
    },
    {
      name: "getChildren answers the names alone",
      req: { type: OpCode.getChildren, request: { path: "/a", watch: false } },
      err: 0,
      response: { children: ["b", "e"] },
    },
    {
      name: "getAllChildrenNumber",
      req: { type: OpCode.getAllChildrenNumber, request: { path: "/a" } },
      err: 0,
      response: { totalNumber: 2 },
    },
    {
      name: "getEphemerals of the session, by prefix",
      req: { type: OpCode.getEphemerals, request: { prefixPath: "/a" } },
      err: 0,
      response: { ephemerals: ["/a/e"] },
    },
    {
      name: "sync answers its path",
      req: { type: OpCode.sync, request: { path: "/a" } },
      err: 0,
      response: { path: "/a" },
    },
    {
      name: "addWatch answers ErrorResponse(0)",
      req: { type: OpCode.addWatch, request: { path: "/a", mode: 1 } },
      err: 0,
      response: { err: 0 },
    },
    {
      name: "addWatch with an unknown mode is MarshallingError",
      req: { type: OpCode.addWatch, request: { path: "/a", mode: 7 } },
      err: -5,
    },
    {
      name: "removeWatches of nothing is NoWatcher",
      req: { type: OpCode.removeWatches, request: { path: "/a", type: 3 } },
      err: -121,
    },
    {
      name: "multiRead answers per op, errors included",
      req: {
        type: OpCode.multiRead,
        request: {
          ops: [
            { type: OpCode.getChildren, request: { path: "/a/b", watch: false } },
            { type: OpCode.getData, request: { path: "/secret", watch: false } },
          ],
        },
      },
      err: 0,
      response: {
        results: [{ type: OpCode.getChildren, children: [] }, { type: OpCode.error, err: -102 }],
      },
    },
  ];
  for (const c of cases) {
    const r = processRead(tree(c.version), c.req, ctx);
    assert.equal(r.err, c.err, c.name);
    if (c.response !== undefined) assert.deepEqual(r.response, c.response, c.name);
    if (c.err !== 0) assert.equal(r.response, null, c.name);
  }
});

Deno.test("processRead: setWatches2 answers the missed events at once", () => {
  const t = tree();
  const r = processRead(t, {
    type: OpCode.setWatches2,
    request: {
      relativeZxid: 0n,
      dataWatches: ["/a"],
      existWatches: ["/gone"],
      childWatches: [],
      persistentWatches: ["/p"],
      persistentRecursiveWatches: [],
    },
  }, ctx);
  assert.deepEqual(r.events.map((e) => [e.type, e.path]), [[3, "/a"]]);
  assert.ok(t.containsWatcher("/gone", 2, "w"));
  assert.ok(t.containsWatcher("/p", 4, "w"));
});

Deno.test("writeReply: failed writes answer their code alone; a failed multi answers its results", () => {
  const t = tree();
  const hdr = { clientId: 1n, cxid: 0, zxid: ++zxid, time: 0n, type: OpCode.error };
  assert.deepEqual(writeReply(OpCode.create, t.processTxn(hdr, { err: -110 })), {
    err: -110,
    response: null,
    events: [],
  });
  const rc = t.processTxn({ ...hdr, type: OpCode.multi }, {
    txns: [{ type: OpCode.error, data: new Uint8Array([255, 255, 255, 153]) }],
  });
  assert.deepEqual(writeReply(OpCode.multi, rc).response, {
    results: [{ type: OpCode.error, err: -103 }],
  });
  const set = t.processTxn({ ...hdr, type: OpCode.setData }, {
    path: "/a",
    data: null,
    version: 1,
  });
  assert.equal(
    (writeReply(OpCode.setData, set).response as { stat: { version: number } }).stat.version,
    1,
  );
  assert.deepEqual(
    writeReply(OpCode.delete, t.processTxn({ ...hdr, type: OpCode.delete }, { path: "/a/b" })),
    {
      err: 0,
      response: null,
      events: [],
    },
  );
});
