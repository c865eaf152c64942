/**
 * Crash test (issue #6): a real server process killed with SIGKILL in the
 * middle of a stream of pipelined writes, restarted on the same dataDir;
 * every write the server acknowledged must be there afterwards.
 */
import assert from "node:assert/strict";
import { ZooKeeper } from "@zkts/client";
import { TARGETS } from "../support/zkts.ts";
import { interopTest } from "../support/oracle.ts";

const ROUNDS = Number(Deno.env.get("ZKTS_CRASH_ROUNDS") ?? 3);

for (const target of TARGETS) {
  interopTest(
    `crash ${target.name}: SIGKILL under write load loses no acknowledged write`,
    async () => {
      const server = await target.start({ forceSync: true });
      try {
        const acked = new Set<string>();
        for (let round = 0; round < ROUNDS; round++) {
          const zk = await ZooKeeper.connect(server.connectString, { sessionTimeoutMs: 30000 });
          let stop = false;
          const writers = Array.from({ length: 8 }, async (_, w) => {
            let i = 0;
            while (!stop) {
              const path = `/r${round}-w${w}-${i++}`;
              try {
                await zk.create(path, new Uint8Array(64));
                acked.add(path);
              } catch {
                return; // the server is gone
              }
            }
          });
          await new Promise((r) => setTimeout(r, 300 + round * 100));
          await server.kill();
          stop = true;
          await Promise.all(writers);
          await zk.close().catch(() => {});
          await server.restart();
        }
        const zk = await ZooKeeper.connect(server.connectString, { sessionTimeoutMs: 30000 });
        try {
          const present = new Set((await zk.getChildren("/")).map((c) => `/${c}`));
          const lost = [...acked].filter((p) => !present.has(p));
          console.log(
            `${target.name}: ${acked.size} acknowledged creates over ${ROUNDS} kills, ${lost.length} lost`,
          );
          assert.ok(acked.size > 0, "some writes were acknowledged");
          assert.deepEqual(lost, [], "no acknowledged write is lost");
        } finally {
          await zk.close();
        }
      } finally {
        await server.stop();
      }
    },
  );
}
