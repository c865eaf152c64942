/**
 * Counters with optimistic versions: a shared counter (Curator's
 * `SharedCount`: a 4-byte big-endian int) and an atomic long (Curator's
 * `DistributedAtomicLong`: 8-byte big-endian), both updated with
 * `setData(path, value, version)` and retried on BadVersion.
 *
 * @module
 */
import type { ZooKeeper } from "@zkts/client";
import { ErrorCode } from "@zkts/jute";
import { isCode, retry } from "./_util.ts";

/** The outcome of a compare-and-set. */
export interface CasResult<V> {
  /** Whether the value was written. */
  succeeded: boolean;
  /** The value before. */
  preValue: V;
  /** The value after (the pre-value when it failed). */
  postValue: V;
}

async function readOrCreate(
  zk: ZooKeeper,
  path: string,
  init: Uint8Array,
): Promise<{ data: Uint8Array; version: number }> {
  for (;;) {
    try {
      const { data, stat } = await retry(() => zk.getData(path));
      return { data: data ?? new Uint8Array(), version: stat.version };
    } catch (e) {
      if (!isCode(e, ErrorCode.NoNode)) throw e;
    }
    const i = path.lastIndexOf("/");
    if (i > 0) await retry(() => zk.mkdirp(path.slice(0, i)));
    try {
      await retry(() => zk.create(path, init));
    } catch (e) {
      if (!isCode(e, ErrorCode.NodeExists)) throw e;
    }
  }
}

/**
 * A 64-bit counter updated optimistically (8 bytes big-endian, as Curator's
 * `DistributedAtomicLong`).
 *
 * @example
 * ```ts ignore
 * import { AtomicLong } from "@zkts/recipes";
 * const ids = new AtomicLong(zk, "/counters/ids");
 * const { postValue } = await ids.increment(); // 1n on a new counter
 * ```
 */
