/**
 * The ZAB leader as a pure state machine: Apache ZooKeeper 3.8's `Leader`
 * and `LearnerHandler`, driven by bytes from learners, the host's proposals
 * and local fsyncs, and clock ticks; it returns what to send and what to do.
 *
 * Phases: discovery (a quorum agrees on a new epoch: FOLLOWERINFO →
 * LEADERINFO → ACKEPOCH), synchronization (DIFF / TRUNC / SNAP, then
 * NEWLEADER; a quorum acks it), broadcast (PROPOSAL → ACK → COMMIT).
 *
 * Unlike Apache's LearnerHandler, proposals and commits made while a
 * learner syncs wait until its UPTODATE: Apache 3.8's learners die of a
 * COMMIT between NEWLEADER and UPTODATE (ZOOKEEPER-4394, fixed in 3.9.3).
 *
 * @module
 */
import type { QuorumVerifier, Sid } from "@zkts/election";
import type { Id } from "@zkts/jute";
import {
  counterOf,
  encodePacket,
  epochOf,
  intBytes,
  makeZxid,
  type Packet,
  PacketReader,
  PacketType as T,
  packetTypeName,
  PROTOCOL_VERSION,
} from "./packets.ts";

/** A learner connection, numbered by the host. */
export type LearnerConnId = number;

/**
 * How many bytes of PROPOSAL, COMMIT and INFORM packets a learner may have
 * held between NEWLEADER and UPTODATE before it is dropped as too slow to
 * ack NEWLEADER (it reconnects and syncs again). 64 MiB: seconds of a busy
 * leader's traffic, well past a NEWLEADER snapshot and fsync.
 */
export const HELD_BYTES_MAX = 64 * 1024 * 1024;

/** A committed txn as the leader keeps it for DIFF syncs: zxid and PROPOSAL data. */
export interface CommittedTxn {
  /** The txn's zxid. */
  zxid: bigint;
  /** TxnHeader + txn [+ TxnDigest], as in a PROPOSAL. */
  data: Uint8Array;
}

/** What the leader starts from. */
export interface LeaderOptions {
  /** This server's id. */
  myId: Sid;
  /** The ensemble. */
  quorum: QuorumVerifier;
  /** The `acceptedEpoch` file. */
  acceptedEpoch: bigint;
  /** The `currentEpoch` file. */
  currentEpoch: bigint;
  /** The last zxid of the leader's tree after loading (its data is all committed from here on). */
  lastZxid: bigint;
  /** The newest committed txns, oldest first (Apache keeps 500: `zookeeper.commitLogCount`). */
  committedLog?: CommittedTxn[];
  /** How many committed txns to keep for DIFF syncs (default 500). */
  committedLogCount?: number;
  /** NEWLEADER's data: the quorum config as text (`QuorumVerifier.toString`). */
  config: Uint8Array;
  /** tickTime (ms). */
  tickTimeMs: number;
  /** initLimit (ticks). */
  initLimit: number;
  /** syncLimit (ticks). */
  syncLimit: number;
  /** The clock now (ms, monotonic). */
  nowMs: number;
  /** Bytes held for a learner between NEWLEADER and UPTODATE; default {@linkcode HELD_BYTES_MAX}. */
  heldBytesMax?: number;
}

/** What the host must do, in order. */
export type LeaderEffect =
  /** Write bytes to a learner's socket. */
  | { type: "send"; conn: LearnerConnId; bytes: Uint8Array }
  /**
   * Write a SNAP packet with this zxid, then the tree as it is now (sessions,
   * ACL cache, nodes, "/") and the signature, to a learner's socket.
   */
  | { type: "sendSnapshot"; conn: LearnerConnId; zxid: bigint }
  /** Close a learner's connection. */
  | { type: "close"; conn: LearnerConnId; reason: string }
  /** Write the `acceptedEpoch` file (before anything after it is sent). */
  | { type: "acceptedEpoch"; epoch: bigint }
  /** Write the `currentEpoch` file. */
  | { type: "currentEpoch"; epoch: bigint }
  /**
   * A quorum acked NEWLEADER: serve, numbering txns from `zxid` + 1; the
   * tree's last processed zxid becomes `zxid` (Leader.startZkServer).
   */
  | { type: "serving"; zxid: bigint }
  /**
   * A quorum logged this proposal: apply it and answer its client. The
   * COMMITs to the learners come before it in the list, and a follower may
   * answer its client as soon as one lands: apply in the same turn, or hold
   * the leader's syncs until the tree has {@linkcode LeaderCore.lastCommitted}.
   */
  | { type: "commit"; zxid: bigint }
  /** A client write forwarded by a learner (`Leader.REQUEST`). */
  | {
    type: "request";
    conn: LearnerConnId;
    sessionId: bigint;
    cxid: number;
    op: number;
    payload: Uint8Array;
    authinfo: Id[];
  }
  /** A learner asks whether a session is valid (answer with `revalidated`). */
  | { type: "revalidate"; conn: LearnerConnId; sessionId: bigint; timeoutMs: number }
  /** Sessions a learner's clients kept alive (`zk.touch`). */
  | { type: "touch"; sessions: [bigint, number][] }
  /** Leading is over (no quorum, a timeout): go back to looking for a leader. */
  | { type: "stop"; reason: string };

