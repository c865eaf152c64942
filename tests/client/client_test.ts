/**
 * The zkts client against the real Apache ZooKeeper 3.8 and against zkts's
 * server, with the same test body (issues #6, #7): where they differ, Apache
 * is right and zkts gets fixed.
 */
import assert from "node:assert/strict";
import {
  KeeperError,
  MultiError,
  type MultiResult,
  type WatchedEvent,
  ZooKeeper,
} from "@zkts/client";
import {
  CreateMode,
  ErrorCode,
  EventType,
  KeeperState,
  OpCode,
  Perms,
  WatcherType,
} from "@zkts/jute";
import { TARGETS } from "../support/zkts.ts";
import { interopTest } from "../support/oracle.ts";

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array | null) => new TextDecoder().decode(b ?? new Uint8Array());

/** Resolves with the first event that `pred` accepts, or rejects after `ms`. */
function nextEvent(
  zk: ZooKeeper,
  pred: (e: WatchedEvent) => boolean,
  ms = 10000,
): Promise<WatchedEvent> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      zk.removeListener(l);
      reject(new Error("no event in time"));
    }, ms);
    const l = (e: WatchedEvent) => {
      if (!pred(e)) return;
      clearTimeout(timer);
      zk.removeListener(l);
      resolve(e);
    };
    zk.addListener(l);
  });
}

async function code(p: Promise<unknown>): Promise<number> {
  try {
    await p;
    return 0;
  } catch (e) {
    if (e instanceof KeeperError) return e.code;
    throw e;
  }
}

