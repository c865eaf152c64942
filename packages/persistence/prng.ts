/**
 * A small seeded pseudo-random generator for deterministic tests and for the
 * randomized log roll: the same seed replays the same faults.
 *
 * @module
 */

/** A source of randomness, injected into pure cores and simulations. */
export interface Random {
  /** A float in [0, 1). */
  next(): number;
}

/**
 * Creates a seeded generator (sfc32 seeded through splitmix32).
 *
 * @param seed any 32-bit integer; the same seed gives the same sequence
 * @returns a {@linkcode Random} with helpers `int(n)` (in [0, n)) and `chance(p)`
 *
 * @example Same seed, same sequence
 * ```ts
 * import { seededRandom } from "@zkts/persistence";
 * import assert from "node:assert/strict";
 * const a = seededRandom(42), b = seededRandom(42);
 * assert.equal(a.int(1000), b.int(1000));
 * ```
 */
export function seededRandom(seed: number): Random & {
  int(n: number): number;
  chance(p: number): boolean;
} {
  let s = seed >>> 0;
  const splitmix = () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = splitmix(), b = splitmix(), c = splitmix(), d = splitmix();
  const next = () => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = ((c << 21) | (c >>> 11)) >>> 0;
    c = (c + t) >>> 0;
    return t / 4294967296;
  };
  return {
    next,
    int: (n: number) => Math.floor(next() * n),
    chance: (p: number) => next() < p,
  };
}
