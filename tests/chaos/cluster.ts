/**
 * An ensemble of real server processes for the chaos harness: zkts members
 * (`deno run -A apps/server/main.ts zoo.cfg`), Apache ZooKeeper 3.8 members
 * (QuorumPeerMain with zkServer.sh's JVM flags) or a mix, each in its own
 * network namespace ({@linkcode Net}), each from its own zoo.cfg with
 * `forceSync=yes`, listening on its own address (198.18.0.(10 + id)) at the
 * usual ports 2181/2888/3888.
 *
 * @example
 * ```ts ignore
 * import { Cluster } from "./cluster.ts";
 * const c = await Cluster.start({ kinds: ["zkts", "zkts", "zkts"] });
 * try {
 *   console.log(await c.leader(), c.connectString());
 * } finally {
 *   await c.stop();
 * }
 * ```
 *
 * @module
 */
import {
  fourLetter,
  type PeerMode,
  USER_JVM_FLAGS,
  zooCfg,
  ZOOKEEPER_CLASSPATH,
} from "../support/apache.ts";
import { memberAddress, Net, PREFIX, sh, unmountUnder } from "./net.ts";

const MAIN = new URL("../../apps/server/main.ts", import.meta.url).pathname;

/** Which server a member runs. */
export type MemberKind = "zkts" | "apache";

/** What to start. */
export interface ClusterSpec {
  /** One entry per member, id = index + 1. */
  kinds: MemberKind[];
  /** zoo.cfg tickTime (ms). Default 1000. */
  tickTime?: number;
  /** zoo.cfg syncLimit (ticks). Default 5. */
  syncLimit?: number;
  /** zoo.cfg initLimit (ticks). Default 10. */
  initLimit?: number;
  /** How long to wait for the ensemble to serve. Default 90 000 ms. */
  startTimeoutMs?: number;
  /** The harness's dir (`/tmp/zkc<pid>`); each cluster takes a numbered dir under it. */
  baseDir?: string;
  /**
   * Mount a tmpfs of this many MiB on every member's dataDir (for the disk-full
   * nemesis), with `preAllocSize` cut to fit. Default: none (the dataDir is on /tmp).
   */
  dataDirMb?: number;
}

/** The client port every member listens on (at its own address). */
export const CLIENT_PORT = 2181;

/** One member's process and files. */
export interface Member {
  readonly id: number;
  readonly kind: MemberKind;
  /** Its address, in its namespace. */
  readonly address: string;
  readonly dir: string;
  readonly dataDir: string;
  /** Whether its process is running (paused counts as running). */
  readonly running: boolean;
  readonly paused: boolean;
  readonly pid: number;
}

/** A member's state as its four-letter words say. */
export interface Digest {
  node: number;
  /** The last zxid it has (srvr `Zxid:`), hex. */
  zxid: string;
  /** srvr `Node count:`. */
  znodeCount: number;
  /** Its tree's digest at the zxids it logged one for (4lw `hash`): zxid (hex) to digest. */
  hashes: Record<string, string>;
}

class Proc {
  child: Deno.ChildProcess | null = null;
  exited = true;
  paused = false;
  done: Promise<void> = Promise.resolve();
}

let clusterSeq = 0;

/** A running ensemble in namespaces. */
export class Cluster {
  readonly spec: ClusterSpec;
  readonly net: Net;
  readonly dir: string;
  #procs = new Map<number, Proc>();
  #members: Member[] = [];
  #stopped = false;

  private constructor(spec: ClusterSpec, net: Net, dir: string) {
    this.spec = spec;
    this.net = net;
    this.dir = dir;
  }

  /**
   * Creates the namespaces, writes every member's zoo.cfg and myid, spawns
   * them and waits until they serve with one leader.
   *
   * @throws Error (with the members' logs' tails) when they do not serve in time
   */
  static async start(spec: ClusterSpec): Promise<Cluster> {
    const ids = spec.kinds.map((_, i) => i + 1);
    const base = spec.baseDir ?? `/tmp/${PREFIX}${Deno.pid}`;
    const dir = `${base}/c${++clusterSeq}`;
    await Deno.mkdir(dir, { recursive: true });
    const net = new Net(ids);
    const c = new Cluster(spec, net, dir);
    live.add(c);
    try {
      await net.up();
      await c.#writeConfigs();
      for (const id of ids) c.#spawn(id);
      await c.waitServing(spec.startTimeoutMs ?? 90_000);
    } catch (e) {
      const logs = c.tails();
      await c.stop();
      throw new Error(`${(e as Error).message}\n${logs}`);
    }
    return c;
  }

