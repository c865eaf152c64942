import assert from "node:assert/strict";
import fc from "fast-check";
import {
  checkAcknowledgedPresent,
  checkConverged,
  checkLinearizable,
  checkSequentialUnique,
  type Model,
  registerModel,
  type RegisterState,
} from "./checker.ts";
import type { History, Op } from "./history.ts";
import { mulberry32, simulateRegister } from "./_register_sim.ts";

type Spec =
  | ["w", number, unknown, number, number?, number?] // process, value, call, ret (absent: info), version after
  | ["r", number, unknown, number, number, number] // process, value, version, call, ret
  | ["cas", number, number, unknown, number, number?, ("ok" | "fail" | "info")?] // process, expected, value, call, ret, outcome
  | ["wfail", number, unknown, number, number]
  | ["rinfo", number, number];

/** A compact history of key "/r" (or `key`), starting at { value: 0, version: 0 }. */
function h(specs: Spec[], key = "/r"): Op[] {
  return specs.map((s): Op => {
    switch (s[0]) {
      case "w": {
        const [, process, value, call, ret, version] = s;
        if (ret === undefined) {
          return { process, key, f: "write", input: value, call, outcome: "info" };
        }
        const op: Op = { process, key, f: "write", input: value, call, ret, outcome: "ok" };
        if (version !== undefined) op.output = { version };
        return op;
      }
      case "r": {
        const [, process, value, version, call, ret] = s;
        return {
          process,
          key,
          f: "read",
          input: undefined,
          output: { value, version },
          call,
          ret,
          outcome: "ok",
        };
      }
      case "cas": {
        const [, process, expected, value, call, ret, outcome] = s;
        const o = outcome ?? (ret === undefined ? "info" : "ok");
        const op: Op = { process, key, f: "cas", input: [expected, value], call, outcome: o };
        if (ret !== undefined && o !== "info") op.ret = ret;
        return op;
      }
      case "wfail": {
        const [, process, value, call, ret] = s;
        return {
          process,
          key,
          f: "write",
          input: value,
          call,
          ret,
          outcome: "fail",
          error: "NoNode",
        };
      }
      case "rinfo": {
        const [, process, call] = s;
        return {
          process,
          key,
          f: "read",
          input: undefined,
          output: { value: "garbage", version: 99 },
          call,
          outcome: "info",
        };
      }
    }
  });
}

function hist(ops: Op[]): History {
  return { meta: {}, ops, faults: [] };
}

