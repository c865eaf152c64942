// Property-based fuzzing of every decoder of outside input (issue 16), with
// fast-check: the Jute records and frames (client port), zoo.cfg, the txn log
// and snapshot readers (disk), the election notification and initial message,
// and the quorum packet reader (peers). Each property: random or mutated
// input gives a value or the decoder's typed error — never another exception,
// never a hang, never a huge allocation.
//
// FUZZ_RUNS=N multiplies the runs (default 1: the file takes a few seconds);
// FUZZ_SEED=S replays a seed, and a failure prints its seed and path.
import assert from "node:assert/strict";
import fc from "fast-check";
import * as jute from "@zkts/jute";
import {
  FrameLengthError,
  FrameSplitter,
  JuteDecodeError,
  type JuteRecord,
  QuorumPacket,
} from "@zkts/jute";
import { CONFIG_KEYS, ConfigError, parseConfig, parseProperties } from "@zkts/server";
import {
  readSnapshot,
  readTxnLog,
  SimStorage,
  SnapshotError,
  TxnLog,
  TxnLogCorruptError,
  writeSnapshot,
} from "@zkts/persistence";
import {
  decodeInitialMessage,
  decodeNotification,
  encodeNotification,
  readFrame,
  type ServerState,
  WireError,
} from "@zkts/election";
import { encodePacket, PacketReader, PacketType } from "@zkts/zab";
import { ALL } from "../../packages/jute/_arbitrary.ts";
import { Prng } from "../../packages/jute/_test_util.ts";

const RUNS = Number(Deno.env.get("FUZZ_RUNS") ?? 1);
const SEED = Deno.env.get("FUZZ_SEED");
const params = (numRuns: number): fc.Parameters<unknown> => ({
  numRuns: Math.max(1, Math.round(numRuns * RUNS)),
  ...(SEED !== undefined ? { seed: Number(SEED) } : {}),
});

/** The longest one decode may take before it counts as a hang. */
const SLOW_MS = 250;
/** What one decode may leave allocated (ArrayBuffers: `external`) beyond its input. */
const ALLOC_MAX = 32 * 1024 * 1024;

/** Runs `f`; anything but `typed` (or a value) fails, and so does a slow or huge one. */
/** Per decoder: how many inputs gave a value, how many the typed error. */
const outcomes = new Map<string, { ok: number; typed: number }>();
function count(what: string, ok: boolean): void {
  const o = outcomes.get(what) ?? { ok: 0, typed: 0 };
  if (ok) o.ok++;
  else o.typed++;
  outcomes.set(what, o);
}
/** The property was not vacuous: some inputs decoded, some were refused. */
function bothSeen(what: string): void {
  const o = outcomes.get(what);
  assert.ok(o && o.ok > 0 && o.typed > 0, `${what}: ${JSON.stringify(o)}`);
}

function onlyTyped(
  what: string,
  typed: (abstract new (...a: never[]) => Error)[],
  f: () => unknown,
): void {
  let counted = false;
  const once = (): number => {
    const t0 = performance.now();
    let ok = true;
    try {
      f();
    } catch (e) {
      if (!typed.some((t) => e instanceof t)) {
        throw new Error(`${what}: untyped ${(e as Error)?.stack ?? String(e)}`);
      }
      ok = false;
    }
    if (!counted) count(what, ok), counted = true;
    return performance.now() - t0;
  };
  const ext0 = Deno.memoryUsage().external;
  // A slow first run may be a GC pause or the other helpers' load: only a slow second one counts.
  const ms = once();
  if (ms >= SLOW_MS) {
    const again = once();
    assert.ok(again < SLOW_MS, `${what}: took ${ms.toFixed(0)} then ${again.toFixed(0)} ms`);
  }
  const grew = Deno.memoryUsage().external - ext0;
  assert.ok(grew < ALLOC_MAX, `${what}: allocated ${grew} bytes`);
}

/** Same, for async readers, with a deadline (a hang fails instead of stalling the file). */
async function onlyTypedAsync(
  what: string,
  typed: (abstract new (...a: never[]) => Error)[],
  f: () => Promise<unknown>,
  deadlineMs = 3000,
): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hang = new Promise<"hang">((r) => timer = setTimeout(() => r("hang"), deadlineMs));
  try {
    const r = await Promise.race([f().then(() => "ok" as const), hang]);
    assert.notEqual(r, "hang", `${what}: no answer in ${deadlineMs} ms`);
    count(what, true);
  } catch (e) {
    if (e instanceof assert.AssertionError) throw e;
    if (!typed.some((t) => e instanceof t)) {
      throw new Error(`${what}: untyped ${(e as Error)?.stack ?? String(e)}`);
    }
    count(what, false);
  } finally {
    clearTimeout(timer);
  }
}

