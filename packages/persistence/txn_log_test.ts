import assert from "node:assert/strict";
import {
  adler32,
  encodeFileHeader,
  fileSizeWithPadding,
  listSegments,
  readTxnLog,
  rollJitter,
  seededRandom,
  shouldRoll,
  SimStorage,
  TxnLog,
  TXNLOG_MAGIC,
  TxnLogCorruptError,
  TxnLogFailedError,
} from "./mod.ts";
import { fakeTxn, microtasks, quietLogger } from "./_test_util.ts";

const DIR = "/data/version-2";

function naiveAdler32(data: Uint8Array): number {
  let a = 1, b = 0;
  for (const x of data) {
    a = (a + x) % 65521;
    b = (b + a) % 65521;
  }
  return ((b << 16) | a) >>> 0;
}

Deno.test("adler32 matches known values and a naive implementation", () => {
  const cases: [string, Uint8Array, number][] = [
    ["empty", new Uint8Array(0), 1],
    ["Wikipedia", new TextEncoder().encode("Wikipedia"), 0x11e60398],
    ["one 0xff", new Uint8Array([0xff]), 0x01000100],
  ];
  for (const [name, data, want] of cases) assert.equal(adler32(data), want, name);
  const r = seededRandom(3);
  for (const n of [1, 3, 4, 5, 3799, 3800, 3801, 5552, 5553, 100_000]) {
    const data = new Uint8Array(n);
    for (let i = 0; i < n; i++) data[i] = n % 2 ? 0xff : r.int(256);
    assert.equal(adler32(data), naiveAdler32(data), `length ${n}`);
    // Continuing from a partial checksum gives the same result.
    const half = n >> 1;
    assert.equal(adler32(data.subarray(half), adler32(data.subarray(0, half))), naiveAdler32(data));
  }
});

Deno.test("roll rule follows SyncRequestProcessor.shouldSnapshot", () => {
  const cases: { name: string; logCount: number; logBytes: number; size: number; want: boolean }[] =
    [
      { name: "below snapCount/2 + randRoll", logCount: 60, logBytes: 0, size: 0, want: false },
      { name: "at snapCount/2 + randRoll", logCount: 60, logBytes: 0, size: 0, want: false },
      { name: "above snapCount/2 + randRoll", logCount: 61, logBytes: 0, size: 0, want: true },
      {
        name: "size rule off when snapSizeInBytes is 0",
        logCount: 0,
        logBytes: 1e12,
        size: 0,
        want: false,
      },
      {
        name: "above snapSizeInBytes/2 + randSize",
        logCount: 0,
        logBytes: 601,
        size: 1000,
        want: true,
      },
      {
        name: "below snapSizeInBytes/2 + randSize",
        logCount: 0,
        logBytes: 600,
        size: 1000,
        want: false,
      },
    ];
  for (const c of cases) {
    const got = shouldRoll({
      logCount: c.logCount,
      logBytes: c.logBytes,
      snapCount: 100,
      snapSizeInBytes: c.size,
      jitter: { randRoll: 10, randSize: 100 },
    });
    assert.equal(got, c.want, c.name);
  }
  const r = seededRandom(1);
  for (let i = 0; i < 1000; i++) {
    const j = rollJitter(100, 1000, r);
    assert.ok(j.randRoll >= 0 && j.randRoll < 50 && j.randSize >= 0 && j.randSize < 500);
  }
  assert.deepEqual(rollJitter(1, 0, r), { randRoll: 0, randSize: 0 });
});

Deno.test("padding grows as FilePadding.calculateFileSizeWithPadding", () => {
  const cases: [number, number, number, number][] = [
    // position, fileSize, preAllocSize, want
    [16, 0, 1000, 1000],
    [100, 10_000, 1000, 10_000],
    [6000, 10_000, 1000, 11_000],
    [25_000, 10_000, 1000, 26_000],
    [25_000, 10_000, 0, 10_000],
  ];
  for (const [p, s, a, want] of cases) {
    assert.equal(fileSizeWithPadding(p, s, a), want, `${p} ${s} ${a}`);
  }
});