export class AtomicLong {
  #zk: ZooKeeper;
  #path: string;
  /** The counter at `path` (created as 0 on first use). */
  constructor(zk: ZooKeeper, path: string) {
    this.#zk = zk;
    this.#path = path;
  }
  /** The current value. */
  async get(): Promise<bigint> {
    return decodeLong((await readOrCreate(this.#zk, this.#path, encodeLong(0n))).data);
  }
  /** Writes `value` unconditionally. */
  async forceSet(value: bigint): Promise<void> {
    await readOrCreate(this.#zk, this.#path, encodeLong(0n));
    await retry(() => this.#zk.setData(this.#path, encodeLong(value)));
  }
  /** Writes `next` when the value is `expected`. */
  async compareAndSet(expected: bigint, next: bigint): Promise<CasResult<bigint>> {
    for (;;) {
      const { data, version } = await readOrCreate(this.#zk, this.#path, encodeLong(0n));
      const pre = decodeLong(data);
      if (pre !== expected) return { succeeded: false, preValue: pre, postValue: pre };
      if (await this.#write(next, version)) {
        return { succeeded: true, preValue: pre, postValue: next };
      }
    }
  }
  /** Adds `delta` (retrying on concurrent updates). */
  async add(delta: bigint): Promise<CasResult<bigint>> {
    for (;;) {
      const { data, version } = await readOrCreate(this.#zk, this.#path, encodeLong(0n));
      const pre = decodeLong(data);
      const post = BigInt.asIntN(64, pre + delta);
      if (await this.#write(post, version)) {
        return { succeeded: true, preValue: pre, postValue: post };
      }
    }
  }
  /** Adds 1. */
  increment(): Promise<CasResult<bigint>> {
    return this.add(1n);
  }
  /** Subtracts 1. */
  decrement(): Promise<CasResult<bigint>> {
    return this.add(-1n);
  }
  async #write(value: bigint, version: number): Promise<boolean> {
    try {
      await this.#zk.setData(this.#path, encodeLong(value), version);
      return true;
    } catch (e) {
      // ConnectionLoss: the write may have applied; re-read and decide again
      // (a second add after a lost reply is the one thing a CAS cannot tell;
      // Curator has the same limit).
      if (isCode(e, ErrorCode.BadVersion, ErrorCode.ConnectionLoss)) return false;
      throw e;
    }
  }
}

/**
 * A shared 32-bit counter with versions (Curator's `SharedCount`): read the
 * value and its version, write only if nobody did in between.
 *
 * @example
 * ```ts ignore
 * import { SharedCounter } from "@zkts/recipes";
 * const c = new SharedCounter(zk, "/counters/visits");
 * const { value, version } = await c.getVersioned();
 * await c.trySet(value + 1, version); // false when someone else wrote first
 * ```
 */
export class SharedCounter {
  #zk: ZooKeeper;
  #path: string;
  #init: number;
  /** The counter at `path`, created as `initial` (default 0) on first use. */
  constructor(zk: ZooKeeper, path: string, initial = 0) {
    this.#zk = zk;
    this.#path = path;
    this.#init = initial;
  }
  /** The value and the version to pass to {@linkcode SharedCounter.trySet}. */
  async getVersioned(): Promise<{ value: number; version: number }> {
    const { data, version } = await readOrCreate(this.#zk, this.#path, encodeInt(this.#init));
    return { value: decodeInt(data), version };
  }
  /** The value. */
  async get(): Promise<number> {
    return (await this.getVersioned()).value;
  }
  /** Writes `value` when the version is still `version`. */
  async trySet(value: number, version: number): Promise<boolean> {
    try {
      await retry(() => this.#zk.setData(this.#path, encodeInt(value), version));
      return true;
    } catch (e) {
      if (isCode(e, ErrorCode.BadVersion)) return false;
      throw e;
    }
  }
  /** Writes `value` unconditionally. */
  async set(value: number): Promise<void> {
    await readOrCreate(this.#zk, this.#path, encodeInt(this.#init));
    await retry(() => this.#zk.setData(this.#path, encodeInt(value)));
  }
  /** Adds `delta` with optimistic retries; returns the new value. */
  async add(delta: number): Promise<number> {
    for (;;) {
      const { value, version } = await this.getVersioned();
      const next = (value + delta) | 0;
      try {
        await this.#zk.setData(this.#path, encodeInt(next), version);
        return next;
      } catch (e) {
        if (!isCode(e, ErrorCode.BadVersion, ErrorCode.ConnectionLoss)) throw e;
      }
    }
  }
}

/**
 * A long as Curator's `DistributedAtomicLong` stores it: 8 bytes big-endian.
 *
 * @example
 * ```ts
 * import { decodeLong, encodeLong } from "@zkts/recipes";
 * import assert from "node:assert/strict";
 * assert.deepEqual([...encodeLong(258n)], [0, 0, 0, 0, 0, 0, 1, 2]);
 * assert.equal(decodeLong(encodeLong(-5n)), -5n);
 * ```
 */
export function encodeLong(v: bigint): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigInt64(0, v);
  return b;
}
/**
 * The long in 8 bytes big-endian data (shorter data, e.g. empty, is 0).
 *
 * @example
 * ```ts
 * import { decodeLong } from "@zkts/recipes";
 * import assert from "node:assert/strict";
 * assert.equal(decodeLong(new Uint8Array([0, 0, 0, 0, 0, 0, 0, 9])), 9n);
 * assert.equal(decodeLong(new Uint8Array()), 0n);
 * ```
 */
export function decodeLong(b: Uint8Array): bigint {
  if (b.length < 8) return 0n;
  return new DataView(b.buffer, b.byteOffset, 8).getBigInt64(0);
}
function encodeInt(v: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setInt32(0, v);
  return b;
}
function decodeInt(b: Uint8Array): number {
  if (b.length < 4) return 0;
  return new DataView(b.buffer, b.byteOffset, 4).getInt32(0);
}
