/**
 * zkCli.sh (Apache's Java shell, unchanged) against Apache ZooKeeper 3.8 and
 * zkts (issue #6): each script of `zkcli/*.txt` is fed on stdin to
 * `zkCli.sh -server 127.0.0.1:<port>`, one zkCli process per `### session`
 * block, against a fresh server of each kind; stdout and stderr are masked
 * (times, session ids, the port; children lists sorted) and must be the same
 * line by line.
 */
import assert from "node:assert/strict";
import { interopTest, ORACLE_PATHS } from "../support/oracle.ts";
import { TARGETS } from "../support/zkts.ts";
import type { ApacheServer } from "../support/apache.ts";
import { firstLineDiff, maskZkCli } from "./compare.ts";

const DIR = new URL("./zkcli/", import.meta.url).pathname;

/** The scripts every server must pass. */
const SCRIPTS = ["china", "flags", "acl", "watches", "quota", "auth"] as const;

/** Scripts zkts answers differently today (README.md); run with `ZKTS_INTEROP_KNOWN=1`. */
const KNOWN_SCRIPTS: readonly string[] = [];

/** Splits a script into its sessions, without comment lines (zkCli has none). */
function sessionsOf(script: string): string[] {
  return script.split(/^### session$/m).map((s) =>
    s.split("\n").filter((l) => l.trim() !== "" && !l.startsWith("#")).join("\n") + "\n"
  );
}

/** Runs one zkCli session (commands on stdin) and returns its masked stdout and stderr. */
async function zkCli(
  server: ApacheServer,
  commands: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = new Deno.Command(ORACLE_PATHS.zkCli, {
    args: ["-server", server.connectString],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const timer = setTimeout(() => {
    try {
      child.kill("SIGKILL");
    } catch { /* gone */ }
  }, 60_000);
  const w = child.stdin.getWriter();
  await w.write(new TextEncoder().encode(commands));
  await w.close();
  const out = await child.output();
  clearTimeout(timer);
  const dec = (b: Uint8Array) => maskZkCli(new TextDecoder().decode(b));
  return { code: out.code, stdout: dec(out.stdout), stderr: dec(out.stderr) };
}

const known = Deno.env.get("ZKTS_INTEROP_KNOWN") === "1";
for (const name of [...SCRIPTS, ...(known ? KNOWN_SCRIPTS : [])]) {
  interopTest(`zkCli.sh: ${name}.txt, same output from Apache and zkts`, async () => {
    const sessions = sessionsOf(await Deno.readTextFile(`${DIR}${name}.txt`));
    const servers: ApacheServer[] = [];
    try {
      for (const t of TARGETS) {
        servers.push(await t.start({ forceSync: false, extendedTypesEnabled: true }));
      }
      for (let i = 0; i < sessions.length; i++) {
        const [a, z] = await Promise.all(servers.map((s) => zkCli(s, sessions[i])));
        for (const stream of ["stdout", "stderr"] as const) {
          const d = firstLineDiff(a[stream], z[stream]);
          assert.equal(
            d,
            null,
            `${name}.txt session ${i + 1} ${stream}: ${d}\n--- Apache ---\n${
              a[stream]
            }\n--- zkts ---\n${z[stream]}`,
          );
        }
        assert.equal(z.code, a.code, `${name}.txt session ${i + 1}: exit code`);
      }
    } finally {
      for (const s of servers) await s.stop();
    }
  });
}
