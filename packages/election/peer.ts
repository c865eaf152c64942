/**
 * An election peer: the pure {@linkcode Election} driven by a
 * {@linkcode QuorumCnxManager} and a timer — the thin shell of
 * FastLeaderElection. It speaks Apache ZooKeeper 3.8's election protocol, so
 * it can vote in an ensemble of Apache servers.
 *
 * @module
 */

import { type Effects, Election, type ElectionConfig, type PeerData } from "./election.ts";
import { QuorumCnxManager } from "./manager.ts";
import { configString, type Sid } from "./quorum.ts";
import type { Vote } from "./vote.ts";
import { decodeNotification, encodeNotification } from "./wire.ts";

/** Options of {@linkcode ElectionPeer}. */
export interface ElectionPeerOptions extends ElectionConfig {
  /** Last logged zxid and current epoch. */
  data: PeerData;
  /** Called with every decision (this peer's new state is `vote.state`). */
  onDecided?: (vote: Vote) => void;
  /** Called when the election connection with a peer closes. */
  onDisconnect?: (sid: Sid) => void;
  /** Called with refused connections and dropped messages. */
  onWarning?: (text: string) => void;
  /** The clock; default `performance.now()`. */
  now?: () => number;
  /** Bind this host instead of the configured one. */
  listenHost?: string;
  /**
   * The config text every notification carries (Apache's
   * `QuorumVerifier.toString`, with a server line's client address); default
   * `configString(quorum)`.
   */
  config?: string;
}

/**
 * One server's leader election on real sockets.
 *
 * @example
 * ```ts ignore
 * import { ElectionPeer, parseQuorumConfig } from "@zkts/election";
 * const quorum = parseQuorumConfig(await Deno.readTextFile("zoo.cfg"));
 * const peer = new ElectionPeer({ myId: 1n, quorum, data: { zxid: 0n, epoch: 0n } });
 * const vote = await peer.start();
 * console.log(`leader ${vote.id}`);
 * await peer.close();
 * ```
 */
export class ElectionPeer {
  /** The FastLeaderElection state machine this peer drives. */
  readonly election: Election;
  /** The election connections to the other servers (QuorumCnxManager). */
  readonly manager: QuorumCnxManager;
  #opts: ElectionPeerOptions;
  #config: string;
  #now: () => number;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #waiters: { resolve: (v: Vote) => void; reject: (e: Error) => void }[] = [];
  #closed = false;

  /**
   * Creates the peer; it opens no socket before `start`.
   *
   * @param opts this server, its ensemble, its data and callbacks
   */
  constructor(opts: ElectionPeerOptions) {
    this.#opts = opts;
    this.#now = opts.now ?? (() => performance.now());
    this.#config = opts.config ?? configString(opts.quorum);
    this.election = new Election(opts, opts.data);
    this.manager = new QuorumCnxManager({
      myId: opts.myId,
      quorum: opts.quorum,
      listenHost: opts.listenHost,
      onWarning: opts.onWarning,
      onDisconnect: opts.onDisconnect,
      onMessage: (from, body) => this.#onMessage(from, body),
    });
  }

  /**
   * Listens on the election port and looks for a leader.
   *
   * @returns the decided vote
   */
  start(): Promise<Vote> {
    const decided = this.manager.listen().then(() => this.lookForLeader());
    decided.catch(() => {}); // closed before deciding: only a waiting caller hears of it
    return decided;
  }

  /**
   * Starts a new election round (after losing the leader).
   *
   * @param data the peer's last zxid and epoch, if changed
   * @returns the decided vote
   */
  lookForLeader(data?: PeerData): Promise<Vote> {
    if (this.#closed) return Promise.reject(new Error("the election is closed"));
    const decided = new Promise<Vote>((resolve, reject) => this.#waiters.push({ resolve, reject }));
    decided.catch(() => {}); // a caller that no longer waits is not an unhandled rejection
    this.#apply(this.election.start(this.#now(), data));
    return decided;
  }

  /**
   * The new epoch is established: LOOKING peers are told of it from now on
   * (see {@linkcode Election.updateElectionVote}).
   *
   * @param epoch the epoch now in force
   */
  updateElectionVote(epoch: bigint): void {
    this.election.updateElectionVote(epoch);
  }

  /** The role ended: LOOKING until the next {@linkcode ElectionPeer.lookForLeader} (see {@linkcode Election.looking}). */
  looking(): void {
    this.election.looking();
  }

  /**
   * Stops timers and closes every connection; a pending
   * {@linkcode ElectionPeer.lookForLeader} rejects ("the election is closed").
   */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    for (const w of this.#waiters.splice(0)) w.reject(new Error("the election is closed"));
    await this.manager.close();
  }

  #onMessage(from: Sid, body: Uint8Array): void {
    if (this.#closed) return;
    let n;
    try {
      n = decodeNotification(body);
    } catch (e) {
      this.#opts.onWarning?.(
        `Skipping a malformed notification from ${from}: ${(e as Error).message}`,
      );
      return;
    }
    this.#apply(this.election.receive(from, n, this.#now()));
  }

  #apply(fx: Effects): void {
    if (this.#closed) return;
    for (const { to, msg } of fx.send) {
      this.manager.toSend(to, encodeNotification(msg, this.#config));
    }
    if (fx.decided) {
      const v = fx.decided;
      this.#opts.onDecided?.(v);
      for (const w of this.#waiters.splice(0)) w.resolve(v);
    }
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const d = this.election.deadlineMs;
    if (d !== undefined) {
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        this.#apply(this.election.tick(this.#now()));
      }, Math.max(0, d - this.#now()));
    }
  }
}
