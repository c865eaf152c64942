/**
 * Client-side path rules and connect strings, as Apache's PathUtils and
 * ConnectStringParser have them.
 *
 * @module
 */
import { ErrorCode, pathError } from "@zkts/jute";
import { KeeperError } from "./errors.ts";

/** Why `path` is not a valid znode path (PathUtils.validatePath), or undefined when it is. */
export function pathProblem(path: string, isSequential = false): string | undefined {
  return pathError(path, isSequential);
}

/** An invalid path, refused before it is sent. */
export class InvalidPathError extends KeeperError {
  /** The reason, in PathUtils' words. */
  readonly reason: string;
  /** Builds the error. */
  constructor(path: string, reason: string) {
    super(ErrorCode.BadArguments, path);
    this.name = "InvalidPathError";
    this.reason = reason;
    this.message = reason;
  }
}

/**
 * Throws {@linkcode InvalidPathError} (code BadArguments) for a path the
 * server would refuse.
 *
 * @example
 * ```ts
 * import { validatePath } from "@zkts/client";
 * import assert from "node:assert/strict";
 * validatePath("/app/x");
 * assert.throws(() => validatePath("/app/"), /must not end with/);
 * ```
 */
export function validatePath(path: string, isSequential = false): void {
  const p = pathProblem(path, isSequential);
  if (p) throw new InvalidPathError(path, p);
}

/** A parsed connect string. */
export interface ConnectString {
  /** The servers, in the connect string's order; a port not given is 2181. */
  hosts: { host: string; port: number }[];
  /** The chroot ("" for none), e.g. "/app". */
  chroot: string;
}

/**
 * Parses `host:port,host:port/chroot` (ConnectStringParser); the port
 * defaults to 2181, IPv6 hosts go in brackets.
 *
 * @example
 * ```ts
 * import { parseConnectString } from "@zkts/client";
 * import assert from "node:assert/strict";
 * assert.deepEqual(parseConnectString("a:1,b/app"), {
 *   hosts: [{ host: "a", port: 1 }, { host: "b", port: 2181 }],
 *   chroot: "/app",
 * });
 * ```
 */
export function parseConnectString(s: string): ConnectString {
  if (!s) throw new Error("Connect string cannot be null or empty");
  let chroot = "";
  const slash = s.indexOf("/");
  if (slash >= 0) {
    chroot = s.slice(slash);
    s = s.slice(0, slash);
    if (chroot.length === 1) chroot = "";
    else validatePath(chroot);
  }
  const hosts = s.split(",").map((h) => h.trim()).filter((h) => h.length > 0).map((h) => {
    let host = h;
    let port = 2181;
    if (h.startsWith("[")) {
      const end = h.indexOf("]");
      host = h.slice(1, end);
      if (h[end + 1] === ":") port = Number(h.slice(end + 2));
    } else {
      const colon = h.lastIndexOf(":");
      if (colon >= 0) {
        host = h.slice(0, colon);
        port = Number(h.slice(colon + 1));
      }
    }
    if (!Number.isInteger(port) || port <= 0 || port > 65535) {
      throw new Error(`Invalid port in connect string: ${h}`);
    }
    return { host, port };
  });
  if (hosts.length === 0) throw new Error("Connect string has no hosts");
  return { hosts, chroot };
}
