/**
 * Apache Curator 5.4 (Debian's libcurator-{client,framework,recipes}-java,
 * unchanged) against Apache ZooKeeper 3.8 and zkts:
 *
 * - `curator/CuratorSuite.java`, compiled here with javac into a temporary
 *   directory, runs every check (CuratorFramework ops, transactions, the
 *   seeds' namespace("logs") demo, watchers, CuratorCache, and the recipes)
 *   and prints one JSON line per check: every check must pass on both
 *   servers, and each check's deterministic `result` must be the same on both.
 * - A zkts `Mutex` with `layout: "curator"` and Curator's `InterProcessMutex`
 *   in the Java process contend for one lock path and never hold it together.
 */
import assert from "node:assert/strict";
import { KeeperError, ZooKeeper } from "@zkts/client";
import { CreateMode, ErrorCode } from "@zkts/jute";
import { Mutex } from "@zkts/recipes";
import type { ApacheServer } from "../support/apache.ts";
import { interopTest } from "../support/oracle.ts";
import { startZktsEnsemble, TARGETS } from "../support/zkts.ts";
import { startApacheEnsemble } from "../support/apache.ts";

const SOURCE = new URL("./curator/CuratorSuite.java", import.meta.url).pathname;
const JAVA_DIR = "/usr/share/java";
/** Curator and what it needs; slf4j-nop keeps the JVM's stderr for real errors. */
const JARS = [
  "curator-recipes",
  "curator-framework",
  "curator-client",
  "zookeeper",
  "zookeeper-jute",
  "guava",
  "slf4j-api",
  "slf4j-nop",
].map((j) => `${JAVA_DIR}/${j}.jar`);

/** curator-x-discovery (Debian's libcurator-discovery-java) and the JSON it needs: optional. */
const DISCOVERY_JARS = [
  "curator-x-discovery",
  "jackson-databind",
  "jackson-core",
  "jackson-annotations",
]
  .map((j) => `${JAVA_DIR}/${j}.jar`);
const DISCOVERY_SOURCE = new URL("./curator/DiscoveryCheck.java", import.meta.url).pathname;

function hasDiscovery(): boolean {
  try {
    return DISCOVERY_JARS.every((j) => Deno.statSync(j).isFile);
  } catch {
    return false;
  }
}

/**
 * The checks of the suite, in its order: each must report on both servers.
 * "discovery" (ServiceDiscovery) runs only when curator-x-discovery is installed.
 */
const CHECKS = [
  "fluent",
  "crud",
  "transaction",
  "watchers",
  "curatorCache",
  "mutex",
  "readWriteLock",
  "semaphore",
  "leaderLatch",
  "leaderSelector",
  "atomicLong",
  "sharedCount",
  "barrier",
  "doubleBarrier",
  "queue",
  "persistentNode",
  "ttl",
  "protection",
  "persistentWatch",
  "acl",
  "config",
  "semaphoreMutex",
  "multiLock",
  "groupMember",
  "simpleQueue",
  "priorityQueue",
  "delayQueue",
  "caches",
  "sessionExpiry",
  "chroot",
  "misc",
  "handshake",
  "bulk",
  ...(hasDiscovery() ? ["discovery"] : []),
];

interface CheckLine {
  check: string;
  ok: boolean;
  error?: string;
  result: unknown;
  info: Record<string, unknown>;
}

let compiled: Promise<string> | null = null;

/** Compiles the suite once per test file; returns the classpath to run it with. */
function classpath(): Promise<string> {
  compiled ??= (async () => {
    const dir = await Deno.makeTempDir({ prefix: "zkts-curator-" });
    globalThis.addEventListener("unload", () => {
      try {
        Deno.removeSync(dir, { recursive: true });
      } catch { /* gone */ }
    });
    const discovery = hasDiscovery();
    const cp = [...JARS, ...(discovery ? DISCOVERY_JARS : [])].join(":");
    const sources = discovery ? [SOURCE, DISCOVERY_SOURCE] : [SOURCE];
    const out = await new Deno.Command("javac", {
      args: ["-nowarn", "-encoding", "UTF-8", "-d", dir, "-cp", cp, ...sources],
      stdout: "piped",
      stderr: "piped",
    }).output().catch((e) => {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
      throw new Error("javac is missing: install a JDK (apt-get install openjdk-17-jdk-headless)");
    });
    if (out.code !== 0) {
      throw new Error(`javac failed:\n${new TextDecoder().decode(out.stderr)}`);
    }
    return `${cp}:${dir}`;
  })();
  return compiled;
}

