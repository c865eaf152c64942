// The broadcast path through the pure cores: a leader and two followers in
// one process, packets handed over as bytes (encoded, split, decoded), each
// proposal logged (fsync reported at once), acked by a quorum, committed and
// applied everywhere. Measures the protocol's CPU per txn, without network
// or disk.
//   deno bench -A packages/zab/zab_bench.ts
import { QuorumMaj } from "@zkts/election";
import { FollowerCore, type FollowerEffect, LeaderCore, type LeaderEffect } from "./mod.ts";

function ensemble() {
  const leader = new LeaderCore({
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
  });
  const followers = [2n, 3n].map((id) =>
    new FollowerCore({
      myId: id,
      acceptedEpoch: 0n,
      currentEpoch: 0n,
      lastZxid: 0n,
      tickTimeMs: 2000,
      initLimit: 10,
      syncLimit: 5,
      nowMs: 0,
    })
  );
  let committed = 0;
  let applied = 0;
  const toLeader: [number, Uint8Array][] = [];
  const toFollower: Uint8Array[][] = [[], []];
  const onLeader = (fx: LeaderEffect[]) => {
    for (const e of fx) {
      if (e.type === "send") toFollower[e.conn].push(e.bytes);
      else if (e.type === "commit") committed++;
    }
  };
  const onFollower = (i: number, f: FollowerCore, fx: FollowerEffect[]) => {
    for (const e of fx) {
      if (e.type === "send") toLeader.push([i, e.bytes]);
      else if (e.type === "log") onFollower(i, f, f.logged(e.zxid));
      else if (e.type === "commit") applied++;
    }
  };
  const pump = () => {
    while (toLeader.length > 0 || toFollower.some((q) => q.length > 0)) {
      for (let i = 0; i < 2; i++) {
        const q = toFollower[i];
        while (q.length > 0) onFollower(i, followers[i], followers[i].receive(q.shift()!, 0));
      }
      while (toLeader.length > 0) {
        const [i, b] = toLeader.shift()!;
        onLeader(leader.receive(i, b, 0));
      }
    }
  };
  leader.connected(0);
  leader.connected(1);
  followers.forEach((f, i) => onFollower(i, f, f.start()));
  pump();
  if (!leader.serving) throw new Error("no quorum");
  let next = leader.newLeaderZxid + 1n;
  const data = new Uint8Array(100).fill(1);
  return {
    /** Proposes `n` txns at once, then runs the ensemble until all are applied. */
    round(n: number) {
      const before = applied;
      for (let i = 0; i < n; i++) {
        const z = next++;
        onLeader(leader.propose(z, data));
        onLeader(leader.logged(z));
      }
      pump();
      if (applied - before !== 2 * n) throw new Error(`applied ${applied - before} of ${2 * n}`);
      return committed;
    },
  };
}

const e1 = ensemble();
Deno.bench({
  group: "broadcast",
  name: "1 txn: propose → 2 followers log and ack → commit → applied",
  fn() {
    e1.round(1);
  },
});
const e100 = ensemble();
Deno.bench({
  group: "broadcast",
  name: "100 txns pipelined, same path",
  fn() {
    e100.round(100);
  },
});
