/**
 * `deno task chaos`: chaos runs on real server processes in network
 * namespaces. Each run starts an ensemble (zkts, Apache ZooKeeper 3.8 or
 * mixed, fsync on), runs the register and sequential workloads while one
 * nemesis family injects faults, heals, waits for the ensemble to serve
 * again, and checks: the register history is linearizable, every
 * acknowledged write is there, sequential names are unique and increasing
 * per client, the members converged.
 *
 * ```
 * deno task chaos --short                  # CI: every nemesis on zkts×3, and a mixed run
 * deno task chaos --runs 200               # hours: kinds, sizes and nemeses drawn from the seed
 * deno task chaos --kind apache --nemesis kill --seed 42 --runs 1
 * deno task chaos --cleanup                # remove leftovers of earlier (killed) runs
 * ```
 *
 * Must run as root (namespaces, nftables). Exits 1 when a run fails; its
 * history, timeline and member logs are under the directory it prints.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { Cluster, type MemberKind, stopAll } from "./cluster.ts";
import { cleanupLeftovers, isRoot, PREFIX } from "./net.ts";
import { decodeHistory, HistoryRecorder, writeHistory } from "./history.ts";
import { type CrossCheck, crossCheck } from "./_crosscheck.ts";
import {
  checkAcknowledgedPresent,
  checkConverged,
  checkLinearizable,
  type CheckResult,
  checkSequentialUnique,
} from "./checker.ts";
import { healAll, NEMESES, type NemesisName, Prng, runNemesis } from "./nemesis.ts";
import {
  probeWrite,
  readFinal,
  registerKeys,
  runWorkload,
  SEQ_PARENT,
  setup,
  type Workload,
} from "./workload.ts";

/** The ensemble kinds a run can have. */
export type EnsembleKind = "zkts" | "apache" | "mixed";

/** One run's choices: all of them follow from the seed when not given. */
export interface RunPlan {
  seed: number;
  kind: EnsembleKind;
  size: 3 | 5;
  nemesis: NemesisName;
  /** The faulty phase (ms). */
  faultyMs: number;
  /** Reads without sync (`--no-sync-reads`: the harness's self-test, which should fail). */
  readsWithoutSync?: boolean;
}

/** One run's outcome. */
export interface RunReport {
  plan: RunPlan;
  label: string;
  ops: number;
  faults: number;
  linearizable: boolean;
  timedOut: boolean;
  lost: number;
  servedAgainMs: number | null;
  /** History ops by outcome. */
  outcomes: { ok: number; fail: number; info: number };
  /** How long the linearizability check took (ms). */
  checkMs: number;
  problems: string[];
  dir?: string;
}

const TICK_MS = 1000;
const SYNC_LIMIT = 5;
const SESSION_TIMEOUT_MS = 4000;
/** The ensemble must serve again (every member, a write through each) within this after heal. */
const RECOVERY_BOUND_MS = 30_000;

/** The member kinds of an ensemble: a mixed one has 1 or 2 Apache members (the seed picks). */
export function kindsOf(kind: EnsembleKind, size: number, random: Prng): MemberKind[] {
  if (kind !== "mixed") return Array(size).fill(kind);
  const apache = random.float() < 0.5 ? 1 : 2;
  const kinds: MemberKind[] = Array(size).fill("zkts");
  for (const i of random.shuffle([...kinds.keys()]).slice(0, apache)) kinds[i] = "apache";
  return kinds;
}

function label(kinds: MemberKind[]): string {
  const a = kinds.filter((k) => k === "apache").length;
  const z = kinds.length - a;
  if (a === 0) return `zkts×${z}`;
  if (z === 0) return `apache×${a}`;
  return `mixed(${a} apache + ${z} zkts)`;
}

const elapsed = (t0: number) => ((performance.now() - t0) / 1000).toFixed(1);

/**
 * Runs one chaos run: start, workload + nemesis, heal, recovery, checks.
 *
 * @returns its report; a failing run's history and logs are written under `outDir`
 */
