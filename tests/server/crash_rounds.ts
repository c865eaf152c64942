/**
 * Crash rounds (issue #14): a real zkts process SIGKILLed under write load
 * with fsync on (forceSync=yes), N times, restarted from the same dataDir —
 * a standalone server, or the leader of a 3-member ensemble (which fails
 * over; the old leader restarts and rejoins).
 *
 * Each round: several clients pipeline creates and setData on their own
 * znodes under `/crash/r<round>`, every acknowledged write recorded with its
 * version and mzxid; a SIGKILL at a random moment; restart; then every
 * acknowledged write must be there with at least its version (with the same
 * mzxid at the same version), and nothing impossible may appear: a child
 * never created, a version beyond the setData calls issued, data that is not
 * the payload of its version. For the leader target every member is checked
 * and all of them must agree (same last zxid, znode count and children).
 *
 * ```sh
 * deno run -A tests/server/crash_rounds.ts --rounds 100 --target standalone
 * deno run -A tests/server/crash_rounds.ts --rounds 100 --target leader
 * ```
 *
 * Flags: `--seed S` (the kill moments and the op mix), `--clients C`
 * (default 4), `--window W` (requests in flight per client, default 32),
 * `--kill-ms A-B` (the kill comes A..B ms into the load, default 200-1500).
 * A SIGKILL keeps the page cache: a missing fsync shows only in a power cut,
 * which tests/server/power_loss_test.ts simulates.
 *
 * @module
 */
import { KeeperError, ZooKeeper } from "@zkts/client";
import { ErrorCode } from "@zkts/jute";
import { seededRandom } from "@zkts/persistence";
import type { ApacheEnsemble, ApacheServer } from "../support/apache.ts";
import { fourLetter, LOOPBACK } from "../support/apache.ts";
import { startZkts, startZktsEnsemble } from "../support/zkts.ts";

/** What to kill. */
export type CrashTarget = "standalone" | "leader";

/** Options of {@linkcode crashRounds}. */
export interface CrashRoundsOptions {
  target: CrashTarget;
  rounds: number;
  seed?: number;
  /** Writing clients per round (default 4). */
  clients?: number;
  /** Requests in flight per client (default 32). */
  window?: number;
  /** The kill comes this many ms into the load (uniform; default [200, 1500]). */
  killMs?: [number, number];
  /** One line per round (default none). */
  log?: (line: string) => void;
}

/** A write that was acknowledged and is missing or older after the crash. */
export interface Lost {
  round: number;
  path: string;
  ackedVersion: number;
  ackedMzxid: bigint;
  /** What was found: null when the znode is gone. */
  found: { version: number; mzxid: bigint } | null;
  member?: number;
}

/** What {@linkcode crashRounds} saw. */
export interface CrashRoundsResult {
  target: CrashTarget;
  rounds: number;
  seed: number;
  /** Acknowledged writes (creates + setData). */
  ackedWrites: number;
  /** Acknowledged writes checked after their round's restart (on every member for "leader"). */
  checkedWrites: number;
  /** Acknowledged znodes checked again at the end. */
  finalChecked: number;
  lost: Lost[];
  /** Things that cannot be: never-created children, versions past those issued, wrong data, disagreement. */
  impossible: string[];
  roundMs: number[];
  /** Spawn to serving of the killed process. */
  restartMs: number[];
  /** Leader target: kill to a new leader serving. */
  failoverMs: number[];
  /** The restarted server's own recovery (its "Restored ..." line), one per restart. */
  recovery: Recovery[];
}

/** What a server's "Restored ..." log line says about its recovery. */
export interface Recovery {
  ms: number;
  /** Txns replayed from the log after the snapshot. */
  txns: number;
  /** Log segments read, of those in the dataLogDir. */
  segmentsRead: number;
  segments: number;
}

/** The last "Restored ..." line of a server log (loadDataDir's). */
export function lastRecovery(logs: string): Recovery | undefined {
  const re =
    /Restored .*? and (\d+) txns up to zxid \S+ \(read (\d+) of (\d+) log segments\), \d+ sessions in (\d+) ms/g;
  const m = [...logs.matchAll(re)].at(-1);
  if (!m) return undefined;
  return { txns: +m[1], segmentsRead: +m[2], segments: +m[3], ms: +m[4] };
}

