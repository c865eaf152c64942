/**
 * A load generator for bench/snapshot_pause.ts, run as its own process so it
 * does not share the server's event loop: SESSIONS sessions × DEPTH
 * outstanding setData of 100 bytes on random existing znodes
 * /p<parent>/c<child>, for SECONDS. Prints one JSON line: every request's
 * completion time (epoch ms) and latency (ms).
 *
 *   deno run -A bench/_setdata_load.ts <connect> <seconds> <parents> <children> [sessions=8] [depth=32]
 *
 * @module
 */
import { ZooKeeper } from "@zkts/client";

const [connect, secs, parents, children, sessions = "8", depth = "32"] = Deno.args;
const clients = await Promise.all(
  Array.from(
    { length: Number(sessions) },
    () => ZooKeeper.connect(connect, { sessionTimeoutMs: 30000 }),
  ),
);
const data = new Uint8Array(100).fill(120);
const done: number[] = [];
const lat: number[] = [];
const end = performance.now() + Number(secs) * 1000;
let seed = 12345;
const rand = (n: number) => {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
  return seed % n;
};
await Promise.all(clients.flatMap((zk) =>
  Array.from({ length: Number(depth) }, async () => {
    while (performance.now() < end) {
      const a = performance.now();
      await zk.setData(`/p${rand(Number(parents))}/c${rand(Number(children))}`, data);
      const b = performance.now();
      done.push(performance.timeOrigin + b);
      lat.push(b - a);
    }
  })
));
await Promise.all(clients.map((zk) => zk.close()));
console.log(JSON.stringify({ done, lat }));
