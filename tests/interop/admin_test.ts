/**
 * The admin API of a serving ensemble member (issue #13), Apache ZooKeeper
 * 3.8 vs zkts: one mixed ensemble (member 1 zkts, 2 and 3 Apache; 3 leads,
 * being the highest id), the same txns applied on both followers, so their
 * answers must agree once each member's own id, ports and paths are masked:
 * `zabstate` (phase and addresses), `hash` (the digest log, digests and
 * all), `configuration`, and the fields `server_stats`, `last_snapshot`
 * and `dirs` have.
 */
import assert from "node:assert/strict";
import { ZooKeeper } from "@zkts/client";
import { interopTest } from "../support/oracle.ts";
import { freePort, LOOPBACK, SERVLET_API_FLAG } from "../support/apache.ts";
import { startMixedEnsemble } from "../support/zkts.ts";

type Json = Record<string, unknown>;

/** A member's own facts: its id, ports and dataDir, each with the name it is masked with. */
interface Own {
  id: number;
  ports: Map<number, string>;
  dataDir: string;
}

/** A JSON value with a member's own facts replaced by names (ids only under myid/server_id). */
function masked(value: unknown, own: Own, key = ""): unknown {
  if (typeof value === "number") {
    if ((key === "myid" || key === "server_id") && value === own.id) return "<id>";
    return own.ports.get(value) ?? value;
  }
  if (typeof value === "string") {
    let s = value.replaceAll(own.dataDir, "<dataDir>");
    for (const [port, name] of own.ports) s = s.replaceAll(`:${port}`, `:${name}`);
    return s;
  }
  if (Array.isArray(value)) return value.map((v) => masked(v, own, key));
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, masked(v, own, k)]));
  }
  return value;
}

/** The keys of a JSON object, nested ones as `a.b`, sorted. */
function keyPaths(o: Json, prefix = ""): string[] {
  return Object.entries(o).flatMap(([k, v]) =>
    v !== null && typeof v === "object" && !Array.isArray(v)
      ? keyPaths(v as Json, `${prefix}${k}.`)
      : [`${prefix}${k}`]
  ).sort();
}

interopTest("admin commands of a serving follower, Apache's and zkts's", async (t) => {
  // Spawned after each member's zoo.cfg gets its own admin port.
  await using ens = await startMixedEnsemble(3, [1], {
    forceSync: false,
    tickTime: 500,
    startOnly: [],
    jvmFlags: [SERVLET_API_FLAG],
    extra: { "admin.enableServer": true, "admin.serverAddress": LOOPBACK, "admin.serverPort": 1 },
  });
  const adminPorts = ens.members.map(() => freePort());
  for (const m of ens.members) {
    const cfg = `${ens.dir}/${m.id}/zoo.cfg`;
    const text = await Deno.readTextFile(cfg);
    await Deno.writeTextFile(
      cfg,
      text.replace(/^admin\.serverPort=1$/m, `admin.serverPort=${adminPorts[m.id - 1]}`),
    );
  }
  await Promise.all(ens.members.map((m) => ens.restart(m.id)));
  await ens.waitServing();
  assert.equal(await ens.leader(), 3, "the highest id leads");

  const zk = await ZooKeeper.connect(ens.connectStringOf(3), { sessionTimeoutMs: 30000 });
  try {
    for (let i = 0; i < 140; i++) await zk.create(`/n${i}`, new Uint8Array(i % 5));
    // both followers have applied everything
    const deadline = Date.now() + 20_000;
    const zxidOf = async (id: number) => {
      const r = await fetch(`http://${LOOPBACK}:${adminPorts[id - 1]}/commands/zabstate`);
      return (await r.json()).last_zxid;
    };
    while ((await zxidOf(1)) !== (await zxidOf(2)) || (await zxidOf(1)) !== (await zxidOf(3))) {
      if (Date.now() > deadline) throw new Error("the followers did not catch up");
      await new Promise((r) => setTimeout(r, 100));
    }
    const ask = async (id: number, command: string): Promise<Json> => {
      const r = await fetch(`http://${LOOPBACK}:${adminPorts[id - 1]}/commands/${command}`);
      assert.equal(r.status, 200, `${command} on member ${id}`);
      return await r.json();
    };
    const own = (id: number): Own => {
      const m = ens.members[id - 1];
      return {
        id,
        dataDir: m.dataDir,
        ports: new Map([
          [m.quorumPort, "<quorumPort>"],
          [m.electionPort, "<electionPort>"],
          [m.clientPort, "<clientPort>"],
        ]),
      };
    };
    const [zkts, apache] = [1, 2];
    const SAME = [
      "zabstate",
      "hash",
      "configuration",
      "is_read_only",
      "watch_summary",
      "leader",
      "lead",
      "orst",
    ];
    for (const command of SAME) {
      await t.step(`${command}: the same once masked`, async () => {
        const a = masked(await ask(apache, command), own(apache));
        const z = masked(await ask(zkts, command), own(zkts));
        assert.deepEqual(z, a);
      });
    }
    await t.step("voting_view: every member's addresses, the same", async () => {
      // Every member's ports named with its id; the asked member's paths and id masked.
      const all = (id: number): Own => ({
        ...own(id),
        ports: new Map(ens.members.flatMap((m) => [
          [m.quorumPort, `<quorumPort.${m.id}>`],
          [m.electionPort, `<electionPort.${m.id}>`],
          [m.clientPort, `<clientPort.${m.id}>`],
        ])),
      });
      const a = masked(await ask(apache, "voting_view"), all(apache)) as Json;
      const z = masked(await ask(zkts, "voting_view"), all(zkts)) as Json;
      // Each member knows its own client address only (QuorumPeerConfig sets it from clientPort).
      const config = (j: Json) => j.current_config as Record<string, Json>;
      const selfA = config(a)[String(apache)];
      const selfZ = config(z)[String(zkts)];
      assert.equal(selfA.client_address, `127.0.0.1:<clientPort.${apache}>`);
      assert.equal(selfZ.client_address, `127.0.0.1:<clientPort.${zkts}>`);
      selfA.client_address = selfZ.client_address = "";
      assert.deepEqual(z, a);
    });
    await t.step("hash: a digest was logged", async () => {
      const h = await ask(zkts, "hash");
      assert.ok((h.digests as unknown[]).length > 0);
    });
    for (const command of ["server_stats", "last_snapshot", "dirs"]) {
      await t.step(`${command}: the same fields`, async () => {
        assert.deepEqual(keyPaths(await ask(zkts, command)), keyPaths(await ask(apache, command)));
      });
    }
    await t.step("server_stats: directory sizes are measured", async () => {
      const s = (await ask(zkts, "server_stats")).server_stats as Json;
      assert.ok((s.data_dir_size as number) > 0 && (s.log_dir_size as number) > 0);
    });
    await t.step("last_snapshot: one was written", async () => {
      const s = await ask(zkts, "last_snapshot");
      assert.notEqual(s.zxid, "ffffffffffffffff");
      assert.ok((s.timestamp as number) > 0);
    });
  } finally {
    await zk.close();
  }
});