// ---- mutations of a valid encoding --------------------------------------------

type Mutation =
  | { kind: "flip"; at: number; bit: number }
  | { kind: "set32"; at: number; value: number }
  | { kind: "truncate"; at: number }
  | { kind: "insert"; at: number; bytes: Uint8Array }
  | { kind: "delete"; at: number; n: number };

/** Int32 values that lie: negative, -1 (null), huge, 2^31 - 1, -2^31. */
const EDGE_INTS = [-1, -2, 0, 1, 0x7fffffff, -0x80000000, 0x40000000, 0xfffff + 1, 65536];

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant("flip" as const), at: fc.nat(), bit: fc.nat(7) }),
  fc.record({
    kind: fc.constant("set32" as const),
    at: fc.nat(),
    value: fc.oneof(fc.constantFrom(...EDGE_INTS), fc.integer()),
  }),
  fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant("insert" as const),
    at: fc.nat(),
    bytes: fc.uint8Array({ minLength: 1, maxLength: 12 }),
  }),
  fc.record({
    kind: fc.constant("delete" as const),
    at: fc.nat(),
    n: fc.integer({ min: 1, max: 8 }),
  }),
);

/** Applies mutations; offsets wrap into the bytes so every draw lands somewhere. */
function applyMutations(bytes: Uint8Array, muts: Mutation[], from = 0): Uint8Array {
  let b = bytes.slice();
  for (const m of muts) {
    const span = b.length - from;
    if (span <= 0) break;
    const at = from + (m.at % span);
    switch (m.kind) {
      case "flip":
        b[at] ^= 1 << m.bit;
        break;
      case "set32":
        if (b.length >= 4) new DataView(b.buffer).setInt32(Math.min(at, b.length - 4), m.value);
        break;
      case "truncate":
        b = b.slice(0, at);
        break;
      case "insert": {
        const out = new Uint8Array(b.length + m.bytes.length);
        out.set(b.subarray(0, at));
        out.set(m.bytes, at);
        out.set(b.subarray(at), at + m.bytes.length);
        b = out;
        break;
      }
      case "delete":
        b = new Uint8Array([...b.subarray(0, at), ...b.subarray(at + m.n)]);
        break;
    }
  }
  return b;
}

// ---- Jute: every record, frames ------------------------------------------------

const RECORDS = ALL.map(([rec, gen]) => ({ rec, gen }));
// The quorum records, whatever ALL holds.
for (const rec of [jute.QuorumPacket, jute.LearnerInfo, jute.QuorumAuthPacket]) {
  if (!RECORDS.some((r) => r.rec === rec)) {
    throw new Error(`no generator for ${rec.name}: add it to packages/jute/_arbitrary.ts`);
  }
}
const recordArb = fc.constantFrom(...RECORDS);

function decodeBoth(rec: JuteRecord<unknown>, bytes: Uint8Array): void {
  onlyTyped(`${rec.name} copy`, [JuteDecodeError], () => jute.decode(rec, bytes));
  onlyTyped(
    `${rec.name} borrow`,
    [JuteDecodeError],
    () => jute.decode(rec, bytes, { borrow: true }),
  );
}

Deno.test("jute: random bytes decode as every record or raise JuteDecodeError", () => {
  fc.assert(
    fc.property(recordArb, fc.uint8Array({ maxLength: 256 }), ({ rec }, bytes) => {
      decodeBoth(rec, bytes);
    }),
    params(1500),
  );
});

Deno.test("jute: mutated valid encodings of every record decode or raise JuteDecodeError", () => {
  fc.assert(
    fc.property(
      recordArb,
      fc.integer(),
      fc.array(mutationArb, { minLength: 1, maxLength: 4 }),
      ({ rec, gen }, seed, muts) => {
        const good = jute.encode(rec, gen(new Prng(seed)));
        decodeBoth(rec, applyMutations(good, muts));
      },
    ),
    params(2000),
  );
});

