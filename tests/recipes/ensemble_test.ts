/**
 * Recipes across a failover in a 3-node Apache ZooKeeper 3.8 ensemble: the
 * server of a lock holder and of a leader dies; their sessions move to
 * another server, so the lock stays held (nobody else gets it, the holder's
 * signal stays quiet), and the leader, told of the suspension, leads again
 * after the reconnect.
 */
import assert from "node:assert/strict";
import { ZooKeeper } from "@zkts/client";
import { LeaderLatch, Mutex } from "../../packages/recipes/mod.ts";
import { startApacheEnsemble } from "../support/apache.ts";
import { interopTest } from "../support/oracle.ts";
import { settle, until } from "./_helpers.ts";

interopTest("recipes vs Apache ensemble: a lock and a leadership survive a failover", async () => {
  const ens = await startApacheEnsemble(3, { forceSync: false, tickTime: 500 });
  const sessions: ZooKeeper[] = [];
  try {
    const connect = async () => {
      const zk = await ZooKeeper.connect(ens.connectString, { sessionTimeoutMs: 10000 });
      sessions.push(zk);
      return zk;
    };
    const [a, b] = [await connect(), await connect()];
    const held = await new Mutex(a, "/lock").acquire({ timeoutMs: 5000 });
    const latch = new LeaderLatch(a, "/election");
    const seen: boolean[] = [];
    latch.onChange((l) => seen.push(l));
    await latch.start();
    await latch.await({ timeoutMs: 5000 });
    let bGot = false;
    const pb = new Mutex(b, "/lock").acquire({ timeoutMs: 30000 }).then((h) => {
      bGot = true;
      return h;
    });
    await until(async () => (await b.getChildren("/lock")).length === 2, 5000, "b queued");
    const serving = a.currentServer;
    const victim = ens.members.find((m) => serving.endsWith(`:${m.clientPort}`))!;
    await ens.kill(victim.id);
    await until(() => a.connected && a.currentServer !== serving, 20000, "a failed over");
    await latch.await({ timeoutMs: 10000 });
    assert.deepEqual(seen, [true, false, true], "leadership dropped on suspension, then regained");
    await settle(300);
    assert.equal(held.signal.aborted, false, "the lock is still held");
    assert.equal(bGot, false, "nobody else got it");
    await held.release();
    await (await pb).release();
    await latch.close();
  } finally {
    await Promise.all(sessions.map((zk) => zk.close().catch(() => {})));
    await ens.stop();
  }
});
