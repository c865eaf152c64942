/**
 * Locks: a reentrant mutex without herd effect, a read/write lock, a
 * semaphore with leases, and revocation.
 *
 * The node layout is kazoo's (`kazoo.recipe.lock.Lock`, `ReadLock`,
 * `WriteLock`, `Semaphore`), so a zkts lock and a kazoo lock on the same path
 * exclude each other: contenders are `<path>/<32 hex>__lock__<seq>` (writers
 * and mutexes) and `<path>/<32 hex>__rlock__<seq>` (readers), ordered by their
 * 10-digit sequence suffix. Each waiter watches only the node it waits for
 * (no herd effect), and the guid prefix finds a node again after
 * a connection loss during its create (Curator's protected mode).
 *
 * @module
 */
import { KeeperError, type ZooKeeper } from "@zkts/client";
import { CreateMode, ErrorCode, EventType } from "@zkts/jute";
import {
  bound,
  createProtected,
  deleteQuietly,
  ensurePath,
  guid,
  isCode,
  join,
  Latch,
  onSession,
  retry,
  waitLatch,
  type WaitOptions,
} from "./_util.ts";

/** Node name of a writer or mutex contender (kazoo's `Lock._NODE_NAME`). */
export const LOCK_NODE = "__lock__";
/** Node name of a reader contender (kazoo's `ReadLock._NODE_NAME`). */
export const READ_LOCK_NODE = "__rlock__";
/** Node name of a Curator `InterProcessMutex` contender (`_c_<uuid>-lock-<seq>`). */
export const CURATOR_LOCK_NODE = "-lock-";
/** The data Curator's `Revoker` writes into a lock node to ask its holder to release. */
export const REVOKE_MESSAGE = "__REVOKE__";

/**
 * The node a contender waits for: the last node before `own` (in sequence
 * order) whose name holds one of `blockers`; null when there is none (the
 * lock is ours), undefined when `own` is not among `children`.
 *
 * @param children the names under the lock path
 * @param own our node's name
 * @param blockers node names that exclude us when they come first
 * @example
 * ```ts
 * import { predecessor } from "@zkts/recipes";
 * import assert from "node:assert/strict";
 * const kids = ["b__lock__0000000002", "a__rlock__0000000001", "c__rlock__0000000003"];
 * // a writer waits for the node right before it, a reader for the last writer before it
 * assert.equal(predecessor(kids, "c__rlock__0000000003", ["__lock__"]), "b__lock__0000000002");
 * assert.equal(predecessor(kids, "b__lock__0000000002", ["__lock__", "__rlock__"]), "a__rlock__0000000001");
 * assert.equal(predecessor(kids, "a__rlock__0000000001", ["__lock__"]), null);
 * ```
 */