export async function runOne(
  plan: RunPlan,
  opts: { outDir: string; verbose?: boolean; index: number },
): Promise<RunReport> {
  const random = new Prng(plan.seed);
  const kinds = kindsOf(plan.kind, plan.size, random.fork());
  const name = label(kinds);
  const t0 = performance.now();
  const log = (line: string) => {
    if (opts.verbose) console.error(`  [${elapsed(t0)} s] ${line}`);
  };
  const keys = registerKeys(3);
  const problems: string[] = [];
  const cluster = await Cluster.start({
    kinds,
    tickTime: TICK_MS,
    syncLimit: SYNC_LIMIT,
    baseDir: `/tmp/${PREFIX}${Deno.pid}`,
    ...(plan.nemesis === "disk-full" ? { dataDirMb: 48 } : {}),
  });
  log(`${name} serving, leader zk${await cluster.leader()}`);
  const recorder = new HistoryRecorder();
  let servedAgainMs: number | null = null;
  let faults = 0;
  let report: RunReport | undefined;
  let workload: Workload | undefined;
  try {
    await setup(cluster, keys);
    workload = runWorkload({
      cluster,
      recorder,
      random: random.fork(),
      keys,
      sessionTimeoutMs: SESSION_TIMEOUT_MS,
      readsWithoutSync: plan.readsWithoutSync,
      firstValue: opts.index * 1_000_000 + 1,
    });
    // A quiet start, so the history begins with the ensemble serving.
    await new Promise((r) => setTimeout(r, 1500));
    try {
      faults = await runNemesis(plan.nemesis, {
        cluster,
        recorder,
        random: random.fork(),
        untilMs: performance.now() + plan.faultyMs,
        pauseMinMs: Math.max(SYNC_LIMIT * TICK_MS, SESSION_TIMEOUT_MS) + 1000,
        log,
      });
    } catch (e) {
      problems.push(`nemesis ${plan.nemesis}: ${(e as Error).message}`);
      await healAll(cluster).catch(() => {});
    }
    log("healed");
    // Recovery: every member serves, with one leader, and takes a write.
    const healedAt = performance.now();
    try {
      await cluster.waitServing(RECOVERY_BOUND_MS);
      for (const m of cluster.members) {
        while (!(await probeWrite(cluster, m.id, 5000))) {
          if (performance.now() - healedAt > RECOVERY_BOUND_MS) {
            throw new Error(`zk${m.id} takes no write`);
          }
        }
      }
      servedAgainMs = performance.now() - healedAt;
      log(`served again in ${(servedAgainMs / 1000).toFixed(1)} s`);
    } catch (e) {
      problems.push(
        `did not serve again within ${RECOVERY_BOUND_MS / 1000} s of heal: ${(e as Error).message}`,
      );
    }
    // A little healthy load after recovery, then the final checks.
    await new Promise((r) => setTimeout(r, 2000));
    const done = await workload.stop();
    const history = recorder.history({
      seed: plan.seed,
      kind: plan.kind,
      members: kinds,
      nemesis: plan.nemesis,
      faultyMs: plan.faultyMs,
      initial: Object.fromEntries(keys.map((k) => [k, { value: 0, version: 0 }])),
      tickTime: TICK_MS,
      syncLimit: SYNC_LIMIT,
      sessionTimeoutMs: SESSION_TIMEOUT_MS,
      forceSync: true,
    });
    const lin = checkLinearizable(history, { timeoutMs: 60_000 });
    const cross = crossCheck(history, 60_000);
    log(
      `checked ${lin.ops} ops on ${lin.keys} keys in ${Math.round(lin.ms)} ms: ${lin.ok}; ` +
        `cross-check in ${Math.round(cross.ms)} ms: ${cross.ok}`,
    );
    problems.push(...linearizabilityProblems(lin, cross));
    let lost = 0;
    if (servedAgainMs !== null) {
      const survivor = cluster.members[0].id;
      try {
        const final = await readFinal(cluster, survivor, keys);
        const present = checkAcknowledgedPresent(done.acked, final.registers);
        const have = new Set(final.seq);
        const missing = done.sequential.filter((s) => !have.has(s.name));
        lost = present.problems.length + missing.length;
        problems.push(...present.problems);
        for (const s of missing) {
          problems.push(`${SEQ_PARENT}/${s.name}: acknowledged to client ${s.process}, not there`);
        }
        problems.push(...checkSequentialUnique({ [SEQ_PARENT]: done.sequential }).problems);
      } catch (e) {
        problems.push(`final read: ${(e as Error).message}`);
      }
      const conv = await converged(cluster);
      problems.push(...conv);
    }
    const opsCount = history.ops.length;
    const outcomes = { ok: 0, fail: 0, info: 0 };
    for (const op of history.ops) outcomes[op.outcome]++;
    log(`outcomes ok=${outcomes.ok} fail=${outcomes.fail} info=${outcomes.info}`);
    report = {
      outcomes,
      checkMs: lin.ms,
      plan,
      label: name,
      ops: opsCount,
      faults,
      linearizable: lin.ok && cross.ok,
      timedOut: (lin.timedOut ?? false) || cross.timedOut,
      lost,
      servedAgainMs,
      problems,
    };
    const dir = `${opts.outDir}/run${opts.index}-${plan.kind}-${plan.nemesis}-seed${plan.seed}`;
    // Every history is kept (msgpack and JSON) for --recheck; a failing run's with its timeline.
    if (problems.length === 0) await writeHistory(dir, history);
    if (problems.length > 0) {
      await writeHistory(dir, history, lin);
      await cluster.saveLogs(dir);
      await Deno.writeTextFile(`${dir}/problems.txt`, problems.join("\n") + "\n");
      report.dir = dir;
    }
    return report;
  } finally {
    // A run that failed half-way must not leave clients behind: the next run's members have
    // the same addresses.
    await workload?.stop();
    await cluster.stop();
  }
}

