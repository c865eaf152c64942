/**
 * When to roll the txn log and take a snapshot, as Apache ZooKeeper's
 * SyncRequestProcessor decides: after more than `snapCount / 2 + randRoll`
 * txns (or `snapSizeInBytes / 2 + randSize` bytes) since the last roll, with
 * the random parts drawn anew after each roll so replicas do not snapshot
 * together. Pure: the randomness is injected.
 *
 * @module
 */
import type { Random } from "./prng.ts";

/** Apache's default `zookeeper.snapCount`. */
export const SNAP_COUNT_DEFAULT = 100_000;
/** Apache's default `zookeeper.snapSizeLimitInKb` (4 GiB), in bytes. */
export const SNAP_SIZE_BYTES_DEFAULT = 4_194_304 * 1024;

/** The random offsets of one roll period. */
export interface RollJitter {
  /** In [0, snapCount / 2). */
  randRoll: number;
  /** In [0, snapSizeInBytes / 2). */
  randSize: number;
}

/**
 * Draws the random offsets for the next roll period (SyncRequestProcessor.resetSnapshotStats).
 *
 * @param snapCount txns between snapshots (Apache's `snapCount`)
 * @param snapSizeInBytes log bytes between snapshots; 0 or less turns the size rule off
 * @param random the injected randomness
 *
 * @example
 * ```ts
 * import { rollJitter, seededRandom } from "@zkts/persistence";
 * import assert from "node:assert/strict";
 * const j = rollJitter(100_000, 0, seededRandom(7));
 * assert.ok(j.randRoll >= 0 && j.randRoll < 50_000);
 * ```
 */
export function rollJitter(snapCount: number, snapSizeInBytes: number, random: Random): RollJitter {
  const halfCount = Math.floor(snapCount / 2);
  const halfSize = Math.floor(snapSizeInBytes / 2);
  return {
    randRoll: halfCount > 0 ? Math.floor(random.next() * halfCount) : 0,
    randSize: halfSize > 0 ? Math.floor(random.next() * halfSize) : 0,
  };
}

/** What {@linkcode shouldRoll} looks at. */
export interface RollState {
  /** Txns logged since the last roll. */
  logCount: number;
  /** Log bytes written since the last roll. */
  logBytes: number;
  /** Txns between snapshots (Apache's `snapCount`); a roll comes after half of it plus `jitter.randRoll`. */
  snapCount: number;
  /** 0 or less turns the size rule off. */
  snapSizeInBytes: number;
  /** This period's random offsets, so the servers of an ensemble do not roll at once. */
  jitter: RollJitter;
}

/**
 * Whether to roll the log and take a snapshot now (SyncRequestProcessor.shouldSnapshot).
 *
 * @example
 * ```ts
 * import { shouldRoll } from "@zkts/persistence";
 * import assert from "node:assert/strict";
 * const base = { logBytes: 0, snapCount: 10, snapSizeInBytes: 0, jitter: { randRoll: 2, randSize: 0 } };
 * assert.equal(shouldRoll({ ...base, logCount: 7 }), false);
 * assert.equal(shouldRoll({ ...base, logCount: 8 }), true);
 * ```
 */
export function shouldRoll(s: RollState): boolean {
  return s.logCount > Math.floor(s.snapCount / 2) + s.jitter.randRoll ||
    (s.snapSizeInBytes > 0 && s.logBytes > Math.floor(s.snapSizeInBytes / 2) + s.jitter.randSize);
}

/**
 * SyncRequestProcessor's counting, kept: count each txn appended with
 * {@linkcode RollCounter.append}; it says when to roll the log and snapshot,
 * and draws the next period's random offsets itself.
 *
 * @example Roll somewhere between 50 and 100 txns
 * ```ts
 * import { RollCounter, seededRandom } from "@zkts/persistence";
 * import assert from "node:assert/strict";
 * const c = new RollCounter(100, 0, seededRandom(1));
 * let n = 1;
 * while (!c.append()) n++;
 * assert.ok(n > 50 && n <= 100);
 * ```
 */
export class RollCounter {
  #snapCount: number;
  #snapSizeInBytes: number;
  #random: Random;
  #jitter: RollJitter;
  #count = 0;
  #bytes = 0;

  /**
   * Creates a counter at zero, with this period's random offsets drawn.
   *
   * @param snapCount txns between snapshots (Apache's `snapCount`)
   * @param snapSizeInBytes log bytes between snapshots; 0 turns the size rule off
   * @param random the injected randomness
   */
  constructor(snapCount: number, snapSizeInBytes: number, random: Random) {
    this.#snapCount = snapCount;
    this.#snapSizeInBytes = snapSizeInBytes;
    this.#random = random;
    this.#jitter = rollJitter(snapCount, snapSizeInBytes, random);
  }

  /**
   * One txn of `bytes` was appended.
   *
   * @returns whether to roll the log and take a snapshot now (the count starts again)
   */
  append(bytes = 0): boolean {
    this.#count++;
    this.#bytes += bytes;
    const roll = shouldRoll({
      logCount: this.#count,
      logBytes: this.#bytes,
      snapCount: this.#snapCount,
      snapSizeInBytes: this.#snapSizeInBytes,
      jitter: this.#jitter,
    });
    if (roll) {
      this.#count = 0;
      this.#bytes = 0;
      this.#jitter = rollJitter(this.#snapCount, this.#snapSizeInBytes, this.#random);
    }
    return roll;
  }
}
