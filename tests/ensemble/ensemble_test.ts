/**
 * zkts ensembles (zoo.cfg with server.N lines): election, ZAB and the
 * request pipeline as leader and followers, on real processes and sockets.
 * The same kazoo sections run against an Apache ZooKeeper 3.8 ensemble and a
 * zkts one and must observe the same.
 */
import assert from "node:assert/strict";
import { KeeperError, ZooKeeper } from "@zkts/client";
import { CreateMode, ErrorCode } from "@zkts/jute";
import { type ApacheEnsemble, fourLetter, startApacheEnsemble } from "../support/apache.ts";
import { interopTest } from "../support/oracle.ts";
import { startMixedEnsemble, startZktsEnsemble } from "../support/zkts.ts";

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array | null) => new TextDecoder().decode(b ?? new Uint8Array(0));

/** Retries through ConnectionLoss (an election may be under way), bounded. */
async function retry<T>(op: () => Promise<T>, ms = 20000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return await op();
    } catch (e) {
      const transient = e instanceof KeeperError &&
        (e.code === ErrorCode.ConnectionLoss || e.code === ErrorCode.SessionMoved);
      if (!transient || Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/**
 * The leader elected once member `gone` is down. Right after a kill the
 * others may still report Mode: follower for a moment, so poll.
 */
async function leaderOtherThan(ens: ApacheEnsemble, gone: number, ms = 30000): Promise<number> {
  const deadline = Date.now() + ms;
  for (;;) {
    const l = await ens.leader();
    if (l !== null && l !== gone) return l;
    if (Date.now() > deadline) throw new Error(`no leader other than ${gone} in ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** What member `id` holds under `path`: children with data and version, after sync. */
async function view(ens: ApacheEnsemble, id: number, path: string): Promise<string[]> {
  const zk = await ZooKeeper.connect(ens.connectStringOf(id), { sessionTimeoutMs: 10000 });
  try {
    await zk.sync(path);
    const out: string[] = [];
    for (const k of (await zk.getChildren(path)).sort()) {
      const { data, stat } = await zk.getData(`${path}/${k}`);
      out.push(`${k}=${dec(data)}@${stat.version}/${stat.mzxid.toString(16)}`);
    }
    return out;
  } finally {
    await zk.close();
  }
}

Deno.test({
  name: "ensemble: 3 zkts servers elect one leader and serve one tree through every member",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await using ens = await startZktsEnsemble(3, { forceSync: false, tickTime: 500 });
    const modes = await Promise.all(ens.members.map((m) => ens.mode(m.id)));
    assert.deepEqual(modes.toSorted(), ["follower", "follower", "leader"]);
    const leader = await leaderOtherThan(ens, -1);
    // The leader's mntr keys and conf's quorum lines, as Apache prints them.
    const port = ens.members[leader - 1].clientPort;
    const deadline = Date.now() + 10000;
    let mntr = "";
    while (!/zk_synced_followers\t2/.test(mntr) && Date.now() < deadline) {
      mntr = await fourLetter(ens.host, port, "mntr");
    }
    assert.match(mntr, /zk_server_state\tleader/);
    assert.match(mntr, /zk_synced_followers\t2/);
    const conf = await fourLetter(ens.host, port, "conf");
    assert.match(conf, new RegExp(`serverId=${leader}\n`));
    assert.match(conf, /membership: \nserver\.1=.*:participant\nserver\.2=/);
    // QuorumZooKeeperServer.dumpConf prints the membership without a final newline.
    assert.match(conf, /\nversion=[0-9a-f]+$/);
    const followers = ens.members.map((m) => m.id).filter((id) => id !== leader);
    // A client on one follower writes; a client on the other sees it after sync.
    const a = await ZooKeeper.connect(ens.connectStringOf(followers[0]), {
      sessionTimeoutMs: 10000,
    });
    const b = await ZooKeeper.connect(ens.connectStringOf(followers[1]), {
      sessionTimeoutMs: 10000,
    });
    try {
      const fired: string[] = [];
      assert.equal(await b.exists("/app", (e) => fired.push(`${e.type} ${e.path}`)), null);
      assert.equal(await a.create("/app", enc("v1")), "/app");
      await a.create("/app/s-", null, { mode: CreateMode.PersistentSequential });
      await a.create("/app/e", null, { mode: CreateMode.Ephemeral });
      await b.sync("/app");
      assert.equal(dec((await b.getData("/app")).data), "v1");
      assert.deepEqual((await b.getChildren("/app")).sort(), ["e", "s-0000000000"]);
      assert.deepEqual(fired, ["1 /app"], "the watch set on a follower fires there");
      // Errors come back from the leader's prep to the follower's client.
      await assert.rejects(
        a.create("/app", null),
        (e) => e instanceof KeeperError && e.code === ErrorCode.NodeExists,
      );
      await assert.rejects(
        b.setData("/app", enc("x"), 7),
        (e) => e instanceof KeeperError && e.code === ErrorCode.BadVersion,
      );
      // A multi through a follower, applied atomically everywhere.
      await b.transaction().create("/app/m", enc("m")).setData("/app", enc("v2"), 0).commit();
      // The ephemeral goes when its session closes, on every member.
      await a.close();
      await b.sync("/app");
      assert.deepEqual((await b.getChildren("/app")).sort(), ["m", "s-0000000000"]);
    } finally {
      await a.close();
      await b.close();
    }
    const views = await Promise.all(ens.members.map((m) => view(ens, m.id, "/app")));
    assert.deepEqual(views[1], views[0]);
    assert.deepEqual(views[2], views[0]);
  },
});

Deno.test({
  name:
    "ensemble: the leader dies; a new one is elected, nothing acknowledged is lost, the old one rejoins and catches up",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    // snapCount 20: logs roll and snapshots are taken every 10-20 txns on every member.
    await using ens = await startZktsEnsemble(3, {
      forceSync: true,
      tickTime: 500,
      extra: { snapCount: 20 },
    });
    const zk = await ZooKeeper.connect(ens.connectString, { sessionTimeoutMs: 20000 });
    try {
      await zk.create("/d", null);
      const acked: string[] = [];
      for (let i = 0; i < 50; i++) acked.push(await zk.create(`/d/n${i}`, enc(`${i}`)));
      const old = await leaderOtherThan(ens, -1);
      await ens.kill(old);
      const now = await leaderOtherThan(ens, old);
      assert.notEqual(now, old);
      // the seeds: zxid = epoch << 32 | counter; the new leader's epoch is one
      // more and its counter starts again from 1.
      const before = (await zk.exists("/d/n49"))!.czxid;
      await retry(() => zk.create("/d/first-of-epoch", null));
      const after = (await zk.exists("/d/first-of-epoch"))!.czxid;
      assert.equal(after >> 32n, (before >> 32n) + 1n);
      assert.ok((after & 0xffffffffn) < 5n, `counter restarts: 0x${after.toString(16)}`);
      await zk.delete("/d/first-of-epoch");
      // Writes go on with two of three.
      for (let i = 50; i < 80; i++) {
        acked.push(await retry(() => zk.create(`/d/n${i}`, enc(`${i}`))));
      }
      const survivors = ens.members.map((m) => m.id).filter((id) => id !== old);
      for (const id of survivors) {
        const v = await view(ens, id, "/d");
        assert.equal(v.length, 80, `member ${id} holds every acknowledged write`);
      }
      // The old leader comes back as a follower and catches up (DIFF or SNAP).
      await ens.restart(old);
      assert.equal(await ens.mode(old), "follower");
      const views = await Promise.all(ens.members.map((m) => view(ens, m.id, "/d")));
      assert.equal(views[0].length, 80);
      assert.deepEqual(views[1], views[0]);
      assert.deepEqual(views[2], views[0]);
      for (const m of ens.members) {
        const files = [...Deno.readDirSync(`${m.dataDir}/version-2`)].map((e) => e.name);
        assert.ok(files.filter((f) => f.startsWith("log.")).length > 2, `member ${m.id}: ${files}`);
        assert.ok(
          files.filter((f) => f.startsWith("snapshot.")).length > 2,
          `member ${m.id}: ${files}`,
        );
      }
    } finally {
      await zk.close();
    }
  },
});

Deno.test({
  name: "ensemble: a lone member of three does not serve; with a second one a quorum forms",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await using ens = await startZktsEnsemble(3, { forceSync: false, tickTime: 500 });
    const leader = await leaderOtherThan(ens, -1);
    const [f1, f2] = ens.members.map((m) => m.id).filter((id) => id !== leader);
    await ens.stopMember(f1);
    await ens.stopMember(f2);
    // Without a quorum the leader gives up and stays LOOKING: no client is served.
    const deadline = Date.now() + 15000;
    while (await ens.mode(leader) !== null && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(await ens.mode(leader), null, "a lone member stays LOOKING");
    await ens.restart(f1);
    assert.ok(await leaderOtherThan(ens, -1) > 0);
  },
});

const SUITE = new URL("../interop/kazoo/suite.py", import.meta.url).pathname;
/** The kazoo sections that run on an ensemble (`expiry` needs one server's address). */
const SECTIONS = ["ops", "acl", "multi", "watches", "recipes", "acl_null_id"];

async function kazoo(
  connect: string,
  section: string,
): Promise<{ code: number; out: string; log: string }> {
  const o = await new Deno.Command("/usr/bin/python3", {
    args: [SUITE, connect, section],
    stdout: "piped",
    stderr: "piped",
    env: { PYTHONDONTWRITEBYTECODE: "1" },
  }).output();
  const stdout = new TextDecoder().decode(o.stdout);
  return {
    code: o.code,
    out: stdout.trim().split("\n").pop() ?? "",
    log: `${stdout}\n${new TextDecoder().decode(o.stderr).slice(-3000)}`,
  };
}

interopTest(
  "kazoo against an Apache ensemble and a zkts ensemble: same observations",
  async (t) => {
    const opts = { forceSync: false, extendedTypesEnabled: true, tickTime: 1000 };
    await using apache = await startApacheEnsemble(3, opts);
    await using zkts = await startZktsEnsemble(3, opts);
    for (const section of SECTIONS) {
      await t.step(section, async () => {
        const a = await kazoo(apache.connectString, section);
        const z = await kazoo(zkts.connectString, section);
        assert.equal(a.code, 0, `Apache ensemble, ${section}:\n${a.log}`);
        assert.equal(z.code, 0, `zkts ensemble, ${section}:\n${z.log}`);
        assert.deepEqual(JSON.parse(z.out), JSON.parse(a.out), `kazoo ${section}: zkts vs Apache`);
      });
    }
    // Session expiry is the leader's job, for clients of followers too.
    await t.step("expiry, client on a follower", async () => {
      const follower = async (e: ApacheEnsemble) => {
        for (const m of e.members) if (await e.mode(m.id) === "follower") return m.id;
        throw new Error("no follower");
      };
      const a = await kazoo(apache.connectStringOf(await follower(apache)), "expiry");
      const z = await kazoo(zkts.connectStringOf(await follower(zkts)), "expiry");
      assert.equal(a.code, 0, `Apache ensemble:\n${a.log}`);
      assert.equal(z.code, 0, `zkts ensemble:\n${z.log}`);
      assert.deepEqual(JSON.parse(z.out), JSON.parse(a.out));
    });
  },
);

interopTest(
  "mixed ensemble: two Apache members and one zkts member, each leading in turn, one history",
  async () => {
    await using ens = await startMixedEnsemble(3, [3], { forceSync: false, tickTime: 500 });
    const write = async (id: number, name: string) => {
      const zk = await ZooKeeper.connect(ens.connectStringOf(id), { sessionTimeoutMs: 10000 });
      try {
        await retry(async () => {
          if (!await zk.exists("/mix")) await zk.create("/mix", null).catch(() => {});
        });
        await retry(() => zk.create(`/mix/${name}`, enc(`via ${id}`)));
        await retry(() => zk.setData(`/mix/${name}`, enc(`via ${id}, set`)));
      } finally {
        await zk.close();
      }
    };
    const same = async (expect: number) => {
      const views = [];
      for (const m of ens.members) if (m.running) views.push(await view(ens, m.id, "/mix"));
      assert.equal(views[0].length, expect);
      for (const v of views) assert.deepEqual(v, views[0]);
    };
    for (const m of ens.members) await write(m.id, `a${m.id}`);
    await same(3);
    const first = await leaderOtherThan(ens, -1);
    // The leader goes; the other two (one of them zkts unless zkts led) elect anew.
    await ens.kill(first);
    const second = await leaderOtherThan(ens, first);
    for (const m of ens.members) if (m.id !== first) await write(m.id, `b${m.id}`);
    await ens.restart(first);
    await same(5);
    // Once more, so that zkts has led and followed an Apache leader in one run.
    await ens.kill(second);
    const third = await leaderOtherThan(ens, second);
    for (const m of ens.members) if (m.id !== second) await write(m.id, `c${m.id}`);
    await ens.restart(second);
    await same(7);
    const leaders = [first, second, third];
    assert.ok(leaders.includes(3), `zkts (member 3) led at some point: ${leaders}`);
    assert.ok(leaders.some((l) => l !== 3), `an Apache member led at some point: ${leaders}`);
  },
);

Deno.test({
  name: "ensemble: an observer serves reads and forwards writes, and does not vote",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await using ens = await startZktsEnsemble(4, {
      forceSync: false,
      tickTime: 500,
      observers: [4],
    });
    assert.equal(await ens.mode(4), "observer");
    const obs = await ZooKeeper.connect(ens.connectStringOf(4), { sessionTimeoutMs: 10000 });
    const other = await ZooKeeper.connect(ens.connectStringOf(1), { sessionTimeoutMs: 10000 });
    try {
      const fired: string[] = [];
      await obs.exists("/o", (e) => fired.push(`${e.type} ${e.path}`));
      await obs.create("/o", enc("via observer"));
      await other.sync("/o");
      assert.equal(dec((await other.getData("/o")).data), "via observer");
      await other.setData("/o", enc("v2"));
      await obs.sync("/o");
      assert.equal(dec((await obs.getData("/o")).data), "v2");
      assert.deepEqual(fired, ["1 /o"]);
    } finally {
      await obs.close();
      await other.close();
    }
    // Two of the three voters down: no quorum, though the observer is up.
    const leader = await leaderOtherThan(ens, -1);
    const voters = [1, 2, 3].filter((id) => id !== leader);
    await ens.stopMember(voters[0]);
    await ens.stopMember(voters[1]);
    const deadline = Date.now() + 15000;
    while (await ens.mode(leader) !== null && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(await ens.mode(leader), null, "an observer does not make a quorum");
  },
});

Deno.test({
  name: "ensemble: start-up 1 → 2 → 3: 1 alone stays LOOKING, 2 leads once it starts, 3 follows",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await using ens = await startZktsEnsemble(3, {
      forceSync: false,
      tickTime: 500,
      startOnly: [1],
    });
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(await ens.mode(1), null, "server 1 alone does not serve");
    await ens.restart(2); // starts it; waits until it serves
    assert.equal(await leaderOtherThan(ens, -1), 2, "votes (1,0) and (2,0): the larger id leads");
    assert.equal(await ens.mode(1), "follower");
    await ens.restart(3);
    assert.equal(await ens.mode(3), "follower", "a server started later joins as follower");
    assert.equal(await ens.leader(), 2);
  },
});

Deno.test({
  name: "ensemble: 5 members tolerate 2 down, not 3",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await using ens = await startZktsEnsemble(5, { forceSync: false, tickTime: 500 });
    const zk = await ZooKeeper.connect(ens.connectString, { sessionTimeoutMs: 20000 });
    try {
      await zk.create("/five", null);
      const leader = await leaderOtherThan(ens, -1);
      const others = ens.members.map((m) => m.id).filter((id) => id !== leader);
      // Two down, the leader among them: three of five still elect and serve.
      await ens.kill(leader);
      await ens.kill(others[0]);
      const next = await leaderOtherThan(ens, leader);
      assert.ok(next !== others[0]);
      await retry(() => zk.create("/five/after-two", null));
      // A third down: no quorum, nobody serves.
      const third = others.find((id) => id !== others[0] && id !== next)!;
      await ens.kill(next);
      const deadline = Date.now() + 15000;
      while (Date.now() < deadline) {
        const modes = await Promise.all(
          [third, ...others.filter((id) => id !== others[0] && id !== third)].map((id) =>
            ens.mode(id)
          ),
        );
        if (modes.every((m) => m === null)) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      for (const m of ens.members) {
        if (m.running) assert.equal(await ens.mode(m.id), null, `member ${m.id} must not serve`);
      }
    } finally {
      await zk.close();
    }
  },
});

Deno.test({
  name: "ensemble: a rolling restart, one member at a time, never stops the service",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await using ens = await startZktsEnsemble(3, { forceSync: true, tickTime: 500 });
    const zk = await ZooKeeper.connect(ens.connectString, { sessionTimeoutMs: 20000 });
    try {
      await zk.create("/roll", null);
      let n = 0;
      let stop = false;
      const acked: string[] = [];
      const writer = (async () => {
        while (!stop) {
          // A ConnectionLoss may hide a create that was applied: only acknowledged ones count.
          const name = `w${n++}`;
          try {
            await zk.create(`/roll/${name}`, null);
            acked.push(name);
          } catch (e) {
            if (!(e instanceof KeeperError) || e.code !== ErrorCode.ConnectionLoss) throw e;
            await new Promise((r) => setTimeout(r, 50));
          }
        }
      })();
      for (const m of ens.members) {
        await ens.restart(m.id);
        await new Promise((r) => setTimeout(r, 300));
      }
      stop = true;
      await writer;
      assert.ok(acked.length > 10, `writes went on during the restarts (${acked.length})`);
      const views = await Promise.all(ens.members.map((m) => view(ens, m.id, "/roll")));
      const names = new Set(views[0].map((v) => v.split("=")[0]));
      for (const a of acked) assert.ok(names.has(a), `acknowledged ${a} is there`);
      assert.deepEqual(views[1], views[0]);
      assert.deepEqual(views[2], views[0]);
    } finally {
      await zk.close();
    }
  },
});

interopTest(
  "mixed ensemble: a wiped member catches up by SNAP, an Apache member from a zkts leader and a zkts member from an Apache leader",
  async (t) => {
    // 700 txns: more than the 500 committed txns a leader keeps, so a DIFF cannot do.
    const catchUp = async (zktsMembers: number[], wiped: number, zktsLeads: boolean) => {
      await using ens = await startMixedEnsemble(3, zktsMembers, {
        forceSync: false,
        tickTime: 500,
      });
      // Who leads depends on who started first: restart the leader until the wanted kind leads.
      let leader = await leaderOtherThan(ens, -1);
      for (let i = 0; i < 4 && zktsMembers.includes(leader) !== zktsLeads; i++) {
        await ens.stopMember(leader);
        const next = await leaderOtherThan(ens, leader);
        await ens.restart(leader);
        leader = next;
      }
      assert.equal(zktsMembers.includes(leader), zktsLeads, `leader ${leader}`);
      assert.notEqual(leader, wiped);
      await ens.stopMember(wiped);
      await Deno.remove(`${ens.members[wiped - 1].dataDir}/version-2`, { recursive: true });
      const writer = ens.members.find((m) => m.id !== wiped)!.id;
      const zk = await ZooKeeper.connect(ens.connectStringOf(writer), { sessionTimeoutMs: 10000 });
      const owner = await ZooKeeper.connect(ens.connectStringOf(leader), {
        sessionTimeoutMs: 10000,
      });
      try {
        await zk.create("/big", null);
        for (let i = 0; i < 700; i++) await zk.create(`/big/n${i}`, enc(`v${i}`));
        await owner.create("/big/eph", null, { mode: CreateMode.Ephemeral });
        await ens.restart(wiped);
        const views = await Promise.all(ens.members.map((m) => view(ens, m.id, "/big")));
        assert.equal(views[wiped - 1].length, 701);
        assert.deepEqual(views[wiped - 1], views[leader - 1]);
        // The snapshot carried the session: its ephemeral goes on every member when it closes.
        await owner.close();
        const z = await ZooKeeper.connect(ens.connectStringOf(wiped), { sessionTimeoutMs: 10000 });
        try {
          await z.sync("/big");
          assert.equal(await z.exists("/big/eph"), null);
        } finally {
          await z.close();
        }
      } finally {
        await zk.close();
        await owner.close();
      }
    };
    await t.step("Apache member 3 from a zkts leader", () => catchUp([1, 2], 3, true));
    await t.step("zkts member 1 from an Apache leader", () => catchUp([1], 1, false));
  },
);

interopTest(
  "mixed ensemble: after a new epoch, a restarted member rejoins within seconds (every member reports the epoch in force)",
  async (t) => {
    // Issue 13. Apache members answer a LOOKING peer with the epoch in force
    // (QuorumPeer.updateElectionVote); a member that kept the epoch it was
    // elected in made a restarted peer of an older round see (L, E) and
    // (L, E - 1), count no quorum for either and stay LOOKING.
    const REJOIN_MS_MAX = 20_000;
    const rejoin = async (zktsMembers: number[], zktsRestarts: boolean) => {
      await using ens = await startMixedEnsemble(3, zktsMembers, {
        forceSync: false,
        tickTime: 500,
        startTimeoutMs: 45_000,
      });
      const isZkts = (id: number) => zktsMembers.includes(id);
      // The kind that restarts leads first, so that killing it ends an epoch and
      // the other two (one of each kind) elect in a later round.
      let leader = await leaderOtherThan(ens, -1);
      for (let i = 0; i < 4 && isZkts(leader) !== zktsRestarts; i++) {
        await ens.stopMember(leader);
        const next = await leaderOtherThan(ens, leader);
        await ens.restart(leader);
        leader = next;
      }
      assert.equal(isZkts(leader), zktsRestarts, `leader ${leader}`);
      const zk = await ZooKeeper.connect(ens.connectString, { sessionTimeoutMs: 20000 });
      try {
        await retry(() => zk.create("/epoch", null));
        const before = (await zk.exists("/epoch"))!.czxid >> 32n;
        await ens.kill(leader);
        await leaderOtherThan(ens, leader);
        await ens.waitServing(); // both survivors synced: the new epoch is established
        await retry(() => zk.create("/epoch/next", null));
        const after = (await zk.exists("/epoch/next"))!.czxid >> 32n;
        assert.ok(after > before, `a new epoch: ${before} → ${after}`);
        // Twice: the first time the survivors re-send it their last LOOKING
        // notifications (QuorumCnxManager's lastMessage), which move it to their
        // round; the second time they re-send their answers as FOLLOWING and
        // LEADING, so it counts them out of election, where epochs must agree.
        for (const time of ["first", "second"]) {
          const t0 = performance.now();
          await ens.restart(leader);
          const ms = performance.now() - t0;
          assert.equal(await ens.mode(leader), "follower");
          assert.ok(
            ms < REJOIN_MS_MAX,
            `member ${leader} rejoined in ${ms.toFixed(0)} ms the ${time} time`,
          );
        }
        const views = await Promise.all(ens.members.map((m) => view(ens, m.id, "/epoch")));
        assert.deepEqual(views[leader - 1], views[0]);
        assert.deepEqual(views[leader - 1], views[2]);
      } finally {
        await zk.close();
      }
    };
    await t.step("an Apache member, beside an Apache and a zkts member", () => rejoin([1], false));
    await t.step("a zkts member, beside an Apache and a zkts member", () => rejoin([1, 2], true));
  },
);

interopTest(
  "mixed ensemble: an Apache 3.8 member syncs from a zkts leader under load without ZOOKEEPER-4394's NullPointerException",
  async () => {
    // Apache 3.8's Learner.syncWithLeader throws on a COMMIT between NEWLEADER
    // and UPTODATE; a SNAP sync (the learner snapshots at NEWLEADER) under
    // writes puts commits in that window unless the leader holds them.
    await using ens = await startMixedEnsemble(3, [1, 2], {
      forceSync: false,
      tickTime: 500,
      startTimeoutMs: 45_000,
    });
    let leader = await leaderOtherThan(ens, -1);
    for (let i = 0; i < 4 && leader === 3; i++) {
      await ens.stopMember(leader);
      const next = await leaderOtherThan(ens, leader);
      await ens.restart(leader);
      leader = next;
    }
    assert.notEqual(leader, 3, "a zkts member leads");
    const zk = await ZooKeeper.connect(ens.connectStringOf(leader), { sessionTimeoutMs: 20000 });
    await zk.create("/load", null);
    let writing = true;
    let acked = 0;
    const writer = (async () => {
      for (let i = 0; writing; i += 16) {
        const batch = Array.from({ length: 16 }, (_, j) => zk.create(`/load/n${i + j}`, enc("x")));
        await Promise.all(batch);
        acked += batch.length;
      }
    })();
    try {
      await ens.stopMember(3);
      await Deno.remove(`${ens.members[2].dataDir}/version-2`, { recursive: true });
      await ens.restart(3);
      assert.equal(await ens.mode(3), "follower");
      writing = false;
      await writer;
      assert.ok(acked > 100, `writes went on during the sync (${acked})`);
      const died = ens.logs(3).split("\n").filter((line) =>
        /NullPointerException|Exception when following the leader/.test(line)
      );
      assert.deepEqual(died, [], "the Apache member never dropped out of the sync");
      const count = async (id: number) => {
        const c = await ZooKeeper.connect(ens.connectStringOf(id), { sessionTimeoutMs: 10000 });
        try {
          await c.sync("/load");
          return (await c.getChildren("/load")).length;
        } finally {
          await c.close();
        }
      };
      assert.equal(await count(3), await count(leader), "the Apache member holds every write");
    } finally {
      writing = false;
      await writer.catch(() => {});
      await zk.close();
    }
  },
);
