/**
 * Golden test against Apache ZooKeeper 3.8: replays the txn log it wrote for
 * testdata/scenario.py (recorded by testdata/record_txnlog.ts) and checks,
 * after every txn, the tree digest against the one Apache logged, plus the
 * final state the scenario's transcript shows.
 */
import assert from "node:assert/strict";
import {
  ACLCache,
  DataNode,
  decode,
  ErrorCode,
  FileHeader,
  JuteReader,
  OpCode,
  type SnapshotNode,
  SnapshotSessions,
  TxnEntry,
} from "@zkts/jute";
import { DataTree } from "./mod.ts";

function readLog(bytes: Uint8Array): TxnEntry[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  assert.equal(view.getInt32(0), 0x5a4b4c47, "ZKLG magic");
  const out: TxnEntry[] = [];
  let at = 16;
  while (at + 12 <= bytes.length) {
    const crc = view.getBigInt64(at);
    const len = view.getInt32(at + 8);
    if (len === 0 && crc === 0n) break;
    out.push(decode(TxnEntry, bytes.subarray(at + 12, at + 12 + len)));
    assert.equal(bytes[at + 12 + len], 0x42, "end of record");
    at += 12 + len + 1;
  }
  return out;
}

const entries = readLog(Deno.readFileSync(new URL("./testdata/disk/log.1", import.meta.url)));

Deno.test("txn log replay: the tree digest matches Apache's after every txn", () => {
  const tree = new DataTree({ extendedTypesEnabled: true });
  let compared = 0;
  for (const e of entries) {
    tree.processTxn(e.header, e.txn);
    if (e.digest !== undefined) {
      assert.equal(
        tree.digest,
        e.digest.treeDigest,
        `digest after zxid ${e.header.zxid} (type ${e.header.type})`,
      );
      compared++;
    }
  }
  assert.ok(compared > 30, `compared ${compared} digests`);
});

Deno.test("txn log replay: stats of the /china transcript", () => {
  const tree = new DataTree({ extendedTypesEnabled: true });
  for (const e of entries) tree.processTxn(e.header, e.txn);
  const china = tree.stat("/china")!;
  assert.deepEqual(tree.getChildren("/china").children.sort(), [
    "beijing0000000001",
    "shanghai0000000002",
  ]);
  assert.equal(china.numChildren, 2);
  // 1 + 3 + 3 creations, 5 deletions: cversion = 7*2 - 2.
  assert.equal(china.cversion, 12);
  assert.equal(china.aversion, 1);
  assert.equal(tree.getData("/china").stat.version, 3);
  assert.equal(tree.stat("/ttl")!.ephemeralOwner, 0n, "TTL owner is hidden from clients");
  // The ContainerManager deleted the used, empty /cont and the expired /ttl-seq-… (session 0).
  assert.deepEqual(tree.getTtls(), ["/ttl"]);
  assert.deepEqual(tree.getContainers(), []);
  const swept = entries.filter((e) => e.header.clientId === 0n);
  assert.deepEqual(swept.map((e) => [e.header.type, (e.txn as { path: string }).path]).sort(), [
    [OpCode.deleteContainer, "/cont"],
    [OpCode.deleteContainer, "/ttl-seq-0000000009"],
  ]);
  assert.equal(tree.getEphemerals(1n).length, 0);
  const q = tree.quotaOf("/q")!;
  assert.equal(q.stats.toString(), "count=3,bytes=3");
  const last = entries[entries.length - 1];
  assert.equal(last.header.type, OpCode.error);
  assert.deepEqual(last.txn, { err: ErrorCode.QuotaExceeded });
});

function readSnapshot(bytes: Uint8Array) {
  const r = new JuteReader(bytes, 0, bytes.length);
  FileHeader.read(r);
  SnapshotSessions.read(r);
  const acls = ACLCache.read(r);
  const nodes: SnapshotNode[] = [];
  for (let path = r.readString(); path !== "/"; path = r.readString()) {
    nodes.push({ path, node: DataNode.read(r) });
  }
  return { acls, nodes };
}

Deno.test("txn log replay: the tree streams as Apache's snapshot of it, node for node, in its order", () => {
  const tree = new DataTree({ extendedTypesEnabled: true });
  for (const e of entries) tree.processTxn(e.header, e.txn);
  const dir = new URL("./testdata/disk/", import.meta.url);
  const name =
    [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) =>
      n.startsWith("snapshot.") && n !== "snapshot.0"
    )[0];
  const snap = readSnapshot(Deno.readFileSync(new URL(name, dir)));
  const mine = [...tree.nodes()];
  assert.deepEqual(
    mine.map((n) => n.path),
    snap.nodes.map((n) => n.path),
    "pre-order with HashSet child order",
  );
  const aclOf = (acls: { id: bigint; acls: unknown }[], ref: bigint) =>
    ref === -1n ? "open" : acls.find((e) => e.id === ref)!.acls;
  const myAcls = tree.aclEntries();
  for (let i = 0; i < mine.length; i++) {
    const [a, b] = [mine[i], snap.nodes[i]];
    assert.deepEqual(a.node.stat, b.node.stat, `stat of ${a.path}`);
    assert.deepEqual(a.node.data, b.node.data, `data of ${a.path}`);
    assert.deepEqual(aclOf(myAcls, a.node.acl), aclOf(snap.acls, b.node.acl), `acl of ${a.path}`);
  }
  const loaded = new DataTree({ extendedTypesEnabled: true });
  loaded.load(snap.acls, snap.nodes);
  assert.equal(loaded.digest, tree.digest);
  assert.deepEqual(loaded.getChildren("/").children, tree.getChildren("/").children);
});

Deno.test("txn log replay: the ACL table lists as Apache's snapshot does", () => {
  const tree = new DataTree({ extendedTypesEnabled: true });
  for (const e of entries) tree.processTxn(e.header, e.txn);
  const dir = new URL("./testdata/disk/", import.meta.url);
  const name =
    [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) =>
      n.startsWith("snapshot.") && n !== "snapshot.0"
    )[0];
  const snap = readSnapshot(Deno.readFileSync(new URL(name, dir)));
  assert.deepEqual(tree.aclEntries(), snap.acls);
});
