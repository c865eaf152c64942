/**
 * How long a snapshot stalls the server's event loop.
 *
 * Without load: builds a tree of PARENTS × CHILDREN znodes (10-byte data),
 * takes the point-in-time view the server snapshots from, and writes it in
 * Apache's format while a 1 ms timer measures the longest pause.
 *
 *   deno run -A bench/snapshot_pause.ts [parents=1000] [children=1000]
 *
 * Under load (`--load`): the same tree is written as a snapshot into a
 * dataDir; a zkts server starts from it in this process (fsync on); a load
 * generator in another process (bench/_setdata_load.ts) sends pipelined
 * setData to random znodes; meanwhile the server takes SNAPSHOTS snapshots,
 * as it does on a log roll, and a 1 ms timer in the server's event loop
 * measures the longest pause during each. Client latencies are split into
 * inside and outside the snapshots.
 *
 *   deno run -A bench/snapshot_pause.ts --load [parents=1000] [children=1000] [snapshots=3]
 *
 * @module
 */
import { DataTree } from "@zkts/datatree";
import { DenoStorage, writeSnapshot } from "@zkts/persistence";
import { parseConfig, ZkServer } from "@zkts/server";

const underLoad = Deno.args[0] === "--load";
const args = underLoad ? Deno.args.slice(1) : Deno.args;
const parents = Number(args[0] ?? 1000);
const children = Number(args[1] ?? 1000);
const snapshots = Number(args[2] ?? 3);
const tree = new DataTree();
const acl = [{ perms: 31, id: { scheme: "world", id: "anyone" } }];
const data = new Uint8Array(10);
let zxid = 0n;
const create = (path: string) =>
  tree.processTxn(
    { clientId: 1n, cxid: 1, zxid: ++zxid, time: 0n, type: 1 },
    { path, data, acl, ephemeral: false, parentCVersion: -1 },
  );
for (let p = 0; p < parents; p++) {
  create(`/p${p}`);
  for (let c = 0; c < children; c++) create(`/p${p}/c${c}`);
}
tree.lastProcessedZxid = zxid;

if (underLoad) await loadMode();
else await quietMode();

async function quietMode(): Promise<void> {
  let t0 = performance.now();
  const view = tree.snapshotView();
  const cloneMs = performance.now() - t0;

  let maxPause = 0;
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    maxPause = Math.max(maxPause, now - last);
    last = now;
  }, 1);
  const dir = await Deno.makeTempDir({ prefix: "zkts-snap-" });
  try {
    t0 = performance.now();
    const r = await writeSnapshot(
      { storage: new DenoStorage(), dir, zxid, fsync: true },
      { sessions: [], acls: view.acls, nodes: view.nodes() },
    );
    const writeMs = performance.now() - t0;
    console.log(
      `${tree.nodeCount} znodes: copy ${
        cloneMs.toFixed(1)
      } ms (one pause), write+fsync ${r.bytes} bytes in ${
        writeMs.toFixed(0)
      } ms, longest pause while writing ${maxPause.toFixed(1)} ms`,
    );
  } finally {
    clearInterval(timer);
    await Deno.remove(dir, { recursive: true });
  }
}

function pct(sorted: Float64Array, p: number): number {
  return sorted.length === 0
    ? 0
    : sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
}

