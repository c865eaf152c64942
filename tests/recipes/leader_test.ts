/**
 * Leader election against Apache ZooKeeper 3.8 and zkts: the seeds'
 * predecessor-watch election and replicator hot standby, hand-over on
 * close, crash and expiry, loss of leadership on suspension, and the
 * selector's terms.
 */
import assert from "node:assert/strict";
import { LeaderLatch, LeaderSelector } from "../../packages/recipes/mod.ts";
import { expire, recipeSuite, settle, until } from "./_helpers.ts";

/**
 * Watches latches the way their guarantee is stated (see `LeaderLatch`):
 * each candidate's changes in its own order (notifications to different
 * sessions have no global order, so no interleaving is asserted), and at
 * every gain the overlap bound: another candidate may still think it leads
 * only if the test has already ended its node (closed its session, deleted
 * its node) and its client has not been told yet.
 */
function observe(latches: LeaderLatch[], names: string[]) {
  const changes: Record<string, boolean[]> = Object.fromEntries(names.map((n) => [n, []]));
  const ended = new Set<string>();
  const overlaps: string[] = [];
  latches.forEach((l, i) =>
    l.onChange((lead) => {
      changes[names[i]].push(lead);
      if (!lead) return;
      latches.forEach((o, j) => {
        if (j === i || !o.hasLeadership) return;
        overlaps.push(
          `${names[i]} gained while ${names[j]} led${ended.has(names[j]) ? "" : " (live)"}`,
        );
      });
    })
  );
  return {
    changes,
    /** Marks `name`'s node as ended by the test; call before ending it. */
    end: (name: string) => ended.add(name),
    /** Overlaps the guarantee forbids: with a candidate whose node nobody ended. */
    forbidden: () => overlaps.filter((o) => o.endsWith("(live)")),
    overlaps,
  };
}

