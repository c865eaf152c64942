/**
 * The differential workload (issues #4, #6): a seeded random sequence of
 * ZooKeeper operations over several sessions, run through the zkts client
 * against any server, recorded as a canonical history that does not depend
 * on wall-clock times or session ids, so that the history of a seed against
 * Apache ZooKeeper 3.8 and against zkts can be compared line by line.
 *
 * What is canonical:
 * - zxids (in stats and in every reply's header) are relative to the zxid of
 *   the workload's root `/d` (its czxid is 0): the servers must count txns,
 *   failed writes included, the same way;
 * - ctime and mtime are masked (two writes in one millisecond make any
 *   relation between them a matter of timing);
 * - session ids (ephemeralOwner) become the index of the session in the run;
 * - children lists are sorted (Apache returns a HashSet's order).
 *
 * @example Run a short schedule against a server
 * ```ts ignore
 * import { runWorkload } from "./workload.ts";
 * const h = await runWorkload({ connectString: "127.0.0.1:2181", seed: 1, ops: 500 });
 * console.log(h.steps.length, h.events);
 * ```
 *
 * @module
 */
import { createHash } from "node:crypto";
import {
  type ACL,
  KeeperError,
  MultiError,
  type Stat,
  type WatchedEvent,
  ZooKeeper,
} from "@zkts/client";
import { CreateMode, EventType, type MultiOp, OpCode, Perms, WatcherType } from "@zkts/jute";
import { Gate } from "./gate.ts";

/**
 * A small, fast, seedable PRNG (mulberry32).
 *
 * @example
 * ```ts
 * import { Rng } from "./workload.ts";
 * import assert from "node:assert/strict";
 * assert.equal(new Rng(7).int(100), new Rng(7).int(100));
 * ```
 */
