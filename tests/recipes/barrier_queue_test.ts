/**
 * Barriers and queues against Apache ZooKeeper 3.8 and zkts: the seeds'
 * barrier node and barrier queue, the double barrier, the FIFO queue, the
 * `queue-YY` priority queue and the locking queue surviving a consumer
 * crash.
 */
import assert from "node:assert/strict";
import {
  Barrier,
  DistributedQueue,
  DoubleBarrier,
  json,
  LockingQueue,
  PriorityQueue,
} from "../../packages/recipes/mod.ts";
import { recipeSuite, settle, timesOut, until } from "./_helpers.ts";

recipeSuite("barriers and queues", {
  "barrier: waiters proceed only once the node is gone": async (
    { connect, root },
  ) => {
    const [a, b, c] = [await connect(), await connect(), await connect()];
    const gate = new Barrier(a, `${root}/gate`);
    await gate.set();
    let through = 0;
    const waits = [b, c].map((zk) =>
      new Barrier(zk, `${root}/gate`).wait({ timeoutMs: 5000 }).then(() => through++)
    );
    await settle(150);
    assert.equal(through, 0);
    assert.ok(await timesOut(new Barrier(b, `${root}/gate`).wait({ timeoutMs: 100 })));
    await gate.remove();
    await Promise.all(waits);
    assert.equal(through, 2);
    await new Barrier(c, `${root}/gate`).wait({ timeoutMs: 100 }); // already gone
  },

  "double barrier: seeds' barrier queue: nobody enters before 3 arrived, leave waits for all":
    async (
      { connect, root },
    ) => {
      const zks = await Promise.all([0, 1, 2].map(() => connect()));
      const entered: number[] = [];
      const left: number[] = [];
      const members = zks.map((zk, i) => new DoubleBarrier(zk, root, 3, { id: `m${i}` }));
      const p0 = members[0].enter({ timeoutMs: 5000 }).then(() => entered.push(0));
      const p1 = members[1].enter({ timeoutMs: 5000 }).then(() => entered.push(1));
      await settle(150);
      assert.deepEqual(entered, []);
      await members[2].enter({ timeoutMs: 5000 });
      await Promise.all([p0, p1]);
      assert.equal(entered.length, 2);
      const l0 = members[0].leave({ timeoutMs: 5000 }).then(() => left.push(0));
      const l1 = members[1].leave({ timeoutMs: 5000 }).then(() => left.push(1));
      await settle(150);
      assert.deepEqual(left, [], "nobody leaves before the last member does");
      await members[2].leave({ timeoutMs: 5000 });
      await Promise.all([l0, l1]);
      assert.deepEqual(await zks[0].getChildren(root), []);
    },

  "fifo queue: creation order; a consumer on an empty queue wakes on insert": async (
    { connect, root },
  ) => {
    const [p, c] = [await connect(), await connect()];
    const producer = new DistributedQueue<{ n: number }>(p, root);
    const consumer = new DistributedQueue<{ n: number }>(c, root);
    const first = consumer.take({ timeoutMs: 5000 });
    await settle(100);
    const node = await producer.put({ n: 0 });
    assert.match(node, /\/queue-\d{10}$/);
    assert.deepEqual(await first, { n: 0 });
    for (let n = 1; n <= 5; n++) await producer.put({ n });
    assert.equal(await consumer.size(), 5);
    assert.deepEqual(await consumer.peek(), { n: 1 });
    const got = [];
    for (let i = 0; i < 5; i++) got.push((await consumer.take({ timeoutMs: 1000 })).n);
    assert.deepEqual(got, [1, 2, 3, 4, 5]);
    assert.equal(await consumer.poll(), undefined);
    assert.ok(await timesOut(consumer.take({ timeoutMs: 100 })));
  },

  "fifo queue: 3 consumers share 30 items, each taken exactly once": async ({ connect, root }) => {
    const zks = await Promise.all([0, 1, 2, 3].map(() => connect()));
    const producer = new DistributedQueue<number>(zks[0], root, { serializer: json() });
    for (let i = 0; i < 30; i++) await producer.put(i);
    const taken: number[] = [];
    await Promise.all(
      zks.slice(1).map(async (zk) => {
        const q = new DistributedQueue<number>(zk, root, { serializer: json() });
        for (;;) {
          const v = await q.poll();
          if (v === undefined) return;
          taken.push(v);
        }
      }),
    );
    assert.deepEqual(taken.sort((a, b) => a - b), Array.from({ length: 30 }, (_, i) => i));
  },

  "priority queue: 05, 01, 10 come out 01, 05, 10; an urgent insert goes next": async (
    { connect, root },
  ) => {
    const zk = await connect();
    const q = new PriorityQueue<string>(zk, root);
    await q.put("five", 5);
    await q.put("one", 1);
    await q.put("ten", 10);
    assert.ok((await zk.getChildren(root)).some((n) => /^queue-01-\d{10}$/.test(n)));
    assert.equal(await q.take(), "one");
    await q.put("urgent", 0);
    assert.equal(await q.take(), "urgent");
    assert.equal(await q.take(), "five");
    assert.equal(await q.take(), "ten");
    assert.throws(() => q.put("x", 100), RangeError);
  },

  "locking queue: a crashed consumer's item is taken again; ack removes it": async (
    { connect, root },
  ) => {
    const [p, c1, c2] = [await connect(), await connect(), await connect()];
    const q = new LockingQueue<string>(p, root);
    await q.put("job-1");
    await q.put("job-2");
    const crashing = await new LockingQueue<string>(c1, root).claim({ timeoutMs: 2000 });
    assert.equal(crashing.value, "job-1");
    const other = new LockingQueue<string>(c2, root);
    const second = await other.claim({ timeoutMs: 2000 });
    assert.equal(second.value, "job-2", "job-1 is claimed, so the next is served");
    await second.ack();
    const again = other.claim({ timeoutMs: 5000 });
    await settle(100);
    await c1.close(); // the consumer of job-1 crashes before ack
    const retaken = await again;
    assert.equal(retaken.value, "job-1");
    await retaken.ack();
    await until(async () => (await p.getChildren(root)).length === 0, 2000, "queue empty");
    await q.put("job-3");
    const r = await other.claim();
    await r.release(); // given back
    assert.equal(await other.take({ timeoutMs: 1000 }), "job-3");
  },
});
