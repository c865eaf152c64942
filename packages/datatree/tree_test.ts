import assert from "node:assert/strict";
import { type Id, OpCode } from "@zkts/jute";
import { DataTree, Preparer, type WriteRequest } from "./mod.ts";

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array | null) => b === null ? null : new TextDecoder().decode(b);
const OPEN = [{ perms: 31, id: { scheme: "world", id: "anyone" } }];

/** A tiny server: prepare + apply with increasing zxids, as the request pipeline does. */
class Harness {
  tree = new DataTree<string>({ extendedTypesEnabled: true });
  prep = new Preparer(this.tree);
  zxid = 0n;
  time = 1_000n;
  events: { watcher: string; type: number; path: string }[] = [];
  write(session: bigint, req: WriteRequest, authInfo: Id[] = []) {
    const p = this.prep.prepare(req, {
      sessionId: session,
      cxid: 0,
      zxid: ++this.zxid,
      time: ++this.time,
      authInfo,
    });
    const rc = this.tree.processTxn(p.hdr, p.txn);
    this.prep.applied(p.hdr.zxid);
    for (const e of rc.events) this.events.push({ watcher: e.watcher, type: e.type, path: e.path });
    return { rc, err: p.error?.code ?? 0, txn: p.txn };
  }
  create(session: bigint, path: string, data: string, flags = 0) {
    return this.write(session, {
      type: OpCode.create,
      request: { path, data: enc(data), acl: OPEN, flags },
    });
  }
}

Deno.test("the seeds' zkCli transcript on /china", () => {
  const h = new Harness();
  const s1 = 0x100000075680000n;
  const s2 = 0x100000075680001n;
  h.write(s1, { type: OpCode.createSession, request: { timeOut: 30000 } });
  const created = h.create(s1, "/china", "999");
  assert.equal(created.rc.path, "/china");
  const czxid = h.zxid;
  // One earlier child change, as in the seed (its first suffix is 1).
  h.create(s1, "/china/tmp", "");
  h.write(s1, { type: OpCode.delete, request: { path: "/china/tmp", version: -1 } });
  const seq = ["beijing", "shanghai", "guangzhou"].map((n) =>
    h.create(s1, `/china/${n}`, n, 2).rc.path
  );
  assert.deepEqual(seq, [
    "/china/beijing0000000001",
    "/china/shanghai0000000002",
    "/china/guangzhou0000000003",
  ]);
  const bj = h.tree.getData("/china/beijing0000000001");
  assert.equal(dec(bj.data), "beijing");
  assert.equal(bj.stat.pzxid, bj.stat.czxid, "a leaf's pzxid is its czxid");
  assert.equal(bj.stat.ephemeralOwner, 0n);
  h.write(s2, { type: OpCode.createSession, request: { timeOut: 30000 } });
  const eph = ["aaa", "bbb", "ccc"].map((n) => h.create(s2, `/china/${n}`, n[0].toUpperCase(), 1));
  assert.ok(eph.every((e) => e.err === 0));
  const lastCreate = h.zxid;
  let china = h.tree.getData("/china").stat;
  assert.equal(china.numChildren, 6);
  assert.equal(china.cversion, 8);
  assert.equal(china.pzxid, lastCreate, "pZxid = last child create");
  assert.equal(china.czxid, czxid);
  assert.equal(china.mzxid, czxid, "child creation leaves mZxid");
  assert.equal(china.dataLength, 3);
  assert.equal(h.tree.stat("/china/aaa")!.ephemeralOwner, s2);
  assert.equal(h.tree.stat("/china/aaa")!.dataLength, 1);
  assert.deepEqual(h.tree.getEphemerals(s2).sort(), ["/china/aaa", "/china/bbb", "/china/ccc"]);
  // The session ends: its ephemerals go in one closeSession txn.
  const closed = h.write(s2, { type: OpCode.closeSession });
  assert.equal((closed.txn as { paths2Delete: string[] }).paths2Delete.length, 3);
  china = h.tree.getData("/china").stat;
  assert.equal(china.numChildren, 3);
  assert.equal(china.cversion, 11);
  assert.equal(china.pzxid, h.zxid, "pZxid moved to the closeSession zxid");
  assert.deepEqual(h.tree.getEphemerals(s2), []);
  // set /china 888: dataVersion 0 → 1, mZxid/mtime change, the rest stays.
  h.write(s1, { type: OpCode.createSession, request: { timeOut: 30000 } });
  const before = h.tree.getData("/china").stat;
  const set = h.write(s1, {
    type: OpCode.setData,
    request: { path: "/china", data: enc("888"), version: -1 },
  });
  const after = set.rc.stat!;
  assert.equal(after.version, 1);
  assert.equal(after.mzxid, h.zxid);
  assert.notEqual(after.mtime, before.mtime);
  assert.deepEqual(
    [after.czxid, after.pzxid, after.cversion, after.ctime],
    [before.czxid, before.pzxid, before.cversion, before.ctime],
  );
  assert.equal(dec(h.tree.getData("/china").data), "888");
  // delete a leaf: the parent's pzxid and cversion change; delete /china: NotEmpty.
  h.write(s1, {
    type: OpCode.delete,
    request: { path: "/china/guangzhou0000000003", version: -1 },
  });
  china = h.tree.getData("/china").stat;
  assert.deepEqual([china.numChildren, china.cversion, china.pzxid], [2, 12, h.zxid]);
  assert.deepEqual(h.tree.getChildren("/china").children, [
    "beijing0000000001",
    "shanghai0000000002",
  ]);
  const notEmpty = h.write(s1, { type: OpCode.delete, request: { path: "/china", version: -1 } });
  assert.equal(notEmpty.err, -111);
  assert.equal(notEmpty.rc.err, -111);
  assert.equal(notEmpty.rc.type, OpCode.error);
});

