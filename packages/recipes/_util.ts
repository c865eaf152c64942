/**
 * Private helpers of the recipes: bounded waits (AbortSignal + timeout),
 * retries over connection loss, sequence-number parsing and a one-shot latch.
 *
 * @module
 */
import { KeeperError, type WatchedEvent, type ZooKeeper } from "@zkts/client";
import { ErrorCode, EventType, KeeperState } from "@zkts/jute";

/** Options of every recipe call that may wait. */
export interface WaitOptions {
  /** Gives up when aborted; the promise rejects with `signal.reason`. */
  signal?: AbortSignal;
  /** Gives up after this many ms with a `TimeoutError` DOMException. */
  timeoutMs?: number;
}

/** A signal that aborts on the caller's signal or after `timeoutMs`; dispose to clear the timer. */
export interface Bound extends Disposable {
  readonly signal: AbortSignal;
}

/** Combines `opts.signal` and `opts.timeoutMs` into one signal. */
export function bound(opts: WaitOptions = {}, what = "wait"): Bound {
  const ctl = new AbortController();
  const outer = opts.signal;
  const onAbort = () => ctl.abort(outer?.reason);
  if (outer?.aborted) ctl.abort(outer.reason);
  else outer?.addEventListener("abort", onAbort, { once: true });
  let timer: ReturnType<typeof setTimeout> | undefined;
  if (opts.timeoutMs !== undefined && !ctl.signal.aborted) {
    timer = setTimeout(
      () =>
        ctl.abort(new DOMException(`${what} timed out after ${opts.timeoutMs} ms`, "TimeoutError")),
      Math.max(0, opts.timeoutMs),
    );
  }
  return {
    signal: ctl.signal,
    [Symbol.dispose]() {
      clearTimeout(timer);
      outer?.removeEventListener("abort", onAbort);
    },
  };
}

/** Whether `e` is a KeeperError with one of `codes`. */
export function isCode(e: unknown, ...codes: number[]): e is KeeperError {
  return e instanceof KeeperError && codes.includes(e.code);
}

/** Whether an error means "try again once reconnected" (the op may or may not have applied). */
export function isRetryable(e: unknown): boolean {
  return isCode(e, ErrorCode.ConnectionLoss, ErrorCode.OperationTimeout);
}

/** Races `p` against `signal`: rejects with the signal's reason when it aborts first. */
export function race<T>(p: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return p;
  if (signal.aborted) {
    p.catch(() => {});
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

/** Sleeps `ms`, or rejects when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return race(new Promise<void>((r) => timer = setTimeout(r, ms)), signal).finally(() =>
    clearTimeout(timer)
  );
}

/**
 * Runs `fn` until it does not fail with ConnectionLoss: the client queues
 * requests while it reconnects, so a retry waits for the new connection.
 * SessionExpired and every other error go to the caller, as does an abort.
 */
export async function retry<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
  for (let attempt = 0;; attempt++) {
    signal?.throwIfAborted();
    try {
      return await race(fn(), signal);
    } catch (e) {
      if (!isRetryable(e) || signal?.aborted) throw e;
      await sleep(Math.min(10 * 2 ** attempt, 200), signal);
    }
  }
}

/** A one-shot latch: `open()` resolves `opened`. */
export class Latch {
  #open!: () => void;
  #isOpen = false;
  /** Resolves once {@linkcode Latch.open} was called. */
  readonly opened: Promise<void> = new Promise((r) => this.#open = r);
  /** Opens the latch (idempotent). */
  open = (): void => {
    this.#isOpen = true;
    this.#open();
  };
  /** Whether it is open. */
  get isOpen(): boolean {
    return this.#isOpen;
  }
}

/**
 * Waits for `latch` to open, for `signal` to abort, or for the session to
 * end (then rejects with SessionExpired). Watches survive reconnects (the
 * client re-registers them), so a disconnection alone does not wake it.
 */
export function waitLatch(zk: ZooKeeper, latch: Latch, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const cleanup = () => {
      zk.removeListener(onState);
      signal?.removeEventListener("abort", onAbort);
    };
    const onState = (e: WatchedEvent) => {
      if (e.type !== EventType.None) return;
      if (e.state === KeeperState.Expired || e.state === KeeperState.Closed) {
        cleanup();
        reject(new KeeperError(ErrorCode.SessionExpired));
      }
    };
    const onAbort = () => {
      cleanup();
      reject(signal?.reason);
    };
    if (signal?.aborted) return reject(signal.reason);
    zk.addListener(onState);
    signal?.addEventListener("abort", onAbort, { once: true });
    latch.opened.then(() => {
      cleanup();
      resolve();
    });
  });
}

