/**
 * Runs a recording script (scenario.py, random_ops.py) against a fresh
 * reference Apache ZooKeeper 3.8 (extended types on, quotas enforced, every
 * four-letter word allowed) and copies its dataDir's `version-2` files into
 * `outDir`.
 *
 * @module
 */
import { startApache } from "../../../tests/support/apache.ts";

const here = new URL(".", import.meta.url).pathname;

/**
 * Records `script` (a file beside this one) into `outDir` (an absolute path).
 * With `restart`, restarts the server once so its last snapshot holds the
 * whole tree.
 */
export async function recordApache(
  outDir: string,
  script: string,
  extraArgs: (outDir: string) => string[],
  restart: boolean,
  quiet = false,
  systemProperties: Record<string, string> = {},
): Promise<void> {
  const zk = await startApache({
    extendedTypesEnabled: true,
    forceSync: false,
    preAllocSize: 64,
    systemProperties: { "zookeeper.enforceQuota": "true", ...systemProperties },
    extra: { "4lw.commands.whitelist": "*" },
  });
  await Deno.remove(outDir, { recursive: true }).catch(() => {});
  await Deno.mkdir(outDir, { recursive: true });
  try {
    const out = await new Deno.Command("/usr/bin/python3", {
      args: [here + script, zk.connectString, ...extraArgs(outDir)],
      stdout: "piped",
      stderr: "piped",
      signal: AbortSignal.timeout(300_000),
    }).output();
    if (!quiet) console.log(new TextDecoder().decode(out.stdout));
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
        await Deno.copyFile(src + e.name, outDir + "/" + e.name);
        if (!quiet) console.log("copied", outDir + "/" + e.name);
      }
    }
    await zk.stop();
  }
}