Deno.test("sequence numbers: a shared per-parent counter, not reset by deletes", () => {
  const h = new Harness();
  h.create(1n, "/q", "");
  const a = h.create(1n, "/q/a-", "", 2).rc.path;
  h.write(1n, { type: OpCode.delete, request: { path: a!, version: -1 } });
  const b = h.create(1n, "/q/b-", "", 3).rc.path;
  h.create(1n, "/q/plain", "");
  const c = h.create(1n, "/q/a-", "", 2).rc.path;
  assert.deepEqual([a, b, c], ["/q/a-0000000000", "/q/b-0000000001", "/q/a-0000000003"]);
});

Deno.test("container and TTL nodes: owner encodings, client view, candidates", () => {
  const h = new Harness();
  h.write(1n, {
    type: OpCode.createContainer,
    request: { path: "/c", data: enc(""), acl: OPEN, flags: 4 },
  });
  h.write(1n, {
    type: OpCode.createTTL,
    request: { path: "/t", data: enc("x"), acl: OPEN, flags: 5, ttl: 100n },
  });
  assert.equal(h.tree.statPersisted("/c")!.ephemeralOwner, -0x8000000000000000n);
  assert.equal(h.tree.statPersisted("/t")!.ephemeralOwner, -0xffffffffffff9cn);
  assert.equal(h.tree.stat("/c")!.ephemeralOwner, 0n);
  assert.equal(h.tree.stat("/t")!.ephemeralOwner, 0n);
  assert.deepEqual(h.tree.containerCandidates(h.time + 1n), [], "a never-used container stays");
  h.create(1n, "/c/kid", "");
  h.write(1n, { type: OpCode.delete, request: { path: "/c/kid", version: -1 } });
  assert.deepEqual(h.tree.containerCandidates(h.time + 1n), ["/c"]);
  assert.deepEqual(h.tree.containerCandidates(h.time + 1000n), ["/c", "/t"]);
  const del = h.write(1n, { type: OpCode.deleteContainer, request: { path: "/c" } });
  assert.equal(del.err, 0);
  assert.equal(h.tree.has("/c"), false);
});