async function loadMode(): Promise<void> {
  const dataDir = await Deno.makeTempDir({ prefix: "zkts-snap-load-" });
  try {
    // The tree, as a snapshot the server starts from.
    const view = tree.snapshotView();
    await Deno.mkdir(`${dataDir}/version-2`);
    await writeSnapshot(
      { storage: new DenoStorage(), dir: `${dataDir}/version-2`, zxid },
      {
        sessions: [],
        acls: view.acls,
        nodes: view.nodes(),
        digest: { zxid, digestVersion: tree.digestVersion, digest: view.digest },
      },
    );
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (listener.addr as Deno.NetAddr).port;
    listener.close();
    const config = parseConfig(
      `tickTime=2000\ndataDir=${dataDir}\nclientPort=${port}\nclientPortAddress=127.0.0.1\n` +
        `snapCount=100000000\nadmin.enableServer=false\nmaxClientCnxns=0\n`,
    );
    const quiet = { debug() {}, info() {}, warn() {}, error() {} };
    let t0 = performance.now();
    const server = await ZkServer.start(config, { logger: quiet });
    const startMs = performance.now() - t0;
    const seconds = 4 + snapshots * 3;
    const gen = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        new URL("./_setdata_load.ts", import.meta.url).pathname,
        `127.0.0.1:${port}`,
        String(seconds),
        String(parents),
        String(children),
      ],
      stdout: "piped",
      stderr: "inherit",
    }).output();
    // The server's event loop, sampled every millisecond.
    let last = performance.now();
    let pauseMax = 0;
    const gaps: [number, number][] = [];
    const timer = setInterval(() => {
      const now = performance.now();
      pauseMax = Math.max(pauseMax, now - last);
      if (Deno.env.get("ZKTS_BENCH_GAPS") && now - last > 20) {
        gaps.push([last, now - last]);
        console.error(`gap at ${last.toFixed(0)} ms: ${(now - last).toFixed(0)} ms`);
      }
      last = now;
    }, 1);
    const windows: [number, number][] = [];
    const rows: string[] = [];
    await new Promise((r) => setTimeout(r, 2000));
    pauseMax = 0;
    await new Promise((r) => setTimeout(r, 1000));
    const idlePause = pauseMax;
    for (let i = 0; i < snapshots; i++) {
      pauseMax = 0;
      last = performance.now();
      t0 = performance.now();
      const from = performance.timeOrigin + t0;
      await server.takeSnapshot();
      const ms = performance.now() - t0;
      windows.push([from, performance.timeOrigin + performance.now()]);
      rows.push(
        `  snapshot ${i + 1}: ${ms.toFixed(0)} ms, longest event-loop pause ${
          pauseMax.toFixed(1)
        } ms${
          gaps.length > 0
            ? ` (pauses over 20 ms at ${
              gaps.map(([at, d]) => `+${(at - t0).toFixed(0)}: ${d.toFixed(0)}`).join(", ")
            })`
            : ""
        }`,
      );
      gaps.length = 0;
      await new Promise((r) => setTimeout(r, 1500));
    }
    const out = await gen;
    clearInterval(timer);
    await server.stop();
    const { done, lat } = JSON.parse(new TextDecoder().decode(out.stdout)) as {
      done: number[];
      lat: number[];
    };
    const inside: number[] = [];
    const outside: number[] = [];
    for (let i = 0; i < done.length; i++) {
      const t = done[i];
      const l = lat[i];
      if (windows.some(([a, b]) => t >= a && t - l <= b)) inside.push(l);
      else outside.push(l);
    }
    const stats = (xs: number[]) => {
      const s = Float64Array.from(xs).sort();
      return `${xs.length} setData, p50 ${pct(s, 0.5).toFixed(1)} ms, p99 ${
        pct(s, 0.99).toFixed(1)
      } ms, max ${pct(s, 1).toFixed(1)} ms`;
    };
    console.log(
      `${tree.nodeCount} znodes; server start (snapshot load + first snapshot) ${
        startMs.toFixed(0)
      } ms; load: 8 sessions × 32 outstanding setData (100 B, fsync on), ${
        (done.length / seconds).toFixed(0)
      } ops/s`,
    );
    console.log(`  longest event-loop pause under load, no snapshot: ${idlePause.toFixed(1)} ms`);
    for (const r of rows) console.log(r);
    console.log(`  client latency during snapshots: ${stats(inside)}`);
    console.log(`  client latency otherwise:        ${stats(outside)}`);
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
}
