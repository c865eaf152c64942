/**
 * The crash rounds of crash_rounds.ts, few of them so CI stays fast: a
 * standalone zkts SIGKILLed 5 times, the leader of a 3-member ensemble 3
 * times, under pipelined writes with forceSync=yes. The 100-round runs are
 * `deno run -A tests/server/crash_rounds.ts --rounds 100 --target standalone|leader`.
 * `ZKTS_CRASH_SEED` replays a failing run's kill moments.
 */
import assert from "node:assert/strict";
import { crashRounds, type CrashTarget, summary } from "./crash_rounds.ts";

const SEED = Deno.env.get("ZKTS_CRASH_SEED");

const cases: { name: string; target: CrashTarget; rounds: number }[] = [
  {
    name: "a standalone server SIGKILLed 5 times loses no acknowledged write",
    target: "standalone",
    rounds: 5,
  },
  {
    name: "an ensemble whose leader is SIGKILLed 3 times loses no acknowledged write and agrees",
    target: "leader",
    rounds: 3,
  },
];

for (const c of cases) {
  Deno.test({
    name: `crash rounds: ${c.name}`,
    sanitizeOps: false,
    sanitizeResources: false,
    async fn() {
      const r = await crashRounds({
        target: c.target,
        rounds: c.rounds,
        seed: SEED === undefined ? undefined : Number(SEED),
        killMs: [150, 600],
      });
      console.log(summary(r));
      assert.ok(r.ackedWrites > 0, "some writes were acknowledged");
      assert.equal(r.checkedWrites, r.ackedWrites * (c.target === "leader" ? 3 : 1));
      assert.deepEqual(r.lost, [], `no acknowledged write is lost (seed=${r.seed})`);
      assert.deepEqual(r.impossible, [], `nothing impossible appears (seed=${r.seed})`);
    },
  });
}
