/**
 * Memory per znode of the data tree: builds N znodes (default 1,000,000) with
 * 10-byte data under P parents (default 3,000), with a realistic ACL mix
 * (most nodes world:anyone, some digest, some ip), then reports Deno's heap
 * used + external (ArrayBuffers) after GC, per znode.
 *
 *   deno run --v8-flags=--expose-gc packages/datatree/bench_memory.ts [N] [P]
 *
 * @module
 */
import { OpCode } from "@zkts/jute";
import { DataTree } from "./mod.ts";

const N = Number(Deno.args[0] ?? 1_000_000);
const P = Number(Deno.args[1] ?? 3_000);
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error("run with --v8-flags=--expose-gc");

function used(): number {
  gc!();
  gc!();
  const m = Deno.memoryUsage();
  return m.heapUsed + m.external;
}

const ACLS = [
  [{ perms: 31, id: { scheme: "world", id: "anyone" } }],
  [{ perms: 31, id: { scheme: "digest", id: "app:Ujd3Smwe0mX2xNrnMzRWWaNH/f4=" } }],
  [
    { perms: 1, id: { scheme: "world", id: "anyone" } },
    { perms: 31, id: { scheme: "ip", id: "10.0.0.0/8" } },
  ],
];

const before = used();
const t0 = performance.now();
const tree = new DataTree({ digestEnabled: Deno.env.get("DIGEST") !== "0" });
const data = new TextEncoder().encode("0123456789");
let zxid = 0n;
const hdr = (type: number) => ({
  clientId: 1n,
  cxid: 0,
  zxid: ++zxid,
  time: 1_700_000_000_000n + zxid,
  type,
});
for (let p = 0; p < P; p++) {
  tree.processTxn(hdr(OpCode.create), {
    path: `/app${p}`,
    data,
    acl: ACLS[0],
    ephemeral: false,
    parentCVersion: -1,
  });
}
for (let i = 0; i < N; i++) {
  const rc = tree.processTxn(hdr(OpCode.create), {
    path: `/app${i % P}/node-${String(i).padStart(10, "0")}`,
    data,
    acl: ACLS[i % 10 === 0 ? 1 : i % 10 === 1 ? 2 : 0],
    ephemeral: false,
    parentCVersion: -1,
  });
  if (rc.err !== 0) throw new Error(`create failed: ${rc.err}`);
}
const buildMs = performance.now() - t0;
const after = used();
const znodes = tree.nodeCount;
const perZnode = (after - before) / znodes;
console.log(
  JSON.stringify({
    znodes,
    parents: P,
    dataBytes: data.length,
    bytesPerZnode: Math.round(perZnode * 10) / 10,
    storeBytesPerZnode: Math.round(tree.storeBytes / znodes * 10) / 10,
    heapPlusExternalMiB: Math.round((after - before) / 1048576),
    buildMs: Math.round(buildMs),
    digest: String(tree.digest),
  }),
);