/** One znode's writes: issued and acknowledged. */
export interface Entry {
  /** setData calls issued (the version the znode has once they all applied). */
  attempts: number;
  /** The highest acknowledged version (-1: the create is not acknowledged). */
  ackedVersion: number;
  ackedMzxid: bigint;
}

/** Every znode a round tried, by path. */
export type Tried = Map<string, Entry>;

const enc = new TextEncoder();
const dec = new TextDecoder();

/** The payload of `path` at `version`: what a check compares the data with. */
function payload(path: string, version: number): Uint8Array {
  return enc.encode(`${path}#${version}`);
}

function wait(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Pipelines creates and setData on its own znodes until `stop()` or the connection dies. */
export function writer(
  zk: ZooKeeper,
  prefix: string,
  rec: Tried,
  random: ReturnType<typeof seededRandom>,
  window: number,
  impossible: string[],
): { stop: () => void; done: Promise<number> } {
  let stopped = false;
  let dead = false;
  let acks = 0;
  const own: string[] = [];
  const inflight = new Set<Promise<void>>();
  const issue = (): Promise<void> => {
    if (own.length > 0 && random.chance(0.5)) {
      const path = own[random.int(own.length)];
      const e = rec.get(path)!;
      const v = ++e.attempts;
      return zk.setData(path, payload(path, v)).then((stat) => {
        // One session's requests apply in order, so the v-th setData makes version v.
        if (stat.version !== v) {
          impossible.push(`${path}: setData #${v} made version ${stat.version}`);
        }
        acks++;
        if (v > e.ackedVersion) {
          e.ackedVersion = v;
          e.ackedMzxid = stat.mzxid;
        }
      });
    }
    const path = `${prefix}-${rec.size}`;
    const e: Entry = { attempts: 0, ackedVersion: -1, ackedMzxid: 0n };
    rec.set(path, e);
    return zk.create2(path, payload(path, 0)).then(({ stat }) => {
      acks++;
      own.push(path);
      if (e.ackedVersion < 0) {
        e.ackedVersion = 0;
        e.ackedMzxid = stat.mzxid;
      }
    });
  };
  const done = (async () => {
    while (!stopped && !dead) {
      while (inflight.size < window && !stopped && !dead) {
        const p: Promise<void> = issue().catch((e) => {
          if (!(e instanceof KeeperError)) throw e;
          dead = true; // the server is gone: everything after fails too
        }).finally(() => inflight.delete(p));
        inflight.add(p);
      }
      await Promise.race(inflight);
    }
    await Promise.all(inflight);
    return acks;
  })();
  return { stop: () => (stopped = true), done };
}

/**
 * Checks the znodes of `rec` (under `/crash/r<round>`) on one server.
 *
 * @returns the acknowledged writes checked
 */
export async function checkRound(
  zk: ZooKeeper,
  round: number,
  rec: Tried,
  out: { lost: Lost[]; impossible: string[] },
  member?: number,
): Promise<number> {
  const parent = `/crash/r${round}`;
  const at = member === undefined ? "" : ` on member ${member}`;
  let children: string[] = [];
  try {
    children = await zk.getChildren(parent);
  } catch (err) {
    if (!(err instanceof KeeperError) || err.code !== ErrorCode.NoNode) throw err;
    // The round's parent was acknowledged before the load began.
    out.lost.push({ round, path: parent, ackedVersion: 0, ackedMzxid: 0n, found: null, member });
  }
  const present = new Set(children.map((c) => `${parent}/${c}`));
  for (const p of present) {
    if (!rec.has(p)) out.impossible.push(`${p}${at}: a znode never created`);
  }
  let checked = 0;
  const paths = [...present, ...[...rec.keys()].filter((p) => !present.has(p))];
  for (let i = 0; i < paths.length; i += 256) {
    await Promise.all(
      paths.slice(i, i + 256).map(async (path) => {
        const e = rec.get(path);
        if (!e) return;
        let got: { data: Uint8Array | null; stat: { version: number; mzxid: bigint } } | null;
        try {
          got = present.has(path) ? await zk.getData(path) : null;
        } catch (err) {
          if (!(err instanceof KeeperError) || err.code !== ErrorCode.NoNode) throw err;
          got = null;
        }
        if (e.ackedVersion >= 0) checked += e.ackedVersion + 1;
        if (!got) {
          if (e.ackedVersion >= 0) {
            out.lost.push({
              round,
              path,
              ackedVersion: e.ackedVersion,
              ackedMzxid: e.ackedMzxid,
              found: null,
              member,
            });
          }
          return;
        }
        const { version, mzxid } = got.stat;
        if (version < e.ackedVersion || (version === e.ackedVersion && mzxid !== e.ackedMzxid)) {
          out.lost.push({
            round,
            path,
            ackedVersion: e.ackedVersion,
            ackedMzxid: e.ackedMzxid,
            found: { version, mzxid },
            member,
          });
        }
        if (version > e.attempts) {
          out.impossible.push(`${path}${at}: version ${version} but ${e.attempts} setData issued`);
        }
        const want = dec.decode(payload(path, version));
        const data = dec.decode(got.data ?? new Uint8Array(0));
        if (data !== want) {
          out.impossible.push(`${path}${at}: data "${data}" at version ${version}`);
        }
      }),
    );
  }
  return checked;
}

async function connect(connectString: string): Promise<ZooKeeper> {
  return await ZooKeeper.connect(connectString, { sessionTimeoutMs: 30_000 });
}

async function closeAll(zks: ZooKeeper[]): Promise<void> {
  await Promise.all(zks.map((zk) => zk.close().catch(() => {})));
}

/** Polls until every member reports the same Zxid and znode count; returns them. */
async function agree(
  ens: ApacheEnsemble,
  timeoutMs: number,
): Promise<{ zxid: string; nodes: string } | string> {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  while (Date.now() < deadline) {
    const seen = await Promise.all(ens.members.map(async (m) => {
      try {
        const srvr = await fourLetter(LOOPBACK, m.clientPort, "srvr", 2000);
        const mntr = await fourLetter(LOOPBACK, m.clientPort, "mntr", 2000);
        return {
          zxid: srvr.match(/^Zxid: (\S+)/m)?.[1] ?? "?",
          nodes: mntr.match(/^zk_znode_count\s+(\d+)/m)?.[1] ?? "?",
        };
      } catch {
        return { zxid: "down", nodes: "?" };
      }
    }));
    last = seen.map((s, i) => `member ${i + 1}: zxid ${s.zxid}, ${s.nodes} znodes`).join("; ");
    if (
      seen.every((s) => s.zxid === seen[0].zxid && s.nodes === seen[0].nodes && s.zxid !== "down")
    ) {
      return seen[0];
    }
    await wait(50);
  }
  return last;
}

function percentile(xs: number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)];
}

