/**
 * Offline differential test against Apache ZooKeeper 3.8 (Debian's 3.8.0):
 * testdata/random_ops.py drove Apache with 10,000 seeded random ops (seed 11):
 * creates (every mode), deletes,
 * setData, setACL, multis, reads with watches and session restarts from two
 * connections, recording every request, result and watch event
 * (testdata/random/ops.jsonl) next to Apache's txn log. Here the same
 * requests go through prepare + apply + the reads, and everything must match:
 * each txn byte for byte, each result (error codes, paths, stats, data,
 * children in order, ACLs), and each connection's watch events in order.
 */
import { replayRecorded } from "./testdata/differential.ts";

Deno.test("random ops vs Apache 3.8 (recorded, seed 11, 10,000 ops): txns, results, reads, events and counters all match", () => {
  replayRecorded(new URL("./testdata/random/", import.meta.url));
});
