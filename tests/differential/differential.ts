/**
 * Runs the differential workload of {@linkcode runWorkload} for some seeds
 * against a fresh Apache ZooKeeper 3.8 and a fresh zkts server side by side,
 * and compares the histories.
 *
 * Environment: `ZKTS_DIFF_SEEDS` (how many seeds, default 4),
 * `ZKTS_DIFF_OPS` (ops per seed, default 10000), `ZKTS_DIFF_SEED` (the first
 * seed, default 1), `ZKTS_DIFF_SAVE` (a directory: each history is written
 * there as `<server>-<seed>.msgpack`), `ZKTS_DIFF_EXPIRE=0` (do not expire
 * a session half way), `ZKTS_DIFF_SESSIONS` (sessions at once, default 3).
 *
 * @module
 */
import { encode } from "@msgpack/msgpack";
import type { ApacheOptions, ApacheServer } from "../support/apache.ts";
import { TARGETS } from "../support/zkts.ts";
import { firstDifference, type History, runWorkload, stepDifferences } from "./workload.ts";

/** The servers' settings for the workload: short ticks for a quick expiry, no container reaping. */
export const SERVER_OPTIONS: ApacheOptions = {
  forceSync: false,
  extendedTypesEnabled: true,
  tickTime: 500,
  systemProperties: { "znode.container.checkIntervalMs": "3600000" },
  extra: { "znode.container.checkIntervalMs": 3600000 },
};

/**
 * What the CI schedule leaves out while zkts differs from Apache there (see
 * README.md): `ZKTS_DIFF_EXCLUDE` overrides it (comma separated, empty for
 * nothing left out).
 */
export const KNOWN_DIFFERENCES: readonly string[] = [];

/**
 * The settings of a run, from the environment.
 *
 * @example
 * ```ts
 * import { settings } from "./differential.ts";
 * import assert from "node:assert/strict";
 * assert.ok(settings().seeds.length >= 1);
 * ```
 */
export function settings(): {
  seeds: number[];
  ops: number;
  save?: string;
  expire: boolean;
  exclude: string[];
  sessions: number;
} {
  const n = Number(Deno.env.get("ZKTS_DIFF_SEEDS") ?? 4);
  const first = Number(Deno.env.get("ZKTS_DIFF_SEED") ?? 1);
  const ops = Number(Deno.env.get("ZKTS_DIFF_OPS") ?? 10000);
  return {
    seeds: Array.from({ length: n }, (_, i) => first + i),
    ops,
    save: Deno.env.get("ZKTS_DIFF_SAVE") || undefined,
    expire: Deno.env.get("ZKTS_DIFF_EXPIRE") !== "0",
    sessions: Number(Deno.env.get("ZKTS_DIFF_SESSIONS") ?? 3),
    exclude: (Deno.env.get("ZKTS_DIFF_EXCLUDE") ?? KNOWN_DIFFERENCES.join(","))
      .split(",").filter((x) => x),
  };
}

/** The outcome of one seed. */
export interface SeedResult {
  seed: number;
  difference: string | null;
  /** The first differing steps (up to 20). */
  steps: string[];
  /** Wall time of the schedule per server (ms). */
  ms: Record<string, number>;
}

/**
 * Runs `seed` against a fresh server of each target (in parallel) and compares.
 *
 * @example
 * ```ts ignore
 * import { runSeed } from "./differential.ts";
 * const r = await runSeed(7, 2000);
 * if (r.difference) console.log(r.difference, r.steps.join("\n"));
 * ```
 */
export async function runSeed(
  seed: number,
  ops: number,
  opts: { save?: string; expire?: boolean; exclude?: readonly string[]; sessions?: number } = {},
): Promise<SeedResult> {
  const save = opts.save;
  const servers: ApacheServer[] = [];
  try {
    for (const t of TARGETS) servers.push(await t.start(SERVER_OPTIONS));
    const hs: History[] = await Promise.all(
      servers.map((s) =>
        runWorkload({
          connectString: s.connectString,
          seed,
          ops,
          expire: opts.expire,
          sessions: opts.sessions,
          exclude: opts.exclude,
        })
      ),
    );
    if (save) {
      await Deno.mkdir(save, { recursive: true });
      for (let i = 0; i < hs.length; i++) {
        await Deno.writeFile(`${save}/${TARGETS[i].name}-${seed}.msgpack`, encode(hs[i]));
      }
    }
    const ms: Record<string, number> = {};
    TARGETS.forEach((t, i) => ms[t.name] = Math.round(hs[i].ms));
    return {
      seed,
      difference: firstDifference(hs[0], hs[1]),
      steps: stepDifferences(hs[0], hs[1]),
      ms,
    };
  } finally {
    for (const s of servers) await s.stop();
  }
}

if (import.meta.main) {
  const { seeds, ops, save, expire, exclude, sessions } = settings();
  let failed = 0;
  for (const seed of seeds) {
    const r = await runSeed(seed, ops, { save, expire, exclude, sessions });
    console.log(`seed ${seed}: ${ops} ops, ${JSON.stringify(r.ms)} ms`);
    if (r.difference) {
      failed++;
      console.log(r.difference);
      if (Deno.env.get("ZKTS_DIFF_VERBOSE")) console.log(r.steps.join("\n"));
    }
  }
  Deno.exit(failed ? 1 : 0);
}