type Stage =
  | "info" // waiting for FOLLOWERINFO / OBSERVERINFO
  | "epoch" // waiting for the epoch quorum, then LEADERINFO
  | "ackepoch" // LEADERINFO sent, waiting for ACKEPOCH
  | "waitSync" // ACKEPOCH in, waiting for the epoch-ack quorum to sync it
  | "newleaderAck" // synced and NEWLEADER queued: the next packet must be its ACK
  | "startup" // NEWLEADER acked, waiting for the NEWLEADER quorum
  | "broadcast"; // UPTODATE sent

interface Learner {
  conn: LearnerConnId;
  reader: PacketReader;
  stage: Stage;
  sid: Sid;
  observer: boolean;
  acceptedEpoch: bigint;
  /** The learner's last zxid (ACKEPOCH). */
  peerLastZxid: bigint;
  /** In forwardingFollowers / observingLearners. */
  forwarding: boolean;
  /** Ticks: the learner is in sync while tick ≤ this. */
  deadlineTick: number;
  /** Proposals sent and not yet acked: zxid → tick sent (SyncLimitCheck). */
  unacked: Map<bigint, number>;
  /**
   * PROPOSAL, COMMIT and INFORM packets made after NEWLEADER was queued,
   * sent right after UPTODATE (the PROPOSAL's zxid to start its SyncLimitCheck then).
   */
  held: { bytes: Uint8Array; proposal?: bigint }[];
  heldBytes: number;
}

interface Proposal {
  zxid: bigint;
  data: Uint8Array;
  acks: Set<Sid>;
  tick: number;
}

/**
 * The leader.
 *
 * @example Three voters agree on epoch 1 and the leader serves
 * ```ts
 * import { LeaderCore, encodePacket, PacketType, intBytes } from "@zkts/zab";
 * import { QuorumMaj } from "@zkts/election";
 * import { encode, LearnerInfo } from "@zkts/jute";
 * import assert from "node:assert/strict";
 * const leader = new LeaderCore({
 *   myId: 1n, quorum: QuorumMaj.of([1n, 2n, 3n]), acceptedEpoch: 0n, currentEpoch: 0n, lastZxid: 0n,
 *   config: new Uint8Array(0), tickTimeMs: 2000, initLimit: 10, syncLimit: 5, nowMs: 0,
 * });
 * leader.connected(7);
 * const info = encode(LearnerInfo, { serverid: 2n, protocolVersion: 0x10000, configVersion: 0n });
 * let fx = leader.receive(7, encodePacket({ type: PacketType.FOLLOWERINFO, zxid: 0n, data: info, authinfo: null }), 0);
 * assert.deepEqual(fx.map((e) => e.type), ["acceptedEpoch", "send"]); // epoch 1, LEADERINFO
 * fx = leader.receive(7, encodePacket({ type: PacketType.ACKEPOCH, zxid: 0n, data: intBytes(0), authinfo: null }), 0);
 * assert.deepEqual(fx.map((e) => e.type), ["currentEpoch", "send", "send"]); // DIFF, NEWLEADER
 * fx = leader.receive(7, encodePacket({ type: PacketType.ACK, zxid: 1n << 32n, data: null, authinfo: null }), 0);
 * assert.deepEqual(fx.map((e) => e.type), ["serving", "send"]); // UPTODATE
 * ```
 */
