import assert from "node:assert/strict";
import {
  ACLCache,
  DataNode,
  FileHeader,
  JuteReader,
  OpCode,
  type SnapshotNode,
  SnapshotSessions,
} from "@zkts/jute";
import { DataTree } from "./mod.ts";

const OPEN = [{ perms: 31, id: { scheme: "world", id: "anyone" } }];
const enc = (s: string) => new TextEncoder().encode(s);

function sample(): DataTree {
  const t = new DataTree({ extendedTypesEnabled: true });
  let zxid = 0n;
  const c = (path: string, o: { acl?: typeof OPEN; session?: bigint; type?: number } = {}) =>
    t.processTxn(
      {
        clientId: o.session ?? 1n,
        cxid: 0,
        zxid: ++zxid,
        time: 100n + zxid,
        type: o.type ?? OpCode.create,
      },
      o.type === OpCode.createTTL
        ? { path, data: enc(path), acl: o.acl ?? OPEN, parentCVersion: -1, ttl: 50n }
        : o.type === OpCode.createContainer
        ? { path, data: enc(path), acl: o.acl ?? OPEN, parentCVersion: -1 }
        : {
          path,
          data: enc(path),
          acl: o.acl ?? OPEN,
          ephemeral: o.session !== undefined,
          parentCVersion: -1,
        },
    );
  c("/a");
  c("/a/b", { acl: [{ perms: 1, id: { scheme: "world", id: "anyone" } }] });
  c("/a/b/c");
  c("/a/d", { session: 77n });
  c("/e", { type: OpCode.createContainer });
  c("/t", { type: OpCode.createTTL });
  c("/q");
  c("/q/x");
  c("/zookeeper/quota/q");
  c("/zookeeper/quota/q/zookeeper_limits");
  t.processTxn({ clientId: 1n, cxid: 0, zxid: ++zxid, time: 0n, type: OpCode.setData }, {
    path: "/zookeeper/quota/q/zookeeper_limits",
    data: enc("count=10,bytes=-1"),
    version: 1,
  });
  c("/zookeeper/quota/q/zookeeper_stats");
  return t;
}

Deno.test("nodes(): pre-order from the root (written as ''), children in Apache's HashSet order", () => {
  const paths = [...sample().nodes()].map((n) => n.path);
  assert.deepEqual(paths, [
    "",
    "/a",
    "/a/b",
    "/a/b/c",
    "/a/d",
    "/q",
    "/q/x",
    "/zookeeper",
    "/zookeeper/config",
    "/zookeeper/quota",
    "/zookeeper/quota/q",
    "/zookeeper/quota/q/zookeeper_limits",
    "/zookeeper/quota/q/zookeeper_stats",
    "/t",
    "/e",
  ]);
});

Deno.test("load(nodes()) rebuilds the same tree: stats, ACLs, digest, ephemerals, containers, TTLs, quotas", () => {
  const t = sample();
  const u = new DataTree({ extendedTypesEnabled: true });
  u.load(t.aclEntries(), [...t.nodes()]);
  assert.deepEqual([...u.nodes()], [...t.nodes()]);
  assert.equal(u.digest, t.digest);
  assert.deepEqual(u.getEphemerals(77n), ["/a/d"]);
  assert.deepEqual(u.getContainers(), ["/e"]);
  assert.deepEqual(u.getTtls(), ["/t"]);
  assert.equal(u.maxPrefixWithQuota("/q/x"), "/q");
  assert.equal(u.quotaOf("/q")!.stats.toString(), "count=2,bytes=6");
  assert.deepEqual(u.getACL("/a/b").acl, [{ perms: 1, id: { scheme: "world", id: "anyone" } }]);
  assert.equal(u.aclCacheSize, t.aclCacheSize);
});

Deno.test("load: a node whose parent is missing is refused", () => {
  const t = new DataTree();
  const stat = {
    czxid: 0n,
    mzxid: 0n,
    ctime: 0n,
    mtime: 0n,
    version: 0,
    cversion: 0,
    aversion: 0,
    ephemeralOwner: 0n,
    pzxid: 0n,
  };
  const nodes: SnapshotNode[] = [
    { path: "", node: { data: null, acl: -1n, stat } },
    { path: "/a/b", node: { data: null, acl: -1n, stat } },
  ];
  assert.throws(() => t.load([], nodes), /unable to find parent \/a of path \/a\/b/);
});

Deno.test("load: Apache 3.8's initial snapshot gives the digest of a fresh tree", () => {
  const bytes = Deno.readFileSync(new URL("./testdata/disk/snapshot.0", import.meta.url));
  const r = new JuteReader(bytes, 0, bytes.length);
  FileHeader.read(r);
  SnapshotSessions.read(r);
  const acls = ACLCache.read(r);
  const nodes: SnapshotNode[] = [];
  for (let path = r.readString(); path !== "/"; path = r.readString()) {
    nodes.push({ path, node: DataNode.read(r) });
  }
  const t = new DataTree();
  t.load(acls, nodes);
  const fresh = new DataTree();
  assert.equal(t.digest, fresh.digest);
  assert.deepEqual(
    [...t.nodes()].map((n) => n.path).sort(),
    [...fresh.nodes()].map((n) => n.path).sort(),
  );
  assert.deepEqual(t.getACL("/zookeeper/config"), fresh.getACL("/zookeeper/config"));
});

Deno.test("load: into a used tree, with non-ASCII names, out-of-order parents: same nodes and digest", () => {
  const t = sample();
  const z = 1000n;
  for (const path of ["/s", "/s/ünï", "/s/ünï/日本", "/s/x"]) {
    t.processTxn({ clientId: 1n, cxid: 0, zxid: z, time: 5n, type: OpCode.create }, {
      path,
      data: enc(path),
      acl: OPEN,
      ephemeral: false,
      parentCVersion: -1,
    });
  }
  // A tree whose ids were handed out differently (the bug this guards: a stale /zookeeper id).
  const u = new DataTree({ extendedTypesEnabled: true });
  u.processTxn({ clientId: 1n, cxid: 0, zxid: 1n, time: 5n, type: OpCode.create }, {
    path: "/other",
    data: null,
    acl: OPEN,
    ephemeral: false,
    parentCVersion: -1,
  });
  const nodes = [...t.nodes()];
  // Move "/a/d" after "/q": its parent is no longer on the chain of the last node's ancestors.
  const i = nodes.findIndex((n) => n.path === "/a/d");
  const moved = nodes.splice(i, 1)[0];
  nodes.splice(nodes.findIndex((n) => n.path === "/q/x") + 1, 0, moved);
  u.load(t.aclEntries(), nodes);
  assert.equal(u.digest, t.digest);
  assert.deepEqual(
    [...u.nodes()].map((n) => n.path).sort(),
    [...t.nodes()].map((n) => n.path).sort(),
  );
  assert.deepEqual(u.getData("/s/ünï/日本").data, enc("/s/ünï/日本"));
  assert.throws(() => u.getData("/other"), /-101/);
});
