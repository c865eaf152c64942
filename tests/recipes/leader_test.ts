/**
 * Leader election against Apache ZooKeeper 3.8 and zkts: the seeds'
 * predecessor-watch election and replicator hot standby, hand-over on
 * close, crash and expiry, loss of leadership on suspension, and the
 * selector's terms.
 */
import assert from "node:assert/strict";
import { LeaderLatch, LeaderSelector } from "../../packages/recipes/mod.ts";
import { expire, recipeSuite, settle, until } from "./_helpers.ts";

recipeSuite("leader election", {
  "latch: seeds §16.4/§16.12: smallest leads; a dead middle node changes nothing; the next takes over":
    async ({ connect, root }) => {
      const zks = await Promise.all([0, 1, 2].map(() => connect()));
      const latches = zks.map((zk, i) => new LeaderLatch(zk, root, { id: `r${i + 1}` }));
      const changes: string[] = [];
      latches.forEach((l, i) => l.onChange((lead) => changes.push(`r${i + 1}:${lead}`)));
      for (const l of latches) await l.start();
      await latches[0].await({ timeoutMs: 2000 });
      assert.deepEqual(latches.map((l) => l.hasLeadership), [true, false, false]);
      assert.deepEqual(await latches[0].participants(), ["r1", "r2", "r3"]);
      assert.match(latches[0].node!, /\/_c_[0-9a-f]{32}-latch-\d{10}$/);
      await zks[1].close(); // a STANDBY dies: r3 re-watches r1, nobody else notices
      await settle(200);
      assert.deepEqual(changes, ["r1:true"]);
      await zks[0].close(); // the RUNNING one dies
      await latches[2].await({ timeoutMs: 3000 });
      assert.deepEqual(changes, ["r1:true", "r1:false", "r3:true"]);
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