Deno.test("a segment is byte-exact: FileHeader, then checksum, length, bytes, 0x42, then zeros", async () => {
  const storage = new SimStorage({ seed: 1 });
  const log = await TxnLog.open({ storage, dir: DIR, preAllocSize: 8192 });
  const t1 = fakeTxn(0x100000001n), t2 = fakeTxn(0x100000002n, 100);
  await Promise.all([log.append(0x100000001n, t1), log.append(0x100000002n, t2)]);
  await log.close();
  assert.deepEqual(await storage.list(DIR), ["log.100000001"]);
  const bytes = await storage.readFile(`${DIR}/log.100000001`);
  assert.equal(bytes.length, 16 + 8192, "preallocated as Apache: header + preAllocSize");
  const v = new DataView(bytes.buffer, bytes.byteOffset);
  assert.deepEqual(bytes.subarray(0, 16), encodeFileHeader(TXNLOG_MAGIC, 0n));
  assert.equal(new TextDecoder().decode(bytes.subarray(0, 4)), "ZKLG");
  assert.equal(v.getInt32(4), 2);
  let o = 16;
  for (const t of [t1, t2]) {
    assert.equal(v.getBigInt64(o), BigInt(adler32(t)));
    assert.equal(v.getInt32(o + 8), t.length);
    assert.deepEqual(bytes.subarray(o + 12, o + 12 + t.length), t);
    assert.equal(bytes[o + 12 + t.length], 0x42);
    o += 13 + t.length;
  }
  assert.ok(bytes.subarray(o).every((b) => b === 0), "zeros after the records");
});

Deno.test("group commit: concurrent appends share one fsync; each resolves only after it", async () => {
  const storage = new SimStorage({ seed: 2 });
  const persisted: bigint[] = [];
  const log = await TxnLog.open({
    storage,
    dir: DIR,
    preAllocSize: 65536,
    onPersisted: (z) => persisted.push(z),
  });
  const syncsBefore = storage.stats.syncs;
  let resolved = 0;
  const all = [];
  for (let z = 1n; z <= 100n; z++) all.push(log.append(z, fakeTxn(z)).then(() => resolved++));
  assert.equal(resolved, 0);
  await Promise.all(all);
  assert.equal(log.persistedZxid, 100n);
  // One fdatasync for the batch (and one fsync of the directory for the new segment).
  assert.equal(storage.stats.syncs - syncsBefore, 1);
  assert.equal(storage.stats.dirSyncs, 1);
  assert.deepEqual(persisted, [100n]);
  // Appends made while a batch is in flight go to the next batch.
  const a = log.append(101n, fakeTxn(101n));
  await microtasks(2);
  const b = [102n, 103n, 104n].map((z) => log.append(z, fakeTxn(z)));
  await Promise.all([a, ...b]);
  assert.deepEqual(persisted, [100n, 101n, 104n]);
  await log.close();
});

Deno.test("batches hold at most batchTxnsMax txns", async () => {
  const storage = new SimStorage({ seed: 2 });
  const persisted: bigint[] = [];
  const log = await TxnLog.open({
    storage,
    dir: DIR,
    preAllocSize: 65536,
    batchTxnsMax: 10,
    onPersisted: (z) => persisted.push(z),
  });
  await Promise.all(
    Array.from({ length: 25 }, (_, i) => log.append(BigInt(i + 1), fakeTxn(BigInt(i + 1)))),
  );
  assert.deepEqual(persisted, [10n, 20n, 25n]);
  await log.close();
});

Deno.test("forceSync=false writes without fsync", async () => {
  const storage = new SimStorage({ seed: 3 });
  const log = await TxnLog.open({ storage, dir: DIR, preAllocSize: 4096, forceSync: false });
  const before = storage.stats.syncs;
  await Promise.all([1n, 2n].map((z) => log.append(z, fakeTxn(z))));
  assert.equal(storage.stats.syncs, before);
  await log.close();
});

