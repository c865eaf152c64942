/**
 * zkts's standalone server as a real process: operations that Apache has no
 * admin HTTP for in Debian's build (admin API, metrics), and server duties
 * (containers, TTLs, restarts, crashes, limits).
 */
import assert from "node:assert/strict";
import { KeeperError, ZooKeeper } from "@zkts/client";
import {
  ConnectRequest,
  ConnectResponse,
  CreateMode,
  CreateRequest,
  decode,
  encode,
  ErrorCode,
  EventType,
  JuteWriter,
  OpCode,
  RequestHeader,
} from "@zkts/jute";
import { fourLetter, freePort } from "../support/apache.ts";
import { startZkts, TARGETS } from "../support/zkts.ts";
import { interopTest } from "../support/oracle.ts";

const enc = (s: string) => new TextEncoder().encode(s);

async function sendFrame(conn: Deno.Conn, body: Uint8Array): Promise<void> {
  const f = new Uint8Array(4 + body.length);
  new DataView(f.buffer).setInt32(0, body.length);
  f.set(body, 4);
  await conn.write(f);
}

async function readExactly(conn: Deno.Conn, n: number): Promise<Uint8Array> {
  const out = new Uint8Array(n);
  let off = 0;
  while (off < n) {
    const got = await conn.read(out.subarray(off));
    if (got === null) throw new Error("connection closed");
    off += got;
  }
  return out;
}

async function readFrame(conn: Deno.Conn): Promise<Uint8Array> {
  const len = new DataView((await readExactly(conn, 4)).buffer).getInt32(0);
  return await readExactly(conn, len);
}

async function waitFor(pred: () => Promise<boolean>, ms = 10000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await pred())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 50));
  }
}

Deno.test({
  name: "zkts server: admin API, metrics and four-letter words",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const adminPort = freePort();
    const metricsPort = freePort();
    const server = await startZkts({
      forceSync: false,
      extra: {
        "admin.enableServer": true,
        "admin.serverAddress": "127.0.0.1",
        "admin.serverPort": adminPort,
        "metricsProvider.className":
          "org.apache.zookeeper.metrics.prometheus.PrometheusMetricsProvider",
        "metricsProvider.httpPort": metricsPort,
        "metricsProvider.httpHost": "127.0.0.1",
      },
    });
    const zk = await ZooKeeper.connect(server.connectString, { sessionTimeoutMs: 10000 });
    try {
      await zk.create("/m", enc("x"));
      await zk.getData("/m", true);
      const ruok = await (await fetch(`http://127.0.0.1:${adminPort}/commands/ruok`)).json();
      assert.deepEqual(ruok, { command: "ruok", error: null });
      const mon = await (await fetch(`http://127.0.0.1:${adminPort}/commands/mntr`)).json();
      assert.equal(mon.command, "monitor");
      assert.equal(mon.server_state, "standalone");
      assert.equal(mon.znode_count, 6);
      const cons = await (await fetch(`http://127.0.0.1:${adminPort}/commands/connections`))
        .json();
      assert.equal(cons.connections.length, 1);
      const wchs = await (await fetch(`http://127.0.0.1:${adminPort}/commands/wchs`)).json();
      assert.equal(wchs.num_total_watches, 1);
      // Apache 3.8 answers an unknown command with 200 and the error in the JSON.
      const unknown = await fetch(`http://127.0.0.1:${adminPort}/commands/nope`);
      assert.equal(unknown.status, 200);
      assert.deepEqual(await unknown.json(), { command: "nope", error: "Unknown command: nope" });
      const list = await (await fetch(`http://127.0.0.1:${adminPort}/commands`)).text();
      assert.match(list, /commands\/monitor/);

      const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
      assert.match(metrics, /^znode_count 6$/m);
      assert.match(metrics, /^request_latency_ms_count \d+$/m);
      assert.match(metrics, /^log_sync_time_ms_count [1-9]\d*$/m);

      assert.equal(await fourLetter(server.host, server.port, "ruok"), "imok");
      const srvr = await fourLetter(server.host, server.port, "srvr");
      assert.match(srvr, /^Mode: standalone$/m);
      assert.match(srvr, /^Node count: 6$/m);
      assert.match(await fourLetter(server.host, server.port, "wchc"), /^\t\/m$/m);
    } finally {
      await zk.close();
      await server.stop();
    }
  },
});

