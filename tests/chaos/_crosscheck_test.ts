/** The harness's second linearizability check refuses what it must and accepts what it may. */
import assert from "node:assert/strict";
import { crossCheck } from "./_crosscheck.ts";
import type { History, Op } from "./history.ts";

function history(ops: Partial<Op>[]): History {
  return {
    meta: { initial: { "/r": { value: 0, version: 0 } } },
    faults: [],
    ops: ops.map((o, i) =>
      ({ process: i, key: "/r", input: undefined, outcome: "ok", call: 0, ...o }) as Op
    ),
  };
}

const W = (input: number, version: number, call: number, ret: number): Partial<Op> => ({
  f: "write",
  input,
  output: { version },
  call,
  ret,
});
const R = (value: number, version: number, call: number, ret: number): Partial<Op> => ({
  f: "read",
  output: { value, version },
  call,
  ret,
});

const cases: { name: string; ops: Partial<Op>[]; ok: boolean }[] = [
  {
    name: "a read after an acknowledged write sees it",
    ops: [W(5, 1, 0, 10), R(5, 1, 20, 30)],
    ok: true,
  },
  {
    name: "a stale read after an acknowledged write is refused",
    ops: [W(5, 1, 0, 10), R(0, 0, 20, 30)],
    ok: false,
  },
  {
    name: "a read overlapping the write may see either",
    ops: [W(5, 1, 0, 30), R(0, 0, 10, 20)],
    ok: true,
  },
  {
    name: "an unknown write may have happened",
    ops: [{ f: "write", input: 7, outcome: "info", call: 0 }, R(7, 1, 20, 30)],
    ok: true,
  },
  {
    name: "an unknown write may not have happened",
    ops: [{ f: "write", input: 7, outcome: "info", call: 0 }, R(0, 0, 20, 30)],
    ok: true,
  },
  {
    name: "an unknown write seen, then unseen, is refused",
    ops: [{ f: "write", input: 7, outcome: "info", call: 0 }, R(7, 1, 20, 30), R(0, 0, 40, 50)],
    ok: false,
  },
  {
    name: "a failed cas on the version it expected is refused",
    ops: [{ f: "cas", input: [0, 9], outcome: "fail", call: 0, ret: 10 }],
    ok: false,
  },
  {
    name: "a cas on the current version succeeds",
    ops: [W(5, 1, 0, 10), { f: "cas", input: [1, 9], output: { version: 2 }, call: 20, ret: 30 }],
    ok: true,
  },
  {
    name: "a write answered with a version skipping one is refused",
    ops: [W(5, 2, 0, 10)],
    ok: false,
  },
];

for (const c of cases) {
  Deno.test(`cross-check: ${c.name}`, () => {
    assert.equal(crossCheck(history(c.ops)).ok, c.ok);
  });
}