Deno.test("jute: a length field claiming 2^31 - 1 or -2^31 anywhere allocates nothing of it", () => {
  fc.assert(
    fc.property(
      recordArb,
      fc.integer(),
      fc.nat(),
      fc.constantFrom(0x7fffffff, -0x80000000, 0x7ffffff0),
      ({ rec, gen }, seed, at, value) => {
        const b = jute.encode(rec, gen(new Prng(seed))).slice();
        if (b.length < 4) return;
        new DataView(b.buffer).setInt32(at % (b.length - 3), value);
        decodeBoth(rec, b);
      },
    ),
    params(1000),
  );
});

Deno.test("jute: FrameSplitter gives the frames back, or FrameLengthError, for any stream and split", () => {
  const MAX = 4096;
  const frameArb = fc.oneof(
    { weight: 4, arbitrary: fc.uint8Array({ maxLength: 300 }).map((p) => jute.encodeFrame(p)) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(...EDGE_INTS).map((n) =>
        new Uint8Array(new Int32Array([n]).buffer).reverse()
      ),
    },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 40 }) },
  );
  fc.assert(
    fc.property(
      fc.array(frameArb, { maxLength: 8 }),
      fc.array(fc.nat(400), { maxLength: 10 }),
      (parts, cuts) => {
        const stream = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
        let o = 0;
        for (const p of parts) stream.set(p, o), o += p.length;
        const s = new FrameSplitter({ maxFrameBytes: MAX });
        const points = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b);
        let prev = 0;
        let got = 0;
        onlyTyped("FrameSplitter", [FrameLengthError], () => {
          for (const at of [...points, stream.length]) {
            for (const f of s.push(stream.slice(prev, at))) {
              assert.ok(f.length <= MAX);
              got += 4 + f.length;
            }
            prev = at;
            assert.ok(s.buffered <= MAX + 4, `buffered ${s.buffered}`);
          }
          // Everything not yet framed is held: nothing lost, nothing invented
          // (`buffered` does not count the 4-byte prefix of a pending body).
          assert.ok([0, 4].includes(stream.length - got - s.buffered));
        });
      },
    ),
    params(800),
  );
});

// ---- zoo.cfg ---------------------------------------------------------------------

const KEYS = CONFIG_KEYS.map((k) => k.key.replace(/\*$/, "x"));
const valueArb = fc.oneof(
  fc.constantFrom(
    "",
    "0",
    "-1",
    "2181",
    "2000",
    "yes",
    "no",
    "true",
    "false",
    "/tmp/zk",
    "99999999999999999999",
    "0x10",
    "127.0.0.1:2888:3888",
    "host:1:2:participant;0.0.0.0:2181",
    "*",
    "a\\",
    "\\u00e9",
    "\\uZZZZ",
  ),
  fc.string({ maxLength: 30 }),
  fc.string({ unit: "binary", maxLength: 30 }),
);
const lineArb = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.tuple(
      fc.constantFrom(
        ...KEYS,
        "server.1",
        "server.2",
        "server.x",
        "group.1",
        "weight.1",
        "dataDir",
        "clientPort",
        "tickTime",
      ),
      fc.constantFrom("=", ":", " ", " = ", "\t"),
      valueArb,
    ).map(([k, sep, v]) => k + sep + v),
  },
  { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 60 }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      "#c",
      "!c",
      "\\",
      "a=\\",
      "   ",
      "=",
      ":",
      "\u2028",
      " ".repeat(3000) + "\u2028",
      "\\".repeat(2001),
    ),
  },
);
const cfgArb = fc.tuple(fc.array(lineArb, { maxLength: 25 }), fc.constantFrom("\n", "\r\n", "\r"))
  .map(([ls, nl]) => ls.join(nl));

Deno.test("zoo.cfg: any text gives a config or a ConfigError, quickly", () => {
  fc.assert(
    fc.property(
      cfgArb,
      fc.option(fc.constantFrom("1", "2", "x", "")),
      fc.option(cfgArb),
      (text, myid, dynamic) => {
        onlyTyped("parseProperties", [], () => parseProperties(text));
        onlyTyped(
          "parseConfig",
          [ConfigError],
          () =>
            parseConfig("dataDir=/tmp/zk\nclientPort=2181\n" + text, {
              ...(myid !== null ? { myid } : {}),
              ...(dynamic !== null ? { dynamicConfig: dynamic } : {}),
            }),
        );
        onlyTyped("parseConfig bare", [ConfigError], () => parseConfig(text));
      },
    ),
    params(1500),
  );
  bothSeen("parseConfig");
});

