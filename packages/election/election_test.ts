import assert from "node:assert/strict";
import {
  type Effects,
  Election,
  HELD_NOTIFICATIONS_MAX,
  LONG_MIN,
  type Notification,
  parseQuorumConfig,
  QuorumMaj,
  ServerState,
  totalOrderPredicate,
} from "./mod.ts";

const qv3 = QuorumMaj.of([1n, 2n, 3n]);

function note(p: Partial<Notification> & { leader: bigint }): Notification {
  return {
    state: ServerState.LOOKING,
    zxid: 0n,
    electionEpoch: 1n,
    peerEpoch: 0n,
    version: 2,
    ...p,
  };
}

function peer(id: bigint, zxid = 0n, epoch = 0n, quorum = qv3): Election {
  return new Election({ myId: id, quorum }, { zxid, epoch });
}

function targets(fx: Effects): string[] {
  return fx.send.map((s) => `${s.to}:${s.msg.leader}@${s.msg.electionEpoch}`);
}

const order: {
  name: string;
  next: [bigint, bigint, bigint];
  cur: [bigint, bigint, bigint];
  wins: boolean;
}[] = [
  {
    name: "a higher epoch wins over a higher zxid",
    next: [1n, 5n, 2n],
    cur: [3n, 900n, 1n],
    wins: true,
  },
  { name: "a lower epoch loses", next: [3n, 900n, 1n], cur: [1n, 5n, 2n], wins: false },
  { name: "same epoch: higher zxid wins", next: [1n, 333n, 1n], cur: [3n, 111n, 1n], wins: true },
  {
    name: "same epoch and zxid: higher id wins",
    next: [3n, 7n, 1n],
    cur: [2n, 7n, 1n],
    wins: true,
  },
  { name: "the same vote does not win", next: [2n, 7n, 1n], cur: [2n, 7n, 1n], wins: false },
  {
    name: "any voter beats an observer's empty vote",
    next: [1n, 0n, 0n],
    cur: [LONG_MIN, LONG_MIN, LONG_MIN],
    wins: true,
  },
];
for (const c of order) {
  Deno.test(`totalOrderPredicate: ${c.name}`, () => {
    const v = ([id, zxid, peerEpoch]: [bigint, bigint, bigint]) => ({ id, zxid, peerEpoch });
    assert.equal(totalOrderPredicate(qv3, v(c.next), v(c.cur)), c.wins);
  });
}

Deno.test("totalOrderPredicate: a server of weight 0 is never preferred", () => {
  const qv = parseQuorumConfig(
    "server.1=h:1:1\nserver.2=h:2:2\nserver.3=h:3:3\ngroup.1=1:2:3\nweight.3=0",
  );
  const v = (id: bigint, zxid: bigint) => ({ id, zxid, peerEpoch: 1n });
  assert.equal(totalOrderPredicate(qv, v(3n, 999n), v(1n, 0n)), false);
  assert.equal(totalOrderPredicate(qv, v(2n, 0n), v(1n, 0n)), true);
});

Deno.test("start: round 1, a vote for itself to every other voter", () => {
  const p = peer(2n, 5n, 1n);
  const fx = p.start(0);
  assert.deepEqual(targets(fx), ["1:2@1", "3:2@1"]);
  assert.deepEqual(fx.send[0].msg, note({ leader: 2n, zxid: 5n, peerEpoch: 1n }));
  assert.equal(p.deadlineMs, 200);
});

Deno.test("a better vote is adopted and re-sent; a worse one is only recorded", () => {
  const p = peer(1n);
  p.start(0);
  assert.deepEqual(targets(p.receive(3n, note({ leader: 3n }), 1)), ["2:3@1", "3:3@1"]);
  assert.deepEqual(targets(p.receive(2n, note({ leader: 2n }), 2)), []);
  assert.equal(p.proposal.id, 3n);
});

Deno.test("a notification of a later round moves this peer to it", () => {
  const p = peer(3n, 9n);
  p.start(0);
  const fx = p.receive(1n, note({ leader: 1n, electionEpoch: 4n }), 1);
  assert.equal(p.logicalClock, 4n);
  assert.deepEqual(
    targets(fx),
    ["1:3@4", "2:3@4"],
    "its own vote is better, sent in the new round",
  );
});

