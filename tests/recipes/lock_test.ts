/**
 * Locks against Apache ZooKeeper 3.8 and zkts (same body): exclusion among
 * many sessions, reentrancy, timeouts and aborts, no herd effect among 50
 * waiters, connection loss during acquire, expiry of the holder, the seeds'
 * read/write lock on `/xs_lock`, semaphore leases and revocation.
 */
import assert from "node:assert/strict";
import { KeeperError, type WatchedEvent, ZooKeeper } from "@zkts/client";
import { ErrorCode, EventType } from "@zkts/jute";
import {
  type LockHandle,
  Mutex,
  ReadWriteLock,
  requestRevoke,
  Semaphore,
} from "../../packages/recipes/mod.ts";
import { RecordingProxy } from "../support/proxy.ts";
import { expire, recipeSuite, settle, timesOut, until } from "./_helpers.ts";

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array | null) => new TextDecoder().decode(b ?? new Uint8Array());

/** Counts watch events (not state events) delivered to `sessions`. */
function countWatchEvents(sessions: ZooKeeper[]): { count: () => number; stop: () => void } {
  let n = 0;
  const l = (e: WatchedEvent) => {
    if (e.type !== EventType.None) n++;
  };
  for (const zk of sessions) zk.addListener(l);
  return { count: () => n, stop: () => sessions.forEach((zk) => zk.removeListener(l)) };
}