// ---- txn log and snapshot files -------------------------------------------------

const DIR = "/data/version-2";
const quiet = { warn() {}, error() {} };

/** A txn as the log holds it: a TxnHeader (32 bytes, zxid at byte 12) and a body. */
function txnBytes(zxid: bigint, body: Uint8Array): Uint8Array {
  const b = new Uint8Array(32 + body.length);
  const dv = new DataView(b.buffer);
  dv.setBigInt64(0, 0x100n);
  dv.setInt32(8, 1);
  dv.setBigInt64(12, zxid);
  dv.setBigInt64(20, 0n);
  dv.setInt32(28, 5);
  b.set(body, 32);
  return b;
}

async function writeFile(storage: SimStorage, path: string, bytes: Uint8Array): Promise<void> {
  const f = await storage.open(path, { create: true, truncate: true });
  try {
    await f.write(bytes, 0);
    await f.sync();
  } finally {
    f.close();
  }
}

Deno.test("txn log: mutated segments read back, truncate or raise TxnLogCorruptError", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.uint8Array({ maxLength: 60 }), { minLength: 1, maxLength: 12 }),
      fc.array(mutationArb, { minLength: 0, maxLength: 4 }),
      fc.boolean(),
      async (bodies, muts, twoSegments) => {
        const storage = new SimStorage({ seed: 1 });
        const log = await TxnLog.open({ storage, dir: DIR, preAllocSize: 512, logger: quiet });
        let zxid = 1n;
        for (const b of bodies) await log.append(zxid, txnBytes(zxid++, b));
        if (twoSegments) {
          log.roll();
          await log.append(zxid, txnBytes(zxid++, new Uint8Array(3)));
        }
        await log.close();
        const names = await storage.list(DIR);
        const victim = `${DIR}/${names[0]}`;
        const bytes = await storage.readFile(victim);
        await writeFile(storage, victim, applyMutations(bytes, muts));
        await onlyTypedAsync("readTxnLog", [TxnLogCorruptError], async () => {
          let prev = -1n;
          for await (const r of readTxnLog({ storage, dir: DIR })) {
            assert.ok(r.zxid > prev, "zxids increase");
            prev = r.zxid;
          }
        });
        for (const truncateOnCorruption of [false, true]) {
          await onlyTypedAsync("TxnLog.open", [TxnLogCorruptError], async () => {
            const again = await TxnLog.open({
              storage,
              dir: DIR,
              preAllocSize: 512,
              truncateOnCorruption,
              logger: quiet,
            });
            await again.close();
          });
        }
      },
    ),
    params(300),
  );
  bothSeen("readTxnLog");
  bothSeen("TxnLog.open");
});

Deno.test("txn log: a random file as a segment is refused or read, never more", async () => {
  await fc.assert(
    fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), fc.boolean(), async (bytes, withHeader) => {
      const storage = new SimStorage({ seed: 2 });
      await storage.mkdir(DIR);
      const head = new Uint8Array([0x5a, 0x4b, 0x4c, 0x47, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0]);
      await writeFile(
        storage,
        `${DIR}/log.1`,
        withHeader ? new Uint8Array([...head, ...bytes]) : bytes,
      );
      await onlyTypedAsync("readTxnLog", [TxnLogCorruptError], async () => {
        for await (const _ of readTxnLog({ storage, dir: DIR })) { /* read */ }
      });
      await onlyTypedAsync("TxnLog.open", [TxnLogCorruptError], async () => {
        await (await TxnLog.open({ storage, dir: DIR, preAllocSize: 512, logger: quiet })).close();
      });
    }),
    params(300),
  );
});

const ACL = [{ perms: 31, id: { scheme: "world", id: "anyone" } }];
const STAT = {
  czxid: 1n,
  mzxid: 1n,
  ctime: 0n,
  mtime: 0n,
  version: 0,
  cversion: 0,
  aversion: 0,
  ephemeralOwner: 0n,
  pzxid: 1n,
};

