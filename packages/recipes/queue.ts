/**
 * Queues: a FIFO queue of sequential `queue-` nodes, a
 * priority queue of `queue-YY-` nodes (lower YY first), and a locking queue
 * whose items are claimed by an ephemeral node and removed only after
 * processing, so a crashed consumer's item is taken again.
 *
 * @module
 */
import type { ZooKeeper } from "@zkts/client";
import { CreateMode, ErrorCode } from "@zkts/jute";
import {
  bound,
  deleteQuietly,
  ensurePath,
  isCode,
  join,
  Latch,
  retry,
  waitLatch,
  type WaitOptions,
} from "./_util.ts";
import { msgpack, type Serializer } from "./serializer.ts";

/** The item node prefix. */
export const QUEUE_PREFIX = "queue-";
/** The claim node prefix of a {@linkcode LockingQueue}. */
export const CLAIM_PREFIX = "claim-";

/** Options of the queues. */
export interface QueueOptions<T> {
  /** How items are stored. Default msgpack. */
  serializer?: Serializer<T>;
  /**
   * Items are ephemeral (as ZooKeeper's queue recipe words it: they go with
   * the producer's session). Default false: items outlive their producer.
   */
  ephemeral?: boolean;
}

/**
 * The priority and sequence of an item node name, or null for other names.
 *
 * @example
 * ```ts
 * import { parseItem } from "@zkts/recipes";
 * import assert from "node:assert/strict";
 * assert.deepEqual(parseItem("queue-05-0000000003"), { priority: 5, seq: 3 });
 * assert.deepEqual(parseItem("queue-0000000003"), { priority: 0, seq: 3 });
 * assert.equal(parseItem("claim-queue-0000000003"), null);
 * ```
 */
export function parseItem(name: string): { priority: number; seq: number } | null {
  const m = /^queue-(?:(-?\d+)-)?(\d{10})$/.exec(name);
  return m ? { priority: m[1] === undefined ? 0 : Number(m[1]), seq: Number(m[2]) } : null;
}

/**
 * The item names of `children` in consumption order: lower priority number
 * first, then lower sequence.
 *
 * @example
 * ```ts
 * import { orderItems } from "@zkts/recipes";
 * import assert from "node:assert/strict";
 * assert.deepEqual(
 *   orderItems(["queue-10-0000000002", "queue-01-0000000001", "queue-05-0000000000", "claim-x"]),
 *   ["queue-01-0000000001", "queue-05-0000000000", "queue-10-0000000002"],
 * );
 * ```
 */
export function orderItems(children: readonly string[]): string[] {
  return children
    .map((c) => ({ c, p: parseItem(c) }))
    .filter((x) => x.p !== null)
    .sort((a, b) => a.p!.priority - b.p!.priority || a.p!.seq - b.p!.seq)
    .map((x) => x.c);
}

/**
 * A distributed FIFO queue (Curator's `DistributedQueue`, kazoo's `Queue`).
 * `take` removes the item before returning it; use {@linkcode LockingQueue}
 * when an item must survive its consumer's crash.
 *
 * @example
 * ```ts ignore
 * import { DistributedQueue } from "@zkts/recipes";
 * const q = new DistributedQueue<{ job: string }>(zk, "/queues/jobs");
 * await q.put({ job: "resize" });
 * const item = await q.take({ timeoutMs: 1000 }); // { job: "resize" }
 * ```
 */
export class DistributedQueue<T> {
  /** The session. */
  protected readonly zk: ZooKeeper;
  /** The queue node. */
  readonly path: string;
  /** How items are stored. */
  protected readonly serializer: Serializer<T>;
  #ephemeral: boolean;

  /** A queue at `path` (created on first use). */
  constructor(zk: ZooKeeper, path: string, opts: QueueOptions<T> = {}) {
    this.zk = zk;
    this.path = path;
    this.serializer = opts.serializer ?? msgpack<T>();
    this.#ephemeral = opts.ephemeral ?? false;
  }

