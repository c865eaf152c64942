/**
 * The chaos harness's client workloads, run with the zkts client against a
 * {@linkcode Cluster}: each client is one session pinned to one member and is
 * one process in the history; an op with an unknown outcome (info) ends the
 * process, and the client goes on as a new process with a new session (a
 * process runs one op at a time, and an info op never ends).
 *
 * - register: `/chaos/r<k>` holds a number; read = `sync` then `getData` on the
 *   client's member, write = `setData(v, -1)`, cas = `setData(v, version)`
 *   (BadVersion: fail, definitely not applied).
 * - sequential: `create /chaos/seq/n-` PERSISTENT_SEQUENTIAL; every name
 *   answered is kept for the end: unique, increasing per client, present.
 *
 * @module
 */
import { KeeperError, ZooKeeper } from "@zkts/client";
import { CreateMode, ErrorCode } from "@zkts/jute";
import type { HistoryRecorder } from "./history.ts";
import type { SequentialCreate } from "./checker.ts";
import type { Cluster } from "./cluster.ts";
import type { Prng } from "./nemesis.ts";

/** The parent of the sequential counter's znodes. */
export const SEQ_PARENT = "/chaos/seq";

/** The register keys of a run with `n` keys. */
export function registerKeys(n: number): string[] {
  return Array.from({ length: n }, (_, k) => `/chaos/r${k}`);
}

/** Options of {@linkcode runWorkload}. */
export interface WorkloadOptions {
  cluster: Cluster;
  recorder: HistoryRecorder;
  random: Prng;
  /** Register keys. */
  keys: string[];
  /** Clients per member. Default 1. */
  clientsPerMember?: number;
  /** Requested session timeout (ms). Default 4000. */
  sessionTimeoutMs?: number;
  /** An op not answered in this long is info (ms). Default 6000. */
  opTimeoutMs?: number;
  /** Pause between a client's ops (ms), drawn in [0, thinkMs). Default 40. */
  thinkMs?: number;
  /** Share of ops that are sequential creates. Default 0.15. */
  sequentialShare?: number;
  /**
   * Reads without `sync` first (the harness's self-test: a follower may then
   * answer stale data, which the checker must catch). Default false.
   */
  readsWithoutSync?: boolean;
  /**
   * The first value written; the run's values count up from it. Runs of one
   * invocation start far apart, so a value from another run would show.
   * Default 1.
   */
  firstValue?: number;
}

/** What the clients did, for the end-of-run checks. */
export interface WorkloadResult {
  /** setData answered ok: the key, the value and the Stat's version. */
  acked: { key: string; version: number; value: unknown }[];
  /** Sequential creates answered ok, in each client's ack order. */
  sequential: SequentialCreate[];
  /** Every op count by outcome. */
  counts: { ok: number; fail: number; info: number };
}

/** A running workload: `stop()` ends every client and returns what they did. */
export interface Workload {
  stop(): Promise<WorkloadResult>;
}

const enc = new TextEncoder();
const dec = new TextDecoder();

/** Creates `/chaos`, the registers (value 0) and the sequential parent through member 1..n. */
export async function setup(cluster: Cluster, keys: string[]): Promise<void> {
  const zk = await ZooKeeper.connect(cluster.connectString(), { sessionTimeoutMs: 10_000 });
  try {
    for (const p of ["/chaos", SEQ_PARENT, ...keys]) {
      try {
        await zk.create(p, enc.encode("0"));
      } catch (e) {
        if (!(e instanceof KeeperError && e.code === ErrorCode.NodeExists)) throw e;
      }
    }
  } finally {
    await zk.close();
  }
}

/** Whether an error says nothing happened: the op was refused as asked. */
function definite(e: unknown): boolean {
  return e instanceof KeeperError &&
    (e.code === ErrorCode.BadVersion || e.code === ErrorCode.NoNode);
}

function errorText(e: unknown): string {
  return e instanceof KeeperError ? e.codeName : String((e as Error)?.message ?? e);
}

class Timeout extends Error {
  constructor(ms: number) {
    super(`no answer in ${ms} ms`);
  }
}

function within<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => timer = setTimeout(() => reject(new Timeout(ms)), ms)),
  ]).finally(() => clearTimeout(timer));
}

/**
 * Starts the clients (bounded: each stops at `stop()`); every op is recorded.
 *
 * @returns the running workload
 */
