/**
 * The chaos harness's nemeses: named fault schedules over a {@linkcode Cluster},
 * every choice drawn from one seeded {@linkcode Prng}, every fault logged with
 * its start and end into the history's `faults`.
 *
 * A schedule runs its faulty phase until a deadline (faults at random
 * intervals), then `heal` undoes everything (links back, paused members
 * resumed, killed members restarted); the caller's recovery phase follows.
 *
 * @module
 */
import type { Cluster } from "./cluster.ts";
import type { HistoryRecorder } from "./history.ts";

/** A small seeded generator (mulberry32): one seed, the same run. */
export class Prng {
  #s: number;
  constructor(seed: number) {
    this.#s = seed >>> 0;
  }
  /** A float in [0, 1). */
  float(): number {
    let t = (this.#s = (this.#s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.float() * n);
  }
  /** An integer in [lo, hi]. */
  between(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }
  pick<T>(a: readonly T[]): T {
    return a[this.int(a.length)];
  }
  shuffle<T>(a: readonly T[]): T[] {
    const b = [...a];
    for (let i = b.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [b[i], b[j]] = [b[j], b[i]];
    }
    return b;
  }
  /** An independent generator drawn from this one. */
  fork(): Prng {
    return new Prng(Math.floor(this.float() * 4294967296));
  }
}

/** The nemesis families, each one named schedule. */
export const NEMESES = [
  "kill",
  "pause",
  "partition-majority",
  "partition-leader",
  "partition-bridge",
  "partition-oneway",
  "loss",
  "kill-all",
  "rolling-restart",
  "disk-full",
] as const;

/** A nemesis family's name. */
export type NemesisName = typeof NEMESES[number];

/** What a schedule needs. */
export interface NemesisContext {
  cluster: Cluster;
  recorder: HistoryRecorder;
  random: Prng;
  /** The faulty phase ends at this performance.now(). */
  untilMs: number;
  /** A pause must outlast both (ms): syncLimit × tickTime and the session timeout. */
  pauseMinMs: number;
  /** Log a line (with the run's elapsed time). */
  log?: (line: string) => void;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, Math.max(0, ms)));

/** The leader now, or a random member when none answers. */
async function leaderOr(ctx: NemesisContext): Promise<number> {
  return (await ctx.cluster.leader()) ?? ctx.random.pick(ctx.cluster.members.map((m) => m.id));
}

/** The leader 60% of the time, else any member. */
async function victim(ctx: NemesisContext): Promise<number> {
  if (ctx.random.float() < 0.6) return await leaderOr(ctx);
  return ctx.random.pick(ctx.cluster.members.map((m) => m.id));
}

function ids(ctx: NemesisContext): number[] {
  return ctx.cluster.members.map((m) => m.id);
}

/** Holds a fault for `ms`, but not past the faulty phase's end. */
function hold(ctx: NemesisContext, ms: number): Promise<void> {
  return sleep(Math.min(ms, ctx.untilMs - performance.now()));
}

type Step = (ctx: NemesisContext) => Promise<void>;

function fault(ctx: NemesisContext, kind: string, target: string, note?: string): number {
  ctx.log?.(`fault ${kind} ${target}${note ? ` (${note})` : ""}`);
  return ctx.recorder.fault(kind, target, note);
}

function ended(ctx: NemesisContext, i: number): void {
  ctx.recorder.heal(i);
}

const groupsText = (groups: number[][]) => groups.map((g) => g.join(" ")).join(" | ");

