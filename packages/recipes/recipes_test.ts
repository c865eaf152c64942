/**
 * The recipes' pure parts, no server: who waits for whom, queue order,
 * votes, serializers. (The recipes against real servers are in
 * tests/recipes/.)
 */
import assert from "node:assert/strict";
import {
  decodeLong,
  encodeLong,
  json,
  msgpack,
  orderItems,
  parseItem,
  predecessor,
  raw,
  sortContenders,
  tally,
  utf8,
} from "./mod.ts";

const W = ["__lock__", "__rlock__"]; // a writer is blocked by everyone
const R = ["__lock__"]; // a reader by writers only
const n = (kind: "w" | "r", seq: number, id = "a") =>
  `${id.repeat(32)}${kind === "w" ? "__lock__" : "__rlock__"}${String(seq).padStart(10, "0")}`;

Deno.test("predecessor: who each contender watches", () => {
  const kids = [n("r", 1), n("r", 2, "b"), n("w", 3, "c"), n("r", 4, "d"), n("r", 5, "e")];
  const cases: {
    name: string;
    own: string;
    blockers: string[];
    want: string | null | undefined;
  }[] = [
    { name: "the first reader holds", own: n("r", 1), blockers: R, want: null },
    { name: "a reader after readers holds", own: n("r", 2, "b"), blockers: R, want: null },
    {
      name: "a writer watches the node right before it",
      own: n("w", 3, "c"),
      blockers: W,
      want: n("r", 2, "b"),
    },
    {
      name: "a reader watches the last writer before it",
      own: n("r", 5, "e"),
      blockers: R,
      want: n("w", 3, "c"),
    },
    { name: "a node not in the list is gone", own: n("r", 9), blockers: R, want: undefined },
  ];
  for (const c of cases) assert.equal(predecessor(kids, c.own, c.blockers), c.want, c.name);
});

Deno.test("predecessor: foreign names and sequence order, not name order", () => {
  const kids = ["zzzz__lock__0000000002", "aaaa__lock__0000000010", "junk", "x-latch-0000000001"];
  assert.equal(predecessor(kids, "aaaa__lock__0000000010", R), "zzzz__lock__0000000002");
  assert.deepEqual(sortContenders(kids, R), ["zzzz__lock__0000000002", "aaaa__lock__0000000010"]);
  assert.deepEqual(sortContenders(kids, ["-latch-"]), ["x-latch-0000000001"]);
});

Deno.test("predecessor: Curator's names (a dash before the sequence)", () => {
  const a = "_c_5ec2b1d7-085b-4d30-a71e-0f5142fd8748-lock-0000000001";
  const b = "_c_ea9232b4-124c-4e93-b6c2-8bf218012828-lock-0000000002";
  assert.equal(predecessor([a, b], b, ["-lock-"]), a);
  assert.equal(predecessor([a, b], a, ["-lock-"]), null);
});

Deno.test("queue items: parse and order", () => {
  const cases = [
    { name: "fifo item", in: "queue-0000000007", want: { priority: 0, seq: 7 } },
    { name: "priority item", in: "queue-05-0000000003", want: { priority: 5, seq: 3 } },
    { name: "a claim is no item", in: "claim-queue-0000000007", want: null },
    { name: "short sequence is no item", in: "queue-12", want: null },
  ];
  for (const c of cases) assert.deepEqual(parseItem(c.in), c.want, c.name);
  assert.deepEqual(orderItems(["queue-0000000002", "queue-0000000001"]), [
    "queue-0000000001",
    "queue-0000000002",
  ]);
});

Deno.test("2pc tally: early abort, commit only when all did", () => {
  const cases: { name: string; votes: ("commit" | "abort" | null)[]; want: string | null }[] = [
    { name: "no votes yet", votes: [null, null], want: null },
    { name: "one abort decides", votes: [null, "abort"], want: "abort" },
    { name: "all commit", votes: ["commit", "commit"], want: "commit" },
    { name: "one missing", votes: ["commit", null], want: null },
  ];
  for (const c of cases) assert.equal(tally(c.votes), c.want, c.name);
});

Deno.test("serializers round-trip", () => {
  const v = { a: 1, b: ["x", null], c: true };
  assert.deepEqual(msgpack<typeof v>().decode(msgpack<typeof v>().encode(v)), v);
  assert.deepEqual(json<typeof v>().decode(json<typeof v>().encode(v)), v);
  assert.equal(msgpack().decode(new Uint8Array()), null, "empty data decodes to null");
  assert.equal(json().decode(new Uint8Array()), null);
  assert.deepEqual(raw().decode(new Uint8Array([7])), new Uint8Array([7]));
  assert.equal(utf8().decode(utf8().encode("é")), "é");
  for (const x of [0n, -1n, 2n ** 63n - 1n, -(2n ** 63n)]) {
    assert.equal(decodeLong(encodeLong(x)), x);
  }
  assert.deepEqual([...encodeLong(1n)], [0, 0, 0, 0, 0, 0, 0, 1], "big-endian, as Curator");
});
