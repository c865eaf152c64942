/**
 * An ensemble member through its API, in this process: what it does with
 * its dataDir when it starts and when a leader syncs it.
 */
import assert from "node:assert/strict";
import { DataTree } from "@zkts/datatree";
import { ZooKeeper } from "@zkts/client";
import { encode, OpCode, TxnEntry } from "@zkts/jute";
import {
  DenoStorage,
  listSnapshots,
  type OpenOptions,
  readTxnLog,
  type Storage,
  type StorageFile,
  TxnLog,
  writeSnapshot,
} from "@zkts/persistence";
import { parseConfig, type ZkConfig } from "./config.ts";
import type { Logger } from "./log.ts";
import { QuorumPeer } from "./quorum.ts";

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/** zoo.cfg of each member of an ensemble on loopback, one per dataDir. */
function ensembleConfigs(dataDirs: string[], extra = ""): ZkConfig[] {
  const servers = dataDirs.map((_, i) => `server.${i + 1}=127.0.0.1:${freePort()}:${freePort()}`);
  return dataDirs.map((dataDir, i) => {
    const lines = [
      "tickTime=200",
      "initLimit=10",
      "syncLimit=5",
      `dataDir=${dataDir}`,
      `clientPort=${freePort()}`,
      "clientPortAddress=127.0.0.1",
      "forceSync=no",
      "admin.enableServer=false",
      ...servers,
    ];
    return parseConfig(lines.join("\n") + "\n" + extra, { myid: String(i + 1) });
  });
}

/** zoo.cfg of member `myid` of three on loopback; the others need not run. */
function memberConfig(dataDir: string, myid: number): ZkConfig {
  return ensembleConfigs([1, 2, 3].map((id) => id === myid ? dataDir : `/nonexistent/${id}`))[
    myid - 1
  ];
}

/** Polls `ready` until it holds, for at most `ms`. */
async function waitFor(what: string, ready: () => boolean, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ready()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The real disk, with every fsync of a file recorded by path. */
class SyncSpy implements Storage {
  readonly synced: string[] = [];
  #disk = new DenoStorage();
  async open(path: string, options?: OpenOptions): Promise<StorageFile> {
    const file = await this.#disk.open(path, options);
    const synced = this.synced;
    return new Proxy(file, {
      get(target, key) {
        if (key === "sync" || key === "syncData") {
          return () => {
            synced.push(target.path);
            return target[key]();
          };
        }
        const v = Reflect.get(target, key);
        return typeof v === "function" ? v.bind(target) : v;
      },
    });
  }
  readFile(path: string): Promise<Uint8Array> {
    return this.#disk.readFile(path);
  }
  list(dir: string): Promise<string[]> {
    return this.#disk.list(dir);
  }
  exists(path: string): Promise<boolean> {
    return this.#disk.exists(path);
  }
  remove(path: string): Promise<void> {
    return this.#disk.remove(path);
  }
  rename(from: string, to: string): Promise<void> {
    return this.#disk.rename(from, to);
  }
  mkdir(path: string): Promise<void> {
    return this.#disk.mkdir(path);
  }
  syncDir(path: string): Promise<void> {
    return this.#disk.syncDir(path);
  }
}

/** A dataDir whose snapshot ends at `zxid`, with these epoch files (name → content). */
async function dataDirWith(zxid: bigint, files: Record<string, string>): Promise<string> {
  const dataDir = await Deno.makeTempDir({ prefix: "zkts-quorum-" });
  const dir = `${dataDir}/version-2`;
  await Deno.mkdir(dir, { recursive: true });
  const view = new DataTree({ apacheVersion: "3.8" }).snapshotView();
  await writeSnapshot({ storage: new DenoStorage(), dir, zxid, fsync: false }, {
    sessions: [],
    acls: view.acls,
    nodes: view.nodes(),
  });
  for (const [name, text] of Object.entries(files)) {
    await Deno.writeTextFile(`${dir}/${name}`, text);
  }
  return dataDir;
}

function epochFiles(dataDir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of Deno.readDirSync(`${dataDir}/version-2`)) {
    if (e.name.includes("Epoch")) {
      out[e.name] = Deno.readTextFileSync(`${dataDir}/version-2/${e.name}`);
    }
  }
  return out;
}

const EPOCH_3 = 0x3_0000_0002n;

