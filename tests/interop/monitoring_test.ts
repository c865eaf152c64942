/**
 * Monitoring values after the same workload (issue #13): not only the keys
 * of `mntr` and friends but what they say must agree between Apache
 * ZooKeeper 3.8 and zkts where both must agree by construction — znode,
 * watch and ephemeral counts, the approximate data size, sessions, the
 * bytes of watch notifications, the zxids of the digest log; and, in a
 * mixed ensemble where every member applies the very same txns, the
 * digests themselves and the leader's proposal count.
 */
import assert from "node:assert/strict";
import { ZooKeeper } from "@zkts/client";
import { CreateMode } from "@zkts/jute";
import { interopTest } from "../support/oracle.ts";
import { startMixedEnsemble, TARGETS } from "../support/zkts.ts";
import { type ApacheServer, fourLetter, LOOPBACK } from "../support/apache.ts";

const enc = (s: string) => new TextEncoder().encode(s);

/** Txns past 128 (the digest log's interval), creates, sets, deletes, ephemerals and watches. */
async function workload(connectString: string): Promise<ZooKeeper[]> {
  const a = await ZooKeeper.connect(connectString, { sessionTimeoutMs: 30000 });
  const b = await ZooKeeper.connect(connectString, { sessionTimeoutMs: 30000 });
  await a.create("/w", enc("root of the workload"));
  for (let i = 0; i < 130; i++) await a.create(`/w/c${i}`, enc("x".repeat(i % 7)));
  for (let i = 0; i < 10; i++) await a.setData(`/w/c${i}`, enc(`v${i}`.repeat(i)));
  for (let i = 120; i < 130; i++) await a.delete(`/w/c${i}`);
  await a.create("/e1", null, { mode: CreateMode.Ephemeral });
  await b.create("/e2", enc("b's"), { mode: CreateMode.Ephemeral });
  await b.create("/e3-", null, { mode: CreateMode.EphemeralSequential });
  // watches: data on three nodes (two sessions on one), children on two
  await a.getData("/w/c1", true);
  await b.getData("/w/c1", true);
  await a.exists("/w/c2", true);
  await b.exists("/absent", true);
  await a.getChildren("/w", true);
  await b.getChildren("/", true);
  // fire some: one data change (two watchers), one create under / (child watch)
  await a.setData("/w/c1", enc("changed"));
  await a.create("/later", null);
  // a read after the writes: every notification is out before mntr is asked
  await a.exists("/later");
  await b.exists("/later");
  return [a, b];
}

/** A key's value in an `mntr` answer. */
function mntrValue(text: string, key: string): string {
  const line = text.split("\n").find((l) => l.startsWith(`${key}\t`));
  assert.ok(line, `mntr lacks ${key}`);
  return line.slice(key.length + 1);
}

/** What both servers must say alike after the workload. */
const AGREED = [
  "zk_znode_count",
  "zk_watch_count",
  "zk_ephemerals_count",
  "zk_approximate_data_size",
  "zk_global_sessions",
  "zk_num_alive_connections",
  "zk_watch_bytes",
  "zk_proposal_count",
  "zk_local_sessions",
  "zk_outstanding_requests",
];

/** The zxids of a `hash` answer, without their digests (times of day are in them). */
const hashZxids = (text: string) => text.split("\n").filter((l) => l).map((l) => l.split(": ")[0]);