Deno.test("append rejects zxids that do not increase and bytes that do not hold the zxid", async () => {
  const storage = new SimStorage({ seed: 4 });
  const log = await TxnLog.open({ storage, dir: DIR });
  await log.append(5n, fakeTxn(5n));
  await assert.rejects(log.append(5n, fakeTxn(5n)), RangeError);
  await assert.rejects(log.append(6n, fakeTxn(7n)), /not the one in the TxnHeader/);
  await assert.rejects(log.append(6n, new Uint8Array(10)), RangeError);
  await log.close();
});

async function fill(log: TxnLog, from: bigint, to: bigint, rollEvery = 0): Promise<void> {
  for (let z = from; z <= to; z++) {
    if (rollEvery && z > from && (z - from) % BigInt(rollEvery) === 0n) log.roll();
    await log.append(z, fakeTxn(z));
  }
}

async function zxidsOf(storage: SimStorage, fromZxid?: bigint): Promise<bigint[]> {
  const out: bigint[] = [];
  for await (const r of readTxnLog({ storage, dir: DIR, fromZxid })) {
    assert.deepEqual(r.bytes, fakeTxn(r.zxid, r.bytes.length - 32));
    out.push(r.zxid);
  }
  return out;
}

const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => BigInt(a + i));

Deno.test("roll starts a new segment named by its first zxid; reads start at any zxid", async () => {
  const storage = new SimStorage({ seed: 5 });
  const log = await TxnLog.open({ storage, dir: DIR, preAllocSize: 4096 });
  await fill(log, 1n, 30n, 10);
  assert.deepEqual((await listSegments(storage, DIR)).map((s) => s.name), [
    "log.1",
    "log.b",
    "log.15",
  ]);
  const cases: [string, bigint | undefined, bigint[]][] = [
    ["everything", undefined, range(1, 30)],
    ["from a segment's first zxid", 11n, range(11, 30)],
    ["from the middle of a segment", 17n, range(17, 30)],
    ["from the last zxid", 30n, [30n]],
    ["from beyond the end", 31n, []],
  ];
  for (const [name, from, want] of cases) {
    assert.deepEqual(await zxidsOf(storage, from), want, name);
  }
  const viaLog: bigint[] = [];
  for await (const r of log.read(25n)) viaLog.push(r.zxid);
  assert.deepEqual(viaLog, range(25, 30));
  await log.close();
});

Deno.test("reopening recovers the last zxid and appends go to a new segment", async () => {
  const storage = new SimStorage({ seed: 6 });
  let log = await TxnLog.open({ storage, dir: DIR, preAllocSize: 4096 });
  assert.equal(log.lastZxid, -1n);
  await fill(log, 1n, 5n);
  await log.close();
  log = await TxnLog.open({ storage, dir: DIR, preAllocSize: 4096 });
  assert.equal(log.lastZxid, 5n);
  await fill(log, 6n, 8n);
  await log.close();
  assert.deepEqual(await storage.list(DIR), ["log.1", "log.6"]);
  assert.deepEqual(await zxidsOf(storage), range(1, 8));
});

