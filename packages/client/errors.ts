/**
 * Errors the client raises.
 *
 * @module
 */
import { ErrorCode, errorMessage } from "@zkts/jute";

const NAMES = new Map<number, string>(
  Object.entries(ErrorCode).map(([k, v]) => [v as number, k]),
);

/**
 * A ZooKeeper error reply (or a client-side ConnectionLoss, SessionExpired,
 * BadArguments for an invalid path): the numeric code as Apache ZooKeeper
 * has it (`ErrorCode`), and the path involved.
 *
 * @example
 * ```ts
 * import { KeeperError } from "@zkts/client";
 * import { ErrorCode } from "@zkts/jute";
 * import assert from "node:assert/strict";
 * const e = new KeeperError(ErrorCode.NoNode, "/a");
 * assert.equal(e.message, "KeeperErrorCode = NoNode for /a");
 * assert.equal(e.codeName, "NoNode");
 * ```
 */
export class KeeperError extends Error {
  /** The ZooKeeper error code (`ErrorCode`), e.g. -101 for NoNode. */
  readonly code: number;
  /** The path the failed operation named, when there is one. */
  readonly path?: string;
  /** Builds the error; the message is Apache's KeeperException message. */
  constructor(code: number, path?: string) {
    super(errorMessage(code, path));
    this.name = "KeeperError";
    this.code = code;
    this.path = path;
  }
  /** The code's name in `ErrorCode` ("NoNode", "BadVersion", ...). */
  get codeName(): string {
    return NAMES.get(this.code) ?? `Unknown(${this.code})`;
  }
}
