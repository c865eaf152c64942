import assert from "node:assert/strict";
import type { ACL, StatPersisted } from "@zkts/jute";
import { startApache } from "../../tests/support/apache.ts";
import { interopTest } from "../../tests/support/oracle.ts";
import { snappyCompress, snappyDecompress, snappyStreamDecode } from "./_snappy.ts";
import { seededRandom } from "./prng.ts";
import {
  DenoStorage,
  loadNewestSnapshot,
  readSnapshot,
  SimStorage,
  type SnapshotContents,
  SnapshotError,
  type SnapshotNodeEntry,
  writeSnapshot,
} from "./mod.ts";
import { quietLogger } from "./_test_util.ts";

const FIXTURES = new URL("../jute/testdata/disk/", import.meta.url).pathname;
const DIR = "/data/version-2";

async function fixtureSnapshots(): Promise<string[]> {
  try {
    const names: string[] = [];
    for await (const e of Deno.readDir(FIXTURES)) {
      if (e.name.startsWith("snapshot.")) names.push(e.name);
    }
    return names.sort();
  } catch {
    return [];
  }
}

const snapshots = await fixtureSnapshots();

function stat(z: bigint, owner = 0n): StatPersisted {
  return {
    czxid: z,
    mzxid: z,
    ctime: 1_700_000_000_000n + z,
    mtime: 1_700_000_000_000n + z,
    version: Number(z % 7n),
    cversion: 1,
    aversion: 0,
    ephemeralOwner: owner,
    pzxid: z,
  };
}

const OPEN: ACL[] = [{ perms: 31, id: { scheme: "world", id: "anyone" } }];

/** A tree of `n` znodes under /app, plus /zookeeper, in pre-order. */
function* tree(n: number): Generator<SnapshotNodeEntry> {
  yield { path: "/", data: null, aclRef: -1n, stat: stat(0n) };
  yield { path: "/app", data: new TextEncoder().encode("app"), aclRef: 1n, stat: stat(1n) };
  for (let i = 0; i < n; i++) {
    const z = BigInt(i + 2);
    yield {
      path: `/app/n${String(i).padStart(8, "0")}`,
      data: i % 3 === 0 ? null : new Uint8Array(i % 50).fill(i & 0xff),
      aclRef: i % 2 ? 1n : 2n,
      stat: stat(z, i % 10 === 0 ? 0x100n : 0n),
    };
  }
  yield { path: "/zookeeper", data: new Uint8Array(0), aclRef: -1n, stat: stat(0n) };
}

function contents(n: number): SnapshotContents {
  return {
    sessions: new Map([[0x100n, 30000], [0x200n, 4000]]),
    acls: new Map([[1n, OPEN], [2n, [{ perms: 1, id: { scheme: "digest", id: "u:hash=" } }]]]),
    nodes: tree(n),
    digest: { zxid: 0x2an, digestVersion: 2, digest: 123456789n },
  };
}

Deno.test({
  name: "Apache 3.8 snapshots: read, checked, and written back byte for byte",
  ignore: snapshots.length === 0,
  async fn() {
    const disk = new DenoStorage();
    const out = new SimStorage({ seed: 1 });
    for (const name of snapshots) {
      const original = await Deno.readFile(`${FIXTURES}/${name}`);
      const snap = await readSnapshot({ storage: disk, path: `${FIXTURES}/${name}` });
      assert.equal(snap.nodes[0].path, "/", name);
      assert.ok(snap.nodes.some((n) => n.path === "/zookeeper"), name);
      assert.ok(snap.digest, `${name}: Apache 3.8 writes a digest`);
      const written = await writeSnapshot({
        storage: out,
        dir: DIR,
        zxid: snap.zxid,
        dbId: snap.dbId,
      }, {
        sessions: snap.sessions,
        acls: snap.acls,
        nodes: snap.nodes,
        digest: snap.digest,
        lastProcessedZxid: snap.lastProcessedZxid,
      });
      assert.equal(written.name, name);
      assert.deepEqual(await out.readFile(`${DIR}/${name}`), original, `${name} byte for byte`);
    }
  },
});

