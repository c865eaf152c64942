/**
 * Znode path rules, as Apache ZooKeeper's PathUtils.validatePath.
 *
 * @module
 */

/**
 * Why `path` is not a valid znode path, in Apache ZooKeeper's words
 * (PathUtils.validatePath), or `undefined` when it is valid.
 *
 * @param path the znode path.
 * @param isSequential checks the path as it will be with a sequence suffix.
 * @returns the IllegalArgumentException message Apache gives, or undefined.
 *
 * @example
 * ```ts
 * import { pathError } from "@zkts/datatree";
 * import assert from "node:assert/strict";
 * assert.equal(pathError("/app/lock-1"), undefined);
 * assert.equal(pathError("/app/"), "Path must not end with / character");
 * assert.equal(pathError("/a//b"), 'Invalid path string "/a//b" caused by empty node name specified @3');
 * ```
 */
export function pathError(
  path: string | null | undefined,
  isSequential = false,
): string | undefined {
  if (path === null || path === undefined) return "Path cannot be null";
  if (isSequential) path = path + "1";
  if (path.length === 0) return "Path length must be > 0";
  if (path.charCodeAt(0) !== 0x2f) return "Path must start with / character";
  if (path.length === 1) return undefined;
  if (path.charCodeAt(path.length - 1) === 0x2f) return "Path must not end with / character";
  let reason: string | undefined;
  let lastc = 0x2f;
  const n = path.length;
  for (let i = 1; i < n; lastc = path.charCodeAt(i), i++) {
    const c = path.charCodeAt(i);
    if (c === 0) {
      reason = "null character not allowed @" + i;
      break;
    } else if (c === 0x2f && lastc === 0x2f) {
      reason = "empty node name specified @" + i;
      break;
    } else if (c === 0x2e && lastc === 0x2e) {
      if (path.charCodeAt(i - 2) === 0x2f && (i + 1 === n || path.charCodeAt(i + 1) === 0x2f)) {
        reason = "relative paths not allowed @" + i;
        break;
      }
    } else if (c === 0x2e) {
      if (path.charCodeAt(i - 1) === 0x2f && (i + 1 === n || path.charCodeAt(i + 1) === 0x2f)) {
        reason = "relative paths not allowed @" + i;
        break;
      }
    } else if (
      (c > 0 && c <= 0x1f) || (c >= 0x7f && c <= 0x9f) || (c >= 0xd800 && c <= 0xf8ff) ||
      (c >= 0xfff0 && c <= 0xffff)
    ) {
      reason = "invalid character @" + i;
      break;
    }
  }
  return reason === undefined ? undefined : `Invalid path string "${path}" caused by ${reason}`;
}

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
