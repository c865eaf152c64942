import assert from "node:assert/strict";
import { DataTree } from "@zkts/datatree";
import {
  AuthPacket,
  ConnectRequest,
  ConnectResponse,
  CreateRequest,
  decode,
  encode,
  ErrorCode,
  GetDataRequest,
  GetDataResponse,
  JuteReader,
  JuteWriter,
  OpCode,
  ReplyHeader,
  RequestHeader,
  SetDataRequest,
  SyncRequest,
} from "@zkts/jute";
import { type Conn, type Effects, ServerCore } from "./core.ts";
import { silentLogger } from "./log.ts";

const ACL = [{ perms: 31, id: { scheme: "world", id: "anyone" } }];

function harness() {
  const clock = { now: 0 };
  const core = new ServerCore(new DataTree<Conn>(), {
    tickTimeMs: 100,
    minSessionTimeoutMs: 200,
    maxSessionTimeoutMs: 2000,
    maxClientCnxns: 2,
    skipACL: false,
    reconfigEnabled: false,
    serverId: 1,
    lastZxid: 0n,
    logger: silentLogger,
  }, { nowMs: () => clock.now, wallMs: () => 1_700_000_000_000 + clock.now });
  /** Everything durable at once: apply what was persisted. */
  const settle = (fx: Effects): Effects => {
    const out: Effects = { persist: [], send: [...fx.send], close: [...fx.close] };
    if (fx.persist.length > 0) {
      const more = core.logged(fx.persist[fx.persist.length - 1].prepared.hdr.zxid);
      out.send.push(...more.send);
      out.close.push(...more.close);
    }
    return out;
  };
  const open = (id: number, timeOut = 1000): bigint => {
    core.connect(id, "127.0.0.1", 40000 + id);
    const fx = settle(core.receive(
      id,
      encode(ConnectRequest, {
        protocolVersion: 0,
        lastZxidSeen: 0n,
        timeOut,
        sessionId: 0n,
        passwd: new Uint8Array(16),
        readOnly: false,
      }),
    ));
    const rsp = decode(ConnectResponse, fx.send[0].bytes.subarray(4));
    return rsp.sessionId;
  };
  return { core, clock, settle, open };
}

function request(xid: number, type: number, write?: (w: JuteWriter) => void): Uint8Array {
  const w = new JuteWriter();
  RequestHeader.write(w, { xid, type });
  write?.(w);
  return w.toBytes();
}

function replies(fx: Effects, conn: number): { xid: number; err: number; body: JuteReader }[] {
  return fx.send.filter((s) => s.conn === conn).map((s) => {
    const r = new JuteReader(s.bytes.subarray(4));
    const h = ReplyHeader.read(r);
    return { xid: h.xid, err: h.err, body: r };
  });
}

const create = (xid: number, path: string) =>
  request(
    xid,
    OpCode.create,
    (w) => CreateRequest.write(w, { path, data: null, acl: ACL, flags: 0 }),
  );
const getData = (xid: number, path: string) =>
  request(xid, OpCode.getData, (w) => GetDataRequest.write(w, { path, watch: false }));

Deno.test("core: a read behind a write of the same connection waits for it; others do not", () => {
  const { core, open } = harness();
  open(1);
  open(2);
  const fx1 = core.receive(1, create(1, "/a"));
  assert.equal(fx1.persist.length, 1, "the create is to be logged");
  assert.equal(fx1.send.length, 0, "no reply before the txn is durable");
  const fx2 = core.receive(1, getData(2, "/a"));
  assert.equal(fx2.send.length, 0, "the read waits behind the write");
  const other = core.receive(2, getData(1, "/a"));
  assert.deepEqual(replies(other, 2).map((r) => r.err), [ErrorCode.NoNode], "not yet applied");
  const done = core.logged(fx1.persist[0].prepared.hdr.zxid);
  const r = replies(done, 1);
  assert.deepEqual(r.map((x) => [x.xid, x.err]), [[1, 0], [2, 0]], "in request order");
  assert.equal(GetDataResponse.read(r[1].body).stat.czxid, fx1.persist[0].prepared.hdr.zxid);
});