Deno.test("truncate keeps txns up to the zxid and removes later segments (TRUNC)", async () => {
  const cases: [string, bigint, bigint, string[]][] = [
    ["inside the first segment", 4n, 4n, ["log.1"]],
    ["at a segment's last txn", 10n, 10n, ["log.1"]],
    ["at a segment's first txn", 11n, 11n, ["log.1", "log.b"]],
    ["at the end", 30n, 30n, ["log.1", "log.b", "log.15"]],
    ["beyond the end", 99n, 30n, ["log.1", "log.b", "log.15"]],
  ];
  for (const [name, to, last, files] of cases) {
    const storage = new SimStorage({ seed: 7 });
    const log = await TxnLog.open({ storage, dir: DIR, preAllocSize: 4096 });
    await fill(log, 1n, 30n, 10);
    assert.equal(await log.truncate(to), last, name);
    assert.deepEqual((await storage.list(DIR)).sort(), files.sort(), name);
    assert.deepEqual(await zxidsOf(storage), range(1, Number(last)), name);
    // A follower then logs the leader's txns after the truncation point.
    await log.append(last + 100n, fakeTxn(last + 100n));
    assert.deepEqual((await zxidsOf(storage)).at(-1), last + 100n, name);
    await log.close();
    const again = await TxnLog.open({ storage, dir: DIR, logger: quietLogger() });
    assert.equal(again.lastZxid, last + 100n, name);
    await again.close();
  }
});

Deno.test("recovery cuts a torn record at the end of the last segment", async () => {
  const cases: {
    name: string;
    damage: (b: Uint8Array, end: number, lastStart: number) => Uint8Array;
  }[] = [
    { name: "record cut short", damage: (b, end) => b.slice(0, end - 5) },
    { name: "missing end byte", damage: (b, end) => (b[end - 1] = 0, b) },
    { name: "checksum torn", damage: (b, _e, s) => (b[s + 7] ^= 0xff, b) },
    { name: "length only", damage: (b, _e, s) => b.slice(0, s + 10) },
    { name: "half a checksum", damage: (b, _e, s) => b.slice(0, s + 6) },
  ];
  for (const c of cases) {
    const storage = new SimStorage({ seed: 8 });
    const log = await TxnLog.open({ storage, dir: DIR, preAllocSize: 0 });
    await fill(log, 1n, 10n);
    await log.close();
    const path = `${DIR}/log.1`;
    const bytes = await storage.readFile(path);
    const recordBytes = 13 + 40;
    const damaged = c.damage(bytes.slice(), bytes.length, bytes.length - recordBytes);
    const f = await storage.open(path, { truncate: true });
    await f.write(damaged, 0);
    await f.sync();
    f.close();
    const logger = quietLogger();
    const again = await TxnLog.open({ storage, dir: DIR, logger });
    assert.equal(again.lastZxid, 9n, c.name);
    assert.equal(again.recovery.truncated.length, 1, c.name);
    assert.match(logger.lines.join("\n"), /torn record/, c.name);
    assert.equal((await storage.readFile(path)).length, bytes.length - recordBytes, c.name);
    await again.close();
  }
});

Deno.test("a last segment with no complete record is removed", async () => {
  const storage = new SimStorage({ seed: 9 });
  const log = await TxnLog.open({ storage, dir: DIR, preAllocSize: 4096 });
  await fill(log, 1n, 3n);
  await log.close();
  const f = await storage.open(`${DIR}/log.4`, { create: true });
  await f.write(encodeFileHeader(TXNLOG_MAGIC).subarray(0, 9), 0);
  await f.truncate(4096);
  f.close();
  const again = await TxnLog.open({ storage, dir: DIR, logger: quietLogger() });
  assert.equal(again.lastZxid, 3n);
  assert.deepEqual(again.recovery.removed, ["log.4"]);
  assert.deepEqual(await storage.list(DIR), ["log.1"]);
  await again.close();
});

