/**
 * The differential test (issues #4, #6): the same seeded random workload
 * against Apache ZooKeeper 3.8 and zkts, every reply, watch event and the
 * final tree compared. CI runs 4 seeds of 10 000 ops; see README.md for
 * longer schedules (`ZKTS_DIFF_SEEDS`, `ZKTS_DIFF_OPS`).
 */
import assert from "node:assert/strict";
import { interopTest } from "../support/oracle.ts";
import { runSeed, settings } from "./differential.ts";
import { firstDifference, type History, Rng, stepDifferences } from "./workload.ts";

Deno.test("differential: the PRNG is deterministic per seed", () => {
  const a = new Rng(42);
  const b = new Rng(42);
  const xs = Array.from({ length: 5 }, () => a.int(1000));
  assert.deepEqual(Array.from({ length: 5 }, () => b.int(1000)), xs);
  assert.notDeepEqual(Array.from({ length: 5 }, () => new Rng(43).int(1000)), xs);
});

Deno.test("differential: the first difference names the seed and the step", () => {
  const h = (reply: string): History => ({
    seed: 7,
    steps: [{ op: "s0 create /d/a", reply: "ok" }, { op: "s0 delete /d/a -1", reply }],
    events: [[]],
    eventSteps: [[]],
    tree: [],
    ms: 0,
  });
  assert.equal(firstDifference(h("ok"), h("ok")), null);
  const d = firstDifference(h("ok"), h("err -101"));
  assert.match(d ?? "", /seed 7: first difference at step 1/);
  assert.match(d ?? "", /reply B: err -101/);
  assert.equal(stepDifferences(h("ok"), h("err -101")).length, 1);
});

const { seeds, ops, save, expire, exclude, sessions } = settings();
for (const seed of seeds) {
  interopTest(`differential: seed ${seed}, ${ops} ops, Apache vs zkts`, async () => {
    const r = await runSeed(seed, ops, { save, expire, exclude, sessions });
    console.log(`seed ${seed}: ${ops} ops in ${JSON.stringify(r.ms)} ms`);
    assert.equal(r.difference, null, `${r.difference}\n${r.steps.join("\n")}`);
  });
}
