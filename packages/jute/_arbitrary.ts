// Random records of every type, for the property and Java round-trip tests
// (test-only; not exported from mod.ts).
import * as jute from "./mod.ts";
import { fromHex, type Prng } from "./_test_util.ts";

const codecs = jute as unknown as Record<string, jute.JuteRecord<unknown>>;

// Shapes: the first (plain) Apache vector of each record gives field names and types.
function revive(v: unknown): unknown {
  if (typeof v === "string" && /^-?\d+n$/.test(v)) return BigInt(v.slice(0, -1));
  if (Array.isArray(v)) return v.map(revive);
  if (v !== null && typeof v === "object") {
    const o = v as Record<string, unknown>;
    if (typeof o.$bytes === "string") return fromHex(o.$bytes);
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, revive(x)]));
  }
  return v;
}
const templates = new Map<string, unknown>();
for (
  const line
    of (await Deno.readTextFile(new URL("./vectors/apache_records.jsonl", import.meta.url)))
      .split("\n")
) {
  if (!line.trim()) continue;
  const v = JSON.parse(line);
  if (v.record && !templates.has(v.record)) templates.set(v.record, revive(v.value));
}

const stat = templates.get("Stat");
const acl = templates.get("ACL");
const statPersisted = templates.get("StatPersisted");

const CHARS = ["a", "/", "0", "-", "\u00e9", "\u00ff", "\u0100", "\u4e2d", "\uffee", "\u0000", "~"];

export function randString(rnd: Prng): string {
  const n = rnd.chance(0.05) ? 200 + rnd.int(200) : rnd.int(12);
  let s = "";
  for (let i = 0; i < n; i++) {
    s += rnd.chance(0.7) ? "abcxyz/_."[rnd.int(9)] : CHARS[rnd.int(CHARS.length)];
  }
  return s;
}

function randInt(rnd: Prng): number {
  const edge = [0, -1, 1, 2147483647, -2147483648, 0xfffff];
  return rnd.chance(0.3) ? edge[rnd.int(edge.length)] : rnd.next() | 0;
}

function randLong(rnd: Prng): bigint {
  const edge = [0n, -1n, 2n ** 63n - 1n, -(2n ** 63n), 2n ** 53n + 1n];
  if (rnd.chance(0.3)) return edge[rnd.int(edge.length)];
  return BigInt.asIntN(64, (BigInt(rnd.next()) << 32n) | BigInt(rnd.next()));
}

function randomLike(t: unknown, rnd: Prng, nullableStrings = false): unknown {
  if (typeof t === "number") return randInt(rnd);
  if (typeof t === "bigint") return randLong(rnd);
  if (typeof t === "boolean") return rnd.chance(0.5);
  if (typeof t === "string") return nullableStrings && rnd.chance(0.3) ? null : randString(rnd);
  if (t instanceof Uint8Array) return rnd.chance(0.2) ? null : rnd.bytes(rnd.int(40));
  if (Array.isArray(t)) {
    return Array.from({ length: rnd.int(4) }, () => randomLike(t[0], rnd));
  }
  if (t !== null && typeof t === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(t)) out[k] = randomLike(x, rnd, nullableStrings);
    return out;
  }
  throw new Error(`no shape for ${String(t)}`);
}

function randomRecord(name: string, rnd: Prng): unknown {
  const v = randomLike(templates.get(name), rnd, name === "ReconfigRequest") as Record<
    string,
    unknown
  >;
  if (name === "ConnectRequest" || name === "ConnectResponse") {
    if (rnd.chance(0.5)) v.readOnly = rnd.chance(0.5);
  }
  return v;
}

const CREATE = { path: "/a", data: new Uint8Array([1]), acl: [acl], flags: 0 };
const OP_SHAPES: [number, unknown][] = [
  [1, CREATE],
  [15, CREATE],
  [19, CREATE],
  [21, { ...CREATE, ttl: 1n }],
  [2, { path: "/a", version: 1 }],
  [5, { path: "/a", data: new Uint8Array([1]), version: 1 }],
  [13, { path: "/a", version: 1 }],
  [8, { path: "/a", watch: true }],
  [4, { path: "/a", watch: true }],
];
const RESULT_SHAPES: unknown[] = [
  { type: 1, path: "/a" },
  { type: 15, path: "/a", stat },
  { type: 2 },
  { type: 5, stat },
  { type: 13 },
  { type: 8, children: ["a"] },
  { type: 4, data: new Uint8Array([1]), stat },
  { type: -1, err: 1 },
];
const TXN_TYPES = [-10, -11, 1, 15, 21, 19, 2, 20, 16, 5, 7, -1, 14];

function randomTxnEntry(rnd: Prng): jute.TxnEntry {
  const type = TXN_TYPES[rnd.int(TXN_TYPES.length)];
  const rec = jute.txnRecord(type)!;
  const header = { ...(randomRecord("TxnHeader", rnd) as jute.TxnHeader), type };
  const txn = randomRecord(rec.name, rnd) as jute.AnyTxn;
  const e: jute.TxnEntry = { header, txn };
  if (rnd.chance(0.7)) e.digest = randomRecord("TxnDigest", rnd) as jute.TxnDigest;
  return e;
}

// Records beyond zookeeper.jute, with their generators.
const EXTRA: [jute.JuteRecord<unknown>, (rnd: Prng) => unknown][] = [
  [jute.MultiOperationRecord, (rnd) => ({
    ops: Array.from({ length: rnd.int(5) }, () => {
      const [type, shape] = OP_SHAPES[rnd.int(OP_SHAPES.length)];
      return { type, request: randomLike(shape, rnd) };
    }),
  })],
  [jute.MultiResponse, (rnd) => ({
    results: Array.from(
      { length: rnd.int(5) },
      () => randomLike(RESULT_SHAPES[rnd.int(RESULT_SHAPES.length)], rnd),
    ).map((r) => {
      const o = r as Record<string, unknown>;
      o.type = (RESULT_SHAPES.find((s) =>
        Object.keys(s as object).join() === Object.keys(o).join()
      ) as Record<string, unknown>).type;
      return o;
    }),
  })],
  [jute.TxnEntry, randomTxnEntry],
  [
    jute.DataNode,
    (rnd) => randomLike({ data: new Uint8Array(1), acl: 1n, stat: statPersisted }, rnd),
  ],
  [
    jute.SnapshotNode,
    (rnd) =>
      randomLike(
        { path: "/a", node: { data: new Uint8Array(1), acl: 1n, stat: statPersisted } },
        rnd,
      ),
  ],
  [jute.ACLCache, (rnd) => randomLike([{ id: 1n, acls: [acl] }], rnd)],
  [jute.SnapshotSessions, (rnd) => randomLike([{ id: 1n, timeout: 1 }], rnd)],
  [jute.ZxidDigest, (rnd) => {
    const d = randomLike({ zxid: 1n, digestVersion: 2, digest: 1n }, rnd) as jute.ZxidDigest;
    if (d.digestVersion < 2) d.digest = rnd.chance(0.2) ? null : randString(rnd);
    return d;
  }],
  [jute.SnapshotSeal, (rnd) => randomLike({ checksum: 1n, path: "/" }, rnd)],
];

/** Every codec with a generator of random values for it. */
export const ALL: [jute.JuteRecord<unknown>, (rnd: Prng) => unknown][] = [
  ...[...templates.keys()].map((n) =>
    [codecs[n], (rnd: Prng) => randomRecord(n, rnd)] as [
      jute.JuteRecord<unknown>,
      (rnd: Prng) => unknown,
    ]
  ),
  ...EXTRA,
];