recipeSuite("locks", {
  "mutex: 12 contenders on 4 sessions never lose an update": async ({ connect, root }) => {
    const sessions = await Promise.all([0, 1, 2, 3].map(() => connect()));
    await sessions[0].mkdirp(`${root}/n`, enc("0"));
    let inside = 0;
    let maxInside = 0;
    await Promise.all(
      Array.from({ length: 12 }, async (_, i) => {
        const zk = sessions[i % 4];
        const mutex = new Mutex(zk, `${root}/lock`, { identifier: `c${i}` });
        for (let round = 0; round < 3; round++) {
          const lock = await mutex.acquire({ timeoutMs: 8000 });
          maxInside = Math.max(maxInside, ++inside);
          const { data } = await zk.getData(`${root}/n`);
          await zk.setData(`${root}/n`, enc(String(Number(dec(data)) + 1)));
          inside--;
          await lock.release();
        }
      }),
    );
    assert.equal(maxInside, 1);
    assert.equal(dec((await sessions[0].getData(`${root}/n`)).data), "36");
    assert.deepEqual(await sessions[0].getChildren(`${root}/lock`), []);
  },

  "mutex: reentrant, tryAcquire, timeout and abort": async ({ connect, root }) => {
    const [a, b] = [await connect(), await connect()];
    const ma = new Mutex(a, root, { identifier: "a" });
    const mb = new Mutex(b, root, { identifier: "b" });
    const h1 = await ma.acquire();
    const h2 = await ma.acquire(); // reentrant: same node, counted
    assert.equal(h1.node, h2.node);
    assert.equal((await a.getChildren(root)).length, 1);
    assert.match(h1.node, /^\/.*\/[0-9a-f]{32}__lock__\d{10}$/, "kazoo's node layout");
    assert.equal(await mb.tryAcquire(), null);
    assert.ok(await timesOut(mb.acquire({ timeoutMs: 150 })));
    const ctl = new AbortController();
    const aborted = mb.acquire({ signal: ctl.signal }).then(() => "acquired", (e) => e);
    await until(async () => (await a.getChildren(root)).length === 2);
    ctl.abort(new Error("changed my mind"));
    assert.equal((await aborted as Error).message, "changed my mind");
    await until(async () => (await a.getChildren(root)).length === 1, 2000, "waiter node gone");
    assert.deepEqual((await ma.contenders()).map((c) => c.identifier), ["a"]);
    await h2.release();
    assert.ok(ma.isHeld, "one hold left");
    assert.equal(await mb.tryAcquire(), null);
    await h1.release();
    const hb = await mb.tryAcquire();
    assert.ok(hb && mb.isHeld);
    await hb.release();
  },

  "mutex: Curator's layout (_c_<uuid>-lock-<seq>) excludes like kazoo's": async (
    { connect, root },
  ) => {
    const [a, b] = [await connect(), await connect()];
    const ha = await new Mutex(a, root, { layout: "curator" }).acquire();
    assert.match(ha.node, /\/_c_[0-9a-f-]{36}-lock-\d{10}$/);
    const mb = new Mutex(b, root, { layout: "curator" });
    assert.equal(await mb.tryAcquire(), null);
    const pb = mb.acquire({ timeoutMs: 3000 });
    await until(async () => (await a.getChildren(root)).length === 2);
    await ha.release();
    await (await pb).release();
  },

  "mutex: no herd effect: a release among 50 waiters wakes exactly one": async (
    { connect, root },
  ) => {
    const holderZk = await connect();
    const sessions = await Promise.all(Array.from({ length: 10 }, () => connect()));
    const holder = await new Mutex(holderZk, root).acquire();
    const ctl = new AbortController();
    const waiters = Array.from({ length: 50 }, (_, i) => new Mutex(sessions[i % 10], root));
    const got: LockHandle[] = [];
    const pending = waiters.map((m) =>
      m.acquire({ signal: ctl.signal }).then((h) => got.push(h), () => {})
    );
    await until(async () => (await holderZk.getChildren(root)).length === 51, 8000, "51 nodes");
    await settle(300); // every waiter has its exists() watch set
    const events = countWatchEvents(sessions);
    await holder.release();
    await until(() => got.length === 1, 5000, "the next waiter holds");
    await settle(300);
    events.stop();
    assert.equal(events.count(), 1, "exactly one watch event for one release");
    assert.equal(got.length, 1);
    ctl.abort();
    await Promise.all(pending);
    await got[0].release();
  },

  "mutex: creation order; a crashed middle waiter passes its watch on": async (
    { connect, root },
  ) => {
    const [a, b, c] = [await connect(), await connect(), await connect()];
    const order: string[] = [];
    const ha = await new Mutex(a, root).acquire();
    order.push("a");
    const pb = new Mutex(b, root).acquire({ timeoutMs: 8000 }).then(
      () => order.push("b"),
      (e) => e,
    );
    await until(async () => (await a.getChildren(root)).length === 2);
    const pc = new Mutex(c, root).acquire({ timeoutMs: 8000 }).then(async (h) => {
      order.push("c");
      await h.release();
    });
    await until(async () => (await a.getChildren(root)).length === 3);
    await b.close(); // the middle waiter crashes: c now waits for a
    assert.ok((await pb) instanceof KeeperError);
    await settle(100);
    assert.deepEqual(order, ["a"]);
    await ha.release();
    await pc;
    assert.deepEqual(order, ["a", "c"]);
  },

  "mutex: connection loss in the middle of acquire leaves one node and still acquires": async (
    { connect, root },
  ) => {
    const [a, b] = [await connect(), await connect()];
    const ha = await new Mutex(a, root).acquire();
    const mb = new Mutex(b, root);
    const pb = mb.acquire({ timeoutMs: 8000 });
    b.dropConnection(); // while create (or getChildren) is in flight
    await until(async () => (await a.getChildren(root)).length === 2, 5000, "b's node");
    b.dropConnection(); // again, while b waits on its watch
    await until(() => b.connected, 5000, "b reconnected");
    await settle(50);
    assert.equal((await a.getChildren(root)).length, 2, "no duplicate node after the loss");
    await ha.release();
    const hb = await pb;
    assert.deepEqual(await a.getChildren(root), [hb.node.slice(root.length + 1)]);
    await hb.release();
  },

  "mutex: 6 contenders on 3 sessions whose connections keep dropping never overlap": async (
    { connect, root },
  ) => {
    const sessions = await Promise.all([0, 1, 2].map(() => connect({ sessionTimeoutMs: 6000 })));
    let inside = 0;
    let maxInside = 0;
    let rounds = 0;
    let drops = 0;
    const dropper = setInterval(() => {
      sessions[drops++ % 3].dropConnection();
    }, 100);
    try {
      await Promise.all(Array.from({ length: 6 }, async (_, i) => {
        const mutex = new Mutex(sessions[i % 3], root);
        // At least 3 rounds each, and on until the connections dropped a few
        // times (a fast server finishes 18 rounds between two drops).
        const deadline = Date.now() + 10000;
        for (let r = 0; r < 3 || (drops <= 3 && Date.now() < deadline); r++) {
          const h = await mutex.acquire({ timeoutMs: 15000 });
          maxInside = Math.max(maxInside, ++inside);
          await settle(5);
          inside--;
          rounds++;
          await h.release();
        }
      }));
    } finally {
      clearInterval(dropper);
    }
    assert.ok(rounds >= 18, `${rounds} rounds`);
    assert.equal(maxInside, 1);
    assert.ok(drops > 3, `connections dropped ${drops} times`);
    await until(
      async () => (await sessions[0].getChildren(root)).length === 0,
      5000,
      "no node left",
    );
  },

  "mutex: a create whose reply is lost is found again by its guid prefix, not made twice": async (
    { server, connect, root },
  ) => {
    // The proxy cuts the connection when the server's reply to the lock
    // node's create passes: the node exists, the client never heard of it.
    let createXid = -1;
    let cuts = 0;
    let proxy: RecordingProxy | null = null;
    proxy = await RecordingProxy.start({ host: server.host, port: server.port }, {
      onFrame(f) {
        const xid = parseInt(f.hex.slice(0, 8), 16);
        const op = f.hex.length >= 16 ? parseInt(f.hex.slice(8, 16), 16) : -1;
        if (f.dir === "c2s" && (op === 1 || op === 15) && createXid < 0) createXid = xid;
        if (f.dir === "s2c" && xid === createXid && cuts === 0) {
          cuts++;
          proxy!.cutAll();
        }
      },
    });
    try {
      const observer = await connect();
      await observer.mkdirp(root);
      const zk = await ZooKeeper.connect(proxy.connectString, { sessionTimeoutMs: 4000 });
      try {
        const h = await new Mutex(zk, root).acquire({ timeoutMs: 8000 });
        assert.equal(cuts, 1, "the create's reply was lost");
        assert.deepEqual(await observer.getChildren(root), [h.node.slice(root.length + 1)]);
        await h.release();
        assert.deepEqual(await observer.getChildren(root), []);
      } finally {
        await zk.close();
      }
    } finally {
      await proxy.close();
    }
  },

  "mutex: the holder's session expires: the lock passes on and the old holder is told": async (
    { server, connect, root },
  ) => {
    const [a, b] = [await connect({ sessionTimeoutMs: 2000 }), await connect()];
    const ha = await new Mutex(a, root).acquire();
    const pb = new Mutex(b, root).acquire({ timeoutMs: 10000 });
    await until(async () => (await b.getChildren(root)).length === 2);
    await expire(a, server.connectString);
    assert.ok(ha.signal.aborted, "the old holder's signal aborted");
    assert.equal((ha.signal.reason as KeeperError).code, ErrorCode.SessionExpired);
    const hb = await pb;
    assert.ok(!hb.signal.aborted);
    await ha.release(); // harmless after expiry
    await hb.release();
  },

  "mutex: a waiter whose session expires is told; the one behind it moves up": async (
    { server, connect, root },
  ) => {
    const [a, b, c] = [await connect(), await connect({ sessionTimeoutMs: 2000 }), await connect()];
    const ha = await new Mutex(a, root).acquire();
    const pb = new Mutex(b, root).acquire({ timeoutMs: 10000 }).then(() => null, (e) => e);
    await until(async () => (await a.getChildren(root)).length === 2);
    const pc = new Mutex(c, root).acquire({ timeoutMs: 10000 });
    await until(async () => (await a.getChildren(root)).length === 3);
    await expire(b, server.connectString);
    assert.equal(((await pb) as KeeperError).code, ErrorCode.SessionExpired);
    await until(async () => (await a.getChildren(root)).length === 2, 3000, "b's node gone");
    await ha.release();
    await (await pc).release();
  },

  "read/write lock: the seeds' R1 R2 W3 R4 on /xs_lock, one event per dependent": async (
    { connect, root },
  ) => {
    const path = `${root}/xs_lock`;
    const zks = await Promise.all([0, 1, 2, 3, 4].map(() => connect()));
    await zks[0].mkdirp(path);
    const held: string[] = [];
    const take = async (i: number, kind: "r" | "w") => {
      const rw = new ReadWriteLock(zks[i], path, { identifier: `${kind}${i}` });
      const before = (await zks[0].getChildren(path)).length;
      const p = (kind === "r" ? rw.readLock : rw.writeLock).acquire({ timeoutMs: 8000 })
        .then((h) => {
          held.push(`${kind.toUpperCase()}${i + 1}`);
          return h;
        });
      p.catch(() => {});
      await until(async () => (await zks[0].getChildren(path)).length === before + 1);
      return { p }; // queued, in this order
    };
    const r1 = (await take(0, "r")).p;
    const r2 = (await take(1, "r")).p;
    const w3 = (await take(2, "w")).p;
    const r4 = (await take(3, "r")).p;
    const r5 = (await take(4, "r")).p;
    await settle(200);
    assert.deepEqual(held, ["R1", "R2"], "readers share; W3 and the readers after it wait");
    const events = countWatchEvents(zks);
    await (await r1).release();
    await settle(200);
    assert.deepEqual(held, ["R1", "R2"]);
    assert.equal(events.count(), 0, "nobody watches R1 (W3 watches R2)");
    await (await r2).release();
    const hw3 = await w3;
    await settle(100);
    assert.deepEqual(held, ["R1", "R2", "W3"]);
    assert.equal(events.count(), 1, "R2's release woke W3 only");
    await hw3.release();
    const [h4, h5] = await Promise.all([r4, r5]);
    assert.deepEqual(held.slice(3).sort(), ["R4", "R5"]);
    assert.equal(events.count(), 3, "W3's release woke R4 and R5, who both waited for it");
    events.stop();
    await h4.release();
    await h5.release();
  },

  "semaphore: 2 leases among 5 clients": async ({ connect, root }) => {
    const zks = await Promise.all([0, 1, 2, 3, 4].map(() => connect()));
    let inside = 0;
    let maxInside = 0;
    await Promise.all(zks.map(async (zk, i) => {
      const sem = new Semaphore(zk, root, 2, { identifier: `s${i}` });
      for (let round = 0; round < 2; round++) {
        const lease = await sem.acquire({ timeoutMs: 8000 });
        maxInside = Math.max(maxInside, ++inside);
        await settle(20);
        inside--;
        await lease.release();
      }
    }));
    assert.equal(maxInside, 2);
    assert.equal(dec((await zks[0].getData(root)).data), "2", "kazoo stores the lease count");
    await assert.rejects(new Semaphore(zks[0], root, 3).acquire(), /2 leases stored/);
  },

  "semaphore: a lease holder whose session expires is told; the lease is free again": async (
    { server, connect, root },
  ) => {
    const [a, b] = [await connect({ sessionTimeoutMs: 2000 }), await connect()];
    const lease = await new Semaphore(a, root, 1).acquire({ timeoutMs: 2000 });
    const pb = new Semaphore(b, root, 1).acquire({ timeoutMs: 10000 });
    await expire(a, server.connectString);
    assert.ok(lease.signal.aborted);
    await (await pb).release();
    await lease.release();
  },

  "revocation: a waiter asks the holder to release": async ({ connect, root }) => {
    const [a, b] = [await connect(), await connect()];
    let ha: LockHandle | null = null;
    const ma = new Mutex(a, root, {
      onRevokeRequested: () => {
        ha?.release();
      },
    });
    ha = await ma.acquire();
    const mb = new Mutex(b, root);
    const pb = mb.acquire({ timeoutMs: 5000 });
    await until(async () => (await b.getChildren(root)).length === 2);
    const [holder] = await mb.contenders();
    assert.equal(holder.node, ha.node);
    assert.ok(await requestRevoke(b, holder.node));
    const hb = await pb;
    assert.ok(!ma.isHeld);
    await hb.release();
    assert.equal(await requestRevoke(b, holder.node), false, "gone");
  },
});
