/**
 * FastLeaderElection as a pure state machine: Apache ZooKeeper's
 * `FastLeaderElection.lookForLeader` and its `WorkerReceiver`, driven by
 * notifications and an injected clock, returning the notifications to send
 * and the decided vote.
 *
 * @module
 */

import type { QuorumVerifier, Sid } from "./quorum.ts";
import {
  type Notification,
  NOTIFICATION_VERSION,
  ServerState,
  totalOrderPredicate,
  type Vote,
  votesEqual,
} from "./vote.ts";

/** Java's `Long.MIN_VALUE`: an observer's proposed id, zxid and epoch. */
export const LONG_MIN: bigint = -(1n << 63n);

/** Apache's `finalizeWait`: how long a settled peer waits for a better vote. */
export const FINALIZE_WAIT_MS = 200;
/** Apache's `minNotificationInterval` default (`zookeeper.fastleader.minNotificationInterval`). */
export const MIN_NOTIFICATION_INTERVAL_MS = 200;
/** Apache's `maxNotificationInterval` default (`zookeeper.fastleader.maxNotificationInterval`). */
export const MAX_NOTIFICATION_INTERVAL_MS = 60_000;
/**
 * Notifications held between a lost leader and the next round (Apache's
 * unbounded `recvqueue`); past it the oldest is dropped. Each peer re-sends,
 * so a handful per peer is plenty.
 */
export const HELD_NOTIFICATIONS_MAX = 1024;

/** Configuration of one peer's election. */
export interface ElectionConfig {
  /** This peer's id (`myid`). */
  myId: Sid;
  /** The ensemble. A peer absent from its voters is an observer. */
  quorum: QuorumVerifier;
  /** Wait after reaching a quorum for a better vote; default 200 ms. */
  finalizeWaitMs?: number;
  /** First notification timeout; default 200 ms. */
  minNotificationIntervalMs?: number;
  /** Cap of the doubling notification timeout; default 60 000 ms. */
  maxNotificationIntervalMs?: number;
}

/** What this peer brings to an election: its last logged zxid and current epoch. */
export interface PeerData {
  /** The last zxid in its txn log. */
  zxid: bigint;
  /** Its `currentEpoch`. */
  epoch: bigint;
}

/** One notification to send. */
export interface Send {
  /** The receiving peer. */
  to: Sid;
  /** The notification. */
  msg: Notification;
}

/**
 * What a step of the election asks its shell to do, in order: send `send`,
 * then, when `decided` is set, hand the peer to ZAB in `decided.state`.
 */
export interface Effects {
  /** Notifications to queue, per peer, in this order. */
  send: Send[];
  /** The election ended: the vote (leader, its zxid and epoch, the round) and this peer's new state. */
  decided?: Vote;
}

/**
 * One peer's FastLeaderElection, as Apache ZooKeeper 3.8 runs it. No sockets,
 * timers or randomness: call {@linkcode Election.start} to look for a leader,
 * {@linkcode Election.receive} for each notification, and
 * {@linkcode Election.tick} when {@linkcode Election.deadlineMs} has passed.
 * After a decision it keeps answering LOOKING peers with its vote (call
 * {@linkcode Election.updateElectionVote} once the new epoch is established);
 * call {@linkcode Election.looking} when the leader is lost and `start` for
 * the next round.
 *
 * @example Two of three peers elect the higher id
 * ```ts
 * import { Election, QuorumMaj, ServerState } from "@zkts/election";
 * import assert from "node:assert/strict";
 * const quorum = QuorumMaj.of([1n, 2n, 3n]);
 * const p1 = new Election({ myId: 1n, quorum }, { zxid: 0n, epoch: 0n });
 * const p2 = new Election({ myId: 2n, quorum }, { zxid: 0n, epoch: 0n });
 * const peers = new Map([[1n, p1], [2n, p2]]);
 * const queue = [
 *   ...p1.start(0).send.map((s) => ({ from: 1n, ...s })),
 *   ...p2.start(0).send.map((s) => ({ from: 2n, ...s })),
 * ];
 * while (queue.length > 0) {
 *   const { from, to, msg } = queue.shift()!;
 *   const peer = peers.get(to);
 *   if (peer) queue.push(...peer.receive(from, msg, 10).send.map((s) => ({ from: to, ...s })));
 * }
 * const d1 = p1.tick(300).decided!;
 * const d2 = p2.tick(300).decided!;
 * assert.equal(d1.id, 2n);
 * assert.equal(d1.state, ServerState.FOLLOWING);
 * assert.equal(d2.state, ServerState.LEADING);
 * ```
 */
