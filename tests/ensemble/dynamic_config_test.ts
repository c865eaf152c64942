/**
 * Ensembles in the ZooKeeper 3.5+ layout: the server lines in a dynamic
 * file (`dynamicConfigFile=…/zoo.cfg.dynamic.<version>`), as Apache writes
 * it after a reconfig. A member started from it must join its ensemble, not
 * serve standalone (issue 13: it did, a split brain).
 */
import assert from "node:assert/strict";
import { KeeperError, ZooKeeper } from "@zkts/client";
import { ErrorCode } from "@zkts/jute";
import {
  type ApacheEnsemble,
  FAST_JVM_FLAGS,
  fourLetter,
  freePort,
  LOOPBACK,
  startApacheEnsemble,
  ZOOKEEPER_CLASSPATH,
} from "../support/apache.ts";
import { interopTest } from "../support/oracle.ts";
import { startZktsEnsemble } from "../support/zkts.ts";

const MAIN = new URL("../../apps/server/main.ts", import.meta.url).pathname;
const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array | null) => new TextDecoder().decode(b ?? new Uint8Array(0));

/** Polls `check` every 50 ms until it gives a value; throws after `ms`. */
async function until<T>(what: string, check: () => Promise<T | undefined>, ms = 30000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await check().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The Mode line of `srvr` on a client port, or undefined when it does not serve. */
async function mode(port: number): Promise<string | undefined> {
  const m = (await fourLetter(LOOPBACK, port, "srvr", 2000)).match(/^Mode: (\w+)/m);
  return m?.[1];
}

/** Retries through ConnectionLoss (an election may be under way), bounded. */
async function retry<T>(op: () => Promise<T>, ms = 20000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return await op();
    } catch (e) {
      const transient = e instanceof KeeperError &&
        (e.code === ErrorCode.ConnectionLoss || e.code === ErrorCode.SessionMoved);
      if (!transient || Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** `/zookeeper/config` as member `port` serves it: data and mzxid, after sync. */
async function configNode(port: number): Promise<{ data: string; mzxid: bigint }> {
  const zk = await ZooKeeper.connect(`${LOOPBACK}:${port}`, { sessionTimeoutMs: 10000 });
  try {
    await retry(() => zk.sync("/zookeeper/config"));
    const { data, stat } = await retry(() => zk.getData("/zookeeper/config"));
    return { data: dec(data), mzxid: stat.mzxid };
  } finally {
    await zk.close();
  }
}

/** The server lines every member of `ens` has, as QuorumMaj.toString writes them. */
function serverLines(ens: ApacheEnsemble): string {
  return ens.members.map((m) =>
    `server.${m.id}=${LOOPBACK}:${m.quorumPort}:${m.electionPort}:participant\n`
  ).join("");
}

// A hierarchy too (QuorumHierarchical): groups {2} and {1, 3}, server 3 weighs 2.
const GROUPS = "\ngroup.2=3:1\ngroup.1=2\nweight.3=2\n";
const GROUP_LINES = "group.1=2\ngroup.2=1:3\nweight.1=1\nweight.2=1\nweight.3=2\n";

for (const target of ["Apache", "zkts"] as const) {
  for (const groups of [false, true]) {
    const name = `${target}: 3 members whose server lines${
      groups ? " and groups" : ""
    } are only in zoo.cfg.dynamic.200000005 form one ensemble, config version 200000005`;
    const body = async () => {
      const opts = {
        forceSync: false,
        tickTime: 500,
        dynamicConfigVersion: "200000005",
        ...(groups ? { startOnly: [] } : {}),
      };
      await using ens =
        await (target === "Apache" ? startApacheEnsemble(3, opts) : startZktsEnsemble(3, opts));
      if (groups) {
        for (const m of ens.members) {
          const file = `${m.dataDir.replace(/\/data$/, "")}/zoo.cfg.dynamic.200000005`;
          await Deno.writeTextFile(file, GROUPS, { append: true });
        }
        await Promise.all(ens.members.map((m) => ens.restart(m.id)));
        await ens.waitServing();
      }
      const modes = await Promise.all(ens.members.map((m) => ens.mode(m.id)));
      assert.deepEqual(modes.toSorted(), ["follower", "follower", "leader"], "not 3 standalones");
      const want = `${serverLines(ens)}${groups ? GROUP_LINES : ""}version=200000005`;
      for (const m of ens.members) {
        // ZKDatabase.initConfigInZKDatabase: the quorum text, mzxid = the version.
        const node = await configNode(m.clientPort);
        assert.equal(node.data, want, `member ${m.id}`);
        assert.equal(node.mzxid, 0x200000005n, `member ${m.id}`);
        const conf = await fourLetter(LOOPBACK, m.clientPort, "conf");
        assert.ok(conf.includes(`membership: \n${want}`), `conf of ${m.id}:\n${conf}`);
      }
      // One tree: a write on one member is read on another.
      const a = await ZooKeeper.connect(ens.connectStringOf(1), { sessionTimeoutMs: 10000 });
      const b = await ZooKeeper.connect(ens.connectStringOf(3), { sessionTimeoutMs: 10000 });
      try {
        await retry(() => a.create("/one", enc("tree")));
        await b.sync("/one");
        assert.equal(dec((await b.getData("/one")).data), "tree");
      } finally {
        await a.close();
        await b.close();
      }
    };
    if (target === "Apache") interopTest(`ensemble: ${name}`, body);
    else {
      Deno.test({
        name: `ensemble: ${name}`,
        sanitizeOps: false,
        sanitizeResources: false,
        fn: body,
      });
    }
  }
}

/** zkts's server on a config path, its output in `log`; ended in `stop()`. */
function spawnZkts(
  cfgPath: string,
  log: string,
): { child: Deno.ChildProcess; stop(): Promise<void> } {
  const out = Deno.openSync(log, { append: true, create: true, write: true });
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, cfgPath],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const copy = async (s: ReadableStream<Uint8Array>) => {
    for await (const chunk of s) out.writeSync(chunk);
  };
  const done = Promise.all([copy(child.stdout), copy(child.stderr), child.status]).finally(() =>
    out.close()
  );
  let stopped = false;
  return {
    child,
    async stop() {
      if (!stopped) {
        stopped = true;
        try {
          child.kill("SIGTERM");
        } catch { /* ended already */ }
      }
      const timer = setTimeout(() => {
        try {
          child.kill("SIGKILL");
        } catch { /* ended */ }
      }, 5000);
      await done.catch(() => {});
      clearTimeout(timer);
    },
  };
}

interopTest(
  "ensemble: an Apache member's zoo.cfg + dataDir after a reconfig (dynamic file) runs zkts as a member of the same ensemble, not standalone",
  async () => {
    await using ens = await startApacheEnsemble(3, {
      forceSync: false,
      tickTime: 500,
      reconfigEnabled: true,
      extra: { skipACL: "yes" },
    });
    const m2 = ens.members[1];
    const dir2 = m2.dataDir.replace(/\/data$/, "");
    const newPort = freePort();
    const zk = await ZooKeeper.connect(ens.connectStringOf(1), { sessionTimeoutMs: 10000 });
    let version: string;
    try {
      await retry(() => zk.create("/moved", enc("before")));
      // A harmless reconfig: server.2 gets a client port on its line. Apache
      // writes zoo.cfg.dynamic.<zxid> and takes clientPort out of member 2's zoo.cfg.
      const r = await zk.reconfig({
        joining:
          `server.2=${LOOPBACK}:${m2.quorumPort}:${m2.electionPort}:participant;${LOOPBACK}:${newPort}`,
      });
      version = dec(r.data).match(/^version=([0-9a-f]+)$/m)![1];
      await zk.setData("/moved", enc("after"), 0);
    } finally {
      await zk.close();
    }
    const cfgPath = `${dir2}/zoo.cfg`;
    const cfg = await until("member 2's zoo.cfg to name the new dynamic file", async () => {
      const t = await Deno.readTextFile(cfgPath);
      return t.includes(`dynamicConfigFile=`) && t.includes(`.dynamic.${version}`) ? t : undefined;
    });
    assert.doesNotMatch(cfg, /^server\./m, "Apache took the server lines out of zoo.cfg");
    assert.doesNotMatch(cfg, /^clientPort=/m, "and member 2's clientPort (it is on its line)");
    assert.match(cfg, /^reconfigEnabled=true$/m);
    const expected = (await configNode(ens.members[0].clientPort)).data;
    assert.match(
      expected,
      new RegExp(`;${LOOPBACK}:${newPort}\nserver\\.3=.*\nversion=${version}$`),
    );
    await ens.stopMember(2);

    // As copied, with reconfigEnabled=true: refused, one line naming the key
    // (bounded: a zkts that starts instead would run until stopped).
    const refusedLog = `${dir2}/zkts-refused.log`;
    const refused = spawnZkts(cfgPath, refusedLog);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const code = await Promise.race([
      refused.child.status.then((s) => s.code),
      new Promise<null>((r) => timer = setTimeout(() => r(null), 30000)),
    ]);
    clearTimeout(timer);
    await refused.stop();
    const said = await Deno.readTextFile(refusedLog);
    assert.equal(code, 2, `zkts must refuse to start; it said:\n${said}`);
    assert.match(
      said,
      /^Invalid config, exiting abnormally: reconfigEnabled=true: zkts ensemble members do not implement dynamic reconfig; set reconfigEnabled=false/m,
    );

    // The operator's one edit (docs/operations.md): reconfigEnabled=false.
    const edited = cfg.replace(/^reconfigEnabled=true$/m, "reconfigEnabled=false");
    await Deno.writeTextFile(cfgPath, edited);
    const files = [...Deno.readDirSync(dir2)].map((e) => e.name).filter((n) =>
      n.startsWith("zoo.cfg")
    )
      .sort();
    const zkts = spawnZkts(cfgPath, `${dir2}/zkts.log`);
    try {
      const m = await until(
        "zkts member 2 to serve on its dynamic client port",
        () => mode(newPort),
        60000,
      ).catch((e) => {
        throw new Error(`${e.message}\n${Deno.readTextFileSync(`${dir2}/zkts.log`)}`);
      });
      assert.ok(m === "follower" || m === "leader", `zkts member 2 is ${m}, not standalone`);
      // zkServer.sh status reads the same files: the client port of the dynamic line.
      const status = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", MAIN, "status", cfgPath],
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }).output();
      const statusOut = dec(status.stdout);
      assert.match(
        statusOut,
        new RegExp(`^Client port found: ${newPort}\\. Client address: ${LOOPBACK}\\.`, "m"),
      );
      assert.match(statusOut, new RegExp(`^Mode: ${m}$`, "m"));
      // The same tree as the Apache members, and writes flow both ways.
      const c = await ZooKeeper.connect(`${LOOPBACK}:${newPort}`, { sessionTimeoutMs: 10000 });
      const a = await ZooKeeper.connect(ens.connectStringOf(3), { sessionTimeoutMs: 10000 });
      try {
        await retry(() => c.sync("/moved"));
        const got = await c.getData("/moved");
        assert.equal(dec(got.data), "after");
        assert.equal(got.stat.version, 1);
        await retry(() => c.create("/from-zkts", enc("z")));
        await a.sync("/from-zkts");
        assert.equal(dec((await a.getData("/from-zkts")).data), "z");
        await retry(() => a.create("/from-apache", enc("a")));
        await c.sync("/from-apache");
        assert.equal(dec((await c.getData("/from-apache")).data), "a");
      } finally {
        await c.close();
        await a.close();
      }
      // The config it carries is the ensemble's, version and all.
      assert.equal((await configNode(newPort)).data, expected);
      const conf = await fourLetter(LOOPBACK, newPort, "conf");
      assert.ok(conf.includes(`membership: \n${expected}`), conf);
      // With reconfig off, Apache writes no config file at start; neither does zkts.
      assert.equal(await Deno.readTextFile(cfgPath), edited);
      assert.deepEqual(
        [...Deno.readDirSync(dir2)].map((e) => e.name).filter((n) => n.startsWith("zoo.cfg"))
          .sort(),
        files,
      );

      // zkts leads Apache member 1 (reconfigEnabled=true): 3 and 1 go, 1 comes
      // back and the higher id wins at equal zxids. NEWLEADER carries the same
      // config and version, so Apache writes no zoo.cfg.dynamic.next (a stale
      // version would make it) and keeps its files as they are.
      const dir1 = ens.members[0].dataDir.replace(/\/data$/, "");
      const configFiles = async (dir: string) => {
        const out: string[] = [];
        for (const e of [...Deno.readDirSync(dir)].filter((e) => e.name.startsWith("zoo.cfg"))) {
          out.push(`${e.name}:\n${await Deno.readTextFile(`${dir}/${e.name}`)}`);
        }
        return out.sort();
      };
      const files1 = await configFiles(dir1);
      await ens.stopMember(3);
      await ens.stopMember(1);
      await ens.restart(1);
      assert.equal(
        await until("zkts member 2 to lead", async () => {
          const m = await mode(newPort);
          return m === "leader" ? m : undefined;
        }),
        "leader",
      );
      assert.equal(await ens.mode(1), "follower");
      const d = await ZooKeeper.connect(ens.connectStringOf(1), { sessionTimeoutMs: 10000 });
      try {
        await retry(() => d.create("/under-zkts", enc("led")));
        assert.equal(dec((await d.getData("/from-zkts")).data), "z");
      } finally {
        await d.close();
      }
      assert.equal((await configNode(ens.members[0].clientPort)).data, expected);
      assert.deepEqual(await configFiles(dir1), files1, "Apache member 1 rewrote no config file");
    } finally {
      await zkts.stop();
    }
  },
);

