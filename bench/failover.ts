/**
 * Ensemble failover, side by side: a 3-member Apache ZooKeeper 3.8 ensemble
 * and a 3-member zkts ensemble (fsync on), one after the other. A client
 * connected to every member writes; the leader is killed (SIGKILL); the time
 * from the kill to the next acknowledged write is measured, then the old
 * leader is restarted and the time until it serves again (synced) too.
 *
 *   deno run -A bench/failover.ts [rounds=5]
 *
 * @module
 */
import { KeeperError, ZooKeeper } from "@zkts/client";
import { ErrorCode } from "@zkts/jute";
import { type ApacheEnsemble, startApacheEnsemble } from "../tests/support/apache.ts";
import { startZktsEnsemble } from "../tests/support/zkts.ts";

const rounds = Number(Deno.args[0] ?? 5);

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

async function run(name: string, start: (n: number, o: object) => Promise<ApacheEnsemble>) {
  const ens = await start(3, { tickTime: 2000, forceSync: true });
  const failovers: number[] = [];
  const rejoins: number[] = [];
  try {
    const zk = await ZooKeeper.connect(ens.connectString, { sessionTimeoutMs: 30000 });
    try {
      await writeUntilOk(zk, "/f");
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
const results = [await run("Apache", startApacheEnsemble), await run("zkts", startZktsEnsemble)];
console.log(`\nfailover of a 3-member ensemble, tickTime 2000, ${rounds} rounds (ms)\n`);
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
