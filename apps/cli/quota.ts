/**
 * zkCli's quota commands (SetQuotaCommand, ListQuotaCommand,
 * DelQuotaCommand of Apache ZooKeeper 3.8): quotas live under
 * `/zookeeper/quota/<path>/zookeeper_limits` and `zookeeper_stats`, written
 * in StatsTrack's text format, which the server keeps up to date.
 *
 * @module
 */
import { KeeperError } from "@zkts/client";
import { ErrorCode } from "@zkts/jute";

/** Quotas.quotaZookeeper. */
export const QUOTA_ROOT = "/zookeeper/quota";
/** Quotas.limitNode. */
export const LIMIT_NODE = "zookeeper_limits";
/** Quotas.statNode. */
export const STAT_NODE = "zookeeper_stats";

/**
 * StatsTrack: `count=N,bytes=N` and, when hard limits are known,
 * `=;byteHardLimit=N;countHardLimit=N` (the stray `=` is Apache's).
 *
 * @example
 * ```ts
 * import { StatsTrack } from "./quota.ts";
 * import assert from "node:assert/strict";
 * const t = new StatsTrack("count=-1,bytes=-1=;byteHardLimit=-1;countHardLimit=2");
 * assert.equal(t.get("countHardLimit"), 2n);
 * t.set("bytes", 10n);
 * assert.equal(t.toString(), "count=-1,bytes=10=;byteHardLimit=-1;countHardLimit=2");
 * assert.equal(new StatsTrack("count=0,bytes=0").toString(), "count=0,bytes=0");
 * ```
 */
export class StatsTrack {
  #stats = new Map<string, bigint>();

  /** Parses StatsTrack's text; empty text gives an empty track. */
  constructor(text = "") {
    if (text.length === 0) return;
    for (const pair of text.split(/[,;]+/)) {
      if (pair === "") continue;
      const kv = pair.split("=");
      this.#stats.set(kv[0], BigInt(kv[1] === undefined || kv[1] === "" ? "-1" : kv[1]));
    }
  }

  /** A value; -1 when absent. */
  get(key: string): bigint {
    return this.#stats.get(key) ?? -1n;
  }

  /** Sets a value. */
  set(key: string, value: bigint): void {
    this.#stats.set(key, value);
  }