for (const target of TARGETS) {
  interopTest(
    `client vs ${target.name}: the seeds' /china transcript, stats and errors`,
    async () => {
      const server = await target.start({ forceSync: false, extendedTypesEnabled: true });
      const zk = await ZooKeeper.connect(server.connectString, { sessionTimeoutMs: 10000 });
      const zk2 = await ZooKeeper.connect(server.connectString, { sessionTimeoutMs: 10000 });
      try {
        assert.equal(await zk.create("/china", enc("999")), "/china");
        const seq = [];
        for (const c of ["beijing", "shanghai", "guangzhou"]) {
          seq.push(
            await zk.create(`/china/${c}`, enc(c), { mode: CreateMode.PersistentSequential }),
          );
        }
        assert.deepEqual(seq, [
          "/china/beijing0000000000",
          "/china/shanghai0000000001",
          "/china/guangzhou0000000002",
        ]);
        for (const c of ["aaa", "bbb", "ccc"]) {
          await zk2.create(`/china/${c}`, enc(c), { mode: CreateMode.Ephemeral });
        }
        const before = await zk.exists("/china");
        assert.equal(before?.numChildren, 6);
        assert.equal(before?.cversion, 6);
        const eph = (await zk.getData("/china/aaa")).stat;
        assert.equal(eph.ephemeralOwner, zk2.sessionId);
        assert.equal(eph.dataLength, 3);
        assert.deepEqual((await zk2.getEphemerals("/china")).sort(), [
          "/china/aaa",
          "/china/bbb",
          "/china/ccc",
        ]);
        // Closing the session deletes its ephemerals: cversion +3, one new pzxid.
        await zk2.close();
        const after = (await zk.getData("/china")).stat;
        assert.equal(after.numChildren, 3);
        assert.equal(after.cversion, 9);
        assert.ok(after.pzxid > before!.pzxid);

        const s1 = await zk.setData("/china", enc("888"));
        assert.equal(s1.version, 1);
        assert.equal(s1.czxid, before!.czxid);
        assert.ok(s1.mzxid > before!.mzxid);
        assert.equal(dec((await zk.getData("/china")).data), "888");

        assert.equal(await code(zk.delete("/china")), ErrorCode.NotEmpty);
        assert.equal(await code(zk.create("/china", null)), ErrorCode.NodeExists);
        assert.equal(await code(zk.getData("/nope")), ErrorCode.NoNode);
        assert.equal(await code(zk.setData("/china", null, 7)), ErrorCode.BadVersion);
        assert.equal(await code(zk.create("/a/b", null)), ErrorCode.NoNode);
        assert.equal(await zk.exists("/nope"), null);
        assert.equal(await zk.getAllChildrenNumber("/china"), 3);
        await assert.rejects(zk.exists("/bad/"), /must not end with/);
      } finally {
        await zk.close();
        await zk2.close();
        await server.stop();
      }
    },
  );

  interopTest(
    `client vs ${target.name}: one-shot and persistent watches, ACLs and auth`,
    async () => {
      const server = await target.start({ forceSync: false });
      const zk = await ZooKeeper.connect(server.connectString, { sessionTimeoutMs: 10000 });
      const other = await ZooKeeper.connect(server.connectString, { sessionTimeoutMs: 10000 });
      try {
        const events: WatchedEvent[] = [];
        const w = (e: WatchedEvent) => events.push(e);
        assert.equal(await zk.exists("/w", w), null);
        await other.create("/w", enc("1"));
        await zk.getData("/w", w);
        await zk.getChildren("/w", w);
        await other.setData("/w", enc("2"));
        await other.create("/w/c", null);
        await other.delete("/w/c");
        // Only the first change of each kind fires: watches are one-shot.
        await zk.sync("/w");
        const seen = events.map((e) => `${e.type} ${e.path}`);
        assert.deepEqual(seen, [
          `${EventType.NodeCreated} /w`,
          `${EventType.NodeDataChanged} /w`,
          `${EventType.NodeChildrenChanged} /w`,
        ]);

        const rec: WatchedEvent[] = [];
        await zk.addWatch("/w", (e) => rec.push(e), "persistentRecursive");
        await other.create("/w/x", null);
        await other.setData("/w/x", enc("y"));
        await other.setData("/w", enc("3"));
        await zk.sync("/w");
        assert.deepEqual(rec.map((e) => `${e.type} ${e.path}`), [
          `${EventType.NodeCreated} /w/x`,
          `${EventType.NodeDataChanged} /w/x`,
          `${EventType.NodeDataChanged} /w`,
        ]);
        await zk.removeWatches("/w", WatcherType.Any);
        assert.equal(await code(zk.removeWatches("/w", WatcherType.Data)), ErrorCode.NoWatcher);

        // ACL: digest auth, and a session without it is refused.
        zk.addAuth("digest", "zs:123");
        await zk.create("/secure", enc("s"), {
          acl: [{ perms: Perms.All, id: { scheme: "auth", id: "" } }],
        });
        const { acl } = await zk.getACL("/secure");
        assert.equal(acl[0].id.scheme, "digest");
        assert.match(acl[0].id.id, /^zs:/);
        assert.equal(await code(other.getData("/secure")), ErrorCode.NoAuth);
        assert.deepEqual(
          (await zk.whoAmI()).map((c) => c.scheme).sort(),
          ["digest", "ip"],
        );
      } finally {
        await zk.close();
        await other.close();
        await server.stop();
      }
    },
  );

  interopTest(`client vs ${target.name}: reconnect keeps the session and its watches`, async () => {
    const server = await target.start({ forceSync: false });
    const zk = await ZooKeeper.connect(server.connectString, { sessionTimeoutMs: 10000 });
    const other = await ZooKeeper.connect(server.connectString, { sessionTimeoutMs: 10000 });
    try {
      await zk.create("/e", null, { mode: CreateMode.Ephemeral });
      await zk.create("/r", null);
      const fired: WatchedEvent[] = [];
      await zk.getData("/r", (e) => fired.push(e));
      const sid = zk.sessionId;
      const disconnected = nextEvent(zk, (e) => e.state === KeeperState.Disconnected);
      const reconnected = nextEvent(zk, (e) => e.state === KeeperState.SyncConnected);
      zk.dropConnection();
      await disconnected;
      // Change the node while the client is away: SetWatches2 with the last
      // zxid makes the server fire the missed event on reconnect.
      await other.setData("/r", enc("changed"));
      await reconnected;
      assert.equal(zk.sessionId, sid);
      assert.ok(await zk.exists("/e"), "ephemeral survives a reconnect");
      const deadline = Date.now() + 5000;
      while (fired.length === 0 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 20));
      }
      assert.deepEqual(fired.map((e) => e.type), [EventType.NodeDataChanged]);
    } finally {
      await zk.close();
      await other.close();
      await server.stop();
    }
  });

  interopTest(
    `client vs ${target.name}: an expired session is reported, never replaced`,
    async () => {
      const server = await target.start({ forceSync: false, tickTime: 200 });
      const zk = await ZooKeeper.connect(server.connectString, { sessionTimeoutMs: 2000 });
      try {
        // A second client re-attaching with the id and password works...
        const twin = await ZooKeeper.connect(server.connectString, {
          sessionId: zk.sessionId,
          sessionPasswd: zk.sessionPasswd,
          sessionTimeoutMs: 2000,
        });
        assert.equal(twin.sessionId, zk.sessionId);
        await twin.close(); // ...and closing it ends the session for both.
        const expired = nextEvent(zk, (e) => e.state === KeeperState.Expired, 15000);
        zk.dropConnection();
        await expired;
        assert.equal(await code(zk.exists("/")), ErrorCode.SessionExpired);
      } finally {
        await zk.close();
        await server.stop();
      }
    },
  );

  interopTest(`client vs ${target.name}: multi, multiRead, mkdirp and deleteAll`, async () => {
    const server = await target.start({ forceSync: false });
    const zk = await ZooKeeper.connect(server.connectString + "/", { sessionTimeoutMs: 10000 });
    try {
      const ok = await zk.transaction().create("/m", enc("a")).create("/m/1").setData(
        "/m",
        enc("b"),
      )
        .check("/m", 1).commit();
      // Apache 3.8 answers a create2 inside a multi with a plain create result.
      assert.deepEqual(ok.map((r) => r.type), [
        OpCode.create,
        OpCode.create,
        OpCode.setData,
        OpCode.check,
      ]);
      const failed = await zk.transaction().create("/m/2").delete("/nope").create("/m/3").commit()
        .then(() => null, (e) => e);
      assert.ok(failed instanceof MultiError);
      assert.equal(failed.code, ErrorCode.NoNode);
      assert.equal(failed.index, 1);
      assert.deepEqual(
        failed.results.map((r: MultiResult) => r.type === OpCode.error ? r.err : r.type),
        [ErrorCode.Ok, ErrorCode.NoNode, ErrorCode.RuntimeInconsistency],
      );
      assert.equal(await zk.exists("/m/2"), null, "nothing of a failed multi applies");
      const reads = await zk.multiRead([
        { type: OpCode.getData, request: { path: "/m", watch: false } },
        { type: OpCode.getChildren, request: { path: "/m", watch: false } },
        { type: OpCode.getData, request: { path: "/nope", watch: false } },
      ]);
      assert.equal(reads[0].type === OpCode.getData && dec(reads[0].data), "b");
      assert.deepEqual(reads[1].type === OpCode.getChildren && reads[1].children, ["1"]);
      assert.deepEqual(reads[2], { type: OpCode.error, err: ErrorCode.NoNode });

      await zk.mkdirp("/deep/a/b/c", enc("leaf"));
      assert.equal(dec((await zk.getData("/deep/a/b/c")).data), "leaf");
      await zk.mkdirp("/deep/a/b/c");
      await zk.deleteAll("/deep");
      assert.equal(await zk.exists("/deep"), null);

      // chroot: paths in and out are relative to it, events too.
      await zk.mkdirp("/app");
      const app = await ZooKeeper.connect(server.connectString + "/app", {
        sessionTimeoutMs: 10000,
      });
      try {
        const seen: (string | null)[] = [];
        await app.exists("/x", (e) => seen.push(e.path));
        assert.equal(
          await app.create("/x", null, { mode: CreateMode.PersistentSequential }),
          "/x0000000000",
        );
        await app.create("/x", null);
        await app.sync("/");
        assert.deepEqual(seen, ["/x"]);
        assert.deepEqual((await zk.getChildren("/app")).sort(), ["x", "x0000000000"]);
      } finally {
        await app.close();
      }
    } finally {
      await zk.close();
      await server.stop();
    }
  });
}