export class LeaderCore {
  /** The leader's server id (its `myid`). */
  readonly myId: Sid;
  #o: LeaderOptions;
  #qv: QuorumVerifier;
  #learners = new Map<LearnerConnId, Learner>();
  #fx: LeaderEffect[] = [];
  #tick = 0;
  #lastTickMs: number;
  #startedMs: number;
  #lastPingMs: number;
  #stopped = false;

  // Discovery.
  #epoch = -1n;
  #waitingForNewEpoch = true;
  #connecting = new Set<Sid>();
  #acceptedEpoch: bigint;
  // Epoch acks.
  #electionFinished = false;
  #electing = new Set<Sid>();
  #currentEpoch: bigint;
  // NEWLEADER.
  #newLeaderAcks = new Set<Sid>();
  #serving = false;
  // Broadcast.
  #lastZxid: bigint;
  #lastProposed: bigint;
  #lastCommitted: bigint;
  #outstanding = new Map<bigint, Proposal>();
  /** The leader's own log is durable up to here. */
  #selfAcked = -1n;
  #committed: CommittedTxn[];
  #committedMax: number;
  #pendingSyncs = new Map<bigint, LearnerConnId[]>();

  /**
   * Creates the leader in discovery, waiting for its learners' FOLLOWERINFO.
   *
   * @param opts the leader's state after loading its database
   */
  constructor(opts: LeaderOptions) {
    this.#o = opts;
    this.myId = opts.myId;
    this.#qv = opts.quorum;
    this.#acceptedEpoch = opts.acceptedEpoch;
    this.#currentEpoch = opts.currentEpoch;
    this.#lastZxid = opts.lastZxid;
    this.#lastProposed = opts.lastZxid;
    this.#lastCommitted = opts.lastZxid;
    this.#committed = [...(opts.committedLog ?? [])];
    this.#committedMax = opts.committedLogCount ?? 500;
    this.#lastTickMs = opts.nowMs;
    this.#startedMs = opts.nowMs;
    this.#lastPingMs = opts.nowMs;
    // Leader.lead: the leader proposes its own accepted epoch first.
    this.#epochToPropose(this.myId, this.#acceptedEpoch);
  }

  /** The epoch being established (-1 until a quorum agreed on one). */
  get epoch(): bigint {
    return this.#waitingForNewEpoch ? -1n : this.#epoch;
  }

