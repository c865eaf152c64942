/**
 * A `sync` then `getData` is linearizable on every member of a zkts
 * ensemble, the leader included: no read whose sync was sent after a write
 * was acknowledged (to a client of another member) returns an older version.
 * Apache 3.8's leader sends COMMIT before it applies the txn and answers a
 * local sync at once, so a client of the leader can read the version before
 * a write another member has already acknowledged (issue 14).
 */
import assert from "node:assert/strict";
import { ZooKeeper } from "@zkts/client";
import { startZktsEnsemble } from "../support/zkts.ts";

/** Writes by one client; enough for a few seconds of reads racing the acks. */
const WRITES = 1000;
const PATH = "/register";

interface Read {
  member: string;
  /** When the sync was sent (performance.now()). */
  sentMs: number;
  version: number;
}

/** The first read that returns a version older than one acknowledged before its sync went out. */
function staleRead(acks: { version: number; ackMs: number }[], reads: Read[]): string | null {
  // One writer, one write at a time: versions and ack times rise together.
  for (const r of reads) {
    let newest = -1;
    let newestMs = 0;
    for (const a of acks) {
      if (a.ackMs >= r.sentMs) break;
      newest = a.version;
      newestMs = a.ackMs;
    }
    if (r.version < newest) {
      const gapMs = (r.sentMs - newestMs).toFixed(3);
      return `a read on the ${r.member} sent ${gapMs} ms after version ${newest} was ` +
        `acknowledged returned version ${r.version}`;
    }
  }
  return null;
}

Deno.test({
  name:
    "ensemble: a sync then getData on the leader and on a follower sees every write acknowledged before the sync was sent",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await using ens = await startZktsEnsemble(3, { forceSync: false, tickTime: 500 });
    let leader: number | null = null;
    for (const deadline = Date.now() + 20000; leader === null && Date.now() < deadline;) {
      leader = await ens.leader();
      if (leader === null) await new Promise((r) => setTimeout(r, 50));
    }
    assert.notEqual(leader, null, "a leader is elected");
    const [writerAt, readerAt] = ens.members.map((m) => m.id).filter((id) => id !== leader);
    const connect = (id: number) =>
      ZooKeeper.connect(ens.connectStringOf(id), { sessionTimeoutMs: 10000 });
    const writer = await connect(writerAt);
    const readers = [
      { member: `leader (${leader})`, zk: await connect(leader!) },
      { member: `follower ${readerAt}`, zk: await connect(readerAt) },
    ];
    try {
      await writer.create(PATH, null);
      const acks: { version: number; ackMs: number }[] = [];
      const reads: Read[] = [];
      let writing = true;
      const write = (async () => {
        try {
          for (let i = 0; i < WRITES; i++) {
            const stat = await writer.setData(PATH, null);
            acks.push({ version: stat.version, ackMs: performance.now() });
          }
        } finally {
          writing = false;
        }
      })();
      const read = readers.map(async ({ member, zk }) => {
        while (writing) {
          const sentMs = performance.now();
          await zk.sync(PATH);
          const { stat } = await zk.getData(PATH);
          reads.push({ member, sentMs, version: stat.version });
        }
      });
      await Promise.all([write, ...read]);
      assert.equal(acks.at(-1)?.version, WRITES);
      for (const { member } of readers) {
        assert.ok(reads.filter((r) => r.member === member).length > 0, `the ${member} was read`);
      }
      assert.equal(staleRead(acks, reads), null);
    } finally {
      await writer.close();
      for (const { zk } of readers) await zk.close();
    }
  },
});