Deno.test({
  name: "zkts server: `deno task server status` prints the Mode, as zkServer.sh status",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const server = await startZkts({ forceSync: false, keepDir: true });
    try {
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", "apps/server/main.ts", "status", `${server.dir}/zoo.cfg`],
        stdout: "piped",
        stderr: "piped",
      }).output();
      const text = new TextDecoder().decode(out.stdout);
      assert.equal(out.code, 0, text);
      assert.match(text, /^Mode: standalone$/m);
    } finally {
      await server.stop();
    }
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "apps/server/main.ts", "status", `${server.dir}/zoo.cfg`],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(out.code, 1);
    await Deno.remove(server.dir, { recursive: true }).catch(() => {});
  },
});

for (const target of TARGETS) {
  interopTest(
    `server ${target.name}: empty containers and expired TTL nodes are deleted`,
    async () => {
      const server = await target.start({
        forceSync: false,
        extendedTypesEnabled: true,
        systemProperties: { "znode.container.checkIntervalMs": "200" },
        extra: target.name === "zkts" ? { "znode.container.checkIntervalMs": 200 } : {},
      });
      const zk = await ZooKeeper.connect(server.connectString, { sessionTimeoutMs: 10000 });
      try {
        await zk.create("/c", null, { mode: CreateMode.Container });
        await zk.create("/c/child", null);
        await zk.create("/ttl", null, { mode: CreateMode.PersistentWithTtl, ttlMs: 300 });
        await zk.delete("/c/child");
        await waitFor(async () => (await zk.exists("/c")) === null);
        await waitFor(async () => (await zk.exists("/ttl")) === null);
      } finally {
        await zk.close();
        await server.stop();
      }
    },
  );

  interopTest(`server ${target.name}: a restart keeps every acknowledged write`, async () => {
    const server = await target.start({ forceSync: true });
    try {
      let zk = await ZooKeeper.connect(server.connectString, { sessionTimeoutMs: 10000 });
      const writes = [];
      for (let i = 0; i < 200; i++) writes.push(zk.create(`/k${i}`, enc(`v${i}`)));
      await Promise.all(writes);
      await zk.setData("/k7", enc("seven"));
      await zk.close();
      await server.restart();
      zk = await ZooKeeper.connect(server.connectString, { sessionTimeoutMs: 10000 });
      const children = await zk.getChildren("/");
      assert.equal(children.filter((c) => c.startsWith("k")).length, 200);
      const { data, stat } = await zk.getData("/k7");
      assert.equal(new TextDecoder().decode(data!), "seven");
      assert.equal(stat.version, 1);
      await zk.close();
    } finally {
      await server.stop();
    }
  });

  interopTest(`server ${target.name}: a session expiry removes its ephemerals`, async () => {
    const server = await target.start({ forceSync: false, tickTime: 200 });
    const watcher = await ZooKeeper.connect(server.connectString, { sessionTimeoutMs: 10000 });
    // A raw session that goes silent (no pings) but keeps its socket open.
    const conn = await Deno.connect({ hostname: server.host, port: server.port });
    try {
      await sendFrame(
        conn,
        encode(ConnectRequest, {
          protocolVersion: 0,
          lastZxidSeen: 0n,
          timeOut: 1000,
          sessionId: 0n,
          passwd: new Uint8Array(16),
          readOnly: false,
        }),
      );
      const rsp = decode(ConnectResponse, await readFrame(conn));
      assert.equal(rsp.timeOut, 1000);
      const w = new JuteWriter();
      RequestHeader.write(w, { xid: 1, type: OpCode.create });
      CreateRequest.write(w, {
        path: "/eph",
        data: null,
        acl: [{ perms: 31, id: { scheme: "world", id: "anyone" } }],
        flags: CreateMode.Ephemeral,
      });
      await sendFrame(conn, w.toBytes());
      const reply = await readFrame(conn);
      assert.equal(new DataView(reply.buffer, reply.byteOffset).getInt32(12), 0, "create ok");
      const stat = await watcher.exists("/eph");
      assert.equal(stat?.ephemeralOwner, rsp.sessionId);
      const gone = new Promise<number>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error("the session never expired")), 10000);
        watcher.exists("/eph", (e) => {
          clearTimeout(timer);
          resolve(e.type);
        });
      });
      const t0 = Date.now();
      assert.equal(await gone, EventType.NodeDeleted);
      const waited = Date.now() - t0;
      assert.ok(waited < 5000, `expired after ${waited} ms`);
      // The server closed the silent connection.
      assert.equal(await conn.read(new Uint8Array(16)).catch(() => null), null);
    } finally {
      try {
        conn.close();
      } catch { /* closed */ }
      await watcher.close();
      await server.stop();
    }
  });

  interopTest(`server ${target.name}: an oversized frame closes only that connection`, async () => {
    const server = await target.start({ forceSync: false });
    const zk = await ZooKeeper.connect(server.connectString, { sessionTimeoutMs: 10000 });
    try {
      const conn = await Deno.connect({ hostname: server.host, port: server.port });
      const bad = new Uint8Array(8);
      new DataView(bad.buffer).setInt32(0, 0x7fffffff);
      await conn.write(bad);
      const buf = new Uint8Array(64);
      const n = await Promise.race([
        conn.read(buf).catch(() => null),
        new Promise<"timeout">((r) => setTimeout(() => r("timeout"), 5000)),
      ]);
      assert.equal(n, null, "the server closes the connection");
      conn.close();
      await zk.create("/still-serving", null);
      assert.ok(await zk.exists("/still-serving"));
      // A value over jute.maxbuffer is refused the same way: the session's connection drops.
      await assert.rejects(
        zk.create("/big", new Uint8Array(0x100000 + 10)),
        (e: unknown) => e instanceof KeeperError && e.code === ErrorCode.ConnectionLoss,
      );
    } finally {
      await zk.close();
      await server.stop();
    }
  });
}

