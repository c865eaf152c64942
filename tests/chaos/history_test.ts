import assert from "node:assert/strict";
import { checkLinearizable } from "./checker.ts";
import {
  decodeHistory,
  encodeHistory,
  type History,
  HistoryRecorder,
  writeHistory,
} from "./history.ts";

function sample(): History {
  let t = 0;
  const rec = new HistoryRecorder(() => (t += 1.5));
  const w = rec.invoke(0, "/r", "write", 1, "zk1");
  const p = rec.fault("partition", "1 | 2 3", "leader isolated");
  const c = rec.invoke(1, "/r", "cas", [1, 2], "zk2");
  rec.complete(w, "ok", { version: 1 });
  rec.complete(c, "info", undefined, "ConnectionLoss");
  rec.heal(p);
  const r = rec.invoke(2, "/r", "read", undefined, "zk3");
  rec.complete(r, "ok", { value: new Uint8Array([1, 2, 255]), version: 2 });
  rec.invoke(0, "/q", "write", "x"); // still in flight when the run ends
  return rec.history({
    seed: 7,
    members: ["zk1", "zk2", "zk3"],
    lastZxid: 0x100000005n,
    note: null,
  });
}

Deno.test("HistoryRecorder", async (t) => {
  const h = sample();
  const cases: { name: string; check: () => void }[] = [
    {
      name: "ops are in invocation order with call and return times",
      check: () =>
        assert.deepEqual(h.ops.map((o) => [o.call, o.ret]), [[1.5, 6], [4.5, 7.5], [10.5, 12], [
          13.5,
          undefined,
        ]]),
    },
    {
      name: "an op still in flight is info with no return",
      check: () => assert.equal(h.ops[3].outcome, "info"),
    },
    {
      name: "outcome, output, error and member are kept",
      check: () =>
        assert.deepEqual(h.ops[1], {
          process: 1,
          key: "/r",
          f: "cas",
          input: [1, 2],
          call: 4.5,
          ret: 7.5,
          outcome: "info",
          error: "ConnectionLoss",
          node: "zk2",
        }),
    },
    {
      name: "a fault runs from its start to its heal",
      check: () =>
        assert.deepEqual(h.faults, [{
          kind: "partition",
          target: "1 | 2 3",
          note: "leader isolated",
          start: 3,
          end: 9,
        }]),
    },
    {
      name: "a second op of one process while one is in flight throws",
      check: () => {
        const rec = new HistoryRecorder(() => 0);
        rec.invoke(0, "/r", "read", undefined);
        assert.throws(() => rec.invoke(0, "/r", "read", undefined), /one op at a time/);
      },
    },
    {
      name: "completing twice throws",
      check: () => {
        const rec = new HistoryRecorder(() => 0);
        const i = rec.invoke(0, "/r", "read", undefined);
        rec.complete(i, "fail");
        assert.throws(() => rec.complete(i, "ok"), /already complete/);
      },
    },
    {
      name: "healing twice throws",
      check: () => {
        const rec = new HistoryRecorder(() => 0);
        const f = rec.fault("kill", "zk1");
        rec.heal(f);
        assert.throws(() => rec.heal(f), /already healed/);
      },
    },
    {
      name: "the default clock counts ms from construction",
      check: () => {
        const rec = new HistoryRecorder();
        const i = rec.invoke(0, "/r", "read", undefined);
        const call = rec.history({}).ops[i].call;
        assert.ok(call >= 0 && call < 1000);
      },
    },
  ];
  for (const c of cases) await t.step(c.name, c.check);
});

Deno.test("encodeHistory/decodeHistory round-trip through msgpack", async (t) => {
  const cases: { name: string; h: History }[] = [
    { name: "an empty history", h: { meta: {}, ops: [], faults: [] } },
    { name: "a recorded run with bytes, bigints, nulls and absent fields", h: sample() },
  ];
  for (const c of cases) {
    await t.step(c.name, () => {
      const back = decodeHistory(encodeHistory(c.h));
      assert.deepEqual(back, c.h);
      for (const op of back.ops) {
        assert.equal("ret" in op, op.ret !== undefined, "an absent return stays absent");
      }
    });
  }
});

Deno.test("decodeHistory refuses what is not a history", async (t) => {
  const cases: { name: string; value: Uint8Array }[] = [
    { name: "a number", value: encodeHistory(5 as unknown as History) },
    { name: "no faults", value: encodeHistory({ meta: {}, ops: [] } as unknown as History) },
    {
      name: "an op without a call time",
      value: encodeHistory({ meta: {}, ops: [{ process: 0 }], faults: [] } as unknown as History),
    },
  ];
  for (const c of cases) {
    await t.step(c.name, () => assert.throws(() => decodeHistory(c.value), /decodeHistory/));
  }
});

Deno.test("writeHistory writes msgpack, JSON and, once judged, the timeline", async () => {
  const dir = await Deno.makeTempDir({ prefix: "zkts-history-" });
  try {
    const h = sample();
    const plain = await writeHistory(`${dir}/a`, h);
    assert.equal(plain.html, undefined);
    assert.deepEqual(decodeHistory(await Deno.readFile(plain.msgpack)), h);
    const json = JSON.parse(await Deno.readTextFile(plain.json));
    assert.equal(json.meta.lastZxid, "4294967301", "bigints as decimal text");
    assert.deepEqual(json.ops[2].output.value, [1, 2, 255], "bytes as numbers");
    const judged = await writeHistory(`${dir}/b`, h, checkLinearizable(h));
    assert.match(await Deno.readTextFile(judged.html!), /^<!doctype html>/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
