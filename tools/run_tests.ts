/**
 * The README's test command (`deno task test`): makes sure the reference
 * implementation (Apache ZooKeeper 3.8 from Debian, the oracle of the interop
 * and differential tests) is installed when it can be, then runs every test of
 * the workspace and ends with the plain line `N passed, N failed, N skipped`.
 *
 * - The oracle is `apt-get install zookeeper zookeeper-bin python3-kazoo
 *   libcurator-framework-java libcurator-recipes-java libcurator-client-java`.
 *   When it is missing and we are root with apt-get, it is installed here.
 * - Without it, the interop tests are reported as skipped, loudly, never as
 *   passed. With `CI=true` a missing oracle is a failure: the interop tests
 *   run and fail.
 *
 * Extra arguments are passed to `deno test` (e.g. `deno task test packages/jute`).
 *
 * @module
 */
import { oracleStatus } from "../tests/support/oracle.ts";

const ci = Deno.env.get("CI") === "true";

async function run(cmd: string[], opts: { quiet?: boolean } = {}): Promise<number> {
  const p = new Deno.Command(cmd[0], {
    args: cmd.slice(1),
    stdin: "null",
    stdout: opts.quiet ? "null" : "inherit",
    stderr: opts.quiet ? "null" : "inherit",
    env: { DEBIAN_FRONTEND: "noninteractive" },
  }).spawn();
  return (await p.status).code;
}

function isRoot(): boolean {
  try {
    return Deno.uid() === 0;
  } catch {
    return false;
  }
}

async function hasCommand(name: string): Promise<boolean> {
  try {
    return (await run(["sh", "-c", `command -v ${name}`], { quiet: true })) === 0;
  } catch {
    return false;
  }
}

async function ensureOracle(): Promise<boolean> {
  let status = oracleStatus();
  if (status.ok) return true;
  if (isRoot() && await hasCommand("apt-get")) {
    console.log(`[zkts test] the oracle is missing (${status.missing.join(", ")}); installing it`);
    await run(["apt-get", "update", "-q"]);
    await run([
      "apt-get",
      "install",
      "-y",
      "-q",
      "zookeeper",
      "zookeeper-bin",
      "python3-kazoo",
      "libcurator-framework-java",
      "libcurator-recipes-java",
      "libcurator-client-java",
      "libcurator-discovery-java",
      // javac: the interop tests compile small Java programs against these jars.
      "default-jdk-headless",
    ]);
    status = oracleStatus();
    if (status.ok) return true;
  }
  const banner = "!".repeat(78);
  console.log(banner);
  console.log("!! INTEROP TESTS SKIPPED: the reference Apache ZooKeeper 3.8 is not installed.");
  console.log(`!! Missing: ${status.missing.join(", ")}`);
  console.log(
    "!! Install it with: apt-get install zookeeper zookeeper-bin python3-kazoo" +
      " libcurator-framework-java libcurator-recipes-java libcurator-client-java" +
      " libcurator-discovery-java default-jdk-headless",
  );
  if (ci) console.log("!! CI=true: the interop tests will run and fail.");
  console.log(banner);
  return false;
}

const oracle = await ensureOracle();
const env: Record<string, string> = {
  ZKTS_ORACLE: oracle ? "present" : (ci ? "required-missing" : "skip"),
};

const args = ["test", "-A", "--doc", "--permit-no-files", ...Deno.args];
const child = new Deno.Command(Deno.execPath(), {
  args,
  stdin: "null",
  stdout: "piped",
  stderr: "inherit",
  env,
}).spawn();

// Echo deno's output as it comes while keeping its tail for the summary.
let tail = "";
const decoder = new TextDecoder();
for await (const chunk of child.stdout) {
  await Deno.stdout.write(chunk);
  tail = (tail + decoder.decode(chunk, { stream: true })).slice(-8192);
}
const { code } = await child.status;

// deno's own summary: "ok | 12 passed (3 steps) | 0 failed | 2 ignored (1s)".
// deno strips colours when stdout is not a terminal, as here.
const summary = tail.split("\n").reverse().find((l) =>
  /\d+ passed/.test(l) && /\d+ failed/.test(l)
);
const count = (re: RegExp) => Number(summary?.match(re)?.[1] ?? 0);
let passed = count(/(\d+) passed/);
let failed = count(/(\d+) failed/);
const skipped = count(/(\d+) ignored/);
if (code !== 0 && failed === 0) {
  // Type errors, or a crash before any test ran: count it as a failure.
  failed = 1;
  passed = summary ? passed : 0;
}
if (!oracle) {
  console.log("interop tests: SKIPPED (no Apache ZooKeeper oracle on this machine)");
}
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
Deno.exit(failed > 0 ? 1 : 0);
