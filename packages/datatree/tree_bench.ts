import { OpCode } from "@zkts/jute";
import { DataTree, Preparer } from "./mod.ts";

const OPEN = [{ perms: 31, id: { scheme: "world", id: "anyone" } }];
const data = new TextEncoder().encode("0123456789");
let zxid = 0n;
const hdr = (type: number) => ({
  clientId: 1n,
  cxid: 0,
  zxid: ++zxid,
  time: 1_700_000_000_000n,
  type,
});
const create = (t: DataTree<number>, path: string) =>
  t.processTxn(hdr(OpCode.create), { path, data, acl: OPEN, ephemeral: false, parentCVersion: -1 });

const tree = new DataTree<number>();
create(tree, "/bench");
create(tree, "/wide");
for (let i = 0; i < 10_000; i++) create(tree, `/wide/child-${String(i).padStart(10, "0")}`);
create(tree, "/watched");
let n = 0;
const keep: unknown[] = [];

Deno.bench({
  group: "write",
  name: "create (apply CreateTxn)",
  baseline: true,
  fn() {
    keep[0] = create(tree, `/bench/n${n++}`);
  },
});

Deno.bench({
  group: "write",
  name: "create + delete (apply both)",
  fn() {
    const p = `/bench/d${n++}`;
    create(tree, p);
    keep[0] = tree.processTxn(hdr(OpCode.delete), { path: p });
  },
});

Deno.bench({
  group: "write",
  name: "setData (apply SetDataTxn)",
  fn() {
    keep[0] = tree.processTxn(hdr(OpCode.setData), { path: "/bench", data, version: n++ });
  },
});

const prepTree = new DataTree<number>();
const prep = new Preparer(prepTree);
create(prepTree, "/p");
Deno.bench({
  group: "write",
  name: "create (prepare + apply)",
  fn() {
    const p = prep.prepare(
      { type: OpCode.create, request: { path: `/p/n${n++}`, data, acl: OPEN, flags: 0 } },
      { sessionId: 1n, cxid: 0, zxid: ++zxid, time: 0n, authInfo: [] },
    );
    keep[0] = prepTree.processTxn(p.hdr, p.txn);
    prep.applied(p.hdr.zxid);
  },
});

Deno.bench({
  group: "read",
  name: "getData",
  baseline: true,
  fn() {
    keep[0] = tree.getData("/wide/child-0000005000");
  },
});

Deno.bench({
  group: "read",
  name: "getDataBorrowed (no copy)",
  fn() {
    keep[0] = tree.getDataBorrowed("/wide/child-0000005000");
  },
});

Deno.bench({
  group: "read",
  name: "exists (stat)",
  fn() {
    keep[0] = tree.exists("/wide/child-0000005000");
  },
});

Deno.bench({
  group: "read",
  name: "getChildren of a parent with 10,000 children",
  fn() {
    keep[0] = tree.getChildren("/wide");
  },
});

Deno.bench({
  group: "watch",
  name: "set 10,000 data watches and fire them with one setData",
  fn() {
    for (let w = 0; w < 10_000; w++) tree.getData("/watched", w);
    const rc = tree.processTxn(hdr(OpCode.setData), { path: "/watched", data, version: 1 });
    if (rc.events.length !== 10_000) throw new Error("not fired");
    keep[0] = rc;
  },
});
