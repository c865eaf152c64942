/**
 * A mutex contender in its own process (lock_process_test.ts):
 * `deno run -A contender.ts HOSTS PATH ROUNDS`. Inside the lock it creates
 * the ephemeral `PATH-marker` (NodeExists = two holders) and prints
 * `{"rounds", "violations"}`. With `hold` instead of ROUNDS it takes the
 * lock (1 s session), prints "held" and waits to be killed.
 */
import { KeeperError, ZooKeeper } from "@zkts/client";
import { CreateMode, ErrorCode } from "@zkts/jute";
import { Mutex } from "../../../packages/recipes/mod.ts";

const [hosts, path, roundsArg] = Deno.args;
const zk = await ZooKeeper.connect(hosts, { sessionTimeoutMs: roundsArg === "hold" ? 1000 : 10000 });
const mutex = new Mutex(zk, path, { identifier: `deno-${Deno.pid}` });
if (roundsArg === "hold") {
  // `hold`: take the lock, say so, and keep it until killed.
  await mutex.acquire({ timeoutMs: 10000 });
  console.log("held");
  await new Promise(() => {});
}
let violations = 0;
const rounds = Number(roundsArg);
try {
  for (let i = 0; i < rounds; i++) {
    const lock = await mutex.acquire({ timeoutMs: 20000 });
    try {
      await zk.create(`${path}-marker`, null, { mode: CreateMode.Ephemeral });
    } catch (e) {
      if (!(e instanceof KeeperError && e.code === ErrorCode.NodeExists)) throw e;
      violations++;
    }
    await new Promise((r) => setTimeout(r, 5));
    await zk.delete(`${path}-marker`).catch(() => {});
    await lock.release();
  }
  console.log(JSON.stringify({ rounds, violations }));
} finally {
  await zk.close();
}
