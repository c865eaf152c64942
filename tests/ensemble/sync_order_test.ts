/**
 * Issue 13: an Apache 3.8 follower of a zkts leader stopped answering its
 * clients. Its CommitProcessor pairs a SYNC from the leader with the oldest
 * sync it forwarded and expects commits for its own requests in the order it
 * forwarded them; a SYNC that overtakes the COMMIT of a write the follower
 * forwarded before that sync leaves the sync at the head of its queue forever,
 * and every later request of that follower waits behind it.
 */
import assert from "node:assert/strict";
import { KeeperError, ZooKeeper } from "@zkts/client";
import { ErrorCode } from "@zkts/jute";
import { interopTest } from "../support/oracle.ts";
import { startMixedEnsemble } from "../support/zkts.ts";

const enc = (s: string) => new TextEncoder().encode(s);

/** `p`, or a rejection naming `what` after `ms`. */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: no answer in ${ms} ms`)), ms);
    }),
  ]);
}

interopTest(
  "mixed ensemble: an Apache 3.8 follower's syncs and writes come back from a zkts leader in the order it forwarded them",
  async () => {
    await using ens = await startMixedEnsemble(3, [3], {
      forceSync: false,
      tickTime: 500,
      startTimeoutMs: 45_000,
    });
    // The zkts member (3) leads: it wins a start-up election (highest id), else bounce the leader.
    for (let i = 0; i < 4 && await ens.leader() !== 3; i++) {
      const l = await ens.leader();
      if (l === null) {
        await new Promise((r) => setTimeout(r, 200));
        continue;
      }
      await ens.stopMember(l);
      await new Promise((r) => setTimeout(r, 1500));
      await ens.restart(l);
    }
    assert.equal(await ens.leader(), 3, "a zkts member leads");
    // With member 2 down every commit waits for member 1's ACK, which then
    // shares a read with the REQUESTs member 1 forwarded just before it.
    await ens.stopMember(2);
    const setup = await ZooKeeper.connect(ens.connectStringOf(3), { sessionTimeoutMs: 10000 });
    for (let k = 0; k < 8; k++) await setup.create(`/order${k}`, enc("0"));
    await setup.close();
    const deadline = Date.now() + 12_000;
    let ops = 0;
    const worker = async (k: number) => {
      const zk = await ZooKeeper.connect(ens.connectStringOf(1), { sessionTimeoutMs: 10000 });
      try {
        const path = `/order${k}`;
        while (Date.now() < deadline) {
          // A compare-and-set after a linearizable read: sync, getData, setData.
          await within(zk.sync(path), 5000, `sync ${path} on member 1 (after ${ops} ops)`);
          const { stat } = await within(zk.getData(path), 5000, `getData ${path}`);
          await within(zk.setData(path, enc(`${ops}`), stat.version), 5000, `setData ${path}`)
            .catch((e) => {
              if (!(e instanceof KeeperError && e.code === ErrorCode.BadVersion)) throw e;
            });
          ops++;
        }
      } finally {
        await zk.close();
      }
    };
    await Promise.all(Array.from({ length: 8 }, (_, k) => worker(k)));
    assert.ok(ops > 100, `the clients got through (${ops} ops)`);
    // And the follower still answers a new session.
    const fresh = await within(
      ZooKeeper.connect(ens.connectStringOf(1), { sessionTimeoutMs: 10000 }),
      5000,
      "a new session on member 1",
    );
    await fresh.close();
  },
);