Deno.test({
  name: "zkts server: snapshots on log roll, then `purge -n 3` keeps what recovery needs",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const server = await startZkts({ forceSync: false, snapCount: 20, keepDir: true });
    try {
      let zk = await ZooKeeper.connect(server.connectString, { sessionTimeoutMs: 10000 });
      for (let i = 0; i < 200; i++) await zk.create(`/p${i}`, enc(`${i}`));
      await zk.close();
      await server.kill();
      const snaps = () =>
        [...Deno.readDirSync(`${server.dataDir}/version-2`)].filter((e) =>
          e.name.startsWith("snapshot.")
        ).length;
      assert.ok(snaps() > 3, `several snapshots: ${snaps()}`);
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", "apps/server/main.ts", "purge", `${server.dir}/zoo.cfg`, "-n", "3"],
        stdout: "piped",
        stderr: "piped",
      }).output();
      assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
      assert.equal(snaps(), 3);
      await server.restart();
      zk = await ZooKeeper.connect(server.connectString, { sessionTimeoutMs: 10000 });
      assert.equal((await zk.getChildren("/")).filter((c) => c.startsWith("p")).length, 200);
      await zk.close();
    } finally {
      await server.stop();
      await Deno.remove(server.dir, { recursive: true }).catch(() => {});
    }
  },
});

