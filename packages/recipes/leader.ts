/**
 * Leader election: a latch (Curator's `LeaderLatch`; each
 * candidate watches only its predecessor) and a selector (Curator's
 * `LeaderSelector`: take leadership, give it up, re-queue). A leader learns
 * it lost leadership as soon as its session is suspended (Disconnected) or
 * expires.
 *
 * @module
 */
import type { WatchedEvent, ZooKeeper } from "@zkts/client";
import { CreateMode, ErrorCode, EventType } from "@zkts/jute";
import {
  bound,
  createProtected,
  deleteQuietly,
  Emitter,
  guid,
  isCode,
  join,
  onSession,
  race,
  retry,
  type WaitOptions,
} from "./_util.ts";
import { Mutex, sortContenders } from "./lock.ts";

/** The node name of a latch candidate (Curator: `_c_<guid>-latch-<seq>`). */
export const LATCH_NODE = "-latch-";

/** Options of {@linkcode LeaderLatch}. */
export interface LeaderLatchOptions {
  /** Stored in the candidate node: who the leader is. */
  id?: string;
}

/**
 * A leader latch: every candidate creates an ephemeral sequential node; the
 * lowest is leader; the others each watch their predecessor only. Leadership
 * is held until {@linkcode LeaderLatch.close}, a suspension (it comes back
 * after a reconnect if the node survived) or session expiry (for good).
 *
 * What it guarantees (ZooKeeper's, no more). The candidates' nodes are
 * ordered by one zxid order, so at any moment at most one live node is the
 * smallest. `hasLeadership` turns true only after a read of this session,
 * while connected, found this node smallest and set a watch on it; it turns
 * false, in this session's own event order, when that node is deleted (its
 * watch), on Disconnected, Expired or Closed, when a re-check finds a smaller
 * node, and on close() (before the node is deleted, so a graceful hand-over
 * never overlaps). Two candidates can therefore both report leadership only
 * while the older one's node is already gone on the server and the event
 * telling its client so is still on its way: notifications to different
 * sessions have no global order, so the successor may hear it leads first
 * (Curator's `LeaderLatch` has the same window). A partitioned leader hears
 * Disconnected after 2/3 of the session timeout without a reply, before the
 * server may expire it; a process paused longer than that (GC, an
 * overloaded machine) can still act on stale leadership, so fence effects
 * that must not overlap (with the node's czxid, say).
 *
 * @example
 * ```ts ignore
 * import { LeaderLatch } from "@zkts/recipes";
 * const latch = new LeaderLatch(zk, "/election/replicator", { id: "host-a" });
 * latch.onChange((leader) => console.log(leader ? "RUNNING" : "STANDBY"));
 * await latch.start();
 * await latch.await({ timeoutMs: 10_000 });
 * ```
 */
export class LeaderLatch {
  #zk: ZooKeeper;
  #path: string;
  #id: string;
  #node: string | null = null;
  #leader = false;
  #state: "idle" | "started" | "closed" = "idle";
  #checking = false;
  #again = false;
  #changes = new Emitter<boolean>();
  #unsubscribe: (() => void) | null = null;
  #prefix = `_c_${guid()}${LATCH_NODE}`;
  /** One watcher for the predecessor and our own node (the client keeps one per path). */
  #recheck = (e: WatchedEvent) => {
    // Our node is gone (deleted by another session): stop leading now, before the re-read.
    if (e.type === EventType.NodeDeleted && e.path === this.#node) this.#set(false);
    void this.#check();
  };

  /** A candidate on `path`; call {@linkcode LeaderLatch.start}. */
  constructor(zk: ZooKeeper, path: string, opts: LeaderLatchOptions = {}) {
    this.#zk = zk;
    this.#path = path;
    this.#id = opts.id ?? "";
  }

  /** Whether this candidate leads now. */
  get hasLeadership(): boolean {
    return this.#leader;
  }
  /** This candidate's node, once started. */
  get node(): string | null {
    return this.#node;
  }

  /** Calls `fn(true)` when leadership is gained and `fn(false)` when lost; returns the remover. */
  onChange(fn: (isLeader: boolean) => void): () => void {
    return this.#changes.on(fn);
  }

