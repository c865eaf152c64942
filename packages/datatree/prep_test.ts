import assert from "node:assert/strict";
import { decode, ErrorCode, type Id, type MultiTxn, OpCode, txnRecord } from "@zkts/jute";
import { DataTree, type PrepareOptions, Preparer, type WriteRequest } from "./mod.ts";

const enc = (s: string) => new TextEncoder().encode(s);
const OPEN = [{ perms: 31, id: { scheme: "world", id: "anyone" } }];
const acl = (perms: number, scheme = "world", id = "anyone") => [{ perms, id: { scheme, id } }];
const IP: Id = { scheme: "ip", id: "127.0.0.1" };
const ZS: Id = { scheme: "digest", id: "zs:hash" };

const create = (path: string, flags = 0, a = OPEN, data = ""): WriteRequest => ({
  type: OpCode.create,
  request: { path, data: enc(data), acl: a, flags },
});
const del = (path: string, version = -1): WriteRequest => ({
  type: OpCode.delete,
  request: { path, version },
});
const set = (path: string, version = -1, data = "x"): WriteRequest => ({
  type: OpCode.setData,
  request: { path, data: enc(data), version },
});
const setAcl = (path: string, a: typeof OPEN, version = -1): WriteRequest => ({
  type: OpCode.setACL,
  request: { path, acl: a, version },
});
const check = (path: string, version: number): WriteRequest => ({
  type: OpCode.check,
  request: { path, version },
});
const ttl = (path: string, t: bigint, flags = 5): WriteRequest => ({
  type: OpCode.createTTL,
  request: { path, data: enc(""), acl: OPEN, flags, ttl: t },
});

class Server {
  tree: DataTree<string>;
  prep: Preparer;
  zxid = 0n;
  constructor(opts: PrepareOptions & { extended?: boolean } = {}) {
    this.tree = new DataTree({ extendedTypesEnabled: opts.extended ?? true });
    this.prep = new Preparer(this.tree, opts);
  }
  /** Prepares without applying (the txn stays outstanding). */
  prepare(req: WriteRequest, session = 1n, authInfo: Id[] = [IP]) {
    return this.prep.prepare(req, {
      sessionId: session,
      cxid: 0,
      zxid: ++this.zxid,
      time: 5n,
      authInfo,
    });
  }
  apply(p: ReturnType<Preparer["prepare"]>) {
    const rc = this.tree.processTxn(p.hdr, p.txn);
    this.prep.applied(p.hdr.zxid);
    return rc;
  }
  run(req: WriteRequest, session = 1n, authInfo: Id[] = [IP]) {
    const p = this.prepare(req, session, authInfo);
    const rc = this.apply(p);
    assert.equal(rc.err, p.error?.code ?? 0, "apply agrees with prepare");
    return { p, rc, code: p.error?.code ?? 0 };
  }
}

interface Case {
  name: string;
  setup?: (s: Server) => void;
  req: WriteRequest;
  auth?: Id[];
  session?: bigint;
  opts?: PrepareOptions & { extended?: boolean };
  code: number;
}

const setupA = (s: Server) => s.run(create("/a"));
const E = ErrorCode;

