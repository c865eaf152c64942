/**
 * Quotas under /zookeeper/quota, as Apache ZooKeeper's Quotas and StatsTrack.
 *
 * @module
 */

/** Quotas.procZookeeper. */
export const PROC_ZOOKEEPER = "/zookeeper";
/** Quotas.quotaZookeeper. */
export const QUOTA_ZOOKEEPER = "/zookeeper/quota";
/** ZooDefs.CONFIG_NODE. */
export const CONFIG_NODE = "/zookeeper/config";
/** Quotas.limitNode. */
export const LIMIT_NODE = "zookeeper_limits";
/** Quotas.statNode. */
export const STAT_NODE = "zookeeper_stats";

/**
 * The limit node path of a quota root, as Quotas.limitPath.
 *
 * @example
 * ```ts
 * import { quotaLimitPath, quotaStatPath } from "@zkts/datatree";
 * import assert from "node:assert/strict";
 * assert.equal(quotaLimitPath("/app"), "/zookeeper/quota/app/zookeeper_limits");
 * assert.equal(quotaStatPath("/app"), "/zookeeper/quota/app/zookeeper_stats");
 * ```
 */
export function quotaLimitPath(path: string): string {
  return QUOTA_ZOOKEEPER + path + "/" + LIMIT_NODE;
}

/**
 * The stat node path of a quota root, as Quotas.statPath.
 *
 * @example
 * ```ts
 * import { quotaStatPath } from "@zkts/datatree";
 * import assert from "node:assert/strict";
 * assert.equal(quotaStatPath("/a/b"), "/zookeeper/quota/a/b/zookeeper_stats");
 * ```
 */
export function quotaStatPath(path: string): string {
  return QUOTA_ZOOKEEPER + path + "/" + STAT_NODE;
}

import { javaSplit } from "./_javahash.ts";

const dec = new TextDecoder();
const enc = new TextEncoder();

/**
 * Quota counters and limits in Apache's text format ("count=5,bytes=100",
 * 3.7+ hard limits after an extra "=": "count=5,bytes=100=;byteHardLimit=..").
 * A missing value reads as -1.
 *
 * @example
 * ```ts
 * import { StatsTrack } from "@zkts/datatree";
 * import assert from "node:assert/strict";
 * const t = StatsTrack.parse("count=10,bytes=-1");
 * assert.equal(t.count, 10n);
 * t.set("countHardLimit", 20n);
 * assert.equal(t.toString(), "count=10,bytes=-1=;countHardLimit=20");
 * ```
 */
export class StatsTrack {
  #stats = new Map<string, bigint>();

  /** Parses Apache's text (bytes or string); empty input gives no values. */
  static parse(text: string | Uint8Array | null): StatsTrack {
    const t = new StatsTrack();
    const s = text === null ? "" : typeof text === "string" ? text : dec.decode(text);
    if (s.length === 0) return t;
    for (const pair of s.split(/[,;]+/)) {
      const kv = javaSplit(pair, "=");
      const v = kv[1] === undefined || kv[1] === "" ? "-1" : kv[1];
      if (!/^[+-]?\d+$/.test(v)) throw new TypeError(`StatsTrack: bad number "${v}" in "${s}"`);
      t.#stats.set(kv[0], BigInt(v));
    }
    return t;
  }

  /** A value, or -1n when absent. */
  get(key: string): bigint {
    return this.#stats.get(key) ?? -1n;
  }
  /** Sets a value. */
  set(key: string, v: bigint): void {
    this.#stats.set(key, v);
  }
  /** The `count` entry: znodes under the quota path (stats), or the count quota (limits); -1n when absent. */
  get count(): bigint {
    return this.get("count");
  }
  set count(v: bigint) {
    this.set("count", v);
  }
  /** The `bytes` entry: data bytes under the quota path (stats), or the byte quota (limits); -1n when absent. */
  get bytes(): bigint {
    return this.get("bytes");
  }
  set bytes(v: bigint) {
    this.set("bytes", v);
  }
  /** The `countHardLimit` entry: the hard count quota; -1n when absent. */
  get countHardLimit(): bigint {
    return this.get("countHardLimit");
  }
  /** The `byteHardLimit` entry: the hard byte quota; -1n when absent. */
  get byteHardLimit(): bigint {
    return this.get("byteHardLimit");
  }

  /** Apache's StatsTrack.toString. */
  toString(): string {
    const keys = [...this.#stats.keys()].filter((k) => k !== "count" && k !== "bytes");
    let s = `count=${this.count},bytes=${this.bytes}`;
    if (keys.length > 0) {
      s += "=";
      keys.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      for (const k of keys) s += `;${k}=${this.#stats.get(k)}`;
    }
    return s;
  }

  /** UTF-8 bytes of `toString()`. */
  toBytes(): Uint8Array {
    return enc.encode(this.toString());
  }
}