Deno.test("a LOOKING peer of an older round is answered with the current round", () => {
  const p = peer(1n);
  p.start(0);
  p.receive(2n, note({ leader: 2n, electionEpoch: 3n }), 1);
  const fx = p.receive(3n, note({ leader: 3n, electionEpoch: 1n }), 2);
  assert.deepEqual(targets(fx), ["3:2@3"]);
});

Deno.test("quorum, then finalizeWait: settles 200 ms after the last notification", () => {
  const p = peer(1n);
  p.start(0);
  p.receive(3n, note({ leader: 3n }), 10);
  assert.equal(p.finalizing, true, "3 and itself agree on 3");
  assert.equal(p.deadlineMs, 210);
  p.receive(2n, note({ leader: 2n }), 100);
  assert.equal(p.deadlineMs, 300, "a worse vote is dropped and the wait restarts");
  assert.equal(p.tick(299).decided, undefined);
  const d = p.tick(300).decided!;
  assert.deepEqual(d, {
    id: 3n,
    zxid: 0n,
    electionEpoch: 1n,
    peerEpoch: 0n,
    state: ServerState.FOLLOWING,
    version: 0,
  });
  assert.equal(p.state, ServerState.FOLLOWING);
  assert.equal(p.deadlineMs, undefined);
});

Deno.test("a better vote during finalizeWait reopens the election", () => {
  const p = peer(1n);
  p.start(0);
  p.receive(2n, note({ leader: 2n }), 10);
  assert.equal(p.finalizing, true);
  const fx = p.receive(3n, note({ leader: 3n }), 50);
  assert.deepEqual(targets(fx), ["2:3@1", "3:3@1"], "the better vote is adopted and sent");
  assert.equal(p.proposal.id, 3n);
  assert.equal(p.deadlineMs, 250, "3 and itself now agree: a new finalize wait");
  assert.equal(p.tick(250).decided?.id, 3n);
});

Deno.test("the notification timeout doubles up to the cap, resending each time", () => {
  const p = new Election({ myId: 1n, quorum: qv3, maxNotificationIntervalMs: 1000 }, {
    zxid: 0n,
    epoch: 0n,
  });
  p.start(0);
  const seen: number[] = [];
  for (let t = 0; t < 5000; t += 10) {
    if (p.tick(t).send.length > 0) seen.push(t);
  }
  assert.deepEqual(seen, [200, 600, 1400, 2400, 3400, 4400]);
});

Deno.test("settled peers answer a LOOKING peer with their vote and state", () => {
  const p = peer(1n);
  p.start(0);
  p.receive(3n, note({ leader: 3n }), 0);
  p.tick(500);
  const fx = p.receive(2n, note({ leader: 2n, electionEpoch: 7n }), 600);
  assert.deepEqual(fx.send, [{
    to: 2n,
    msg: note({ state: ServerState.FOLLOWING, leader: 3n, electionEpoch: 1n }),
  }]);
  assert.deepEqual(p.receive(2n, note({ state: ServerState.FOLLOWING, leader: 3n }), 700).send, []);
});

Deno.test("joins an established leader when a quorum reports it (outofelection)", () => {
  const p = peer(3n, 100n);
  p.start(0);
  const following = note({
    state: ServerState.FOLLOWING,
    leader: 2n,
    electionEpoch: 5n,
    zxid: 50n,
  });
  assert.equal(p.receive(1n, following, 1).decided, undefined, "one follower is not enough");
  const leading = { ...following, state: ServerState.LEADING };
  const d = p.receive(2n, leading, 2).decided!;
  assert.equal(d.id, 2n);
  assert.equal(d.state, ServerState.FOLLOWING, "follows 2 although its own zxid is higher");
  assert.equal(p.logicalClock, 5n);
});

Deno.test("a quorum of followers without the leader's own word is not enough", () => {
  const p = peer(3n, 0n, 0n, QuorumMaj.of([1n, 2n, 3n, 4n, 5n]));
  p.start(0);
  for (const from of [1n, 4n, 5n]) {
    assert.equal(
      p.receive(from, note({ state: ServerState.FOLLOWING, leader: 2n, electionEpoch: 5n }), 1)
        .decided,
      undefined,
    );
  }
});