Deno.test("snapshot: mutated snapshots (plain, gz, snappy) read back or raise SnapshotError", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom("none" as const, "gz" as const, "snappy" as const),
      fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 6 }),
      // Some inputs unmutated: a snapshot's checksum refuses nearly every
      // mutation, and the property must also see snapshots that read back.
      fc.array(mutationArb, { minLength: 0, maxLength: 4 }),
      fc.boolean(),
      async (compression, datas, muts, sink) => {
        const storage = new SimStorage({ seed: 3 });
        const nodes = [
          { path: "/", data: null, aclRef: -1n, stat: STAT },
          ...datas.map((d, i) => ({ path: `/n${i}`, data: d, aclRef: 1n, stat: STAT })),
        ];
        const { name } = await writeSnapshot(
          { storage, dir: DIR, zxid: 5n, compression, sliceMs: 1000 },
          {
            sessions: new Map([[0x100n, 30000]]),
            acls: new Map([[1n, ACL]]),
            nodes,
            digest: { zxid: 5n, digestVersion: 2, digest: 7n },
          },
        );
        const path = `${DIR}/${name}`;
        await writeFile(storage, path, applyMutations(await storage.readFile(path), muts));
        await onlyTypedAsync("readSnapshot", [SnapshotError], async () => {
          await readSnapshot({
            storage,
            path,
            ...(sink ? { nodeSink: { begin: () => () => {} } } : {}),
          });
        });
      },
    ),
    params(300),
  );
  bothSeen("readSnapshot");
});

// ---- election and quorum peers --------------------------------------------------

Deno.test("election: notifications, initial messages and frames decode or raise WireError", () => {
  const good = fc.record({
    state: fc.integer({ min: 0, max: 3 }),
    leader: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
    zxid: fc.bigInt({ min: 0n, max: 2n ** 63n - 1n }),
    electionEpoch: fc.bigInt({ min: 0n, max: 2n ** 40n }),
    peerEpoch: fc.bigInt({ min: 0n, max: 2n ** 40n }),
  }).map((n) =>
    encodeNotification(
      { ...n, state: n.state as ServerState, version: 2 },
      "server.1=127.0.0.1:2888:3888:participant\nversion=0",
    )
  );
  const input = fc.oneof(
    fc.uint8Array({ maxLength: 120 }),
    fc.tuple(good, fc.array(mutationArb, { minLength: 1, maxLength: 3 })).map(([b, m]) =>
      applyMutations(b, m)
    ),
  );
  fc.assert(
    fc.property(input, (bytes) => {
      onlyTyped("decodeNotification", [WireError], () => decodeNotification(bytes));
      onlyTyped("decodeInitialMessage", [WireError], () => decodeInitialMessage(bytes));
      onlyTyped("readFrame", [WireError], () => readFrame(bytes));
    }),
    params(2000),
  );
  bothSeen("decodeNotification");
  bothSeen("decodeInitialMessage");
});

Deno.test("quorum: PacketReader takes mutated packet streams in any split, or raises JuteDecodeError", () => {
  const TYPES = Object.values(PacketType) as number[];
  const packetArb = fc.record({
    type: fc.oneof(fc.constantFrom(...TYPES), fc.integer()),
    zxid: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
    data: fc.option(fc.uint8Array({ maxLength: 80 })),
    authinfo: fc.option(
      fc.array(
        fc.record({ scheme: fc.string({ maxLength: 8 }), id: fc.string({ maxLength: 8 }) }),
        { maxLength: 2 },
      ),
    ),
  }).map((p) => encodePacket(p as QuorumPacket));
  fc.assert(
    fc.property(
      fc.array(packetArb, { minLength: 1, maxLength: 5 }),
      fc.array(mutationArb, { maxLength: 3 }),
      fc.array(fc.nat(500), { maxLength: 6 }),
      fc.boolean(),
      (packets, muts, cuts, snap) => {
        const stream = applyMutations(new Uint8Array(packets.flatMap((p) => [...p])), muts);
        const r = new PacketReader(4096);
        const points = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b);
        let prev = 0;
        onlyTyped("PacketReader", [JuteDecodeError], () => {
          for (const at of [...points, stream.length]) {
            r.push(stream.slice(prev, at));
            prev = at;
            for (let i = 0; i < 100; i++) {
              const p = snap ? r.nextSnapshot() : r.next();
              if (p === undefined) break;
            }
          }
        });
        onlyTyped(
          "decode QuorumPacket",
          [JuteDecodeError],
          () => jute.decode(QuorumPacket, stream),
        );
      },
    ),
    params(1500),
  );
  bothSeen("PacketReader");
});
