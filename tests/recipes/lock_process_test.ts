/**
 * Locks across processes and across implementations, against Apache
 * ZooKeeper 3.8 and zkts: zkts mutexes in two other Deno processes, kazoo's
 * `Lock` in a Python process and zkts mutexes in this one all contend for
 * one path; and a zkts lock and kazoo's lock (and read lock) on the same
 * path exclude each other both ways.
 */
import assert from "node:assert/strict";
import { LeaderSelector, Mutex, ReadWriteLock, Semaphore } from "../../packages/recipes/mod.ts";
import { recipeSuite, timesOut } from "./_helpers.ts";

const PYTHON = "/usr/bin/python3";
const KAZOO = new URL("./testdata/kazoo_lock.py", import.meta.url).pathname;
const CONTENDER = new URL("./testdata/contender.ts", import.meta.url).pathname;

/** A child process with line-wise stdout, killed after `limitMs` at the latest. */
function spawn(cmd: string, args: string[], limitMs = 30000) {
  const child = new Deno.Command(cmd, {
    args,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
    env: { PYTHONDONTWRITEBYTECODE: "1" },
  }).spawn();
  const timer = setTimeout(() => {
    try {
      child.kill("SIGKILL");
    } catch { /* gone */ }
  }, limitMs);
  const lines: string[] = [];
  const waiters: (() => void)[] = [];
  let stderr = "";
  const outDone = (async () => {
    let buf = "";
    for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) {
      buf += chunk;
      let i;
      while ((i = buf.indexOf("\n")) >= 0) {
        lines.push(buf.slice(0, i));
        buf = buf.slice(i + 1);
        waiters.splice(0).forEach((w) => w());
      }
    }
  })();
  const errDone = (async () => {
    for await (const chunk of child.stderr.pipeThrough(new TextDecoderStream())) stderr += chunk;
  })();
  const writer = child.stdin.getWriter();
  return {
    lines,
    /** The next line (waits at most `ms`). */
    async line(n: number, ms = 15000): Promise<string> {
      const deadline = Date.now() + ms;
      while (lines.length <= n) {
        if (Date.now() > deadline) throw new Error(`no output line ${n} in ${ms} ms: ${stderr}`);
        await new Promise<void>((r) => {
          waiters.push(r);
          setTimeout(r, 50);
        });
      }
      return lines[n];
    },
    kill() {
      try {
        child.kill("SIGKILL");
      } catch { /* gone */ }
    },
    async send(s: string) {
      await writer.write(new TextEncoder().encode(s + "\n"));
    },
    async done(): Promise<{ code: number; stderr: string }> {
      await writer.close().catch(() => {});
      const st = await child.status;
      await Promise.all([outDone, errDone]);
      clearTimeout(timer);
      return { code: st.code, stderr };
    },
  };
}