/**
 * Runs the crash rounds against fresh zkts processes (removed at the end).
 *
 * @returns the figures and every loss or impossibility seen
 */
export async function crashRounds(opts: CrashRoundsOptions): Promise<CrashRoundsResult> {
  const seed = opts.seed ?? (Date.now() & 0x7fffffff);
  const random = seededRandom(seed);
  const clients = opts.clients ?? 4;
  const window = opts.window ?? 32;
  const [killMin, killMax] = opts.killMs ?? [200, 1500];
  const log = opts.log ?? (() => {});
  const result: CrashRoundsResult = {
    target: opts.target,
    rounds: opts.rounds,
    seed,
    ackedWrites: 0,
    checkedWrites: 0,
    finalChecked: 0,
    lost: [],
    impossible: [],
    roundMs: [],
    restartMs: [],
    failoverMs: [],
    recovery: [],
  };
  const records: Tried[] = [];
  const leader = opts.target === "leader";
  let server: ApacheServer | undefined;
  let ens: ApacheEnsemble | undefined;
  try {
    // Defaults for snapCount and preAllocSize: the logs are as big as in production.
    if (leader) ens = await startZktsEnsemble(3, { forceSync: true });
    else server = await startZkts({ forceSync: true });
    const anyServer = () => leader ? ens!.connectString : server!.connectString;
    {
      const zk = await connect(anyServer());
      await zk.create("/crash", null);
      await zk.close();
    }
    for (let round = 0; round < opts.rounds; round++) {
      const t0 = performance.now();
      const rec: Tried = new Map();
      records.push(rec);
      const parent = `/crash/r${round}`;
      let victim = 0;
      if (leader) {
        victim = (await ens!.leader()) ?? 0;
        if (!victim) throw new Error(`round ${round}: no leader`);
      }
      // Clients spread over the members (those on followers forward their writes).
      const where = (c: number) =>
        leader ? ens!.connectStringOf((c % 3) + 1) : server!.connectString;
      const zks = await Promise.all(Array.from({ length: clients }, (_, c) => connect(where(c))));
      await zks[0].create(parent, null);
      const writers = zks.map((zk, c) =>
        writer(
          zk,
          `${parent}/c${c}`,
          rec,
          seededRandom(random.int(2 ** 31)),
          window,
          result.impossible,
        )
      );
      await wait(killMin + random.int(killMax - killMin + 1));
      const tKill = performance.now();
      if (leader) await ens!.kill(victim);
      else await server!.kill();
      for (const w of writers) w.stop();
      const acks = (await Promise.all(writers.map((w) => w.done))).reduce((a, b) => a + b, 0);
      result.ackedWrites += acks;
      await closeAll(zks);
      let restartMs: number;
      let failoverMs = 0;
      if (leader) {
        await ens!.waitServing(60_000);
        failoverMs = performance.now() - tKill;
        result.failoverMs.push(failoverMs);
        const t1 = performance.now();
        await ens!.restart(victim);
        restartMs = performance.now() - t1;
        await ens!.waitServing(60_000);
      } else {
        await server!.restart();
        restartMs = server!.startMs;
      }
      result.restartMs.push(restartMs);
      const recovery = lastRecovery(leader ? ens!.logs(victim) : server!.logs());
      if (recovery) result.recovery.push(recovery);
      const lost0 = result.lost.length, imp0 = result.impossible.length;
      let checked = 0;
      if (leader) {
        // A new leader's srvr says zxid <epoch>00000000 until the first txn of
        // its epoch: one write, then every member must reach the same zxid.
        const zk = await connect(ens!.connectString);
        try {
          await zk.setData("/crash", enc.encode(`after round ${round}`));
        } finally {
          await zk.close();
        }
        const agreed = await agree(ens!, 30_000);
        if (typeof agreed === "string") {
          result.impossible.push(`round ${round}: members disagree: ${agreed}`);
        }
        let first: string | undefined;
        for (const m of ens!.members) {
          const zk = await connect(ens!.connectStringOf(m.id));
          try {
            await zk.sync("/");
            checked += await checkRound(zk, round, rec, result, m.id);
            const kids = (await zk.getChildren(parent)).sort().join(",");
            first ??= kids;
            if (kids !== first) {
              result.impossible.push(
                `round ${round}: member ${m.id}'s children of ${parent} differ`,
              );
            }
          } finally {
            await zk.close();
          }
        }
      } else {
        const zk = await connect(server!.connectString);
        try {
          checked = await checkRound(zk, round, rec, result);
        } finally {
          await zk.close();
        }
      }
      result.checkedWrites += checked;
      const roundMs = performance.now() - t0;
      result.roundMs.push(roundMs);
      log(
        `round ${round}: ${acks} acknowledged writes (${rec.size} znodes tried), ${checked} checked, ` +
          `lost ${result.lost.length - lost0}, impossible ${result.impossible.length - imp0}, ` +
          (leader ? `killed leader ${victim}, failover ${failoverMs.toFixed(0)} ms, ` : "") +
          `restart ${restartMs.toFixed(0)} ms` +
          (recovery
            ? ` (recovery ${recovery.ms} ms: ${recovery.txns} txns, ${recovery.segmentsRead}/${recovery.segments} segments)`
            : "") +
          `, round ${roundMs.toFixed(0)} ms`,
      );
    }
    // At the end, every round's znodes again (after all the later crashes).
    const zk = await connect(anyServer());
    try {
      await zk.sync("/");
      const end = { lost: [] as Lost[], impossible: [] as string[] };
      for (let round = 0; round < records.length; round++) {
        await checkRound(zk, round, records[round], end);
        for (const e of records[round].values()) if (e.ackedVersion >= 0) result.finalChecked++;
      }
      const seen = new Set(result.lost.map((l) => `${l.path}@${l.member}`));
      for (const l of end.lost) if (!seen.has(`${l.path}@${l.member}`)) result.lost.push(l);
      result.impossible.push(...end.impossible.map((s) => `at the end: ${s}`));
    } finally {
      await zk.close();
    }
  } catch (e) {
    const logs = leader
      ? ens?.members.map((m) => `--- member ${m.id} ---\n${ens!.logs(m.id).slice(-4000)}`).join(
        "\n",
      )
      : server?.logs().slice(-4000);
    throw new Error(`crash rounds (seed=${seed}): ${(e as Error).message}\n${logs ?? ""}`, {
      cause: e,
    });
  } finally {
    await ens?.stop();
    await server?.stop();
  }
  return result;
}

