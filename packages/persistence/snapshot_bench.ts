// Snapshot write and load. Deno.bench runs 100,000 znodes:
//   deno bench -A packages/persistence/snapshot_bench.ts
// The table mode writes and loads 1,000,000 znodes, measures the longest
// event-loop pause while writing, and loads the same file with Apache
// ZooKeeper's FileSnap (java, when installed) side by side:
//   deno run -A packages/persistence/snapshot_bench.ts table [znodes]
import type { StatPersisted } from "@zkts/jute";
import { DataTree } from "@zkts/datatree";
import { DenoStorage, readSnapshot, type SnapshotNodeEntry, TxnLog, writeSnapshot } from "./mod.ts";
import { fakeTxn } from "./_test_util.ts";

const storage = new DenoStorage();
const root = await Deno.makeTempDir({ prefix: "zkts-snap-bench-" });

/** A tree of `n` znodes: /app/g<k>/n<i>, 1000 per group, 10-60 bytes of data each. */
function* tree(n: number): Generator<SnapshotNodeEntry> {
  const stat = (z: bigint): StatPersisted => ({
    czxid: z,
    mzxid: z,
    ctime: 1_700_000_000_000n,
    mtime: 1_700_000_000_000n,
    version: 0,
    cversion: 0,
    aversion: 0,
    ephemeralOwner: 0n,
    pzxid: z,
  });
  const data = new Uint8Array(60).fill(0x61);
  yield { path: "/", data: null, aclRef: -1n, stat: stat(0n) };
  yield { path: "/app", data: null, aclRef: 1n, stat: stat(1n) };
  let z = 2n;
  for (let g = 0; g * 1000 < n; g++) {
    const group = `/app/g${g}`;
    yield { path: group, data: null, aclRef: 1n, stat: stat(z++) };
    for (let i = 0; i < 1000 && g * 1000 + i < n; i++) {
      yield {
        path: `${group}/n${i}`,
        data: data.subarray(0, 10 + (i % 50)),
        aclRef: 1n,
        stat: stat(z++),
      };
    }
  }
}

const contents = (n: number) => ({
  sessions: new Map([[0x100n, 30000]]),
  acls: new Map([[1n, [{ perms: 31, id: { scheme: "world", id: "anyone" } }]]]),
  nodes: tree(n),
  digest: { zxid: 1n, digestVersion: 2, digest: 1n },
});

const N = 100_000;
const benchFile = `${root}/bench`;
await writeSnapshot({ storage, dir: benchFile, zxid: 1n }, contents(N));

Deno.bench({
  group: "snapshot",
  name: `write ${N} znodes`,
  async fn() {
    await writeSnapshot({ storage, dir: `${root}/w`, zxid: 2n, fsync: false }, contents(N));
  },
});

Deno.bench({
  group: "snapshot",
  name: `load ${N} znodes`,
  async fn() {
    let count = 0;
    await readSnapshot({ storage, path: `${benchFile}/snapshot.1`, onNode: () => count++ });
    if (count < N) throw new Error("short");
  },
});

