import assert from "node:assert/strict";
import { EventType as Ev, OpCode, WatcherType as WT } from "@zkts/jute";
import { DataTree, WatcherMode, WatchManager } from "./mod.ts";

const OPEN = [{ perms: 31, id: { scheme: "world", id: "anyone" } }];
let zxid = 0n;
const hdr = (type: number) => ({ clientId: 1n, cxid: 0, zxid: ++zxid, time: 0n, type });
const create = (t: DataTree<string>, path: string) =>
  t.processTxn(hdr(OpCode.create), {
    path,
    data: null,
    acl: OPEN,
    ephemeral: false,
    parentCVersion: -1,
  });
const del = (t: DataTree<string>, path: string) => t.processTxn(hdr(OpCode.delete), { path });
const set = (t: DataTree<string>, path: string) =>
  t.processTxn(hdr(OpCode.setData), { path, data: null, version: 1 });
const events = (rc: { events: { watcher: string; type: number; path: string }[] }) =>
  rc.events.map((e) => `${e.watcher} ${e.type} ${e.path}`);

interface Case {
  name: string;
  setup: string[];
  watch: (t: DataTree<string>) => void;
  op: (t: DataTree<string>) => { events: { watcher: string; type: number; path: string }[] };
  fired: string[];
}

const cases: Case[] = [
  {
    name: "exists on a missing node fires NodeCreated",
    setup: [],
    watch: (t) => t.exists("/a", "w"),
    op: (t) => create(t, "/a"),
    fired: [`w ${Ev.NodeCreated} /a`],
  },
  {
    name: "a child watch on the parent fires NodeChildrenChanged on create",
    setup: ["/p"],
    watch: (t) => t.getChildren("/p", "w"),
    op: (t) => create(t, "/p/c"),
    fired: [`w ${Ev.NodeChildrenChanged} /p`],
  },
  {
    name: "a child watch on the root fires on '/' for a top-level create",
    setup: [],
    watch: (t) => t.getChildren("/", "w"),
    op: (t) => create(t, "/top"),
    fired: [`w ${Ev.NodeChildrenChanged} /`],
  },
  {
    name: "getData fires NodeDataChanged on setData",
    setup: ["/a"],
    watch: (t) => t.getData("/a", "w"),
    op: (t) => set(t, "/a"),
    fired: [`w ${Ev.NodeDataChanged} /a`],
  },
  {
    name: "a data and a child watch of one watcher fire one NodeDeleted",
    setup: ["/a"],
    watch: (t) => {
      t.getData("/a", "w");
      t.getChildren("/a", "w");
    },
    op: (t) => del(t, "/a"),
    fired: [`w ${Ev.NodeDeleted} /a`],
  },
  {
    name: "delete fires NodeDeleted on the node and NodeChildrenChanged on the parent",
    setup: ["/p", "/p/c"],
    watch: (t) => {
      t.getChildren("/p/c", "c");
      t.getChildren("/p", "p");
      t.exists("/p/c", "d");
    },
    op: (t) => del(t, "/p/c"),
    fired: [
      `d ${Ev.NodeDeleted} /p/c`,
      `c ${Ev.NodeDeleted} /p/c`,
      `p ${Ev.NodeChildrenChanged} /p`,
    ],
  },
  {
    name: "setACL fires nothing",
    setup: ["/a"],
    watch: (t) => t.getData("/a", "w"),
    op: (t) => t.processTxn(hdr(OpCode.setACL), { path: "/a", acl: OPEN, version: 1 }),
    fired: [],
  },
  {
    name: "a persistent watch fires data and child events of its path only",
    setup: ["/a"],
    watch: (t) => t.addWatch("/a", "w", 0),
    op: (t) => {
      const rc = create(t, "/a/b");
      rc.events.push(...create(t, "/a/b/c").events, ...set(t, "/a").events);
      return rc;
    },
    fired: [`w ${Ev.NodeChildrenChanged} /a`, `w ${Ev.NodeDataChanged} /a`],
  },
  {
    name: "a recursive watch fires for descendants, without child events",
    setup: ["/a"],
    watch: (t) => t.addWatch("/a", "w", 1),
    op: (t) => {
      const rc = create(t, "/a/b");
      rc.events.push(
        ...create(t, "/a/b/c").events,
        ...set(t, "/a/b/c").events,
        ...del(t, "/a/b/c").events,
      );
      return rc;
    },
    fired: [
      `w ${Ev.NodeCreated} /a/b`,
      `w ${Ev.NodeCreated} /a/b/c`,
      `w ${Ev.NodeDataChanged} /a/b/c`,
      `w ${Ev.NodeDeleted} /a/b/c`,
    ],
  },
  {
    name: "a recursive watch on '/' sees everything",
    setup: [],
    watch: (t) => t.addWatch("/", "w", 1),
    op: (t) => create(t, "/x"),
    fired: [`w ${Ev.NodeCreated} /x`],
  },
];

