/**
 * Issue 13, third point: the reproduction script (not a test). A mixed
 * ensemble, zkts member 3 leading, Apache members 1 and 2 following, fsync on;
 * compare-and-set load (sync, getData, setData or check+setData) through
 * clients on every member, some of them moving between members; faults in
 * rounds: a follower killed (sometimes wiped) and restarted, both followers
 * killed (quorum loss), the zkts leader paused (SIGSTOP) or killed. A prober
 * opens a fresh session on each Apache follower every second; a follower that
 * follows zkts and fails twice in a row is the hang: `cons`, `mntr`, `stat`
 * and a jstack go to diag.*.txt, every member's log to saved.*.log, in the
 * kept ensemble dir.
 *
 *   deno run -A tests/ensemble/_repro_hang.ts [rounds] [seed] [paceMs] [all|kills|nopause|pauses] [tickTime]
 *
 * Before the fix of 913b318, `60 55 10 pauses 2000` hung a follower 28–140 s
 * in, in each of four runs (three of them with the leader's NEWLEADER–UPTODATE
 * hold switched off, as in the chaos run); after it, no hang in 60 rounds.
 */
import { KeeperError, ZooKeeper } from "@zkts/client";
import { CreateMode, ErrorCode } from "@zkts/jute";
import { startMixedEnsemble } from "../support/zkts.ts";
import { fourLetter } from "../support/apache.ts";

const rounds = Number(Deno.args[0] ?? 8);
let seed = Number(Deno.args[1] ?? 1);
/** Max pause between a worker's ops (ms): low load makes catch-ups DIFFs. */
const pace = Number(Deno.args[2] ?? 20);
/** Which faults: "all" (kills, quorum loss, leader pauses) or "kills" (one follower at a time). */
const faults = Deno.args[3] ?? "all";
const tickTime = Number(Deno.args[4] ?? 500);
const rand = () => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed / 0x7fffffff;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const enc = (s: string) => new TextEncoder().encode(s);
const t0 = Date.now();
const log = (s: string) => console.log(`[${((Date.now() - t0) / 1000).toFixed(1)}s] ${s}`);

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>((_, rej) => {
      timer = setTimeout(() => rej(new Error(`${what}: no answer in ${ms} ms`)), ms);
    }),
  ]);
}

