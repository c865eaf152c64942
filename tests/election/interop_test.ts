/**
 * zkts election peers in one ensemble with Apache ZooKeeper 3.8 quorum peers
 * (Debian's QuorumPeerMain): they must agree on the leader, in cases where
 * zkts should not win and where it should. The zkts peers here run the
 * election alone (no ZAB: whole mixed ensembles are tested in
 * tests/ensemble), so a leader zkts elects with Apache is seen in Apache's
 * log (its follower connects to that leader's quorum port) and in zkts's
 * decided vote.
 */

import assert from "node:assert/strict";
import { interopTest } from "../support/oracle.ts";
import { startMixed } from "./mixed.ts";
import type { PeerEvent } from "./procs.ts";

/** Apache's tickTime for these tests: initLimit (10 ticks) of 2 s keeps retries short. */
const TICK_MS = 200;

function lastDecision(events: PeerEvent[], id: number): PeerEvent | undefined {
  return events.findLast((e) => e.id === String(id) && e.event === "decided");
}

interopTest(
  "election: zkts 1 joins Apache 2+3 led by 3; 3 dies; zkts and Apache 2 elect 2",
  async () => {
    await using m = await startMixed([
      { id: 1, kind: "zkts" },
      { id: 2, kind: "apache" },
      { id: 3, kind: "apache" },
    ], TICK_MS);
    m.startApache(2);
    m.startApache(3);
    await m.until(
      "Apache 3 to lead and 2 to follow",
      60_000,
      async () => await m.mode(3) === "leader" && await m.mode(2) === "follower",
    );
    await m.startZkts();
    const joined = await m.zkts!.waitDecided([1], 20_000);
    assert.deepEqual(
      [joined[0].leader, joined[0].state],
      ["3", "FOLLOWING"],
      "zkts follows Apache's leader",
    );
    assert.equal(await m.mode(3), "leader");

    const leadingBefore = countMatches(m.log(2), /QuorumPeer - LEADING$/gm);
    await m.kill(3);
    const again = await m.zkts!.waitDecided([1], 20_000, (e) => e.leader !== "3");
    assert.deepEqual(
      [again[0].leader, again[0].state],
      ["2", "FOLLOWING"],
      "2 has the newer epoch",
    );
    await m.until(
      "Apache 2 to go LEADING",
      20_000,
      () => countMatches(m.log(2), /QuorumPeer - LEADING$/gm) > leadingBefore,
    );
  },
);

interopTest(
  "election: zkts 1 with the newest data wins over Apache 2 and 3; when it dies they elect 3",
  async () => {
    await using m = await startMixed([
      { id: 1, kind: "zkts", epoch: 5n, zxid: (5n << 32n) + 10n },
      { id: 2, kind: "apache" },
      { id: 3, kind: "apache" },
    ], TICK_MS);
    await m.startZkts();
    m.startApache(2);
    m.startApache(3);
    const q1 = m.members.find((x) => x.id === 1)!.quorumPort;
    const followsZkts = (id: number) =>
      new RegExp(`connecting to /127\\.0\\.0\\.1:${q1}\\b`).test(m.log(id));
    const won = await m.zkts!.waitDecided([1], 60_000);
    assert.deepEqual(
      [won[0].leader, won[0].state],
      ["1", "LEADING"],
      "a higher epoch beats higher ids",
    );
    await m.until(
      "Apache 2 and 3 to follow zkts 1",
      60_000,
      () => followsZkts(2) && followsZkts(3),
    );
    assert.equal(lastDecision(m.zkts!.events, 1)?.leader, "1");

    await m.kill(1);
    await m.until(
      "Apache 3 to lead and 2 to follow",
      60_000,
      async () => await m.mode(3) === "leader" && await m.mode(2) === "follower",
    );
  },
);

interopTest(
  "election: Apache 1 and 2 with zkts 3 at start, all empty: 3, the highest id, wins",
  async () => {
    await using m = await startMixed([
      { id: 1, kind: "apache" },
      { id: 2, kind: "apache" },
      { id: 3, kind: "zkts" },
    ], TICK_MS);
    await m.startZkts();
    m.startApache(1);
    m.startApache(2);
    const q3 = m.members.find((x) => x.id === 3)!.quorumPort;
    const won = await m.zkts!.waitDecided([3], 60_000);
    assert.deepEqual([won[0].leader, won[0].state], ["3", "LEADING"]);
    await m.until(
      "Apache 1 and 2 to follow zkts 3",
      60_000,
      () =>
        [1, 2].every((id) => new RegExp(`connecting to /127\\.0\\.0\\.1:${q3}\\b`).test(m.log(id))),
    );
  },
);

function countMatches(text: string, re: RegExp): number {
  return [...text.matchAll(re)].length;
}

interopTest(
  "election: hierarchical groups, zkts 3 of weight 0 never leads; Apache 2 does",
  async () => {
    await using m = await startMixed(
      [
        { id: 1, kind: "apache" },
        { id: 2, kind: "apache" },
        { id: 3, kind: "zkts", epoch: 5n, zxid: 5n << 32n },
      ],
      TICK_MS,
      { "group.1": "1:2:3", "weight.3": "0" },
    );
    await m.startZkts();
    m.startApache(1);
    m.startApache(2);
    const decided = await m.zkts!.waitDecided([3], 60_000);
    assert.deepEqual(
      [decided[0].leader, decided[0].state],
      ["2", "FOLLOWING"],
      "newest data, but weight 0",
    );
    await m.until(
      "Apache 2 to lead and 1 to follow",
      60_000,
      async () => await m.mode(2) === "leader" && await m.mode(1) === "follower",
    );
  },
);

interopTest(
  "election: zkts 3 as an observer learns Apache's leader and is never elected",
  async () => {
    await using m = await startMixed([
      { id: 1, kind: "apache" },
      { id: 2, kind: "apache" },
      { id: 3, kind: "zkts", observer: true, epoch: 9n, zxid: 9n << 32n },
    ], TICK_MS);
    await m.startZkts();
    m.startApache(1);
    m.startApache(2);
    await m.until(
      "Apache 2 to lead and 1 to follow",
      60_000,
      async () => await m.mode(2) === "leader" && await m.mode(1) === "follower",
    );
    const d = await m.zkts!.waitDecided([3], 30_000);
    assert.deepEqual([d[0].leader, d[0].state], ["2", "OBSERVING"]);
  },
);