const cases: Case[] = [
  { name: "create without a slash is BadArguments", req: create("a"), code: E.BadArguments },
  { name: "create with a NUL is BadArguments", req: create("/a\0b"), code: E.BadArguments },
  {
    name: "create '/a/' with /a missing looks up parent '/a' first: NoNode",
    req: create("/a/"),
    code: E.NoNode,
  },
  {
    name: "create '/a/' with /a present fails validatePath: BadArguments",
    setup: setupA,
    req: create("/a/"),
    code: E.BadArguments,
  },
  {
    name: "create '/a//b' has no parent '/a/': NoNode",
    setup: setupA,
    req: create("/a//b"),
    code: E.NoNode,
  },
  {
    name: "create '/a/.' is a relative path: BadArguments",
    setup: setupA,
    req: create("/a/."),
    code: E.BadArguments,
  },
  { name: "create without parent is NoNode", req: create("/a/b"), code: E.NoNode },
  {
    name: "create of an existing node is NodeExists",
    setup: setupA,
    req: create("/a"),
    code: E.NodeExists,
  },
  { name: "create '/' is NodeExists", req: create("/"), code: E.NodeExists },
  {
    name: "create under an ephemeral is NoChildrenForEphemerals",
    setup: (s) => s.run(create("/e", 1)),
    req: create("/e/c"),
    code: E.NoChildrenForEphemerals,
  },
  { name: "create with an empty ACL is InvalidACL", req: create("/a", 0, []), code: E.InvalidACL },
  {
    name: "create with auth ACL and no authenticated id is InvalidACL",
    req: create("/a", 0, acl(31, "auth", "")),
    code: E.InvalidACL,
  },
  {
    name: "create with auth ACL and a digest id succeeds",
    req: create("/a", 0, acl(31, "auth", "")),
    auth: [IP, ZS],
    code: 0,
  },
  {
    name: "create with a malformed digest id is InvalidACL",
    req: create("/a", 0, acl(31, "digest", "nocolon")),
    code: E.InvalidACL,
  },
  {
    name: "create with an invalid ip is InvalidACL",
    req: create("/a", 0, acl(31, "ip", "300.1.1.1")),
    code: E.InvalidACL,
  },
  {
    name: "create with a CIDR too wide is InvalidACL",
    req: create("/a", 0, acl(31, "ip", "10.0.0.0/33")),
    code: E.InvalidACL,
  },
  {
    name: "create with a valid CIDR succeeds",
    req: create("/a", 0, acl(31, "ip", "10.0.0.0/8")),
    code: 0,
  },
  {
    name: "create with world:someone is InvalidACL",
    req: create("/a", 0, acl(31, "world", "someone")),
    code: E.InvalidACL,
  },
  {
    name: "create with an unknown scheme is InvalidACL",
    req: create("/a", 0, acl(31, "nosuch", "x")),
    code: E.InvalidACL,
  },
  {
    name: "create without CREATE on the parent is NoAuth",
    setup: (s) => s.run(create("/r", 0, acl(31 & ~4))),
    req: create("/r/c"),
    code: E.NoAuth,
  },
  {
    name: "super passes every ACL",
    setup: (s) => s.run(create("/r", 0, acl(0 | 1))),
    req: create("/r/c"),
    auth: [{ scheme: "super", id: "" }],
    code: 0,
  },
  {
    name: "skipACL passes every ACL",
    setup: (s) => s.run(create("/r", 0, acl(1))),
    req: create("/r/c"),
    opts: { skipACL: true },
    code: 0,
  },
  {
    name: "a digest ACL admits its id",
    setup: (s) => s.run(create("/r", 0, acl(31, "digest", "zs:hash"))),
    req: create("/r/c"),
    auth: [IP, ZS],
    code: 0,
  },
  {
    name: "an ip ACL admits its network",
    setup: (s) => s.run(create("/r", 0, acl(31, "ip", "127.0.0.0/8"))),
    req: create("/r/c"),
    code: 0,
  },
  {
    name: "a TTL node without extended types is Unimplemented",
    req: ttl("/t", 10n),
    opts: { extended: false },
    code: E.Unimplemented,
  },
  { name: "a TTL of 0 is BadArguments", req: ttl("/t", 0n), code: E.BadArguments },
  {
    name: "a TTL over 2^40-1 is BadArguments",
    req: ttl("/t", 0x10000000000n),
    code: E.BadArguments,
  },
  { name: "a TTL of 2^40-1 is fine", req: ttl("/t", 0xffffffffffn), code: 0 },
  {
    name: "createTTL with a non-TTL mode is BadArguments",
    req: ttl("/t", 5n, 0),
    code: E.BadArguments,
  },
  { name: "an unknown create flag is BadArguments", req: create("/a", 7), code: E.BadArguments },
  { name: "create under /zookeeper is allowed (open ACL)", req: create("/zookeeper/x"), code: 0 },
  { name: "delete '/' is BadArguments", req: del("/"), code: E.BadArguments },
  { name: "delete /zookeeper is BadArguments", req: del("/zookeeper"), code: E.BadArguments },
  {
    name: "delete /zookeeper/quota is BadArguments",
    req: del("/zookeeper/quota"),
    code: E.BadArguments,
  },
  {
    name: "delete /zookeeper/config is BadArguments",
    req: del("/zookeeper/config"),
    code: E.BadArguments,
  },
  { name: "delete of a missing node is NoNode", req: del("/nope"), code: E.NoNode },
  {
    name: "delete with a wrong version is BadVersion",
    setup: setupA,
    req: del("/a", 3),
    code: E.BadVersion,
  },
  {
    name: "delete with version 0 of a new node succeeds",
    setup: setupA,
    req: del("/a", 0),
    code: 0,
  },
  {
    name: "delete without DELETE on the parent is NoAuth",
    setup: (s) => {
      s.run(create("/r"));
      s.run(create("/r/c"));
      s.run(setAcl("/r", acl(31 & ~8)));
    },
    req: del("/r/c"),
    code: E.NoAuth,
  },
  {
    name: "delete of a node with children is NotEmpty",
    setup: (s) => {
      s.run(create("/a"));
      s.run(create("/a/b"));
    },
    req: del("/a"),
    code: E.NotEmpty,
  },
  { name: "setData on an invalid path is BadArguments", req: set("/a/"), code: E.BadArguments },
  { name: "setData on a missing node is NoNode", req: set("/nope"), code: E.NoNode },
  {
    name: "setData with a wrong version is BadVersion",
    setup: setupA,
    req: set("/a", 1),
    code: E.BadVersion,
  },
  {
    name: "setData on /zookeeper/config is NoAuth (read-only ACL)",
    req: set("/zookeeper/config"),
    code: E.NoAuth,
  },
  {
    name: "setData without WRITE is NoAuth",
    setup: (s) => s.run(create("/r", 0, acl(31 & ~2))),
    req: set("/r"),
    code: E.NoAuth,
  },
  {
    name: "setACL with an invalid ACL is InvalidACL",
    setup: setupA,
    req: setAcl("/a", []),
    code: E.InvalidACL,
  },
  { name: "setACL on a missing node is NoNode", req: setAcl("/nope", OPEN), code: E.NoNode },
  {
    name: "setACL with a wrong aversion is BadVersion",
    setup: setupA,
    req: setAcl("/a", OPEN, 2),
    code: E.BadVersion,
  },
  {
    name: "setACL without ADMIN is NoAuth",
    setup: (s) => s.run(create("/r", 0, acl(15))),
    req: setAcl("/r", OPEN),
    code: E.NoAuth,
  },
  { name: "check on a missing node is NoNode", req: check("/nope", -1), code: E.NoNode },
  {
    name: "check with a wrong version is BadVersion",
    setup: setupA,
    req: check("/a", 4),
    code: E.BadVersion,
  },
  {
    name: "check without READ is NoAuth",
    setup: (s) => s.run(create("/r", 0, acl(30))),
    req: check("/r", -1),
    code: E.NoAuth,
  },
  {
    name: "deleteContainer of an ephemeral is BadVersion",
    setup: (s) => s.run(create("/e", 1)),
    req: { type: OpCode.deleteContainer, request: { path: "/e" } },
    code: E.BadVersion,
  },
  {
    name: "deleteContainer of a container with children is NotEmpty",
    setup: (s) => {
      s.run({
        type: OpCode.createContainer,
        request: { path: "/c", data: null, acl: OPEN, flags: 4 },
      });
      s.run(create("/c/k"));
    },
    req: { type: OpCode.deleteContainer, request: { path: "/c" } },
    code: E.NotEmpty,
  },
];