for (const c of cases) {
  Deno.test(`watches: ${c.name}`, () => {
    const t = new DataTree<string>();
    for (const p of c.setup) create(t, p);
    c.watch(t);
    assert.deepEqual(events(c.op(t)), c.fired);
  });
}

Deno.test("watches: standard watches are one-shot, persistent ones stay", () => {
  const t = new DataTree<string>();
  create(t, "/a");
  t.getData("/a", "once");
  t.addWatch("/a", "always", 0);
  assert.deepEqual(events(set(t, "/a")), [
    `once ${Ev.NodeDataChanged} /a`,
    `always ${Ev.NodeDataChanged} /a`,
  ]);
  assert.deepEqual(events(set(t, "/a")), [`always ${Ev.NodeDataChanged} /a`]);
  assert.equal(t.containsWatcher("/a", WT.Data, "once"), false);
});

Deno.test("watches: events carry the txn's zxid and the node's ACL", () => {
  const t = new DataTree<string>();
  create(t, "/a");
  t.getData("/a", "w");
  const rc = set(t, "/a");
  assert.equal(rc.events[0].zxid, zxid);
  assert.equal(rc.events[0].state, 3);
  assert.deepEqual(rc.events[0].acl, OPEN);
});

Deno.test("checkWatches / removeWatches by watcher type", () => {
  const cases: { name: string; add: (t: DataTree<string>) => void; type: number; has: boolean }[] =
    [
      { name: "data watch is Data", add: (t) => t.getData("/a", "w"), type: WT.Data, has: true },
      {
        name: "data watch is not Children",
        add: (t) => t.getData("/a", "w"),
        type: WT.Children,
        has: false,
      },
      { name: "exists watch is Data", add: (t) => t.exists("/a", "w"), type: WT.Data, has: true },
      {
        name: "child watch is Children",
        add: (t) => t.getChildren("/a", "w"),
        type: WT.Children,
        has: true,
      },
      { name: "child watch is Any", add: (t) => t.getChildren("/a", "w"), type: WT.Any, has: true },
      {
        name: "persistent is Persistent",
        add: (t) => t.addWatch("/a", "w", 0),
        type: WT.Persistent,
        has: true,
      },
      {
        name: "persistent is not Data",
        add: (t) => t.addWatch("/a", "w", 0),
        type: WT.Data,
        has: false,
      },
      {
        name: "recursive is PersistentRecursive",
        add: (t) => t.addWatch("/a", "w", 1),
        type: WT.PersistentRecursive,
        has: true,
      },
      { name: "recursive is Any", add: (t) => t.addWatch("/a", "w", 1), type: WT.Any, has: true },
      { name: "nothing is nothing", add: () => {}, type: WT.Any, has: false },
    ];
  for (const c of cases) {
    const t = new DataTree<string>();
    create(t, "/a");
    c.add(t);
    assert.equal(t.containsWatcher("/a", c.type, "w"), c.has, `check: ${c.name}`);
    assert.equal(t.containsWatcher("/a", c.type, "other"), false, `check other watcher: ${c.name}`);
    assert.equal(t.removeWatch("/a", c.type, "w"), c.has, `remove: ${c.name}`);
    assert.equal(t.removeWatch("/a", c.type, "w"), false, `remove twice (NoWatcher): ${c.name}`);
  }
});

Deno.test("removeWatcher drops every watch of a closed connection", () => {
  const t = new DataTree<string>();
  create(t, "/a");
  t.getData("/a", "w");
  t.getChildren("/a", "w");
  t.addWatch("/", "w", 1);
  assert.equal(t.watchCount, 3);
  t.removeWatcher("w");
  assert.equal(t.watchCount, 0);
  assert.deepEqual(events(set(t, "/a")), []);
});