Deno.test("quorum: a damaged epoch file stops the start, named with its content, and stays as it was", async (t) => {
  const cases: { name: string; files: Record<string, string>; message: RegExp }[] = [
    {
      name: "a currentEpoch that is not a number",
      files: { currentEpoch: "garbage", acceptedEpoch: "3" },
      message: /found "garbage" in .*\/version-2\/currentEpoch/,
    },
    {
      name: "an empty currentEpoch",
      files: { currentEpoch: "", acceptedEpoch: "3" },
      message: /found "" in .*\/version-2\/currentEpoch \(an empty file\)/,
    },
    {
      name: "an empty acceptedEpoch",
      files: { currentEpoch: "3", acceptedEpoch: "" },
      message: /found "" in .*\/version-2\/acceptedEpoch \(an empty file\)/,
    },
    {
      name: "an acceptedEpoch with trailing garbage",
      files: { currentEpoch: "3", acceptedEpoch: "3x" },
      message: /found "3x" in .*\/version-2\/acceptedEpoch/,
    },
    {
      name: "a hex currentEpoch (Long.parseLong reads decimal only)",
      files: { currentEpoch: "0x3", acceptedEpoch: "3" },
      message: /found "0x3" in .*\/version-2\/currentEpoch/,
    },
    {
      name: "a currentEpoch past a long",
      files: { currentEpoch: "99999999999999999999", acceptedEpoch: "3" },
      message: /found "99999999999999999999" in .*\/version-2\/currentEpoch/,
    },
    {
      name: "a currentEpoch older than the last zxid, without currentEpoch.tmp",
      files: { currentEpoch: "2", acceptedEpoch: "3" },
      message: /the current epoch, 0x2, is older than the last zxid, 12884901890/,
    },
    {
      name: "an acceptedEpoch below the currentEpoch",
      files: { currentEpoch: "4", acceptedEpoch: "3" },
      message: /the accepted epoch, 0x3, is less than the current epoch, 0x4/,
    },
    {
      name: "a damaged currentEpoch.tmp where it is needed",
      files: { currentEpoch: "2", "currentEpoch.tmp": "", acceptedEpoch: "3" },
      message: /found "" in .*\/version-2\/currentEpoch\.tmp/,
    },
  ];
  for (const c of cases) {
    await t.step(c.name, async () => {
      const dataDir = await dataDirWith(EPOCH_3, c.files);
      try {
        await assert.rejects(
          QuorumPeer.start(memberConfig(dataDir, 1), { logger: quiet }),
          (e: Error) => {
            assert.match(e.message, /^Unable to load database on disk: /);
            assert.match(e.message, c.message);
            return true;
          },
        );
        assert.deepEqual(epochFiles(dataDir), c.files);
      } finally {
        await Deno.remove(dataDir, { recursive: true });
      }
    });
  }
});

Deno.test({
  name:
    "quorum: missing epoch files are created from the last zxid, present ones are read as they are",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const cases: { name: string; files: Record<string, string>; after: Record<string, string> }[] =
      [
        {
          name: "no epoch files (an upgrade): both take the last zxid's epoch",
          files: {},
          after: { currentEpoch: "3", acceptedEpoch: "3" },
        },
        {
          name: "no acceptedEpoch: the last zxid's epoch",
          files: { currentEpoch: "3" },
          after: { currentEpoch: "3", acceptedEpoch: "3" },
        },
        {
          name: "good files are not rewritten (a newline after the number is Apache's readLine)",
          files: { currentEpoch: "3\n", acceptedEpoch: "5" },
          after: { currentEpoch: "3\n", acceptedEpoch: "5" },
        },
        {
          name:
            "a currentEpoch older than the last zxid takes currentEpoch.tmp (a crash before its rename)",
          files: { currentEpoch: "2", "currentEpoch.tmp": "3", acceptedEpoch: "3" },
          after: { currentEpoch: "3", acceptedEpoch: "3" },
        },
      ];
    for (const c of cases) {
      await t.step(c.name, async () => {
        const dataDir = await dataDirWith(EPOCH_3, c.files);
        try {
          const peer = await QuorumPeer.start(memberConfig(dataDir, 1), { logger: quiet });
          await peer.stop();
          assert.deepEqual(epochFiles(dataDir), c.after);
        } finally {
          await Deno.remove(dataDir, { recursive: true });
        }
      });
    }
  },
});