recipeSuite("locks across processes", {
  "mutex: contenders in 2 Deno processes, a kazoo process and this one exclude each other": async (
    { server, connect, root },
  ) => {
    const path = `${root}/lock`;
    const procs = [
      spawn(Deno.execPath(), ["run", "-A", CONTENDER, server.connectString, path, "5"]),
      spawn(Deno.execPath(), ["run", "-A", CONTENDER, server.connectString, path, "5"]),
      spawn(PYTHON, [KAZOO, server.connectString, path, "contend", "5"]),
    ];
    const zk = await connect();
    const local = new Mutex(zk, path, { identifier: "local" });
    let localViolations = 0;
    for (let i = 0; i < 5; i++) {
      const h = await local.acquire({ timeoutMs: 20000 });
      if (await zk.exists(`${path}-marker`)) localViolations++;
      await new Promise((r) => setTimeout(r, 5));
      await h.release();
    }
    const results = [];
    for (const p of procs) {
      const out = JSON.parse(await p.line(0, 30000));
      const { code, stderr } = await p.done();
      assert.equal(code, 0, stderr);
      results.push(out);
    }
    assert.deepEqual(results, [
      { rounds: 5, violations: 0 },
      { rounds: 5, violations: 0 },
      { rounds: 5, violations: 0 },
    ]);
    assert.equal(localViolations, 0);
  },

  "mutex: a holder process killed with SIGKILL: its session expires and the lock passes on": async (
    { server, connect, root },
  ) => {
    const holder = spawn(Deno.execPath(), [
      "run",
      "-A",
      CONTENDER,
      server.connectString,
      root,
      "hold",
    ]);
    assert.equal(await holder.line(0), "held");
    const zk = await connect();
    const mutex = new Mutex(zk, root);
    assert.equal(await mutex.tryAcquire(), null);
    const t0 = Date.now();
    holder.kill();
    await holder.done();
    const h = await mutex.acquire({ timeoutMs: 10000 });
    const waitedMs = Date.now() - t0;
    assert.ok(waitedMs < 8000, `lock passed on after ${waitedMs} ms`);
    await h.release();
  },

  "interop: a zkts mutex and kazoo's Lock on one path exclude each other": async (
    { server, connect, root },
  ) => {
    const zk = await connect();
    const mutex = new Mutex(zk, root, { identifier: "zkts" });
    // kazoo holds: zkts waits.
    const kz = spawn(PYTHON, [KAZOO, server.connectString, root, "hold"]);
    assert.equal(await kz.line(0), "held");
    assert.deepEqual((await mutex.contenders()).map((c) => c.identifier), ["kazoo"]);
    assert.ok(await timesOut(mutex.acquire({ timeoutMs: 300 })), "zkts must wait for kazoo");
    const pending = mutex.acquire({ timeoutMs: 10000 });
    await kz.send("go");
    assert.equal(await kz.line(1), "released");
    assert.equal((await kz.done()).code, 0);
    const held = await pending;
    // zkts holds: kazoo times out, then gets it after the release.
    const t1 = spawn(PYTHON, [KAZOO, server.connectString, root, "try", "0.5"]);
    assert.equal(await t1.line(0), "timeout");
    await t1.done();
    await held.release();
    const t2 = spawn(PYTHON, [KAZOO, server.connectString, root, "try", "5"]);
    assert.equal(await t2.line(0), "acquired");
    await t2.done();
  },

  "interop: kazoo's ReadLock shares with a zkts read lock and blocks a zkts write lock": async (
    { server, connect, root },
  ) => {
    const zk = await connect();
    const rw = new ReadWriteLock(zk, root);
    const kz = spawn(PYTHON, [KAZOO, server.connectString, root, "read-hold"]);
    assert.equal(await kz.line(0), "held");
    const r = await rw.readLock.acquire({ timeoutMs: 2000 });
    await r.release();
    assert.ok(await timesOut(rw.writeLock.acquire({ timeoutMs: 300 })));
    const w = rw.writeLock.acquire({ timeoutMs: 10000 });
    await kz.send("go");
    assert.equal(await kz.line(1), "released");
    await kz.done();
    await (await w).release();
  },
  "interop: a kazoo Semaphore lease and a zkts Semaphore lease count against one pool": async (
    { server, connect, root },
  ) => {
    const zk = await connect();
    const kz = spawn(PYTHON, [KAZOO, server.connectString, root, "sem-hold", "1"]);
    assert.equal(await kz.line(0), "held");
    const sem = new Semaphore(zk, root, 1, { identifier: "zkts" });
    assert.deepEqual(await sem.leaseHolders(), ["kazoo"]);
    assert.ok(await timesOut(sem.acquire({ timeoutMs: 300 })), "the only lease is kazoo's");
    const pending = sem.acquire({ timeoutMs: 10000 });
    await kz.send("go");
    assert.equal(await kz.line(1), "released");
    await kz.done();
    await (await pending).release();
  },
  "interop: kazoo's Election and a zkts LeaderSelector take turns on one path": async (
    { server, connect, root },
  ) => {
    const zk = await connect();
    const kz = spawn(PYTHON, [KAZOO, server.connectString, root, "elect"]);
    assert.equal(await kz.line(0), "leader");
    let led = false;
    const sel = new LeaderSelector(zk, root, () => {
      led = true;
    });
    sel.start();
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(led, false, "kazoo leads");
    await kz.send("go");
    assert.equal(await kz.line(1), "done");
    await kz.done();
    const deadline = Date.now() + 5000;
    while (!led && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.ok(led, "zkts leads after kazoo stepped down");
    await sel.close();
  },
});