Deno.test("an observer proposes nobody, sends only to voters, and ends OBSERVING", () => {
  const qv = QuorumMaj.of([1n, 2n, 3n], [4n]);
  const o = new Election({ myId: 4n, quorum: qv }, { zxid: 9n, epoch: 9n });
  const fx = o.start(0);
  assert.deepEqual(targets(fx), [
    "1:-9223372036854775808@1",
    "2:-9223372036854775808@1",
    "3:-9223372036854775808@1",
  ]);
  const lead = note({ state: ServerState.LEADING, leader: 3n, electionEpoch: 2n });
  o.receive(3n, lead, 1);
  const d = o.receive(2n, { ...lead, state: ServerState.FOLLOWING }, 2).decided!;
  assert.equal(d.state, ServerState.OBSERVING);
  assert.equal(d.id, 3n);
});

Deno.test("voters answer an observer with their current vote and never count it", () => {
  const qv = QuorumMaj.of([1n, 2n, 3n], [4n]);
  const p = new Election({ myId: 1n, quorum: qv }, { zxid: 0n, epoch: 0n });
  p.start(0);
  const fx = p.receive(4n, note({ leader: 4n, electionEpoch: 1n }), 1);
  assert.deepEqual(fx.send, [{ to: 4n, msg: note({ leader: 1n }) }]);
  assert.equal(p.finalizing, false);
});

Deno.test("notifications proposing a non-voter are ignored", () => {
  const qv = QuorumMaj.of([1n, 2n, 3n], [4n]);
  const p = new Election({ myId: 1n, quorum: qv }, { zxid: 0n, epoch: 0n });
  p.start(0);
  assert.deepEqual(p.receive(2n, note({ leader: 4n, zxid: 99n }), 1).send, []);
  assert.equal(p.proposal.id, 1n);
});

Deno.test("start again after losing the leader: next round, fresh timeout, new data", () => {
  const p = peer(1n);
  p.start(0);
  p.receive(3n, note({ leader: 3n }), 0);
  p.tick(1000);
  const fx = p.start(5000, { zxid: 42n, epoch: 1n });
  assert.equal(p.state, ServerState.LOOKING);
  assert.equal(p.logicalClock, 2n);
  assert.deepEqual(
    fx.send[0].msg,
    note({ leader: 1n, zxid: 42n, peerEpoch: 1n, electionEpoch: 2n }),
  );
  assert.equal(p.deadlineMs, 5200);
});

Deno.test("receive before start is a bug", () => {
  assert.throws(() => peer(1n).receive(2n, note({ leader: 2n }), 0), /before start/);
});

// After the new epoch is established (updateElectionVote, ZOOKEEPER-1732),
// every state answers as Apache's WorkerReceiver does: LOOKING peers are told
// of the leader with the epoch now in force, never the one it was elected in.
const qvObs = QuorumMaj.of([1n, 2n, 3n], [4n]);
const replies: {
  name: string;
  /** A peer decided in round 1 with epoch 1; the new epoch is 2. */
  make: () => Election;
  from: bigint;
  msg: Notification;
  reply: Notification[];
}[] = [
  {
    name: "a follower answers a LOOKING peer with its leader and the new epoch",
    make: () => settled(1n, qv3),
    from: 2n,
    msg: note({ leader: 2n, peerEpoch: 2n }),
    reply: [note({ state: ServerState.FOLLOWING, leader: 3n, peerEpoch: 2n })],
  },
  {
    name: "a leader answers a LOOKING peer with itself and the new epoch",
    make: () => settled(3n, qv3),
    from: 2n,
    msg: note({ leader: 2n, peerEpoch: 2n }),
    reply: [note({ state: ServerState.LEADING, leader: 3n, peerEpoch: 2n })],
  },
  {
    name: "an observer answers a LOOKING voter with its leader and the new epoch",
    make: () => settled(4n, qvObs),
    from: 2n,
    msg: note({ leader: 2n, peerEpoch: 2n }),
    reply: [note({ state: ServerState.OBSERVING, leader: 3n, peerEpoch: 2n })],
  },
  {
    name: "a follower answers an observer with the new epoch, in its own round",
    make: () => settled(1n, qvObs),
    from: 4n,
    msg: note({ leader: LONG_MIN, electionEpoch: 5n, zxid: LONG_MIN, peerEpoch: LONG_MIN }),
    reply: [note({ state: ServerState.FOLLOWING, leader: 3n, peerEpoch: 2n })],
  },
  {
    name: "a follower does not answer a peer that is not LOOKING",
    make: () => settled(1n, qv3),
    from: 2n,
    msg: note({ state: ServerState.FOLLOWING, leader: 3n, peerEpoch: 2n }),
    reply: [],
  },
  {
    name: "LOOKING after the leader is lost, an older LOOKING round gets the last proposal",
    make: () => lost(settled(1n, qv3)),
    from: 2n,
    msg: note({ leader: 2n, electionEpoch: 0n }),
    reply: [note({ leader: 3n, peerEpoch: 1n })],
  },
  {
    name:
      "LOOKING after the leader is lost, a peer of the same round is not told of the old leader",
    make: () => lost(settled(1n, qv3)),
    from: 2n,
    msg: note({ leader: 2n, peerEpoch: 2n }),
    reply: [],
  },
  {
    name: "LOOKING after the leader is lost, an observer gets the current vote, LOOKING",
    make: () => lost(settled(1n, qvObs)),
    from: 4n,
    msg: note({ leader: LONG_MIN, zxid: LONG_MIN, peerEpoch: LONG_MIN }),
    reply: [note({ leader: 3n, peerEpoch: 2n })],
  },
];