  /** Joins the election. */
  async start(opts: WaitOptions = {}): Promise<void> {
    if (this.#state !== "idle") throw new Error(`latch ${this.#path} already started`);
    this.#state = "started";
    using b = bound(opts, `latch ${this.#path}`);
    this.#unsubscribe = onSession(this.#zk, (s) => {
      if (s === "suspended") this.#set(false);
      else if (s === "connected") this.#check();
      else {
        this.#set(false);
        this.#state = "closed";
      }
    });
    this.#node = await this.#create(b.signal);
    await this.#check();
  }

  /**
   * Waits until this candidate leads.
   *
   * @throws the signal's reason, a TimeoutError DOMException, or Error when the latch closes
   */
  async await(opts: WaitOptions = {}): Promise<void> {
    if (this.#leader) return;
    if (this.#state === "closed") throw new Error(`latch ${this.#path} closed`);
    using b = bound(opts, `leadership of ${this.#path}`);
    let off = () => {};
    try {
      await race(
        new Promise<void>((resolve, reject) => {
          off = this.#changes.on((leader) => {
            if (leader) resolve();
            else if (this.#state === "closed") reject(new Error(`latch ${this.#path} closed`));
          });
          if (this.#leader) resolve();
        }),
        b.signal,
      );
    } finally {
      off();
    }
  }

  /** The candidates' ids in order (the first leads). */
  async participants(): Promise<string[]> {
    const kids = sortContenders(await retry(() => this.#zk.getChildren(this.#path)), [LATCH_NODE]);
    const out: string[] = [];
    for (const k of kids) {
      try {
        out.push(
          new TextDecoder().decode((await this.#zk.getData(join(this.#path, k))).data ?? undefined),
        );
      } catch (e) {
        if (!isCode(e, ErrorCode.NoNode)) throw e;
      }
    }
    return out;
  }

  /** Leaves the election (a leader gives leadership to the next candidate). */
  async close(): Promise<void> {
    if (this.#state === "closed" && !this.#node) return;
    this.#state = "closed";
    this.#unsubscribe?.();
    this.#set(false);
    const node = this.#node;
    this.#node = null;
    if (node) await deleteQuietly(this.#zk, node).catch(() => {});
  }

  #create(signal?: AbortSignal): Promise<string> {
    return createProtected(
      this.#zk,
      this.#path,
      this.#prefix,
      new TextEncoder().encode(this.#id),
      CreateMode.EphemeralSequential,
      signal,
    );
  }

  #set(leader: boolean): void {
    if (this.#leader === leader) return;
    this.#leader = leader;
    this.#changes.emit(leader);
  }

  async #check(): Promise<void> {
    if (this.#checking) {
      this.#again = true;
      return;
    }
    this.#checking = true;
    try {
      do {
        this.#again = false;
        if (this.#state !== "started" || !this.#node) return;
        try {
          await this.#checkOnce();
        } catch (e) {
          // ConnectionLoss: re-checked on SyncConnected; SessionExpired: the latch is over.
          if (isCode(e, ErrorCode.ConnectionLoss, ErrorCode.SessionExpired)) return;
          // Anything else (the election node deleted under us...): leadership unknown, so none.
          this.#set(false);
          console.error(`zkts recipes: latch ${this.#path} check failed`, e);
          return;
        }
      } while (this.#again);
    } finally {
      this.#checking = false;
    }
  }

  async #checkOnce(): Promise<void> {
    for (;;) {
      const kids = sortContenders(await this.#zk.getChildren(this.#path), [LATCH_NODE]);
      const own = this.#node!.slice(this.#path.length + 1);
      const i = kids.indexOf(own);
      if (i < 0) {
        // Deleted under us (not by expiry: that ends the latch): re-join.
        this.#set(false);
        this.#node = await this.#create();
        continue;
      }
      if (i === 0) {
        // Lead only with a watch on our own node, so that losing it to a
        // delete by another session ends leadership from this session's own
        // events, not only from its session's (Disconnected/Expired/Closed).
        if (await this.#zk.exists(this.#node!, this.#recheck) === null) continue;
        if (this.#zk.connected) this.#set(true);
        return;
      }
      this.#set(false);
      const stat = await this.#zk.exists(join(this.#path, kids[i - 1]), this.#recheck);
      if (stat !== null) return;
    }
  }
}

/** Options of {@linkcode LeaderSelector}. */
export interface LeaderSelectorOptions {
  /** Stored in the contender node. */
  id?: string;
  /** Re-join the election after each term. Default false (see {@linkcode LeaderSelector.requeue}). */
  autoRequeue?: boolean;
}

/**
 * A leader selector: each term runs `takeLeadership(signal)`; returning ends
 * the term (leadership goes to the next contender). `signal` aborts when the
 * session is suspended or expires, or on {@linkcode LeaderSelector.interruptLeadership}
 * and close: the leader must stop acting as one then.
 *
 * @example
 * ```ts ignore
 * import { LeaderSelector } from "@zkts/recipes";
 * const sel = new LeaderSelector(zk, "/election/jobs", async (signal) => {
 *   while (!signal.aborted) await runOneJob(signal);
 * }, { autoRequeue: true });
 * sel.start();
 * ```
 */
export class LeaderSelector {
  #mutex: Mutex;
  #take: (signal: AbortSignal) => Promise<void> | void;
  #opts: LeaderSelectorOptions;
  #closing = new AbortController();
  #term: AbortController | null = null;
  #queued = false;
  #loop: Promise<void> | null = null;
  #terms = 0;
  #wake: (() => void) | null = null;

  /** A contender on `path`; call {@linkcode LeaderSelector.start}. */
  constructor(
    zk: ZooKeeper,
    path: string,
    takeLeadership: (signal: AbortSignal) => Promise<void> | void,
    opts: LeaderSelectorOptions = {},
  ) {
    this.#mutex = new Mutex(zk, path, { identifier: opts.id, lostOnSuspend: true });
    this.#take = takeLeadership;
    this.#opts = opts;
  }

  /** Whether a term runs now. */
  get hasLeadership(): boolean {
    return this.#term !== null && !this.#term.signal.aborted;
  }
  /** How many terms this contender has had. */
  get terms(): number {
    return this.#terms;
  }

  /** Joins the election. */
  start(): void {
    if (this.#loop) throw new Error("selector already started");
    this.#queued = true;
    this.#loop = this.#run();
  }

  /** Joins again after a term ended (without `autoRequeue`). */
  requeue(): void {
    if (!this.#loop) return this.start();
    this.#queued = true;
    this.#wake?.();
  }

  /** Aborts the current term's signal. */
  interruptLeadership(): void {
    this.#term?.abort(new Error("leadership interrupted"));
  }

  /** Leaves the election, ending a running term; resolves when the term returned. */
  async close(): Promise<void> {
    this.#closing.abort(new Error("selector closed"));
    this.#term?.abort(new Error("selector closed"));
    await this.#loop?.catch(() => {});
  }

  async #run(): Promise<void> {
    const closing = this.#closing.signal;
    while (!closing.aborted) {
      if (!this.#queued) {
        // Idle until requeue() or close().
        await new Promise<void>((r) => {
          this.#wake = r;
          closing.addEventListener("abort", () => r(), { once: true });
        });
        this.#wake = null;
        continue;
      }
      this.#queued = false;
      let held;
      try {
        held = await this.#mutex.acquire({ signal: closing });
      } catch (e) {
        if (closing.aborted || isCode(e, ErrorCode.SessionExpired)) return;
        this.#queued = true;
        continue;
      }
      const term = new AbortController();
      this.#term = term;
      const lost = () => term.abort(held.signal.reason);
      held.signal.addEventListener("abort", lost);
      if (held.signal.aborted) lost();
      try {
        this.#terms++;
        await this.#take(term.signal);
      } catch (e) {
        if (!term.signal.aborted) console.error("zkts recipes: takeLeadership threw", e);
      } finally {
        held.signal.removeEventListener("abort", lost);
        term.abort(new Error("term over"));
        this.#term = null;
        await held.release().catch(() => {});
      }
      if (this.#opts.autoRequeue) this.#queued = true;
    }
  }
}
