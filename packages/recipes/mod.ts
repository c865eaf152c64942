/**
 * Coordination recipes on the zkts client, in the spirit of Apache Curator
 * and kazoo, correct under connection loss and session expiry: locks
 * (mutex, read/write, semaphore, revocation), leader election (latch and
 * selector), barriers, queues (FIFO, priority, locking), counters, group
 * membership and service discovery, configuration, caches and two-phase
 * commit. Every wait takes an `AbortSignal` and a timeout; values go
 * through a serializer (msgpack by default, JSON and raw bytes too).
 *
 * Lock nodes follow kazoo's layout, so a zkts `Mutex` and kazoo's `Lock`
 * on one path exclude each other.
 *
 * @example
 * ```ts ignore
 * import { ZooKeeper } from "@zkts/client";
 * import { Mutex } from "@zkts/recipes";
 * const zk = await ZooKeeper.connect("127.0.0.1:2181");
 * const mutex = new Mutex(zk, "/locks/report");
 * {
 *   await using lock = await mutex.acquire({ timeoutMs: 5000 });
 *   // ... exclusive work; lock.signal aborts if the session expires
 * }
 * await zk.close();
 * ```
 *
 * @module
 */
export type { SessionState, WaitOptions } from "./_util.ts";
export * from "./serializer.ts";
export * from "./lock.ts";
export * from "./leader.ts";
export * from "./barrier.ts";
export * from "./queue.ts";
export * from "./counter.ts";
export * from "./group.ts";
export * from "./cache.ts";
export * from "./two_phase.ts";
