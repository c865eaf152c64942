/**
 * Helpers shared by the interop tests: comparing two servers' outputs line by
 * line.
 *
 * @module
 */

/**
 * The first differing line of two outputs (Apache's first), or null.
 *
 * @example
 * ```ts
 * import { firstLineDiff } from "./compare.ts";
 * import assert from "node:assert/strict";
 * assert.equal(firstLineDiff("a\nb", "a\nb"), null);
 * assert.equal(firstLineDiff("a\nb", "a\nc"), "line 2:\n  Apache: b\n  zkts:   c");
 * ```
 */
export function firstLineDiff(a: string, b: string): string | null {
  const x = a.split("\n");
  const y = b.split("\n");
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    if (x[i] !== y[i]) {
      return `line ${i + 1}:\n  Apache: ${x[i]}\n  zkts:   ${y[i]}`;
    }
  }
  return null;
}