  async #writeConfigs(): Promise<void> {
    const servers: Record<string, string> = {};
    for (let i = 0; i < this.spec.kinds.length; i++) {
      servers[`server.${i + 1}`] = `${memberAddress(i + 1)}:2888:3888`;
    }
    for (let i = 0; i < this.spec.kinds.length; i++) {
      const id = i + 1;
      const mdir = `${this.dir}/m${id}`;
      const dataDir = `${mdir}/data`;
      await Deno.mkdir(dataDir, { recursive: true });
      if (this.spec.dataDirMb) {
        await sh([
          "mount",
          "-t",
          "tmpfs",
          "-o",
          `size=${this.spec.dataDirMb}m`,
          `${this.net.tag}d${id}`,
          dataDir,
        ]);
      }
      await Deno.writeTextFile(`${dataDir}/myid`, `${id}\n`);
      await Deno.writeTextFile(
        `${mdir}/zoo.cfg`,
        zooCfg({
          initLimit: this.spec.initLimit ?? 10,
          syncLimit: this.spec.syncLimit ?? 5,
          dataDir,
          clientPort: CLIENT_PORT,
          clientPortAddress: memberAddress(id),
          ...servers,
        }, {
          tickTime: this.spec.tickTime ?? 1000,
          forceSync: true,
          // Apache preallocates 64 MiB of txn log: a small dataDir holds 1 MiB steps;
          // a snapshot and a new log every ~100 txns, so a full disk is hit soon.
          ...(this.spec.dataDirMb ? { preAllocSize: 1024, snapCount: 100 } : {}),
        }),
      );
      const kind = this.spec.kinds[i];
      const proc = new Proc();
      this.#procs.set(id, proc);
      this.#members.push({
        id,
        kind,
        address: memberAddress(id),
        dir: mdir,
        dataDir,
        get running() {
          return !proc.exited;
        },
        get paused() {
          return proc.paused;
        },
        get pid() {
          return proc.child?.pid ?? -1;
        },
      });
    }
  }

  #proc(id: number): Proc {
    const p = this.#procs.get(id);
    if (!p) throw new RangeError(`no member ${id}`);
    return p;
  }

  #member(id: number): Member {
    const m = this.#members[id - 1];
    if (!m) throw new RangeError(`no member ${id}`);
    return m;
  }

  /** The command member `id` runs (after `ip netns exec <ns>`). */
  #argv(id: number): string[] {
    const m = this.#member(id);
    const cfg = `${m.dir}/zoo.cfg`;
    if (m.kind === "zkts") return [Deno.execPath(), "run", "-A", MAIN, cfg];
    // As zkServer.sh start: QuorumPeerMain with the user's JVM flags.
    return [
      "java",
      ...USER_JVM_FLAGS,
      `-Dorg.slf4j.simpleLogger.logFile=${m.dir}/zookeeper.log`,
      "-Dorg.slf4j.simpleLogger.defaultLogLevel=info",
      "-Dorg.slf4j.simpleLogger.showDateTime=true",
      "-Dorg.slf4j.simpleLogger.dateTimeFormat=HH:mm:ss.SSS",
      "-Dzookeeper.jmx.log4j.disable=true",
      "-cp",
      ZOOKEEPER_CLASSPATH,
      "org.apache.zookeeper.server.quorum.QuorumPeerMain",
      cfg,
    ];
  }

  #spawn(id: number): void {
    const p = this.#proc(id);
    if (!p.exited) throw new Error(`member ${id} is running`);
    const m = this.#member(id);
    const out = Deno.openSync(`${m.dir}/server.out`, { append: true, create: true });
    out.writeSync(new TextEncoder().encode(`--- ${new Date().toISOString()} start ---\n`));
    const child = new Deno.Command("ip", {
      args: ["netns", "exec", this.net.ns(id), ...this.#argv(id)],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    p.child = child;
    p.exited = false;
    p.paused = false;
    const copy = async (s: ReadableStream<Uint8Array>) => {
      for await (const chunk of s) out.writeSync(chunk);
    };
    p.done = Promise.all([copy(child.stdout), copy(child.stderr), child.status])
      .then(() => {}, () => {})
      .finally(() => {
        p.exited = true;
        p.paused = false;
        try {
          out.close();
        } catch { /* closed */ }
      });
  }

  /** Every member. */
  get members(): readonly Member[] {
    return this.#members;
  }

  /** The client addresses of `ids` (default all), comma separated. */
  connectString(ids?: number[]): string {
    return (ids ?? this.#members.map((m) => m.id)).map((id) =>
      `${memberAddress(id)}:${CLIENT_PORT}`
    ).join(",");
  }

  /** Ends member `id` at once (SIGKILL), resuming it first if paused. */
  async kill(id: number): Promise<void> {
    const p = this.#proc(id);
    if (p.exited) return;
    for (const pid of tree(p.child!.pid)) signal(pid, "SIGKILL");
    signal(p.child!.pid, "SIGKILL");
    await p.done;
  }

  /** Starts member `id` again (killed first if running), same zoo.cfg and dataDir. */
  async restart(id: number): Promise<void> {
    await this.kill(id);
    this.#spawn(id);
    await Promise.resolve();
  }

  /** SIGSTOP to member `id`'s process tree. */
  pause(id: number): void {
    const p = this.#proc(id);
    if (p.exited || p.paused) return;
    for (const pid of [p.child!.pid, ...tree(p.child!.pid)]) signal(pid, "SIGSTOP");
    p.paused = true;
  }

  /** SIGCONT to member `id`'s process tree. */
  resume(id: number): void {
    const p = this.#proc(id);
    if (p.exited || !p.paused) return;
    for (const pid of [p.child!.pid, ...tree(p.child!.pid)]) signal(pid, "SIGCONT");
    p.paused = false;
  }

  /** Members see each other only within a shared group (see {@linkcode Net.partition}). */
  partition(groups: number[][]): Promise<void> {
    return this.net.partition(groups);
  }

  /** Member `id` sees no other member (clients still reach it). */
  isolate(id: number): Promise<void> {
    const others = this.#members.map((m) => m.id).filter((o) => o !== id);
    return this.net.partition([[id], others]);
  }

  /** Packets from `from` no longer reach `to`. */
  oneWay(from: number, to: number): Promise<void> {
    return this.net.oneWay(from, to);
  }

  /** Member `id` drops `percent` % of its packets. */
  loss(id: number, percent: number): Promise<void> {
    return this.net.loss(id, percent);
  }

  /**
   * Fills member `id`'s dataDir (a tmpfs: {@linkcode ClusterSpec.dataDirMb}) with
   * one file until the disk is full.
   *
   * @returns the bytes written
   */
  async fillDisk(id: number): Promise<number> {
    const m = this.#member(id);
    if (!this.spec.dataDirMb) throw new Error("fillDisk: the cluster has no dataDir tmpfs");
    const f = await Deno.open(`${m.dataDir}/zkc-fill`, { write: true, create: true, append: true });
    const chunk = new Uint8Array(256 * 1024);
    let n = 0;
    try {
      // Bounded: the tmpfs is dataDirMb MiB.
      for (let i = 0; i < this.spec.dataDirMb * 8; i++) n += await f.write(chunk);
    } catch {
      /* ENOSPC: full */
    } finally {
      f.close();
    }
    return n;
  }

  /** Removes the file {@linkcode fillDisk} wrote. */
  async freeDisk(id: number): Promise<void> {
    await Deno.remove(`${this.#member(id).dataDir}/zkc-fill`).catch(() => {});
  }

  /** Every link back, no loss, every paused member resumed, every filled disk freed. */
  async heal(): Promise<void> {
    for (const m of this.#members) this.resume(m.id);
    if (this.spec.dataDirMb) { for (const m of this.#members) await this.freeDisk(m.id); }
    await this.net.heal();
  }

  /** A four-letter word to member `id` at its address; null when it does not answer. */
  async fourLetter(id: number, word: string, timeoutMs = 2000): Promise<string | null> {
    try {
      return await fourLetter(memberAddress(id), CLIENT_PORT, word, timeoutMs);
    } catch {
      return null;
    }
  }

  /** Member `id`'s mode (srvr), or null when it does not serve. */
  async mode(id: number): Promise<PeerMode | null> {
    if (this.#proc(id).exited || this.#proc(id).paused) return null;
    const m = (await this.fourLetter(id, "srvr"))?.match(/^Mode: (\w+)/m);
    return m ? m[1] as PeerMode : null;
  }

  /**
   * The member that leads now: of those saying "leader", the one with the
   * newest epoch (an isolated old leader may say so for up to syncLimit).
   */
  async leader(): Promise<number | null> {
    let best: { id: number; zxid: bigint } | null = null;
    for (const m of this.#members) {
      if (!m.running || m.paused) continue;
      const s = await this.fourLetter(m.id, "srvr");
      if (!s || !/^Mode: leader/m.test(s)) continue;
      const z = BigInt(s.match(/^Zxid: (0x[0-9a-f]+)/m)?.[1] ?? "0x0");
      if (!best || z > best.zxid) best = { id: m.id, zxid: z };
    }
    return best?.id ?? null;
  }

  /** Member `id`'s last zxid, znode count and digest; null when it does not answer. */
  async digest(id: number): Promise<Digest | null> {
    const s = await this.fourLetter(id, "srvr");
    if (!s) return null;
    const zxid = s.match(/^Zxid: (0x[0-9a-f]+)/m)?.[1];
    const count = s.match(/^Node count: (\d+)/m)?.[1];
    if (!zxid || !count) return null;
    const d: Digest = { node: id, zxid, znodeCount: Number(count), hashes: {} };
    // `hash` (Apache's DigestCommand) lists "<zxid hex>: <digest>" lines, one
    // every so many txns: members agree when their common zxids' digests do.
    const h = await this.fourLetter(id, "hash");
    for (const line of (h ?? "").split("\n")) {
      const m = line.trim().match(/^(?:0x)?([0-9a-f]+): (-?\d+)$/i);
      if (m) d.hashes[`0x${m[1].toLowerCase()}`] = m[2];
    }
    return d;
  }

  /**
   * Waits until every running, unpaused member serves and exactly one says
   * leader.
   *
   * @returns how long it took (ms)
   * @throws Error when that does not happen within `timeoutMs`
   */
  async waitServing(timeoutMs: number): Promise<number> {
    const t0 = performance.now();
    const deadline = t0 + timeoutMs;
    while (performance.now() < deadline) {
      let running = 0, serving = 0, leaders = 0;
      for (const m of this.#members) {
        if (!m.running || m.paused) continue;
        running++;
        const mode = await this.mode(m.id);
        if (mode !== null) serving++;
        if (mode === "leader") leaders++;
      }
      if (running > 0 && serving === running && leaders === 1) return performance.now() - t0;
      await new Promise((r) => setTimeout(r, 100));
    }
    const modes = await Promise.all(
      this.#members.map(async (m) => `${m.id}:${await this.mode(m.id)}`),
    );
    throw new Error(`ensemble did not serve in ${timeoutMs} ms (${modes.join(" ")})`);
  }

  /** Member `id`'s log so far (its server.out and, for Apache, zookeeper.log). */
  logs(id: number): string {
    const m = this.#member(id);
    return read(`${m.dir}/zookeeper.log`) + read(`${m.dir}/server.out`);
  }

  /** The last lines of every member's log. */
  tails(lines = 30): string {
    return this.#members.map((m) =>
      `--- member ${m.id} (${m.kind}) ---\n${this.logs(m.id).split("\n").slice(-lines).join("\n")}`
    ).join("\n");
  }

  /** Copies every member's logs, zoo.cfg and dataDir into `dir`. */
  async saveLogs(dir: string): Promise<void> {
    await Deno.mkdir(dir, { recursive: true });
    for (const m of this.#members) {
      await Deno.writeTextFile(`${dir}/member${m.id}-${m.kind}.log`, this.logs(m.id));
      await Deno.copyFile(`${m.dir}/zoo.cfg`, `${dir}/member${m.id}-zoo.cfg`).catch(() => {});
      // The txn logs and snapshots, for LogFormatter (the logs are preallocated: keep them sparse).
      await sh(["cp", "-r", "--sparse=always", m.dataDir, `${dir}/member${m.id}-data`])
        .catch(() => {});
    }
  }

  /** Kills every member, removes the namespaces, mounts and the cluster's dir. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    live.delete(this);
    await Promise.all(this.#members.map((m) => this.kill(m.id)));
    await this.net.down();
    await unmountUnder(this.dir);
    await Deno.remove(this.dir, { recursive: true }).catch(() => {});
  }
}

/** Clusters not stopped yet: the signal handler stops them. */
const live = new Set<Cluster>();

/** Stops every cluster this process started (SIGINT/SIGTERM, errors). */
export async function stopAll(): Promise<void> {
  await Promise.all([...live].map((c) => c.stop().catch(() => {})));
}

function signal(pid: number, sig: Deno.Signal): void {
  try {
    Deno.kill(pid, sig);
  } catch { /* gone */ }
}

/** The descendants of `pid` (from /proc/<pid>/task/<pid>/children, recursively). */
function tree(pid: number): number[] {
  const out: number[] = [];
  const walk = (p: number) => {
    let kids: number[] = [];
    try {
      kids = Deno.readTextFileSync(`/proc/${p}/task/${p}/children`).trim().split(/\s+/)
        .filter(Boolean).map(Number);
    } catch { /* gone */ }
    for (const k of kids) {
      out.push(k);
      walk(k);
    }
  };
  walk(pid);
  return out;
}

function read(path: string): string {
  try {
    return Deno.readTextFileSync(path);
  } catch {
    return "";
  }
}