export function runWorkload(opts: WorkloadOptions): Workload {
  const { cluster, recorder, random, keys } = opts;
  const sessionTimeoutMs = opts.sessionTimeoutMs ?? 4000;
  const opTimeoutMs = opts.opTimeoutMs ?? 6000;
  const thinkMs = opts.thinkMs ?? 40;
  const seqShare = opts.sequentialShare ?? 0.15;
  const result: WorkloadResult = { acked: [], sequential: [], counts: { ok: 0, fail: 0, info: 0 } };
  let stopping = false;
  let nextProcess = 0;
  let nextValue = opts.firstValue ?? 1;
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  async function client(member: number, r: Prng): Promise<void> {
    const node = `zk${member}`;
    while (!stopping) {
      const process = nextProcess++;
      let zk: ZooKeeper;
      try {
        zk = await within(
          ZooKeeper.connect(cluster.connectString([member]), { sessionTimeoutMs }),
          sessionTimeoutMs * 2,
        );
      } catch {
        await sleep(200);
        continue;
      }
      const versions = new Map<string, number>();
      try {
        // One process: ops until one ends unknown (info), then a new session.
        while (!stopping) {
          await sleep(r.int(thinkMs));
          if (stopping) break;
          const info = r.float() < seqShare
            ? await sequential(zk, process, node)
            : await register(zk, process, node, r, versions);
          if (info) break;
        }
      } finally {
        // close() waits for the server; a partitioned member may never answer.
        await within(zk.close(), 1000).catch(() => {});
      }
    }
  }

  async function register(
    zk: ZooKeeper,
    process: number,
    node: string,
    r: Prng,
    versions: Map<string, number>,
  ): Promise<boolean> {
    const key = keys[r.int(keys.length)];
    const roll = r.float();
    // The self-test reads more: a stale read needs a read in the minority's few seconds.
    if (roll < (opts.readsWithoutSync ? 0.85 : 0.4)) {
      const i = recorder.invoke(process, key, "read", undefined, node);
      try {
        const { data, stat } = await within(
          opts.readsWithoutSync ? zk.getData(key) : zk.sync(key).then(() => zk.getData(key)),
          opTimeoutMs,
        );
        const value = Number(dec.decode(data ?? new Uint8Array()));
        versions.set(key, stat.version);
        recorder.complete(i, "ok", { value, version: stat.version });
        result.counts.ok++;
      } catch (e) {
        // A read changes nothing: whatever went wrong, it is a fail.
        recorder.complete(i, "fail", undefined, errorText(e));
        result.counts.fail++;
        return !(e instanceof KeeperError) || e.code === ErrorCode.SessionExpired;
      }
      return false;
    }
    const value = nextValue++;
    const cas = roll >= (opts.readsWithoutSync ? 0.95 : 0.7);
    const expected = cas ? (versions.get(key) ?? 0) + (r.float() < 0.2 ? 1 : 0) : -1;
    const i = cas
      ? recorder.invoke(process, key, "cas", [expected, value], node)
      : recorder.invoke(process, key, "write", value, node);
    try {
      const stat = await within(zk.setData(key, enc.encode(String(value)), expected), opTimeoutMs);
      versions.set(key, stat.version);
      recorder.complete(i, "ok", { version: stat.version });
      result.acked.push({ key, version: stat.version, value });
      result.counts.ok++;
      return false;
    } catch (e) {
      if (definite(e)) {
        recorder.complete(i, "fail", undefined, errorText(e));
        result.counts.fail++;
        return false;
      }
      recorder.complete(i, "info", undefined, errorText(e));
      result.counts.info++;
      return true;
    }
  }

  async function sequential(zk: ZooKeeper, process: number, node: string): Promise<boolean> {
    try {
      const path = await within(
        zk.create(`${SEQ_PARENT}/n-`, enc.encode(node), { mode: CreateMode.PersistentSequential }),
        opTimeoutMs,
      );
      result.sequential.push({ process, name: path.slice(SEQ_PARENT.length + 1) });
      return false;
    } catch (e) {
      return !(e instanceof KeeperError && e.code === ErrorCode.NodeExists);
    }
  }

  const per = opts.clientsPerMember ?? 1;
  const clients: Promise<void>[] = [];
  for (let c = 0; c < per; c++) {
    for (const m of cluster.members) clients.push(client(m.id, random.fork()));
  }
  return {
    async stop() {
      stopping = true;
      await Promise.all(clients);
      return result;
    },
  };
}

/**
 * Reads every register and every sequential name through a fresh session on
 * `member` after `sync`.
 *
 * @returns each key's value and version, and the sequential parent's children
 */
export async function readFinal(
  cluster: Cluster,
  member: number,
  keys: string[],
): Promise<{ registers: Map<string, { value: unknown; version: number }>; seq: string[] }> {
  const zk = await within(
    ZooKeeper.connect(cluster.connectString([member]), { sessionTimeoutMs: 10_000 }),
    20_000,
  );
  try {
    const registers = new Map<string, { value: unknown; version: number }>();
    await within(zk.sync("/"), 10_000);
    for (const key of keys) {
      const { data, stat } = await within(zk.getData(key), 10_000);
      registers.set(key, {
        value: Number(dec.decode(data ?? new Uint8Array())),
        version: stat.version,
      });
    }
    const seq = await within(zk.getChildren(SEQ_PARENT), 10_000);
    return { registers, seq };
  } finally {
    await within(zk.close(), 2000).catch(() => {});
  }
}

/**
 * One write through a fresh session on `member`: how the recovery phase knows
 * the ensemble serves again.
 *
 * @returns whether it was acknowledged within `timeoutMs`
 */
export async function probeWrite(
  cluster: Cluster,
  member: number,
  timeoutMs: number,
): Promise<boolean> {
  let zk: ZooKeeper | undefined;
  try {
    zk = await within(
      ZooKeeper.connect(cluster.connectString([member]), { sessionTimeoutMs: 4000 }),
      timeoutMs,
    );
    await within(zk.setData("/chaos", enc.encode("probe"), -1), timeoutMs);
    return true;
  } catch {
    return false;
  } finally {
    if (zk) await within(zk.close(), 1000).catch(() => {});
  }
}
