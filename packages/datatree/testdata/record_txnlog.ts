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
import { startApache } from "../../../tests/support/apache.ts";

const here = new URL(".", import.meta.url).pathname;
const which = Deno.args[0] ?? "all";

async function record(
  outDir: string,
  script: string,
  extraArgs: (outDir: string) => string[],
  restart: boolean,
): Promise<void> {
  const zk = await startApache({
    extendedTypesEnabled: true,
    forceSync: false,
    preAllocSize: 64,
    systemProperties: { "zookeeper.enforceQuota": "true" },
    extra: { "4lw.commands.whitelist": "*" },
  });
  await Deno.remove(here + outDir, { recursive: true }).catch(() => {});
  await Deno.mkdir(here + outDir, { recursive: true });
  try {
    const out = await new Deno.Command("/usr/bin/python3", {
      args: [here + script, zk.connectString, ...extraArgs(here + outDir)],
      stdout: "piped",
      stderr: "piped",
      signal: AbortSignal.timeout(300_000),
    }).output();
    console.log(new TextDecoder().decode(out.stdout));
    if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
    if (restart) {
      // A restart replays the log and takes a snapshot of the whole tree.
      await zk.kill();
      await zk.restart();
    }
  } finally {
    await zk.kill();
    const src = zk.dataDir + "/version-2/";
    for (const e of Deno.readDirSync(src)) {
      if (e.name.startsWith("log.") || e.name.startsWith("snapshot.")) {
        await Deno.copyFile(src + e.name, here + outDir + "/" + e.name);
        console.log("copied", outDir + "/" + e.name);
      }
    }
    await zk.stop();
  }
}

if (which === "all" || which === "scenario") await record("disk", "scenario.py", () => [], true);
if (which === "all" || which === "random") {
  await record("random", "random_ops.py", (dir) => [Deno.env.get("SEED") ?? "11", Deno.env.get("OPS") ?? "10000", dir + "/ops.jsonl"], false);
}