const STEPS: Record<NemesisName, Step> = {
  async kill(ctx) {
    const id = await victim(ctx);
    const f = fault(ctx, "kill", `zk${id}`, "SIGKILL");
    await ctx.cluster.kill(id);
    await hold(ctx, ctx.random.between(500, 5000));
    await ctx.cluster.restart(id);
    ended(ctx, f);
  },
  async pause(ctx) {
    const id = await victim(ctx);
    const ms = ctx.random.between(ctx.pauseMinMs, ctx.pauseMinMs + 4000);
    const f = fault(ctx, "pause", `zk${id}`, `SIGSTOP ${ms} ms`);
    ctx.cluster.pause(id);
    // A pause is held whole even past the phase's end: its length is the point.
    await sleep(ms);
    ctx.cluster.resume(id);
    ended(ctx, f);
  },
  async "partition-majority"(ctx) {
    const all = ctx.random.shuffle(ids(ctx));
    const minority = all.slice(0, Math.floor((all.length - 1) / 2) || 1);
    const majority = all.filter((i) => !minority.includes(i));
    const groups = [majority.sort(), minority.sort()];
    const f = fault(ctx, "partition", groupsText(groups), "majority | minority");
    await ctx.cluster.partition(groups);
    await hold(ctx, ctx.random.between(3000, 10_000));
    await ctx.cluster.net.heal();
    ended(ctx, f);
  },
  async "partition-leader"(ctx) {
    const l = await leaderOr(ctx);
    const f = fault(ctx, "isolate", `zk${l}`, "the leader alone");
    await ctx.cluster.isolate(l);
    await hold(ctx, ctx.random.between(3000, 10_000));
    await ctx.cluster.net.heal();
    ended(ctx, f);
  },
  async "partition-bridge"(ctx) {
    // One member sees both halves; the halves do not see each other.
    const all = ctx.random.shuffle(ids(ctx));
    const bridge = all[0];
    const rest = all.slice(1);
    const half = Math.floor(rest.length / 2);
    const groups = [[bridge, ...rest.slice(0, half)].sort(), [bridge, ...rest.slice(half)].sort()];
    const f = fault(ctx, "partition", groupsText(groups), `bridge zk${bridge}`);
    await ctx.cluster.partition(groups);
    await hold(ctx, ctx.random.between(3000, 10_000));
    await ctx.cluster.net.heal();
    ended(ctx, f);
  },
  async "partition-oneway"(ctx) {
    const l = await leaderOr(ctx);
    const other = ctx.random.pick(ids(ctx).filter((i) => i !== l));
    const [from, to] = ctx.random.float() < 0.5 ? [l, other] : [other, l];
    const f = fault(
      ctx,
      "one-way",
      `zk${from} -> zk${to}`,
      "packets from one do not reach the other",
    );
    await ctx.cluster.oneWay(from, to);
    await hold(ctx, ctx.random.between(3000, 10_000));
    await ctx.cluster.net.heal();
    ended(ctx, f);
  },
  async loss(ctx) {
    const targets = ctx.random.shuffle(ids(ctx)).slice(0, ctx.random.between(1, 2));
    const pct = ctx.random.between(10, 40);
    const f = fault(ctx, "loss", targets.map((t) => `zk${t}`).join(" "), `${pct}% both ways`);
    for (const t of targets) await ctx.cluster.loss(t, pct);
    await hold(ctx, ctx.random.between(3000, 10_000));
    await ctx.cluster.net.heal();
    ended(ctx, f);
  },
  async "kill-all"(ctx) {
    const f = fault(ctx, "kill-all", "all", "SIGKILL every member at once");
    await Promise.all(ids(ctx).map((i) => ctx.cluster.kill(i)));
    await sleep(ctx.random.between(200, 3000));
    for (const i of ctx.random.shuffle(ids(ctx))) await ctx.cluster.restart(i);
    ended(ctx, f);
    await ctx.cluster.waitServing(60_000).catch(() => {});
  },
  async "disk-full"(ctx) {
    const id = await victim(ctx);
    const bytes = await ctx.cluster.fillDisk(id);
    const f = fault(ctx, "disk-full", `zk${id}`, `dataDir full (${bytes >> 20} MiB file)`);
    await hold(ctx, ctx.random.between(3000, 8000));
    await ctx.cluster.freeDisk(id);
    // A member that stopped on the full disk (Apache exits on a failed log write) comes back.
    if (!ctx.cluster.members[id - 1].running) {
      ctx.log?.(`zk${id} had stopped on the full disk: restarted`);
      await ctx.cluster.restart(id);
    }
    ended(ctx, f);
  },
  async "rolling-restart"(ctx) {
    for (const i of ctx.random.shuffle(ids(ctx))) {
      if (performance.now() >= ctx.untilMs) break;
      const f = fault(ctx, "restart", `zk${i}`, "rolling");
      await ctx.cluster.restart(i);
      ended(ctx, f);
      await ctx.cluster.waitServing(30_000).catch(() => {});
      await sleep(ctx.random.between(500, 2000));
    }
  },
};

/**
 * Runs nemesis `name`'s faulty phase until `ctx.untilMs` (each fault at a
 * random interval after the last), then heals everything.
 *
 * @returns how many faults were injected
 */
export async function runNemesis(name: NemesisName, ctx: NemesisContext): Promise<number> {
  const step = STEPS[name];
  if (!step) throw new RangeError(`no nemesis ${name} (${NEMESES.join(", ")})`);
  const before = ctx.recorder.history({}).faults.length;
  try {
    while (performance.now() < ctx.untilMs) {
      await sleep(Math.min(ctx.random.between(500, 3000), ctx.untilMs - performance.now()));
      if (performance.now() >= ctx.untilMs) break;
      await step(ctx);
    }
  } finally {
    await healAll(ctx.cluster);
  }
  return ctx.recorder.history({}).faults.length - before;
}

/** Links back, paused members resumed, stopped members started again. */
export async function healAll(cluster: Cluster): Promise<void> {
  await cluster.heal();
  for (const m of cluster.members) if (!m.running) await cluster.restart(m.id);
}