export class Election {
  #myId: Sid;
  #qv: QuorumVerifier;
  #participant: boolean;
  #finalizeWaitMs: number;
  #minIntervalMs: number;
  #maxIntervalMs: number;
  #data: PeerData;
  #state: ServerState = ServerState.LOOKING;
  #started = false;
  /** Inside a round (`lookForLeader` runs): from `start` to the decision. */
  #electing = false;
  #logicalclock = 0n;
  #proposal: { id: Sid; zxid: bigint; peerEpoch: bigint };
  #currentVote: Vote;
  #recvset = new Map<Sid, Vote>();
  #outofelection = new Map<Sid, Vote>();
  #notTimeoutMs: number;
  #pollDeadlineMs = 0;
  #finalizeDeadlineMs: number | undefined;
  #pending: { from: Sid; msg: Notification }[] = [];

  /**
   * Creates the election of one peer, LOOKING; nothing is sent before `start`.
   *
   * @param config this peer and its ensemble
   * @param data its last logged zxid and current epoch
   */
  constructor(config: ElectionConfig, data: PeerData) {
    this.#myId = config.myId;
    this.#qv = config.quorum;
    this.#participant = config.quorum.voters.has(config.myId);
    this.#finalizeWaitMs = config.finalizeWaitMs ?? FINALIZE_WAIT_MS;
    this.#minIntervalMs = config.minNotificationIntervalMs ?? MIN_NOTIFICATION_INTERVAL_MS;
    this.#maxIntervalMs = config.maxNotificationIntervalMs ?? MAX_NOTIFICATION_INTERVAL_MS;
    this.#notTimeoutMs = this.#minIntervalMs;
    this.#data = { ...data };
    this.#proposal = { id: -1n, zxid: -1n, peerEpoch: -1n };
    // QuorumPeer.startLeaderElection: the current vote starts as a vote for oneself.
    this.#currentVote = {
      id: config.myId,
      zxid: data.zxid,
      electionEpoch: -1n,
      peerEpoch: data.epoch,
      state: ServerState.LOOKING,
      version: 0,
    };
  }

  /** This peer's state. */
  get state(): ServerState {
    return this.#state;
  }

  /** The election round (Apache's `logicalclock`). */
  get logicalClock(): bigint {
    return this.#logicalclock;
  }

  /** The vote this peer proposes while LOOKING. */
  get proposal(): { id: Sid; zxid: bigint; peerEpoch: bigint } {
    return { ...this.#proposal };
  }

  /** The last decided vote (or the initial self vote), which it answers LOOKING peers with. */
  get currentVote(): Vote {
    return { ...this.#currentVote };
  }

  /** Whether it is waiting `finalizeWait` for a better vote before settling. */
  get finalizing(): boolean {
    return this.#finalizeDeadlineMs !== undefined;
  }

  /** The notification timeout now in force (doubles up to the cap). */
  get notificationTimeoutMs(): number {
    return this.#notTimeoutMs;
  }

  /** When {@linkcode Election.tick} has work to do, or undefined outside a round. */
  get deadlineMs(): number | undefined {
    if (!this.#electing) return undefined;
    return this.#finalizeDeadlineMs ?? this.#pollDeadlineMs;
  }

  /**
   * Starts a new election round (Apache's `lookForLeader`): LOOKING, round + 1,
   * a vote for itself (an observer proposes nobody) sent to every voter.
   *
   * @param nowMs the clock
   * @param data the peer's last logged zxid and current epoch, when they changed since the last election
   * @returns the notifications to send
   */
  start(nowMs: number, data?: PeerData): Effects {
    if (data) this.#data = { ...data };
    if (!this.#started) {
      // QuorumPeer.startLeaderElection: the current vote is for oneself, with what was loaded.
      this.#currentVote = {
        ...this.#currentVote,
        zxid: this.#data.zxid,
        peerEpoch: this.#data.epoch,
      };
    }
    this.#started = true;
    this.#electing = true;
    this.#state = ServerState.LOOKING;
    this.#recvset = new Map();
    this.#outofelection = new Map();
    this.#notTimeoutMs = this.#minIntervalMs;
    this.#finalizeDeadlineMs = undefined;
    // Notifications held since `looking` stay, ahead of the new round's own vote
    // (lookForLeader polls the recvqueue they wait in).
    this.#logicalclock++;
    this.#proposal = this.#initVote();
    const fx: Effects = { send: [] };
    this.#sendNotifications(fx);
    this.#pollDeadlineMs = nowMs + this.#notTimeoutMs;
    this.#drain(nowMs, fx);
    return fx;
  }

  /**
   * The leader is lost or leading ended: the peer is LOOKING again (Apache's
   * `QuorumPeer.updateServerState`) but the next round has not begun. Until
   * {@linkcode Election.start}, notifications wait for that round, a LOOKING
   * peer of an older round is answered with the last proposal in this round,
   * and nobody is told of the old leader any more.
   */
  looking(): void {
    if (!this.#started) return;
    this.#state = ServerState.LOOKING;
    this.#electing = false;
    this.#finalizeDeadlineMs = undefined;
  }

  /**
   * The new epoch is established (Apache's `QuorumPeer.updateElectionVote`,
   * ZOOKEEPER-1732): a leader once a quorum acked NEWLEADER, a learner at
   * UPTODATE. The vote it answers LOOKING peers with carries that epoch, as
   * every Apache member's does, so a joining peer counts a quorum for one
   * vote instead of seeing two epochs of the same leader.
   *
   * @param epoch the epoch now in force
   *
   * @example
   * ```ts
   * import { Election, QuorumMaj, ServerState } from "@zkts/election";
   * import assert from "node:assert/strict";
   * const p = new Election({ myId: 3n, quorum: QuorumMaj.of([1n, 2n, 3n]) }, { zxid: 0n, epoch: 1n });
   * p.start(0);
   * p.receive(2n, { state: ServerState.LOOKING, leader: 3n, zxid: 0n, electionEpoch: 1n, peerEpoch: 1n, version: 2 }, 0);
   * assert.equal(p.tick(200).decided?.state, ServerState.LEADING);
   * p.updateElectionVote(2n);
   * assert.equal(p.currentVote.peerEpoch, 2n);
   * ```
   */
  updateElectionVote(epoch: bigint): void {
    this.#currentVote = { ...this.#currentVote, peerEpoch: epoch };
  }

  /**
   * Handles a notification from a peer (Apache's `WorkerReceiver` and one
   * turn of `lookForLeader`'s loop).
   *
   * @param from the sender's id, as its connection established it
   * @param msg the notification
   * @param nowMs the clock
   * @returns replies and notifications to send, and the decision if this ended the election
   */
  receive(from: Sid, msg: Notification, nowMs: number): Effects {
    if (!this.#started) throw new Error("Election.receive before start");
    const fx: Effects = { send: [] };
    if (!this.#qv.voters.has(from)) {
      // A non-voter (observer) learns the current vote, never counts.
      const v = this.#currentVote;
      fx.send.push({
        to: from,
        msg: this.#msg(this.#state, v.id, v.zxid, this.#logicalclock, v.peerEpoch),
      });
      return fx;
    }
    if (this.#state === ServerState.LOOKING) {
      const stale = msg.state === ServerState.LOOKING && msg.electionEpoch < this.#logicalclock;
      if (this.#electing) {
        this.#step(from, msg, nowMs, fx);
        this.#drain(nowMs, fx);
      } else {
        this.#pending.push({ from, msg });
        if (this.#pending.length > HELD_NOTIFICATIONS_MAX) this.#pending.shift();
      }
      if (stale) {
        // Bring a peer of an older round up to ours.
        const p = this.#proposal;
        fx.send.push({
          to: from,
          msg: this.#msg(this.#state, p.id, p.zxid, this.#logicalclock, p.peerEpoch),
        });
      }
    } else if (msg.state === ServerState.LOOKING) {
      // Settled: tell a LOOKING peer who leads.
      const v = this.#currentVote;
      fx.send.push({
        to: from,
        msg: this.#msg(this.#state, v.id, v.zxid, v.electionEpoch, v.peerEpoch),
      });
    }
    return fx;
  }

  /**
   * Advances the clock: settles after `finalizeWait` without a better vote,
   * or re-sends notifications when none arrived within the notification
   * timeout, which then doubles up to its cap.
   *
   * @param nowMs the clock
   * @returns notifications to send and the decision, if any
   */
  tick(nowMs: number): Effects {
    const fx: Effects = { send: [] };
    if (!this.#electing) return fx;
    if (this.#finalizeDeadlineMs !== undefined) {
      if (nowMs >= this.#finalizeDeadlineMs) {
        const p = this.#proposal;
        this.#decide(p.id, p.zxid, this.#logicalclock, p.peerEpoch, fx);
      }
      return fx;
    }
    if (nowMs >= this.#pollDeadlineMs) {
      this.#sendNotifications(fx);
      this.#notTimeoutMs = Math.min(this.#notTimeoutMs * 2, this.#maxIntervalMs);
      this.#pollDeadlineMs = nowMs + this.#notTimeoutMs;
      this.#drain(nowMs, fx);
    }
    return fx;
  }

  #initVote(): { id: Sid; zxid: bigint; peerEpoch: bigint } {
    return this.#participant
      ? { id: this.#myId, zxid: this.#data.zxid, peerEpoch: this.#data.epoch }
      : { id: LONG_MIN, zxid: LONG_MIN, peerEpoch: LONG_MIN };
  }

  #msg(state: ServerState, leader: Sid, zxid: bigint, ee: bigint, pe: bigint): Notification {
    return {
      state,
      leader,
      zxid,
      electionEpoch: ee,
      peerEpoch: pe,
      version: NOTIFICATION_VERSION,
    };
  }

  #sendNotifications(fx: Effects): void {
    const p = this.#proposal;
    for (const sid of this.#qv.voters) {
      const msg = this.#msg(ServerState.LOOKING, p.id, p.zxid, this.#logicalclock, p.peerEpoch);
      // Apache's QuorumCnxManager.toSend hands a message to oneself straight to the receive queue.
      if (sid === this.#myId) this.#pending.push({ from: sid, msg });
      else fx.send.push({ to: sid, msg });
    }
  }

  #drain(nowMs: number, fx: Effects): void {
    while (this.#pending.length > 0 && this.#state === ServerState.LOOKING) {
      const { from, msg } = this.#pending.shift()!;
      this.#step(from, msg, nowMs, fx);
    }
    if (this.#state !== ServerState.LOOKING) this.#pending = [];
  }

  #step(from: Sid, n: Notification, nowMs: number, fx: Effects): void {
    if (this.#finalizeDeadlineMs !== undefined) {
      // The finalize wait of lookForLeader: only a better vote reopens the election;
      // anything else is dropped and the wait starts over.
      if (!totalOrderPredicate(this.#qv, { id: n.leader, ...n }, this.#proposal)) {
        this.#finalizeDeadlineMs = nowMs + this.#finalizeWaitMs;
        return;
      }
      this.#finalizeDeadlineMs = undefined;
    }
    this.#pollDeadlineMs = nowMs + this.#notTimeoutMs;
    if (!this.#qv.voters.has(from) || !this.#qv.voters.has(n.leader)) return;
    switch (n.state) {
      case ServerState.LOOKING:
        this.#stepLooking(from, n, nowMs, fx);
        return;
      case ServerState.FOLLOWING:
      case ServerState.LEADING:
        this.#stepSettled(from, n, fx);
        return;
      default:
        return; // OBSERVING: observers never vote.
    }
  }

  #stepLooking(from: Sid, n: Notification, nowMs: number, fx: Effects): void {
    const init = this.#initVote();
    if (init.zxid === -1n || n.zxid === -1n) return;
    const nv = { id: n.leader, zxid: n.zxid, peerEpoch: n.peerEpoch };
    if (n.electionEpoch > this.#logicalclock) {
      this.#logicalclock = n.electionEpoch;
      this.#recvset.clear();
      this.#proposal = totalOrderPredicate(this.#qv, nv, init) ? nv : init;
      this.#sendNotifications(fx);
    } else if (n.electionEpoch < this.#logicalclock) {
      return;
    } else if (totalOrderPredicate(this.#qv, nv, this.#proposal)) {
      this.#proposal = nv;
      this.#sendNotifications(fx);
    }
    this.#recvset.set(from, {
      id: n.leader,
      zxid: n.zxid,
      electionEpoch: n.electionEpoch,
      peerEpoch: n.peerEpoch,
      state: ServerState.LOOKING,
      version: 0,
    });
    const p = this.#proposal;
    const mine: Vote = {
      id: p.id,
      zxid: p.zxid,
      electionEpoch: this.#logicalclock,
      peerEpoch: p.peerEpoch,
      state: ServerState.LOOKING,
      version: 0,
    };
    if (this.#hasQuorum(this.#recvset, mine)) {
      this.#finalizeDeadlineMs = nowMs + this.#finalizeWaitMs;
    }
  }

  // Apache's receivedFollowingNotification / receivedLeadingNotification.
  #stepSettled(from: Sid, n: Notification, fx: Effects): void {
    const theirs: Vote = {
      id: n.leader,
      zxid: n.zxid,
      electionEpoch: n.electionEpoch,
      peerEpoch: n.peerEpoch,
      state: n.state,
      version: n.version,
    };
    if (n.electionEpoch === this.#logicalclock) {
      this.#recvset.set(from, { ...theirs, version: 0 });
      if (
        this.#hasQuorum(this.#recvset, theirs) &&
        this.#checkLeader(this.#recvset, n.leader, n.electionEpoch)
      ) {
        this.#decide(n.leader, n.zxid, n.electionEpoch, n.peerEpoch, fx);
        return;
      }
    }
    // Peers that already settled: join their leader once a quorum of them follows it.
    this.#outofelection.set(from, theirs);
    if (
      this.#hasQuorum(this.#outofelection, theirs) &&
      this.#checkLeader(this.#outofelection, n.leader, n.electionEpoch)
    ) {
      this.#logicalclock = n.electionEpoch;
      this.#decide(n.leader, n.zxid, n.electionEpoch, n.peerEpoch, fx);
    }
  }

  #hasQuorum(votes: Map<Sid, Vote>, vote: Vote): boolean {
    const acks: Sid[] = [];
    for (const [sid, v] of votes) if (votesEqual(vote, v)) acks.push(sid);
    return this.#qv.containsQuorum(acks);
  }

  // The leader must itself say LEADING, or be us in the same round.
  #checkLeader(votes: Map<Sid, Vote>, leader: Sid, electionEpoch: bigint): boolean {
    if (leader !== this.#myId) return votes.get(leader)?.state === ServerState.LEADING;
    return this.#logicalclock === electionEpoch;
  }

  #decide(leader: Sid, zxid: bigint, ee: bigint, peerEpoch: bigint, fx: Effects): void {
    const state = leader === this.#myId
      ? ServerState.LEADING
      : this.#participant
      ? ServerState.FOLLOWING
      : ServerState.OBSERVING;
    this.#state = state;
    this.#electing = false;
    this.#finalizeDeadlineMs = undefined;
    this.#pending = [];
    this.#currentVote = {
      id: leader,
      zxid,
      electionEpoch: ee,
      peerEpoch,
      state: ServerState.LOOKING,
      version: 0,
    };
    fx.decided = { ...this.#currentVote, state };
  }
}