Deno.test("bit flips in acknowledged records stop the start with file and offset", async () => {
  // Segments: log.1 (1..10), log.b (11..20), log.15 (21..30); records of 53 bytes after a 16-byte header.
  const at = (i: number) => 16 + 53 * i;
  const cases: { name: string; file: string; byte: number; offset: number }[] = [
    {
      name: "in a record's payload, first segment",
      file: "log.1",
      byte: at(3) + 30,
      offset: at(3),
    },
    {
      name: "in a record's length, middle segment",
      file: "log.b",
      byte: at(5) + 10,
      offset: at(5),
    },
    {
      name: "in a checksum, last segment with records after it",
      file: "log.15",
      byte: at(2) + 7,
      offset: at(2),
    },
    { name: "in the file header", file: "log.b", byte: 1, offset: 0 },
  ];
  for (const c of cases) {
    const storage = new SimStorage({ seed: 10 });
    const log = await TxnLog.open({ storage, dir: DIR, preAllocSize: 4096 });
    await fill(log, 1n, 30n, 10);
    await log.close();
    storage.flipBit(`${DIR}/${c.file}`, c.byte);
    const err = await assert.rejects(
      TxnLog.open({ storage, dir: DIR, logger: quietLogger() }),
      TxnLogCorruptError,
    );
    void err;
    try {
      await TxnLog.open({ storage, dir: DIR, logger: quietLogger() });
    } catch (e) {
      assert.ok(e instanceof TxnLogCorruptError);
      assert.equal(e.file, `${DIR}/${c.file}`, c.name);
      assert.equal(e.offset, c.offset, c.name);
      assert.match(e.message, new RegExp(`${c.file} at byte offset ${c.offset}`), c.name);
    }
    // The operator may ask to drop the log from the bad record on.
    const log2 = await TxnLog.open({
      storage,
      dir: DIR,
      truncateOnCorruption: true,
      logger: quietLogger(),
    });
    const kept = await zxidsOf(storage);
    assert.deepEqual(kept, range(1, kept.length), c.name);
    assert.equal(log2.lastZxid, BigInt(kept.length), c.name);
    assert.ok(kept.length < 30, c.name);
    await log2.close();
  }
});

Deno.test("recovery from a snapshot reads the segment holding its zxid and the later ones only", async () => {
  // Segments: log.1 (1..10), log.b (11..20), log.15 (21..30); a flipped bit
  // in log.1 shows whether it was read (FileTxnLog.getLogFiles' rule).
  const cases: { name: string; snapshotZxid?: bigint; skipped?: string[] }[] = [
    { name: "without a snapshot zxid every segment is read" },
    { name: "a snapshot inside the first segment reads it", snapshotZxid: 5n },
    { name: "a snapshot at the first segment's last txn reads it", snapshotZxid: 10n },
    {
      name: "a snapshot at a segment's first txn starts there",
      snapshotZxid: 11n,
      skipped: ["log.1"],
    },
    {
      name: "a snapshot in the last segment reads it only",
      snapshotZxid: 25n,
      skipped: ["log.1", "log.b"],
    },
    {
      name: "a snapshot past the log's end reads the last",
      snapshotZxid: 99n,
      skipped: ["log.1", "log.b"],
    },
  ];
  for (const c of cases) {
    const storage = new SimStorage({ seed: 12 });
    const log = await TxnLog.open({ storage, dir: DIR, preAllocSize: 4096 });
    await fill(log, 1n, 30n, 10);
    await log.close();
    storage.flipBit(`${DIR}/log.1`, 16 + 53 * 3 + 30);
    const open = () =>
      TxnLog.open({ storage, dir: DIR, snapshotZxid: c.snapshotZxid, logger: quietLogger() });
    if (!c.skipped) {
      await assert.rejects(open(), TxnLogCorruptError, c.name);
      continue;
    }
    const again = await open();
    assert.deepEqual(again.recovery.skipped, c.skipped, c.name);
    assert.deepEqual(
      again.recovery.segments.map((s) => s.name),
      ["log.1", "log.b", "log.15"],
      c.name,
    );
    assert.equal(again.lastZxid, 30n, c.name);
    // The last segment is still recovered: cut to its last record.
    assert.equal((await storage.readFile(`${DIR}/log.15`)).length, 16 + 53 * 10, c.name);
    await again.close();
  }
});