Deno.test("setWatches fires what the client missed since its zxid and sets the rest", () => {
  const t = new DataTree<string>();
  create(t, "/same");
  create(t, "/changed");
  create(t, "/kids");
  const rel = zxid;
  set(t, "/changed");
  create(t, "/kids/k");
  create(t, "/born");
  const missed = t.setWatches(rel, {
    dataWatches: ["/same", "/changed", "/gone"],
    existWatches: ["/born", "/unborn"],
    childWatches: ["/kids", "/same", "/gone2"],
    persistentWatches: ["/p"],
    persistentRecursiveWatches: ["/r"],
  }, "w");
  assert.deepEqual(missed.map((e) => `${e.type} ${e.path} ${e.zxid}`), [
    `${Ev.NodeDataChanged} /changed -1`,
    `${Ev.NodeDeleted} /gone -1`,
    `${Ev.NodeCreated} /born -1`,
    `${Ev.NodeChildrenChanged} /kids -1`,
    `${Ev.NodeDeleted} /gone2 -1`,
  ]);
  assert.ok(t.containsWatcher("/same", WT.Data, "w"));
  assert.ok(t.containsWatcher("/unborn", WT.Data, "w"));
  assert.ok(t.containsWatcher("/same", WT.Children, "w"));
  assert.ok(t.containsWatcher("/p", WT.Persistent, "w"));
  assert.ok(t.containsWatcher("/r", WT.PersistentRecursive, "w"));
  assert.equal(t.containsWatcher("/changed", WT.Data, "w"), false);
});

Deno.test("WatchManager: modes add up per path and come off one by one", () => {
  const m = new WatchManager<number>();
  assert.equal(m.addWatch("/a", 1, WatcherMode.Standard), true);
  assert.equal(m.addWatch("/a", 1, WatcherMode.Standard), false);
  assert.equal(m.addWatch("/a", 1, WatcherMode.Persistent), true);
  assert.deepEqual([...m.triggerWatch("/a")!], [1]);
  assert.equal(m.containsWatcher("/a", 1, WatcherMode.Standard), false);
  assert.equal(m.containsWatcher("/a", 1, WatcherMode.Persistent), true);
  assert.equal(m.removeWatch("/a", 1, WatcherMode.Persistent), true);
  assert.equal(m.size, 0);
  m.addWatch("/a", 1, WatcherMode.PersistentRecursive);
  assert.deepEqual([...m.triggerWatch("/a/b/c")!], [1]);
  assert.equal(m.triggerWatch("/b"), null);
  assert.deepEqual([...m.triggerWatch("/a", new Set([1])) ?? []], []);
});

Deno.test("apacheVersion 3.8: one mode per watch, recursive watches at their own path, lax checkWatches", () => {
  const t = new DataTree<string>({ apacheVersion: "3.8" });
  create(t, "/a");
  // A standard watch replaces a persistent one (WatcherModeManager).
  t.addWatch("/a", "w", 0);
  t.getData("/a", "w");
  assert.deepEqual(events(set(t, "/a")), [`w ${Ev.NodeDataChanged} /a`]);
  assert.deepEqual(
    events(set(t, "/a")),
    [],
    "the persistent data watch went with the standard one",
  );
  // A recursive watch is in the child watches too, and skips NodeChildrenChanged
  // (w's persistent child watch is still there).
  t.addWatch("/a", "r", 1);
  assert.deepEqual(events(create(t, "/a/b")), [
    `r ${Ev.NodeCreated} /a/b`,
    `w ${Ev.NodeChildrenChanged} /a`,
  ]);
  assert.deepEqual(events(del(t, "/a/b")), [
    `r ${Ev.NodeDeleted} /a/b`,
    `w ${Ev.NodeChildrenChanged} /a`,
  ]);
  assert.deepEqual(events(set(t, "/a")), [`r ${Ev.NodeDataChanged} /a`]);
  // checkWatches Data/Children/Any answers whether anyone watches the path.
  assert.equal(t.containsWatcher("/a", WT.Data, "nobody"), true);
  assert.equal(t.containsWatcher("/a", WT.Children, "nobody"), true);
  assert.equal(t.removeWatch("/a", WT.Data, "nobody"), false);
  assert.throws(() => t.containsWatcher("/a", WT.Persistent, "r"), { code: -5 });
  assert.throws(() => t.removeWatch("/a", WT.PersistentRecursive, "r"), { code: -5 });
  assert.equal(t.removeWatch("/a", WT.Any, "r"), true);
  assert.equal(t.containsWatcher("/a", WT.Any, "r"), true, "w still watches /a");
  assert.equal(t.removeWatch("/a", WT.Any, "w"), true);
  assert.equal(t.containsWatcher("/a", WT.Any, "r"), false);
});