const quotaSetup = (limits: string) => (s: Server) => {
  s.run(create("/q"));
  s.run(create("/zookeeper/quota/q"));
  s.run(create(`/zookeeper/quota/q/zookeeper_limits`, 0, OPEN, limits));
  s.run(create(`/zookeeper/quota/q/zookeeper_stats`, 0, OPEN, "count=0,bytes=0"));
  s.run(create("/q/1", 0, OPEN, "12345"));
};
cases.push(
  {
    name: "a count hard limit refuses the create past it (QuotaExceeded)",
    setup: quotaSetup("count=-1,bytes=-1=;countHardLimit=2"),
    req: create("/q/2"),
    opts: { enforceQuota: true },
    code: E.QuotaExceeded,
  },
  {
    name: "a byte hard limit refuses the setData past it",
    setup: quotaSetup("count=-1,bytes=-1=;byteHardLimit=6"),
    req: set("/q/1", -1, "1234567"),
    opts: { enforceQuota: true },
    code: E.QuotaExceeded,
  },
  {
    name: "a soft limit only warns",
    setup: quotaSetup("count=1,bytes=1"),
    req: create("/q/2"),
    opts: { enforceQuota: true },
    code: 0,
  },
  {
    name: "without enforceQuota a hard limit only counts",
    setup: quotaSetup("count=-1,bytes=-1=;countHardLimit=2"),
    req: create("/q/2"),
    code: 0,
  },
);