/** 32 random hex digits: the protection prefix of a sequential node. */
export function guid(): string {
  return crypto.randomUUID().replaceAll("-", "");
}

/** The signed 10-digit sequence suffix of a sequential node's name, or null. */
export function sequenceOf(name: string): number | null {
  const m = /(-?\d{10})$/.exec(name);
  return m ? Number(m[1]) : null;
}

/** Joins a parent path and a child name. */
export function join(parent: string, name: string): string {
  return parent === "/" ? `/${name}` : `${parent}/${name}`;
}

/** The session's state as the recipes see it. */
export type SessionState = "connected" | "suspended" | "lost";

/**
 * Calls `fn` with "suspended" on Disconnected, "connected" on
 * SyncConnected, and "lost" on Expired or Closed. Returns the unsubscriber.
 */
export function onSession(zk: ZooKeeper, fn: (s: SessionState) => void): () => void {
  const l = (e: WatchedEvent) => {
    if (e.type !== EventType.None) return;
    if (e.state === KeeperState.Disconnected) fn("suspended");
    else if (e.state === KeeperState.SyncConnected) fn("connected");
    else if (e.state === KeeperState.Expired || e.state === KeeperState.Closed) fn("lost");
  };
  zk.addListener(l);
  return () => zk.removeListener(l);
}

/** Creates `path` and its parents, retrying over connection loss. */
export async function ensurePath(zk: ZooKeeper, path: string, signal?: AbortSignal): Promise<void> {
  await retry(() => zk.mkdirp(path), signal);
}

/** Creates a sequential node named `<dir>/<prefix><seq>`, surviving a connection loss (the prefix finds it again). */
export async function createProtected(
  zk: ZooKeeper,
  dir: string,
  prefix: string,
  data: Uint8Array | null,
  mode: number,
  signal?: AbortSignal,
): Promise<string> {
  for (let tried = false;;) {
    signal?.throwIfAborted();
    try {
      if (tried) {
        const found = (await race(zk.getChildren(dir), signal)).find((c) => c.startsWith(prefix));
        if (found) return join(dir, found);
      }
      tried = true;
      return await race(zk.create(join(dir, prefix), data, { mode }), signal);
    } catch (e) {
      if (isCode(e, ErrorCode.NoNode)) {
        await ensurePath(zk, dir, signal);
        continue;
      }
      if (!isRetryable(e) || signal?.aborted) throw e;
      await sleep(20, signal);
    }
  }
}

/** Deletes `path`, retrying over connection loss; a missing node is fine. */
export async function deleteQuietly(zk: ZooKeeper, path: string, version = -1): Promise<boolean> {
  for (let attempt = 0; attempt < 100; attempt++) {
    try {
      await zk.delete(path, version);
      return true;
    } catch (e) {
      if (isCode(e, ErrorCode.NoNode)) return false;
      if (!isRetryable(e)) throw e;
      await sleep(20);
    }
  }
  throw new KeeperError(ErrorCode.ConnectionLoss, path);
}

/** A tiny event hub with an async-iterable view. */
export class Emitter<E> {
  #listeners = new Set<(e: E) => void>();
  /** Adds a listener; returns its remover. */
  on(fn: (e: E) => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }
  /** Calls every listener (a throwing listener is reported, not propagated). */
  emit(e: E): void {
    for (const l of [...this.#listeners]) {
      try {
        l(e);
      } catch (err) {
        console.error("zkts recipes: a listener threw", err);
      }
    }
  }
  /** Every event from now on, until `signal` aborts (then the iteration ends). */
  async *stream(signal?: AbortSignal): AsyncGenerator<E> {
    const buf: E[] = [];
    let wake: (() => void) | null = null;
    const off = this.on((e) => {
      buf.push(e);
      wake?.();
    });
    const onAbort = () => wake?.();
    signal?.addEventListener("abort", onAbort);
    try {
      while (!signal?.aborted) {
        if (buf.length > 0) {
          yield buf.shift()!;
          continue;
        }
        await new Promise<void>((r) => wake = r);
        wake = null;
      }
    } finally {
      off();
      signal?.removeEventListener("abort", onAbort);
    }
  }
}
