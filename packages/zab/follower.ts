/**
 * The ZAB follower (and observer) as a pure state machine: Apache ZooKeeper
 * 3.8's `Learner`, `Follower` and `Observer`, driven by the leader's bytes,
 * the host's fsyncs and clock ticks.
 *
 * It registers (FOLLOWERINFO → LEADERINFO → ACKEPOCH), synchronizes (DIFF /
 * TRUNC / SNAP, proposals and commits, NEWLEADER → ACK, UPTODATE → ACK),
 * then follows: PROPOSAL → log → ACK, COMMIT → apply. It follows 3.8.5+
 * (ZOOKEEPER-4785): the txns of the sync are durable before NEWLEADER is
 * acked and the current epoch written.
 *
 * @module
 */
import { encode, type Id, LearnerInfo } from "@zkts/jute";
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
  type SnapBody,
} from "./packets.ts";

/** What the follower starts from. */
export interface FollowerOptions {
  /** This server's id. */
  myId: bigint;
  /** An observer sends OBSERVERINFO and gets INFORMs instead of proposals. */
  observer?: boolean;
  /** The `acceptedEpoch` file. */
  acceptedEpoch: bigint;
  /** The `currentEpoch` file. */
  currentEpoch: bigint;
  /** The last zxid of its tree after loading (its log's last txn). */
  lastZxid: bigint;
  /** The version of its quorum config (LearnerInfo.configVersion). */
  configVersion?: bigint;
  /** tickTime (ms). */
  tickTimeMs: number;
  /** initLimit (ticks). */
  initLimit: number;
  /** syncLimit (ticks). */
  syncLimit: number;
  /** The clock now (ms, monotonic). */
  nowMs: number;
}

/** What the host must do, in order. */
export type FollowerEffect =
  /** Write bytes to the leader's socket. */
  | { type: "send"; bytes: Uint8Array }
  /** Write the `acceptedEpoch` file. */
  | { type: "acceptedEpoch"; epoch: bigint }
  /** Write the `currentEpoch` file. */
  | { type: "currentEpoch"; epoch: bigint }
  /** Cut the txn log (and the tree) back to `zxid` (TRUNC). */
  | { type: "truncate"; zxid: bigint }
  /**
   * Replace the tree and sessions with the leader's snapshot (SNAP), as of
   * `zxid`; drop any logged txn after `zxid`.
   */
  | { type: "snapshot"; zxid: bigint; body: SnapBody }
  /** Apply a txn to the tree without logging it (a commit between SNAP/TRUNC and NEWLEADER). */
  | { type: "applyUnlogged"; zxid: bigint; data: Uint8Array }
  /**
   * Take a snapshot of the tree now (after SNAP or TRUNC, at NEWLEADER).
   * With `sync` (after SNAP: the snapshot is the only copy of the leader's
   * state on this disk) fsync it whatever forceSync says, as
   * Learner.syncWithLeader's syncSnapshot.
   */
  | { type: "takeSnapshot"; sync: boolean }
  /** Append a txn to the txn log; report the fsync with `logged`. */
  | { type: "log"; zxid: bigint; data: Uint8Array }
  /** A committed txn: apply it (in this order) and answer its client if it is ours. */
  | { type: "commit"; zxid: bigint; data: Uint8Array }
  /** Synchronized with the leader: serve clients. */
  | { type: "serving" }
  /** The leader answered a sync() of ours (`Leader.SYNC`): complete the oldest pending one. */
  | { type: "synced" }
  /** The leader's answer to a `revalidate`. */
  | { type: "revalidated"; sessionId: bigint; valid: boolean }
  /**
   * Following is over (the leader is gone or misbehaved): look for a leader
   * again. With `reloadTree`, it stopped between a SNAP or TRUNC and the
   * snapshot NEWLEADER takes: the tree holds state that is on no disk, so
   * reload it from the dataDir before voting (a peer that voted with it and
   * crashed later would come back without it, a hole in its history).
   */
  | { type: "stop"; reason: string; reloadTree: boolean };

type Stage = "register" | "syncFirst" | "sync" | "newleader" | "following" | "stopped";

interface Txn {
  zxid: bigint;
  data: Uint8Array;
}