/** The JVM running the suite: line-wise stdout, killed after `limitMs` at the latest. */
async function java(args: string[], limitMs = 60_000) {
  const child = new Deno.Command("java", {
    args: [
      "-Xss512k",
      "-XX:TieredStopAtLevel=1",
      "-cp",
      await classpath(),
      "CuratorSuite",
      ...args,
    ],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const timer = setTimeout(() => {
    try {
      child.kill("SIGKILL");
    } catch { /* gone */ }
  }, limitMs);
  const lines: string[] = [];
  let stderr = "";
  const outDone = (async () => {
    let buf = "";
    for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) {
      buf += chunk;
      let i;
      while ((i = buf.indexOf("\n")) >= 0) {
        lines.push(buf.slice(0, i));
        buf = buf.slice(i + 1);
      }
    }
  })();
  const errDone = (async () => {
    for await (const chunk of child.stderr.pipeThrough(new TextDecoderStream())) stderr += chunk;
  })();
  const writer = child.stdin.getWriter();
  return {
    lines,
    /** Output line `n`, waiting at most `ms` for it. */
    async line(n: number, ms = 20_000): Promise<string> {
      const deadline = Date.now() + ms;
      while (lines.length <= n) {
        if (Date.now() > deadline) {
          throw new Error(`no output line ${n} in ${ms} ms: ${lines.join("\n")}\n${stderr}`);
        }
        await new Promise((r) => setTimeout(r, 20));
      }
      return lines[n];
    },
    async send(s: string) {
      await writer.write(new TextEncoder().encode(s + "\n"));
    },
    async done(): Promise<{ code: number; stderr: string }> {
      await writer.close().catch(() => {});
      const st = await child.status;
      await Promise.all([outDone, errDone]);
      clearTimeout(timer);
      return { code: st.code, stderr };
    },
    kill() {
      try {
        child.kill("SIGKILL");
      } catch { /* gone */ }
    },
  };
}

/** Starts a server of `target` (TTL nodes enabled, for PersistentTtlNode); stops it after `fn`. */
async function withServer(
  target: (typeof TARGETS)[number],
  fn: (server: ApacheServer) => Promise<void>,
): Promise<void> {
  const server = await target.start({ forceSync: false, extendedTypesEnabled: true });
  try {
    await fn(server);
  } finally {
    await server.stop();
  }
}

const results = new Map<string, Map<string, CheckLine>>();

for (const target of TARGETS) {
  interopTest(`curator: Curator 5.4 suite vs ${target.name}`, async (t) => {
    await withServer(target, async (server) => {
      if (!hasDiscovery()) {
        console.log(
          "curator: libcurator-discovery-java is not installed: no ServiceDiscovery check",
        );
      }
      const p = await java([server.connectString, "suite", ...CHECKS]);
      const { code, stderr } = await p.done();
      const byCheck = new Map<string, CheckLine>();
      for (const l of p.lines) {
        if (!l.startsWith("{")) continue;
        const c = JSON.parse(l) as CheckLine;
        byCheck.set(c.check, c);
      }
      results.set(target.name, byCheck);
      for (const name of CHECKS) {
        await t.step(name, () => {
          const c = byCheck.get(name);
          assert.ok(c, `no report of ${name}: ${p.lines.join("\n")}\n${stderr.slice(-4000)}`);
          assert.ok(c.ok, `${name} failed on ${target.name}: ${c.error}\n${JSON.stringify(c)}`);
        });
      }
      assert.equal(code, 0, `CuratorSuite exited ${code}\n${stderr.slice(-4000)}`);
    });
  });
}

interopTest("curator: each check's result is the same on Apache and zkts", () => {
  const apache = results.get("Apache");
  const zkts = results.get("zkts");
  assert.ok(apache && zkts, "the suite did not run on both servers (see the tests above)");
  for (const name of CHECKS) {
    assert.deepEqual(
      zkts.get(name)?.result,
      apache.get(name)?.result,
      `${name}: zkts differs from Apache`,
    );
  }
  return Promise.resolve();
});

/** The zkts side of the mixed critical section (the same as CuratorSuite's `critical`). */
async function critical(zk: ZooKeeper, path: string, tag: string): Promise<boolean> {
  let clean = true;
  try {
    await zk.create(`${path}-marker`, null, { mode: CreateMode.Ephemeral });
  } catch (e) {
    if (!(e instanceof KeeperError && e.code === ErrorCode.NodeExists)) throw e;
    clean = false;
  }
  const { data } = await zk.getData(`${path}-log`);
  await new Promise((r) => setTimeout(r, 3));
  const log = new TextDecoder().decode(data ?? new Uint8Array(0));
  await zk.setData(`${path}-log`, new TextEncoder().encode(log + tag));
  if (clean) await zk.delete(`${path}-marker`);
  return clean;
}

for (const target of TARGETS) {
  interopTest(
    `curator: a zkts Mutex (layout "curator") and Curator's InterProcessMutex exclude each other vs ${target.name}`,
    async (t) => {
      await withServer(target, async (server) => {
        const sessions: ZooKeeper[] = [];
        const connect = async () => {
          const zk = await ZooKeeper.connect(server.connectString, { sessionTimeoutMs: 10_000 });
          sessions.push(zk);
          return zk;
        };
        try {
          await t.step("2 Curator clients and 2 zkts sessions, 10 rounds each", async () => {
            const path = "/mixed/lock";
            const zk = await connect();
            await zk.mkdirp("/mixed");
            await zk.create(`${path}-log`, new Uint8Array(0));
            const rounds = 10;
            const p = await java([server.connectString, "contend", path, String(rounds), "2"]);
            assert.equal(await p.line(0), "ready");
            let violations = 0;
            const locals = await Promise.all([connect(), connect()]);
            await Promise.all(locals.map(async (s, i) => {
              const mutex = new Mutex(s, path, { layout: "curator", identifier: `zkts-${i}` });
              for (let k = 0; k < rounds; k++) {
                const h = await mutex.acquire({ timeoutMs: 20_000 });
                try {
                  if (!(await critical(s, path, "Z"))) violations++;
                } finally {
                  await h.release();
                }
              }
            }));
            const java_ = JSON.parse(await p.line(1, 30_000));
            const { code, stderr } = await p.done();
            assert.equal(code, 0, stderr);
            assert.deepEqual(java_, { rounds: 2 * rounds, violations: 0 });
            assert.equal(violations, 0);
            const log = new TextDecoder().decode((await zk.getData(`${path}-log`)).data!);
            assert.equal(log.length, 4 * rounds, `an entry was lost: ${log}`);
            assert.equal([...log].filter((c) => c === "J").length, 2 * rounds);
            assert.match(log, /JZ|ZJ/, "the two implementations took turns");
            assert.deepEqual(await zk.getChildren(path), [], "no contender node left");
          });

          await t.step(
            "zkts holds: Curator times out, then acquires after the release",
            async () => {
              const path = "/mixed/held-by-zkts";
              const zk = await connect();
              const mutex = new Mutex(zk, path, { layout: "curator" });
              const h = await mutex.acquire({ timeoutMs: 5000 });
              const t1 = await java([server.connectString, "try", path, "300"]);
              assert.equal(await t1.line(0), "timeout");
              assert.equal((await t1.done()).code, 0);
              const t2 = await java([server.connectString, "try", path, "10000"]);
              await new Promise((r) => setTimeout(r, 1500)); // the JVM is up and waiting
              await h.release();
              assert.equal(await t2.line(0), "acquired");
              assert.equal((await t2.done()).code, 0);
            },
          );

          await t.step(
            "Curator holds: zkts waits, sees Curator's node first, then acquires",
            async () => {
              const path = "/mixed/held-by-curator";
              const zk = await connect();
              const mutex = new Mutex(zk, path, { layout: "curator" });
              const holder = await java([server.connectString, "hold", path]);
              try {
                assert.equal(await holder.line(0), "held");
                // Children read directly: Mutex.contenders() lists kazoo-layout nodes only.
                const kids = await zk.getChildren(path);
                assert.equal(kids.length, 1);
                assert.match(kids[0], /^_c_[0-9a-f-]{36}-lock-\d{10}$/);
                assert.equal(await mutex.tryAcquire(), null);
                const pending = mutex.acquire({ timeoutMs: 10_000 });
                await holder.send("go");
                assert.equal(await holder.line(1), "released");
                await (await pending).release();
                assert.equal((await holder.done()).code, 0);
              } finally {
                holder.kill();
              }
            },
          );
        } finally {
          await Promise.all(sessions.map((zk) => zk.close().catch(() => {})));
        }
      });
    },
  );
}

/**
 * The suite against a 3-node Apache ensemble and a 3-node zkts ensemble.
 * Left out: `atomicLong` and `misc` read what another session wrote without
 * a sync, and that session's server may be a follower that has not applied
 * it yet (Apache's own ensemble answered 19 of 20 increments in one run and
 * NoNode for /misc/big in another). ZooKeeper promises no more.
 */
const ENSEMBLE_CHECKS = CHECKS.filter((c) => c !== "atomicLong" && c !== "misc");

interopTest(
  "curator: Curator 5.4 suite vs an Apache and a zkts ensemble, same results",
  async (t) => {
    const opts = { forceSync: false, extendedTypesEnabled: true };
    const byServer: Map<string, CheckLine>[] = [];
    for (const start of [startApacheEnsemble, startZktsEnsemble]) {
      const ens = await start(3, opts);
      try {
        const p = await java([ens.connectString, "suite", ...ENSEMBLE_CHECKS], 120_000);
        await p.done();
        const m = new Map<string, CheckLine>();
        for (const l of p.lines) {
          if (l.startsWith("{")) {
            const c = JSON.parse(l) as CheckLine;
            m.set(c.check, c);
          }
        }
        byServer.push(m);
      } finally {
        await ens.stop();
      }
    }
    const [apache, zkts] = byServer;
    for (const name of ENSEMBLE_CHECKS) {
      await t.step(name, () => {
        const a = apache.get(name);
        const z = zkts.get(name);
        assert.ok(a?.ok, `${name} on the Apache ensemble: ${a?.error}`);
        assert.ok(z?.ok, `${name} on the zkts ensemble: ${z?.error}`);
        assert.deepEqual(z.result, a.result, `${name}: zkts ensemble differs from Apache's`);
      });
    }
  },
);
