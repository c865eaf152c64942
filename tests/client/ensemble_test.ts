/**
 * The client against a 3-node ensemble, Apache ZooKeeper 3.8's and zkts's,
 * the same test body: when the server it talks to dies, the client moves to
 * another one with the same session; its ephemerals and watches survive; a
 * write made while it was away fires the watch on reconnect (SetWatches2
 * with the last zxid).
 */
import assert from "node:assert/strict";
import { KeeperError, type WatchedEvent, ZooKeeper } from "@zkts/client";
import { CreateMode, ErrorCode, EventType, KeeperState } from "@zkts/jute";
import { type ApacheEnsemble, startApacheEnsemble } from "../support/apache.ts";
import { interopTest } from "../support/oracle.ts";
import { startZktsEnsemble } from "../support/zkts.ts";

/** Retries an op through ConnectionLoss (the ensemble may be electing), bounded. */
async function retry<T>(op: () => Promise<T>, ms = 20000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return await op();
    } catch (e) {
      if (!(e instanceof KeeperError) || e.code !== ErrorCode.ConnectionLoss) throw e;
      if (Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

function waitEvent(zk: ZooKeeper, pred: (e: WatchedEvent) => boolean, ms = 20000) {
  return new Promise<WatchedEvent>((resolve, reject) => {
    const timer = setTimeout(() => {
      zk.removeListener(l);
      reject(new Error("no event in time"));
    }, ms);
    const l = (e: WatchedEvent) => {
      if (!pred(e)) return;
      clearTimeout(timer);
      zk.removeListener(l);
      resolve(e);
    };
    zk.addListener(l);
  });
}

async function failover(start: (n: number, o: object) => Promise<ApacheEnsemble>) {
  {
    const ens = await start(3, { forceSync: false, tickTime: 500 });
    try {
      const zk = await ZooKeeper.connect(ens.connectString, { sessionTimeoutMs: 10000 });
      const other = await ZooKeeper.connect(ens.connectString, { sessionTimeoutMs: 10000 });
      try {
        await zk.create("/eph", null, { mode: CreateMode.Ephemeral });
        await zk.create("/w", null);
        const fired: WatchedEvent[] = [];
        await zk.getData("/w", (e) => fired.push(e));
        const sid = zk.sessionId;
        const serving = zk.currentServer;
        const victim = ens.members.find((m) => serving.endsWith(`:${m.clientPort}`))!;
        const otherOnVictim = other.currentServer === serving;
        const disconnected = waitEvent(zk, (e) => e.state === KeeperState.Disconnected);
        const reconnected = waitEvent(zk, (e) => e.state === KeeperState.SyncConnected);
        await ens.kill(victim.id);
        await disconnected;
        // If the victim led, the others elect anew and drop their clients too.
        if (!otherOnVictim) await retry(() => other.setData("/w", new TextEncoder().encode("x")));
        await reconnected;
        assert.equal(zk.sessionId, sid, "same session on another server");
        assert.notEqual(zk.currentServer, serving);
        assert.ok(await zk.exists("/eph"), "the ephemeral survives the failover");
        if (otherOnVictim) await other.setData("/w", new TextEncoder().encode("x"));
        const deadline = Date.now() + 10000;
        while (fired.length === 0 && Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, 20));
        }
        assert.deepEqual(fired.map((e) => e.type), [EventType.NodeDataChanged]);
        await retry(() => zk.sync("/"));
      } finally {
        await zk.close();
        await other.close();
      }
    } finally {
      await ens.stop();
    }
  }
}

interopTest(
  "client vs Apache ensemble: failover keeps the session, ephemerals and watches",
  () => failover(startApacheEnsemble),
);

Deno.test({
  name: "client vs zkts ensemble: failover keeps the session, ephemerals and watches",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: () => failover(startZktsEnsemble),
});