  /** Adds an item at the tail; returns its node. */
  put(item: T): Promise<string> {
    return this.putNamed(QUEUE_PREFIX, item);
  }

  /** Creates an item node named `<prefix><seq>`. */
  protected async putNamed(prefix: string, item: T): Promise<string> {
    const data = this.serializer.encode(item);
    const mode = this.#ephemeral ? CreateMode.EphemeralSequential : CreateMode.PersistentSequential;
    for (;;) {
      try {
        // Not retried on ConnectionLoss: an item must not be queued twice.
        return await this.zk.create(join(this.path, prefix), data, { mode });
      } catch (e) {
        if (!isCode(e, ErrorCode.NoNode)) throw e;
        await ensurePath(this.zk, this.path);
      }
    }
  }

  /** The number of items. */
  async size(): Promise<number> {
    return orderItems(await this.#children()).length;
  }

  /** The head item without removing it, or undefined when empty. */
  async peek(): Promise<T | undefined> {
    for (const name of orderItems(await this.#children())) {
      try {
        const { data } = await retry(() => this.zk.getData(join(this.path, name)));
        return this.serializer.decode(data ?? new Uint8Array());
      } catch (e) {
        if (!isCode(e, ErrorCode.NoNode)) throw e;
      }
    }
    return undefined;
  }

  /** Removes and returns the head item, or undefined when empty. */
  async poll(): Promise<T | undefined> {
    const r = await this.#takeFrom(orderItems(await this.#children()));
    return r?.value;
  }

  /**
   * Removes and returns the head item, waiting for one when empty (a child
   * watch on the queue node wakes the wait).
   *
   * @throws the signal's reason, a TimeoutError DOMException, KeeperError SessionExpired
   */
  async take(opts: WaitOptions = {}): Promise<T> {
    using b = bound(opts, `take from ${this.path}`);
    for (;;) {
      const changed = new Latch();
      const kids = await this.#children(changed, b.signal);
      const r = await this.#takeFrom(orderItems(kids));
      if (r) return r.value;
      await waitLatch(this.zk, changed, b.signal);
    }
  }

  async #children(watch?: Latch, signal?: AbortSignal): Promise<string[]> {
    for (;;) {
      try {
        return await retry(() => this.zk.getChildren(this.path, watch?.open), signal);
      } catch (e) {
        if (!isCode(e, ErrorCode.NoNode)) throw e;
        await ensurePath(this.zk, this.path, signal);
      }
    }
  }

  async #takeFrom(names: string[]): Promise<{ value: T } | null> {
    for (const name of names) {
      const path = join(this.path, name);
      try {
        const { data, stat } = await retry(() => this.zk.getData(path));
        // Whoever deletes the node owns the item; a lost reply to our delete
        // shows as NoNode on retry, and the item is then skipped, not doubled.
        await this.zk.delete(path, stat.version);
        return { value: this.serializer.decode(data ?? new Uint8Array()) };
      } catch (e) {
        if (isCode(e, ErrorCode.NoNode, ErrorCode.BadVersion)) continue;
        throw e;
      }
    }
    return null;
  }
}

/**
 * A priority queue: items are `queue-YY-<seq>`, lower YY
 * first, FIFO within a priority; every take reads a fresh child list, so an
 * urgent item inserted meanwhile is taken next.
 *
 * @example
 * ```ts ignore
 * import { PriorityQueue } from "@zkts/recipes";
 * const q = new PriorityQueue<string>(zk, "/queues/print");
 * await q.put("report", 10);
 * await q.put("urgent", 1);
 * await q.take(); // "urgent"
 * ```
 */
export class PriorityQueue<T> extends DistributedQueue<T> {
  /**
   * Adds an item with `priority` (0..99, lower is served first; default 50).
   */
  override put(item: T, priority = 50): Promise<string> {
    if (!Number.isInteger(priority) || priority < 0 || priority > 99) {
      throw new RangeError(`priority must be an integer in 0..99, got ${priority}`);
    }
    return this.putNamed(`${QUEUE_PREFIX}${String(priority).padStart(2, "0")}-`, item);
  }
}

