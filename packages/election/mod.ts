/**
 * Apache ZooKeeper's FastLeaderElection for zkts: a pure, deterministic
 * election core ({@linkcode Election}), quorum verifiers (majority and
 * hierarchical), Apache ZooKeeper 3.8's election wire format, and a thin
 * connection manager over TCP.
 *
 * @example Compare two candidates
 * ```ts
 * import { QuorumMaj, totalOrderPredicate } from "@zkts/election";
 * import assert from "node:assert/strict";
 * const qv = QuorumMaj.of([1n, 2n, 3n]);
 * // Leader crash walk-through: (3, 333) beats (1, 111).
 * assert.ok(totalOrderPredicate(qv, { id: 3n, zxid: 333n, peerEpoch: 1n }, { id: 1n, zxid: 111n, peerEpoch: 1n }));
 * ```
 *
 * @module
 */

export * from "./quorum.ts";
export * from "./vote.ts";
export * from "./election.ts";
export * from "./wire.ts";
export * from "./manager.ts";
export * from "./peer.ts";
