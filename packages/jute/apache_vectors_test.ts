// Checks the codec against bytes written and read by Apache ZooKeeper 3.8.0's
// own record classes (vectors/apache_records.jsonl, see vectors/README.md).
import assert from "node:assert/strict";
import * as jute from "./mod.ts";
import { fromHex, toHex } from "./_test_util.ts";

interface Vector {
  record?: string;
  multi?: string;
  value?: unknown;
  hex: string;
  reread?: unknown;
  rehex?: string;
}

const lines = (await Deno.readTextFile(new URL("./vectors/apache_records.jsonl", import.meta.url)))
  .split("\n").filter((l) => l.trim() !== "");
const vectors: Vector[] = lines.map((l) => JSON.parse(l));

// JSON from ApacheVectors.java: longs as "123n", byte[] as {"$bytes": hex}.
function revive(v: unknown): unknown {
  if (typeof v === "string" && /^-?\d+n$/.test(v)) return BigInt(v.slice(0, -1));
  if (Array.isArray(v)) return v.map(revive);
  if (v !== null && typeof v === "object") {
    const o = v as Record<string, unknown>;
    if (typeof o.$bytes === "string") return fromHex(o.$bytes);
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(o)) out[k] = revive(x);
    return out;
  }
  return v;
}

const codecs = jute as unknown as Record<string, jute.JuteRecord<unknown>>;

Deno.test("apache vectors: every zookeeper.jute record has three vectors", () => {
  const names = new Set(vectors.filter((v) => v.record).map((v) => v.record));
  assert.equal(names.size, 72);
  for (const n of names) assert.ok(codecs[n!]?.name === n, `codec ${n} exported`);
});

for (const [i, v] of vectors.entries()) {
  if (v.record === undefined) continue;
  const rec = codecs[v.record];
  Deno.test(`apache vectors: ${v.record} #${i % 3} encodes to Apache's bytes and decodes as Apache reads them`, () => {
    assert.equal(toHex(jute.encode(rec, revive(v.value))), v.hex, "encode(value) = Apache's bytes");
    const back = jute.decode(rec, fromHex(v.hex));
    assert.deepEqual(back, revive(v.reread), "decode(bytes) = what Apache reads");
    assert.equal(toHex(jute.encode(rec, back)), v.rehex, "re-encode = Apache's re-encode");
  });
}

const stat: jute.Stat = {
  czxid: 1n,
  mzxid: 2n,
  ctime: 3n,
  mtime: 4n,
  version: 5,
  cversion: 6,
  aversion: 7,
  ephemeralOwner: 8n,
  dataLength: 9,
  numChildren: 10,
  pzxid: 11n,
};
const openAcl = [{ perms: 31, id: { scheme: "world", id: "anyone" } }];

const multis: Record<string, [jute.JuteRecord<unknown>, unknown]> = {
  MultiOperationRecord: [jute.MultiOperationRecord, {
    ops: [
      { type: 1, request: { path: "/a", data: new Uint8Array([1]), acl: openAcl, flags: 0 } },
      { type: 1, request: { path: "/b", data: null, acl: openAcl, flags: 3 } },
      { type: 19, request: { path: "/c", data: new Uint8Array(0), acl: openAcl, flags: 4 } },
      {
        type: 21,
        request: { path: "/d", data: new Uint8Array([2]), acl: openAcl, flags: 5, ttl: 5000n },
      },
      { type: 2, request: { path: "/e", version: -1 } },
      { type: 5, request: { path: "/f", data: new Uint8Array([3, 4]), version: 7 } },
      { type: 13, request: { path: "/g", version: 2 } },
    ],
  }],
  MultiOperationRecordRead: [jute.MultiOperationRecord, {
    ops: [
      { type: 4, request: { path: "/a", watch: false } },
      { type: 8, request: { path: "/b", watch: false } },
    ],
  }],
  MultiResponse: [jute.MultiResponse, {
    results: [
      { type: 1, path: "/a" },
      { type: 15, path: "/b0000000001", stat },
      { type: 2 },
      { type: 5, stat },
      { type: 13 },
      { type: 8, children: ["x", "y"] },
      { type: 4, data: new Uint8Array([9]), stat },
      { type: 4, data: null, stat },
      { type: -1, err: -101 },
    ],
  }],
  MultiResponseEmpty: [jute.MultiResponse, { results: [] }],
};

for (const v of vectors) {
  if (v.multi === undefined) continue;
  const [rec, value] = multis[v.multi];
  Deno.test(`apache vectors: ${v.multi} matches Apache's bytes both ways`, () => {
    assert.equal(toHex(jute.encode(rec, value)), v.hex);
    assert.deepEqual(jute.decode(rec, fromHex(v.hex)), value);
  });
}