/** An item taken from a {@linkcode LockingQueue}: ack it after processing. */
export interface QueueItem<T> {
  /** The item. */
  readonly value: T;
  /** The item's node. */
  readonly node: string;
  /** Removes the item for good (item and claim in one multi). */
  ack(): Promise<void>;
  /** Gives the item back (deletes the claim only). */
  release(): Promise<void>;
}

/**
 * A locking queue (kazoo's `LockingQueue`, Curator's queue with a lock
 * path): `take` claims the head item with an ephemeral `claim-<seq>` node;
 * `ack` deletes item and claim atomically. When the consumer's session ends
 * before `ack`, the claim goes with it and the item is taken again.
 *
 * @example
 * ```ts ignore
 * import { LockingQueue } from "@zkts/recipes";
 * const q = new LockingQueue<string>(zk, "/queues/mail");
 * await q.put("hello");
 * const item = await q.take({ timeoutMs: 1000 });
 * await send(item.value);
 * await item.ack();
 * ```
 */
export class LockingQueue<T> extends DistributedQueue<T> {
  /** Claims the head unclaimed item, waiting when there is none. */
  override take(opts: WaitOptions = {}): Promise<T> {
    return this.claim(opts).then(async (item) => {
      await item.ack();
      return item.value;
    });
  }

  /**
   * Claims the head unclaimed item (waiting for one); process it, then
   * `ack()` it.
   *
   * @throws the signal's reason, a TimeoutError DOMException, KeeperError SessionExpired
   */
  async claim(opts: WaitOptions = {}): Promise<QueueItem<T>> {
    const zk = this.zk;
    using b = bound(opts, `take from ${this.path}`);
    for (;;) {
      const changed = new Latch();
      let kids: string[];
      try {
        kids = await retry(() => zk.getChildren(this.path, changed.open), b.signal);
      } catch (e) {
        if (!isCode(e, ErrorCode.NoNode)) throw e;
        await ensurePath(zk, this.path, b.signal);
        continue;
      }
      const claimed = new Set(kids.filter((k) => k.startsWith(CLAIM_PREFIX)));
      for (const name of orderItems(kids)) {
        const claim = CLAIM_PREFIX + name;
        if (claimed.has(claim)) continue;
        const item = await this.#tryClaim(name, claim, b.signal);
        if (item) return item;
      }
      await waitLatch(zk, changed, b.signal);
    }
  }

  async #tryClaim(name: string, claim: string, signal: AbortSignal): Promise<QueueItem<T> | null> {
    const zk = this.zk;
    const itemPath = join(this.path, name);
    const claimPath = join(this.path, claim);
    const own = String(zk.sessionId);
    try {
      await retry(
        () => zk.create(claimPath, new TextEncoder().encode(own), { mode: CreateMode.Ephemeral }),
        signal,
      );
    } catch (e) {
      if (!isCode(e, ErrorCode.NodeExists)) throw e;
      // A lost reply to our own create shows as NodeExists: check the owner.
      const { stat } = await retry(() => zk.getData(claimPath), signal).catch(() => ({
        stat: null,
      }));
      if (stat?.ephemeralOwner !== zk.sessionId) return null;
    }
    let data: Uint8Array | null;
    try {
      ({ data } = await retry(() => zk.getData(itemPath), signal));
    } catch (e) {
      await deleteQuietly(zk, claimPath);
      if (isCode(e, ErrorCode.NoNode)) return null;
      throw e;
    }
    const value = this.serializer.decode(data ?? new Uint8Array());
    return {
      value,
      node: itemPath,
      ack: async () => {
        try {
          await retry(() => zk.transaction().delete(itemPath).delete(claimPath).commit());
        } catch (e) {
          // Retried after a lost reply: already applied.
          if (!isCode(e, ErrorCode.NoNode)) throw e;
        }
      },
      release: async () => {
        await deleteQuietly(zk, claimPath);
      },
    };
  }
}
