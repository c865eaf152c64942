/**
 * Znode path rules, as Apache ZooKeeper's PathUtils.validatePath: the one
 * place clients and servers of zkts check paths.
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
 * import { pathError } from "@zkts/jute";
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
