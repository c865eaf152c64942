/**
 * Runs many seeds of the simulated ensemble (packages/zab/_sim.ts) and
 * prints what they went through; a failing seed prints its story.
 *
 *   deno run -A packages/zab/sim.ts [from=1] [to=1000]
 *
 * @module
 */
import { simulate } from "./_sim.ts";

const from = Number(Deno.args[0] ?? 1);
const to = Number(Deno.args[1] ?? 1000);
const t0 = performance.now();
const total = { seeds: 0, failed: 0, snap: 0, diff: 0, trunc: 0, leaders: 0, acknowledged: 0 };
for (let seed = from; seed <= to; seed++) {
  total.seeds++;
  try {
    const r = simulate({
      seed,
      peers: seed % 2 ? 5 : 3,
      ms: 8000,
      crashRate: 0.002,
      cutRate: 0.002,
    });
    total.snap += r.syncs.snap;
    total.diff += r.syncs.diff;
    total.trunc += r.syncs.trunc;
    total.leaders += r.leaders;
    total.acknowledged += r.acknowledged;
  } catch (e) {
    total.failed++;
    console.log(e instanceof Error ? e.message : e);
  }
}
console.log({ ...total, ms: Math.round(performance.now() - t0) });
if (total.failed > 0) Deno.exit(1);