for (const c of cases) {
  Deno.test(`prepare: ${c.name}`, () => {
    const s = new Server(c.opts);
    c.setup?.(s);
    const { p, code } = s.run(c.req, c.session ?? 1n, c.auth ?? [IP]);
    assert.equal(code, c.code);
    if (c.code !== 0) {
      assert.equal(p.hdr.type, OpCode.error);
      assert.deepEqual(p.txn, { err: c.code });
      assert.equal(p.digest, null);
    } else {
      assert.equal(p.hdr.type, c.req.type);
    }
  });
}

Deno.test("prepare: auth ACLs expand to the session's digest ids, not its ip", () => {
  const s = new Server();
  const { p } = s.run(create("/a", 0, acl(31, "auth", "")), 1n, [IP, ZS, {
    scheme: "digest",
    id: "ls:h2",
  }]);
  assert.deepEqual((p.txn as { acl: unknown }).acl, [
    { perms: 31, id: ZS },
    { perms: 31, id: { scheme: "digest", id: "ls:h2" } },
  ]);
});

Deno.test("prepare: duplicate ACL entries are dropped", () => {
  const s = new Server();
  const { p } = s.run(create("/a", 0, [...OPEN, ...OPEN]));
  assert.deepEqual((p.txn as { acl: unknown }).acl, OPEN);
});

Deno.test("prepare: versions increase, and skip -1 when wrapping (ZOOKEEPER-4743)", () => {
  const s = new Server();
  s.run(create("/a"));
  s.tree.processTxn({ clientId: 1n, cxid: 0, zxid: ++s.zxid, time: 0n, type: OpCode.setData }, {
    path: "/a",
    data: null,
    version: -2,
  });
  assert.equal((s.run(set("/a", -2)).p.txn as { version: number }).version, 0);
  s.tree.processTxn({ clientId: 1n, cxid: 0, zxid: ++s.zxid, time: 0n, type: OpCode.setData }, {
    path: "/a",
    data: null,
    version: 2147483647,
  });
  assert.equal((s.run(set("/a")).p.txn as { version: number }).version, -2147483648);
  assert.equal((s.run(check("/a", -1)).p.txn as { version: number }).version, -2147483647);
});

Deno.test("prepare: outstanding changes count before they are applied", () => {
  const s = new Server();
  const a = s.prepare(create("/a"));
  assert.equal(s.prepare(create("/a")).error?.code, E.NodeExists, "pending create");
  const seq1 = s.prepare(create("/a/s-", 2));
  const seq2 = s.prepare(create("/a/s-", 2));
  assert.deepEqual([(seq1.txn as { path: string }).path, (seq2.txn as { path: string }).path], [
    "/a/s-0000000000",
    "/a/s-0000000001",
  ]);
  assert.equal(s.prepare(del("/a")).error?.code, E.NotEmpty, "pending children");
  const d = s.prepare(del("/a/s-0000000000"));
  assert.equal(s.prepare(set("/a/s-0000000000")).error?.code, E.NoNode, "pending delete");
  assert.equal(s.prep.outstanding > 0, true);
  for (const p of [a, seq1, seq2, d]) s.apply(p);
  assert.deepEqual(s.tree.getChildren("/a").children, ["s-0000000001"]);
});

function subTxns(txn: unknown) {
  return (txn as MultiTxn).txns.map((t) => ({
    type: t.type,
    txn: decode(txnRecord(t.type)!, t.data!),
  }));
}

Deno.test("multi: all or nothing, with Apache's per-op results", () => {
  const s = new Server();
  s.run(create("/a"));
  const multi: WriteRequest = {
    type: OpCode.multi,
    request: {
      ops: [
        { type: OpCode.create, request: { path: "/a/1", data: null, acl: OPEN, flags: 0 } },
        { type: OpCode.check, request: { path: "/a", version: 7 } },
        { type: OpCode.delete, request: { path: "/a/1", version: -1 } },
      ],
    },
  };
  const { p, rc } = s.run(multi);
  assert.equal(p.hdr.type, OpCode.multi, "a failed multi stays a multi txn");
  // Ops before the failure keep their txn; apply turns them into ErrorTxn(0).
  assert.deepEqual(subTxns(p.txn), [
    {
      type: OpCode.create,
      txn: { path: "/a/1", data: null, acl: OPEN, ephemeral: false, parentCVersion: 1 },
    },
    { type: OpCode.error, txn: { err: E.BadVersion } },
    { type: OpCode.error, txn: { err: E.RuntimeInconsistency } },
  ]);
  assert.deepEqual(rc.multiResult!.map((r) => [r.type, r.err]), [
    [OpCode.error, 0],
    [OpCode.error, E.BadVersion],
    [OpCode.error, E.RuntimeInconsistency],
  ]);
  assert.equal(rc.err, E.BadVersion);
  assert.equal(s.tree.has("/a/1"), false, "nothing applied");
  assert.equal(s.prep.outstanding, 0);
  // The rolled-back create left no outstanding record behind.
  assert.equal(s.run(create("/a/1")).code, 0);
});

