/**
 * A ZooKeeper error with its numeric code (KeeperException.Code), carrying
 * what the server writes into the reply header.
 *
 * @example
 * ```ts
 * import { KeeperError } from "@zkts/datatree";
 * import assert from "node:assert/strict";
 * const e = new KeeperError(-101, { op: "getData", path: "/missing" });
 * assert.equal(e.code, -101);
 * assert.match(e.message, /getData \/missing/);
 * ```
 */
export class KeeperError extends Error {
  /** The KeeperException.Code value, e.g. -101 for NoNode. */
  readonly code: number;
  /** The path concerned, when there is one. */
  readonly path?: string;

  /**
   * Creates the error; its message names the code and, when given, the action, the path and the reason.
   *
   * @param code KeeperException.Code value.
   * @param detail the action and the value concerned.
   */
  constructor(code: number, detail: { op?: string; path?: string; reason?: string } = {}) {
    super(
      `KeeperError ${code}${detail.op ? ` on ${detail.op}` : ""}${
        detail.path !== undefined ? ` ${detail.path}` : ""
      }${detail.reason ? `: ${detail.reason}` : ""}`,
    );
    this.name = "KeeperError";
    this.code = code;
    this.path = detail.path;
  }
}