  /** makeZxid(epoch, 0): the zxid NEWLEADER carries. */
  get newLeaderZxid(): bigint {
    return makeZxid(this.#epoch, 0n);
  }

  /** Whether a quorum acked NEWLEADER and the leader serves. */
  get serving(): boolean {
    return this.#serving;
  }

  /** The last zxid proposed. */
  get lastProposed(): bigint {
    return this.#lastProposed;
  }

  /** The last zxid committed. */
  get lastCommitted(): bigint {
    return this.#lastCommitted;
  }

  /** ServerMetrics.PROPOSAL_COUNT (`mntr`'s zk_proposal_count): txns proposed; srst sets it to 0. */
  proposalCount = 0;

  /** Leader.getNumPendingSyncs (`mntr`'s zk_pending_syncs): the zxids learners' syncs wait on. */
  get pendingSyncs(): number {
    return this.#pendingSyncs.size;
  }

  /** How many learners are connected, and how many followers and observers are past NEWLEADER. */
  learnerCounts(): { learners: number; syncedFollowers: number; syncedObservers: number } {
    let syncedFollowers = 0;
    let syncedObservers = 0;
    for (const l of this.#learners.values()) {
      if (l.stage !== "broadcast") continue;
      if (l.observer) syncedObservers++;
      else syncedFollowers++;
    }
    return { learners: this.#learners.size, syncedFollowers, syncedObservers };
  }

  /** Learners past NEWLEADER, by id (for `mntr`'s synced followers). */
  syncedLearners(): Sid[] {
    return [...this.#learners.values()].filter((l) => l.stage === "broadcast").map((l) => l.sid);
  }

  /** A learner connected to the quorum port. */
  connected(conn: LearnerConnId): void {
    this.#learners.set(conn, {
      conn,
      reader: new PacketReader(),
      stage: "info",
      sid: -1n,
      observer: false,
      acceptedEpoch: -1n,
      peerLastZxid: -1n,
      forwarding: false,
      deadlineTick: this.#tick + this.#o.initLimit + this.#o.syncLimit,
      unacked: new Map(),
      held: [],
      heldBytes: 0,
    });
  }

  /** A learner's connection closed. */
  disconnected(conn: LearnerConnId): LeaderEffect[] {
    this.#learners.delete(conn);
    return this.#take();
  }

  /**
   * Bytes from a learner.
   *
   * @param conn the learner's connection
   * @param bytes what the socket delivered
   * @param nowMs the clock
   */
  receive(conn: LearnerConnId, bytes: Uint8Array, nowMs: number): LeaderEffect[] {
    const l = this.#learners.get(conn);
    if (!l || this.#stopped) return this.#take();
    this.#advance(nowMs);
    l.reader.push(bytes);
    try {
      for (let p = l.reader.next(); p; p = l.reader.next()) {
        this.#packet(l, p);
        if (!this.#learners.has(conn)) break;
      }
    } catch (e) {
      this.#close(l, `bad packet: ${e instanceof Error ? e.message : e}`);
    }
    return this.#take();
  }

  /**
   * The host proposes a txn (the leader's prep gave it `zxid`): PROPOSAL to
   * the followers. Report the local fsync with {@linkcode logged}.
   */
  propose(zxid: bigint, data: Uint8Array): LeaderEffect[] {
    if (this.#stopped) return this.#take();
    if (counterOf(zxid) === 0xffffffffn) {
      // Leader.propose: the counter would roll over; a new epoch is needed.
      this.#stop("zxid lower 32 bits have rolled over, forcing re-election");
      return this.#take();
    }
    const p: Proposal = { zxid, data, acks: new Set(), tick: this.#tick };
    this.proposalCount++;
    this.#outstanding.set(zxid, p);
    this.#lastProposed = zxid;
    const bytes = encodePacket({ type: T.PROPOSAL, zxid, data, authinfo: null });
    // #forward may drop a learner: deleting from a Map while iterating it is safe.
    for (const l of this.#learners.values()) {
      if (l.forwarding && !l.observer) this.#forward(l, bytes, zxid);
    }
    return this.#take();
  }

  /** The leader's own log made `zxid` (and all before it) durable: its ack. */
  logged(zxid: bigint): LeaderEffect[] {
    if (!this.#stopped && zxid > this.#selfAcked) {
      // Outstanding proposals are in zxid order (a Map keeps insertion order).
      for (const p of [...this.#outstanding.values()]) {
        if (p.zxid > zxid) break;
        if (p.zxid > this.#selfAcked) this.#processAck(this.myId, p.zxid);
      }
      this.#selfAcked = zxid;
    }
    return this.#take();
  }

  /**
   * A learner's client called sync(): SYNC goes back once everything
   * proposed so far is committed (`Leader.processSync`).
   */
  sync(conn: LearnerConnId): LeaderEffect[] {
    if (this.#outstanding.size === 0) this.#sendSync(conn);
    else {
      const list = this.#pendingSyncs.get(this.#lastProposed) ?? [];
      list.push(conn);
      this.#pendingSyncs.set(this.#lastProposed, list);
    }
    return this.#take();
  }

  /** The answer to a `revalidate` effect. */
  revalidated(conn: LearnerConnId, sessionId: bigint, valid: boolean): LeaderEffect[] {
    const l = this.#learners.get(conn);
    if (l) {
      const data = new Uint8Array(9);
      new DataView(data.buffer).setBigInt64(0, sessionId);
      data[8] = valid ? 1 : 0;
      this.#send(l, { type: T.REVALIDATE, zxid: -1n, data, authinfo: null });
    }
    return this.#take();
  }

  /**
   * Time passes: PINGs every tickTime/2, the quorum check every tick, and
   * the discovery timeouts (initLimit ticks each).
   */
  tick(nowMs: number): LeaderEffect[] {
    if (this.#stopped) return this.#take();
    this.#advance(nowMs);
    const limitMs = this.#o.initLimit * this.#o.tickTimeMs;
    if (!this.#serving && nowMs - this.#startedMs > limitMs * 3) {
      this.#stop("Timeout while waiting for a quorum to follow");
      return this.#take();
    }
    for (const l of this.#learners.values()) {
      if (l.stage === "newleaderAck" && this.#tick > l.deadlineTick) {
        this.#close(l, "no NEWLEADER ack within initLimit");
      }
    }
    if (nowMs - this.#lastPingMs >= this.#o.tickTimeMs / 2) {
      this.#lastPingMs = nowMs;
      for (const l of this.#learners.values()) {
        if (l.stage !== "startup" && l.stage !== "broadcast") continue;
        // SyncLimitCheck: an old unacked proposal means the learner fell behind.
        let oldest = Infinity;
        for (const t of l.unacked.values()) oldest = Math.min(oldest, t);
        if (this.#tick - oldest > this.#o.syncLimit) {
          this.#close(l, "transaction timeout (no ACK within syncLimit)");
          continue;
        }
        this.#send(l, { type: T.PING, zxid: this.#lastProposed, data: null, authinfo: null });
      }
    }
    if (this.#serving) {
      // Leader.lead: a quorum of synced learners (and the leader) or stop.
      const synced = [this.myId];
      for (const l of this.#learners.values()) {
        if (l.stage === "broadcast" && this.#tick <= l.deadlineTick) synced.push(l.sid);
      }
      if (!this.#qv.containsQuorum(synced)) {
        this.#stop(
          `Not sufficient followers synced, only synced with sids: [ ${synced.join(",")} ]`,
        );
      }
    }
    return this.#take();
  }

  /** When to call {@linkcode tick} next (ms from now). */
  nextTickInMs(nowMs: number): number {
    return Math.max(1, this.#o.tickTimeMs / 2 - (nowMs - this.#lastPingMs));
  }

  // ---- packets ------------------------------------------------------------

  #packet(l: Learner, p: Packet): void {
    if (l.stage === "broadcast" || l.stage === "startup") {
      l.deadlineTick = this.#tick + this.#o.syncLimit;
    }
    switch (l.stage) {
      case "info":
        return this.#learnerInfo(l, p);
      case "ackepoch":
        if (p.type !== T.ACKEPOCH) {
          return this.#close(l, `First packet ${packetTypeName(p.type)} is not ACKEPOCH`);
        }
        return this.#ackEpoch(l, p);
      case "newleaderAck":
        if (p.type !== T.ACK) {
          return this.#close(l, `Next packet ${packetTypeName(p.type)} was supposed to be an ACK`);
        }
        return this.#newLeaderAck(l, p.zxid);
      case "epoch":
      case "waitSync":
        return this.#close(l, `unexpected ${packetTypeName(p.type)} during discovery`);
      case "startup":
      case "broadcast":
        return this.#broadcastPacket(l, p);
    }
  }

  #learnerInfo(l: Learner, p: Packet): void {
    if (p.type !== T.FOLLOWERINFO && p.type !== T.OBSERVERINFO) {
      return this.#close(
        l,
        `First packet ${packetTypeName(p.type)} is not FOLLOWERINFO or OBSERVERINFO`,
      );
    }
    const d = p.data;
    if (d === null || d.length < 8) return this.#close(l, "FOLLOWERINFO without a server id");
    const v = new DataView(d.buffer, d.byteOffset, d.byteLength);
    l.sid = v.getBigInt64(0);
    const version = d.length >= 12 ? v.getInt32(8) : 0;
    if (version < PROTOCOL_VERSION) {
      return this.#close(l, `learner protocol version 0x${version.toString(16)} (before Zab 1.0)`);
    }
    if (d.length >= 20 && v.getBigInt64(12) > this.#qv.version) {
      return this.#close(
        l,
        "Follower is ahead of the leader (has a later activated configuration)",
      );
    }
    l.observer = p.type === T.OBSERVERINFO || !this.#qv.voters.has(l.sid);
    l.acceptedEpoch = epochOf(p.zxid);
    l.stage = "epoch";
    this.#epochToPropose(l.sid, l.acceptedEpoch);
    if (!this.#waitingForNewEpoch && l.stage === "epoch") this.#sendLeaderInfo(l);
  }

  /** Leader.getEpochToPropose: the new epoch once a quorum (with the leader) reported. */
  #epochToPropose(sid: Sid, lastAcceptedEpoch: bigint): void {
    if (!this.#waitingForNewEpoch) return;
    if (lastAcceptedEpoch >= this.#epoch) this.#epoch = lastAcceptedEpoch + 1n;
    if (this.#qv.voters.has(sid)) this.#connecting.add(sid);
    if (this.#connecting.has(this.myId) && this.#qv.containsQuorum(this.#connecting)) {
      this.#waitingForNewEpoch = false;
      this.#acceptedEpoch = this.#epoch;
      this.#fx.push({ type: "acceptedEpoch", epoch: this.#epoch });
      for (const l of this.#learners.values()) if (l.stage === "epoch") this.#sendLeaderInfo(l);
    }
  }

  #sendLeaderInfo(l: Learner): void {
    l.stage = "ackepoch";
    this.#send(l, {
      type: T.LEADERINFO,
      zxid: this.newLeaderZxid,
      data: intBytes(PROTOCOL_VERSION),
      authinfo: null,
    });
  }

  #ackEpoch(l: Learner, p: Packet): void {
    const d = p.data;
    const epoch = d !== null && d.length >= 4
      ? BigInt(new DataView(d.buffer, d.byteOffset, 4).getInt32(0))
      : -1n;
    l.peerLastZxid = p.zxid;
    l.stage = "waitSync";
    // Leader.waitForEpochAck.
    if (!this.#electionFinished) {
      if (epoch !== -1n) {
        const mine = { epoch: this.#currentEpoch, zxid: this.#lastZxid };
        if (epoch > mine.epoch || (epoch === mine.epoch && p.zxid > mine.zxid)) {
          return this.#close(
            l,
            `Follower is ahead of the leader, leader summary: ${mine.epoch} (current epoch), ` +
              `0x${mine.zxid.toString(16)} (last zxid)`,
          );
        }
        if (p.zxid !== -1n && !l.observer) this.#electing.add(l.sid);
      }
      this.#electing.add(this.myId);
      if (this.#qv.containsQuorum(this.#electing)) {
        this.#electionFinished = true;
        // Leader.lead: the current epoch is written once the epoch acks are in.
        this.#currentEpoch = this.#epoch;
        this.#fx.push({ type: "currentEpoch", epoch: this.#epoch });
        // The leader's own NEWLEADER ack (waitForNewLeaderAck(myid, zk.getZxid())).
        this.#newLeaderAcks.add(this.myId);
        for (const other of this.#learners.values()) {
          if (other.stage === "waitSync") this.#syncLearner(other);
        }
      }
      return;
    }
    this.#syncLearner(l);
  }

  /** LearnerHandler.syncFollower + startForwarding + NEWLEADER. */
  #syncLearner(l: Learner): void {
    const peer = l.peerLastZxid;
    const newEpochZxid = counterOf(peer) === 0n;
    const last = this.#lastCommitted;
    const log = this.#committed;
    const min = log.length > 0 ? log[0].zxid : last;
    const max = log.length > 0 ? log[log.length - 1].zxid : last;
    let current = peer;
    let snap = true;
    const queued: Packet[] = [];
    if (last === peer) {
      queued.push({ type: T.DIFF, zxid: peer, data: null, authinfo: null });
      snap = false;
    } else if (peer > max && !newEpochZxid) {
      queued.push({ type: T.TRUNC, zxid: max, data: null, authinfo: null });
      current = max;
      snap = false;
    } else if (min <= peer && peer <= max) {
      // queueCommittedProposals over the committed log.
      let needOp = true;
      let prev = -1n;
      let ok = true;
      for (const t of log) {
        if (t.zxid < peer) {
          prev = t.zxid;
          continue;
        }
        if (needOp) {
          if (t.zxid === peer) {
            queued.push({ type: T.DIFF, zxid: max, data: null, authinfo: null });
            needOp = false;
            continue;
          }
          if (newEpochZxid) {
            queued.push({ type: T.DIFF, zxid: max, data: null, authinfo: null });
            needOp = false;
          } else if (t.zxid > peer) {
            if (epochOf(t.zxid) !== epochOf(peer)) {
              ok = false; // "Cannot send TRUNC to peer ... different epoch": SNAP
              break;
            }
            queued.push({ type: T.TRUNC, zxid: prev, data: null, authinfo: null });
            needOp = false;
          }
        }
        queued.push({ type: T.PROPOSAL, zxid: t.zxid, data: t.data, authinfo: null });
        queued.push({ type: T.COMMIT, zxid: t.zxid, data: null, authinfo: null });
        current = t.zxid;
      }
      if (ok && needOp && newEpochZxid) {
        queued.push({ type: T.DIFF, zxid: max, data: null, authinfo: null });
        needOp = false;
      }
      if (ok && !needOp) snap = false;
      else queued.length = 0;
    }
    if (snap) {
      current = this.#lastCommitted;
      this.#fx.push({ type: "sendSnapshot", conn: l.conn, zxid: current });
    }
    for (const p of queued) this.#send(l, p);
    // Leader.startForwarding: proposals not yet committed follow (participants only).
    if (!l.observer) {
      for (const p of [...this.#outstanding.values()].sort((a, b) => (a.zxid < b.zxid ? -1 : 1))) {
        if (p.zxid > current) {
          this.#send(l, { type: T.PROPOSAL, zxid: p.zxid, data: p.data, authinfo: null });
          l.unacked.set(p.zxid, this.#tick);
        }
      }
    }
    l.forwarding = true;
    l.stage = "newleaderAck";
    // LearnerHandler reads the NEWLEADER ack under the socket's initLimit timeout.
    l.deadlineTick = this.#tick + this.#o.initLimit;
    this.#send(l, {
      type: T.NEWLEADER,
      zxid: this.newLeaderZxid,
      data: this.#o.config,
      authinfo: null,
    });
  }

  #newLeaderAck(l: Learner, zxid: bigint): void {
    l.stage = "startup";
    l.deadlineTick = this.#tick + this.#o.syncLimit;
    if (this.#serving) return this.#upToDate(l);
    // waitForNewLeaderAck: an ack for another epoch is not counted.
    if (zxid === this.newLeaderZxid && !l.observer) this.#newLeaderAcks.add(l.sid);
    if (this.#qv.containsQuorum(this.#newLeaderAcks)) {
      this.#serving = true;
      this.#lastCommitted = this.newLeaderZxid;
      this.#lastProposed = this.newLeaderZxid;
      this.#lastZxid = this.newLeaderZxid;
      this.#fx.push({ type: "serving", zxid: this.newLeaderZxid });
      for (const other of this.#learners.values()) {
        if (other.stage === "startup") this.#upToDate(other);
      }
    }
  }

  #upToDate(l: Learner): void {
    l.stage = "broadcast";
    this.#send(l, { type: T.UPTODATE, zxid: -1n, data: null, authinfo: null });
    // What was held since NEWLEADER follows, in order, before anything newer.
    for (const h of l.held) {
      this.#fx.push({ type: "send", conn: l.conn, bytes: h.bytes });
      if (h.proposal !== undefined) l.unacked.set(h.proposal, this.#tick);
    }
    l.held = [];
    l.heldBytes = 0;
  }

  /**
   * A PROPOSAL, COMMIT or INFORM to a forwarding learner: sent, or held while
   * it is between NEWLEADER and UPTODATE. Apache 3.8's Learner.syncWithLeader
   * has logged and dropped the proposals it got before NEWLEADER, so a COMMIT
   * there finds none and throws (ZOOKEEPER-4394); after UPTODATE it commits
   * them in order like any other.
   */
  #forward(l: Learner, bytes: Uint8Array, proposal?: bigint): void {
    if (l.stage === "broadcast") {
      this.#fx.push({ type: "send", conn: l.conn, bytes });
      if (proposal !== undefined) l.unacked.set(proposal, this.#tick);
      return;
    }
    if (l.stage !== "newleaderAck" && l.stage !== "startup") {
      throw new Error(`zab leader bug: forwarding to a learner in stage ${l.stage}`);
    }
    l.held.push(proposal === undefined ? { bytes } : { bytes, proposal });
    l.heldBytes += bytes.length;
    const max = this.#o.heldBytesMax ?? HELD_BYTES_MAX;
    if (l.heldBytes > max) {
      this.#close(l, `more than ${max} bytes held for it before it acked NEWLEADER`);
    }
  }

  #broadcastPacket(l: Learner, p: Packet): void {
    switch (p.type) {
      case T.ACK:
        if (l.observer) return; // only NEWLEADER / UPTODATE acks
        // Acks come in log order: everything sent before this one is acked too.
        for (const z of l.unacked.keys()) {
          if (z > p.zxid) break;
          l.unacked.delete(z);
        }
        return this.#processAck(l.sid, p.zxid);
      case T.PING: {
        const d = p.data ?? new Uint8Array(0);
        const v = new DataView(d.buffer, d.byteOffset, d.byteLength);
        const sessions: [bigint, number][] = [];
        for (let o = 0; o + 12 <= d.length; o += 12) {
          sessions.push([v.getBigInt64(o), v.getInt32(o + 8)]);
        }
        if (sessions.length > 0) this.#fx.push({ type: "touch", sessions });
        return;
      }
      case T.REQUEST: {
        const d = p.data;
        if (d === null || d.length < 16) return this.#close(l, "REQUEST without a header");
        const v = new DataView(d.buffer, d.byteOffset, d.byteLength);
        const op = v.getInt32(12);
        this.#fx.push({
          type: "request",
          conn: l.conn,
          sessionId: v.getBigInt64(0),
          cxid: v.getInt32(8),
          op,
          payload: d.subarray(16),
          authinfo: p.authinfo ?? [],
        });
        return;
      }
      case T.REVALIDATE: {
        const d = p.data;
        if (d === null || d.length < 12) return this.#close(l, "REVALIDATE without a session");
        const v = new DataView(d.buffer, d.byteOffset, d.byteLength);
        this.#fx.push({
          type: "revalidate",
          conn: l.conn,
          sessionId: v.getBigInt64(0),
          timeoutMs: v.getInt32(8),
        });
        return;
      }
      default:
        // LearnerHandler: "unexpected quorum packet" is logged and ignored.
        return;
    }
  }