/** What the two linearizability checks say is wrong (nothing when both say ok). */
function linearizabilityProblems(lin: CheckResult, cross: CrossCheck): string[] {
  const problems: string[] = [];
  if (!lin.ok) {
    problems.push(
      lin.timedOut
        ? `checker.ts: linearizability check timed out (key ${lin.key})`
        : `checker.ts: not linearizable: key ${lin.key}, op ${lin.badOp}`,
    );
  }
  if (!cross.ok) {
    problems.push(
      cross.timedOut
        ? `cross-check: timed out (key ${cross.key})`
        : `cross-check: not linearizable: key ${cross.key}`,
    );
  }
  if (lin.ok !== cross.ok && !lin.timedOut && !cross.timedOut) {
    problems.push(`the checkers disagree: checker.ts says ${lin.ok}, the cross-check ${cross.ok}`);
  }
  return problems;
}

/**
 * Waits (up to 15 s) until every member has the same last zxid and the same
 * tree (znode count, and the digest at the newest zxid they all logged one for).
 *
 * @returns the problems left when they do not converge
 */
async function converged(cluster: Cluster): Promise<string[]> {
  const deadline = performance.now() + 15_000;
  let problems: string[] = [];
  while (performance.now() < deadline) {
    const ds = await Promise.all(cluster.members.map((m) => cluster.digest(m.id)));
    if (ds.some((d) => d === null)) {
      problems = ["a member does not answer srvr"];
    } else {
      const all = ds.map((d) => d!);
      const common = Object.keys(all[0].hashes)
        .filter((z) => all.every((d) => z in d.hashes))
        .sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1)).pop();
      const map = new Map(all.map((d) => [
        `zk${d.node}`,
        {
          zxid: d.zxid,
          digest: `nodes ${d.znodeCount}${common ? ` hash@${common} ${d.hashes[common]}` : ""}`,
        },
      ]));
      problems = checkConverged(map).problems;
      if (problems.length === 0) return [];
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return problems;
}

/**
 * The checker must refuse a stale read (a read after an acknowledged write
 * that returns the old value) and accept the same history read fresh: a
 * verdict from a checker that does not is worth nothing.
 *
 * @returns what is wrong with the checker, or null
 */
export function checkerSanity(): string | null {
  const history = (readValue: number) => ({
    meta: { initial: { "/r": { value: 0, version: 0 } } },
    faults: [],
    ops: [
      {
        process: 0,
        key: "/r",
        f: "write" as const,
        input: 5,
        output: { version: 1 },
        call: 0,
        ret: 10,
        outcome: "ok" as const,
      },
      {
        process: 1,
        key: "/r",
        f: "read" as const,
        input: undefined,
        output: { value: readValue, version: readValue === 5 ? 1 : 0 },
        call: 20,
        ret: 30,
        outcome: "ok" as const,
      },
    ],
  });
  if (checkLinearizable(history(0), { timeoutMs: 5000 }).ok) {
    return "checkLinearizable accepts a stale read (write 5 acknowledged at 10, read 0 called at 20)";
  }
  if (!checkLinearizable(history(5), { timeoutMs: 5000 }).ok) {
    return "checkLinearizable refuses a fresh read (write 5 acknowledged at 10, read 5 called at 20)";
  }
  return null;
}

