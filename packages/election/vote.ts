/**
 * Votes, notifications and the order between candidates, as Apache
 * ZooKeeper's `Vote`, `FastLeaderElection.Notification` and
 * `totalOrderPredicate`.
 *
 * @module
 */

import type { QuorumVerifier, Sid } from "./quorum.ts";

/** A peer's state, numbered as Apache ZooKeeper's `QuorumPeer.ServerState` ordinal (the wire value). */
export const ServerState = {
  LOOKING: 0,
  FOLLOWING: 1,
  LEADING: 2,
  OBSERVING: 3,
} as const;

/** One of {@linkcode ServerState}'s values. */
export type ServerState = typeof ServerState[keyof typeof ServerState];

/**
 * The name of a state, as Apache logs it.
 *
 * @example
 * ```ts
 * import { ServerState, stateName } from "@zkts/election";
 * import assert from "node:assert/strict";
 * assert.equal(stateName(ServerState.FOLLOWING), "FOLLOWING");
 * ```
 */
export function stateName(state: ServerState): string {
  return ["LOOKING", "FOLLOWING", "LEADING", "OBSERVING"][state];
}

/** The notification format version Apache ZooKeeper 3.5+ sends (with config). */
export const NOTIFICATION_VERSION = 2;

/**
 * A vote: the proposed leader with its last zxid and epoch, in an election
 * round, from a peer in some state.
 */
export interface Vote {
  /** The proposed leader's server id. */
  id: Sid;
  /** The proposed leader's last logged zxid. */
  zxid: bigint;
  /** The election round (logical clock) the vote belongs to; -1 when none. */
  electionEpoch: bigint;
  /** The proposed leader's current epoch. */
  peerEpoch: bigint;
  /** The voter's state when it cast it. */
  state: ServerState;
  /** The notification format version it came with (0 for own votes). */
  version: number;
}

/** An election notification, as on the wire (see `wire.ts`). */
export interface Notification {
  /** The sender's state. */
  state: ServerState;
  /** The proposed leader. */
  leader: Sid;
  /** The proposed leader's zxid. */
  zxid: bigint;
  /** The sender's election round (logical clock). */
  electionEpoch: bigint;
  /** The proposed leader's epoch. */
  peerEpoch: bigint;
  /** Format version: 2 since Apache 3.5 (with config). */
  version: number;
  /** The sender's dynamic config text (version 2), if any. Not interpreted by the core. */
  config?: string;
}

/**
 * Whether a new candidate beats the current one, as Apache ZooKeeper's
 * `totalOrderPredicate`: higher epoch, then higher zxid, then higher id; a
 * candidate of weight 0 never wins.
 *
 * @param qv the quorum verifier (for weights)
 * @param next the new candidate
 * @param cur the current candidate
 * @returns true when `next` is better
 *
 * @example
 * ```ts
 * import { QuorumMaj, totalOrderPredicate } from "@zkts/election";
 * import assert from "node:assert/strict";
 * const qv = QuorumMaj.of([1n, 2n, 3n]);
 * const v = (id: bigint, zxid: bigint, peerEpoch = 1n) => ({ id, zxid, peerEpoch });
 * assert.equal(totalOrderPredicate(qv, v(3n, 333n), v(1n, 111n)), true);
 * assert.equal(totalOrderPredicate(qv, v(1n, 900n), v(3n, 333n, 2n)), false);
 * assert.equal(totalOrderPredicate(qv, v(2n, 0n), v(1n, 0n)), true);
 * ```
 */
export function totalOrderPredicate(
  qv: QuorumVerifier,
  next: { id: Sid; zxid: bigint; peerEpoch: bigint },
  cur: { id: Sid; zxid: bigint; peerEpoch: bigint },
): boolean {
  if (qv.weight(next.id) === 0) return false;
  return next.peerEpoch > cur.peerEpoch ||
    (next.peerEpoch === cur.peerEpoch &&
      (next.zxid > cur.zxid || (next.zxid === cur.zxid && next.id > cur.id)));
}

/**
 * Whether two votes are the same, as Apache ZooKeeper's `Vote.equals`: if
 * either is LOOKING, the leader, zxid, round and epoch must match; between
 * settled votes only the leader (and the epoch, unless exactly one side is an
 * old pre-3.4 format) must.
 *
 * @example
 * ```ts
 * import { ServerState, votesEqual } from "@zkts/election";
 * import assert from "node:assert/strict";
 * const a = { id: 2n, zxid: 5n, electionEpoch: 1n, peerEpoch: 1n, state: ServerState.FOLLOWING, version: 2 };
 * assert.equal(votesEqual(a, { ...a, zxid: 7n, electionEpoch: 3n }), true);
 * assert.equal(votesEqual(a, { ...a, zxid: 7n, state: ServerState.LOOKING }), false);
 * ```
 */
export function votesEqual(a: Vote, b: Vote): boolean {
  if (a.state === ServerState.LOOKING || b.state === ServerState.LOOKING) {
    return a.id === b.id && a.zxid === b.zxid && a.electionEpoch === b.electionEpoch &&
      a.peerEpoch === b.peerEpoch;
  }
  if ((a.version > 0) !== (b.version > 0)) return a.id === b.id;
  return a.id === b.id && a.peerEpoch === b.peerEpoch;
}
