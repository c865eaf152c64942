/**
 * Ensemble failover, side by side: a 3-member Apache ZooKeeper 3.8 ensemble
 * and a 3-member zkts ensemble (fsync on), one after the other. A client
 * connected to every member writes; the leader is killed (SIGKILL); the time
 * from the kill to the next acknowledged write is measured, then the old
 * leader is restarted and the time until it serves again (synced) too.
 *
 * Fair to Apache: it runs as zkServer.sh starts it (USER_JVM_FLAGS: default
 * GC and JIT, `-Xmx2g`); both ensembles get the same warm-up (10 s of
 * writes before the first kill), and the two sides run twice, interleaved
 * (Apache, zkts, Apache, zkts), the rounds of both passes pooled.
 *
 *   deno run -A bench/failover.ts [rounds=5] [warm seconds=10]
 *
 * @module
 */
import { KeeperError, ZooKeeper } from "@zkts/client";
import { ErrorCode } from "@zkts/jute";
import {
  type ApacheEnsemble,
  type ApacheOptions,
  startApacheEnsemble,
  USER_JVM_FLAGS,
} from "../tests/support/apache.ts";
import { startZktsEnsemble } from "../tests/support/zkts.ts";

const rounds = Number(Deno.args[0] ?? 5);
const warmSeconds = Number(Deno.args[1] ?? 10);

/** The same warm-up for both: pipelined writes for warmSeconds. */
async function warm(zk: ZooKeeper): Promise<void> {
  const end = performance.now() + warmSeconds * 1000;
  await zk.create("/warm", null);
  const data = new Uint8Array(100);
  await Promise.all(Array.from({ length: 16 }, async (_, w) => {
    await zk.create(`/warm/w${w}`, data);
    while (performance.now() < end) await zk.setData(`/warm/w${w}`, data);
  }));
}

async function writeUntilOk(zk: ZooKeeper, path: string): Promise<void> {
  for (;;) {
    try {
      await zk.create(path, null);
      return;
    } catch (e) {
      if (e instanceof KeeperError && e.code === ErrorCode.NodeExists) return;
      if (
        !(e instanceof KeeperError) ||
        (e.code !== ErrorCode.ConnectionLoss && e.code !== ErrorCode.SessionMoved)
      ) throw e;
      await new Promise((r) => setTimeout(r, 5));
    }
  }
}

async function run(
  name: string,
  start: (n: number, o: ApacheOptions) => Promise<ApacheEnsemble>,
) {
  const ens = await start(3, { tickTime: 2000, forceSync: true, jvm: "user" });
  const failovers: number[] = [];
  const rejoins: number[] = [];
  try {
    const zk = await ZooKeeper.connect(ens.connectString, { sessionTimeoutMs: 30000 });
    try {
      await writeUntilOk(zk, "/f");
      await warm(zk);
      for (let i = 0; i < rounds; i++) {
        let leader = await ens.leader();
        while (leader === null) {
          await new Promise((r) => setTimeout(r, 20));
          leader = await ens.leader();
        }
        const t0 = performance.now();
        await ens.kill(leader);
        await writeUntilOk(zk, `/f/r${i}`);
        failovers.push(performance.now() - t0);
        const t1 = performance.now();
        await ens.restart(leader);
        rejoins.push(performance.now() - t1);
      }
    } finally {
      await zk.close();
    }
  } finally {
    await ens.stop();
  }
  return { name, failovers, rejoins };
}

const median = (xs: number[]) => xs.toSorted((a, b) => a - b)[xs.length >> 1];
const passes: Awaited<ReturnType<typeof run>>[] = [];
for (let pass = 0; pass < 2; pass++) {
  passes.push(await run("Apache", startApacheEnsemble), await run("zkts", startZktsEnsemble));
}
const results = ["Apache", "zkts"].map((name) => ({
  name,
  failovers: passes.filter((p) => p.name === name).flatMap((p) => p.failovers),
  rejoins: passes.filter((p) => p.name === name).flatMap((p) => p.rejoins),
}));
console.log(
  `\nfailover of a 3-member ensemble, tickTime 2000, 2 interleaved passes of ${rounds} rounds after ${warmSeconds} s warm-up (ms); Apache with ${
    USER_JVM_FLAGS.join(" ")
  }\n`,
);
console.log(
  "| ensemble | leader killed → next write acknowledged (median, all) | old leader restarted → serving (median) |",
);
console.log("| --- | --- | --- |");
for (const r of results) {
  console.log(
    `| ${r.name} | ${median(r.failovers).toFixed(0)} (${
      r.failovers.map((x) => x.toFixed(0)).join(", ")
    }) | ${median(r.rejoins).toFixed(0)} |`,
  );
}
const [a, z] = results;
console.log(
  `\nzkts/Apache: failover ${(median(z.failovers) / median(a.failovers)).toFixed(2)}×, rejoin ${
    (median(z.rejoins) / median(a.rejoins)).toFixed(2)
  }×`,
);