/** The figures of a run as lines, for the command and the docs. */
export function summary(r: CrashRoundsResult): string {
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  const ms = (x: number) => `${x.toFixed(0)} ms`;
  const lines = [
    `target ${r.target}, ${r.rounds} rounds, seed=${r.seed}`,
    `acknowledged writes: ${r.ackedWrites}; checked after their round: ${r.checkedWrites}` +
    (r.target === "leader" ? " (on each of 3 members)" : "") +
    `; acknowledged znodes checked again at the end: ${r.finalChecked}`,
    `lost: ${r.lost.length}; impossible: ${r.impossible.length}`,
    `time per round: mean ${ms(mean(r.roundMs))}, p99 ${ms(percentile(r.roundMs, 0.99))}`,
    `restart (spawn to serving): median ${ms(percentile(r.restartMs, 0.5))}, p99 ${
      ms(percentile(r.restartMs, 0.99))
    }, max ${ms(Math.max(...r.restartMs))}`,
  ];
  if (r.recovery.length > 0) {
    const ms = r.recovery.map((x) => x.ms), txns = r.recovery.map((x) => x.txns);
    lines.push(
      `recovery in the server (snapshot + log replay): median ${percentile(ms, 0.5)} ms, p99 ${
        percentile(ms, 0.99)
      } ms; txns replayed median ${percentile(txns, 0.5)}, max ${Math.max(...txns)}; ` +
        `log segments read at most ${Math.max(...r.recovery.map((x) => x.segmentsRead))} of up to ${
          Math.max(...r.recovery.map((x) => x.segments))
        }`,
    );
  }
  if (r.target === "leader") {
    lines.push(
      `failover (kill to a new leader serving): median ${ms(percentile(r.failoverMs, 0.5))}, p99 ${
        ms(percentile(r.failoverMs, 0.99))
      }`,
    );
  }
  for (const l of r.lost.slice(0, 20)) {
    lines.push(
      `LOST round ${l.round} ${l.path}${
        l.member ? ` (member ${l.member})` : ""
      }: acked v${l.ackedVersion} ` +
        `mzxid 0x${l.ackedMzxid.toString(16)}, found ${
          l.found ? `v${l.found.version} mzxid 0x${l.found.mzxid.toString(16)}` : "nothing"
        }`,
    );
  }
  for (const s of r.impossible.slice(0, 20)) lines.push(`IMPOSSIBLE ${s}`);
  return lines.join("\n");
}

function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
}

if (import.meta.main) {
  const args = Deno.args;
  const target = (flag(args, "target") ?? "standalone") as CrashTarget;
  if (target !== "standalone" && target !== "leader") {
    console.error(`--target ${target}: standalone or leader`);
    Deno.exit(2);
  }
  const killMs = flag(args, "kill-ms")?.split("-").map(Number) as [number, number] | undefined;
  const seedFlag = flag(args, "seed");
  const r = await crashRounds({
    target,
    rounds: Number(flag(args, "rounds") ?? 100),
    seed: seedFlag === undefined ? undefined : Number(seedFlag),
    clients: flag(args, "clients") ? Number(flag(args, "clients")) : undefined,
    window: flag(args, "window") ? Number(flag(args, "window")) : undefined,
    killMs,
    log: (line) => console.log(line),
  });
  console.log(summary(r));
  Deno.exit(r.lost.length === 0 && r.impossible.length === 0 ? 0 : 1);
}
