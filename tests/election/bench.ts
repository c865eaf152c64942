/**
 * Election time on loopback, whole zkts servers next to whole Apache
 * ZooKeeper 3.8 servers, for 3- and 5-member ensembles (fsync on): from
 * launching every member to all of them serving, and from SIGKILLing the
 * leader to every survivor serving again under a new leader (election and
 * ZAB sync included, as a client sees it). Apache runs as zkServer.sh starts
 * it (USER_JVM_FLAGS). The sides alternate round by round.
 *
 *   deno run -A tests/election/bench.ts [rounds=3]
 *
 * @module
 */
import { type ApacheEnsemble, startApacheEnsemble, USER_JVM_FLAGS } from "../support/apache.ts";
import { startZktsEnsemble } from "../support/zkts.ts";

const rounds = Number(Deno.args[0] ?? 3);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function round(
  n: number,
  start: typeof startApacheEnsemble,
): Promise<{ start: number; wall: number }> {
  const ens: ApacheEnsemble = await start(n, { forceSync: true, jvm: "user" });
  try {
    let leader = await ens.leader();
    for (let i = 0; leader === null && i < 500; i++) {
      await new Promise((r) => setTimeout(r, 10));
      leader = await ens.leader();
    }
    if (leader === null) throw new Error("no leader");
    const killedAt = performance.now();
    await ens.kill(leader);
    const deadline = killedAt + 60_000;
    for (;;) {
      const l = await ens.leader();
      if (l !== null && l !== leader) {
        await ens.waitServing(Math.max(1, deadline - performance.now()));
        break;
      }
      if (performance.now() > deadline) throw new Error("no new leader in 60 s");
      await new Promise((r) => setTimeout(r, 5));
    }
    return { start: ens.startMs, wall: performance.now() - killedAt };
  } finally {
    await ens.stop();
  }
}

const rows: string[] = [];
for (const n of [3, 5]) {
  const res: Record<string, { start: number; wall: number }[]> = { zkts: [], Apache: [] };
  for (let r = 0; r < rounds; r++) {
    res.Apache.push(await round(n, startApacheEnsemble));
    res.zkts.push(await round(n, startZktsEnsemble));
  }
  for (const name of ["zkts", "Apache"]) {
    rows.push(
      `| ${n} | ${name} | ${Math.round(median(res[name].map((x) => x.start)))} | ${
        Math.round(median(res[name].map((x) => x.wall)))
      } |`,
    );
    console.error(rows.at(-1));
  }
}
console.log(
  `whole servers on loopback, median of ${rounds} rounds (ms); Apache with ${
    USER_JVM_FLAGS.join(" ")
  }\n`,
);
console.log("| members | impl | launch → all serving | leader killed → all survivors serving |");
console.log("| ------- | ---- | -------------------- | ------------------------------------- |");
for (const r of rows) console.log(r);
