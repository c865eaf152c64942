/**
 * Side-by-side load: the same load generator against Apache ZooKeeper 3.8
 * (Debian) and zkts, each standalone on loopback with fsync on, one after the
 * other on this machine. Pipelined creates, setData and getData from several
 * sessions; throughput and p50/p99 latency, and the ratios zkts/Apache.
 *
 *   deno run -A bench/load.ts [--seconds 5] [--sessions 8] [--depth 32] [--bytes 100]
 *     [--only Apache|zkts] [--snapCount N (both servers; default Apache's 100000)]
 *     [--ensemble 3 (each side an ensemble of that many members; sessions spread over them)]
 *
 * @module
 */
import { parseArgs } from "node:util";
import { ZooKeeper } from "@zkts/client";
import { type ApacheOptions, startApache, startApacheEnsemble } from "../tests/support/apache.ts";
import { startZkts, startZktsEnsemble } from "../tests/support/zkts.ts";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "5" },
    sessions: { type: "string", default: "8" },
    depth: { type: "string", default: "32" },
    bytes: { type: "string", default: "100" },
    only: { type: "string" },
    snapCount: { type: "string" },
    ensemble: { type: "string" },
  },
});
const SECONDS = Number(values.seconds);
const SESSIONS = Number(values.sessions);
const DEPTH = Number(values.depth);
const BYTES = Number(values.bytes);

interface Result {
  ops: number;
  opsPerSec: number;
  p50: number;
  p99: number;
}

function pct(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
}

async function phase(
  clients: ZooKeeper[],
  op: (zk: ZooKeeper, s: number, i: number) => Promise<unknown>,
): Promise<Result> {
  const lat: number[] = [];
  const t0 = performance.now();
  const end = t0 + SECONDS * 1000;
  let ops = 0;
  await Promise.all(clients.flatMap((zk, s) =>
    Array.from({ length: DEPTH }, async (_, d) => {
      let i = d;
      while (performance.now() < end) {
        const a = performance.now();
        await op(zk, s, i);
        lat.push(performance.now() - a);
        ops++;
        i += DEPTH;
      }
    })
  ));
  const secs = (performance.now() - t0) / 1000;
  const sorted = Float64Array.from(lat).sort();
  return { ops, opsPerSec: ops / secs, p50: pct(sorted, 0.5), p99: pct(sorted, 0.99) };
}

interface Target {
  connectString: string;
  stop(): Promise<void>;
}

async function run(name: string, server: Target): Promise<Record<string, Result>> {
  const clients = await Promise.all(
    Array.from(
      { length: SESSIONS },
      () => ZooKeeper.connect(server.connectString, { sessionTimeoutMs: 30000 }),
    ),
  );
  const data = new Uint8Array(BYTES).fill(120);
  try {
    for (let s = 0; s < SESSIONS; s++) await clients[0].create(`/s${s}`, null);
    const out: Record<string, Result> = {};
    out.create = await phase(clients, (zk, s, i) => zk.create(`/s${s}/n${i}`, data));
    // setData and getData on the nodes each session created.
    const counts = await Promise.all(clients.map((zk, s) => zk.getChildren(`/s${s}`)));
    const names = counts.map((c) => c.sort());
    out.setData = await phase(
      clients,
      (zk, s, i) => zk.setData(`/s${s}/${names[s][i % names[s].length]}`, data),
    );
    out.getData = await phase(
      clients,
      (zk, s, i) => zk.getData(`/s${s}/${names[s][i % names[s].length]}`),
    );
    console.error(`${name}: done`);
    return out;
  } finally {
    await Promise.all(clients.map((c) => c.close().catch(() => {})));
  }
}

const results: Record<string, Record<string, Result>> = {};
const members = values.ensemble ? Number(values.ensemble) : 0;
const starters: [string, (o: ApacheOptions) => Promise<Target>][] = members > 0
  ? [
    ["Apache", (o) => startApacheEnsemble(members, o)],
    ["zkts", (o) => startZktsEnsemble(members, o)],
  ]
  : [["Apache", startApache], ["zkts", startZkts]];
for (const [name, start] of starters) {
  if (values.only && values.only !== name) continue;
  const server = await start({
    forceSync: true,
    maxSessionTimeout: 60000,
    extra: values.snapCount ? { snapCount: Number(values.snapCount) } : {},
  });
  try {
    // Warm up (JIT) before measuring.
    const warm = await ZooKeeper.connect(server.connectString);
    for (let i = 0; i < 2000; i++) await warm.exists("/");
    await warm.close();
    results[name] = await run(name, server);
  } finally {
    await server.stop();
  }
}

const f = (n: number) => n.toFixed(n < 10 ? 2 : 0);
console.log(
  `\nload: ${SESSIONS} sessions x ${DEPTH} outstanding, ${BYTES}-byte values, ${SECONDS} s per op, fsync on${
    members > 0 ? `, ensembles of ${members}` : ""
  }\n`,
);
console.log("| op | server | ops/s | p50 ms | p99 ms |");
console.log("|---|---|---:|---:|---:|");
for (const op of ["create", "setData", "getData"]) {
  for (const name of Object.keys(results)) {
    const r = results[name][op];
    console.log(`| ${op} | ${name} | ${f(r.opsPerSec)} | ${f(r.p50)} | ${f(r.p99)} |`);
  }
  if (results.Apache && results.zkts) {
    const a = results.Apache[op];
    const z = results.zkts[op];
    console.log(
      `| ${op} | zkts/Apache | ${(z.opsPerSec / a.opsPerSec).toFixed(2)}x | ${
        (z.p50 / a.p50).toFixed(2)
      }x | ${(z.p99 / a.p99).toFixed(2)}x |`,
    );
  }
}