  // ---- broadcast ----------------------------------------------------------

  #processAck(sid: Sid, zxid: bigint): void {
    if (counterOf(zxid) === 0n) return; // NEWLEADER / UPTODATE acks
    if (this.#lastCommitted >= zxid) return;
    const p = this.#outstanding.get(zxid);
    if (!p) return;
    if (this.#qv.voters.has(sid)) p.acks.add(sid);
    this.#tryToCommit(p);
  }

  #tryToCommit(p: Proposal): void {
    let next: Proposal | undefined = p;
    while (next) {
      // In order: a proposal commits only after the one before it.
      if (this.#outstanding.has(next.zxid - 1n)) return;
      if (!this.#qv.containsQuorum(next.acks)) return;
      this.#commit(next);
      next = this.#outstanding.get(next.zxid + 1n);
    }
  }

  #commit(p: Proposal): void {
    this.#outstanding.delete(p.zxid);
    this.#lastCommitted = p.zxid;
    this.#committed.push({ zxid: p.zxid, data: p.data });
    if (this.#committed.length > this.#committedMax) this.#committed.shift();
    const commit = encodePacket({ type: T.COMMIT, zxid: p.zxid, data: null, authinfo: null });
    let inform: Uint8Array | undefined;
    for (const l of this.#learners.values()) {
      if (!l.forwarding) continue;
      if (!l.observer) this.#forward(l, commit);
      else {
        inform ??= encodePacket({ type: T.INFORM, zxid: p.zxid, data: p.data, authinfo: null });
        this.#forward(l, inform);
      }
    }
    this.#fx.push({ type: "commit", zxid: p.zxid });
    const syncs = this.#pendingSyncs.get(p.zxid);
    if (syncs) {
      this.#pendingSyncs.delete(p.zxid);
      for (const conn of syncs) this.#sendSync(conn);
    }
  }

  #sendSync(conn: LearnerConnId): void {
    const l = this.#learners.get(conn);
    if (l) this.#send(l, { type: T.SYNC, zxid: 0n, data: null, authinfo: null });
  }

  // ---- plumbing -----------------------------------------------------------

  #advance(nowMs: number): void {
    while (nowMs - this.#lastTickMs >= this.#o.tickTimeMs) {
      this.#lastTickMs += this.#o.tickTimeMs;
      this.#tick++;
    }
  }

  #send(l: Learner, p: Packet): void {
    this.#fx.push({ type: "send", conn: l.conn, bytes: encodePacket(p) });
  }

  #close(l: Learner, reason: string): void {
    this.#learners.delete(l.conn);
    this.#fx.push({ type: "close", conn: l.conn, reason });
  }

  #stop(reason: string): void {
    if (this.#stopped) return;
    this.#stopped = true;
    for (const l of this.#learners.values()) {
      this.#fx.push({ type: "close", conn: l.conn, reason: "leader stopping" });
    }
    this.#learners.clear();
    this.#fx.push({ type: "stop", reason });
  }

  #take(): LeaderEffect[] {
    const fx = this.#fx;
    this.#fx = [];
    return fx;
  }
}
