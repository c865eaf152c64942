// The live fuzzer's short run (issue 16): 20 s of hostile connections
// against a zkts standalone started for it, beside valid sessions that check
// every answer. A failure prints the seed: `deno task fuzz --seed S` replays it.
import assert from "node:assert/strict";
import { runFuzz, summary } from "./live.ts";

const SEED = Number(Deno.env.get("FUZZ_SEED") ?? 20261208);
const SECONDS = Number(Deno.env.get("FUZZ_SECONDS") ?? 20);

Deno.test({
  name: `live fuzz: zkts survives ${SECONDS} s of hostile input (seed ${SEED})`,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const r = await runFuzz({ seconds: SECONDS, seed: SEED });
    console.log(summary(r));
    assert.deepEqual(r.failures, [], `seed ${SEED}`);
    assert.equal(r.crashes, 0);
    assert.ok(r.validOps > 0, "the valid sessions got answers");
    assert.ok(r.badConnections > 20, `${r.badConnections} bad connections`);
  },
});