Deno.test("core: pipelined writes share one group commit and reply in order", () => {
  const { core, open } = harness();
  open(1);
  const persisted = [];
  for (let i = 0; i < 5; i++) persisted.push(...core.receive(1, create(i + 1, `/n${i}`)).persist);
  const zxids = persisted.map((p) => p.prepared.hdr.zxid);
  assert.deepEqual(zxids, [...zxids].sort((a, b) => (a < b ? -1 : 1)), "zxids increase");
  const done = core.logged(zxids[4]);
  assert.deepEqual(replies(done, 1).map((r) => r.xid), [1, 2, 3, 4, 5]);
});

Deno.test("core: a silent session expires at its tick boundary and its ephemerals go", () => {
  const { core, clock, settle, open } = harness();
  open(1, 300); // 300 ms: expires at round(0 + 300) = 400
  const eph = request(
    1,
    OpCode.create,
    (w) => CreateRequest.write(w, { path: "/e", data: null, acl: ACL, flags: 1 }),
  );
  settle(core.receive(1, eph));
  assert.ok(core.tree.has("/e"));
  clock.now = 399;
  assert.equal(core.tick().persist.length, 0);
  clock.now = 400;
  const fx = settle(core.tick());
  assert.deepEqual(fx.close, [1], "the expired session's connection is closed");
  assert.ok(!core.tree.has("/e"));
  assert.equal(core.sessions.size, 0);
});

Deno.test("core: unknown ops get Unimplemented and the connection closes", () => {
  const { core, open } = harness();
  open(1);
  const fx = core.receive(1, request(9, 999));
  assert.deepEqual(replies(fx, 1).map((r) => r.err), [ErrorCode.Unimplemented]);
  // UnimplementedRequestProcessor: the reply carries the request's zxid, -1.
  const h = ReplyHeader.read(new JuteReader(fx.send[0].bytes.subarray(4)));
  assert.equal(h.zxid, -1n);
  assert.deepEqual(fx.close, [1]);
});

Deno.test("core: auth with an unknown scheme fails and closes; digest adds an id", () => {
  const { core, open } = harness();
  open(1);
  const ok = core.receive(
    1,
    request(
      -4,
      OpCode.auth,
      (w) =>
        AuthPacket.write(w, { type: 0, scheme: "digest", auth: new TextEncoder().encode("u:p") }),
    ),
  );
  assert.deepEqual(replies(ok, 1).map((r) => [r.xid, r.err]), [[-4, 0]]);
  assert.ok(core.conn(1)!.authInfo.some((id) => id.scheme === "digest" && id.id.startsWith("u:")));
  const bad = core.receive(
    1,
    request(
      -4,
      OpCode.auth,
      (w) => AuthPacket.write(w, { type: 0, scheme: "kerberos", auth: new Uint8Array(1) }),
    ),
  );
  assert.deepEqual(replies(bad, 1).map((r) => r.err), [ErrorCode.AuthFailed]);
  assert.deepEqual(bad.close, [1]);
});

Deno.test("core: maxClientCnxns per IP refuses the next connection", () => {
  const { core } = harness();
  assert.deepEqual(core.connect(1, "10.0.0.1", 1).close, []);
  assert.deepEqual(core.connect(2, "10.0.0.1", 2).close, []);
  assert.deepEqual(core.connect(3, "10.0.0.1", 3).close, [3]);
  core.disconnected(1);
  assert.deepEqual(core.connect(4, "10.0.0.1", 4).close, []);
});

Deno.test("core: a garbage frame closes only its connection", () => {
  const { core, open } = harness();
  open(1);
  open(2);
  const fx = core.receive(1, new Uint8Array([0, 0, 0, 1, 0, 0]));
  assert.deepEqual(fx.close, [1]);
  const ok = core.receive(
    2,
    request(
      5,
      OpCode.setData,
      (w) => SetDataRequest.write(w, { path: "/", data: null, version: -1 }),
    ),
  );
  assert.equal(ok.persist.length, 1);
});

