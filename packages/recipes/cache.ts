/**
 * Caches of a znode, its children or a whole subtree, with an event stream
 * (Curator's `NodeCache`, `PathChildrenCache`, `TreeCache`/`CuratorCache`).
 *
 * They use one persistent watch (3.6+: `persistent` for a single node,
 * `persistentRecursive` for children and trees) and fall back to one-shot
 * watches when the server answers Unimplemented. Events are applied one at a
 * time in the order the server sent them; each one re-reads the node
 * (push + pull), so the cache always ends at the server's latest state.
 * After a reconnect the whole subtree is read again and compared, so
 * changes made while disconnected show up as events too.
 *
 * @module
 */
import type { Stat, WatchedEvent, ZooKeeper } from "@zkts/client";
import { ErrorCode, EventType, WatcherType } from "@zkts/jute";
import {
  bound,
  Emitter,
  isCode,
  isRetryable,
  join,
  onSession,
  race,
  sleep,
  type WaitOptions,
} from "./_util.ts";
import { msgpack, type Serializer } from "./serializer.ts";

/** A cached node. */
export interface CachedNode<T> {
  /** The node's path. */
  readonly path: string;
  /** Its Stat when last read. */
  readonly stat: Stat;
  /** Its data when last read. */
  readonly data: Uint8Array;
  /** `data` decoded by the serializer (undefined when it does not decode). */
  readonly value: T | undefined;
}

/** A change the cache saw. "initialized" comes once, after the first full read. */
export type CacheEvent<T> =
  | { type: "added" | "updated"; path: string; node: CachedNode<T> }
  | { type: "removed"; path: string; node: CachedNode<T> }
  | { type: "initialized" };

/** How the cache watches the server. */
export type CacheWatchMode = "persistent" | "oneShot";

/** Options of {@linkcode TreeCache}. */
export interface TreeCacheOptions<T> {
  /** How values decode. Default msgpack. */
  serializer?: Serializer<T>;
  /** How deep below the root to cache: 0 the root only, 1 its children... Default unlimited. */
  maxDepth?: number;
  /** Force one-shot watches (default: persistent watches, falling back when unsupported). */
  watchMode?: CacheWatchMode;
}

/**
 * A cache of the subtree at `root`, kept current by watches.
 *
 * @example
 * ```ts ignore
 * import { TreeCache } from "@zkts/recipes";
 * const cache = new TreeCache<string>(zk, "/services");
 * await cache.start({ timeoutMs: 5000 });
 * for await (const ev of cache.events(signal)) console.log(ev.type, "path" in ev ? ev.path : "");
 * ```
 */
export class TreeCache<T> {
  #zk: ZooKeeper;
  #root: string;
  #ser: Serializer<T>;
  #maxDepth: number;
  #mode: CacheWatchMode;
  #nodes = new Map<string, CachedNode<T>>();
  #events = new Emitter<CacheEvent<T>>();
  #chain: Promise<void> = Promise.resolve();
  #closed = false;
  #started = false;
  #initialized = false;
  #unsubscribe: (() => void) | null = null;
  #suspended = false;
  #watcher = (ev: WatchedEvent) => this.#onEvent(ev);
  /** Whether changes of the root itself are events (not for a children cache). */
  protected rootEvents = true;

  /** A cache of `root`; call {@linkcode TreeCache.start}. */
  constructor(zk: ZooKeeper, root: string, opts: TreeCacheOptions<T> = {}) {
    this.#zk = zk;
    this.#root = root;
    this.#ser = opts.serializer ?? msgpack<T>();
    this.#maxDepth = opts.maxDepth ?? Infinity;
    this.#mode = opts.watchMode ?? "persistent";
  }

  /** The watch mode in use (after a fallback, "oneShot"). */
  get watchMode(): CacheWatchMode {
    return this.#mode;
  }
  /** The root path. */
  get root(): string {
    return this.#root;
  }

