// Apache ZooKeeper's own files: its txn logs read here, and ours read by its
// TxnLogToolkit.
import assert from "node:assert/strict";
import { decode, encode, OpCode, TxnEntry } from "@zkts/jute";
import { interopTest } from "../../tests/support/oracle.ts";
import { DataTree } from "@zkts/datatree";
import { DenoStorage, readTxnLog, restore, TxnLog } from "./mod.ts";
import { quietLogger } from "./_test_util.ts";

const FIXTURES = new URL("../jute/testdata/disk/", import.meta.url).pathname;

async function fixtureLogs(): Promise<string[]> {
  try {
    const names: string[] = [];
    for await (const e of Deno.readDir(FIXTURES)) if (e.name.startsWith("log.")) names.push(e.name);
    return names;
  } catch {
    return [];
  }
}

const logs = await fixtureLogs();

Deno.test({
  name: "Apache 3.8 txn logs: every record checks, decodes and re-encodes; zxids contiguous",
  ignore: logs.length === 0,
  async fn() {
    const storage = new DenoStorage();
    let expect = 1n;
    const files = new Set<string>();
    for await (const r of readTxnLog({ storage, dir: FIXTURES })) {
      assert.equal(r.zxid, expect, `zxid 0x${r.zxid.toString(16)} in ${r.file}`);
      const entry = decode(TxnEntry, r.bytes);
      assert.equal(entry.header.zxid, r.zxid);
      assert.deepEqual(encode(TxnEntry, entry), r.bytes, `re-encode 0x${r.zxid.toString(16)}`);
      files.add(r.file);
      expect++;
    }
    assert.equal(files.size, logs.length, "every segment read");
    // The fixtures list their txns; the count must match.
    const listed = (await Deno.readTextFile(`${FIXTURES}/txns.txt`)).match(/^\s+zxid 0x/gm)?.length;
    if (listed !== undefined) assert.equal(Number(expect - 1n), listed);
  },
});

Deno.test({
  name: "an Apache dataDir opens as it is: recovery keeps every txn, appends go to a new segment",
  ignore: logs.length === 0,
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      for (const name of logs) await Deno.copyFile(`${FIXTURES}/${name}`, `${dir}/${name}`);
      const storage = new DenoStorage();
      let count = 0n;
      for await (const _ of readTxnLog({ storage, dir })) count++;
      const log = await TxnLog.open({ storage, dir, logger: quietLogger() });
      assert.equal(log.lastZxid, count);
      assert.deepEqual(log.recovery.truncated, []);
      const next = count + 1n;
      await log.append(next, entryBytes(next, OpCode.delete, { path: "/gone", version: -1 }));
      await log.close();
      assert.ok(await storage.exists(`${dir}/log.${next.toString(16)}`));
      let again = 0n;
      for await (const _ of readTxnLog({ storage, dir })) again++;
      assert.equal(again, next);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "an Apache dataDir restores into a DataTree: newest snapshot, then replay; digests agree",
  ignore: logs.length === 0,
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      for await (const e of Deno.readDir(FIXTURES)) {
        if (/^(log|snapshot)\./.test(e.name)) {
          await Deno.copyFile(`${FIXTURES}/${e.name}`, `${dir}/${e.name}`);
        }
      }
      const tree = new DataTree({ extendedTypesEnabled: true });
      const sink = tree.snapshotSink();
      const r = await restore({
        storage: new DenoStorage(),
        dir,
        snapDir: dir,
        nodeSink: sink,
        logger: quietLogger(),
      });
      assert.ok(r.snapshot, "a snapshot was loaded");
      sink.finish();
      tree.lastProcessedZxid = r.snapshotZxid;
      let replayed = 0;
      let checked = 0;
      let last = r.snapshotZxid;
      for await (const rec of r.replay()) {
        const entry = decode(TxnEntry, rec.bytes);
        tree.processTxn(entry.header, entry.txn);
        if (entry.digest) {
          assert.equal(
            tree.digest,
            entry.digest.treeDigest,
            `digest after 0x${rec.zxid.toString(16)}`,
          );
          checked++;
        }
        last = rec.zxid;
        replayed++;
      }
      assert.equal(last, r.log.lastZxid, "replayed to the end of the log");
      assert.equal(tree.lastProcessedZxid, last);
      console.log(
        `  ${r.snapshot.name}: ${tree.nodeCount} znodes after replay, then ${replayed} txns replayed, ${checked} digests equal`,
      );
      await r.log.close();
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

function entryBytes(
  zxid: bigint,
  type: number,
  txn: unknown,
  clientId = 0x1000010d5400000n,
): Uint8Array {
  return encode(TxnEntry, {
    header: { clientId, cxid: Number(zxid), zxid, time: 1_763_900_000_000n + zxid, type },
    txn: txn as never,
    digest: { version: 2, treeDigest: 0x1234_5678n * zxid },
  });
}

interopTest("Apache's TxnLogToolkit reads every txn of a log zkts wrote", async () => {
  const root = await Deno.makeTempDir();
  try {
    const dir = `${root}/version-2`;
    const log = await TxnLog.open({ storage: new DenoStorage(), dir, preAllocSize: 65536 });
    const acl = [{ perms: 31, id: { scheme: "world", id: "anyone" } }];
    const txns: [number, unknown][] = [
      [OpCode.createSession, { timeOut: 30000 }],
      [OpCode.create, {
        path: "/app",
        data: new TextEncoder().encode("v1"),
        acl,
        ephemeral: false,
        parentCVersion: 1,
      }],
      [OpCode.create, { path: "/app/e", data: null, acl, ephemeral: true, parentCVersion: 1 }],
      [OpCode.setData, { path: "/app", data: new Uint8Array(3000).fill(0x78), version: 1 }],
      [OpCode.delete, { path: "/app/e" }],
      [OpCode.closeSession, { paths2Delete: [] }],
    ];
    let zxid = 0x100000000n;
    const appends = [];
    for (let round = 0; round < 50; round++) {
      for (const [type, txn] of txns) {
        zxid++;
        appends.push(log.append(zxid, entryBytes(zxid, type, txn)));
      }
      if (round === 25) {
        await Promise.all(appends);
        log.roll();
      }
    }
    await Promise.all(appends);
    await log.close();
    const files = [];
    for await (const e of Deno.readDir(dir)) files.push(e.name);
    assert.equal(files.length, 2);
    let total = 0;
    for (const name of files) {
      const out = await new Deno.Command("java", {
        args: [
          "-cp",
          "/usr/share/java/zookeeper.jar:/usr/share/java/*",
          "org.apache.zookeeper.server.persistence.TxnLogToolkit",
          `${dir}/${name}`,
        ],
        stdout: "piped",
        stderr: "piped",
      }).output();
      const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
      assert.equal(out.code, 0, text.slice(-2000));
      assert.doesNotMatch(text, /CRC ERROR|Exception/, text.slice(-2000));
      const m = text.match(/EOF reached after (\d+) txns/);
      assert.ok(m, text.slice(-500));
      total += Number(m[1]);
      assert.match(text, /zxid 0x1000000\w+ createSession 30000/);
      assert.match(text, /setData \/app,x{3000},1/);
    }
    assert.equal(total, 300);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