/**
 * A follower or observer.
 *
 * @example Register with a leader of epoch 1, synchronized by an empty DIFF
 * ```ts
 * import { FollowerCore, encodePacket, PacketType, intBytes } from "@zkts/zab";
 * import assert from "node:assert/strict";
 * const f = new FollowerCore({ myId: 2n, acceptedEpoch: 0n, currentEpoch: 0n, lastZxid: 0n,
 *   tickTimeMs: 2000, initLimit: 10, syncLimit: 5, nowMs: 0 });
 * assert.equal(f.start()[0].type, "send"); // FOLLOWERINFO
 * const pkt = (type: number, zxid: bigint, data: Uint8Array | null = null) => encodePacket({ type, zxid, data, authinfo: null });
 * let fx = f.receive(pkt(PacketType.LEADERINFO, 1n << 32n, intBytes(0x10000)), 0);
 * assert.deepEqual(fx.map((e) => e.type), ["acceptedEpoch", "send"]); // ACKEPOCH
 * fx = f.receive(new Uint8Array([...pkt(PacketType.DIFF, 0n), ...pkt(PacketType.NEWLEADER, 1n << 32n)]), 0);
 * assert.deepEqual(fx.map((e) => e.type), ["currentEpoch", "send"]); // ACK of NEWLEADER
 * fx = f.receive(pkt(PacketType.UPTODATE, -1n), 0);
 * assert.deepEqual(fx.map((e) => e.type), ["send", "serving"]);
 * ```
 */
export class FollowerCore {
  /** This server's id (its `myid`). */
  readonly myId: bigint;
  /** Whether it is an observer: it sends OBSERVERINFO and gets INFORMs instead of proposals. */
  readonly observer: boolean;
  #o: FollowerOptions;
  #reader = new PacketReader();
  #stage: Stage = "register";
  #fx: FollowerEffect[] = [];
  #acceptedEpoch: bigint;
  #currentEpoch: bigint;
  #lastZxid: bigint;
  #newEpoch = -1n;
  #lastHeardMs: number;
  // Synchronization.
  #awaitingSnapshot = false;
  #snapZxid = -1n;
  #snapshotNeeded = false;
  /** The sync was a SNAP: its snapshot is fsynced (Learner's syncSnapshot). */
  #syncSnapshot = false;
  #writeToTxnLog = false;
  #notCommitted: Txn[] = [];
  #committed: bigint[] = [];
  /** Txns logged at NEWLEADER, acked after UPTODATE (3.8.5+). */
  #loggedAtNewLeader: bigint[] = [];
  #newLeaderWaitFor = -1n;
  // Following.
  #pending: Txn[] = [];
  #loggedUpTo: bigint;
  #touched = new Map<bigint, number>();
  /** Txns sent to the log while following, not yet acked, in order. */
  #toAck: bigint[] = [];
  #toAckHead = 0;

  /**
   * Creates the learner, about to register with the leader (FOLLOWERINFO or OBSERVERINFO).
   *
   * @param opts the follower's state after loading its database
   */
  constructor(opts: FollowerOptions) {
    this.#o = opts;
    this.myId = opts.myId;
    this.observer = opts.observer ?? false;
    this.#acceptedEpoch = opts.acceptedEpoch;
    this.#currentEpoch = opts.currentEpoch;
    this.#lastZxid = opts.lastZxid;
    this.#loggedUpTo = opts.lastZxid;
    this.#lastHeardMs = opts.nowMs;
  }

  /** Whether it gave up following (a `stop` effect was returned). */
  get stopped(): boolean {
    return this.#stage === "stopped";
  }

  /** Whether it is synchronized and serving. */
  get following(): boolean {
    return this.#stage === "following";
  }

  /** The epoch of the leader it registered with (-1 before LEADERINFO). */
  get epoch(): bigint {
    return this.#newEpoch;
  }

