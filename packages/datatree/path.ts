/**
 * Znode path rules, as Apache ZooKeeper's PathUtils.validatePath.
 *
 * @module
 */

import { pathError } from "@zkts/jute";

export { pathError };

/**
 * Checks a znode path as Apache ZooKeeper's PathUtils.validatePath does.
 *
 * @param path the znode path.
 * @param isSequential checks the path as it will be with a sequence suffix.
 * @throws {TypeError} with Apache's message when the path is invalid.
 *
 * @example
 * ```ts
 * import { validatePath } from "@zkts/datatree";
 * import assert from "node:assert/strict";
 * validatePath("/app/lock-", true);
 * assert.throws(() => validatePath("app"), /Path must start with \/ character/);
 * ```
 */
export function validatePath(path: string | null | undefined, isSequential = false): void {
  const e = pathError(path, isSequential);
  if (e !== undefined) throw new TypeError(e);
}

/**
 * Splits a znode path into parent and name at the last "/", as Apache does
 * (the parent of "/a" is "").
 *
 * @example
 * ```ts
 * import { splitPath } from "@zkts/datatree";
 * import assert from "node:assert/strict";
 * assert.deepEqual(splitPath("/app/lock-1"), { parent: "/app", name: "lock-1" });
 * assert.deepEqual(splitPath("/app"), { parent: "", name: "app" });
 * ```
 */
export function splitPath(path: string): { parent: string; name: string } {
  const i = path.lastIndexOf("/");
  return { parent: path.substring(0, i), name: path.substring(i + 1) };
}

/**
 * Formats a sequence number as Apache's `%010d` (sign counted in the width).
 *
 * @example
 * ```ts
 * import { sequenceSuffix } from "@zkts/datatree";
 * import assert from "node:assert/strict";
 * assert.equal(sequenceSuffix(1), "0000000001");
 * assert.equal(sequenceSuffix(-5), "-000000005");
 * ```
 */
export function sequenceSuffix(n: number): string {
  if (n < 0) return "-" + String(-n).padStart(9, "0");
  return String(n).padStart(10, "0");
}