Deno.test("core: a read waiting behind a write keeps its body when the frame's buffer is reused", () => {
  const { core, open } = harness();
  open(1);
  // The shell hands frames that are views of its socket buffer, reused by the next read.
  const write = core.receive(
    1,
    request(
      1,
      OpCode.create,
      (w) => CreateRequest.write(w, { path: "/a", data: new Uint8Array([7]), acl: ACL, flags: 0 }),
    ),
  );
  const buf = request(
    2,
    OpCode.getData,
    (w) => GetDataRequest.write(w, { path: "/a", watch: false }),
  );
  core.receive(1, buf);
  buf.fill(0xff); // the next socket read lands here
  const fx = core.logged(write.persist[0].prepared.hdr.zxid);
  const [created, got] = replies(fx, 1);
  assert.equal(created.err, 0);
  assert.equal(got.xid, 2);
  assert.equal(got.err, 0);
  assert.deepEqual(GetDataResponse.read(got.body).data, new Uint8Array([7]));
});

Deno.test("core: a follower answers a session's read only after that session's forwarded write is applied here", () => {
  // Apache's CommitProcessor keeps each session's order: a read queued
  // behind the session's own write waits for that write's COMMIT, so a
  // session reads its own writes on a follower. Another session may read
  // the member's state before that commit: sequential consistency.
  const clock = { now: 0 };
  const core = new ServerCore(new DataTree<Conn>(), {
    tickTimeMs: 100,
    minSessionTimeoutMs: 200,
    maxSessionTimeoutMs: 2000,
    maxClientCnxns: 10,
    skipACL: false,
    reconfigEnabled: false,
    serverId: 2,
    lastZxid: 0n,
    logger: silentLogger,
    role: "follower",
  }, { nowMs: () => clock.now, wallMs: () => 1_700_000_000_000 + clock.now });
  let zxid = 0n;
  const commit = (clientId: bigint, cxid: number, type: number, txn: unknown) =>
    core.applyCommitted({
      header: { clientId, cxid, zxid: ++zxid, time: 1_700_000_000_000n, type },
      txn: txn as never,
    });
  const open = (id: number): bigint => {
    core.connect(id, "127.0.0.1", 40000 + id);
    const fx = core.receive(
      id,
      encode(ConnectRequest, {
        protocolVersion: 0,
        lastZxidSeen: 0n,
        timeOut: 1000,
        sessionId: 0n,
        passwd: new Uint8Array(16),
        readOnly: false,
      }),
    );
    const [f] = fx.forward ?? [];
    assert.equal(f?.op, OpCode.createSession, "the leader makes the session");
    const done = commit(f.sessionId, 0, OpCode.createSession, { timeOut: 1000 });
    assert.equal(done.send.filter((s) => s.conn === id).length, 1, "ConnectResponse on commit");
    return f.sessionId;
  };
  const [s1, s2] = [open(1), open(2)];
  const w = core.receive(1, create(1, "/a"));
  assert.deepEqual(w.forward?.map((f) => [f.sessionId, f.cxid, f.op]), [[s1, 1, OpCode.create]]);
  assert.equal(core.receive(1, getData(2, "/a")).send.length, 0, "waits behind its own write");
  assert.deepEqual(replies(core.receive(2, getData(1, "/a")), 2).map((r) => r.err), [
    ErrorCode.NoNode,
  ], "another session reads what this member has applied");
  const txn = (path: string) => ({
    path,
    data: null,
    acl: ACL,
    ephemeral: false,
    parentCVersion: -1,
  });
  const before = commit(s2, 7, OpCode.create, txn("/b"));
  assert.deepEqual(replies(before, 1), [], "another session's commit does not release it");
  const mine = commit(s1, 1, OpCode.create, txn("/a"));
  const r = replies(mine, 1);
  assert.deepEqual(r.map((x) => [x.xid, x.err]), [[1, 0], [2, 0]], "in request order");
  assert.equal(GetDataResponse.read(r[1].body).stat.czxid, zxid, "sees its own write");
});

