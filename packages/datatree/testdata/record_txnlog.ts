/**
 * Records the txn-log golden files of packages/datatree: starts the reference
 * Apache ZooKeeper 3.8 (extended types on, quotas enforced), runs
 * scenario.py against it with kazoo, stops it and copies its dataDir's
 * `version-2` files into testdata/disk/. It restarts the server once so the
 * last snapshot holds the scenario's whole tree.
 *
 *   deno run -A packages/datatree/testdata/record_txnlog.ts
 *
 * @module
 */
import { startApache } from "../../../tests/support/apache.ts";

const here = new URL(".", import.meta.url).pathname;
const zk = await startApache({
  extendedTypesEnabled: true,
  forceSync: false,
  preAllocSize: 64,
  systemProperties: { "zookeeper.enforceQuota": "true" },
});
try {
  const out = await new Deno.Command("/usr/bin/python3", {
    args: [here + "scenario.py", zk.connectString],
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(60_000),
  }).output();
  console.log(new TextDecoder().decode(out.stdout));
  if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
  // A restart replays the log and takes a snapshot of the whole tree.
  await zk.kill();
  await zk.restart();
} finally {
  await zk.kill();
  const src = zk.dataDir + "/version-2/";
  await Deno.mkdir(here + "disk", { recursive: true });
  for (const e of Deno.readDirSync(src)) {
    if (e.name.startsWith("log.") || e.name.startsWith("snapshot.")) {
      await Deno.copyFile(src + e.name, here + "disk/" + e.name);
      console.log("copied", e.name);
    }
  }
  await zk.stop();
}
