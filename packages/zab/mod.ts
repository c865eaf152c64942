/**
 * ZooKeeper Atomic Broadcast for zkts: the leader and the follower (or
 * observer) of Apache ZooKeeper 3.8's quorum protocol as pure state machines
 * ({@linkcode LeaderCore}, {@linkcode FollowerCore}) over its wire format
 * ({@linkcode encodePacket}, {@linkcode PacketReader}): discovery of a new
 * epoch, synchronization by DIFF, TRUNC or SNAP, and broadcast of proposals.
 * They take bytes, fsync reports and clock ticks and return what to send and
 * what to do; a host supplies sockets, the txn log and the data tree.
 *
 * @example A zxid is an epoch and a counter
 * ```ts
 * import { epochOf, makeZxid } from "@zkts/zab";
 * import assert from "node:assert/strict";
 * assert.equal(makeZxid(2n, 5n), 0x200000005n);
 * assert.equal(epochOf(0x200000005n), 2n);
 * ```
 *
 * @module
 */

export * from "./packets.ts";
export * from "./leader.ts";
export * from "./follower.ts";