const good: { name: string; ops: Op[] }[] = [
  { name: "an empty history", ops: [] },
  { name: "a write then a read of it", ops: h([["w", 0, 1, 0, 10, 1], ["r", 1, 1, 1, 11, 12]]) },
  {
    name: "a read overlapping a write sees the old value",
    ops: h([["w", 0, 1, 0, 10], ["r", 1, 0, 0, 5, 15]]),
  },
  {
    name: "a read overlapping a write sees the new value",
    ops: h([["w", 0, 1, 0, 10], ["r", 1, 1, 1, 5, 15]]),
  },
  {
    name: "two concurrent writes in either order, reads agree on the last",
    ops: h([["w", 0, 1, 0, 10], ["w", 1, 2, 1, 11], ["r", 2, 1, 2, 12, 13], [
      "r",
      0,
      1,
      2,
      14,
      15,
    ]]),
  },
  {
    name: "overlapping reads see the write at different points, consistently",
    ops: h([["w", 0, 1, 0, 100], ["r", 1, 0, 0, 10, 20], ["r", 2, 1, 1, 15, 25], [
      "r",
      1,
      1,
      1,
      30,
      40,
    ]]),
  },
  {
    name: "an unknown write that took effect, seen by a later read",
    ops: h([["w", 0, 7, 0], ["r", 1, 7, 1, 50, 60]]),
  },
  {
    name: "an unknown write that never took effect",
    ops: h([["w", 0, 7, 0], ["r", 1, 0, 0, 50, 60], ["r", 1, 0, 0, 70, 80]]),
  },
  {
    name: "an unknown write that took effect long after its client gave up",
    ops: h([["w", 0, 7, 0], ["r", 1, 0, 0, 50, 60], ["w", 0, 8, 61, 62, 1], [
      "r",
      1,
      7,
      2,
      70,
      80,
    ]]),
  },
  {
    name: "a cas that succeeded, then one that failed on the stale version",
    ops: h([["cas", 0, 0, 5, 0, 10], ["cas", 1, 0, 6, 11, 12, "fail"], ["r", 1, 5, 1, 13, 14]]),
  },
  {
    name: "a cas failing because of a concurrent write",
    ops: h([["w", 0, 1, 0, 10], ["cas", 1, 0, 6, 1, 9, "fail"], ["r", 1, 1, 1, 20, 21]]),
  },
  {
    name: "two concurrent cas on one version: one wins, one fails",
    ops: h([["cas", 0, 0, 1, 0, 10], ["cas", 1, 0, 2, 1, 9, "fail"], ["r", 2, 1, 1, 20, 21]]),
  },
  {
    name: "an unknown cas on a version that moved on, so never applied",
    ops: h([["cas", 0, 0, 9, 0], ["w", 1, 1, 1, 2, 1], ["r", 1, 1, 1, 3, 4]]),
  },
  { name: "a failed write is dropped", ops: h([["wfail", 0, 9, 0, 10], ["r", 1, 0, 0, 11, 12]]) },
  {
    name: "an unknown read is dropped, whatever it says",
    ops: h([["rinfo", 0, 0], ["r", 1, 0, 0, 11, 12]]),
  },
  {
    name: "writes answered with their Stat versions",
    ops: h([["w", 0, 1, 0, 1, 1], ["w", 0, 2, 2, 3, 2], ["cas", 1, 2, 3, 4, 5], [
      "r",
      1,
      3,
      3,
      6,
      7,
    ]]),
  },
  {
    name: "a return and a call at the same ms overlap (closed intervals)",
    ops: h([["w", 0, 1, 0, 10], ["r", 1, 0, 0, 10, 11]]),
  },
  {
    name: "keys are checked apart",
    ops: [
      ...h([["w", 0, 1, 0, 10], ["r", 1, 1, 1, 11, 12]], "/a"),
      ...h([["r", 2, 0, 0, 11, 12]], "/b"),
    ],
  },
];

Deno.test("checkLinearizable accepts", async (t) => {
  for (const c of good) {
    await t.step(c.name, () => {
      const r = checkLinearizable(hist(c.ops));
      assert.equal(r.ok, true, JSON.stringify(r));
      assert.equal(r.timedOut, undefined);
    });
  }
});