interopTest("monitoring: the same workload, the same values from Apache and zkts", async (t) => {
  const servers: ApacheServer[] = [];
  const sessions: ZooKeeper[] = [];
  try {
    for (const target of TARGETS) servers.push(await target.start({ forceSync: false }));
    for (const s of servers) sessions.push(...await workload(s.connectString));
    const ask = (word: string) => Promise.all(servers.map((s) => fourLetter(s.host, s.port, word)));
    const [ma, mz] = await ask("mntr");
    for (const key of AGREED) {
      await t.step(key, () => assert.equal(mntrValue(mz, key), mntrValue(ma, key)));
    }
    await t.step("watch bytes were counted", () => {
      assert.ok(Number(mntrValue(mz, "zk_watch_bytes")) > 0);
    });
    await t.step("wchs", async () => {
      const [a, z] = await ask("wchs");
      assert.equal(z, a);
    });
    await t.step("srvr Node count and Zxid", async () => {
      const [a, z] = await ask("srvr");
      const pick = (s: string) => s.split("\n").filter((l) => /^(Node count|Zxid): /.test(l));
      assert.deepEqual(pick(z), pick(a));
    });
    await t.step("hash: the digest log's zxids", async () => {
      const [a, z] = await ask("hash");
      assert.ok(hashZxids(a).length > 0, `Apache logged no digest:\n${a}`);
      assert.deepEqual(hashZxids(z), hashZxids(a));
      assert.match(z, /^([0-9a-f]+: -?\d+\n)+$/);
    });
    await t.step("gtmk: the default trace mask", async () => {
      const [a, z] = await ask("gtmk");
      assert.equal(z, a);
    });
    await t.step("srst clears watch bytes and response sizes", async () => {
      await ask("srst");
      const [a, z] = await ask("mntr");
      for (
        const key of [
          "zk_watch_bytes",
          "zk_last_client_response_size",
          "zk_min_client_response_size",
          "zk_max_client_response_size",
        ]
      ) {
        assert.equal(mntrValue(z, key), mntrValue(a, key), key);
      }
    });
  } finally {
    for (const zk of sessions) await zk.close();
    for (const s of servers) await s.stop();
  }
});

interopTest(
  "monitoring: a mixed ensemble's members agree on the digest log, node counts and proposals",
  async (t) => {
    // Members 1 and 2 Apache, 3 zkts (the highest id: it leads a fresh start).
    await using ens = await startMixedEnsemble(3, [3], { forceSync: false, tickTime: 500 });
    const sessions = await workload(ens.connectStringOf(1));
    try {
      const ports = ens.members.map((m) => m.clientPort);
      const ask = (word: string) => Promise.all(ports.map((p) => fourLetter(LOOPBACK, p, word)));
      // every member has applied everything
      const deadline = Date.now() + 20_000;
      for (;;) {
        const zxids = (await ask("srvr")).map((s) => s.match(/^Zxid: (\S+)$/m)?.[1]);
        if (zxids.every((z) => z === zxids[0])) break;
        if (Date.now() > deadline) throw new Error(`members at different zxids: ${zxids}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      await t.step("hash: the same zxids and digests on every member", async () => {
        const hashes = await ask("hash");
        assert.ok(hashZxids(hashes[0]).length > 0, "a digest was logged");
        assert.deepEqual(hashes.slice(1), [hashes[0], hashes[0]]);
      });
      await t.step("node count, data size, ephemerals on every member", async () => {
        const mntrs = await ask("mntr");
        for (const key of ["zk_znode_count", "zk_approximate_data_size", "zk_ephemerals_count"]) {
          const values = mntrs.map((m) => mntrValue(m, key));
          assert.deepEqual(values, [values[0], values[0], values[0]], key);
        }
      });
      await t.step("the leader counted one proposal a txn of its epoch", async () => {
        const leader = await ens.leader();
        assert.ok(leader !== null);
        const mntr = await fourLetter(LOOPBACK, ports[leader - 1], "mntr");
        const srvr = await fourLetter(LOOPBACK, ports[leader - 1], "srvr");
        const zxid = BigInt(srvr.match(/^Zxid: (\S+)$/m)![1]);
        assert.equal(mntrValue(mntr, "zk_proposal_count"), String(zxid & 0xffffffffn));
        assert.equal(mntrValue(mntr, "zk_pending_syncs"), "0");
      });
    } finally {
      for (const zk of sessions) await zk.close();
    }
  },
);