Deno.test("getAllChildrenNumber counts descendants; '/' counts all but the root", () => {
  const h = new Harness();
  h.create(1n, "/a", "");
  h.create(1n, "/a/b", "");
  h.create(1n, "/a/b/c", "");
  h.create(1n, "/a/d", "");
  assert.equal(h.tree.getAllChildrenNumber("/a"), 3);
  assert.equal(h.tree.getAllChildrenNumber("/a/b/c"), 0);
  assert.equal(h.tree.getAllChildrenNumber("/"), 7); // zookeeper, quota, config, a, b, c, d
});

Deno.test("system nodes: /zookeeper, /zookeeper/quota and /zookeeper/config as Apache creates them", () => {
  const t = new DataTree();
  assert.deepEqual(t.getChildren("/").children, ["zookeeper"]);
  assert.deepEqual(t.getChildren("/zookeeper").children.sort(), ["config", "quota"]);
  assert.deepEqual(t.getACL("/zookeeper/config").acl, [{
    perms: 1,
    id: { scheme: "world", id: "anyone" },
  }]);
  assert.deepEqual(t.getACL("/zookeeper").acl, OPEN);
  const st = t.stat("/zookeeper")!;
  assert.deepEqual([st.czxid, st.mzxid, st.version, st.cversion, st.numChildren], [
    0n,
    0n,
    0,
    -2,
    2,
  ]);
  assert.equal(t.stat("/")!.cversion, -1, "root: no creation counted, one child");
  assert.equal(t.aclCacheSize, 1);
});

Deno.test("applying a create whose node exists (fuzzy snapshot replay) moves the parent's cversion", () => {
  const t = new DataTree();
  const hdr = (zxid: bigint) => ({ clientId: 1n, cxid: 0, zxid, time: 0n, type: OpCode.create });
  const txn = { path: "/a", data: null, acl: OPEN, ephemeral: false, parentCVersion: 1 };
  assert.equal(t.processTxn(hdr(1n), txn).err, 0);
  const rc = t.processTxn(hdr(2n), { ...txn, parentCVersion: 5 });
  assert.equal(rc.err, -110);
  assert.equal(t.statPersisted("/")!.cversion, 5);
  assert.equal(t.statPersisted("/")!.pzxid, 2n);
  assert.equal(t.lastProcessedZxid, 2n);
});

Deno.test("null data is kept apart from empty data", () => {
  const t = new DataTree();
  const hdr = { clientId: 1n, cxid: 0, zxid: 1n, time: 0n, type: OpCode.create };
  t.processTxn(hdr, { path: "/n", data: null, acl: OPEN, ephemeral: false, parentCVersion: -1 });
  t.processTxn({ ...hdr, zxid: 2n }, {
    path: "/e",
    data: enc(""),
    acl: OPEN,
    ephemeral: false,
    parentCVersion: -1,
  });
  assert.equal(t.getData("/n").data, null);
  assert.deepEqual(t.getData("/e").data, new Uint8Array(0));
  assert.equal(t.stat("/n")!.dataLength, 0);
});

Deno.test("reads of a missing node throw NoNode; exists returns null", () => {
  const t = new DataTree();
  for (const f of [() => t.getData("/x"), () => t.getChildren("/x"), () => t.getACL("/x")]) {
    assert.throws(f, { code: -101 });
  }
  assert.equal(t.exists("/x"), null);
});

Deno.test("getEphemerals: all, or those under a prefix (blank and '/' mean all)", () => {
  const h = new Harness();
  h.create(1n, "/a", "");
  h.create(7n, "/a/e1", "", 1);
  h.create(7n, "/e2", "", 1);
  const cases: [string | null | undefined, string[]][] = [
    [undefined, ["/a/e1", "/e2"]],
    [null, ["/a/e1", "/e2"]],
    ["  ", ["/a/e1", "/e2"]],
    [" / ", ["/a/e1", "/e2"]],
    ["/a", ["/a/e1"]],
    ["/e", ["/e2"]],
    ["/x", []],
  ];
  for (const [prefix, want] of cases) {
    assert.deepEqual(h.tree.getEphemerals(7n, prefix).sort(), want, `${prefix}`);
  }
});

