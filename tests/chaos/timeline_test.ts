import assert from "node:assert/strict";
import { checkLinearizable } from "./checker.ts";
import type { History } from "./history.ts";
import { renderTimeline } from "./timeline.ts";

const stale: History = {
  meta: { seed: 3 },
  faults: [{ kind: "partition", target: "zk1 | zk2 zk3", start: 5, end: 25 }, {
    kind: "kill",
    target: "zk2",
    start: 30,
  }],
  ops: [
    {
      process: 0,
      key: "/r",
      f: "write",
      input: 1,
      output: { version: 1 },
      call: 0,
      ret: 10,
      outcome: "ok",
      node: "zk1",
    },
    {
      process: 1,
      key: "/r",
      f: "read",
      input: undefined,
      output: { value: 0, version: 0 },
      call: 12,
      ret: 14,
      outcome: "ok",
      node: "zk2",
    },
    {
      process: 2,
      key: "/r",
      f: "cas",
      input: [0, 5],
      call: 2,
      outcome: "info",
      error: "ConnectionLoss",
      node: "zk3",
    },
    {
      process: 3,
      key: "/r",
      f: "cas",
      input: [0, 6],
      call: 15,
      ret: 16,
      outcome: "fail",
      error: "BadVersion",
    },
    { process: 0, key: "/s", f: "write", input: "<b>", call: 20, ret: 22, outcome: "ok" },
  ],
};

Deno.test("renderTimeline", async (t) => {
  const result = checkLinearizable(stale);
  const html = renderTimeline(stale, result);
  const passing = renderTimeline(stale, { ok: true, keys: 2, ops: 5, ms: 1 });
  const cases: { name: string; check: () => void }[] = [
    {
      name: "the history is not linearizable at the stale read",
      check: () => assert.equal(result.badOp, 1),
    },
    {
      name: "a row per client",
      check: () => [0, 1, 2, 3].forEach((p) => assert.match(html, new RegExp(`>client ${p}<`))),
    },
    {
      name: "the bad op is marked",
      check: () => assert.match(html, /class="op ok lin? ?bad"|class="op ok bad"/),
    },
    {
      name: "the bad op's marker names it",
      check: () => assert.match(html, /✗ op 1 not linearizable/),
    },
    {
      name: "the longest linearization is outlined",
      check: () =>
        assert.equal(html.match(/class="op [a-z]+ lin"/g)?.length, result.longest!.length),
    },
    {
      name: "info ops are hatched",
      check: () => assert.match(html, /class="op info"[^]*?url\(#hatch\)/),
    },
    {
      name: "faults are labelled bands",
      check: () => assert.match(html, /partition zk1 \| zk2 zk3<\/text>[^]*kill zk2<\/text>/),
    },
    {
      name: "ops of other keys are dimmed on failure",
      check: () => assert.match(html, /class="op ok other"/),
    },
    {
      name: "values are escaped",
      check: () => assert.ok(!html.includes("<b>") && html.includes("&lt;b&gt;")),
    },
    { name: "there is a time axis in ms", check: () => assert.match(html, /ms since start/) },
    {
      name: "no external assets",
      check: () => assert.ok(!/(src|href)=["']?(https?:)?\/\//.test(html)),
    },
    {
      name: "a passing run says linearizable and marks nothing",
      check: () =>
        assert.ok(
          passing.includes(">linearizable<") && !passing.includes("✗") && !passing.includes(" bad"),
        ),
    },
  ];
  for (const c of cases) await t.step(c.name, c.check);
});
