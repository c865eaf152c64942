// Moving in and out with no converter: Apache ZooKeeper 3.8 writes a dataDir,
// zkts restores it and must see the same tree; zkts then writes more (log and
// snapshot) and Apache ZooKeeper, started on that dataDir, must serve zkts's tree.
import assert from "node:assert/strict";
import { decode, encode, OpCode, TxnEntry, type TxnHeader } from "@zkts/jute";
import { DataTree } from "@zkts/datatree";
import { startApache } from "../../tests/support/apache.ts";
import { interopTest, ORACLE_PATHS } from "../../tests/support/oracle.ts";
import { DenoStorage, restore, writeSnapshot } from "./mod.ts";
import { quietLogger } from "./_test_util.ts";

const SCRIPT = new URL("./testdata/kazoo_tree.py", import.meta.url).pathname;

async function kazoo(cmd: "fill" | "dump", hosts: string): Promise<string> {
  const out = await new Deno.Command(ORACLE_PATHS.python, {
    args: [SCRIPT, cmd, hosts],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const err = new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 0, `kazoo ${cmd}: ${err.slice(-2000)}`);
  return new TextDecoder().decode(out.stdout);
}

interface Dumped {
  path: string;
  data: string;
  stat: number[];
  acl: [number, string, string][];
}

const hex = (b: Uint8Array | null) =>
  Array.from(b ?? [], (x) => x.toString(16).padStart(2, "0")).join("");

/** The tree as kazoo_tree.py dumps it, from a DataTree. */
function dumpTree(tree: DataTree): Dumped[] {
  const out: Dumped[] = [];
  const walk = (path: string) => {
    const { data, stat } = tree.getData(path);
    const { acl } = tree.getACL(path);
    out.push({
      path,
      data: hex(data),
      stat: [
        stat.czxid,
        stat.mzxid,
        stat.ctime,
        stat.mtime,
        stat.version,
        stat.cversion,
        stat.aversion,
        stat.ephemeralOwner,
        stat.dataLength,
        stat.numChildren,
        stat.pzxid,
      ].map(Number),
      acl: acl.map((a) => [a.perms, a.id.scheme, a.id.id] as [number, string, string]),
    });
    for (const child of tree.getChildren(path).children) {
      walk(path === "/" ? `/${child}` : `${path}/${child}`);
    }
  };
  walk("/");
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

const parseDump = (text: string): Dumped[] => text.trim().split("\n").map((l) => JSON.parse(l));

interopTest(
  "an Apache 3.8 dataDir opens in zkts, and the dataDir zkts then writes opens in Apache",
  async () => {
    const apache = await startApache({ forceSync: false, snapCount: 10, keepDir: true });
    try {
      // 1. Apache writes: several log segments and snapshots, sessions with ephemerals.
      const session =
        (await kazoo("fill", apache.connectString)).match(/session (0x[0-9a-f]+)/)![1];
      const before = parseDump(await kazoo("dump", apache.connectString));
      await apache.kill();
      const dir = `${apache.dataDir}/version-2`;
      const files = [...Deno.readDirSync(dir)].map((e) => e.name);
      assert.ok(
        files.filter((n) => n.startsWith("log.")).length > 1,
        `several log segments: ${files}`,
      );
      assert.ok(files.some((n) => n.startsWith("snapshot.")), `a snapshot: ${files}`);

      // 2. zkts restores: the newest snapshot, then the log after it.
      const storage = new DenoStorage();
      const tree = new DataTree();
      const sink = tree.snapshotSink();
      const r = await restore({
        storage,
        dir,
        snapDir: dir,
        nodeSink: sink,
        logger: quietLogger(),
      });
      sink.finish();
      tree.lastProcessedZxid = r.snapshotZxid;
      const sessions = new Map(r.snapshot!.sessions);
      for await (const rec of r.replay()) {
        const entry = decode(TxnEntry, rec.bytes);
        tree.processTxn(entry.header, entry.txn);
        if (entry.digest) {
          assert.equal(
            tree.digest,
            entry.digest.treeDigest,
            `digest at 0x${rec.zxid.toString(16)}`,
          );
        }
        if (entry.header.type === OpCode.createSession) {
          sessions.set(entry.header.clientId, (entry.txn as { timeOut: number }).timeOut);
        } else if (entry.header.type === OpCode.closeSession) {
          sessions.delete(
            entry.header.clientId,
          );
        }
      }
      assert.deepEqual(dumpTree(tree), before, "zkts sees Apache's tree: data, stats, ACLs");
      assert.ok(sessions.has(BigInt(session)), `the open session ${session} is restored`);
      assert.ok(tree.getEphemerals(BigInt(session)).includes("/app/eph"));

      // 3. zkts writes more: txns through its log, then a snapshot of its tree.
      const acl = [{ perms: 31, id: { scheme: "world", id: "anyone" } }];
      let zxid = r.log.lastZxid;
      const apply = async (type: number, txn: unknown) => {
        const header: TxnHeader = {
          clientId: 0n,
          cxid: 0,
          zxid: ++zxid,
          time: BigInt(Date.now()),
          type,
        };
        tree.processTxn(header, txn as never);
        const bytes = encode(TxnEntry, {
          header,
          txn: txn as never,
          digest: { version: 2, treeDigest: tree.digest },
        });
        await r.log.append(zxid, bytes);
      };
      await apply(OpCode.create, {
        path: "/from-zkts",
        data: new TextEncoder().encode("hello"),
        acl,
        ephemeral: false,
        parentCVersion: -1,
      });
      await apply(OpCode.setData, {
        path: "/app/n5",
        data: new TextEncoder().encode("set by zkts"),
        version: tree.stat("/app/n5")!.version + 1,
      });
      await apply(OpCode.delete, { path: "/app/n6" });
      const snapshotName = `snapshot.${zxid.toString(16)}`;
      await writeSnapshot({ storage, dir, zxid }, {
        sessions,
        acls: tree.aclEntries(),
        nodes: tree.nodes(),
        digest: { zxid, digestVersion: 2, digest: tree.digest },
      });
      // And txns after the snapshot, which Apache must replay.
      await apply(OpCode.create, {
        path: "/from-zkts/after-snapshot",
        data: null,
        acl,
        ephemeral: false,
        parentCVersion: -1,
      });
      await apply(OpCode.setData, {
        path: "/from-zkts",
        data: new TextEncoder().encode("hello again"),
        version: 1,
      });
      await r.log.close();
      const expected = dumpTree(tree);

      // 4. Apache starts on the dataDir zkts wrote and serves zkts's tree.
      await apache.restart();
      const after = parseDump(await kazoo("dump", apache.connectString));
      assert.deepEqual(after, expected, "Apache sees zkts's tree: data, stats, ACLs");
      assert.match(
        apache.logs(),
        new RegExp(`Reading snapshot \\S*${snapshotName}`),
        "Apache loaded zkts's snapshot",
      );
      assert.doesNotMatch(apache.logs(), /digest mismatch/i, "Apache's digests agree with zkts's");
      assert.doesNotMatch(apache.logs(), /CRC|corrupt|Unable to load database/i);
    } finally {
      await apache.stop();
      await Deno.remove(apache.dir, { recursive: true }).catch(() => {});
    }
  },
);