Deno.test("a CreateTxnV0 (no parentCVersion) applies as parentCVersion -1", () => {
  const t = new DataTree();
  const rc = t.processTxn(
    { clientId: 1n, cxid: 0, zxid: 1n, time: 0n, type: OpCode.create },
    { path: "/old", data: null, acl: OPEN, ephemeral: false },
  );
  assert.equal(rc.err, 0);
  assert.equal(t.statPersisted("/")!.cversion, 1);
  assert.equal(t.statPersisted("/")!.pzxid, 1n);
});

Deno.test("approximateDataSize and apacheNodeCount as mntr reports them", () => {
  const h = new Harness();
  const fresh = new DataTree();
  assert.equal(
    fresh.approximateDataSize,
    44,
    '"" + "/" + /zookeeper + /zookeeper/quota + /zookeeper/config',
  );
  assert.equal(fresh.apacheNodeCount, 5);
  const base = h.tree.approximateDataSize;
  h.create(1n, "/abc", "12345");
  assert.equal(h.tree.approximateDataSize, base + 4 + 5);
  h.write(1n, { type: OpCode.setData, request: { path: "/abc", data: enc("1"), version: -1 } });
  assert.equal(h.tree.approximateDataSize, base + 4 + 1);
  h.write(1n, { type: OpCode.delete, request: { path: "/abc", version: -1 } });
  assert.equal(h.tree.approximateDataSize, base);
});

Deno.test("closeSession without a txn body (before 3.6) deletes every ephemeral of the session", () => {
  const h = new Harness();
  h.create(5n, "/e1", "", 1);
  h.create(5n, "/e2", "", 1);
  h.create(6n, "/other", "", 1);
  const rc = h.tree.processTxn({
    clientId: 5n,
    cxid: 0,
    zxid: ++h.zxid,
    time: 0n,
    type: OpCode.closeSession,
  }, null);
  assert.equal(rc.err, 0);
  assert.deepEqual([h.tree.has("/e1"), h.tree.has("/e2"), h.tree.has("/other")], [
    false,
    false,
    true,
  ]);
  assert.equal(h.tree.statPersisted("/")!.pzxid, h.zxid);
});

Deno.test("containerCandidates: never-used containers after maxNeverUsedIntervalMs", () => {
  const h = new Harness();
  h.write(1n, {
    type: OpCode.createContainer,
    request: { path: "/c", data: null, acl: OPEN, flags: 4 },
  });
  const mtime = h.tree.stat("/c")!.mtime;
  assert.deepEqual(h.tree.containerCandidates(mtime + 100n, 0n), []);
  assert.deepEqual(h.tree.containerCandidates(mtime + 100n, 50n), ["/c"]);
  assert.deepEqual(h.tree.containerCandidates(mtime + 10n, 50n), []);
});

Deno.test("getDataBorrowed lends a view that outlives later writes unchanged", () => {
  const h = new Harness();
  h.create(1n, "/a", "first");
  const view = h.tree.getDataBorrowed("/a").data!;
  for (let i = 0; i < 2000; i++) {
    h.write(1n, {
      type: OpCode.setData,
      request: { path: "/a", data: new Uint8Array(1000).fill(i), version: -1 },
    });
  }
  assert.equal(dec(view), "first");
  assert.equal(h.tree.getData("/a").data![0], 1999 & 0xff);
});

Deno.test("setCversionPzxid only moves forward; -1 means current + 1", () => {
  const t = new DataTree();
  t.setCversionPzxid("/zookeeper/", 3, 10n);
  assert.deepEqual(
    [t.statPersisted("/zookeeper")!.cversion, t.statPersisted("/zookeeper")!.pzxid],
    [3, 10n],
  );
  t.setCversionPzxid("/zookeeper", 2, 20n);
  assert.deepEqual(
    [t.statPersisted("/zookeeper")!.cversion, t.statPersisted("/zookeeper")!.pzxid],
    [3, 10n],
  );
  t.setCversionPzxid("/zookeeper", -1, 30n);
  assert.deepEqual(
    [t.statPersisted("/zookeeper")!.cversion, t.statPersisted("/zookeeper")!.pzxid],
    [4, 30n],
  );
  assert.throws(() => t.setCversionPzxid("/nope", 1, 1n), { code: -101 });
});
