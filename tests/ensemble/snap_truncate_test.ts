/**
 * A zkts member that is ahead of its leader and gets a SNAP (an Apache
 * leader with zookeeper.forceSnapshotSync): its log past the snapshot must
 * go, or the txns there would come back after the next restart. The member
 * runs in this process, over a disk that can refuse to cut the log.
 */
import assert from "node:assert/strict";
import { ZooKeeper } from "@zkts/client";
import { encode, OpCode, TxnEntry } from "@zkts/jute";
import {
  DenoStorage,
  type OpenOptions,
  readTxnLog,
  type Storage,
  type StorageFile,
  TxnLog,
} from "@zkts/persistence";
import { type Logger, parseConfig, QuorumPeer } from "@zkts/server";
import { startEnsemble } from "../support/apache.ts";
import { interopTest } from "../support/oracle.ts";

/** The real disk; while `refusing`, cutting or removing a txn log file throws. */
class RefusingDisk implements Storage {
  refusing = false;
  #disk = new DenoStorage();
  #refuse(path: string, what: string): void {
    if (this.refusing && /\/log\.[0-9a-f]+$/.test(path)) {
      throw new Error(`the disk refuses to ${what} ${path}`);
    }
  }
  async open(path: string, options?: OpenOptions): Promise<StorageFile> {
    const file = await this.#disk.open(path, options);
    // deno-lint-ignore no-this-alias
    const disk = this;
    return new Proxy(file, {
      get(target, key) {
        if (key === "truncate") {
          return (size: number) => {
            disk.#refuse(target.path, "cut");
            return target.truncate(size);
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
    this.#refuse(path, "remove");
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

async function waitFor(what: string, ready: () => boolean, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ready()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

interopTest(
  "ensemble: a zkts member ahead of an Apache leader that forces SNAP cuts its log past the snapshot; while the disk refuses the cut it does not serve",
  async () => {
    await using ens = await startEnsemble(3, {
      forceSync: false,
      startOnly: [2, 3],
      systemProperties: { "zookeeper.forceSnapshotSync": "true" },
    }, (id) => id === 1 ? ["member 1 runs in the test"] : undefined);
    await ens.waitServing();
    const zk = await ZooKeeper.connect(ens.connectStringOf(2));
    try {
      await zk.create("/a", null);
    } finally {
      await zk.close();
    }
    const config = parseConfig(await Deno.readTextFile(`${ens.dir}/1/zoo.cfg`), { myid: "1" });
    const lines: string[] = [];
    const logger: Logger = {
      debug() {},
      info: (m) => void lines.push(m),
      warn: (m) => void lines.push(m),
      error: (m) => void lines.push(m),
    };
    const logDir = `${ens.members[0].dataDir}/version-2`;

    // Member 1 syncs and stops; then its log gets a txn no one else has.
    let peer = await QuorumPeer.start(config, { logger });
    await waitFor("member 1 serves", () => peer.serving);
    const ahead = peer.core.lastProcessedZxid + 1n;
    await peer.stop();
    const log = await TxnLog.open({ storage: new DenoStorage(), dir: logDir, forceSync: false });
    const acl = [{ perms: 31, id: { scheme: "world", id: "anyone" } }];
    await log.append(
      ahead,
      encode(TxnEntry, {
        header: { clientId: 0n, cxid: 1, zxid: ahead, time: 0n, type: OpCode.create },
        txn: { path: "/divergent", data: null, acl, ephemeral: false, parentCVersion: -1 },
      }),
    );
    await log.close();

    const disk = new RefusingDisk();
    peer = await QuorumPeer.start(config, { logger, storage: disk });
    try {
      disk.refusing = true;
      const refused = () => lines.filter((l) => l.includes("the disk refuses to")).length;
      // Twice: it failed the sync, looked again, followed again.
      await waitFor("member 1 fails its SNAP sync twice", () => refused() >= 2).catch((e) => {
        throw new Error(`${e.message}; its log:\n${lines.slice(-30).join("\n")}`);
      });
      assert.equal(peer.serving, false, "no serving over a log with txns past the snapshot");
      assert.notEqual(peer.state, "stopped");
      disk.refusing = false;
      await waitFor("member 1 serves once the disk cuts", () => peer.serving);
      assert.equal(peer.core.tree.has("/divergent"), false);
      assert.equal(peer.core.tree.has("/a"), true);
    } finally {
      await peer.stop();
    }
    for await (const r of readTxnLog({ storage: new DenoStorage(), dir: logDir })) {
      assert.notEqual(r.zxid, ahead, "the txn past the snapshot is out of the log");
    }
  },
);
