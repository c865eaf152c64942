/**
 * The differential test, live: a seeded random sequence of operations
 * (testdata/random_ops.py: every kind of write with failures, reads with
 * watches, persistent watches, checkWatches/removeWatches, session restarts,
 * dropped connections with setWatches) goes over the wire to the reference
 * Apache ZooKeeper 3.8, then the recording is replayed through this package
 * and every txn, result, watch event and counter compared
 * (testdata/differential.ts). A mismatch prints the seed and the first
 * differing step; rerun it with ZKTS_SEED=<seed>.
 *
 *   ZKTS_SEED=11 ZKTS_OPS=10000 deno test -A packages/datatree/differential_test.ts
 */
import { interopTest } from "../../tests/support/oracle.ts";
import { recordApache } from "./testdata/record.ts";
import { replayRecorded } from "./testdata/differential.ts";

interopTest(
  "datatree: random ops against Apache 3.8 and this package, every result compared",
  async () => {
    const seed = Number(Deno.env.get("ZKTS_SEED") ?? Math.floor(Math.random() * 2 ** 31));
    const ops = Number(Deno.env.get("ZKTS_OPS") ?? 10_000);
    const dir = await Deno.makeTempDir({ prefix: "zkts-datatree-diff-" });
    try {
      // No ContainerManager sweep: when it runs between a read and the next write is not in the log.
      await recordApache(
        dir,
        "random_ops.py",
        (d) => [String(seed), String(ops), d + "/ops.jsonl"],
        false,
        true,
        { "znode.container.checkIntervalMs": String(24 * 3600_000) },
      );
      try {
        replayRecorded(new URL(`file://${dir}/`));
      } catch (e) {
        throw new Error(`seed=${seed} ops=${ops}: first difference: ${(e as Error).message}`, {
          cause: e,
        });
      }
      console.log(`seed=${seed}: ${ops} ops matched Apache`);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
);
