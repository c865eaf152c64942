import assert from "node:assert/strict";
import { QuorumMaj } from "@zkts/election";
import { encode, LearnerInfo } from "@zkts/jute";
import {
  encodePacket,
  intBytes,
  type LeaderEffect,
  makeZxid,
  type Packet,
  PacketReader,
  PacketType,
  packetTypeName,
} from "./mod.ts";
import { LeaderCore } from "./leader.ts";

const E1 = makeZxid(1n, 0n);

function leader(heldBytesMax?: number): LeaderCore {
  return new LeaderCore({
    myId: 1n,
    quorum: QuorumMaj.of([1n, 2n, 3n]),
    acceptedEpoch: 0n,
    currentEpoch: 0n,
    lastZxid: 0n,
    config: new Uint8Array(0),
    tickTimeMs: 2000,
    initLimit: 10,
    syncLimit: 5,
    nowMs: 0,
    ...(heldBytesMax === undefined ? {} : { heldBytesMax }),
  });
}

function pkt(type: number, zxid: bigint, data: Uint8Array | null = null): Uint8Array {
  return encodePacket({ type, zxid, data, authinfo: null });
}

/** What the leader sent to `conn`, as `TYPE zxid` lines (and closes as `close: reason`). */
function sent(fx: LeaderEffect[], conn: number): string[] {
  const out: string[] = [];
  for (const e of fx) {
    if (e.type === "close" && e.conn === conn) out.push(`close: ${e.reason}`);
    if (e.type === "sendSnapshot" && e.conn === conn) out.push(`SNAP ${e.zxid.toString(16)}`);
    if (e.type !== "send" || e.conn !== conn) continue;
    const r = new PacketReader();
    r.push(e.bytes);
    for (let p: Packet | undefined = r.next(); p; p = r.next()) {
      out.push(`${packetTypeName(p.type)} ${p.zxid.toString(16)}`);
    }
  }
  return out;
}

/** Learner `sid` on `conn` through discovery (its log empty): the leader's answer to ACKEPOCH. */
function join(l: LeaderCore, conn: number, sid: bigint): LeaderEffect[] {
  l.connected(conn);
  const info = encode(LearnerInfo, { serverid: sid, protocolVersion: 0x10000, configVersion: 0n });
  l.receive(conn, pkt(PacketType.FOLLOWERINFO, 0n, info), 0);
  return l.receive(conn, pkt(PacketType.ACKEPOCH, 0n, intBytes(0)), 0);
}

/**
 * A serving leader with follower 2 (conn 7) and txn 1 outstanding, and
 * follower 3 (conn 8) synced up to NEWLEADER: the window Apache 3.8's
 * learners die in when a COMMIT lands there (ZOOKEEPER-4394).
 */
function joining(heldBytesMax?: number): { l: LeaderCore; synced: string[] } {
  const l = leader(heldBytesMax);
  join(l, 7, 2n);
  l.receive(7, pkt(PacketType.ACK, E1), 0);
  assert.equal(l.serving, true);
  l.propose(E1 + 1n, new Uint8Array([1]));
  l.logged(E1 + 1n);
  return { l, synced: sent(join(l, 8, 3n), 8) };
}

Deno.test("leader: a learner syncing gets the outstanding proposal before NEWLEADER", () => {
  const { synced } = joining();
  assert.deepEqual(synced, ["SNAP 100000000", "PROPOSAL 100000001", "NEWLEADER 100000000"]);
});

Deno.test("leader: commits and proposals made while a learner syncs wait for its UPTODATE", () => {
  const { l } = joining();
  // Txn 1 commits (2 acks it) and txn 2 is proposed while 3 has not acked NEWLEADER.
  const commit = l.receive(7, pkt(PacketType.ACK, E1 + 1n), 0);
  assert.deepEqual(sent(commit, 7), ["COMMIT 100000001"]);
  assert.deepEqual(sent(commit, 8), [], "no COMMIT between NEWLEADER and UPTODATE");
  const propose = l.propose(E1 + 2n, new Uint8Array([2]));
  assert.deepEqual(sent(propose, 7), ["PROPOSAL 100000002"]);
  assert.deepEqual(sent(propose, 8), [], "no PROPOSAL between NEWLEADER and UPTODATE");
  // 3 acks NEWLEADER: UPTODATE, then what was held, in order.
  const up = l.receive(8, pkt(PacketType.ACK, E1), 0);
  assert.deepEqual(sent(up, 8), ["UPTODATE -1", "COMMIT 100000001", "PROPOSAL 100000002"]);
  l.logged(E1 + 2n);
  assert.deepEqual(sent(l.receive(7, pkt(PacketType.ACK, E1 + 2n), 0), 8), ["COMMIT 100000002"]);
  assert.deepEqual(l.learnerCounts(), { learners: 2, syncedFollowers: 2, syncedObservers: 0 });
});

