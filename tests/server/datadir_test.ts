/**
 * Moving a dataDir between Apache ZooKeeper 3.8 and zkts, both ways, with no
 * converter (issues #5, #6): Apache writes a varied tree (all node kinds,
 * ACLs, a live session with ephemerals, several log segments, snapshots),
 * zkts starts on that dataDir and must hold the very same tree (stats and
 * zxids included); zkts writes more, and Apache starts on zkts's dataDir and
 * must hold zkts's tree.
 */
import assert from "node:assert/strict";
import { type ACL, type Stat, ZooKeeper } from "@zkts/client";
import { CreateMode, Perms } from "@zkts/jute";
import { type ApacheServer, startApache } from "../support/apache.ts";
import { startZkts } from "../support/zkts.ts";
import { interopTest } from "../support/oracle.ts";

const enc = (s: string) => new TextEncoder().encode(s);

interface Dumped {
  path: string;
  data: string;
  stat: Stat;
  acl: ACL[];
}

async function dump(zk: ZooKeeper): Promise<Dumped[]> {
  const out: Dumped[] = [];
  const queue = ["/"];
  while (queue.length > 0) {
    const path = queue.shift()!;
    const { data, stat } = await zk.getData(path);
    const { acl } = await zk.getACL(path);
    out.push({ path, data: data ? [...data].join(",") : "null", stat, acl });
    for (const c of (await zk.getChildren(path)).sort()) {
      queue.push(path === "/" ? `/${c}` : `${path}/${c}`);
    }
  }
  return out;
}

async function connect(server: ApacheServer): Promise<ZooKeeper> {
  const zk = await ZooKeeper.connect(server.connectString, { sessionTimeoutMs: 30000 });
  zk.addAuth("digest", "apache:pw");
  zk.addAuth("digest", "zkts:pw");
  return zk;
}

async function copyVersion2(from: ApacheServer, to: ApacheServer): Promise<void> {
  const src = `${from.dataDir}/version-2`;
  const dst = `${to.dataDir}/version-2`;
  await Deno.remove(dst, { recursive: true }).catch(() => {});
  await Deno.mkdir(dst, { recursive: true });
  for await (const e of Deno.readDir(src)) {
    if (e.isFile) await Deno.copyFile(`${src}/${e.name}`, `${dst}/${e.name}`);
  }
}

async function writeVaried(zk: ZooKeeper, tag: string, n: number): Promise<void> {
  await zk.create(`/${tag}`, enc(tag));
  zk.addAuth("digest", `${tag}:pw`);
  for (let i = 0; i < n; i++) {
    await zk.create(`/${tag}/p${i}`, enc(`v${i}`));
    await zk.create(`/${tag}/p${i}/s-`, null, { mode: CreateMode.PersistentSequential });
    if (i % 3 === 0) await zk.setData(`/${tag}/p${i}`, enc(`w${i}`));
    if (i % 5 === 0) await zk.delete(`/${tag}/p${i}/s-0000000000`);
  }
  await zk.create(`/${tag}/c`, null, { mode: CreateMode.Container });
  await zk.create(`/${tag}/c/x`, null);
  await zk.create(`/${tag}/ttl`, null, { mode: CreateMode.PersistentWithTtl, ttlMs: 3600_000 });
  await zk.create(`/${tag}/secret`, enc("s"), {
    acl: [{ perms: Perms.All, id: { scheme: "auth", id: "" } }],
  });
  await zk.setACL(`/${tag}/p1`, [
    { perms: Perms.Read, id: { scheme: "world", id: "anyone" } },
    { perms: Perms.All, id: { scheme: "ip", id: "127.0.0.1" } },
  ]);
  await zk.transaction().create(`/${tag}/m1`, enc("1")).setData(`/${tag}`, enc("m")).commit();
}

interopTest("dataDir: Apache → zkts → Apache, no converter, same tree and stats", async () => {
  const opts = { forceSync: true, extendedTypesEnabled: true, snapCount: 40, preAllocSize: 64 };
  const apache = await startApache({ ...opts, keepDir: true });
  const zkts = await startZkts({ ...opts, keepDir: true });
  try {
    // 1. Apache writes; a session with ephemerals stays alive across the move.
    let zk = await connect(apache);
    const holder = await ZooKeeper.connect(apache.connectString, { sessionTimeoutMs: 30000 });
    await writeVaried(zk, "apache", 30);
    await holder.create("/apache/eph", enc("e"), { mode: CreateMode.Ephemeral });
    const before = await dump(zk);
    await zk.close();
    holder.dropConnection();
    await apache.kill();
    const logs = [...Deno.readDirSync(`${apache.dataDir}/version-2`)].map((e) => e.name);
    assert.ok(logs.filter((n) => n.startsWith("log.")).length > 1, `several logs: ${logs}`);
    assert.ok(logs.some((n) => n.startsWith("snapshot.")), `a snapshot: ${logs}`);

    // 2. zkts starts on Apache's dataDir.
    await zkts.kill();
    await copyVersion2(apache, zkts);
    await zkts.restart();
    zk = await connect(zkts);
    const inZkts = await dump(zk);
    assert.deepEqual(inZkts.map((d) => d.path), before.map((d) => d.path));
    for (let i = 0; i < before.length; i++) {
      assert.deepEqual(inZkts[i], before[i], `node ${before[i].path}`);
    }
    // The session lives on in zkts: its ephemeral is there, owned by it.
    const eph = inZkts.find((d) => d.path === "/apache/eph");
    assert.equal(eph?.stat.ephemeralOwner, holder.sessionId);

    // 3. zkts writes more (and rolls logs, takes snapshots), then stops.
    await writeVaried(zk, "zkts", 30);
    const after = await dump(zk);
    await zk.close();
    await holder.close().catch(() => {});
    await zkts.kill();

    // 4. Apache starts on zkts's dataDir.
    await copyVersion2(zkts, apache);
    await apache.restart();
    zk = await connect(apache);
    const inApache = await dump(zk);
    await zk.close();
    assert.deepEqual(inApache.map((d) => d.path), after.map((d) => d.path));
    for (let i = 0; i < after.length; i++) {
      assert.deepEqual(inApache[i], after[i], `node ${after[i].path}`);
    }
  } finally {
    await apache.stop();
    await zkts.stop();
    await Deno.remove(apache.dir, { recursive: true }).catch(() => {});
    await Deno.remove(zkts.dir, { recursive: true }).catch(() => {});
  }
});