  /** StatsTrack.toString. */
  toString(): string {
    const keys = [...this.#stats.keys()].filter((k) => k !== "count" && k !== "bytes").sort();
    let s = `count=${this.get("count")},bytes=${this.get("bytes")}`;
    if (keys.length > 0) {
      s += "=";
      for (const k of keys) s += `;${k}=${this.#stats.get(k)}`;
    }
    return s;
  }
}

/** The calls the quota commands make (a subset of the client). */
export interface QuotaClient {
  exists(path: string): Promise<unknown | null>;
  getData(path: string): Promise<{ data: Uint8Array | null }>;
  getChildren(path: string): Promise<string[]>;
  create(path: string, data: Uint8Array | null): Promise<string>;
  setData(path: string, data: Uint8Array | null, version?: number): Promise<unknown>;
  delete(path: string, version?: number): Promise<void>;
}

/** An IllegalArgumentException of the quota code: zkCli prints its message. */
export class QuotaArgumentError extends Error {
  /** Builds the error. */
  constructor(message: string) {
    super(message);
    this.name = "QuotaArgumentError";
  }
}

const enc = new TextEncoder();
const dec = new TextDecoder();

async function readTrack(zk: QuotaClient, path: string): Promise<StatsTrack> {
  const { data } = await zk.getData(path);
  return new StatsTrack(data === null ? "" : dec.decode(data));
}

/** Java's `String.split("/")`: trailing empty strings dropped. */
function splitPath(path: string): string[] {
  const parts = path.split("/");
  while (parts.length > 0 && parts[parts.length - 1] === "") parts.pop();
  return parts;
}

/** SetQuotaCommand.checkQuota: the warnings printed on stdout. */
function checkQuota(quota: StatsTrack, stats: StatsTrack, out: (line: string) => void): void {
  const count = stats.get("count");
  const bytes = stats.get("bytes");
  if (
    (quota.get("count") > -1n && quota.get("count") < count) ||
    (quota.get("countHardLimit") > -1n && quota.get("countHardLimit") < count)
  ) {
    out(`[Warning]: the count quota you create is less than the existing count:${count}`);
  }
  if (
    (quota.get("bytes") > -1n && quota.get("bytes") < bytes) ||
    (quota.get("byteHardLimit") > -1n && quota.get("byteHardLimit") < bytes)
  ) {
    out(`[Warning]: the bytes quota you create is less than the existing bytes:${bytes}`);
  }
}

async function ignoreNodeExists(p: Promise<unknown>): Promise<void> {
  try {
    await p;
  } catch (e) {
    if (!(e instanceof KeeperError && e.code === ErrorCode.NodeExists)) throw e;
  }
}

/** Visits `path` and every node below it, as ZKUtil.visitSubTreeDFS (no watches). */
async function visit(
  zk: QuotaClient,
  path: string,
  fn: (p: string) => Promise<void>,
): Promise<void> {
  await zk.getData(path);
  await fn(path);
  const helper = async (p: string): Promise<void> => {
    let children: string[];
    try {
      children = await zk.getChildren(p);
    } catch (e) {
      if (e instanceof KeeperError && e.code === ErrorCode.NoNode) return;
      throw e;
    }
    children.sort();
    const base = p.length === 1 ? p : p + "/";
    for (const c of children) await fn(base + c);
    for (const c of children) await helper(base + c);
  };
  await helper(path);
}

/**
 * SetQuotaCommand.createQuota: checks that no parent or child of `path` has
 * a quota, creates the quota nodes or updates the limits.
 *
 * @throws {QuotaArgumentError} when `path` does not exist or a relative has a quota
 */
export async function createQuota(
  zk: QuotaClient,
  path: string,
  quota: StatsTrack,
  out: (line: string) => void,
): Promise<void> {
  if (await zk.exists(path) === null) throw new QuotaArgumentError(`${path} does not exist.`);
  // checkIfChildQuota
  try {
    await visit(zk, QUOTA_ROOT + path, async (quotaPath) => {
      let children: string[] = [];
      try {
        children = await zk.getChildren(quotaPath);
      } catch (e) {
        if (e instanceof KeeperError && e.code === ErrorCode.NoNode) return;
        throw e;
      }
      for (const child of children) {
        if (quotaPath !== QUOTA_ROOT + path && child === LIMIT_NODE) {
          throw new QuotaArgumentError(
            `${path} has a child ${quotaPath.slice(QUOTA_ROOT.length)} which has a quota`,
          );
        }
      }
    });
  } catch (e) {
    if (!(e instanceof KeeperError && e.code === ErrorCode.NoNode)) throw e;
  }
  // checkIfParentQuota
  const splits = splitPath(path);
  let quotaPath = QUOTA_ROOT;
  for (let i = 1; i < splits.length - 1; i++) {
    quotaPath += "/" + splits[i];
    let children: string[];
    try {
      children = await zk.getChildren(quotaPath);
    } catch (e) {
      if (e instanceof KeeperError && e.code === ErrorCode.NoNode) break;
      throw e;
    }
    if (children.length === 0) break;
    for (const child of children) {
      if (quotaPath !== QUOTA_ROOT + path && child === LIMIT_NODE) {
        throw new QuotaArgumentError(
          `${path} has a parent ${quotaPath.slice(QUOTA_ROOT.length)} which has a quota`,
        );
      }
    }
  }
  if (await zk.exists(QUOTA_ROOT) === null) {
    await ignoreNodeExists(zk.create("/zookeeper", null));
    await ignoreNodeExists(zk.create(QUOTA_ROOT, null));
  }
  quotaPath = QUOTA_ROOT;
  for (let i = 1; i < splits.length; i++) {
    quotaPath += "/" + splits[i];
    if (await zk.exists(quotaPath) === null) await ignoreNodeExists(zk.create(quotaPath, null));
  }
  const statPath = `${quotaPath}/${STAT_NODE}`;
  const limitPath = `${quotaPath}/${LIMIT_NODE}`;
  if (await zk.exists(limitPath) === null) {
    await zk.create(limitPath, enc.encode(quota.toString()));
    const stats = new StatsTrack();
    stats.set("count", 0n);
    stats.set("bytes", 0n);
    await zk.create(statPath, enc.encode(stats.toString()));
    checkQuota(await readTrack(zk, limitPath), await readTrack(zk, statPath), out);
  } else {
    const current = await readTrack(zk, limitPath);
    for (const key of ["count", "bytes", "countHardLimit", "byteHardLimit"]) {
      if (quota.get(key) > -1n) current.set(key, quota.get(key));
    }
    checkQuota(current, await readTrack(zk, statPath), out);
    await zk.setData(limitPath, enc.encode(current.toString()), -1);
  }
}

/**
 * DelQuotaCommand.delQuota: without `quota`, removes the quota nodes (and
 * the emptied parents under /zookeeper/quota); with it, resets the limits
 * it names to -1.
 */
export async function delQuota(
  zk: QuotaClient,
  path: string,
  quota: StatsTrack | null,
  out: (line: string) => void,
): Promise<void> {
  const parentPath = QUOTA_ROOT + path;
  const limitPath = `${parentPath}/${LIMIT_NODE}`;
  if (await zk.exists(limitPath) === null) {
    out(`Quota does not exist for ${path}`);
    return;
  }
  const track = await readTrack(zk, limitPath);
  if (quota === null) {
    for (const child of await zk.getChildren(parentPath)) {
      await zk.delete(`${parentPath}/${child}`, -1);
    }
    // trimProcQuotas: remove emptied parents up to /zookeeper/quota.
    let p = parentPath;
    while (p !== QUOTA_ROOT) {
      if ((await zk.getChildren(p)).length > 0) break;
      await zk.delete(p, -1);
      p = p.slice(0, p.lastIndexOf("/"));
    }
    return;
  }
  for (const key of ["count", "bytes", "countHardLimit", "byteHardLimit"]) {
    if (quota.get(key) > 0n) track.set(key, -1n);
  }
  await zk.setData(limitPath, enc.encode(track.toString()), -1);
}

/** ListQuotaCommand.listQuota: the limits, then the stats. */
export async function listQuota(zk: QuotaClient, path: string): Promise<StatsTrack[]> {
  return [
    await readTrack(zk, `${QUOTA_ROOT}${path}/${LIMIT_NODE}`),
    await readTrack(zk, `${QUOTA_ROOT}${path}/${STAT_NODE}`),
  ];
}