interopTest(
  "ensemble: a bad dynamic layout stops zkts with Apache's error, in Apache's order",
  async () => {
    const dir = await Deno.makeTempDir({ prefix: "zkts-dynamic-" });
    try {
      await Deno.mkdir(`${dir}/data`);
      await Deno.writeTextFile(`${dir}/data/myid`, "1\n");
      const base = `tickTime=2000\ninitLimit=5\nsyncLimit=2\ndataDir=${dir}/data\n`;
      const servers = "server.1=127.0.0.1:2:3\nserver.2=127.0.0.1:4:5\n";
      const dyn = `${dir}/zoo.cfg.dynamic.100000003`;
      const cases: { name: string; cfg: string; dynamic?: string; says: string }[] = [
        {
          name: "server lines beside dynamicConfigFile",
          cfg: `${base}dynamicConfigFile=${dyn}\nserver.1=127.0.0.1:2:3\n`,
          dynamic: servers,
          says: "parameter: server.1 must be in a separate dynamic config file",
        },
        {
          name: "a version line in the dynamic file",
          cfg: `${base}dynamicConfigFile=${dyn}\n`,
          dynamic: `${servers}version=100000003\n`,
          says: "dynamic file shouldn't have version inside",
        },
        {
          name: "a static key in the dynamic file",
          cfg: `${base}dynamicConfigFile=${dyn}\n`,
          dynamic: `${servers}clientPort=2181\n`,
          says: "Unrecognised parameter: clientPort",
        },
        {
          name: "no dynamic file",
          cfg: `${base}dynamicConfigFile=${dir}/missing\n`,
          says: `Error processing ${dir}/missing`,
        },
        {
          name: "a bad electionAlg and no dynamic file: zoo.cfg's error first",
          cfg: `${base}electionAlg=1\ndynamicConfigFile=${dir}/missing\n`,
          says: "Invalid electionAlg value. Only 3 is supported.",
        },
      ];
      for (const c of cases) {
        await Deno.writeTextFile(`${dir}/zoo.cfg`, c.cfg);
        await Deno.remove(dyn).catch(() => {});
        if (c.dynamic !== undefined) await Deno.writeTextFile(dyn, c.dynamic);
        // Bounded: a server that starts instead of refusing is killed after 20 s.
        const run = async (cmd: string, args: string[]) => {
          const child = new Deno.Command(cmd, {
            args,
            stdin: "null",
            stdout: "piped",
            stderr: "piped",
          }).spawn();
          const timer = setTimeout(() => child.kill("SIGKILL"), 20000);
          try {
            return await child.output();
          } finally {
            clearTimeout(timer);
          }
        };
        const apache = await run("java", [
          ...FAST_JVM_FLAGS,
          "-cp",
          ZOOKEEPER_CLASSPATH,
          "org.apache.zookeeper.server.quorum.QuorumPeerMain",
          `${dir}/zoo.cfg`,
        ]);
        const apacheSaid = dec(apache.stdout) + dec(apache.stderr);
        assert.equal(apache.code, 2, `${c.name}: Apache exits 2\n${apacheSaid}`);
        assert.ok(apacheSaid.includes(c.says), `${c.name}: Apache says ${c.says}\n${apacheSaid}`);
        const zkts = await run(Deno.execPath(), ["run", "-A", MAIN, `${dir}/zoo.cfg`]);
        const zktsSaid = dec(zkts.stderr);
        assert.equal(zkts.code, 2, `${c.name}: zkts exits 2\n${zktsSaid}`);
        assert.ok(
          zktsSaid.startsWith(`Invalid config, exiting abnormally: ${c.says}`),
          `${c.name}: zkts says ${c.says}\n${zktsSaid}`,
        );
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
);