Deno.test("leader: a held proposal counts for the learner's syncLimit from UPTODATE, not before", () => {
  const { l } = joining();
  l.propose(E1 + 2n, new Uint8Array([2]));
  // 3 acks NEWLEADER, and txn 1 it had before, 8 ticks later (within
  // initLimit): the held txn 2 is sent only now and is not overdue.
  l.receive(8, pkt(PacketType.ACK, E1), 8 * 2000);
  l.receive(8, pkt(PacketType.ACK, E1 + 1n), 8 * 2000);
  l.receive(7, pkt(PacketType.ACK, E1 + 2n), 8 * 2000);
  const fx = l.tick(8 * 2000 + 1000);
  assert.deepEqual(sent(fx, 8), ["PING 100000002"], "in sync: pinged, not dropped");
});

Deno.test("leader: past heldBytesMax a learner that does not ack NEWLEADER is dropped", () => {
  const proposal = pkt(PacketType.PROPOSAL, E1 + 2n, new Uint8Array(100)).length;
  const { l } = joining(proposal);
  assert.deepEqual(sent(l.propose(E1 + 2n, new Uint8Array(100)), 8), [], "at the limit: held");
  assert.deepEqual(sent(l.propose(E1 + 3n, new Uint8Array(0)), 8), [
    `close: more than ${proposal} bytes held for it before it acked NEWLEADER`,
  ]);
  assert.deepEqual(l.learnerCounts(), { learners: 1, syncedFollowers: 1, syncedObservers: 0 });
});

Deno.test("leader: a learner that does not ack NEWLEADER within initLimit is dropped, and what it was held", () => {
  const { l } = joining();
  l.receive(7, pkt(PacketType.ACK, E1 + 1n), 0); // a COMMIT held for 3
  const at = (ticks: number) => {
    l.receive(7, pkt(PacketType.PING, 0n), ticks * 2000); // 2 stays in sync
    return sent(l.tick(ticks * 2000), 8);
  };
  assert.deepEqual(at(10), [], "10 ticks: still in time");
  assert.deepEqual(at(11), ["close: no NEWLEADER ack within initLimit"]);
  assert.deepEqual(l.learnerCounts(), { learners: 1, syncedFollowers: 1, syncedObservers: 0 });
});

Deno.test("leader: a txn's COMMITs, its local commit and the syncs waiting on it come out of one call, in that order", () => {
  // Leader.tryToCommit: COMMIT to the followers, commitProcessor.commit,
  // then the pending SYNCs. The host applies `commit` in the same turn (or
  // holds its own syncs until lastCommitted is applied), and a follower's
  // SYNC follows the COMMITs on its stream, so it applies them before it
  // answers its client's sync.
  const l = leader();
  join(l, 7, 2n);
  l.receive(7, pkt(PacketType.ACK, E1), 0);
  join(l, 8, 3n);
  l.receive(8, pkt(PacketType.ACK, E1), 0);
  l.propose(E1 + 1n, new Uint8Array([1]));
  assert.deepEqual(sent(l.sync(8), 8), [], "3's sync waits for the outstanding txn");
  l.logged(E1 + 1n);
  assert.equal(l.lastCommitted, E1, "one ack of three: not committed");
  const fx = l.receive(7, pkt(PacketType.ACK, E1 + 1n), 0);
  const order = fx.map((e) =>
    e.type === "send"
      ? `${sent([e], e.conn).join(",")} to ${e.conn}`
      : e.type === "commit"
      ? `commit ${e.zxid.toString(16)}`
      : e.type
  );
  assert.deepEqual(order, [
    "COMMIT 100000001 to 7",
    "COMMIT 100000001 to 8",
    "commit 100000001",
    "SYNC 0 to 8",
  ]);
  assert.equal(l.lastCommitted, E1 + 1n);
  assert.deepEqual(sent(l.sync(8), 8), ["SYNC 0"], "nothing outstanding: SYNC at once");
});
