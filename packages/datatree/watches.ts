/**
 * Server-side watch bookkeeping, as Apache ZooKeeper's WatchManager: one-shot
 * (standard), persistent and persistent-recursive watches per path and
 * watcher. A watcher is an opaque value (a connection or session id) so the
 * server decides how to deliver.
 *
 * @module
 */

/** WatcherMode: how a watch stays after it fires. */
export const WatcherMode = {
  /** One-shot: removed when it fires. */
  Standard: 0,
  /** Stays; fires for the path itself (addWatch PERSISTENT). */
  Persistent: 1,
  /** Stays; fires for the path and every descendant (addWatch PERSISTENT_RECURSIVE). */
  PersistentRecursive: 2,
} as const;
/** A WatcherMode value. */
export type WatcherMode = typeof WatcherMode[keyof typeof WatcherMode];

const flag = (m: WatcherMode) => 1 << m;
const RECURSIVE = flag(WatcherMode.PersistentRecursive);

/**
 * Watches of one kind (Apache keeps one manager for data watches and one for
 * child watches).
 *
 * @example
 * ```ts
 * import { WatchManager, WatcherMode } from "@zkts/datatree";
 * import assert from "node:assert/strict";
 * const m = new WatchManager<number>();
 * m.addWatch("/a", 7, WatcherMode.Standard);
 * assert.deepEqual([...m.triggerWatch("/a")!], [7]);
 * assert.equal(m.triggerWatch("/a"), null); // one-shot
 * ```
 */
export class WatchManager<W> {
  #table = new Map<string, Set<W>>();
  #byWatcher = new Map<W, Map<string, number>>();
  #recursive = 0;
  #v38: boolean;

  /**
   * Creates a manager with no watches.
   *
   * @param options.apache38 Apache 3.8's rules (WatcherModeManager): one mode
   * per (path, watcher), the last added replacing the previous one, and a
   * recursive watch fires at its own path too, for every event but
   * NodeChildrenChanged. (3.9, ZOOKEEPER-4466: modes add up.)
   */
  constructor(options: { apache38?: boolean } = {}) {
    this.#v38 = options.apache38 ?? false;
  }

  /** Number of (path, watcher) pairs. */
  get size(): number {
    let n = 0;
    for (const s of this.#table.values()) n += s.size;
    return n;
  }

  /** Adds a watch; returns whether the mode is new for (path, watcher). */
  addWatch(path: string, watcher: W, mode: WatcherMode = WatcherMode.Standard): boolean {
    let set = this.#table.get(path);
    if (set === undefined) this.#table.set(path, set = new Set());
    set.add(watcher);
    let paths = this.#byWatcher.get(watcher);
    if (paths === undefined) this.#byWatcher.set(watcher, paths = new Map());
    const old = paths.get(path) ?? 0;
    const next = this.#v38 ? flag(mode) : old | flag(mode);
    if (next !== old) {
      paths.set(path, next);
      if ((next & RECURSIVE) && !(old & RECURSIVE)) this.#recursive++;
      if (!(next & RECURSIVE) && (old & RECURSIVE)) this.#recursive--;
      return true;
    }
    return false;
  }

  /** Drops every watch of a watcher (its connection closed). */
  removeWatcher(watcher: W): void {
    const paths = this.#byWatcher.get(watcher);
    if (paths === undefined) return;
    this.#byWatcher.delete(watcher);
    for (const [p, f] of paths) {
      const set = this.#table.get(p);
      if (set !== undefined) {
        set.delete(watcher);
        if (set.size === 0) this.#table.delete(p);
      }
      if (f & RECURSIVE) this.#recursive--;
    }
  }

  /**
   * Fires the watches of `path` (and, when recursive watches exist, the
   * recursive ones of its ancestors): standard watches are removed. Returns the
   * watchers to notify (minus `suppress`), or null when none.
   *
   * @param childrenChanged the event is NodeChildrenChanged (3.8 rules keep it from recursive watches).
   */
  triggerWatch(path: string, suppress?: Set<W> | null, childrenChanged = false): Set<W> | null {
    const fired = new Set<W>();
    const all = this.#recursive > 0;
    let p = path;
    let level = 0;
    while (p.length > 0) {
      const set = this.#table.get(p);
      if (set !== undefined && set.size > 0) {
        for (const w of set) {
          const paths = this.#byWatcher.get(w);
          const f = paths?.get(p);
          if (paths === undefined || f === undefined) continue;
          if (this.#v38 && (f & RECURSIVE)) {
            if (!childrenChanged) fired.add(w);
          } else if (level === 0) {
            fired.add(w);
            const nf = f & ~flag(WatcherMode.Standard);
            if (nf === 0) {
              set.delete(w);
              paths.delete(p);
              if (paths.size === 0) this.#byWatcher.delete(w);
            } else if (nf !== f) {
              paths.set(p, nf);
            }
          } else if (f & RECURSIVE) {
            fired.add(w);
          }
        }
        if (set.size === 0) this.#table.delete(p);
      }
      if (!all) break;
      level++;
      if (p === "/") p = "";
      else {
        p = p.substring(0, p.lastIndexOf("/"));
        if (p.length === 0) p = "/";
      }
    }
    if (fired.size === 0) return null;
    if (suppress) { for (const w of suppress) fired.delete(w); }
    return fired;
  }

  /** Whether (path, watcher) has a watch, of `mode` when given (3.8 rules, no mode: whether the path has any watch). */
  containsWatcher(path: string, watcher: W, mode: WatcherMode | null = null): boolean {
    // Apache 3.8's WatchManager.containsWatcher(path, watcher) answers whether
    // anyone watches the path (it never looks the watcher up in the set).
    if (this.#v38 && mode === null) return (this.#table.get(path)?.size ?? 0) > 0;
    const f = this.#byWatcher.get(watcher)?.get(path);
    return f !== undefined && (mode === null || (f & flag(mode)) !== 0);
  }

  /** Removes the watch of (path, watcher), of `mode` or any; returns whether something went. */
  removeWatch(path: string, watcher: W, mode: WatcherMode | null = null): boolean {
    const paths = this.#byWatcher.get(watcher);
    const set = this.#table.get(path);
    if (paths === undefined || set === undefined) return false;
    const old = paths.get(path) ?? 0;
    let next = 0;
    if (mode !== null) {
      next = old & ~flag(mode);
      if (next !== 0) {
        if (next !== old) paths.set(path, next);
      } else if (old !== 0) {
        this.#unwatch(path, watcher, paths, set);
      }
    } else {
      this.#unwatch(path, watcher, paths, set);
    }
    if ((old & RECURSIVE) && !(next & RECURSIVE)) this.#recursive--;
    return old !== next;
  }

  #unwatch(path: string, watcher: W, paths: Map<string, number>, set: Set<W>): void {
    paths.delete(path);
    if (paths.size === 0) this.#byWatcher.delete(watcher);
    set.delete(watcher);
    if (set.size === 0) this.#table.delete(path);
  }

  /** Paths watched by each watcher (for the wchc / wchp reports). */
  byWatcher(): Map<W, string[]> {
    const out = new Map<W, string[]>();
    for (const [w, paths] of this.#byWatcher) out.set(w, [...paths.keys()]);
    return out;
  }

  /** Watchers of each path (for the wchp report). */
  byPath(): Map<string, W[]> {
    const out = new Map<string, W[]>();
    for (const [p, s] of this.#table) out.set(p, [...s]);
    return out;
  }
}