  /** Watches and reads the subtree; resolves once it is loaded. */
  async start(opts: WaitOptions = {}): Promise<void> {
    if (this.#started) throw new Error(`cache of ${this.#root} already started`);
    this.#started = true;
    using b = bound(opts, `cache ${this.#root}`);
    this.#unsubscribe = onSession(this.#zk, (s) => {
      if (s === "suspended") this.#suspended = true;
      else if (s === "connected" && this.#suspended) {
        this.#suspended = false;
        this.#enqueue(() => this.#sync(this.#root, 0)); // catch up on what we missed
      }
    });
    if (this.#mode === "persistent") {
      try {
        await race(
          this.#zk.addWatch(
            this.#root,
            this.#watcher,
            this.#maxDepth === 0 ? "persistent" : "persistentRecursive",
          ),
          b.signal,
        );
      } catch (e) {
        if (!isCode(e, ErrorCode.Unimplemented)) throw e;
        this.#mode = "oneShot";
      }
    }
    this.#enqueue(async () => {
      await this.#sync(this.#root, 0);
      this.#initialized = true;
      this.#events.emit({ type: "initialized" });
    });
    await race(this.#chain, b.signal);
  }

  /** The cached node at `path` (undefined when absent). */
  get(path: string): CachedNode<T> | undefined {
    return this.#nodes.get(path);
  }

  /** The cached children names of `path`, sorted. */
  children(path: string = this.#root): string[] {
    const prefix = path === "/" ? "/" : path + "/";
    const out: string[] = [];
    for (const p of this.#nodes.keys()) {
      if (p.startsWith(prefix) && p !== path && !p.slice(prefix.length).includes("/")) {
        out.push(p.slice(prefix.length));
      }
    }
    return out.sort();
  }

  /** Every cached node, by path. */
  entries(): Map<string, CachedNode<T>> {
    return new Map(this.#nodes);
  }

  /** Calls `fn` with each event; returns the remover. */
  on(fn: (ev: CacheEvent<T>) => void): () => void {
    return this.#events.on(fn);
  }

  /** The events from now on, until `signal` aborts. */
  events(signal?: AbortSignal): AsyncGenerator<CacheEvent<T>> {
    return this.#events.stream(signal);
  }

  /**
   * Waits until `pred` holds for the cache (checked now and after each event).
   *
   * @throws the signal's reason, a TimeoutError DOMException
   */
  async waitFor(pred: (cache: this) => boolean, opts: WaitOptions = {}): Promise<void> {
    if (this.#initialized && pred(this)) return;
    using b = bound(opts, `cache ${this.#root}`);
    let off = () => {};
    try {
      await race(
        new Promise<void>((resolve) => {
          off = this.on(() => {
            if (this.#initialized && pred(this)) resolve();
          });
        }),
        b.signal,
      );
    } finally {
      off();
    }
  }

  /** Stops watching (the persistent watch is removed); the cached state stays readable. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#unsubscribe?.();
    if (this.#mode === "persistent" && this.#started) {
      await this.#zk.removeWatches(this.#root, WatcherType.Any, this.#watcher).catch(() => {});
    }
    await this.#chain.catch(() => {});
  }

  #depth(path: string): number {
    if (path === this.#root) return 0;
    const rel = this.#root === "/" ? path.slice(1) : path.slice(this.#root.length + 1);
    return rel.split("/").length;
  }

  #inScope(path: string): boolean {
    if (path !== this.#root) {
      const prefix = this.#root === "/" ? "/" : this.#root + "/";
      if (!path.startsWith(prefix)) return false;
    }
    return this.#depth(path) <= this.#maxDepth;
  }

  #enqueue(job: () => Promise<void>): void {
    this.#chain = this.#chain.then(async () => {
      for (let attempt = 0; !this.#closed; attempt++) {
        try {
          return await job();
        } catch (e) {
          if (isCode(e, ErrorCode.SessionExpired)) return;
          if (!isRetryable(e)) {
            console.error("zkts recipes: cache update failed", e);
            return;
          }
          await sleep(Math.min(20 * 2 ** attempt, 500));
        }
      }
    });
  }

  #onEvent(ev: WatchedEvent): void {
    if (this.#closed || ev.type === EventType.None || ev.path === null) return;
    const path = ev.path;
    if (!this.#inScope(path)) return;
    const depth = this.#depth(path);
    switch (ev.type) {
      case EventType.NodeCreated:
        this.#enqueue(() => this.#sync(path, depth));
        break;
      case EventType.NodeDeleted:
        this.#enqueue(async () => {
          this.#removeTree(path);
          // A one-shot cache learns of a re-created root through exists().
          if (path === this.#root && this.#mode === "oneShot") await this.#sync(path, 0);
        });
        break;
      case EventType.NodeDataChanged:
        this.#enqueue(() => this.#refreshData(path));
        break;
      case EventType.NodeChildrenChanged:
        this.#enqueue(() => this.#sync(path, depth));
        break;
    }
  }

  /** Reads `path` (data, then children below the depth limit) and reconciles the cache. */
  async #sync(path: string, depth: number): Promise<void> {
    if (this.#closed) return;
    const oneShot = this.#mode === "oneShot";
    const w = oneShot ? this.#watcher : undefined;
    let got;
    try {
      got = await this.#zk.getData(path, w);
    } catch (e) {
      if (!isCode(e, ErrorCode.NoNode)) throw e;
      this.#removeTree(path);
      if (oneShot && path === this.#root) {
        const stat = await this.#zk.exists(path, w);
        if (stat) return this.#sync(path, depth);
      }
      return;
    }
    this.#put(path, got.stat, got.data ?? new Uint8Array());
    if (depth >= this.#maxDepth) return;
    let kids: string[];
    try {
      kids = await this.#zk.getChildren(path, w);
    } catch (e) {
      if (!isCode(e, ErrorCode.NoNode)) throw e;
      return; // deleted since getData: its NodeDeleted event is on its way
    }
    const now = new Set(kids);
    for (const old of this.children(path)) {
      if (!now.has(old)) this.#removeTree(join(path, old));
    }
    for (const k of kids.sort()) await this.#sync(join(path, k), depth + 1);
  }

  async #refreshData(path: string): Promise<void> {
    try {
      const got = await this.#zk.getData(
        path,
        this.#mode === "oneShot" ? this.#watcher : undefined,
      );
      this.#put(path, got.stat, got.data ?? new Uint8Array());
    } catch (e) {
      if (!isCode(e, ErrorCode.NoNode)) throw e;
      this.#removeTree(path);
    }
  }

  #put(path: string, stat: Stat, data: Uint8Array): void {
    const old = this.#nodes.get(path);
    if (old && old.stat.mzxid === stat.mzxid && old.stat.czxid === stat.czxid) {
      this.#nodes.set(path, { ...old, stat }); // children changed only
      return;
    }
    let value: T | undefined;
    try {
      value = this.#ser.decode(data);
    } catch {
      value = undefined;
    }
    const node: CachedNode<T> = { path, stat, data, value };
    this.#nodes.set(path, node);
    if (path !== this.#root || this.rootEvents) {
      this.#events.emit({ type: old ? "updated" : "added", path, node });
    }
  }

  #removeTree(path: string): void {
    const prefix = path === "/" ? "/" : path + "/";
    const gone = [...this.#nodes.keys()].filter((p) => p === path || p.startsWith(prefix));
    // Deepest first, as the server deletes them.
    for (const p of gone.sort((a, b) => b.length - a.length)) {
      const node = this.#nodes.get(p)!;
      this.#nodes.delete(p);
      if (p !== this.#root || this.rootEvents) {
        this.#events.emit({ type: "removed", path: p, node });
      }
    }
  }
}