Deno.test({
  name: "quorum: after a SNAP sync the NEWLEADER snapshot is fsynced, even with forceSync=no",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const dirs = await Promise.all(
      [1, 2, 3].map(() => Deno.makeTempDir({ prefix: "zkts-quorum-" })),
    );
    for (const [i, d] of dirs.entries()) await Deno.writeTextFile(`${d}/myid`, `${i + 1}\n`);
    const configs = ensembleConfigs(dirs);
    const peers: QuorumPeer[] = [];
    try {
      for (const c of configs.slice(0, 2)) peers.push(await QuorumPeer.start(c, { logger: quiet }));
      await waitFor("members 1 and 2 serve", () => peers.every((p) => p.serving));
      let lastCreated = 0n;
      const zk = await ZooKeeper.connect(`127.0.0.1:${peers[0].address.port}`);
      try {
        for (let i = 0; i < 5; i++) {
          lastCreated = (await zk.create2(`/n${i}`, new Uint8Array([i]))).stat.czxid;
        }
      } finally {
        await zk.close();
      }
      // Member 3 has nothing: the leader's history is past its committed log for it, so SNAP.
      const spy = new SyncSpy();
      const third = await QuorumPeer.start(configs[2], { logger: quiet, storage: spy });
      peers.push(third);
      await waitFor("member 3 serves", () => third.serving);
      const snapshots = spy.synced.flatMap((path) => {
        const m = path.match(/\/\.tmp\.snapshot\.([0-9a-f]+)$/);
        return m ? [BigInt(`0x${m[1]}`)] : [];
      });
      // The start's snapshot (zxid 0) follows forceSync=no; the sync's (past /n4) is fsynced.
      assert.equal(snapshots.length, 1, `fsynced: ${spy.synced.join(", ")}`);
      assert.ok(snapshots[0] >= lastCreated, `0x${snapshots[0].toString(16)}`);
    } finally {
      for (const p of peers) await p.stop();
      for (const d of dirs) await Deno.remove(d, { recursive: true });
    }
  },
});

/** Captures log lines (the tests wait for them). */
function recorder(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const rec = (m: string) => void lines.push(m);
  return { lines, debug() {}, info: rec, warn: rec, error: rec };
}

/** The names of the snapshots in a dataDir and the sizes of its log files. */
function dataDirFiles(dataDir: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const e of Deno.readDirSync(`${dataDir}/version-2`)) {
    if (e.name.startsWith("snapshot.")) out[e.name] = 0;
    if (e.name.startsWith("log.")) {
      out[e.name] = Deno.statSync(`${dataDir}/version-2/${e.name}`).size;
    }
  }
  return out;
}

/**
 * Three members that served /a, stopped; member 1's log then got one more
 * txn (/divergent, at the next zxid) that no other member has, as a leader
 * that logged a proposal and died before anyone acked it.
 */
async function divergentEnsemble(): Promise<{ dirs: string[]; configs: ZkConfig[]; k: bigint }> {
  const dirs = await Promise.all([1, 2, 3].map(() => Deno.makeTempDir({ prefix: "zkts-quorum-" })));
  for (const [i, d] of dirs.entries()) await Deno.writeTextFile(`${d}/myid`, `${i + 1}\n`);
  const configs = ensembleConfigs(dirs);
  const peers: QuorumPeer[] = [];
  let k = 0n;
  try {
    for (const c of configs) peers.push(await QuorumPeer.start(c, { logger: quiet }));
    await waitFor("the ensemble serves", () => peers.every((p) => p.serving));
    const zk = await ZooKeeper.connect(`127.0.0.1:${peers[0].address.port}`);
    await zk.create("/a", new Uint8Array([1]));
    await zk.close();
    await waitFor("every member has the close", () => {
      k = peers[0].core.lastProcessedZxid;
      return peers.every((p) => p.serving && p.core.lastProcessedZxid === k);
    });
  } finally {
    for (const p of peers) await p.stop();
  }
  const storage = new DenoStorage();
  const log = await TxnLog.open({ storage, dir: `${dirs[0]}/version-2`, forceSync: false });
  const acl = [{ perms: 31, id: { scheme: "world", id: "anyone" } }];
  await log.append(
    k + 1n,
    encode(TxnEntry, {
      header: { clientId: 0n, cxid: 1, zxid: k + 1n, time: 0n, type: OpCode.create },
      txn: { path: "/divergent", data: null, acl, ephemeral: false, parentCVersion: -1 },
    }),
  );
  await log.close();
  return { dirs, configs, k };
}