Deno.test("a snapshot round-trips, none, gz and snappy, with fsync and rename", async () => {
  for (const compression of ["none", "gz", "snappy"] as const) {
    const storage = new SimStorage({ seed: 2 });
    const { name } = await writeSnapshot(
      { storage, dir: DIR, zxid: 0x2an, compression, chunkBytes: 4096 },
      contents(2000),
    );
    assert.equal(name, compression === "none" ? "snapshot.2a" : `snapshot.2a.${compression}`);
    assert.deepEqual(await storage.list(DIR), [name], "no temporary file left");
    // Durable: the rename and the data survive a crash right after.
    const after = storage.crash();
    const snap = await readSnapshot({ storage: after, path: `${DIR}/${name}` });
    assert.deepEqual(snap.nodes, [...tree(2000)]);
    assert.deepEqual([...snap.sessions], [[0x100n, 30000], [0x200n, 4000]]);
    assert.deepEqual(snap.acls.get(1n), OPEN);
    assert.deepEqual(snap.digest, { zxid: 0x2an, digestVersion: 2, digest: 123456789n });
    assert.equal(snap.zxid, 0x2an);
  }
});

Deno.test("damaged snapshots are refused and the newest good one is loaded", async () => {
  const storage = new SimStorage({ seed: 3 });
  await writeSnapshot({ storage, dir: DIR, zxid: 0x10n }, contents(50));
  await writeSnapshot({ storage, dir: DIR, zxid: 0x20n }, contents(60));
  await writeSnapshot({ storage, dir: DIR, zxid: 0x30n }, contents(70));
  const damages: [string, () => Promise<void>][] = [
    ["a bit flip in a node", () => Promise.resolve(storage.flipBit(`${DIR}/snapshot.30`, 400, 3))],
    ["cut in half", async () => {
      const f = await storage.open(`${DIR}/snapshot.30`);
      await f.truncate(Math.floor((await f.size()) / 2));
      await f.sync();
      f.close();
    }],
  ];
  for (const [what, damage] of damages) {
    await writeSnapshot({ storage, dir: DIR, zxid: 0x30n }, contents(70));
    await damage();
    await assert.rejects(
      readSnapshot({ storage, path: `${DIR}/snapshot.30` }),
      SnapshotError,
      what,
    );
    const logger = quietLogger();
    const snap = await loadNewestSnapshot({ storage, dir: DIR, logger });
    assert.equal(snap?.name, "snapshot.20", what);
    assert.equal(snap?.nodes.length, 63, what);
    assert.match(logger.lines.join("\n"), /skipping snapshot.30/, what);
  }
});