/** Mixes a base seed and a run index into a run's seed. */
function runSeed(base: number, i: number): number {
  if (i === 0) return base >>> 0;
  let h = (base ^ Math.imul(i, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  return (h ^ (h >>> 13)) >>> 0;
}

function planFor(
  seed: number,
  given: { kind?: EnsembleKind; nemesis?: NemesisName; size?: 3 | 5; faultyMs: number },
): RunPlan {
  const r = new Prng(seed ^ 0x5eed);
  const kind = given.kind ?? r.pick(["zkts", "zkts", "mixed", "apache"] as const);
  const size = given.size ?? (r.float() < 0.7 ? 3 : 5);
  const nemesis = given.nemesis ?? r.pick(NEMESES);
  return { seed, kind, size, nemesis, faultyMs: given.faultyMs };
}

function line(i: number, r: RunReport): string {
  const lin = r.linearizable ? "linearizable" : r.timedOut ? "check timed out" : "NOT linearizable";
  const served = r.servedAgainMs === null
    ? "did NOT serve again"
    : `served again in ${(r.servedAgainMs / 1000).toFixed(1)} s`;
  const other = r.problems.length > 0 ? ` — ${r.problems.length} problem(s), see ${r.dir}` : "";
  return `run ${i} ${r.label} ${r.plan.nemesis} seed=${r.plan.seed} ops=${r.ops} faults=${r.faults} ` +
    `${lin}, ${r.lost} lost, ${served}${other}`;
}

async function main(): Promise<number> {
  const { values: args } = parseArgs({
    args: Deno.args,
    options: {
      short: { type: "boolean" },
      "no-sync-reads": { type: "boolean" },
      cleanup: { type: "boolean" },
      verbose: { type: "boolean", short: "v" },
      help: { type: "boolean", short: "h" },
      runs: { type: "string" },
      kind: { type: "string" },
      nemesis: { type: "string" },
      seed: { type: "string" },
      size: { type: "string" },
      faulty: { type: "string" },
      out: { type: "string" },
      recheck: { type: "string" },
    },
  });
  if (args.help) {
    console.log(
      "deno task chaos [--short] [--runs N] [--kind zkts|apache|mixed] [--nemesis NAME] [--size 3|5]\n" +
        "                [--seed S] [--faulty SECONDS] [--out DIR] [--verbose] [--cleanup]\n" +
        "                [--no-sync-reads: reads skip sync, a self-test the checker must fail]\n" +
        "       deno task chaos --recheck DIR   (check the histories a run kept again)\n" +
        `nemeses: ${NEMESES.join(", ")}`,
    );
    return 0;
  }
  if (!isRoot()) {
    console.error("chaos: must run as root (network namespaces, nftables)");
    return 2;
  }
  if (args.recheck) {
    const insane = checkerSanity();
    if (insane) console.error(`chaos: WARNING: the checker is broken: ${insane}`);
    return await recheck(args.recheck);
  }
  if (args.cleanup) {
    const removed = await cleanupLeftovers();
    console.log(removed.length ? `removed ${removed.join(" ")}` : "nothing to clean up");
    return 0;
  }
  await cleanupLeftovers();
  const insane = checkerSanity();
  if (insane) {
    console.error(
      `chaos: WARNING: the checker is broken (${insane}): its verdicts mean nothing; ` +
        "every history is kept for --recheck, and the exit code is 3",
    );
  }
  const kind = args.kind as EnsembleKind | undefined;
  if (kind && !["zkts", "apache", "mixed"].includes(kind)) {
    console.error(`--kind ${kind}: zkts, apache or mixed`);
    return 2;
  }
  const nemesis = args.nemesis as NemesisName | undefined;
  if (nemesis && !NEMESES.includes(nemesis)) {
    console.error(`--nemesis ${nemesis}: one of ${NEMESES.join(", ")}`);
    return 2;
  }
  const size = args.size ? Number(args.size) as 3 | 5 : undefined;
  const base = args.seed !== undefined ? Number(args.seed) >>> 0 : (Date.now() ^ Deno.pid) >>> 0;
  const outDir = args.out ?? `/tmp/zkts-chaos-${base}`;
  const plans: RunPlan[] = [];
  if (args.short) {
    const faultyMs = (args.faulty ? Number(args.faulty) : 20) * 1000;
    NEMESES.forEach((n, i) => {
      plans.push({ ...planFor(runSeed(base, i), { faultyMs }), kind: "zkts", size: 3, nemesis: n });
    });
    const seed = runSeed(base, NEMESES.length);
    plans.push({ ...planFor(seed, { faultyMs }), kind: "mixed", size: 3 });
  } else {
    const faultyMs = (args.faulty ? Number(args.faulty) : 30) * 1000;
    const runs = args.runs ? Number(args.runs) : 1;
    for (let i = 0; i < runs; i++) {
      plans.push(planFor(runSeed(base, i), { kind, nemesis, size, faultyMs }));
    }
  }
  if (args["no-sync-reads"]) { for (const p of plans) p.readsWithoutSync = true; }
  console.log(`chaos: seed=${base}, ${plans.length} run(s), failures written under ${outDir}`);
  const reports: RunReport[] = [];
  const t0 = performance.now();
  for (const [i, plan] of plans.entries()) {
    let r: RunReport;
    try {
      r = await runOne(plan, { outDir, verbose: args.verbose, index: i + 1 });
    } catch (e) {
      r = {
        plan,
        label: plan.kind,
        ops: 0,
        faults: 0,
        linearizable: false,
        timedOut: false,
        lost: 0,
        servedAgainMs: null,
        outcomes: { ok: 0, fail: 0, info: 0 },
        checkMs: 0,
        problems: [`run failed: ${(e as Error).message.split("\n").slice(0, 20).join("\n")}`],
      };
      console.error((e as Error).message);
    }
    reports.push(r);
    console.log(line(i + 1, r));
    for (const p of r.problems.slice(0, 5)) console.log(`    ${p}`);
    if (r.problems.length > 0) {
      console.log(
        `    replay: deno task chaos --runs 1 --seed ${plan.seed} --kind ${plan.kind} ` +
          `--size ${plan.size} --nemesis ${plan.nemesis} --faulty ${plan.faultyMs / 1000}`,
      );
    }
  }
  const lin = reports.filter((r) => r.linearizable).length;
  const lost = reports.reduce((n, r) => n + r.lost, 0);
  await Deno.mkdir(outDir, { recursive: true });
  await Deno.writeTextFile(`${outDir}/summary.json`, JSON.stringify(reports, null, 1) + "\n");
  console.log(`chaos: ${elapsed(t0)} s in all; summary in ${outDir}/summary.json`);
  console.log(`${reports.length} runs, ${lin} linearizable, ${lost} acknowledged writes lost`);
  if (insane) return 3;
  return reports.every((r) => r.problems.length === 0) ? 0 : 1;
}

/**
 * Checks the histories a run kept again (`--recheck DIR`): each
 * `*\/history.msgpack` under DIR, with the checker as it is now.
 *
 * @returns 0 when all are linearizable
 */
async function recheck(dir: string): Promise<number> {
  let n = 0, good = 0;
  const entries = [...Deno.readDirSync(dir)].filter((e) => e.isDirectory).map((e) => e.name).sort();
  for (const name of entries) {
    let bytes: Uint8Array;
    try {
      bytes = await Deno.readFile(`${dir}/${name}/history.msgpack`);
    } catch {
      continue;
    }
    const h = decodeHistory(bytes);
    const r = checkLinearizable(h, { timeoutMs: 60_000 });
    const cross = crossCheck(h, 60_000);
    n++;
    const problems = linearizabilityProblems(r, cross);
    if (problems.length === 0) good++;
    const verdict = problems.length === 0 ? "linearizable" : problems.join("; ");
    console.log(
      `${name} ops=${h.ops.length} faults=${h.faults.length} ${verdict} ` +
        `(${Math.round(r.ms)} ms, cross-check ${Math.round(cross.ms)} ms)`,
    );
    if (problems.length > 0) await writeHistory(`${dir}/${name}`, h, r);
  }
  console.log(`${n} histories, ${good} linearizable`);
  return n === good ? 0 : 1;
}

if (import.meta.main) {
  let exiting = false;
  const onSignal = async (sig: Deno.Signal) => {
    if (exiting) return;
    exiting = true;
    console.error(`chaos: ${sig}, cleaning up`);
    await stopAll();
    await cleanupLeftovers().catch(() => {});
    await Deno.remove(`/tmp/${PREFIX}${Deno.pid}`, { recursive: true }).catch(() => {});
    Deno.exit(130);
  };
  Deno.addSignalListener("SIGINT", () => onSignal("SIGINT"));
  Deno.addSignalListener("SIGTERM", () => onSignal("SIGTERM"));
  let code = 1;
  try {
    code = await main();
  } catch (e) {
    console.error(e);
  } finally {
    await stopAll();
    await Deno.remove(`/tmp/${PREFIX}${Deno.pid}`, { recursive: true }).catch(() => {});
  }
  Deno.exit(code);
}