Deno.test("recovery from a snapshot reads further back when its segments hold no record", async () => {
  const storage = new SimStorage({ seed: 13 });
  const log = await TxnLog.open({ storage, dir: DIR, preAllocSize: 4096 });
  await fill(log, 1n, 20n, 10);
  await log.close();
  // A segment a crash left with a header only, named after a zxid past the snapshot's.
  const f = await storage.open(`${DIR}/log.1e`, { create: true });
  await f.write(encodeFileHeader(TXNLOG_MAGIC), 0);
  await f.truncate(4096);
  f.close();
  const again = await TxnLog.open({ storage, dir: DIR, snapshotZxid: 40n, logger: quietLogger() });
  assert.equal(again.lastZxid, 20n, "the last zxid is the previous segment's");
  assert.deepEqual(again.recovery.removed, ["log.1e"]);
  assert.deepEqual(again.recovery.skipped, ["log.1"]);
  assert.deepEqual(again.recovery.segments.map((s) => s.name), ["log.1", "log.b"]);
  await assert.rejects(again.append(20n, fakeTxn(20n)), RangeError, "appends continue after 20");
  await again.append(21n, fakeTxn(21n));
  await again.close();
  assert.deepEqual(await zxidsOf(storage), range(1, 21));
});

Deno.test("readTxnLog throws on a bad record before the last segment", async () => {
  const storage = new SimStorage({ seed: 11 });
  const log = await TxnLog.open({ storage, dir: DIR, preAllocSize: 4096 });
  await fill(log, 1n, 20n, 10);
  await log.close();
  storage.flipBit(`${DIR}/log.1`, 16 + 53 * 4 + 40);
  await assert.rejects(zxidsOf(storage), TxnLogCorruptError);
});

Deno.test("an fsync error fails the log: the batch and all later appends reject, loudly", async () => {
  const storage = new SimStorage({ seed: 12 });
  const logger = quietLogger();
  let failure: Error | undefined;
  const log = await TxnLog.open({
    storage,
    dir: DIR,
    preAllocSize: 4096,
    logger,
    onFailure: (e) => failure = e,
  });
  await fill(log, 1n, 3n);
  storage.failNext("sync");
  const batch = [4n, 5n].map((z) => log.append(z, fakeTxn(z)));
  for (const p of batch) await assert.rejects(p, TxnLogFailedError);
  assert.equal(log.persistedZxid, 3n, "never reports unsynced data as durable");
  assert.ok(failure instanceof TxnLogFailedError);
  assert.match(logger.lines.join("\n"), /FAILED.*simulated I\/O error: sync/);
  await assert.rejects(log.append(6n, fakeTxn(6n)), TxnLogFailedError);
  assert.throws(() => log.submit(7n, fakeTxn(7n)), TxnLogFailedError);
  await assert.rejects(log.flush(), TxnLogFailedError);
});

Deno.test("a write error fails the log", async () => {
  const storage = new SimStorage({ seed: 13 });
  const log = await TxnLog.open({ storage, dir: DIR, preAllocSize: 4096, logger: quietLogger() });
  await fill(log, 1n, 3n);
  storage.failNext("write");
  await assert.rejects(log.append(4n, fakeTxn(4n)), TxnLogFailedError);
  await assert.rejects(log.append(5n, fakeTxn(5n)), TxnLogFailedError);
  assert.equal(log.persistedZxid, 3n);
});

/**
 * The durability property over many seeds: appends in random bursts, rolls,
 * truncations, random crashes while batches are in flight, random I/O errors; after each
 * recovery the log holds exactly 1..m with every acknowledged zxid <= m.
 */