export function predecessor(
  children: readonly string[],
  own: string,
  blockers: readonly string[],
): string | null | undefined {
  const re = new RegExp(`(?:${blockers.map(escape).join("|")})(-?\\d{10})$`);
  // Our own node: a blocker kind, or a reader (who does not block readers).
  const ownRe = new RegExp(
    `(?:${[...blockers, READ_LOCK_NODE].map(escape).join("|")})(-?\\d{10})$`,
  );
  const ownSeq = ownRe.exec(own)?.[1];
  if (ownSeq === undefined || !children.includes(own)) return undefined;
  let best: string | null = null;
  let bestSeq = "";
  for (const c of children) {
    if (c === own) continue;
    const m = re.exec(c);
    // kazoo sorts on the sequence text; 10 digits make that numeric order.
    if (!m || m[1] >= ownSeq) continue;
    if (best === null || m[1] > bestSeq) [best, bestSeq] = [c, m[1]];
  }
  return best;
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * The contenders of a lock path in acquisition order (those whose names hold
 * one of `names`), ordered by sequence suffix, not by name.
 *
 * @example
 * ```ts
 * import { sortContenders } from "@zkts/recipes";
 * import assert from "node:assert/strict";
 * assert.deepEqual(
 *   sortContenders(["b__lock__0000000002", "a__lock__0000000007", "other"], ["__lock__"]),
 *   ["b__lock__0000000002", "a__lock__0000000007"],
 * );
 * ```
 */
export function sortContenders(children: readonly string[], names: readonly string[]): string[] {
  const re = new RegExp(`(?:${names.map(escape).join("|")})(-?\\d{10})$`);
  return children
    .map((c) => ({ c, m: re.exec(c) }))
    .filter((x) => x.m !== null)
    .sort((a, b) => (a.m![1] < b.m![1] ? -1 : a.m![1] > b.m![1] ? 1 : 0))
    .map((x) => x.c);
}

/** Options of {@linkcode Mutex} (and of the read and write locks). */
export interface LockOptions {
  /** Stored in the contender node (kazoo's `identifier`): who holds or waits. */
  identifier?: string;
  /** More node names that count as contenders (kazoo's `extra_lock_patterns`). */
  extraLockPatterns?: string[];
  /**
   * The node layout of a {@linkcode Mutex}: "kazoo" (default,
   * `<guid>__lock__<seq>`, kazoo's `Lock`) or "curator"
   * (`_c_<uuid>-lock-<seq>`, Curator's `InterProcessMutex` with protection).
   * Contenders of the two layouts do not see each other.
   */
  layout?: "kazoo" | "curator";
  /**
   * Treat a Disconnected session as losing the lock (Curator's SUSPENDED).
   * Default false: only expiry loses it, since the ephemeral node survives a
   * reconnect within the session timeout.
   */
  lostOnSuspend?: boolean;
  /** Called when another client asks the holder to release ({@linkcode requestRevoke}). */
  onRevokeRequested?: (lock: Mutex) => void;
}

/** A held lock: release it, or watch `signal` to learn the lock was lost. */
export interface LockHandle extends AsyncDisposable {
  /** The holder's contender node. */
  readonly node: string;
  /**
   * Aborted when the lock is lost: session expiry (reason: KeeperError
   * SessionExpired), or suspension with `lostOnSuspend`.
   */
  readonly signal: AbortSignal;
  /** Releases one hold (the node is deleted when the last reentrant hold goes). */
  release(): Promise<void>;
}

/**
 * A reentrant, fair, herd-free distributed mutex (Curator's
 * `InterProcessMutex`, kazoo's `Lock`). One instance is one
 * contender; acquiring it again while held only counts.
 *
 * @example
 * ```ts ignore
 * import { ZooKeeper } from "@zkts/client";
 * import { Mutex } from "@zkts/recipes";
 * const zk = await ZooKeeper.connect("127.0.0.1:2181");
 * const mutex = new Mutex(zk, "/locks/orders");
 * await using lock = await mutex.acquire({ timeoutMs: 5000 });
 * lock.signal.throwIfAborted(); // the session expired: another client may hold it now
 * ```
 */
export class Mutex {
  #zk: ZooKeeper;
  #path: string;
  #nodeName: string;
  #curator = false;
  #blockers: string[];
  #opts: LockOptions;
  #node: string | null = null;
  #holds = 0;
  #lost: AbortController | null = null;
  #unsubscribe: (() => void) | null = null;

  /**
   * A contender for the lock at `path` (one instance = one contender).
   *
   * @param zk the session
   * @param path the lock path (created when missing)
   * @param opts identifier, extra patterns, loss policy, revocation
   */
  constructor(zk: ZooKeeper, path: string, opts: LockOptions = {}) {
    this.#zk = zk;
    this.#path = path;
    const curator = opts.layout === "curator";
    this.#curator = curator;
    this.#nodeName = curator ? CURATOR_LOCK_NODE : LOCK_NODE;
    this.#blockers = [this.#nodeName, ...(opts.extraLockPatterns ?? [])];
    this.#opts = opts;
  }

  /** @internal Used by the read/write lock to change the node name and blockers. */
  protected configure(nodeName: string, blockers: string[]): void {
    this.#nodeName = nodeName;
    this.#blockers = [...blockers, ...(this.#opts.extraLockPatterns ?? [])];
  }

  /** The lock path. */
  get path(): string {
    return this.#path;
  }
  /** Whether this instance holds the lock. */
  get isHeld(): boolean {
    return this.#holds > 0;
  }
  /** This contender's node while it holds or waits, else null. */
  get node(): string | null {
    return this.#node;
  }

  /**
   * Waits for the lock (reentrant: a holder gets it at once).
   *
   * @throws the signal's reason on abort, a `TimeoutError` DOMException after
   * `timeoutMs`, KeeperError SessionExpired when the session ends
   */
  async acquire(opts: WaitOptions = {}): Promise<LockHandle> {
    if (this.#holds > 0) {
      this.#holds++;
      return this.#handle();
    }
    using b = bound(opts, `acquire ${this.#path}`);
    await this.#contend(b.signal, true);
    return this.#handle();
  }

  /** Takes the lock when it is free now, without waiting; null otherwise. */
  async tryAcquire(): Promise<LockHandle | null> {
    if (this.#holds > 0) {
      this.#holds++;
      return this.#handle();
    }
    return (await this.#contend(undefined, false)) ? this.#handle() : null;
  }

  /** Releases one hold; deleting the node when the last one goes. */
  async release(): Promise<void> {
    if (this.#holds === 0) throw new Error(`release of ${this.#path}: not held`);
    if (--this.#holds > 0) return;
    const node = this.#node;
    this.#node = null;
    this.#unsubscribe?.();
    this.#unsubscribe = null;
    this.#lost = null;
    if (node) {
      try {
        await deleteQuietly(this.#zk, node);
      } catch (e) {
        // Expired: the server deleted the ephemeral already.
        if (!isCode(e, ErrorCode.SessionExpired)) throw e;
      }
    }
  }

  /** The contenders' nodes in order (the first holds the lock), with their identifiers. */
  async contenders(): Promise<{ node: string; identifier: string }[]> {
    const kids = await retry(() => this.#zk.getChildren(this.#path));
    const out = [];
    const names = this.#curator ? [CURATOR_LOCK_NODE] : [LOCK_NODE, READ_LOCK_NODE];
    for (const c of sortContenders(kids, names)) {
      try {
        const { data } = await this.#zk.getData(join(this.#path, c));
        out.push({
          node: join(this.#path, c),
          identifier: new TextDecoder().decode(data ?? undefined),
        });
      } catch (e) {
        if (!isCode(e, ErrorCode.NoNode)) throw e;
      }
    }
    return out;
  }

  #handle(): LockHandle {
    const node = this.#node!;
    const signal = this.#lost!.signal;
    let released = false;
    const release = async () => {
      if (released) return;
      released = true;
      await this.release();
    };
    return { node, signal, release, [Symbol.asyncDispose]: release };
  }

  async #contend(signal: AbortSignal | undefined, blocking: boolean): Promise<boolean> {
    const zk = this.#zk;
    // No ensurePath here: createProtected makes the parents on NoNode, so an
    // uncontended acquire is 3 round trips (create, getChildren, delete).
    const data = new TextEncoder().encode(this.#opts.identifier ?? "");
    const create = () =>
      createProtected(
        zk,
        this.#path,
        this.#nodeName === CURATOR_LOCK_NODE
          ? `_c_${crypto.randomUUID()}${CURATOR_LOCK_NODE}`
          : guid() + this.#nodeName,
        data,
        CreateMode.EphemeralSequential,
        signal,
      );
    let node = await create();
    this.#node = node;
    try {
      for (;;) {
        const kids = await retry(() => zk.getChildren(this.#path), signal);
        const own = node.slice(this.#path.length + 1);
        const pred = predecessor(kids, own, this.#blockers);
        if (pred === undefined) {
          // Our node is gone: the session expired (the next call says so) or
          // someone deleted it. Contend again from the back of the line.
          this.#node = node = await create();
          continue;
        }
        if (pred === null) break;
        if (!blocking) {
          await deleteQuietly(zk, node);
          this.#node = null;
          return false;
        }
        const woken = new Latch();
        const stat = await retry(() => zk.exists(join(this.#path, pred), woken.open), signal);
        if (stat === null) continue;
        await waitLatch(zk, woken, signal);
      }
    } catch (e) {
      this.#node = null;
      await deleteQuietly(zk, node).catch(() => {});
      throw e;
    }
    this.#holds = 1;
    this.#held(node);
    return true;
  }

  #held(node: string): void {
    const lost = new AbortController();
    this.#lost = lost;
    this.#unsubscribe = onSession(this.#zk, (s) => {
      if (s === "lost") {
        lost.abort(new KeeperError(ErrorCode.SessionExpired, node));
      } else if (s === "suspended" && this.#opts.lostOnSuspend) {
        lost.abort(new KeeperError(ErrorCode.ConnectionLoss, node));
      }
    });
    const onRevoke = this.#opts.onRevokeRequested;
    if (onRevoke) {
      const check = (ev?: { type: number }) => {
        if (this.#node !== node || ev?.type === EventType.NodeDeleted) return;
        this.#zk.getData(node, check).then(({ data }) => {
          if (new TextDecoder().decode(data ?? undefined) === REVOKE_MESSAGE) onRevoke(this);
        }, () => {});
      };
      check();
    }
  }
}

/**
 * Asks the holder of a lock node to release it (Curator's
 * `Revoker.attemptRevoke`): writes {@linkcode REVOKE_MESSAGE} into the node;
 * a holder with `onRevokeRequested` is called. Returns false when the node
 * is gone.
 *
 * @example
 * ```ts ignore
 * import { Mutex, requestRevoke } from "@zkts/recipes";
 * const [holder] = await new Mutex(zk, "/locks/a").contenders();
 * if (holder) await requestRevoke(zk, holder.node);
 * ```
 */
export async function requestRevoke(zk: ZooKeeper, node: string): Promise<boolean> {
  try {
    await retry(() => zk.setData(node, new TextEncoder().encode(REVOKE_MESSAGE)));
    return true;
  } catch (e) {
    if (isCode(e, ErrorCode.NoNode)) return false;
    throw e;
  }
}

/**
 * The read side of a {@linkcode ReadWriteLock}: shares the lock with other
 * readers, waits for the last writer queued before it.
 *
 * @example
 * ```ts ignore
 * import { ReadLock } from "@zkts/recipes";
 * await using r = await new ReadLock(zk, "/xs_lock").acquire({ timeoutMs: 1000 });
 * ```
 */
export class ReadLock extends Mutex {
  /** See {@linkcode ReadWriteLock}. */
  constructor(zk: ZooKeeper, path: string, opts: LockOptions = {}) {
    super(zk, path, opts);
    this.configure(READ_LOCK_NODE, [LOCK_NODE]);
  }
}

/**
 * The write side of a {@linkcode ReadWriteLock}: exclusive, waits for the
 * node (reader or writer) queued right before it.
 *
 * @example
 * ```ts ignore
 * import { WriteLock } from "@zkts/recipes";
 * await using w = await new WriteLock(zk, "/xs_lock").acquire({ timeoutMs: 1000 });
 * ```
 */
export class WriteLock extends Mutex {
  /** See {@linkcode ReadWriteLock}. */
  constructor(zk: ZooKeeper, path: string, opts: LockOptions = {}) {
    super(zk, path, opts);
    this.configure(LOCK_NODE, [LOCK_NODE, READ_LOCK_NODE]);
  }
}

/**
 * A shared/exclusive lock (the improved `/xs_lock` design without herd effect;
 * kazoo's `ReadLock`/`WriteLock`): readers watch the last writer before
 * them, writers the node right before them, so a release wakes only the
 * clients it unblocks.
 *
 * @example
 * ```ts ignore
 * import { ReadWriteLock } from "@zkts/recipes";
 * const rw = new ReadWriteLock(zk, "/xs_lock");
 * await using r = await rw.readLock.acquire({ timeoutMs: 1000 });
 * ```
 */
export class ReadWriteLock {
  /** The shared side. */
  readonly readLock: ReadLock;
  /** The exclusive side. */
  readonly writeLock: WriteLock;
  /** Both sides on `path`. */
  constructor(zk: ZooKeeper, path: string, opts: LockOptions = {}) {
    this.readLock = new ReadLock(zk, path, opts);
    this.writeLock = new WriteLock(zk, path, opts);
  }
}

/** A lease of a {@linkcode Semaphore}. */
export interface Lease extends AsyncDisposable {
  /** The lease node. */
  readonly node: string;
  /** Aborted when the session expires (the lease node is gone; reason: KeeperError SessionExpired). */
  readonly signal: AbortSignal;
  /** Returns the lease. */
  release(): Promise<void>;
}

/**
 * A semaphore of `maxLeases` leases (kazoo's `Semaphore` layout): lease
 * nodes are ephemeral children of `path` (whose data is the lease count);
 * a kazoo-compatible lock at `<path>-__lock__` lets one waiter at a time
 * watch the leases, so a returned lease wakes one client.
 *
 * @example
 * ```ts ignore
 * import { Semaphore } from "@zkts/recipes";
 * const sem = new Semaphore(zk, "/pools/db", 3);
 * await using lease = await sem.acquire({ timeoutMs: 2000 });
 * ```
 */
export class Semaphore {
  #zk: ZooKeeper;
  #path: string;
  #max: number;
  #identifier: string;

  /**
   * A client of the semaphore at `path`.
   *
   * @param maxLeases how many leases exist; every client must agree
   * @throws Error from acquire when the path's count differs
   */
  constructor(zk: ZooKeeper, path: string, maxLeases: number, opts: { identifier?: string } = {}) {
    if (!(maxLeases >= 1)) throw new RangeError(`maxLeases must be >= 1, got ${maxLeases}`);
    this.#zk = zk;
    this.#path = path;
    this.#max = maxLeases;
    this.#identifier = opts.identifier ?? "";
  }

  /**
   * Waits for a lease.
   *
   * @throws the signal's reason, a TimeoutError DOMException, KeeperError SessionExpired
   */
  async acquire(opts: WaitOptions = {}): Promise<Lease> {
    const zk = this.#zk;
    using b = bound(opts, `semaphore ${this.#path}`);
    const signal = b.signal;
    await ensurePath(zk, this.#path, signal);
    const { data } = await retry(() => zk.getData(this.#path), signal);
    const stored = new TextDecoder().decode(data ?? undefined);
    if (stored === "") {
      await retry(
        () => zk.setData(this.#path, new TextEncoder().encode(String(this.#max))),
        signal,
      );
    } else if (Number(stored) !== this.#max) {
      throw new Error(`semaphore ${this.#path}: ${stored} leases stored, ${this.#max} asked`);
    }
    const lock = new Mutex(zk, `${this.#path}-${LOCK_NODE}`, { identifier: this.#identifier });
    const held = await lock.acquire({ signal });
    try {
      const node = join(this.#path, guid());
      for (;;) {
        const changed = new Latch();
        const kids = await retry(() => zk.getChildren(this.#path, changed.open), signal);
        if (kids.includes(node.slice(this.#path.length + 1))) break; // a lost reply
        if (kids.length < this.#max) {
          try {
            await retry(
              () =>
                zk.create(node, new TextEncoder().encode(this.#identifier), {
                  mode: CreateMode.Ephemeral,
                }),
              signal,
            );
          } catch (e) {
            if (!isCode(e, ErrorCode.NodeExists)) throw e;
          }
          break;
        }
        await waitLatch(zk, changed, signal);
      }
      let released = false;
      const lost = new AbortController();
      const unsubscribe = onSession(zk, (s) => {
        if (s === "lost") lost.abort(new KeeperError(ErrorCode.SessionExpired, node));
      });
      const release = async () => {
        if (released) return;
        released = true;
        unsubscribe();
        await deleteQuietly(zk, node).catch((e) => {
          if (!isCode(e, ErrorCode.SessionExpired)) throw e;
        });
      };
      return { node, signal: lost.signal, release, [Symbol.asyncDispose]: release };
    } finally {
      await held.release().catch(() => {});
    }
  }

  /** The lease holders' identifiers. */
  async leaseHolders(): Promise<string[]> {
    const kids = await retry(() => this.#zk.getChildren(this.#path));
    const out: string[] = [];
    for (const k of kids) {
      try {
        const { data } = await this.#zk.getData(join(this.#path, k));
        out.push(new TextDecoder().decode(data ?? undefined));
      } catch (e) {
        if (!isCode(e, ErrorCode.NoNode)) throw e;
      }
    }
    return out;
  }
}