async function table(n: number): Promise<void> {
  const dir = `${root}/table`;
  // The longest event-loop pause while the snapshot is written.
  let last = performance.now();
  let longest = 0;
  const ticker = setInterval(() => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
  }, 1);
  let t = performance.now();
  const { name, bytes } = await writeSnapshot({ storage, dir, zxid: 0x1234n }, contents(n));
  const writeMs = performance.now() - t;
  clearInterval(ticker);
  console.log(
    `write ${n} znodes: ${writeMs.toFixed(0)} ms (${(bytes / 1e6).toFixed(1)} MB, fsynced), ` +
      `longest event-loop pause ${longest.toFixed(1)} ms`,
  );
  const loads: number[] = [];
  for (let i = 0; i < 3; i++) {
    t = performance.now();
    let count = 0;
    await readSnapshot({ storage, path: `${dir}/${name}`, onNode: () => count++ });
    loads.push(performance.now() - t);
  }
  console.log(
    `zkts load (parse + check, no tree): ${loads.map((m) => m.toFixed(0)).join(", ")} ms`,
  );
  // Load into @zkts/datatree's DataTree, as a server starts.
  let tree: DataTree | undefined;
  const treeLoads: number[] = [];
  // Three loads, as for Apache below (a tree's columns and arenas are external
  // memory, freed when the last tree is collected).
  for (let i = 0; i < 3; i++) {
    tree = undefined;
    t = performance.now();
    tree = new DataTree();
    const sink = tree.snapshotSink();
    await readSnapshot({ storage, path: `${dir}/${name}`, nodeSink: sink });
    sink.finish();
    treeLoads.push(performance.now() - t);
  }
  console.log(`zkts load into a DataTree: ${treeLoads.map((m) => m.toFixed(0)).join(", ")} ms`);
  // A snapshot of that tree written while the txn log takes appends: the
  // event loop's longest pause, and the appends' latency meanwhile.
  const log = await TxnLog.open({ storage, dir: `${root}/load-log` });
  let next = 1n;
  let stop = false;
  const latencies: number[] = [];
  const writer = (async () => {
    while (!stop) {
      const t0 = performance.now();
      await Promise.all(Array.from({ length: 10 }, () => {
        const z = next++;
        return log.append(z, fakeTxn(z, 68));
      }));
      latencies.push(performance.now() - t0);
    }
  })();
  last = performance.now();
  longest = 0;
  const gaps: number[] = [];
  const ticker2 = setInterval(() => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    gaps.push(now - last);
    last = now;
  }, 1);
  t = performance.now();
  await writeSnapshot({ storage, dir: `${root}/under-load`, zxid: 0x1234n }, {
    sessions: new Map(),
    acls: tree!.aclEntries(),
    nodes: tree!.nodes(),
  });
  const underLoadMs = performance.now() - t;
  clearInterval(ticker2);
  stop = true;
  await writer;
  await log.close();
  latencies.sort((a, b) => a - b);
  const pct = (p: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))];
  console.log(
    `snapshot of the DataTree under load: ${underLoadMs.toFixed(0)} ms, longest event-loop pause ` +
      `${longest.toFixed(1)} ms (${gaps.filter((g) => g > 50).length} over 50 ms, ` +
      `${gaps.filter((g) => g > 20).length} over 20 ms, of ${gaps.length} turns); meanwhile ${
        next - 1n
      } txns logged in batches of 10, latency ` +
      `p50 ${pct(0.5).toFixed(1)} ms, p99 ${pct(0.99).toFixed(1)} ms, max ${pct(1).toFixed(1)} ms`,
  );
  try {
    const out = `${root}/java`;
    const src = new URL("./testdata/LoadSnapshot.java", import.meta.url).pathname;
    const javac = await new Deno.Command("javac", {
      args: ["-cp", "/usr/share/java/*", "-d", out, src],
    }).output();
    if (javac.code !== 0) throw new Error(new TextDecoder().decode(javac.stderr));
    const java = await new Deno.Command("java", {
      args: [
        "-cp",
        `${out}:/usr/share/java/zookeeper.jar:/usr/share/java/*`,
        "LoadSnapshot",
        `${dir}/${name}`,
        "3",
      ],
      stderr: "null",
    }).output();
    const text = new TextDecoder().decode(java.stdout);
    console.log(`Apache FileSnap.deserialize (into its DataTree), same file:\n${text}`);
    const apache = [...text.matchAll(/load (\d+) ms/g)].map((m) => Number(m[1]));
    if (apache.length > 0) {
      const a = Math.min(...apache);
      const z = Math.min(...treeLoads);
      console.log(
        `best of ${apache.length}: Apache ${a} ms, zkts ${z.toFixed(0)} ms: zkts loads ${
          (a / z).toFixed(2)
        }× as fast`,
      );
    }
  } catch (e) {
    console.log(`Apache side skipped: ${e instanceof Error ? e.message : e}`);
  }
}

if (import.meta.main && Deno.args[0] === "table") await table(Number(Deno.args[1] ?? 1_000_000));

globalThis.addEventListener("unload", () => Deno.removeSync(root, { recursive: true }));