Deno.test("simulated crashes at random points never lose an acknowledged txn", async () => {
  const seeds = Number(Deno.env.get("ZKTS_SIM_SEEDS") ?? 300);
  for (let seed = 1; seed <= seeds; seed++) {
    const r = seededRandom(seed * 7919);
    let storage = new SimStorage({ seed });
    const errorRates = {
      syncErrorRate: r.chance(0.2) ? 0.05 : 0,
      writeErrorRate: r.chance(0.2) ? 0.02 : 0,
    };
    let maxAcked = 0n;
    try {
      for (let round = 0; round < 4; round++) {
        // Recovery itself runs on a healthy disk; the faults come back for the appends.
        storage.faults.syncErrorRate = storage.faults.writeErrorRate = 0;
        const log = await TxnLog.open({
          storage,
          dir: DIR,
          preAllocSize: [0, 256, 4096][r.int(3)],
          preAllocFill: r.chance(0.5) ? "sparse" : "zeros",
          logger: quietLogger(),
        });
        const got = await zxidsOf(storage);
        assert.deepEqual(got, range(1, got.length), "contiguous, in order, no duplicates");
        assert.ok(
          BigInt(got.length) >= maxAcked,
          `acknowledged ${maxAcked} but recovered ${got.length}`,
        );
        assert.equal(log.lastZxid, got.length ? BigInt(got.length) : -1n);
        let next = BigInt(got.length) + 1n;
        if (got.length > 0 && r.chance(0.15)) {
          // A follower told TRUNC: the txns after the point go, deliberately.
          const to = BigInt(1 + r.int(got.length));
          assert.equal(await log.truncate(to), to);
          if (maxAcked > to) maxAcked = to;
          next = to + 1n;
        }
        Object.assign(storage.faults, errorRates);
        const steps = r.int(40);
        for (let s = 0; s < steps && !log.failure; s++) {
          for (let k = r.int(6); k > 0; k--) {
            const z = next++;
            log.append(z, fakeTxn(z, r.int(64))).then(() => {
              if (z > maxAcked) maxAcked = z;
            }, () => {});
          }
          if (r.chance(0.1)) log.roll();
          await microtasks(r.int(12));
        }
        storage = storage.crash();
        await microtasks(20);
      }
    } catch (e) {
      throw new Error(`seed=${seed}: ${e instanceof Error ? e.stack : e}`);
    }
  }
});

Deno.test("random garbage in a segment never crashes recovery: it cuts a tail or names the damage", async () => {
  for (let seed = 1; seed <= 200; seed++) {
    const r = seededRandom(seed);
    const storage = new SimStorage({ seed });
    const log = await TxnLog.open({ storage, dir: DIR, preAllocSize: 0 });
    await fill(log, 1n, 20n, 10);
    await log.close();
    const file = r.chance(0.5) ? `${DIR}/log.1` : `${DIR}/log.b`;
    const f = await storage.open(file);
    const size = await f.size();
    const at = 16 + r.int(size - 16);
    const garbage = Uint8Array.from({ length: 1 + r.int(40) }, () => r.int(256));
    await f.write(garbage, at);
    await f.sync();
    f.close();
    try {
      const again = await TxnLog.open({ storage, dir: DIR, logger: quietLogger() });
      // Opened: the damage was taken for a torn tail of the last segment.
      assert.equal(
        file,
        `${DIR}/log.b`,
        `seed=${seed}: damage in the first segment must stop the start`,
      );
      const got = await zxidsOf(storage);
      assert.deepEqual(got, range(1, got.length), `seed=${seed}`);
      await again.close();
    } catch (e) {
      if (!(e instanceof TxnLogCorruptError)) throw new Error(`seed=${seed}: ${e}`);
      assert.equal(e.file, file, `seed=${seed}`);
    }
  }
});

Deno.test("submit() reports durability through onPersisted only, in zxid order", async () => {
  const storage = new SimStorage({ seed: 14 });
  const persisted: bigint[] = [];
  const log = await TxnLog.open({ storage, dir: DIR, onPersisted: (z) => persisted.push(z) });
  for (let z = 1n; z <= 5n; z++) log.submit(z, fakeTxn(z));
  assert.deepEqual(persisted, [], "nothing is durable before its fsync");
  await log.flush();
  log.submit(6n, fakeTxn(6n));
  await log.flush();
  assert.deepEqual(persisted, [5n, 6n]);
  assert.equal(log.persistedZxid, 6n);
  await log.close();
});