export class Rng {
  #s: number;
  /** Seeds the generator; the same seed gives the same sequence. */
  constructor(seed: number) {
    this.#s = seed >>> 0;
  }
  /** A float in [0, 1). */
  next(): number {
    let t = (this.#s = (this.#s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  /** One element of `a`. */
  pick<T>(a: readonly T[]): T {
    return a[this.int(a.length)];
  }
  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() < p;
  }
}

/**
 * `user:base64(sha1(user:password))`, the id of a digest ACL.
 *
 * @example
 * ```ts
 * import { digestId } from "./workload.ts";
 * import assert from "node:assert/strict";
 * assert.equal(digestId("alice", "secret"), "alice:aYXlLOpEooaV1cRAvUL1fp9Qt7E=");
 * ```
 */
export function digestId(user: string, password: string): string {
  const h = createHash("sha1").update(`${user}:${password}`).digest("base64");
  return `${user}:${h}`;
}

const world = (perms: number): ACL => ({ perms, id: { scheme: "world", id: "anyone" } });

/** The ACLs the workload creates nodes with, valid and invalid ones. */
export const ACLS: Record<string, ACL[]> = {
  open: [world(Perms.All)],
  readOnly: [world(Perms.Read)],
  readCreate: [world(Perms.Read | Perms.Create)],
  alice: [
    { perms: Perms.All, id: { scheme: "digest", id: digestId("alice", "secret") } },
    world(
      Perms.Read,
    ),
  ],
  aliceOnly: [{ perms: Perms.All, id: { scheme: "digest", id: digestId("alice", "secret") } }],
  creator: [{ perms: Perms.All, id: { scheme: "auth", id: "" } }],
  ip: [{ perms: Perms.All, id: { scheme: "ip", id: "127.0.0.1" } }],
  ipCidr: [{ perms: Perms.All, id: { scheme: "ip", id: "127.0.0.0/8" } }],
  badDigest: [{ perms: Perms.All, id: { scheme: "digest", id: "alice" } }],
  badScheme: [{ perms: Perms.All, id: { scheme: "nosuch", id: "x" } }],
  badIp: [{ perms: Perms.All, id: { scheme: "ip", id: "not-an-ip" } }],
  empty: [],
};
const ACL_WEIGHTS: [string, number][] = [
  ["open", 60],
  ["readOnly", 4],
  ["readCreate", 4],
  ["alice", 5],
  ["aliceOnly", 3],
  ["creator", 4],
  ["ip", 2],
  ["ipCidr", 2],
  ["badDigest", 1],
  ["badScheme", 1],
  ["badIp", 1],
  ["empty", 1],
];

function weighted<T>(rng: Rng, table: readonly [T, number][]): T {
  let total = 0;
  for (const [, w] of table) total += w;
  let r = rng.next() * total;
  for (const [v, w] of table) {
    if ((r -= w) < 0) return v;
  }
  return table[table.length - 1][0];
}

/** Options of {@linkcode runWorkload}. */
export interface WorkloadOptions {
  /** Where the server is. */
  connectString: string;
  /** The seed of the schedule. */
  seed: number;
  /** How many operations. */
  ops: number;
  /** How many sessions run at once. Default 3. */
  sessions?: number;
  /** Expire one session (through a gate that stops its traffic) half way. Default true. */
  expire?: boolean;
  /** Leave the reply headers' zxids out of the history. Default false. */
  noHeaderZxid?: boolean;
  /** Cut a session off now and then (through a gate) for a few steps. Default true. */
  partitions?: boolean;
  /** The session timeout asked for the session that expires (ms). Default 1000. */
  expireTimeoutMs?: number;
  /**
   * Features left out of the schedule (their draws still happen, so the rest
   * of the schedule stays the same): `whoAmI` (replies of addAuth/whoAmI are
   * not recorded), `aclOrder` (ACLs are compared as sets), `eventAcl` (every
   * ACL set lets everyone READ, so no event is filtered by ACL),
   * `mixedWatchModes` (no one-shot watch on the paths persistent watches go
   * on, one persistent mode a path), and any op kind
   * name ("multi", "setACL", "getACL", ...).
   */
  exclude?: readonly string[];
}

/** One recorded step: the op as a string and the canonical reply. */
export interface Step {
  op: string;
  reply: string;
}

/** A run's canonical history. */
export interface History {
  seed: number;
  steps: Step[];
  /** Watch events per session index, in order, as `type path`. */
  events: string[][];
  /** For each event, how many steps were recorded when it arrived (for diagnosis only). */
  eventSteps: number[][];
  /** The final tree below `/d`, one line a node. */
  tree: string[];
  /** Wall time of the schedule (ms). */
  ms: number;
}

const NAMES = ["a", "b", "c", "d"];
/** An ephemeral node of the session that expires: it goes when the session does. */
const EXPIRY_MARKER = "/expiry-marker";
const EV_NAMES: Record<number, string> = {
  [EventType.NodeCreated]: "NodeCreated",
  [EventType.NodeDeleted]: "NodeDeleted",
  [EventType.NodeDataChanged]: "NodeDataChanged",
  [EventType.NodeChildrenChanged]: "NodeChildrenChanged",
  [EventType.DataWatchRemoved]: "DataWatchRemoved",
  [EventType.ChildWatchRemoved]: "ChildWatchRemoved",
  [EventType.PersistentWatchRemoved]: "PersistentWatchRemoved",
};

interface Slot {
  zk: ZooKeeper;
  index: number;
  gate?: Gate;
  /** The session's default watcher, which records its events. */
  recorder: (e: WatchedEvent) => void;
  /** Paths with a persistent watch of this session (added, not removed). */
  persistent: Set<string>;
  /** The session the schedule expires half way. */
  expiring?: boolean;
}

/**
 * Runs the schedule of `seed` against the server at `connectString` and
 * returns its canonical history. The server should be fresh (no `/d`).
 */
export async function runWorkload(o: WorkloadOptions): Promise<History> {
  const rng = new Rng(o.seed);
  const nSessions = o.sessions ?? 3;
  const expireAt = (o.expire ?? true) ? Math.floor(o.ops / 2) : -1;
  const steps: Step[] = [];
  const events: string[][] = [];
  const eventSteps: number[][] = [];
  const sessionIndex = new Map<bigint, number>();
  const gates: Gate[] = [];
  let base = 0n;
  const seen: string[] = []; // sequential nodes created, to aim later ops at

  const zx = (z: bigint) => (z === 0n ? "0" : String(z - base));
  const owner = (id: bigint) => id === 0n ? "-" : `s${sessionIndex.get(id) ?? "?"}`;
  const stat = (s: Stat | null | undefined): string =>
    s
      ? `{cz=${zx(s.czxid)} mz=${zx(s.mzxid)} pz=${
        zx(s.pzxid)
      } v=${s.version} cv=${s.cversion} av=${s.aversion} eo=${
        owner(s.ephemeralOwner)
      } dl=${s.dataLength} nc=${s.numChildren}}`
      : "null";
  const dec = (b: Uint8Array | null) => b === null ? "<null>" : new TextDecoder().decode(b);
  const sortAcls = (o.exclude ?? []).includes("aclOrder");
  // Apache 3.8 keeps one mode per (session, path): a one-shot watch set where
  // the session has a persistent one turns it into a one-shot watch (3.9
  // keeps both). With `mixedWatchModes` left out, no such one-shot watch is set.
  const noMixed = (o.exclude ?? []).includes("mixedWatchModes");
  // Persistent watches go on /d and its children only; with `mixedWatchModes`
  // left out, one-shot watches never go there and each path gets one mode.
  const watchRoots = new Set(["/d", ...NAMES.map((n) => `/d/${n}`)]);
  const oneShot = (path: string, watch: boolean) => watch && !(noMixed && watchRoots.has(path));
  const noGetAcl = (o.exclude ?? []).includes("getACL");
  // Apache delivers a watch event only to sessions that may READ the node;
  // with `eventAcl` left out, every ACL the workload sets lets all read.
  const readable = (o.exclude ?? []).includes("eventAcl");
  const aclOf = (name: string): ACL[] =>
    readable && (name === "aliceOnly" || name === "creator")
      ? [...ACLS[name], world(Perms.Read)]
      : ACLS[name];
  const aclStr = (acl: ACL[]) => {
    const l = acl.map((a) => `${a.id.scheme}:${a.id.id}:${a.perms}`);
    return (sortAcls ? l.sort() : l).join(",");
  };

  async function open(gated: boolean, timeoutMs: number): Promise<Slot> {
    const index = events.length;
    const evs: string[] = [];
    const at: number[] = [];
    events.push(evs);
    eventSteps.push(at);
    let cs = o.connectString;
    let gate: Gate | undefined;
    if (gated) {
      const [host, port] = o.connectString.split(":");
      gate = Gate.start(host, Number(port));
      gates.push(gate);
      cs = gate.connectString;
    }
    const recorder = (e: WatchedEvent) => {
      if (e.type === EventType.None) return;
      evs.push(`${EV_NAMES[e.type] ?? e.type} ${e.path}`);
      at.push(steps.length);
    };
    const zk = await ZooKeeper.connect(cs, { sessionTimeoutMs: timeoutMs, watcher: recorder });
    sessionIndex.set(zk.sessionId, index);
    return { zk, index, gate, recorder, persistent: new Set() };
  }

  const multiResult = (r: MultiOpResult): string => {
    switch (r.type) {
      case OpCode.create:
        return `create:${r.path}`;
      case OpCode.create2:
        return `create2:${r.path}:${stat(r.stat)}`;
      case OpCode.setData:
        return `setData:${stat(r.stat)}`;
      case OpCode.getData:
        return `getData:${dec(r.data)}:${stat(r.stat)}`;
      case OpCode.getChildren:
        return `getChildren:${[...r.children].sort().join(",")}`;
      case OpCode.error:
        return `error:${r.err}`;
      default:
        return `op${r.type}`;
    }
  };
  const slots: Slot[] = [];
  const partitions = o.partitions ?? true;
  let partitioned: Slot | null = null;
  let partitionLeft = 0;
  const t0 = performance.now();
  try {
    for (let i = 0; i < nSessions; i++) {
      const expiring = i === nSessions - 1 && expireAt >= 0;
      const partitionable = partitions && i === nSessions - 2 && i > 0;
      const sl = await open(
        expiring || partitionable,
        expiring ? (o.expireTimeoutMs ?? 1000) : partitionable ? 10000 : 30000,
      );
      sl.expiring = expiring;
      slots.push(sl);
    }
    const root = await slots[0].zk.create2("/d", null);
    base = root.stat.czxid;
    const gated = slots.find((sl) => sl.expiring);
    if (gated) await gated.zk.create(EXPIRY_MARKER, null, { mode: CreateMode.Ephemeral });

    const randPath = (): string => {
      if (seen.length > 0 && rng.chance(0.15)) return rng.pick(seen);
      const depth = 1 + rng.int(3);
      let p = "/d";
      for (let i = 0; i < depth; i++) p += "/" + rng.pick(NAMES);
      return p;
    };
    const randVersion = () => (rng.chance(0.55) ? -1 : rng.int(3));
    const randData = () => rng.chance(0.1) ? null : new TextEncoder().encode(`v${rng.int(1000)}`);
    const randMode = () =>
      weighted(rng, [
        [CreateMode.Persistent, 50],
        [CreateMode.Ephemeral, 15],
        [CreateMode.PersistentSequential, 8],
        [CreateMode.EphemeralSequential, 6],
        [CreateMode.Container, 8],
        [CreateMode.PersistentWithTtl, 4],
        [CreateMode.PersistentSequentialWithTtl, 2],
      ] as [number, number][]);
    const isSeq = (m: number) =>
      m === CreateMode.PersistentSequential || m === CreateMode.EphemeralSequential ||
      m === CreateMode.PersistentSequentialWithTtl;
    const isTtl = (m: number) =>
      m === CreateMode.PersistentWithTtl || m === CreateMode.PersistentSequentialWithTtl;

    const record = (op: string, reply: string) => steps.push({ op, reply });
    const noteSeq = (p: string) => {
      if (/\d{10}$/.test(p) && seen.length < 200) seen.push(p);
    };

    for (let step = 0; step < o.ops; step++) {
      if (step === expireAt) {
        await expire();
        continue;
      }
      if (partitionLeft > 0 && --partitionLeft === 0) await heal();
      const slot = rng.pick(partitioned ? slots.filter((sl) => sl !== partitioned) : slots);
      const excluded = new Set(o.exclude ?? []);
      const zk = slot.zk;
      const before = steps.length;
      const s = `s${slot.index}`;
      const kind = weighted(rng, [
        ["create", 30],
        ["delete", 12],
        ["setData", 12],
        ["exists", 8],
        ["getData", 8],
        ["getChildren", 6],
        ["getChildren2", 3],
        ["getACL", 2],
        ["setACL", 3],
        ["multi", 6],
        ["multiRead", 2],
        ["addAuth", 1],
        ["sync", 1],
        ["getEphemerals", 1],
        ["getAllChildrenNumber", 1],
        ["whoAmI", 1],
        ["addWatch", 1],
        ["partition", 0.06],
        ["removeWatches", 1],
        ["reopen", 0.3],
      ] as [string, number][]);
      if (excluded.has(kind)) {
        rng.next(); // keep the schedule's draws aligned is not needed: skip the op
        continue;
      }
      switch (kind) {
        case "create": {
          const mode = randMode();
          const aclName = weighted(rng, ACL_WEIGHTS);
          let p = randPath();
          if (isSeq(mode)) p += "/q-";
          const data = randData();
          const ttl = rng.chance(0.1) ? 0 : 3_600_000;
          const op = `${s} create ${p} ${dec(data)} mode=${mode} acl=${aclName}${
            isTtl(mode) ? ` ttl=${ttl}` : ""
          }`;
          try {
            const r = await zk.create2(p, data, {
              mode,
              acl: aclOf(aclName),
              ttlMs: isTtl(mode) ? ttl : undefined,
            });
            noteSeq(r.path);
            record(op, `${r.path} ${stat(r.stat)}`);
          } catch (e) {
            record(op, err(e));
          }
          break;
        }
        case "delete": {
          const p = randPath();
          const v = randVersion();
          const op = `${s} delete ${p} ${v}`;
          try {
            await zk.delete(p, v);
            record(op, "ok");
          } catch (e) {
            record(op, err(e));
          }
          break;
        }
        case "setData": {
          const p = randPath();
          const data = randData();
          const v = randVersion();
          const op = `${s} setData ${p} ${dec(data)} ${v}`;
          try {
            record(op, stat(await zk.setData(p, data, v)));
          } catch (e) {
            record(op, err(e));
          }
          break;
        }
        case "exists": {
          const p = randPath();
          const w = oneShot(p, rng.chance(0.5));
          const op = `${s} exists ${p} watch=${w}`;
          try {
            record(op, stat(await zk.exists(p, w)));
          } catch (e) {
            record(op, err(e));
          }
          break;
        }
        case "getData": {
          const p = randPath();
          const w = oneShot(p, rng.chance(0.5));
          const op = `${s} getData ${p} watch=${w}`;
          try {
            const r = await zk.getData(p, w);
            record(op, `${dec(r.data)} ${stat(r.stat)}`);
          } catch (e) {
            record(op, err(e));
          }
          break;
        }
        case "getChildren":
        case "getChildren2": {
          const p = rng.chance(0.3) ? "/d" : randPath();
          const w = oneShot(p, rng.chance(0.5));
          const op = `${s} ${kind} ${p} watch=${w}`;
          try {
            if (kind === "getChildren") {
              record(op, (await zk.getChildren(p, w)).sort().join(","));
            } else {
              const r = await zk.getChildren2(p, w);
              record(op, `${r.children.sort().join(",")} ${stat(r.stat)}`);
            }
          } catch (e) {
            record(op, err(e));
          }
          break;
        }
        case "getACL": {
          const p = randPath();
          const op = `${s} getACL ${p}`;
          try {
            const r = await zk.getACL(p);
            record(op, `${aclStr(r.acl)} ${stat(r.stat)}`);
          } catch (e) {
            record(op, err(e));
          }
          break;
        }
        case "setACL": {
          const p = randPath();
          const aclName = weighted(rng, ACL_WEIGHTS);
          const v = randVersion();
          const op = `${s} setACL ${p} ${aclName} ${v}`;
          try {
            record(op, stat(await zk.setACL(p, aclOf(aclName), v)));
          } catch (e) {
            record(op, err(e));
          }
          break;
        }
        case "multi": {
          const n = 1 + rng.int(4);
          const ops: MultiOp[] = [];
          const desc: string[] = [];
          for (let i = 0; i < n; i++) {
            const t = rng.pick(["create", "create", "delete", "setData", "check"]);
            const p = randPath();
            if (t === "create") {
              const mode = rng.pick([
                CreateMode.Persistent,
                CreateMode.Ephemeral,
                CreateMode.PersistentSequential,
              ]);
              const path = isSeq(mode) ? p + "/m-" : p;
              ops.push({
                type: OpCode.create2,
                request: { path, data: null, acl: ACLS.open, flags: mode },
              });
              desc.push(`create(${path},${mode})`);
            } else if (t === "delete") {
              const v = randVersion();
              ops.push({ type: OpCode.delete, request: { path: p, version: v } });
              desc.push(`delete(${p},${v})`);
            } else if (t === "setData") {
              const v = randVersion();
              ops.push({
                type: OpCode.setData,
                request: { path: p, data: new TextEncoder().encode("m"), version: v },
              });
              desc.push(`setData(${p},${v})`);
            } else {
              const v = rng.int(3);
              ops.push({ type: OpCode.check, request: { path: p, version: v } });
              desc.push(`check(${p},${v})`);
            }
          }
          const op = `${s} multi ${desc.join(" ")}`;
          try {
            const rs = await zk.multi(ops);
            for (const r of rs) if ("path" in r) noteSeq(r.path);
            record(op, rs.map(multiResult).join(" "));
          } catch (e) {
            record(op, err(e));
          }
          break;
        }
        case "multiRead": {
          const ops: MultiOp[] = [];
          const desc: string[] = [];
          for (let i = 0; i < 1 + rng.int(3); i++) {
            const p = randPath();
            if (rng.chance(0.5)) {
              ops.push({ type: OpCode.getData, request: { path: p, watch: false } });
              desc.push(`getData(${p})`);
            } else {
              ops.push({ type: OpCode.getChildren, request: { path: p, watch: false } });
              desc.push(`getChildren(${p})`);
            }
          }
          const op = `${s} multiRead ${desc.join(" ")}`;
          try {
            record(op, (await zk.multiRead(ops)).map(multiResult).join(" "));
          } catch (e) {
            record(op, err(e));
          }
          break;
        }
        case "addAuth": {
          const who = rng.pick(["alice:secret", "bob:pw", "alice:wrong"]);
          zk.addAuth("digest", who);
          // The reply to the next request comes after the auth is applied.
          const op = `${s} addAuth digest ${who}`;
          if (excluded.has("whoAmI")) {
            record(op, "ok");
            break;
          }
          try {
            const ids = await zk.whoAmI();
            record(op, ids.map((i) => `${i.scheme}:${i.id}`).sort().join(","));
          } catch (e) {
            record(op, err(e));
          }
          break;
        }
        case "whoAmI": {
          const op = `${s} whoAmI`;
          if (excluded.has("whoAmI")) break;
          try {
            const ids = await zk.whoAmI();
            record(op, ids.map((i) => `${i.scheme}:${i.id}`).sort().join(","));
          } catch (e) {
            record(op, err(e));
          }
          break;
        }
        case "sync": {
          const p = randPath();
          const op = `${s} sync ${p}`;
          try {
            record(op, await zk.sync(p));
          } catch (e) {
            record(op, err(e));
          }
          break;
        }
        case "getEphemerals": {
          const p = rng.chance(0.5) ? "/" : randPath();
          const op = `${s} getEphemerals ${p}`;
          try {
            record(op, (await zk.getEphemerals(p)).sort().join(","));
          } catch (e) {
            record(op, err(e));
          }
          break;
        }
        case "getAllChildrenNumber": {
          const p = rng.chance(0.5) ? "/d" : randPath();
          const op = `${s} getAllChildrenNumber ${p}`;
          try {
            record(op, String(await zk.getAllChildrenNumber(p)));
          } catch (e) {
            record(op, err(e));
          }
          break;
        }
        case "addWatch": {
          const p = rng.chance(0.2) ? "/d" : `/d/${rng.pick(NAMES)}`;
          let mode: "persistent" | "persistentRecursive" = rng.chance(0.5)
            ? "persistent"
            : "persistentRecursive";
          // one mode a path, so that no session holds two modes on one path
          if (noMixed) mode = p === "/d/c" || p === "/d/d" ? "persistent" : "persistentRecursive";
          const op = `${s} addWatch ${p} ${mode}`;
          try {
            await zk.addWatch(p, slot.recorder, mode);
            slot.persistent.add(p);
            record(op, "ok");
          } catch (e) {
            record(op, err(e));
          }
          break;
        }
        case "removeWatches": {
          const p = rng.chance(0.2) ? "/d" : rng.chance(0.6) ? `/d/${rng.pick(NAMES)}` : randPath();
          const type = rng.pick([WatcherType.Children, WatcherType.Data, WatcherType.Any]);
          const op = `${s} removeWatches ${p} ${type}`;
          // The client drops its watchers before asking the server: let events
          // already on their way arrive first, or which ones get through is a race.
          await zk.sync("/");
          try {
            await zk.removeWatches(p, type);
            if (type === WatcherType.Any) slot.persistent.delete(p);
            record(op, "ok");
          } catch (e) {
            record(op, err(e));
          }
          break;
        }
        case "partition": {
          // Cut a session off for a few steps: it reconnects with SetWatches and
          // gets the events it missed.
          const target = slots.find((sl) => sl.gate && !sl.expiring);
          const n = 2 + rng.int(8);
          if (!target || partitioned) break;
          await target.zk.sync("/");
          target.gate!.block();
          partitioned = target;
          partitionLeft = n;
          record(`s${target.index} cut for ${n} steps`, "ok");
          break;
        }
        case "reopen": {
          const i = slots.indexOf(slot);
          if (slot.gate) break; // the gated ones expire or get cut instead
          await slot.zk.close();
          slots[i] = await open(false, 30000);
          record(`${s} close; open s${slots[i].index}`, "ok");
          break;
        }
      }
      // The zxid in the reply's header: the last txn the server had applied.
      if (steps.length > before && !o.noHeaderZxid) {
        steps[steps.length - 1].reply += ` hz=${zx(zk.lastZxid)}`;
      }
    }

    if (partitioned) await heal();
    // Let every session see the events due to it: a sync's reply comes after them.
    for (const sl of slots) await sl.zk.sync("/");
    const tree = await dumpTree();
    for (const sl of slots) await sl.zk.sync("/");
    return {
      seed: o.seed,
      steps,
      events: events.map((e) => [...e]),
      eventSteps: eventSteps.map((e) => [...e]),
      tree,
      ms: performance.now() - t0,
    };
  } finally {
    for (const sl of slots) await sl.zk.close().catch(() => {});
    for (const g of gates) await g.close();
  }

  /** Lets the cut session reconnect, and waits until it has caught up. */
  async function heal(): Promise<void> {
    const sl = partitioned!;
    partitioned = null;
    partitionLeft = 0;
    sl.gate!.unblock();
    const deadline = Date.now() + 15000;
    while (!sl.zk.connected) {
      if (Date.now() > deadline) throw new Error(`s${sl.index} did not reconnect in 15 s`);
      await new Promise((r) => setTimeout(r, 5));
    }
    await sl.zk.sync("/"); // after the events its SetWatches fired
    steps.push({ op: `s${sl.index} reconnected`, reply: "ok" });
  }

  /** Stops the gated session's traffic until the server expires it, then replaces it. */
  async function expire(): Promise<void> {
    const i = slots.findIndex((sl) => sl.expiring);
    if (i < 0) return;
    const slot = slots[i];
    // Events due to it so far must reach it before the cut, on both servers.
    await slot.zk.sync("/");
    slot.gate!.block();
    // Its ephemeral marker goes when the server expires the session.
    const deadline = Date.now() + 20000;
    while (await slots[0].zk.exists(EXPIRY_MARKER) !== null) {
      if (Date.now() > deadline) throw new Error(`session s${slot.index} did not expire in 20 s`);
      await new Promise((r) => setTimeout(r, 50));
    }
    await slot.zk.close().catch(() => {});
    slots[i] = await open(false, 30000);
    steps.push({ op: `s${slot.index} expire; open s${slots[i].index}`, reply: "ok" });
  }

  async function dumpTree(): Promise<string[]> {
    const zk = await ZooKeeper.connect(o.connectString, { sessionTimeoutMs: 30000 });
    try {
      zk.addAuth("digest", "alice:secret");
      zk.addAuth("digest", "bob:pw");
      if (noGetAcl) zk.addAuth("digest", "alice:wrong"); // ADMIN everywhere: no redaction
      const lines: string[] = [];
      const walk = async (p: string) => {
        let line = p;
        try {
          const r = await zk.getData(p);
          line += ` ${dec(r.data)} ${stat(r.stat)}`;
        } catch (e) {
          line += ` ${err(e)}`;
        }
        if (noGetAcl && line.endsWith(" err -102")) {
          line += " acl=?"; // Apache refuses getACL without READ or ADMIN; zkts does not yet
        } else {
          try {
            line += ` acl=${aclStr((await zk.getACL(p)).acl)}`;
          } catch (e) {
            line += ` acl=${err(e)}`;
          }
        }
        lines.push(line);
        let children: string[] = [];
        try {
          children = (await zk.getChildren(p)).sort();
        } catch (e) {
          lines.push(`${p} children ${err(e)}`);
        }
        for (const c of children) await walk(`${p}/${c}`);
      };
      await walk("/d");
      return lines;
    } finally {
      await zk.close();
    }
  }

  function err(e: unknown): string {
    if (e instanceof MultiError) return `err ${e.code} [${e.results.map(multiResult).join(" ")}]`;
    if (e instanceof KeeperError) return `err ${e.code}`;
    throw e;
  }
}

type MultiOpResult = Awaited<ReturnType<ZooKeeper["multi"]>>[number];

/**
 * Up to `max` differing steps of two histories (op, both replies), as text.
 *
 * @example
 * ```ts
 * import { type History, stepDifferences } from "./workload.ts";
 * import assert from "node:assert/strict";
 * const h = (reply: string): History =>
 *   ({ seed: 1, steps: [{ op: "s0 sync /d", reply }], events: [], eventSteps: [], tree: [], ms: 0 });
 * assert.equal(stepDifferences(h("/d"), h("err -101")).length, 1);
 * ```
 */
export function stepDifferences(a: History, b: History, max = 20): string[] {
  const out: string[] = [];
  for (let i = 0; i < Math.max(a.steps.length, b.steps.length) && out.length < max; i++) {
    const x = a.steps[i];
    const y = b.steps[i];
    if (x?.op !== y?.op || x?.reply !== y?.reply) {
      out.push(
        `#${i} ${x?.op}${x?.op !== y?.op ? ` / ${y?.op}` : ""}\n  A: ${x?.reply}\n  B: ${y?.reply}`,
      );
    }
  }
  return out;
}

/**
 * The first difference of two histories (steps, then events per session, then
 * the final tree), with the seed and the step, or null when they are the same.
 *
 * @example
 * ```ts
 * import { firstDifference, type History } from "./workload.ts";
 * import assert from "node:assert/strict";
 * const h: History = { seed: 1, steps: [], events: [], eventSteps: [], tree: ["/d"], ms: 0 };
 * assert.equal(firstDifference(h, h), null);
 * ```
 */
export function firstDifference(a: History, b: History): string | null {
  const n = Math.max(a.steps.length, b.steps.length);
  for (let i = 0; i < n; i++) {
    const x = a.steps[i];
    const y = b.steps[i];
    if (x?.op !== y?.op || x?.reply !== y?.reply) {
      const ctx = a.steps.slice(Math.max(0, i - 5), i).map((s, k) =>
        `  #${i - Math.min(i, 5) + k} ${s.op} -> ${s.reply}`
      ).join("\n");
      return `seed ${a.seed}: first difference at step ${i}\n${ctx}\n` +
        `  op A: ${x?.op}\n  op B: ${y?.op}\n  reply A: ${x?.reply}\n  reply B: ${y?.reply}`;
    }
  }
  for (let s = 0; s < Math.max(a.events.length, b.events.length); s++) {
    const x = a.events[s] ?? [];
    const y = b.events[s] ?? [];
    for (let i = 0; i < Math.max(x.length, y.length); i++) {
      if (x[i] !== y[i]) {
        return `seed ${a.seed}: session s${s} event #${i} differs: A ${x[i]} / B ${y[i]}\n` +
          `  A around: ${x.slice(Math.max(0, i - 3), i + 3).join(" | ")}\n` +
          `  B around: ${y.slice(Math.max(0, i - 3), i + 3).join(" | ")}`;
      }
    }
  }
  for (let i = 0; i < Math.max(a.tree.length, b.tree.length); i++) {
    if (a.tree[i] !== b.tree[i]) {
      return `seed ${a.seed}: final tree line ${i} differs:\n  A ${a.tree[i]}\n  B ${b.tree[i]}`;
    }
  }
  return null;
}