const ens = await startMixedEnsemble(3, [3], {
  forceSync: true,
  tickTime,
  keepDir: true,
  startTimeoutMs: 60_000,
});
log(`ensemble in ${ens.dir}`);
let stop = false;
const workers: Promise<void>[] = [];
const stats = { cas: 0, bad: 0, err: 0 };
try {
  // The zkts member must lead: stop any Apache leader until it does.
  const leaderNow = async () => {
    for (let i = 0; i < 100; i++) {
      const l = await ens.leader();
      if (l !== null) return l;
      await sleep(200);
    }
    return null;
  };
  for (let i = 0; i < 8; i++) {
    const l = await leaderNow();
    if (l === 3) break;
    if (l !== null) {
      await ens.stopMember(l);
      await sleep(3000);
      await ens.restart(l).catch(() => {});
    }
  }
  log(`leader ${await leaderNow()}`);
  for (let i = 0; i < 50; i++) {
    try {
      const setup = await ZooKeeper.connect(ens.connectStringOf(3), { sessionTimeoutMs: 10000 });
      for (let k = 0; k < 4; k++) {
        await setup.create(`/cas${k}`, enc("0")).catch((e) => {
          if (!(e instanceof KeeperError && e.code === ErrorCode.NodeExists)) throw e;
        });
      }
      await setup.close();
      break;
    } catch {
      await sleep(200);
    }
  }

  // CAS workers: two per member, each with its own session and key.
  const worker = async (id: number, w: number) => {
    while (!stop) {
      let zk: ZooKeeper | undefined;
      try {
        zk = await withTimeout(
          ZooKeeper.connect(
            w === 0 ? ens.connectStringOf(id) : ens.connectString,
            { sessionTimeoutMs: w === 0 ? 4000 : 8000 },
          ),
          8000,
          `worker ${id}/${w} connect`,
        );
        while (!stop) {
          const path = `/cas${Math.floor(rand() * 4)}`;
          // A linearizable read, as a CAS checker does: sync, then read.
          if (rand() < 0.5) await zk.sync(path);
          const { data, stat } = await zk.getData(path);
          const v = Number(new TextDecoder().decode(data!)) + 1;
          if (pace > 0) await sleep(rand() * pace);
          try {
            if (rand() < 0.2) {
              await zk.transaction().check(path, stat.version).setData(path, enc(`${v}`)).commit();
            } else await zk.setData(path, enc(`${v}`), stat.version);
            stats.cas++;
          } catch (e) {
            if (e instanceof KeeperError && e.code === ErrorCode.BadVersion) stats.bad++;
            else throw e;
          }
        }
      } catch {
        stats.err++;
        await sleep(200);
      } finally {
        await zk?.close().catch(() => {});
      }
    }
  };
  // Worker 0 of each member stays on it; worker 1 has every member's address
  // and moves when its server goes (its session revalidated elsewhere).
  for (const id of [1, 2, 3]) for (const w of [0, 1]) workers.push(worker(id, w));

  const probe = async (id: number): Promise<string | null> => {
    let zk: ZooKeeper | undefined;
    try {
      const p = ZooKeeper.connect(ens.connectStringOf(id), { sessionTimeoutMs: 6000 });
      zk = await withTimeout(p, 6000, `probe ${id} connect`).catch((e) => {
        p.then((z) => z.close()).catch(() => {});
        throw e;
      });
      await withTimeout(zk.getData("/cas0"), 4000, `probe ${id} getData`);
      await withTimeout(
        zk.create("/probe-", null, { mode: CreateMode.EphemeralSequential }),
        4000,
        `probe ${id} create`,
      );
      return null;
    } catch (e) {
      return e instanceof Error ? e.message : String(e);
    } finally {
      await zk?.close().catch(() => {});
    }
  };

  const pidOf = async (id: number): Promise<number | null> => {
    const o = await new Deno.Command("pgrep", { args: ["-f", `${ens.dir}/${id}/zoo.cfg`] })
      .output();
    const pid = Number(new TextDecoder().decode(o.stdout).trim().split("\n")[0]);
    return pid > 0 ? pid : null;
  };
  let saved = 0;
  const save = async (id: number) => {
    await Deno.writeTextFile(`${ens.dir}/${id}/saved.${saved++}.log`, ens.logs(id)).catch(() => {});
  };
  const kill = async (id: number) => {
    await save(id);
    await ens.kill(id);
  };
  const toZkts = async () => {
    for (let i = 0; i < 6; i++) {
      const l = await leaderNow();
      if (l === 3 || l === null) return;
      log(`  leader ${l}: bouncing it`);
      await save(l);
      await ens.stopMember(l);
      await sleep(2000);
      await restart(l);
    }
  };
  /** What a member that did not answer holds: its connections, counters and threads. */
  const diagnose = async (id: number, n: number) => {
    const out: string[] = [];
    for (const w of ["cons", "mntr", "stat"]) {
      out.push(
        `--- ${w}\n${await fourLetter("127.0.0.1", ens.members[id - 1].clientPort, w).catch((e) =>
          String(e)
        )}`,
      );
    }
    const pid = await pidOf(id);
    if (pid) {
      const o = await new Deno.Command("jstack", { args: [String(pid)] }).output().catch(() =>
        null
      );
      if (o) out.push(`--- jstack\n${new TextDecoder().decode(o.stdout)}`);
    }
    await Deno.writeTextFile(`${ens.dir}/${id}/diag.${saved++}.${n}.txt`, out.join("\n"));
    await save(id);
  };
  // Background probes: a fresh session on each Apache follower every second.
  const failures = new Map<number, number>();
  const prober = (async () => {
    while (!stop) {
      for (const id of [1, 2]) {
        if (stop) break;
        if ((await ens.mode(id)) !== "follower" || (await ens.leader()) !== 3) {
          failures.set(id, 0);
          continue;
        }
        const bad = await probe(id);
        const n = bad ? (failures.get(id) ?? 0) + 1 : 0;
        failures.set(id, n);
        if (bad) {
          log(`  probe ${id} failed (${n} in a row): ${bad}`);
          await diagnose(id, n);
        }
        if (n >= 2 && (await ens.mode(id)) === "follower") {
          log(
            `REPRODUCED: member ${id} follows zkts and answers no new session; logs in ${ens.dir}`,
          );
          for (const m of [1, 2, 3]) await save(m);
          stop = true;
        }
      }
      await sleep(1000);
    }
  })();
  workers.push(prober);
  const restart = async (id: number) => {
    try {
      await ens.restart(id);
    } catch (e) {
      log(`restart ${id} failed: ${e instanceof Error ? e.message.slice(0, 300) : e}`);
    }
  };
  for (let r = 0; r < rounds && !stop; r++) {
    // A member just failed a probe: no faults until it answers again (or it is confirmed).
    for (let i = 0; i < 40 && !stop && [...failures.values()].some((v) => v > 0); i++) {
      await sleep(500);
    }
    if (stop) break;
    const victim = rand() < 0.5 ? 1 : 2;
    const action = faults === "kills"
      ? rand() * 0.5
      : faults === "nopause"
      ? rand() * 0.8
      : faults === "pauses"
      ? (rand() < 0.5 ? 0.9 : rand() * 0.5)
      : rand();
    await sleep(500 + rand() * 1500);
    if (action < 0.5) {
      const wipe = rand() < 0.2;
      log(`round ${r}: kill ${victim}${wipe ? " (wipe)" : ""}; ${JSON.stringify(stats)}`);
      await kill(victim);
      if (wipe) {
        await Deno.remove(`${ens.members[victim - 1].dataDir}/version-2`, { recursive: true })
          .catch(() => {});
      }
      await sleep(rand() * 2000);
      await restart(victim);
    } else if (action < 0.6) {
      log(`round ${r}: kill zkts leader 3; ${JSON.stringify(stats)}`);
      await kill(3);
      await sleep(500 + rand() * 2000);
      await restart(3);
    } else if (action < 0.8) {
      log(`round ${r}: kill 1 and 2 (quorum loss); ${JSON.stringify(stats)}`);
      await kill(1);
      await sleep(rand() * 500);
      await kill(2);
      await sleep(rand() * 2000);
      await Promise.all([restart(1), restart(2)]);
    } else {
      const pid = await pidOf(3);
      const ms = Math.floor(500 + rand() * 4 * tickTime);
      log(`round ${r}: pause zkts ${pid} ${ms} ms; ${JSON.stringify(stats)}`);
      if (pid) {
        Deno.kill(pid, "SIGSTOP");
        await sleep(ms);
        Deno.kill(pid, "SIGCONT");
      }
      await ens.waitServing(30000).catch((e) => log(`not serving: ${e.message.slice(0, 200)}`));
    }
    log(`  leader ${await ens.leader()}`);
    await toZkts();
    if (stop) break;
    if (stop) break;
  }
  log(`done: ${JSON.stringify(stats)}`);
} finally {
  stop = true;
  await Promise.race([Promise.allSettled(workers), sleep(10000)]);
  await ens.stop();
}