const bad: { name: string; ops: Op[]; badOp?: number; longest?: number[]; key?: string }[] = [
  {
    name: "a stale read: the old value after the write was acknowledged, no overlap",
    ops: h([["w", 0, 1, 0, 10], ["r", 1, 0, 0, 11, 12]]),
    badOp: 1,
    longest: [0],
  },
  {
    name: "a lost write: acknowledged, never seen, a later read sees the older one",
    ops: h([["w", 0, 1, 0, 10], ["w", 0, 2, 11, 20], ["r", 1, 1, 1, 21, 22], [
      "r",
      1,
      1,
      1,
      30,
      31,
    ]]),
    badOp: 2,
    longest: [0, 1],
  },
  {
    name: "a cas that succeeded twice on the same expected version",
    ops: h([["cas", 0, 0, 1, 0, 10], ["cas", 1, 0, 2, 1, 11]]),
  },
  {
    name: "a cas that succeeded twice on the same version, sequentially",
    ops: h([["cas", 0, 0, 1, 0, 10], ["cas", 1, 0, 2, 11, 12]]),
    badOp: 1,
    longest: [0],
  },
  {
    name: "a read of a value never written",
    ops: h([["w", 0, 1, 0, 10], ["r", 1, 5, 1, 11, 12]]),
    badOp: 1,
  },
  {
    name: "a version that goes backwards",
    ops: h([["w", 0, 5, 0, 1], ["w", 0, 5, 2, 3], ["r", 1, 5, 2, 4, 5], ["r", 1, 5, 1, 6, 7]]),
    badOp: 3,
    longest: [0, 1, 2],
  },
  {
    name: "a failed cas whose expected version was the current one",
    ops: h([["cas", 0, 0, 1, 0, 10, "fail"]]),
    badOp: 0,
  },
  {
    name: "a write answered with a version skipping one",
    ops: h([["w", 0, 1, 0, 10, 2]]),
    badOp: 0,
  },
  {
    name: "an unknown write seen, then unseen",
    ops: h([["w", 0, 7, 0], ["r", 1, 7, 1, 50, 60], ["r", 1, 0, 0, 70, 80]]),
    badOp: 2,
  },
  {
    name: "a stale read on one key among good ones, and the key is named",
    ops: [
      ...h([["w", 0, 1, 0, 10], ["r", 1, 1, 1, 11, 12]], "/a"),
      ...h([["w", 2, 1, 0, 10], ["r", 3, 0, 0, 11, 12]], "/b"),
    ],
    key: "/b",
    badOp: 3,
    longest: [2],
  },
];

Deno.test("checkLinearizable rejects", async (t) => {
  for (const c of bad) {
    await t.step(c.name, () => {
      const r = checkLinearizable(hist(c.ops));
      assert.equal(r.ok, false);
      assert.equal(r.timedOut, undefined);
      assert.equal(r.key, c.key ?? "/r");
      if (c.badOp !== undefined) assert.equal(r.badOp, c.badOp);
      if (c.longest !== undefined) assert.deepEqual(r.longest, c.longest);
    });
  }
});

// The rejections above come from the register's rules: with a model that
// allows every op, each bad history passes (so the tests would catch a
// checker that stepped everything through).
Deno.test("with a model that allows everything, every bad history passes", async (t) => {
  const anything: Model<RegisterState, Op> = { ...registerModel, step: (s) => ({ ...s }) };
  for (const c of bad) {
    await t.step(
      c.name,
      () => assert.equal(checkLinearizable(hist(c.ops), { model: anything }).ok, true),
    );
  }
});

Deno.test("checkLinearizable starts each key from meta.initial, then opts.initial", () => {
  const ops = h([["r", 0, "x", 3, 0, 1]]);
  assert.equal(checkLinearizable(hist(ops)).ok, false);
  assert.equal(
    checkLinearizable({ meta: { initial: { "/r": { value: "x", version: 3 } } }, ops, faults: [] })
      .ok,
    true,
  );
  assert.equal(
    checkLinearizable(hist(ops), { initial: () => ({ value: "x", version: 3 }) }).ok,
    true,
  );
});

Deno.test("checkLinearizable reports a timeout, never ok", () => {
  const history = simulateRegister({ clients: 4, ops: 20_000, random: mulberry32(1) });
  let t = 0;
  const r = checkLinearizable(history, { timeoutMs: 10, now: () => t++ });
  assert.equal(r.ok, false);
  assert.equal(r.timedOut, true);
  assert.equal(r.key, "/r");
});

Deno.test("checkLinearizable: 10,000 ops of 5 clients with overlaps and unknown writes pass", () => {
  const history = simulateRegister({
    clients: 5,
    ops: 10_000,
    random: mulberry32(42),
    infoRate: 0.02,
  });
  const r = checkLinearizable(history);
  assert.equal(r.ok, true, JSON.stringify({ ...r, longest: r.longest?.length }));
});

