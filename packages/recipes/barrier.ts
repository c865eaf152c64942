/**
 * Barriers: a barrier node (in place while the node exists)
 * and a double barrier (enter when N members arrived, leave when all left;
 * Curator's `DistributedDoubleBarrier`).
 *
 * @module
 */
import type { ZooKeeper } from "@zkts/client";
import { CreateMode, ErrorCode } from "@zkts/jute";
import {
  bound,
  deleteQuietly,
  ensurePath,
  guid,
  isCode,
  join,
  Latch,
  retry,
  waitLatch,
  type WaitOptions,
} from "./_util.ts";

/**
 * A barrier: while its node exists, {@linkcode Barrier.wait} blocks
 * (`exists` with a watch, re-issued on each event until the node is gone).
 *
 * @example
 * ```ts ignore
 * import { Barrier } from "@zkts/recipes";
 * const gate = new Barrier(zk, "/barriers/deploy");
 * await gate.set();      // coordinator
 * await gate.wait({ timeoutMs: 60_000 });  // workers, until the coordinator calls gate.remove()
 * ```
 */
export class Barrier {
  #zk: ZooKeeper;
  #path: string;
  /** The barrier at `path`. */
  constructor(zk: ZooKeeper, path: string) {
    this.#zk = zk;
    this.#path = path;
  }
  /** Puts the barrier in place (creating parents); an existing barrier is fine. */
  async set(): Promise<void> {
    const i = this.#path.lastIndexOf("/");
    if (i > 0) await ensurePath(this.#zk, this.#path.slice(0, i));
    try {
      await retry(() => this.#zk.create(this.#path, null));
    } catch (e) {
      if (!isCode(e, ErrorCode.NodeExists)) throw e;
    }
  }
  /** Lifts the barrier: every waiter proceeds. */
  async remove(): Promise<void> {
    await deleteQuietly(this.#zk, this.#path);
  }
  /**
   * Waits until the barrier node is gone.
   *
   * @throws the signal's reason, a TimeoutError DOMException, KeeperError SessionExpired
   */
  async wait(opts: WaitOptions = {}): Promise<void> {
    using b = bound(opts, `barrier ${this.#path}`);
    for (;;) {
      const gone = new Latch();
      const stat = await retry(() => this.#zk.exists(this.#path, gone.open), b.signal);
      if (stat === null) return;
      await waitLatch(this.#zk, gone, b.signal);
    }
  }
}

/** The node that tells every member the barrier is full. */
export const READY_NODE = "ready";

/**
 * A double barrier: {@linkcode DoubleBarrier.enter} returns once `count`
 * members are in (a "barrier queue"), {@linkcode DoubleBarrier.leave}
 * once every member has left. Members are ephemeral: a crashed member leaves.
 *
 * @example
 * ```ts ignore
 * import { DoubleBarrier } from "@zkts/recipes";
 * const b = new DoubleBarrier(zk, "/barriers/merge", 3);
 * await b.enter({ timeoutMs: 10_000 });
 * await computePart();
 * await b.leave({ timeoutMs: 10_000 });
 * ```
 */
export class DoubleBarrier {
  #zk: ZooKeeper;
  #path: string;
  #count: number;
  #name: string;

  /**
   * A member of the double barrier at `path`.
   *
   * @param count how many members make the barrier full
   * @param opts.id this member's node name (default a guid)
   */
  constructor(zk: ZooKeeper, path: string, count: number, opts: { id?: string } = {}) {
    this.#zk = zk;
    this.#path = path;
    this.#count = count;
    this.#name = opts.id ?? guid();
  }

  /** Enters, and waits until `count` members have. */
  async enter(opts: WaitOptions = {}): Promise<void> {
    const zk = this.#zk;
    using b = bound(opts, `enter ${this.#path}`);
    const signal = b.signal;
    await ensurePath(zk, this.#path, signal);
    const ready = join(this.#path, READY_NODE);
    const readyLatch = new Latch();
    const already = await retry(() => zk.exists(ready, readyLatch.open), signal);
    try {
      await retry(
        () => zk.create(join(this.#path, this.#name), null, { mode: CreateMode.Ephemeral }),
        signal,
      );
    } catch (e) {
      if (!isCode(e, ErrorCode.NodeExists)) throw e;
    }
    if (already) return;
    const members = (await retry(() => zk.getChildren(this.#path), signal)).filter((c) =>
      c !== READY_NODE
    );
    if (members.length >= this.#count) {
      try {
        await retry(() => zk.create(ready, null), signal);
      } catch (e) {
        if (!isCode(e, ErrorCode.NodeExists)) throw e;
      }
      return;
    }
    await waitLatch(zk, readyLatch, signal);
  }

  /** Leaves, and waits until every member has (the lowest member removes the ready node). */
  async leave(opts: WaitOptions = {}): Promise<void> {
    const zk = this.#zk;
    using b = bound(opts, `leave ${this.#path}`);
    const signal = b.signal;
    const own = join(this.#path, this.#name);
    for (;;) {
      const members = (await retry(() => zk.getChildren(this.#path), signal))
        .filter((c) => c !== READY_NODE).sort();
      if (members.length === 0) break;
      const i = members.indexOf(this.#name);
      if (members.length === 1 && i === 0) {
        await deleteQuietly(zk, own);
        break;
      }
      const changed = new Latch();
      let watched: string;
      if (i === 0) {
        watched = members[members.length - 1]; // lowest waits for the highest
      } else {
        if (i > 0) await deleteQuietly(zk, own);
        watched = members[0]; // the others wait for the lowest
      }
      const stat = await retry(() => zk.exists(join(this.#path, watched), changed.open), signal);
      if (stat === null) continue;
      await waitLatch(zk, changed, signal);
    }
    try {
      await zk.delete(join(this.#path, READY_NODE));
    } catch { /* another member did */ }
  }
}
