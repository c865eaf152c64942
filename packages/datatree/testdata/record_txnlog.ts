/**
 * Records the golden files of packages/datatree from the reference Apache
 * ZooKeeper 3.8 (extended types on, quotas enforced), one fresh server each:
 * - disk/: scenario.py's txn log, and the snapshot a restart takes of it;
 * - random/: random_ops.py's seeded mix (SEED=11, OPS=10000 by default; ops.jsonl: requests, results and
 *   watch events) and its txn log.
 *
 *   deno run -A packages/datatree/testdata/record_txnlog.ts [scenario|random]
 *
 * @module
 */
import { recordApache } from "./record.ts";

const here = new URL(".", import.meta.url).pathname;
const which = Deno.args[0] ?? "all";

if (which === "all" || which === "scenario") {
  await recordApache(here + "disk", "scenario.py", () => [], true, false, {
    "znode.container.checkIntervalMs": "1000",
  });
}
if (which === "all" || which === "random") {
  await recordApache(here + "random", "random_ops.py", (dir) => [Deno.env.get("SEED") ?? "11", Deno.env.get("OPS") ?? "10000", dir + "/ops.jsonl"], false, false, {
    // No sweep: when it runs between a read and the next write is not in the log.
    "znode.container.checkIntervalMs": String(24 * 3600_000),
  });
}