/** Linearizable by trying every order (unknown ops optional): for small histories only. */
function bruteForce(history: History): boolean {
  const ops = history.ops.filter((op) => registerModel.include!(op));
  const init = (history.meta.initial as Record<string, RegisterState> | undefined)?.["/r"] ??
    { value: 0, version: 0 };
  const retOf = (op: Op) => (op.outcome === "info" || op.ret === undefined ? Infinity : op.ret);
  const go = (left: Op[], state: RegisterState): boolean => {
    if (left.every((op) => retOf(op) === Infinity)) return true;
    const earliestRet = Math.min(...left.map(retOf));
    return left.some((op, i) => {
      if (op.call > earliestRet) return false; // something returned before this was called
      const next = registerModel.step(state, op);
      return next !== undefined && go(left.filter((_, j) => j !== i), next);
    });
  };
  return go(ops, init);
}

const simArgs = fc.record({
  seed: fc.integer(),
  clients: fc.integer({ min: 1, max: 5 }),
  ops: fc.integer({ min: 1, max: 120 }),
  overlapMs: fc.double({ min: 0, max: 8, noNaN: true }),
  infoRate: fc.double({ min: 0, max: 0.3, noNaN: true }),
});

Deno.test("property: histories of a real sequential execution, with random overlaps, are accepted", () => {
  fc.assert(
    fc.property(simArgs, (a) => {
      const r = checkLinearizable(simulateRegister({ ...a, random: mulberry32(a.seed) }));
      return r.ok;
    }),
    { numRuns: 300 },
  );
});

Deno.test("property: a read changed to a value never written is rejected", () => {
  fc.assert(
    fc.property(simArgs, fc.nat(), (a, pick) => {
      const history = simulateRegister({ ...a, random: mulberry32(a.seed) });
      const reads = history.ops.filter((op) => op.f === "read" && op.outcome === "ok");
      fc.pre(reads.length > 0);
      const read = reads[pick % reads.length];
      read.output = { ...(read.output as RegisterState), value: "never written" };
      return !checkLinearizable(history).ok;
    }),
    { numRuns: 300 },
  );
});

Deno.test("property: on small histories with one read changed at random, the checker agrees with brute force", () => {
  let rejected = 0;
  fc.assert(
    fc.property(
      simArgs.map((a) => ({ ...a, ops: 1 + (a.ops % 7) })),
      fc.nat(),
      fc.integer({ min: 0, max: 8 }),
      fc.integer({ min: 0, max: 4 }),
      (a, pick, value, version) => {
        const history = simulateRegister({ ...a, random: mulberry32(a.seed) });
        const reads = history.ops.filter((op) => op.f === "read" && op.outcome === "ok");
        if (reads.length > 0) reads[pick % reads.length].output = { value, version };
        const expected = bruteForce(history);
        if (!expected) rejected++;
        return checkLinearizable(history).ok === expected;
      },
    ),
    { numRuns: 1000 },
  );
  assert.ok(rejected > 50, `only ${rejected} impossible mutations tried`);
});

Deno.test("checkAcknowledgedPresent", async (t) => {
  const final = new Map([["/a", { value: 3, version: 2 }], ["/b", { value: "x", version: 7 }]]);
  const cases: {
    name: string;
    acked: { key: string; version: number; value: unknown }[];
    problems: RegExp[];
  }[] = [
    { name: "nothing acknowledged, nothing missing", acked: [], problems: [] },
    {
      name: "every acknowledged write at or below the final version is present",
      acked: [{ key: "/a", version: 1, value: 9 }, { key: "/a", version: 2, value: 3 }, {
        key: "/b",
        version: 7,
        value: "x",
      }],
      problems: [],
    },
    {
      name: "a final version below an acknowledged one is a lost write",
      acked: [{ key: "/a", version: 3, value: 4 }],
      problems: [/lost write/],
    },
    {
      name: "the same version with another value is reported",
      acked: [{ key: "/b", version: 7, value: "y" }],
      problems: [/final holds/],
    },
    {
      name: "a znode gone at the end is reported",
      acked: [{ key: "/c", version: 1, value: 1 }],
      problems: [/gone/],
    },
  ];
  for (const c of cases) {
    await t.step(c.name, () => {
      const r = checkAcknowledgedPresent(c.acked, final);
      assert.equal(r.ok, c.problems.length === 0);
      assert.equal(r.problems.length, c.problems.length);
      c.problems.forEach((p, i) => assert.match(r.problems[i], p));
    });
  }
});