/** Peer `id` with epoch 1 settles on leader 3 in round 1, then epoch 2 begins. */
function settled(id: bigint, quorum: QuorumMaj): Election {
  const p = peer(id, 0n, 1n, quorum);
  p.start(0);
  const three = note({ leader: 3n, peerEpoch: 1n });
  if (id === 3n) p.receive(2n, three, 0);
  else {
    p.receive(3n, three, 0);
    p.receive(2n, three, 0);
    p.receive(3n, { ...three, state: ServerState.LEADING }, 0);
  }
  p.tick(500);
  assert.notEqual(p.state, ServerState.LOOKING, "settled");
  assert.equal(p.currentVote.peerEpoch, 1n, "elected in epoch 1");
  p.updateElectionVote(2n);
  return p;
}

function lost(p: Election): Election {
  p.looking();
  return p;
}

for (const c of replies) {
  Deno.test(`after the epoch changes, ${c.name}`, () => {
    const p = c.make();
    const fx = p.receive(c.from, c.msg, 1000);
    assert.deepEqual(fx.send, c.reply.map((msg) => ({ to: c.from, msg })));
    assert.equal(fx.decided, undefined);
  });
}

Deno.test("looking: no timer until the next round, which takes the held notifications", () => {
  const p = settled(1n, qv3);
  p.looking();
  assert.equal(p.state, ServerState.LOOKING);
  assert.equal(p.deadlineMs, undefined, "no round, no timer");
  assert.deepEqual(p.tick(10_000).send, []);
  // 2 and 3 already look in round 2 for 3; held, then counted in round 2.
  const three = note({ leader: 3n, electionEpoch: 2n, peerEpoch: 2n });
  assert.deepEqual(p.receive(3n, three, 1000).send, []);
  const fx = p.start(2000, { zxid: 0n, epoch: 2n });
  assert.deepEqual(
    targets(fx),
    ["2:1@2", "3:1@2", "2:3@2", "3:3@2"],
    "its own vote, then 3's held vote, which is better",
  );
  assert.equal(p.finalizing, true, "3 and itself agree on 3 in round 2");
  assert.equal(p.tick(2200).decided?.id, 3n);
});

Deno.test("the first start votes with what was loaded, as startLeaderElection", () => {
  const p = new Election({ myId: 1n, quorum: qvObs }, { zxid: 0n, epoch: 0n });
  p.start(0, { zxid: 0x300000007n, epoch: 3n });
  const fx = p.receive(4n, note({ leader: LONG_MIN }), 1);
  assert.deepEqual(fx.send[0].msg, note({ leader: 1n, zxid: 0x300000007n, peerEpoch: 3n }));
});

Deno.test("looking: at most HELD_NOTIFICATIONS_MAX notifications wait for the next round, the oldest dropped", () => {
  for (const extra of [0, 1]) {
    const p = settled(1n, qv3);
    p.looking();
    // 3's vote comes first, then enough of 2's to fill the queue (and one more).
    p.receive(3n, note({ leader: 3n, electionEpoch: 2n, peerEpoch: 2n }), 1000);
    for (let i = 0; i < HELD_NOTIFICATIONS_MAX - 1 + extra; i++) {
      p.receive(2n, note({ leader: 2n, electionEpoch: 2n, peerEpoch: 2n }), 1000);
    }
    p.start(2000, { zxid: 0n, epoch: 2n });
    assert.equal(p.proposal.id, extra === 0 ? 3n : 2n, `${extra} past the limit`);
  }
});
