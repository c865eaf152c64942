/**
 * Side-by-side load: the same load generator against Apache ZooKeeper 3.8
 * (Debian) and zkts, each standalone on loopback with fsync on, on this
 * machine. Pipelined creates, setData and getData from several sessions;
 * throughput and p50/p99 latency, and the ratios zkts/Apache.
 *
 * Fair to Apache: it runs as zkServer.sh starts it (default GC and JIT,
 * `-Xmx2g`: USER_JVM_FLAGS), both servers get the same warm-up (`--warm`
 * seconds of the measured load, default 10, before each measurement), and
 * the sides are measured in interleaved rounds (Apache, zkts, Apache, zkts,
 * each round a fresh server); the table gives each round and the ratio of
 * the medians.
 *
 *   deno run -A bench/load.ts [--seconds 5] [--warm 10] [--rounds 2] [--sessions 8] [--depth 32]
 *     [--bytes 100] [--only Apache|zkts] [--snapCount N (both servers; default 100000)]
 *     [--ensemble 3 (each side an ensemble of that many members; sessions spread over them)]
 *
 * @module
 */
import { parseArgs } from "node:util";
import { ZooKeeper } from "@zkts/client";
import {
  type ApacheOptions,
  startApache,
  startApacheEnsemble,
  USER_JVM_FLAGS,
} from "../tests/support/apache.ts";
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
    warm: { type: "string", default: "10" },
    rounds: { type: "string", default: "2" },
  },
});
const WARM_SECONDS = Number(values.warm);
const ROUNDS = Number(values.rounds);
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
  seconds: number,
): Promise<Result> {
  const lat: number[] = [];
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
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

/** The three phases under `/<prefix>s<session>`, each `seconds` long. */
async function load(
  clients: ZooKeeper[],
  prefix: string,
  seconds: number,
): Promise<Record<string, Result>> {
  const data = new Uint8Array(BYTES).fill(120);
  await clients[0].create(`/${prefix}`, null);
  for (let s = 0; s < SESSIONS; s++) await clients[0].create(`/${prefix}/s${s}`, null);
  const out: Record<string, Result> = {};
  out.create = await phase(
    clients,
    (zk, s, i) => zk.create(`/${prefix}/s${s}/n${i}`, data),
    seconds,
  );
  // setData and getData on the nodes each session created.
  const counts = await Promise.all(clients.map((zk, s) => zk.getChildren(`/${prefix}/s${s}`)));
  const names = counts.map((c) => c.sort());
  out.setData = await phase(
    clients,
    (zk, s, i) => zk.setData(`/${prefix}/s${s}/${names[s][i % names[s].length]}`, data),
    seconds,
  );
  out.getData = await phase(
    clients,
    (zk, s, i) => zk.getData(`/${prefix}/s${s}/${names[s][i % names[s].length]}`),
    seconds,
  );
  return out;
}

async function run(name: string, server: Target): Promise<Record<string, Result>> {
  const clients = await Promise.all(
    Array.from(
      { length: SESSIONS },
      () => ZooKeeper.connect(server.connectString, { sessionTimeoutMs: 30000 }),
    ),
  );
  try {
    // The same warm-up for both: the measured load itself, WARM_SECONDS in all.
    if (WARM_SECONDS > 0) await load(clients, "warm", WARM_SECONDS / 3);
    const out = await load(clients, "bench", SECONDS);
    console.error(`${name}: done`);
    return out;
  } finally {
    await Promise.all(clients.map((c) => c.close().catch(() => {})));
  }
}

const results: Record<string, Record<string, Result>[]> = {};
const members = values.ensemble ? Number(values.ensemble) : 0;
const starters: [string, (o: ApacheOptions) => Promise<Target>][] = members > 0
  ? [
    ["Apache", (o) => startApacheEnsemble(members, o)],
    ["zkts", (o) => startZktsEnsemble(members, o)],
  ]
  : [["Apache", startApache], ["zkts", startZkts]];
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, start] of starters) {
    if (values.only && values.only !== name) continue;
    const server = await start({
      forceSync: true,
      maxSessionTimeout: 60000,
      jvm: "user",
      extra: values.snapCount ? { snapCount: Number(values.snapCount) } : {},
    });
    try {
      (results[name] ??= []).push(await run(name, server));
    } finally {
      await server.stop();
    }
  }
}

const f = (n: number) => n.toFixed(n < 10 ? 2 : 0);
const med = (xs: number[]) => xs.toSorted((a, b) => a - b)[(xs.length - 1) >> 1];
console.log(
  `\nload: ${SESSIONS} sessions x ${DEPTH} outstanding, ${BYTES}-byte values, ${SECONDS} s per op after ${WARM_SECONDS} s warm-up, ${ROUNDS} interleaved rounds, fsync on${
    members > 0 ? `, ensembles of ${members}` : ""
  }; Apache with ${USER_JVM_FLAGS.join(" ")}\n`,
);
console.log("| op | server | ops/s (each round) | p50 ms | p99 ms |");
console.log("|---|---|---:|---:|---:|");
const medians: Record<string, Record<string, Result>> = {};
for (const op of ["create", "setData", "getData"]) {
  for (const name of Object.keys(results)) {
    const rs = results[name].map((r) => r[op]);
    const m = {
      ops: 0,
      opsPerSec: med(rs.map((r) => r.opsPerSec)),
      p50: med(rs.map((r) => r.p50)),
      p99: med(rs.map((r) => r.p99)),
    };
    (medians[name] ??= {})[op] = m;
    console.log(
      `| ${op} | ${name} | ${rs.map((r) => f(r.opsPerSec)).join(" / ")} | ${
        rs.map((r) => f(r.p50)).join(" / ")
      } | ${rs.map((r) => f(r.p99)).join(" / ")} |`,
    );
  }
  if (medians.Apache && medians.zkts) {
    const a = medians.Apache[op];
    const z = medians.zkts[op];
    console.log(
      `| ${op} | zkts/Apache (medians) | ${(z.opsPerSec / a.opsPerSec).toFixed(2)}x | ${
        (z.p50 / a.p50).toFixed(2)
      }x | ${(z.p99 / a.p99).toFixed(2)}x |`,
    );
  }
}