Deno.test("core: a leader's sync waits until the tree has applied what ZAB committed when it came; the session's reads follow it", () => {
  // Leader.tryToCommit sends COMMIT to the followers, then the leader
  // applies. A follower may acknowledge its client's write in between; a
  // sync then getData on the leader must see that write. Apache 3.8 answers
  // that sync at once, from the tree without it.
  const clock = { now: 0 };
  let committed = 0n;
  const core = new ServerCore(new DataTree<Conn>(), {
    tickTimeMs: 100,
    minSessionTimeoutMs: 200,
    maxSessionTimeoutMs: 2000,
    maxClientCnxns: 10,
    skipACL: false,
    reconfigEnabled: false,
    serverId: 1,
    lastZxid: 0n,
    logger: silentLogger,
    role: "leader",
    committedZxid: () => committed,
  }, { nowMs: () => clock.now, wallMs: () => 1_700_000_000_000 + clock.now });
  /** ZAB committed the txns of `fx` and the shell applied them at once. */
  const commitNow = (fx: Effects): Effects => {
    const last = fx.persist.at(-1)?.prepared.hdr.zxid;
    if (last === undefined) return fx;
    committed = last;
    const more = core.logged(last);
    return { persist: [], send: [...fx.send, ...more.send], close: [...fx.close, ...more.close] };
  };
  for (const id of [1, 2]) {
    core.connect(id, "127.0.0.1", 40000 + id);
    commitNow(core.receive(
      id,
      encode(ConnectRequest, {
        protocolVersion: 0,
        lastZxidSeen: 0n,
        timeOut: 1000,
        sessionId: 0n,
        passwd: new Uint8Array(16),
        readOnly: false,
      }),
    ));
  }
  commitNow(core.receive(1, create(1, "/a")));
  const write = core.receive(
    1,
    request(
      2,
      OpCode.setData,
      (w) => SetDataRequest.write(w, { path: "/a", data: null, version: -1 }),
    ),
  );
  const zxid = write.persist[0].prepared.hdr.zxid;
  // ZAB commits it (its COMMITs are out); the leader has not applied it yet.
  committed = zxid;
  const sync = core.receive(
    2,
    request(1, OpCode.sync, (w) => SyncRequest.write(w, { path: "/a" })),
  );
  const read = core.receive(2, getData(2, "/a"));
  assert.deepEqual(
    [...replies(sync, 2), ...replies(read, 2)].map((r) => r.xid),
    [],
    "neither the sync nor the read after it is answered from a tree without the committed txn",
  );
  assert.equal(core.outstanding, 2, "the write and the sync are outstanding");
  const applied = core.logged(zxid);
  const order = applied.send.map((s) => {
    const h = ReplyHeader.read(new JuteReader(s.bytes.subarray(4)));
    return `conn ${s.conn} xid ${h.xid} zxid ${h.zxid}`;
  });
  assert.deepEqual(order, [
    `conn 1 xid 2 zxid ${zxid}`,
    `conn 2 xid 1 zxid ${zxid}`,
    `conn 2 xid 2 zxid ${zxid}`,
  ], "applied, then the write's reply, the sync's, and the read behind it");
  const [, got] = replies(applied, 2);
  assert.equal(GetDataResponse.read(got.body).stat.version, 1, "the read sees the write");
  // Nothing committed ahead of the tree: a sync is answered at once.
  const now = replies(
    core.receive(2, request(3, OpCode.sync, (w) => SyncRequest.write(w, { path: "/" }))),
    2,
  );
  assert.deepEqual(now.map((r) => [r.xid, r.err]), [[3, 0]]);
  assert.equal(core.outstanding, 0);
});
