/**
 * The C client's shell `cli_mt` (Debian's zookeeper-bin, unchanged) against
 * Apache ZooKeeper 3.8 and zkts (issue #6): a scripted session, one command
 * every 200 ms after a pause for the handshake (cli_mt reads stdin before it
 * is connected), output masked (session id, times, latencies) and compared
 * line by line. Note cli_mt's syntax: `create [+e|s|c|t=ttl] <path>` takes
 * the rest of the line as the path, so no data.
 */
import assert from "node:assert/strict";
import { interopTest, ORACLE_PATHS } from "../support/oracle.ts";
import { TARGETS } from "../support/zkts.ts";
import type { ApacheServer } from "../support/apache.ts";
import { firstLineDiff, maskCliMt } from "./compare.ts";

/** The session: every create mode, reads, writes, watches, errors. */
const CLI_MT_SCRIPT: readonly string[] = [
  "create /x",
  "create +s /x/s-",
  "create +e /x/e",
  "create +c /c",
  "create +t=100000 /t",
  "create2 /y",
  "create2 +s /y/q",
  "create2 +e /y/e",
  "ls /x",
  "ls2 /x",
  "set /x new",
  "get /x",
  "exists /x",
  "delete /x/e",
  "exists /nope",
  "get /nope",
  "create /x",
  "delete /x",
  "create /y/e/child",
  "wexists /w",
  "create /w",
  "sync /x",
  "quit",
];

/** Runs the script through cli_mt against a server; returns masked stdout + stderr. */
async function cliMt(server: ApacheServer, script: readonly string[]): Promise<string> {
  const child = new Deno.Command(ORACLE_PATHS.cliMt, {
    args: [server.connectString],
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
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  await sleep(1000);
  for (const line of script) {
    await w.write(new TextEncoder().encode(line + "\n"));
    await sleep(200);
  }
  await w.close();
  const out = await child.output();
  clearTimeout(timer);
  const dec = new TextDecoder();
  return maskCliMt(`${dec.decode(out.stdout)}\n--- stderr ---\n${dec.decode(out.stderr)}`);
}

interopTest("cli_mt: a scripted session, same output from Apache and zkts", async () => {
  const servers: ApacheServer[] = [];
  try {
    for (const t of TARGETS) {
      servers.push(await t.start({ forceSync: false, extendedTypesEnabled: true }));
    }
    const [a, z] = await Promise.all(servers.map((s) => cliMt(s, CLI_MT_SCRIPT)));
    assert.match(a, /name = \/x\/s-0000000000/);
    const d = firstLineDiff(a, z);
    assert.equal(d, null, `cli_mt: ${d}\n--- Apache ---\n${a}\n--- zkts ---\n${z}`);
  } finally {
    for (const s of servers) await s.stop();
  }
});
