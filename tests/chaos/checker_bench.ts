import { checkLinearizable } from "./checker.ts";
import { mulberry32, simulateRegister } from "./_register_sim.ts";

// One key, 10,000 ops of 5 clients whose intervals overlap by up to 3 ms; the
// histories are linearizable, so the search runs to the end.
const plain = simulateRegister({ clients: 5, ops: 10_000, random: mulberry32(42), infoRate: 0 });
const info2 = simulateRegister({ clients: 5, ops: 10_000, random: mulberry32(42), infoRate: 0.02 });
const info20 = simulateRegister({ clients: 5, ops: 10_000, random: mulberry32(42), infoRate: 0.2 });
// The same spread over 10 keys of 1,000 ops each (P-compositionality).
const tenKeys = {
  meta: {},
  faults: [],
  ops: Array.from(
    { length: 10 },
    (_, k) =>
      simulateRegister({ clients: 5, ops: 1_000, random: mulberry32(k), key: `/r${k}` }).ops,
  ).flat(),
};
let kept = 0;

Deno.bench({
  group: "checkLinearizable",
  name: "10,000 ops, 5 clients, 1 key",
  baseline: true,
  fn() {
    kept += checkLinearizable(plain).ops;
  },
});
Deno.bench({
  group: "checkLinearizable",
  name: "10,000 ops, 5 clients, 1 key, 2% unknown writes",
  fn() {
    kept += checkLinearizable(info2).ops;
  },
});
Deno.bench({
  group: "checkLinearizable",
  name: "10,000 ops, 5 clients, 1 key, 20% unknown writes",
  fn() {
    kept += checkLinearizable(info20).ops;
  },
});
Deno.bench({
  group: "checkLinearizable",
  name: "10 keys × 1,000 ops, 5 clients",
  fn() {
    kept += checkLinearizable(tenKeys, { initial: () => ({ value: 0, version: 0 }) }).ops;
  },
});

globalThis.addEventListener("unload", () => {
  if (kept < 0) console.log(kept);
});
