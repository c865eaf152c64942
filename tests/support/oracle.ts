/**
 * The oracle: the reference Apache ZooKeeper 3.8 from Debian
 * (`apt-get install zookeeper zookeeper-bin python3-kazoo`, and Curator:
 * `libcurator-{framework,recipes,client}-java`), and helpers for
 * tests that need it.
 *
 * @module
 */

/** Where Debian puts the pieces of the oracle. */
export const ORACLE_PATHS = {
  /** The server and Java client jar (with its dependencies in /usr/share/java). */
  zookeeperJar: "/usr/share/java/zookeeper.jar",
  /** zkCli.sh, the Java client shell. */
  zkCli: "/usr/share/zookeeper/bin/zkCli.sh",
  /** The C client shell (multi-threaded). */
  cliMt: "/usr/lib/zookeeper/bin/cli_mt",
  /** kazoo, run with Debian's python. */
  python: "/usr/bin/python3",
  kazoo: "/usr/lib/python3/dist-packages/kazoo/__init__.py",
  /** Apache Curator 5.4 (its framework and client jars come with it). */
  curator: "/usr/share/java/curator-recipes.jar",
} as const;

/** Which pieces of the oracle are present. */
export interface OracleStatus {
  ok: boolean;
  missing: string[];
}

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

/** Looks for every piece of the oracle on this machine. */
export function oracleStatus(): OracleStatus {
  const missing: string[] = [];
  for (const [name, path] of Object.entries(ORACLE_PATHS)) {
    if (!exists(path)) missing.push(`${name} (${path})`);
  }
  if (!exists("/usr/bin/java") && !Deno.env.get("JAVA_HOME")) missing.push("java");
  // The interop tests compile small Java programs (Curator, jute vectors, election).
  if (!exists("/usr/bin/javac") && !Deno.env.get("JAVA_HOME")) missing.push("javac (a JDK)");
  return { ok: missing.length === 0, missing };
}

/**
 * Whether interop tests should be skipped: only when the oracle is missing
 * and we are not in CI (`tools/run_tests.ts` sets ZKTS_ORACLE; when a test file is
 * run directly, the machine is looked at).
 */
export function skipInterop(): boolean {
  const flag = Deno.env.get("ZKTS_ORACLE");
  if (flag === "skip") return true;
  if (flag === "present" || flag === "required-missing") return false;
  return !oracleStatus().ok && Deno.env.get("CI") !== "true";
}

/**
 * Registers a test that needs the oracle. It is ignored (reported as skipped)
 * when the oracle is missing outside CI; in CI it runs, and fails loudly when
 * the oracle is missing.
 */
export function interopTest(name: string, fn: (t: Deno.TestContext) => Promise<void>): void {
  Deno.test({
    name: `interop: ${name}`,
    ignore: skipInterop(),
    sanitizeOps: false,
    sanitizeResources: false,
    async fn(t) {
      const status = oracleStatus();
      if (!status.ok) {
        throw new Error(`Apache ZooKeeper oracle missing: ${status.missing.join(", ")}`);
      }
      await fn(t);
    },
  });
}
