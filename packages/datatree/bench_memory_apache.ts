/**
 * Memory per znode, zkts and Apache ZooKeeper side by side, on the very same
 * tree: builds it in a DataTree (as bench_memory.ts: N znodes with 10-byte
 * data under P parents, three ACL lists), measures Deno's heap + ArrayBuffers
 * after GC, writes it as an Apache snapshot (@zkts/persistence), loads that
 * snapshot into Apache ZooKeeper 3.8's own DataTree in a JVM and measures the
 * JVM heap used after full GCs (testdata/apache_memory/ApacheHeap.java).
 *
 *   deno run -A --v8-flags=--expose-gc packages/datatree/bench_memory_apache.ts [N] [P]
 *
 * @module
 */
import { OpCode } from "@zkts/jute";
import { DenoStorage, writeSnapshot } from "@zkts/persistence";
import { DataTree } from "./mod.ts";

const N = Number(Deno.args[0] ?? 1_000_000);
const P = Number(Deno.args[1] ?? 3_000);
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error("run with --v8-flags=--expose-gc");
const used = () => {
  gc!();
  gc!();
  const m = Deno.memoryUsage();
  return m.heapUsed + m.external;
};
const ACLS = [
  [{ perms: 31, id: { scheme: "world", id: "anyone" } }],
  [{ perms: 31, id: { scheme: "digest", id: "app:Ujd3Smwe0mX2xNrnMzRWWaNH/f4=" } }],
  [{ perms: 1, id: { scheme: "world", id: "anyone" } }, {
    perms: 31,
    id: { scheme: "ip", id: "10.0.0.0/8" },
  }],
];

const before = used();
const tree = new DataTree();
const data = new TextEncoder().encode("0123456789");
let zxid = 0n;
const hdr = () => ({
  clientId: 1n,
  cxid: 0,
  zxid: ++zxid,
  time: 1_700_000_000_000n + zxid,
  type: OpCode.create,
});
for (let p = 0; p < P; p++) {
  tree.processTxn(hdr(), {
    path: `/app${p}`,
    data,
    acl: ACLS[0],
    ephemeral: false,
    parentCVersion: -1,
  });
}
for (let i = 0; i < N; i++) {
  tree.processTxn(hdr(), {
    path: `/app${i % P}/node-${String(i).padStart(10, "0")}`,
    data,
    acl: ACLS[i % 10 === 0 ? 1 : i % 10 === 1 ? 2 : 0],
    ephemeral: false,
    parentCVersion: -1,
  });
}
const zkts = (used() - before) / tree.nodeCount;

const dir = await Deno.makeTempDir({ prefix: "zkts-mem-" });
try {
  const { name } = await writeSnapshot({
    storage: new DenoStorage(),
    dir: `${dir}/version-2`,
    zxid,
    fsync: false,
  }, {
    sessions: [],
    acls: tree.aclEntries(),
    nodes: tree.nodes(),
    digest: { zxid, digestVersion: tree.digestVersion, digest: tree.digest },
  });
  const src = new URL("./testdata/apache_memory/ApacheHeap.java", import.meta.url).pathname;
  const javac = await new Deno.Command("javac", {
    args: ["-cp", "/usr/share/java/*", "-d", dir, src],
  }).output();
  if (!javac.success) throw new Error(new TextDecoder().decode(javac.stderr));
  const java = await new Deno.Command("java", {
    args: [
      "-XX:+UseSerialGC",
      "-Xmx3g",
      "-cp",
      `${dir}:/usr/share/java/zookeeper.jar:/usr/share/java/*`,
      "ApacheHeap",
      `${dir}/version-2/${name}`,
    ],
    signal: AbortSignal.timeout(600_000),
  }).output();
  if (!java.success) throw new Error(new TextDecoder().decode(java.stderr));
  const apache = JSON.parse(new TextDecoder().decode(java.stdout).trim().split("\n").pop()!);
  console.log(JSON.stringify({
    znodes: tree.nodeCount,
    zktsBytesPerZnode: Math.round(zkts * 10) / 10,
    apacheZnodes: apache.znodes,
    apacheBytesPerZnode: Math.round(apache.heapBytes / apache.znodes * 10) / 10,
    ratio: Math.round(zkts / (apache.heapBytes / apache.znodes) * 100) / 100,
    sameDigest: BigInt(apache.digest) === tree.digest,
  }));
} finally {
  await Deno.remove(dir, { recursive: true });
}