for (const target of TARGETS) {
  interopTest(`client vs ${target.name}: data near the 1 MB jute.maxbuffer limit`, async () => {
    const server = await target.start({ forceSync: false });
    const zk = await ZooKeeper.connect(server.connectString, { sessionTimeoutMs: 10000 });
    try {
      const big = new Uint8Array(1_000_000);
      for (let i = 0; i < big.length; i++) big[i] = i % 251;
      await zk.create("/big", big);
      const { data, stat } = await zk.getData("/big");
      assert.equal(stat.dataLength, big.length);
      assert.deepEqual(data, big);
      await zk.setData("/big", big.subarray(0, 500_000));
      assert.equal((await zk.exists("/big"))?.dataLength, 500_000);
    } finally {
      await zk.close();
      await server.stop();
    }
  });
}

for (const target of TARGETS) {
  interopTest(
    `client vs ${target.name}: removed watches are told, state, client-side refusals`,
    async () => {
      const server = await target.start({ forceSync: false });
      const zk = await ZooKeeper.connect(server.connectString, { sessionTimeoutMs: 10000 });
      try {
        assert.equal(zk.state, "CONNECTED");
        await zk.create("/rw", null);
        const seen: number[] = [];
        const w = (e: WatchedEvent) => seen.push(e.type);
        await zk.getData("/rw", w);
        await zk.getChildren("/rw", w);
        await zk.removeWatches("/rw", WatcherType.Any, w);
        assert.deepEqual(
          seen.sort(),
          [EventType.DataWatchRemoved, EventType.ChildWatchRemoved].sort(),
        );
        await zk.addWatch("/rw", w, "persistent");
        await zk.removeWatches("/rw", WatcherType.Any, w, { local: true });
        assert.equal(seen.at(-1), EventType.PersistentWatchRemoved);
        assert.equal(await code(zk.create("/noacl", null, { acl: [] })), ErrorCode.InvalidACL);
        assert.equal(await code(zk.setACL("/rw", [])), ErrorCode.InvalidACL);
        assert.equal(
          await code(zk.reconfig({ joining: "server.5=127.0.0.1:1:2" })),
          ErrorCode.ReconfigDisabled,
        );
      } finally {
        await zk.close();
        assert.equal(zk.state, "CLOSED");
        await server.stop();
      }
    },
  );
}
