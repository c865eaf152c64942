/**
 * Deterministic simulation of FastLeaderElection over a faulty network, many
 * seeds. A failure prints `seed=N`; replay it with
 * `ELECTION_SEED=N deno test -A tests/election/sim_test.ts` (prints the trace).
 * `ELECTION_SEEDS=K` runs K seeds (default 5000).
 */

import assert from "node:assert/strict";
import { runSeed } from "./sim.ts";

const single = Deno.env.get("ELECTION_SEED");
const count = Number(Deno.env.get("ELECTION_SEEDS") ?? 5000);

Deno.test(`simulation: ${single ? `seed=${single}` : `${count} seeds`} of 3, 5 and 7 peers`, () => {
  const seeds = single ? [Number(single)] : Array.from({ length: count }, (_, i) => i + 1);
  const times: number[] = [];
  let decisions = 0;
  let establishments = 0;
  let aborts = 0;
  for (const seed of seeds) {
    const result = runSeed(seed, single !== undefined);
    if (single) console.log(result.sim.log.join("\n"));
    if (result.error) {
      throw new Error(`seed=${seed}: ${result.error.message}`, { cause: result.error });
    }
    times.push(result.healedElectionMs);
    decisions += result.sim.decisions;
    establishments += result.sim.establishments.length;
    aborts += result.sim.aheadAborts;
  }
  times.sort((a, b) => a - b);
  const q = (f: number) => times[Math.min(times.length - 1, Math.floor(f * times.length))];
  console.log(
    `seeds=${seeds.length} decisions=${decisions} establishments=${establishments} ` +
      `ahead-aborts=${aborts} healed→settled ms p50=${q(0.5)} p90=${q(0.9)} max=${q(1)}`,
  );
  assert.ok(times.length === seeds.length);
});

Deno.test("simulation: the same seed replays the same run", () => {
  const a = runSeed(42, true).sim;
  const b = runSeed(42, true).sim;
  assert.deepEqual(a.log, b.log);
  assert.ok(a.log.length > 10);
});
