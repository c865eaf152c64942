/**
 * Small reproductions of the differences between zkts and Apache ZooKeeper
 * 3.8 that the interop and differential suites found (fixed in the server
 * since, commit 5f282d9): each case runs the same op sequence through
 * `@zkts/client` against both servers and expects zkts's observations to
 * equal Apache's.
 */
import assert from "node:assert/strict";
import { CREATOR_ALL_ACL, KeeperError, type WatchedEvent, ZooKeeper } from "@zkts/client";
import { EventType, Perms } from "@zkts/jute";
import { interopTest } from "../support/oracle.ts";
import { TARGETS } from "../support/zkts.ts";
import type { ApacheServer } from "../support/apache.ts";
import { digestId } from "../differential/workload.ts";

type Case = (server: ApacheServer) => Promise<string[]>;

const ALICE = { perms: Perms.All, id: { scheme: "digest", id: digestId("alice", "secret") } };
const WORLD_READ = { perms: Perms.Read, id: { scheme: "world", id: "anyone" } };

async function code(p: Promise<unknown>): Promise<string> {
  try {
    return JSON.stringify(await p, (_, v) => typeof v === "bigint" ? String(v) : v) ?? "ok";
  } catch (e) {
    if (e instanceof KeeperError) return `err ${e.code}`;
    throw e;
  }
}

/** A session whose watch events (not state changes) are recorded. */
async function watching(
  server: ApacheServer,
): Promise<{ zk: ZooKeeper; events: string[]; rec: (e: WatchedEvent) => void }> {
  const events: string[] = [];
  const rec = (e: WatchedEvent) => {
    if (e.type !== EventType.None) events.push(`${e.type} ${e.path}`);
  };
  const zk = await ZooKeeper.connect(server.connectString, { watcher: rec });
  return { zk, events, rec };
}

const CASES: Record<string, Case> = {
  "whoAmI shows a digest identity as the user name only": async (s) => {
    const zk = await ZooKeeper.connect(s.connectString);
    try {
      zk.addAuth("digest", "alice:secret");
      return [await code(zk.whoAmI())];
    } finally {
      await zk.close();
    }
  },
  "getACL needs READ or ADMIN; READ alone masks digest ids": async (s) => {
    const alice = await ZooKeeper.connect(s.connectString);
    const anon = await ZooKeeper.connect(s.connectString);
    try {
      alice.addAuth("digest", "alice:secret");
      await alice.create("/secret", null, { acl: [ALICE] });
      await alice.create("/readable", null, { acl: [ALICE, WORLD_READ] });
      return [
        await code(anon.getACL("/secret").then((r) => r.acl)),
        await code(anon.getACL("/readable").then((r) => r.acl)),
      ];
    } finally {
      await alice.close();
      await anon.close();
    }
  },
  "an auth ACL lists the session's ids in Apache's order": async (s) => {
    const zk = await ZooKeeper.connect(s.connectString);
    try {
      zk.addAuth("digest", "alice:wrong");
      zk.addAuth("digest", "bob:pw");
      zk.addAuth("digest", "alice:secret");
      await zk.create("/creator", null, { acl: CREATOR_ALL_ACL });
      return [await code(zk.getACL("/creator").then((r) => r.acl)), await code(zk.whoAmI())];
    } finally {
      await zk.close();
    }
  },
  "a watch event goes only to sessions that may READ the node": async (s) => {
    const w = await watching(s);
    const alice = await ZooKeeper.connect(s.connectString);
    try {
      alice.addAuth("digest", "alice:secret");
      await w.zk.exists("/hidden", true);
      await alice.create("/hidden", null, { acl: [ALICE] });
      await w.zk.exists("/open", true);
      await alice.create("/open", null);
      await w.zk.sync("/");
      return w.events;
    } finally {
      await w.zk.close();
      await alice.close();
    }
  },
  "one watch mode per session and path: a one-shot watch ends a persistent one": async (s) => {
    const w = await watching(s);
    const other = await ZooKeeper.connect(s.connectString);
    const rec = w.rec;
    try {
      await other.create("/x", null);
      await w.zk.addWatch("/x", rec, "persistent");
      await w.zk.getData("/x", true);
      await other.setData("/x", null);
      await other.setData("/x", null); // Apache: no event, the watch was one-shot now
      await w.zk.sync("/");
      return [...w.events, await code(w.zk.removeWatches("/x", 3))];
    } finally {
      await w.zk.close();
      await other.close();
    }
  },
  "one watch mode per session and path: the last addWatch wins": async (s) => {
    const w = await watching(s);
    const other = await ZooKeeper.connect(s.connectString);
    const rec = w.rec;
    try {
      await w.zk.addWatch("/z", rec, "persistentRecursive");
      await w.zk.addWatch("/z", rec, "persistent");
      await other.create("/z", null);
      await other.create("/z/a", null);
      await other.create("/z/a/b", null); // Apache: nothing, /z's watch is not recursive now
      await w.zk.addWatch("/y", rec, "persistent");
      await w.zk.addWatch("/y", rec, "persistentRecursive");
      await other.create("/y", null);
      await other.create("/y/a", null); // Apache: no NodeChildrenChanged /y
      await w.zk.sync("/");
      return w.events;
    } finally {
      await w.zk.close();
      await other.close();
    }
  },
};

interopTest("regressions: zkts answers as Apache 3.8 does", async (t) => {
  const servers: ApacheServer[] = [];
  try {
    for (const target of TARGETS) servers.push(await target.start({ forceSync: false }));
    for (const [name, fn] of Object.entries(CASES)) {
      await t.step(name, async () => {
        const [a, z] = await Promise.all(servers.map((s) => fn(s)));
        assert.deepEqual(z, a);
      });
    }
  } finally {
    for (const s of servers) await s.stop();
  }
});