  /** Connected to the leader: FOLLOWERINFO (or OBSERVERINFO). */
  start(): FollowerEffect[] {
    const info = encode(LearnerInfo, {
      serverid: this.myId,
      protocolVersion: PROTOCOL_VERSION,
      configVersion: this.#o.configVersion ?? 0n,
    });
    this.#send({
      type: this.observer ? T.OBSERVERINFO : T.FOLLOWERINFO,
      zxid: makeZxid(this.#acceptedEpoch, 0n),
      data: info,
      authinfo: null,
    });
    return this.#take();
  }

  /** Bytes from the leader. */
  receive(bytes: Uint8Array, nowMs: number): FollowerEffect[] {
    if (this.#stage === "stopped") return this.#take();
    this.#lastHeardMs = nowMs;
    this.#reader.push(bytes);
    try {
      for (;;) {
        if (this.#awaitingSnapshot) {
          const body = this.#reader.nextSnapshot();
          if (!body) break;
          this.#awaitingSnapshot = false;
          this.#fx.push({ type: "snapshot", zxid: this.#snapZxid, body });
          this.#lastZxid = this.#snapZxid;
          continue;
        }
        const p = this.#reader.next();
        if (!p) break;
        this.#packet(p);
        if (this.stopped) break;
      }
    } catch (e) {
      this.#stop(`bad packet from the leader: ${e instanceof Error ? e.message : e}`);
    }
    return this.#take();
  }

  /** The connection to the leader closed. */
  disconnected(): FollowerEffect[] {
    this.#stop("connection to the leader closed");
    return this.#take();
  }

  /** The txn log made everything up to `zxid` durable. */
  logged(zxid: bigint): FollowerEffect[] {
    if (zxid > this.#loggedUpTo) this.#loggedUpTo = zxid;
    if (this.#stage === "newleader" && this.#loggedUpTo >= this.#newLeaderWaitFor) {
      this.#ackNewLeader();
    }
    if (this.#stage === "following") this.#ackLogged();
    return this.#take();
  }

  /** A client write (or sync, createSession, closeSession) for the leader. */
  request(
    sessionId: bigint,
    cxid: number,
    op: number,
    payload: Uint8Array,
    authinfo: Id[],
  ): FollowerEffect[] {
    const data = new Uint8Array(16 + payload.length);
    const v = new DataView(data.buffer);
    v.setBigInt64(0, sessionId);
    v.setInt32(8, cxid);
    v.setInt32(12, op);
    data.set(payload, 16);
    this.#send({ type: T.REQUEST, zxid: -1n, data, authinfo });
    return this.#take();
  }

  /** A client reconnecting with an existing session: ask the leader. */
  revalidate(sessionId: bigint, timeoutMs: number): FollowerEffect[] {
    const data = new Uint8Array(12);
    const v = new DataView(data.buffer);
    v.setBigInt64(0, sessionId);
    v.setInt32(8, timeoutMs);
    this.#send({ type: T.REVALIDATE, zxid: -1n, data, authinfo: null });
    return this.#take();
  }

  /** A local client's session was active (sent with the next PING reply). */
  touch(sessionId: bigint, timeoutMs: number): void {
    this.#touched.set(sessionId, timeoutMs);
  }

  /** Time passes: without a packet from the leader for the read timeout, give up. */
  tick(nowMs: number): FollowerEffect[] {
    if (this.#stage === "stopped") return this.#take();
    const limit =
      (this.#stage === "following" || this.#stage === "newleader"
        ? this.#o.syncLimit
        : this.#o.initLimit) * this.#o.tickTimeMs;
    if (nowMs - this.#lastHeardMs > limit) this.#stop("Read timed out: no packet from the leader");
    return this.#take();
  }

  // ---- packets ------------------------------------------------------------

  #packet(p: Packet): void {
    switch (this.#stage) {
      case "register":
        return this.#register(p);
      case "syncFirst":
        return this.#syncFirst(p);
      case "sync":
      case "newleader":
        return this.#syncPacket(p);
      case "following":
        return this.#followPacket(p);
    }
  }

  #register(p: Packet): void {
    if (p.type !== T.LEADERINFO) {
      return this.#stop(`First packet ${packetTypeName(p.type)} should have been LEADERINFO`);
    }
    const newEpoch = epochOf(p.zxid);
    let epochBytes: number;
    if (newEpoch > this.#acceptedEpoch) {
      epochBytes = Number(this.#currentEpoch);
      this.#acceptedEpoch = newEpoch;
      this.#fx.push({ type: "acceptedEpoch", epoch: newEpoch });
    } else if (newEpoch === this.#acceptedEpoch) {
      // "This reply should not count as an ack for the new epoch."
      epochBytes = -1;
    } else {
      return this.#stop(
        `Leaders epoch, ${newEpoch} is less than accepted epoch, ${this.#acceptedEpoch}`,
      );
    }
    this.#newEpoch = newEpoch;
    this.#send({
      type: T.ACKEPOCH,
      zxid: this.#lastZxid,
      data: intBytes(epochBytes),
      authinfo: null,
    });
    this.#stage = "syncFirst";
  }

  #syncFirst(p: Packet): void {
    switch (p.type) {
      case T.DIFF:
        this.#snapshotNeeded = false;
        break;
      case T.SNAP:
        this.#snapshotNeeded = true;
        this.#syncSnapshot = true;
        this.#awaitingSnapshot = true;
        this.#snapZxid = p.zxid;
        break;
      case T.TRUNC:
        this.#snapshotNeeded = true;
        this.#fx.push({ type: "truncate", zxid: p.zxid });
        this.#lastZxid = p.zxid;
        this.#loggedUpTo = p.zxid;
        break;
      default:
        return this.#stop(
          `Got unexpected packet from leader: ${packetTypeName(p.type)}, exiting ...`,
        );
    }
    this.#writeToTxnLog = !this.#snapshotNeeded;
    this.#stage = "sync";
  }

  #syncPacket(p: Packet): void {
    switch (p.type) {
      case T.PROPOSAL:
        if (p.data === null) return this.#stop("PROPOSAL without a txn");
        this.#notCommitted.push({ zxid: p.zxid, data: p.data });
        return;
      case T.COMMIT:
        if (!this.#writeToTxnLog) {
          const head = this.#notCommitted[0];
          if (head && head.zxid === p.zxid) {
            this.#notCommitted.shift();
            this.#fx.push({ type: "applyUnlogged", zxid: head.zxid, data: head.data });
            this.#lastZxid = head.zxid;
          }
        } else this.#committed.push(p.zxid);
        return;
      case T.INFORM:
        if (p.data === null) return this.#stop("INFORM without a txn");
        if (!this.#writeToTxnLog) {
          this.#fx.push({ type: "applyUnlogged", zxid: p.zxid, data: p.data });
          this.#lastZxid = p.zxid;
        } else {
          this.#notCommitted.push({ zxid: p.zxid, data: p.data });
          this.#committed.push(p.zxid);
        }
        return;
      case T.NEWLEADER:
        if (this.#stage === "newleader") return; // one only
        return this.#newLeader();
      case T.UPTODATE:
        if (this.#stage !== "newleader" || this.#newLeaderWaitFor >= 0n) {
          return this.#stop("UPTODATE before NEWLEADER was acked");
        }
        return this.#upToDate();
      case T.PING:
        return; // not answered during synchronization
      default:
        return;
    }
  }

  #newLeader(): void {
    this.#stage = "newleader";
    if (this.#snapshotNeeded) this.#fx.push({ type: "takeSnapshot", sync: this.#syncSnapshot });
    this.#writeToTxnLog = true;
    // 3.8.5+: the sync's txns are durable before NEWLEADER is acked.
    let last = -1n;
    if (!this.observer) {
      for (const t of this.#notCommitted) {
        this.#fx.push({ type: "log", zxid: t.zxid, data: t.data });
        this.#loggedAtNewLeader.push(t.zxid);
        this.#pending.push(t);
        last = t.zxid;
      }
      this.#notCommitted = [];
    }
    this.#newLeaderWaitFor = last;
    if (last < 0n || this.#loggedUpTo >= last) this.#ackNewLeader();
  }

  #ackNewLeader(): void {
    this.#newLeaderWaitFor = -1n;
    this.#currentEpoch = this.#newEpoch;
    this.#fx.push({ type: "currentEpoch", epoch: this.#newEpoch });
    this.#send({ type: T.ACK, zxid: makeZxid(this.#newEpoch, 0n), data: null, authinfo: null });
  }

  #upToDate(): void {
    this.#stage = "following";
    this.#send({ type: T.ACK, zxid: makeZxid(this.#newEpoch, 0n), data: null, authinfo: null });
    this.#fx.push({ type: "serving" });
    if (this.observer) {
      // Observer: commit what the sync informed.
      for (const t of this.#notCommitted) {
        if (this.#committed[0] === t.zxid) {
          this.#committed.shift();
          this.#fx.push({ type: "commit", zxid: t.zxid, data: t.data });
          this.#lastZxid = t.zxid;
        }
      }
      this.#notCommitted = [];
      this.#committed = [];
      return;
    }
    // The txns logged at NEWLEADER are acked now, the rest logged, then the commits.
    for (const z of this.#loggedAtNewLeader) {
      this.#send({ type: T.ACK, zxid: z, data: null, authinfo: null });
    }
    this.#loggedAtNewLeader = [];
    for (const t of this.#notCommitted) {
      this.#fx.push({ type: "log", zxid: t.zxid, data: t.data });
      this.#pending.push(t);
      this.#toAck.push(t.zxid);
    }
    this.#notCommitted = [];
    for (const z of this.#committed) this.#commit(z);
    this.#committed = [];
  }

  #followPacket(p: Packet): void {
    switch (p.type) {
      case T.PROPOSAL:
        if (this.observer) return;
        if (p.data === null) return this.#stop("PROPOSAL without a txn");
        this.#pending.push({ zxid: p.zxid, data: p.data });
        this.#fx.push({ type: "log", zxid: p.zxid, data: p.data });
        this.#toAck.push(p.zxid);
        return;
      case T.COMMIT:
        if (this.observer) return;
        return this.#commit(p.zxid);
      case T.INFORM:
        if (!this.observer || p.data === null) return;
        this.#fx.push({ type: "log", zxid: p.zxid, data: p.data });
        this.#fx.push({ type: "commit", zxid: p.zxid, data: p.data });
        this.#lastZxid = p.zxid;
        return;
      case T.PING: {
        // The reply carries the sessions touched since the last one (never null data).
        const data = new Uint8Array(this.#touched.size * 12);
        const v = new DataView(data.buffer);
        let o = 0;
        for (const [id, timeout] of this.#touched) {
          v.setBigInt64(o, id);
          v.setInt32(o + 8, timeout);
          o += 12;
        }
        this.#touched.clear();
        this.#send({ type: T.PING, zxid: p.zxid, data, authinfo: p.authinfo });
        return;
      }
      case T.SYNC:
        this.#fx.push({ type: "synced" });
        return;
      case T.REVALIDATE: {
        const d = p.data;
        if (d === null || d.length < 9) return;
        const v = new DataView(d.buffer, d.byteOffset, d.byteLength);
        this.#fx.push({ type: "revalidated", sessionId: v.getBigInt64(0), valid: d[8] !== 0 });
        return;
      }
      case T.UPTODATE:
        return; // "Received an UPTODATE message after Follower started"
      default:
        return;
    }
  }

  #commit(zxid: bigint): void {
    const head = this.#pending[0];
    if (!head) return; // "Committing " + zxid + " without seeing txn"
    if (head.zxid !== zxid) {
      // Apache exits the JVM here (UNMATCHED_TXN_COMMIT): the follower cannot go on.
      return this.#stop(
        `Committing zxid 0x${zxid.toString(16)} but next pending txn 0x${head.zxid.toString(16)}`,
      );
    }
    this.#pending.shift();
    this.#fx.push({ type: "commit", zxid, data: head.data });
    this.#lastZxid = zxid;
  }

  /** ACK every proposal logged since the last ack (SendAckRequestProcessor). */
  #ackLogged(): void {
    // Logged txns wait for their ACK in log order (SendAckRequestProcessor).
    const q = this.#toAck;
    while (this.#toAckHead < q.length && q[this.#toAckHead] <= this.#loggedUpTo) {
      const z = q[this.#toAckHead++];
      if (counterOf(z) !== 0n) this.#send({ type: T.ACK, zxid: z, data: null, authinfo: null });
    }
    if (this.#toAckHead === q.length) {
      q.length = 0;
      this.#toAckHead = 0;
    }
  }

  #send(p: Packet): void {
    this.#fx.push({ type: "send", bytes: encodePacket(p) });
  }

  #stop(reason: string): void {
    if (this.#stage === "stopped") return;
    const reloadTree = (this.#stage === "sync" || this.#stage === "syncFirst") &&
      this.#snapshotNeeded;
    this.#stage = "stopped";
    this.#fx.push({ type: "stop", reason, reloadTree });
  }

  #take(): FollowerEffect[] {
    const fx = this.#fx;
    this.#fx = [];
    return fx;
  }
}