Deno.test("pipeline: the next batch is written during an fsync, and its fsync starts before the last batch is acknowledged", async () => {
  const sim = new SimStorage({ seed: 21 });
  const events: string[] = [];
  const gates: (() => void)[] = [];
  // A storage whose fsyncs wait until the test opens their gate.
  const storage = new Proxy(sim, {
    get(target, key) {
      if (key !== "open") {
        const v = Reflect.get(target, key);
        return typeof v === "function" ? v.bind(target) : v;
      }
      return async (...args: Parameters<SimStorage["open"]>) => {
        const file = await target.open(...args);
        return new Proxy(file, {
          get(f, k) {
            const v = Reflect.get(f, k);
            if (k === "write") {
              return async (data: Uint8Array, offset: number) => {
                events.push("write");
                await v.call(f, data, offset);
              };
            }
            if (k === "syncData") {
              return async () => {
                events.push("fsync");
                await new Promise<void>((open) => gates.push(open));
                await v.call(f);
              };
            }
            return typeof v === "function" ? v.bind(f) : v;
          },
        });
      };
    },
  });
  const log = await TxnLog.open({
    storage,
    dir: DIR,
    preAllocSize: 65536,
    onPersisted: (z) => events.push(`ack ${z}`),
  });
  const first = log.append(1n, fakeTxn(1n));
  const waitFor = async (what: string) => {
    for (let i = 0; i < 1000 && !events.includes(what); i++) await microtasks(1);
    assert.ok(events.includes(what), `${what} in ${events}`);
  };
  await waitFor("fsync");
  // Appended while the first fsync is under way: written at once, not fsynced yet.
  const second = log.append(2n, fakeTxn(2n));
  await microtasks(20);
  assert.equal(events.filter((e) => e === "write").length, 3, events.join()); // pad, batch 1, batch 2
  gates.shift()!();
  await first;
  // The second batch's fsync was asked for before the first batch was acknowledged.
  assert.ok(events.indexOf("ack 1") > events.lastIndexOf("fsync"), events.join());
  await waitFor("fsync");
  while (gates.length > 0) gates.shift()!();
  await second;
  assert.equal(log.persistedZxid, 2n);
  const done = log.close();
  while (gates.length > 0) gates.shift()!();
  await done;
});

Deno.test("an fsync slower than fsyncWarningThresholdMs is warned about and counted", async () => {
  const disk = new SimStorage({ seed: 1 });
  let slowMs = 0;
  // The disk, with fsyncs that take slowMs (a Proxy: only syncData changes).
  const storage = new Proxy(disk, {
    get(target, key) {
      if (key !== "open") {
        return Reflect.get(target, key).bind?.(target) ?? Reflect.get(target, key);
      }
      return async (path: string, o?: Parameters<SimStorage["open"]>[1]) => {
        const f = await target.open(path, o);
        return new Proxy(f, {
          get(t, k) {
            if (k === "syncData") {
              return async () => {
                if (slowMs) await new Promise((r) => setTimeout(r, slowMs));
                return t.syncData();
              };
            }
            const v = Reflect.get(t, k);
            return typeof v === "function" ? v.bind(t) : v;
          },
        });
      };
    },
  });
  const logger = quietLogger();
  const log = await TxnLog.open({
    storage,
    dir: DIR,
    preAllocSize: 0,
    fsyncWarningThresholdMs: 20,
    logger,
  });
  await log.append(1n, fakeTxn(1n));
  assert.equal(log.fsyncThresholdExceedCount, 0, "a quick fsync is not counted");
  slowMs = 60;
  await log.append(2n, fakeTxn(2n));
  assert.equal(log.fsyncThresholdExceedCount, 1);
  assert.ok(
    logger.lines.some((l) => /fsync-ing the write ahead log took \d+ms/.test(l)),
    logger.lines.join("\n"),
  );
  await log.close();
});
