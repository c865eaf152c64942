import assert from "node:assert/strict";
import { restore, SimStorage, TxnLog, TxnLogCorruptError, writeSnapshot } from "./mod.ts";
import { fakeTxn, quietLogger } from "./_test_util.ts";

const DIR = "/data/version-2";
const stat = {
  czxid: 0n,
  mzxid: 0n,
  ctime: 0n,
  mtime: 0n,
  version: 0,
  cversion: 0,
  aversion: 0,
  ephemeralOwner: 0n,
  pzxid: 0n,
};

/** Segments log.1 (1..10), log.b (11..20), log.15 (21..30), with a flipped bit in log.1. */
async function damagedOldLog(): Promise<SimStorage> {
  const storage = new SimStorage({ seed: 1 });
  const log = await TxnLog.open({ storage, dir: DIR, preAllocSize: 4096 });
  for (let z = 1n; z <= 30n; z++) {
    if (z === 11n || z === 21n) log.roll();
    await log.append(z, fakeTxn(z));
  }
  await log.close();
  storage.flipBit(`${DIR}/log.1`, 16 + 53 * 3 + 30);
  return storage;
}

Deno.test("restore reads the log from the segment holding the snapshot's zxid on", async () => {
  const cases: { name: string; snapshotZxid?: bigint; replay?: bigint[]; skipped?: string[] }[] = [
    {
      name: "a snapshot in the middle segment: log.1 is not read",
      snapshotZxid: 15n,
      replay: Array.from({ length: 15 }, (_, i) => 16n + BigInt(i)),
      skipped: ["log.1"],
    },
    {
      name: "a snapshot at the log's end: only the last segment is read",
      snapshotZxid: 30n,
      replay: [],
      skipped: ["log.1", "log.b"],
    },
    { name: "a snapshot in the damaged segment: it is read and the start stops", snapshotZxid: 4n },
    { name: "no snapshot: every segment is read and the start stops" },
  ];
  for (const c of cases) {
    const storage = await damagedOldLog();
    if (c.snapshotZxid !== undefined) {
      await writeSnapshot({ storage, dir: DIR, zxid: c.snapshotZxid }, {
        sessions: [],
        acls: [],
        nodes: [{ path: "/", data: null, aclRef: -1n, stat }],
      });
    }
    const start = () =>
      restore({
        storage,
        dir: DIR,
        snapDir: DIR,
        trustEmptySnapshot: true,
        logger: quietLogger(),
      });
    if (!c.replay) {
      await assert.rejects(start(), TxnLogCorruptError, c.name);
      continue;
    }
    const r = await start();
    try {
      assert.equal(r.snapshotZxid, c.snapshotZxid, c.name);
      assert.deepEqual(r.log.recovery.skipped, c.skipped, c.name);
      assert.equal(r.log.lastZxid, 30n, c.name);
      const zxids = [];
      for await (const rec of r.replay()) zxids.push(rec.zxid);
      assert.deepEqual(zxids, c.replay, c.name);
    } finally {
      await r.log.close();
    }
  }
});