recipeSuite("leader election", {
  "latch: smallest leads; a dead middle node changes nothing; the next takes over": async (
    { connect, root },
  ) => {
    const zks = await Promise.all([0, 1, 2].map(() => connect()));
    const latches = zks.map((zk, i) => new LeaderLatch(zk, root, { id: `r${i + 1}` }));
    const seen = observe(latches, ["r1", "r2", "r3"]);
    for (const l of latches) await l.start();
    await latches[0].await({ timeoutMs: 2000 });
    assert.deepEqual(latches.map((l) => l.hasLeadership), [true, false, false]);
    assert.deepEqual(await latches[0].participants(), ["r1", "r2", "r3"]);
    assert.match(latches[0].node!, /\/_c_[0-9a-f]{32}-latch-\d{10}$/);
    seen.end("r2");
    await zks[1].close(); // a STANDBY dies: r3 re-watches r1, nobody else notices
    await settle(200);
    assert.deepEqual(seen.changes, { r1: [true], r2: [], r3: [] });
    // The RUNNING one dies. The server deletes its node, answers its
    // closeSession and notifies r3 on two connections: r3 may hear it
    // leads before r1's client has processed the reply (which is when r1
    // learns it no longer leads), and that is the only overlap allowed.
    seen.end("r1");
    await zks[0].close();
    await latches[2].await({ timeoutMs: 3000 });
    assert.deepEqual(seen.changes, { r1: [true, false], r2: [], r3: [true] });
    assert.deepEqual(latches.map((l) => l.hasLeadership), [false, false, true]);
    assert.deepEqual(seen.forbidden(), [], "no overlap with a live leader");
    assert.deepEqual(await latches[2].participants(), ["r3"]);
  },

  "latch: a leader whose node another session deletes is told by its own watch and re-joins last":
    async ({ connect, root }) => {
      const [a, b, admin] = [await connect(), await connect(), await connect()];
      const latches = [
        new LeaderLatch(a, root, { id: "a" }),
        new LeaderLatch(b, root, { id: "b" }),
      ];
      const seen = observe(latches, ["a", "b"]);
      for (const l of latches) await l.start();
      await latches[0].await({ timeoutMs: 2000 });
      const old = latches[0].node!;
      seen.end("a");
      await admin.delete(old);
      await latches[1].await({ timeoutMs: 3000 });
      await until(() => latches[0].node !== old, 3000, "a re-joined");
      // a's session is alive: only its watch on its own node tells it.
      assert.deepEqual(seen.changes, { a: [true, false], b: [true] });
      assert.deepEqual(latches.map((l) => l.hasLeadership), [false, true]);
      assert.deepEqual(seen.forbidden(), []);
      assert.deepEqual(await latches[1].participants(), ["b", "a"]);
      await latches[1].close();
      await latches[0].await({ timeoutMs: 3000 });
      assert.deepEqual(seen.changes, { a: [true, false, true], b: [true, false] });
      assert.deepEqual(seen.overlaps.filter((o) => o.startsWith("a ")), [], "b closed first");
      await latches[0].close();
    },

  "latch: close() hands leadership to the next candidate": async ({ connect, root }) => {
    const [a, b] = [await connect(), await connect()];
    const la = new LeaderLatch(a, root, { id: "a" });
    const lb = new LeaderLatch(b, root, { id: "b" });
    await la.start();
    await lb.start();
    await la.await({ timeoutMs: 2000 });
    await assert.rejects(lb.await({ timeoutMs: 200 }), { name: "TimeoutError" });
    await la.close();
    assert.equal(la.hasLeadership, false);
    await lb.await({ timeoutMs: 2000 });
    assert.deepEqual(await lb.participants(), ["b"]);
    await lb.close();
  },

  "latch: a suspended leader loses leadership at once and regains it after the reconnect": async (
    { connect, root },
  ) => {
    const a = await connect();
    const la = new LeaderLatch(a, root);
    const seen: boolean[] = [];
    la.onChange((l) => seen.push(l));
    await la.start();
    await la.await({ timeoutMs: 2000 });
    a.dropConnection();
    await until(() => seen.length >= 2, 3000, "told of the suspension");
    assert.equal(seen[1], false);
    await la.await({ timeoutMs: 5000 });
    assert.deepEqual(seen, [true, false, true]);
    await la.close();
  },

  "latch: an expired leader is told, the next takes over": async ({ server, connect, root }) => {
    const [a, b] = [await connect({ sessionTimeoutMs: 2000 }), await connect()];
    const la = new LeaderLatch(a, root);
    const lb = new LeaderLatch(b, root);
    await la.start();
    await lb.start();
    await la.await({ timeoutMs: 2000 });
    await expire(a, server.connectString);
    assert.equal(la.hasLeadership, false);
    await lb.await({ timeoutMs: 5000 });
    await assert.rejects(la.await({ timeoutMs: 500 }));
    await lb.close();
  },

  "selector: terms never overlap, each contender leads in turn and re-queues": async (
    { connect, root },
  ) => {
    const zks = await Promise.all([0, 1, 2].map(() => connect()));
    let inside = 0;
    let maxInside = 0;
    const terms: string[] = [];
    const sels = zks.map((zk, i) =>
      new LeaderSelector(zk, root, async () => {
        maxInside = Math.max(maxInside, ++inside);
        terms.push(`s${i}`);
        await settle(15);
        inside--;
      }, { autoRequeue: true, id: `s${i}` })
    );
    sels.forEach((s) => s.start());
    await until(() => terms.length >= 9, 8000, "9 terms");
    await Promise.all(sels.map((s) => s.close()));
    assert.equal(maxInside, 1);
    assert.deepEqual(new Set(terms), new Set(["s0", "s1", "s2"]));
  },

  "selector: without autoRequeue one term, then requeue() joins again; interrupt ends a term":
    async (
      { connect, root },
    ) => {
      const zk = await connect();
      let terms = 0;
      const sel = new LeaderSelector(zk, root, async (signal) => {
        terms++;
        await new Promise<void>((r) => signal.addEventListener("abort", () => r()));
      });
      sel.start();
      await until(() => sel.hasLeadership, 3000, "leads");
      sel.interruptLeadership();
      await until(() => !sel.hasLeadership, 3000, "gave up");
      await settle(100);
      assert.equal(terms, 1, "no requeue by default");
      sel.requeue();
      await until(() => terms === 2 && sel.hasLeadership, 3000, "second term");
      await sel.close();
      assert.equal(sel.terms, 2);
    },

  "selector: the term's signal aborts on suspension; leadership moves on": async (
    { connect, root },
  ) => {
    const [a, b] = [await connect(), await connect()];
    let aborted: unknown = null;
    let aLeads = false;
    const sa = new LeaderSelector(a, root, async (signal) => {
      aLeads = true;
      await new Promise<void>((r) => signal.addEventListener("abort", () => r()));
      aborted = signal.reason;
    });
    let bLeads = false;
    const sb = new LeaderSelector(b, root, async (signal) => {
      bLeads = true;
      await new Promise<void>((r) => signal.addEventListener("abort", () => r()));
    });
    sa.start();
    await until(() => aLeads, 3000, "a leads");
    sb.start();
    await settle(100);
    assert.ok(!bLeads);
    a.dropConnection();
    await until(() => aborted !== null, 3000, "a's term aborted");
    await until(() => bLeads, 5000, "b leads");
    assert.ok(!sa.hasLeadership);
    await sa.close();
    await sb.close();
  },
});
