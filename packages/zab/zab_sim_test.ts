import assert from "node:assert/strict";
import { simulate } from "./_sim.ts";

Deno.test("zab sim: a quiet ensemble of 3 elects, syncs and commits every write everywhere", () => {
  const r = simulate({ seed: 1, peers: 3, ms: 3000, crashRate: 0, cutRate: 0 });
  assert.equal(r.leaders, 1);
  assert.ok(r.acknowledged > 50, `acknowledged ${r.acknowledged}`);
});

Deno.test("zab sim: 3 and 5 peers under crashes and cut links never lose an acknowledged write", () => {
  // 150 seeds here; `deno run -A packages/zab/sim.ts 1 10000` runs more (1,000 seeds: 8 s).
  let snap = 0, diff = 0, trunc = 0, leaders = 0, acked = 0;
  for (let seed = 1; seed <= 150; seed++) {
    const r = simulate({
      seed,
      peers: seed % 2 ? 5 : 3,
      ms: 8000,
      crashRate: 0.002,
      cutRate: 0.002,
    });
    snap += r.syncs.snap;
    diff += r.syncs.diff;
    trunc += r.syncs.trunc;
    leaders += r.leaders;
    acked += r.acknowledged;
  }
  // The runs went through every kind of sync and many elections.
  assert.ok(leaders > 1000, `leaders ${leaders}`);
  assert.ok(diff > 0 && snap > 0 && trunc > 0, `diff ${diff}, snap ${snap}, trunc ${trunc}`);
  assert.ok(acked > 10000, `acknowledged ${acked}`);
});