Deno.test("multi: a committed multi applies every op at one zxid", () => {
  const s = new Server();
  const { p, rc } = s.run({
    type: OpCode.multi,
    request: {
      ops: [
        { type: OpCode.create, request: { path: "/m", data: enc("m"), acl: OPEN, flags: 0 } },
        { type: OpCode.create, request: { path: "/m/s-", data: null, acl: OPEN, flags: 2 } },
        { type: OpCode.setData, request: { path: "/m", data: enc("n"), version: 0 } },
        { type: OpCode.check, request: { path: "/m", version: 1 } },
        { type: OpCode.delete, request: { path: "/m/s-0000000000", version: -1 } },
      ],
    },
  });
  assert.equal(rc.err, 0);
  assert.deepEqual(rc.multiResult!.map((r) => [r.type, r.path]), [
    [OpCode.create, "/m"],
    [OpCode.create, "/m/s-0000000000"],
    [OpCode.setData, "/m"],
    [OpCode.check, "/m"],
    [OpCode.delete, "/m/s-0000000000"],
  ]);
  const st = s.tree.stat("/m")!;
  assert.deepEqual([st.czxid, st.mzxid, st.pzxid, st.version], [
    p.hdr.zxid,
    p.hdr.zxid,
    p.hdr.zxid,
    1,
  ]);
  assert.equal(p.digest!.treeDigest, s.tree.digest, "the logged digest is the tree's after apply");
});

Deno.test("closeSession: pending ephemerals of the session are included, pending deletes left out", () => {
  const s = new Server();
  s.run(create("/e1", 1), 9n);
  s.run(create("/e2", 1), 9n);
  s.prepare(create("/e3", 1), 9n);
  s.prepare(del("/e1"), 9n);
  const p = s.prepare({ type: OpCode.closeSession }, 9n);
  assert.deepEqual((p.txn as { paths2Delete: string[] }).paths2Delete.sort(), ["/e2", "/e3"]);
  assert.deepEqual(
    new Server({ closeSessionTxnEnabled: false }).prepare({ type: OpCode.closeSession }).txn,
    null,
  );
});

Deno.test("prepare: every successful txn's digest is the tree digest after applying it", () => {
  const s = new Server();
  const reqs: WriteRequest[] = [
    create("/a"),
    create("/a/b", 2),
    set("/a"),
    setAcl("/a", acl(31)),
    del("/a/b0000000000"),
    create("/e", 1),
  ];
  for (const r of reqs) {
    const { p } = s.run(r);
    assert.equal(p.digest!.version, 2);
    assert.equal(p.digest!.treeDigest, s.tree.digest);
  }
  const { p } = s.run({ type: OpCode.closeSession });
  assert.equal(p.digest!.treeDigest, s.tree.digest);
});

Deno.test("quota: a soft limit passes with Apache's warning", () => {
  const s = new Server({ enforceQuota: true });
  quotaSetup("count=3,bytes=-1")(s); // /q and /q/1 count 2
  assert.deepEqual(s.run(create("/q/2")).p.warnings, undefined);
  const p = s.run(create("/q/3")).p;
  assert.equal(p.error, undefined);
  assert.deepEqual(p.warnings, ["Quota exceeded: /q [current count=4, softCountLimit=3]"]);
});

Deno.test("Preparer.clear drops outstanding changes", () => {
  const s = new Server();
  s.prepare(create("/a"));
  assert.equal(s.prepare(create("/a")).error?.code, E.NodeExists);
  s.prep.clear();
  assert.equal(s.prep.outstanding, 0);
  assert.equal(s.prepare(create("/a")).error, undefined, "the tree itself has no /a");
});
