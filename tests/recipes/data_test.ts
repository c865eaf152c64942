/**
 * Recipes that carry values, against Apache ZooKeeper 3.8 and zkts:
 * counters, group membership and service discovery, configuration push +
 * pull, node/children/tree caches (persistent and one-shot watches, across
 * a reconnect), two-phase commit, and the seeds' naming service and log
 * collector rebalance.
 */
import assert from "node:assert/strict";
import { CreateMode } from "@zkts/jute";
import {
  AtomicLong,
  type CacheEvent,
  ChildrenCache,
  ConfigWatcher,
  Coordinator,
  GroupMember,
  json,
  NodeCache,
  Participant,
  raw,
  ServiceDiscovery,
  SharedCounter,
  TreeCache,
  utf8,
} from "../../packages/recipes/mod.ts";
import { recipeSuite, settle, until } from "./_helpers.ts";

const enc = (s: string) => new TextEncoder().encode(s);

recipeSuite("values", {
  "atomic long and shared counter: 4 sessions × 10 increments, none lost": async (
    { connect, root },
  ) => {
    const zks = await Promise.all([0, 1, 2, 3].map(() => connect()));
    await Promise.all(zks.map(async (zk) => {
      const n = new AtomicLong(zk, `${root}/long`);
      const c = new SharedCounter(zk, `${root}/count`);
      for (let i = 0; i < 10; i++) {
        await n.increment();
        await c.add(1);
      }
    }));
    const n = new AtomicLong(zks[0], `${root}/long`);
    assert.equal(await n.get(), 40n);
    assert.deepEqual(await n.compareAndSet(1n, 5n), {
      succeeded: false,
      preValue: 40n,
      postValue: 40n,
    });
    assert.equal((await n.compareAndSet(40n, 100n)).succeeded, true);
    assert.equal((await n.decrement()).postValue, 99n);
    assert.equal((await zks[0].getData(`${root}/long`)).data?.length, 8, "8 bytes, as Curator");
    const c = new SharedCounter(zks[1], `${root}/count`);
    const { value, version } = await c.getVersioned();
    assert.equal(value, 40);
    assert.equal(await c.trySet(41, version), true);
    assert.equal(await c.trySet(42, version), false, "stale version");
    assert.equal(await c.get(), 41);
  },

  "group membership: join, leave and crash are seen by every member": async (
    { connect, root },
  ) => {
    const zks = await Promise.all([0, 1, 2].map(() => connect()));
    const members = zks.map((zk, i) => new GroupMember(zk, root, `m${i}`, { load: i }));
    for (const m of members) await m.start({ timeoutMs: 3000 });
    for (const m of members) {
      await m.waitFor((all) => all.size === 3, { timeoutMs: 3000 });
    }
    assert.deepEqual(members[0].members().get("m2"), { load: 2 });
    await members[1].setPayload({ load: 7 });
    await members[2].waitFor((all) => all.get("m1")?.load === 7, { timeoutMs: 3000 });
    await members[1].close(); // leaves
    await zks[2].close(); // crashes
    await members[0].waitFor((all) => [...all.keys()].join() === "m0", { timeoutMs: 3000 });
  },

  "service discovery: two providers, a consumer sees a dead one go": async (
    { connect, root },
  ) => {
    type Addr = { host: string; port: number };
    const [p1, p2, c] = [await connect(), await connect(), await connect()];
    await new ServiceDiscovery<Addr>(p1, root).register({
      name: "service1",
      id: "a",
      payload: { host: "10.0.0.1", port: 80 },
    });
    await new ServiceDiscovery<Addr>(p2, root).register({
      name: "service1",
      id: "b",
      payload: { host: "10.0.0.2", port: 80 },
    });
    const sd = new ServiceDiscovery<Addr>(c, root);
    assert.deepEqual(await sd.names(), ["service1"]);
    assert.deepEqual((await sd.instances("service1")).map((i) => i.payload.host), [
      "10.0.0.1",
      "10.0.0.2",
    ]);
    const live = sd.cache("service1");
    await live.start();
    await p1.close();
    await live.waitFor((cc) => cc.children().join() === "b", { timeoutMs: 3000 });
    await live.close();
  },

  "configuration: 3 watchers get every new value (push + pull), re-armed": async (
    { connect, root },
  ) => {
    const zks = await Promise.all([0, 1, 2, 3].map(() => connect()));
    const path = `${root}/config`;
    const admin = new ConfigWatcher<{ db: string }>(zks[0], path);
    await admin.publish({ db: "mysql://a" });
    const watchers = zks.slice(1).map((zk) => new ConfigWatcher<{ db: string }>(zk, path));
    for (const w of watchers) await w.start();
    assert.deepEqual(watchers.map((w) => w.value?.db), ["mysql://a", "mysql://a", "mysql://a"]);
    for (const db of ["mysql://b", "mysql://c"]) {
      await admin.publish({ db });
      for (const w of watchers) await w.waitFor((v) => v?.db === db, { timeoutMs: 3000 });
    }
    const seen: (string | undefined)[] = [];
    watchers[0].onChange((v) => seen.push(v?.db));
    await zks[0].setData(path, new Uint8Array()); // msgpack: empty data is null
    await until(() => seen.length === 1, 3000, "a change");
    await zks[0].delete(path);
    await until(() => seen.length === 2, 3000, "a deletion");
    assert.deepEqual(seen, [undefined, undefined]);
    for (const w of watchers) await w.close();
  },

  "tree cache: events for a subtree; a reconnect catches up on changes made meanwhile": async (
    { connect, root },
  ) => {
    const [a, b] = [await connect(), await connect()];
    await a.mkdirp(`${root}/x/y`, enc("y0"));
    const cache = new TreeCache<string>(b, root, { serializer: utf8() });
    const events: string[] = [];
    cache.on((ev: CacheEvent<string>) =>
      events.push(ev.type === "initialized" ? "init" : `${ev.type} ${ev.path.slice(root.length)}`)
    );
    await cache.start({ timeoutMs: 3000 });
    assert.equal(cache.watchMode, "persistent");
    assert.deepEqual(events, ["added ", "added /x", "added /x/y", "init"]);
    events.length = 0;
    // (A cache coalesces changes faster than its reads: wait for each one.)
    await a.create(`${root}/x/z`, enc("z0"));
    await until(() => events.length === 1, 3000, "1 event");
    await a.setData(`${root}/x/y`, enc("y1"));
    await until(() => events.length === 2, 3000, "2 events");
    await a.delete(`${root}/x/z`);
    await until(() => events.length === 3, 3000, "3 events");
    assert.deepEqual(events, ["added /x/z", "updated /x/y", "removed /x/z"]);
    assert.equal(cache.get(`${root}/x/y`)?.value, "y1");
    // Changes while the cache's session is away show up after the reconnect.
    events.length = 0;
    b.dropConnection();
    await a.create(`${root}/w`, enc("w0"));
    await a.setData(`${root}/x/y`, enc("y2"));
    await until(() => cache.get(`${root}/w`) !== undefined, 5000, "w cached");
    await until(() => cache.get(`${root}/x/y`)?.value === "y2", 5000, "y2 cached");
    assert.deepEqual(cache.children(), ["w", "x"]);
    await cache.close();
  },

  "caches with one-shot watches: node cache and children cache stay current": async (
    { connect, root },
  ) => {
    const [a, b] = [await connect(), await connect()];
    const node = new NodeCache(b, `${root}/n`, { serializer: raw(), watchMode: "oneShot" });
    await node.start();
    assert.equal(node.current, undefined);
    await a.mkdirp(`${root}/n`, enc("1"));
    await node.waitFor((c) => c.current !== undefined, { timeoutMs: 3000 });
    await a.setData(`${root}/n`, enc("2"));
    await node.waitFor((c) => c.current?.data[0] === 50, { timeoutMs: 3000 });
    const kids = new ChildrenCache<number>(b, `${root}/n`, {
      serializer: json(),
      watchMode: "oneShot",
    });
    const kidEvents: string[] = [];
    kids.on((ev) => kidEvents.push(ev.type === "initialized" ? "init" : `${ev.type} ${ev.path}`));
    await kids.start();
    assert.deepEqual(kidEvents, ["init"], "no event for the parent itself");
    await a.create(`${root}/n/k1`, enc("1"));
    await a.create(`${root}/n/k2`, enc("2"));
    await kids.waitFor((c) => c.children().length === 2, { timeoutMs: 3000 });
    await a.setData(`${root}/n/k1`, enc("10"));
    await kids.waitFor((c) => c.values().get("k1") === 10, { timeoutMs: 3000 });
    await a.delete(`${root}/n/k2`);
    await kids.waitFor((c) => c.children().join() === "k1", { timeoutMs: 3000 });
    assert.ok(
      kidEvents.every((e) =>
        e === "init" || e.startsWith(`added ${root}/n/`) ||
        e.startsWith(`updated ${root}/n/`) || e.startsWith(`removed ${root}/n/`)
      ),
      kidEvents.join(),
    );
    await a.deleteAll(`${root}/n`);
    await node.waitFor((c) => c.current === undefined, { timeoutMs: 3000 });
    await node.close();
    await kids.close();
  },

  "tree cache with one-shot watches catches up after a reconnect too": async (
    { connect, root },
  ) => {
    const [a, b] = [await connect(), await connect()];
    await a.mkdirp(`${root}/p`, enc("0"));
    const cache = new TreeCache<string>(b, root, { serializer: utf8(), watchMode: "oneShot" });
    await cache.start({ timeoutMs: 3000 });
    assert.equal(cache.watchMode, "oneShot");
    b.dropConnection();
    await a.setData(`${root}/p`, enc("1"));
    await a.create(`${root}/p/q`, enc("q"));
    await a.create(`${root}/r`, enc("r"));
    await cache.waitFor(
      (c) =>
        c.get(`${root}/p`)?.value === "1" && c.get(`${root}/p/q`)?.value === "q" &&
        c.get(`${root}/r`)?.value === "r",
      { timeoutMs: 5000 },
    );
    await a.deleteAll(`${root}/p`);
    await cache.waitFor((c) => c.children().join() === "r", { timeoutMs: 3000 });
    await cache.close();
  },

  "two-phase commit: all commit → commit; one abort → abort early": async (
    { connect, root },
  ) => {
    const zks = await Promise.all([0, 1, 2, 3].map(() => connect()));
    const sites = ["s_1", "s_2", "s_3"];
    const run = async (tx: string, votes: ("commit" | "abort" | null)[]) => {
      const coord = await Coordinator.propose(zks[0], tx, sites, { op: "transfer", amount: 10 });
      const parts = sites.map((s, i) => new Participant<{ op: string }>(zks[i + 1], tx, s));
      assert.deepEqual(await parts[0].payload(), { op: "transfer", amount: 10 });
      const outcomes = parts.map((p) => p.outcome({ timeoutMs: 5000 }));
      const decision = coord.decide({ timeoutMs: 5000 });
      for (let i = 0; i < sites.length; i++) {
        const v = votes[i];
        if (v) await parts[i].vote(v);
      }
      return { decision: await decision, outcomes: await Promise.all(outcomes) };
    };
    assert.deepEqual(await run(`${root}/Tx1`, ["commit", "commit", "commit"]), {
      decision: "commit",
      outcomes: ["commit", "commit", "commit"],
    });
    // s_2 aborts and s_3 never votes: everybody decides abort without waiting for s_3.
    const t0 = Date.now();
    assert.deepEqual(await run(`${root}/Tx2`, ["commit", "abort", null]), {
      decision: "abort",
      outcomes: ["abort", "abort", "abort"],
    });
    assert.ok(Date.now() - t0 < 3000, "early abort");
    await assert.rejects(new Participant(zks[1], `${root}/Tx2`, "s_1").vote("abort"), {
      codeName: "BadVersion",
    });
  },

  "naming service: concurrent sequential names are unique and increasing": async (
    { connect, root },
  ) => {
    const zks = await Promise.all([0, 1, 2].map(() => connect()));
    await zks[0].mkdirp(root);
    const names = (await Promise.all(zks.map(async (zk) => {
      const out: string[] = [];
      for (let i = 0; i < 10; i++) {
        out.push(await zk.create(`${root}/id-`, null, { mode: CreateMode.PersistentSequential }));
      }
      return out;
    }))).flat();
    assert.equal(new Set(names).size, 30);
    for (const list of [names.slice(0, 10), names.slice(10, 20)]) {
      assert.deepEqual(list, [...list].sort(), "each client's names increase");
    }
  },

  "log collectors: a dead collector's sources are reassigned": async (
    { connect, root },
  ) => {
    const zks = await Promise.all([0, 1, 2].map(() => connect()));
    const sources = ["s1", "s2", "s3", "s4", "s5", "s6"];
    const assign = (collectors: string[]) =>
      Object.fromEntries(
        [...collectors].sort().map((
          c,
          i,
        ) => [c, sources.filter((_, j) => j % collectors.length === i)]),
      );
    const collectors = zks.map((zk, i) => new GroupMember(zk, root, `c${i}`, { bytes: 0 }));
    for (const c of collectors) await c.start();
    await collectors[0].waitFor((m) => m.size === 3, { timeoutMs: 3000 });
    assert.deepEqual(assign([...collectors[0].members().keys()]).c1, ["s2", "s5"]);
    await zks[1].close(); // collector c1 dies
    await collectors[0].waitFor((m) => m.size === 2, { timeoutMs: 3000 });
    const after = assign([...collectors[0].members().keys()]);
    assert.deepEqual(after, { c0: ["s1", "s3", "s5"], c2: ["s2", "s4", "s6"] });
    await settle(10);
  },
});