Deno.test({
  name: "quorum: TRUNC cuts a member's log back to the leader's history",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    await t.step(
      "with an older snapshot: the log and the newer snapshot go, the member serves without the txn",
      async () => {
        const { dirs, configs, k } = await divergentEnsemble();
        const peers: QuorumPeer[] = [];
        try {
          for (const c of configs.slice(1)) {
            peers.push(await QuorumPeer.start(c, { logger: quiet }));
          }
          await waitFor("members 2 and 3 serve", () => peers.every((p) => p.serving));
          const logger = recorder();
          const first = await QuorumPeer.start(configs[0], { logger });
          peers.push(first);
          await waitFor("member 1 serves", () => first.serving);
          assert.ok(
            logger.lines.some((l) => l.includes("Truncating log")),
            logger.lines.join("\n"),
          );
          assert.equal(first.core.tree.has("/divergent"), false);
          assert.equal(first.core.tree.has("/a"), true);
          const snaps = await listSnapshots(new DenoStorage(), `${dirs[0]}/version-2`);
          assert.ok(snaps.every((s) => s.zxid !== k + 1n), snaps.map((s) => s.name).join());
          for await (
            const r of readTxnLog({ storage: new DenoStorage(), dir: `${dirs[0]}/version-2` })
          ) {
            assert.notEqual(r.zxid, k + 1n, "the divergent txn is out of the log");
          }
        } finally {
          for (const p of peers) await p.stop();
          for (const d of dirs) await Deno.remove(d, { recursive: true });
        }
      },
    );

    await t.step(
      "without a snapshot at or below the truncation point: the sync fails, nothing on disk changes, the member looks again",
      async () => {
        const { dirs, configs, k } = await divergentEnsemble();
        const peers: QuorumPeer[] = [];
        try {
          // Member 1 alone: its start's snapshot is at k+1; the older ones go.
          await (await QuorumPeer.start(configs[0], { logger: quiet })).stop();
          const dir = `${dirs[0]}/version-2`;
          for (const s of await listSnapshots(new DenoStorage(), dir)) {
            if (s.zxid <= k) await Deno.remove(`${dir}/${s.name}`);
          }
          const before = dataDirFiles(dirs[0]);
          assert.deepEqual(Object.keys(before).filter((n) => n.startsWith("snapshot.")), [
            `snapshot.${(k + 1n).toString(16)}`,
          ]);
          for (const c of configs.slice(1)) {
            peers.push(await QuorumPeer.start(c, { logger: quiet }));
          }
          await waitFor("members 2 and 3 serve", () => peers.every((p) => p.serving));
          const logger = recorder();
          const first = await QuorumPeer.start(configs[0], { logger });
          peers.push(first);
          const failures = () =>
            logger.lines.filter((l) => l.includes("Not able to truncate")).length;
          // Twice: after the first failure it looked for a leader again and followed it.
          await waitFor("member 1 fails its sync twice", () => failures() >= 2);
          assert.match(
            logger.lines.find((l) => l.includes("Not able to truncate"))!,
            new RegExp(
              `to 0x${k.toString(16)}: no snapshot at or below it .*snapshot\\.${
                (k + 1n).toString(16)
              }`,
            ),
          );
          assert.equal(first.serving, false);
          assert.notEqual(first.state, "stopped");
          await first.stop();
          assert.deepEqual(dataDirFiles(dirs[0]), before);
        } finally {
          for (const p of peers) await p.stop();
          for (const d of dirs) await Deno.remove(d, { recursive: true });
        }
      },
    );
  },
});

/** A disk whose txn log fsyncs fail once `failing` is set (a dying disk). */
class FailingLogDisk extends SyncSpy {
  failing = false;
  override async open(path: string, options?: OpenOptions): Promise<StorageFile> {
    const file = await super.open(path, options);
    const failing = () => this.failing;
    return new Proxy(file, {
      get(target, key) {
        if ((key === "sync" || key === "syncData") && /\/log\.[0-9a-f]+$/.test(target.path)) {
          return () =>
            failing() ? Promise.reject(new Error("EIO: the disk failed")) : target[key]();
        }
        const v = Reflect.get(target, key);
        return typeof v === "function" ? v.bind(target) : v;
      },
    });
  }
}

Deno.test({
  name: "quorum: a member whose txn log fails stops (stopped says why), as Apache's exits",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const dirs = await Promise.all(
      [1, 2, 3].map(() => Deno.makeTempDir({ prefix: "zkts-quorum-" })),
    );
    for (const [i, d] of dirs.entries()) await Deno.writeTextFile(`${d}/myid`, `${i + 1}\n`);
    const configs = ensembleConfigs(dirs, "forceSync=yes\n"); // a failing fsync needs one
    const disk = new FailingLogDisk();
    const peers: QuorumPeer[] = [];
    try {
      peers.push(await QuorumPeer.start(configs[0], { logger: quiet, storage: disk }));
      for (const c of configs.slice(1)) peers.push(await QuorumPeer.start(c, { logger: quiet }));
      await waitFor("all serve", () => peers.every((p) => p.serving));
      const zk = await ZooKeeper.connect(`127.0.0.1:${peers[1].address.port}`);
      try {
        await zk.create("/before", null);
        disk.failing = true;
        await zk.create("/after", null); // a quorum of the other two acknowledges it
        const why = await Promise.race([
          peers[0].stopped,
          new Promise<string>((r) => setTimeout(() => r("not stopped in 10 s"), 10_000)),
        ]);
        assert.match(String(why), /^the txn log failed: .*EIO: the disk failed/);
        assert.ok(await zk.exists("/after"), "the others serve on");
      } finally {
        await zk.close();
      }
    } finally {
      for (const p of peers) await p.stop();
      for (const d of dirs) await Deno.remove(d, { recursive: true });
    }
  },
});