Deno.test("checkSequentialUnique", async (t) => {
  const s = (n: number) => `lock-${String(n).padStart(10, "0")}`;
  const cases: {
    name: string;
    names: Parameters<typeof checkSequentialUnique>[0];
    problems: RegExp[];
  }[] = [
    { name: "distinct names pass", names: new Map([["/q", [s(0), s(2), s(1)]]]), problems: [] },
    {
      name: "the same name under two parents passes",
      names: { "/q": [s(0)], "/p": [s(0)] },
      problems: [],
    },
    {
      name: "a name acknowledged twice is reported",
      names: new Map([["/q", [s(0), s(1), s(0)]]]),
      problems: [/twice/],
    },
    {
      name: "a name without a sequence suffix is reported",
      names: { "/q": ["lock-"] },
      problems: [/suffix/],
    },
    {
      name: "increasing per client, interleaved across clients, passes",
      names: {
        "/q": [{ process: 0, name: s(1) }, { process: 1, name: s(0) }, { process: 0, name: s(2) }],
      },
      problems: [],
    },
    {
      name: "a client whose later create got a smaller number is reported",
      names: {
        "/q": [{ process: 0, name: s(3) }, { process: 1, name: s(1) }, { process: 0, name: s(2) }],
      },
      problems: [/client 0 got lock-0000000002 after lock-0000000003/],
    },
  ];
  for (const c of cases) {
    await t.step(c.name, () => {
      const r = checkSequentialUnique(c.names);
      assert.equal(r.ok, c.problems.length === 0, r.problems.join("; "));
      assert.equal(r.problems.length, c.problems.length);
      c.problems.forEach((p, i) => assert.match(r.problems[i], p));
    });
  }
});

Deno.test("checkConverged", async (t) => {
  const cases: {
    name: string;
    digests: [string, { zxid: bigint | number | string; digest: number }][];
    ok: boolean;
    problem?: RegExp;
  }[] = [
    { name: "no members agree trivially", digests: [], ok: true },
    {
      name: "equal zxid and digest everywhere passes",
      digests: [["zk1", { zxid: 0x100000005n, digest: 77 }], ["zk2", {
        zxid: 0x100000005n,
        digest: 77,
      }]],
      ok: true,
    },
    {
      name: "a member behind is reported",
      digests: [["zk1", { zxid: 5, digest: 77 }], ["zk2", { zxid: 5, digest: 77 }], ["zk3", {
        zxid: 4,
        digest: 70,
      }]],
      ok: false,
      problem: /zk3: zxid 0x4/,
    },
    {
      name: "a zxid as hex text and as a bigint are the same zxid",
      digests: [["zk1", { zxid: "0x100000005", digest: 1 }], ["zk2", {
        zxid: 0x100000005n,
        digest: 1,
      }]],
      ok: true,
    },
    {
      name: "equal zxids with different digests are reported",
      digests: [["zk1", { zxid: 5, digest: 77 }], ["zk2", { zxid: 5, digest: 78 }]],
      ok: false,
      problem: /disagree/,
    },
  ];
  for (const c of cases) {
    await t.step(c.name, () => {
      const r = checkConverged(new Map(c.digests));
      assert.equal(r.ok, c.ok);
      if (c.problem) assert.ok(r.problems.some((p) => c.problem!.test(p)), r.problems.join("; "));
    });
  }
});
