import assert from "node:assert/strict";
import { planPurge, purge, SimStorage, TxnLog, writeSnapshot } from "./mod.ts";
import { fakeTxn, quietLogger } from "./_test_util.ts";

const snaps = (...zs: number[]) =>
  zs.map((z) => ({ name: `snapshot.${z.toString(16)}`, zxid: BigInt(z), valid: true }));

Deno.test("planPurge keeps the newest N valid snapshots and the logs they need", () => {
  const cases: {
    name: string;
    snaps: ReturnType<typeof snaps>;
    logs: string[];
    n: number;
    want: string[];
  }[] = [
    { name: "fewer snapshots than N", snaps: snaps(10, 20), logs: ["log.1"], n: 3, want: [] },
    {
      name: "the log before the oldest kept snapshot stays",
      snaps: snaps(10, 20, 30, 40),
      logs: ["log.1", "log.f", "log.1b", "log.2d"],
      n: 3,
      want: ["log.1", "snapshot.a"],
    },
    {
      name: "a log starting exactly at the oldest kept snapshot is the one kept",
      snaps: snaps(10, 20, 30, 40),
      logs: ["log.1", "log.f", "log.14", "log.2d"],
      n: 3,
      want: ["log.1", "log.f", "snapshot.a"],
    },
    {
      name: "invalid snapshots do not count",
      snaps: [...snaps(10, 20, 30), { name: "snapshot.28", zxid: 40n, valid: false }],
      logs: ["log.1", "log.b", "log.15"],
      n: 3,
      want: [],
    },
  ];
  for (const c of cases) assert.deepEqual(planPurge(c.snaps, c.logs, c.n), c.want, c.name);
  assert.throws(() => planPurge([], [], 2), RangeError);
});

Deno.test("purge removes old files and recovery still finds every txn after the kept snapshots", async () => {
  const storage = new SimStorage({ seed: 1 });
  const dir = "/data/version-2";
  const log = await TxnLog.open({ storage, dir, preAllocSize: 4096 });
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
  for (let z = 1n; z <= 60n; z++) {
    if (z % 10n === 1n && z > 1n) {
      log.roll();
      // A snapshot at the previous zxid, as the server takes one after a roll.
      await writeSnapshot({ storage, dir, zxid: z - 1n }, {
        sessions: [],
        acls: [],
        nodes: [{ path: "/", data: null, aclRef: -1n, stat }],
      });
    }
    await log.append(z, fakeTxn(z));
  }
  await log.close();
  const removed = await purge({ storage, snapDir: dir, snapRetainCount: 3 });
  assert.deepEqual(removed.map((p) => p.slice(dir.length + 1)), [
    "log.1",
    "log.b",
    "snapshot.14",
    "snapshot.a",
  ]);
  const again = await TxnLog.open({ storage, dir, logger: quietLogger() });
  const zxids = [];
  for await (const r of again.read(0x1en)) zxids.push(r.zxid);
  assert.equal(zxids[0], 0x1en);
  assert.equal(zxids.length, 60 - 0x1e + 1);
  await again.close();
});