interopTest(
  "Apache's SnapshotFormatter reads snapshots zkts wrote (none, gz, snappy)",
  async () => {
    const dir = await Deno.makeTempDir();
    try {
      for (const compression of ["none", "gz", "snappy"] as const) {
        const { name } = await writeSnapshot(
          { storage: new DenoStorage(), dir, zxid: 0x2an, compression },
          contents(500),
        );
        const out = await new Deno.Command("java", {
          args: [
            "-cp",
            "/usr/share/java/zookeeper.jar:/usr/share/java/*",
            "org.apache.zookeeper.server.SnapshotFormatter",
            `${dir}/${name}`,
          ],
          stdout: "piped",
          stderr: "piped",
        }).output();
        const text = new TextDecoder().decode(out.stdout);
        const err = new TextDecoder().decode(out.stderr);
        assert.equal(out.code, 0, err.slice(-2000));
        assert.doesNotMatch(err, /Exception/, err.slice(-2000));
        // 500 under /app, plus /, /app and /zookeeper (Apache adds /zookeeper/quota and /zookeeper/config).
        const count = Number(text.match(/ZNode Details \(count=(\d+)\)/)?.[1]);
        assert.ok(count >= 503, text.slice(0, 500));
        assert.match(text, /\/app\/n00000499/);
        assert.match(text, /Session Details \(sid, timeout, ephemeralCount\):/);
        assert.match(text, /0x0*100, 30000, 50/);
        // max(file name zxid, highest czxid/mzxid in the tree) = 501 = 0x1f5
        assert.match(text, /Last zxid: 0x1f5/);
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
);

Deno.test("the snappy codec round-trips text, runs, random bytes and block edges", () => {
  const r = seededRandom(9);
  const cases: [string, Uint8Array][] = [
    ["empty", new Uint8Array(0)],
    ["one byte", new Uint8Array([7])],
    ["a run", new Uint8Array(100_000).fill(0x61)],
    ["text", new TextEncoder().encode("/app/n1/app/n2/app/n3 ".repeat(3000))],
    ["random", Uint8Array.from({ length: 40_000 }, () => r.int(256))],
    ["low entropy", Uint8Array.from({ length: 70_000 }, () => r.int(4))],
  ];
  for (const [name, data] of cases) {
    const c = snappyCompress(data);
    assert.deepEqual(snappyDecompress(c), data, name);
    if (name === "a run" || name === "text") {
      assert.ok(c.length < data.length / 5, `${name} compresses`);
    }
  }
  assert.throws(() => snappyDecompress(new Uint8Array([5, 0x0a, 1])), /snappy/);
  assert.throws(() => snappyStreamDecode(new Uint8Array([0, 0, 0, 9, 1])), /snappy/);
});

interopTest(
  "Apache's snappy snapshots (zookeeper.snapshot.compression.method=snappy) load in zkts",
  async () => {
    const apache = await startApache({
      forceSync: false,
      systemProperties: { "zookeeper.snapshot.compression.method": "snappy" },
    });
    try {
      const dir = `${apache.dataDir}/version-2`;
      const names = [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) =>
        n.endsWith(".snappy")
      );
      assert.ok(names.length > 0, "Apache wrote a snappy snapshot at start");
      for (const name of names) {
        const snap = await readSnapshot({ storage: new DenoStorage(), path: `${dir}/${name}` });
        const paths = snap.nodes.map((n) => n.path);
        assert.ok(
          paths.includes("/") && paths.includes("/zookeeper") && paths.includes("/zookeeper/quota"),
          name,
        );
      }
    } finally {
      await apache.stop();
    }
  },
);

Deno.test("any single damage to a snapshot is caught: bit flips and cuts at 300 random places", async () => {
  const storage = new SimStorage({ seed: 5 });
  for (const compression of ["none", "gz", "snappy"] as const) {
    const { name } = await writeSnapshot(
      { storage, dir: DIR, zxid: 7n, compression },
      contents(200),
    );
    const path = `${DIR}/${name}`;
    const good = await storage.readFile(path);
    const original = await readSnapshot({ storage, path });
    const r = seededRandom(11);
    for (let i = 0; i < 100; i++) {
      const bad = good.slice();
      const cut = r.chance(0.3);
      const at = r.int(good.length);
      const damaged = cut ? bad.subarray(0, at) : (bad[at] ^= 1 << r.int(8), bad);
      const f = await storage.open(path, { truncate: true });
      await f.write(damaged, 0);
      f.close();
      const what = `${compression}: ${cut ? "cut at" : "bit flipped at"} ${at}`;
      try {
        // A flip in compressed bytes may still decode to the same bytes (a copy
        // pointing at an equal run): then what is read must be the original.
        assert.deepEqual(await readSnapshot({ storage, path }), original, what);
      } catch (e) {
        if (e instanceof assert.AssertionError) throw e;
        assert.ok(e instanceof SnapshotError, `${what}: ${e}`);
      }
    }
  }
});