/**
 * A cache of one znode (Curator's `NodeCache`): `current` is the latest
 * value or undefined when the node is missing.
 *
 * @example
 * ```ts ignore
 * import { NodeCache } from "@zkts/recipes";
 * const flag = new NodeCache<boolean>(zk, "/flags/dark-mode");
 * await flag.start();
 * flag.on((ev) => console.log(ev.type));
 * ```
 */
export class NodeCache<T> extends TreeCache<T> {
  /** A cache of the node at `path`. */
  constructor(zk: ZooKeeper, path: string, opts: Omit<TreeCacheOptions<T>, "maxDepth"> = {}) {
    super(zk, path, { ...opts, maxDepth: 0 });
  }
  /** The cached node, or undefined when it does not exist. */
  get current(): CachedNode<T> | undefined {
    return this.get(this.root);
  }
}

/**
 * A cache of a znode's children (Curator's `PathChildrenCache`): events for
 * children added, updated and removed (none for the parent itself).
 *
 * @example
 * ```ts ignore
 * import { ChildrenCache } from "@zkts/recipes";
 * const members = new ChildrenCache<{ host: string }>(zk, "/group");
 * await members.start();
 * console.log(members.children());
 * ```
 */
export class ChildrenCache<T> extends TreeCache<T> {
  /** A cache of `path`'s children. */
  constructor(zk: ZooKeeper, path: string, opts: Omit<TreeCacheOptions<T>, "maxDepth"> = {}) {
    super(zk, path, { ...opts, maxDepth: 1 });
    this.rootEvents = false;
  }
  /** The children's values by name. */
  values(): Map<string, T | undefined> {
    const out = new Map<string, T | undefined>();
    for (const name of this.children()) out.set(name, this.get(join(this.root, name))?.value);
    return out;
  }
}