Deno.test({
  name: "zkts server: start / status / restart / stop with --config, as the seeds' zkServer.sh",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "zkts-conf1-" });
    const port = freePort();
    await Deno.writeTextFile(
      `${dir}/zoo.cfg`,
      `tickTime=2000\ndataDir=${dir}/data\nclientPort=${port}\nclientPortAddress=127.0.0.1\nadmin.enableServer=false\nforceSync=no\n`,
    );
    const run = async (cmd: string) => {
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", "apps/server/main.ts", "--config", dir, cmd],
        stdout: "piped",
        stderr: "piped",
      }).output();
      return { code: out.code, out: new TextDecoder().decode(out.stdout) };
    };
    try {
      assert.deepEqual(await run("start"), { code: 0, out: "Starting zookeeper ... STARTED\n" });
      const again = await run("start");
      assert.equal(again.code, 1);
      assert.match(
        again.out,
        /^Starting zookeeper \.\.\. zookeeper already running as process \d+\.$/m,
      );
      assert.match((await run("status")).out, /^Mode: standalone$/m);
      const restarted = await run("restart");
      assert.equal(
        restarted.out,
        "Stopping zookeeper ... STOPPED\nStarting zookeeper ... STARTED\n",
      );
      assert.deepEqual(await run("stop"), { code: 0, out: "Stopping zookeeper ... STOPPED\n" });
      const status = await run("status");
      assert.equal(status.code, 1);
      assert.match(status.out, /Error contacting service\. It is probably not running\./);
    } finally {
      await run("stop");
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  },
});

Deno.test({
  name: "zkts server: a key zkts does not honour stops the start with one line naming it",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "zkts-refuse-" });
    try {
      const cases = [
        ["sslQuorum=true", "sslQuorum=true is not supported by zkts"],
        ["secureClientPort=2281", "secureClientPort=2281 is not supported by zkts"],
        ["enforce.auth.enabled=true", "enforce.auth.enabled=true is not supported by zkts"],
        [
          "authProvider.1=org.apache.zookeeper.server.auth.SASLAuthenticationProvider",
          "authProvider.1=org.apache.zookeeper.server.auth.SASLAuthenticationProvider is not supported",
        ],
      ];
      for (const [line, says] of cases) {
        await Deno.writeTextFile(
          `${dir}/zoo.cfg`,
          `tickTime=2000\ndataDir=${dir}/data\nclientPort=${freePort()}\n${line}\n`,
        );
        const out = await new Deno.Command(Deno.execPath(), {
          args: ["run", "-A", "apps/server/main.ts", `${dir}/zoo.cfg`],
          stdin: "null",
          stdout: "piped",
          stderr: "piped",
        }).output();
        const err = new TextDecoder().decode(out.stderr).trim();
        assert.equal(out.code, 2, `${line}: exit 2`);
        assert.equal(err.split("\n").length, 1, `${line}: one line: ${err}`);
        assert.ok(err.startsWith(`Invalid config, exiting abnormally: ${says}`), err);
      }
    } finally {
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  },
});

Deno.test({
  name: "zkts server: a zoo.cfg without clientPort opens no client port (no plaintext 2181)",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const { parseConfig, ZkServer } = await import("@zkts/server");
    const dir = await Deno.makeTempDir({ prefix: "zkts-noport-" });
    const server = await ZkServer.start(
      parseConfig(`tickTime=2000\ndataDir=${dir}\nforceSync=no\nadmin.enableServer=false\n`),
    );
    try {
      assert.equal(server.hasClientPort, false);
      assert.throws(() => server.address, /clientPort is not set/);
    } finally {
      await server.stop();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  },
});

Deno.test({
  name: "zkts server: enforceQuota=true refuses a create past a hard count limit (QuotaExceeded)",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    for (const enforce of [true, false]) {
      const server = await startZkts({ forceSync: false, extra: { enforceQuota: enforce } });
      const zk = await ZooKeeper.connect(server.connectString, { sessionTimeoutMs: 10000 });
      try {
        await zk.create("/q", null);
        // zkCli's `setquota -N 2 /q` writes this (StatsTrack with a hard count limit).
        await zk.create("/zookeeper/quota/q", null);
        await zk.create(
          "/zookeeper/quota/q/zookeeper_limits",
          enc("count=-1,bytes=-1=;countHardLimit=2"),
        );
        await zk.create("/zookeeper/quota/q/zookeeper_stats", enc("count=1,bytes=0"));
        await zk.create("/q/1", null);
        if (enforce) {
          await assert.rejects(
            zk.create("/q/2", null),
            (e: unknown) => e instanceof KeeperError && e.code === ErrorCode.QuotaExceeded,
          );
        } else {
          await zk.create("/q/2", null); // counted, not refused
        }
      } finally {
        await zk.close();
        await server.stop();
      }
    }
  },
});
