import assert from "node:assert/strict";
import { fourLetter, startApache, startApacheEnsemble } from "./apache.ts";
import { interopTest } from "./oracle.ts";

interopTest("apache harness: a standalone server starts, answers ruok, stops", async () => {
  const zk = await startApache({ forceSync: false, extendedTypesEnabled: true });
  try {
    console.log(`standalone Apache ZooKeeper started in ${zk.startMs.toFixed(0)} ms`);
    assert.equal(await fourLetter(zk.host, zk.port, "ruok"), "imok");
    assert.match(await fourLetter(zk.host, zk.port, "srvr"), /^Mode: standalone$/m);
    assert.match(await fourLetter(zk.host, zk.port, "conf"), /^clientPort=\d+$/m);
    assert.match(zk.logs(), /binding to port/);
  } finally {
    await zk.stop();
  }
  await assert.rejects(fourLetter(zk.host, zk.port, "ruok", 1000));
  await assert.rejects(Deno.stat(zk.dir), Deno.errors.NotFound);
});

interopTest("apache harness: an ensemble of 3 elects one leader and two followers", async () => {
  const zk = await startApacheEnsemble(3, { forceSync: false, tickTime: 500 });
  try {
    console.log(`3-ensemble of Apache ZooKeeper serving in ${zk.startMs.toFixed(0)} ms`);
    const modes = await Promise.all(zk.members.map((m) => zk.mode(m.id)));
    assert.deepEqual([...modes].sort(), ["follower", "follower", "leader"]);
    const leader = await zk.leader();
    assert.ok(leader !== null);
    assert.equal(modes[leader - 1], "leader");
  } finally {
    await zk.stop();
  }
});

/** Opens a session by hand (a ConnectRequest: no client library needed) and closes the socket. */
async function openSession(host: string, port: number): Promise<void> {
  const payload = new Uint8Array(45);
  const v = new DataView(payload.buffer);
  v.setInt32(12, 30_000); // timeOut, after protocolVersion and lastZxidSeen
  v.setInt32(24, 16); // passwd length, after sessionId
  const frame = new Uint8Array(49);
  new DataView(frame.buffer).setInt32(0, 45);
  frame.set(payload, 4);
  const conn = await Deno.connect({ hostname: host, port });
  try {
    await conn.write(frame);
    const buf = new Uint8Array(64);
    let got = 0;
    while (got < 41) {
      const n = await conn.read(buf);
      if (n === null) break;
      got += n;
    }
    assert.equal(got, 41, "a ConnectResponse");
  } finally {
    conn.close();
  }
}

function zxidOf(srvr: string): number {
  const m = srvr.match(/^Zxid: (0x[0-9a-f]+)$/m);
  assert.ok(m, `a Zxid line in ${srvr}`);
  return Number(m[1]);
}

interopTest(
  "apache harness: a killed standalone server restarts on its port with its data",
  async () => {
    const zk = await startApache({ forceSync: false });
    try {
      await openSession(zk.host, zk.port); // logs a createSession txn
      const before = zxidOf(await fourLetter(zk.host, zk.port, "srvr"));
      assert.ok(before >= 1);
      const pid = zk.pid;
      await zk.kill();
      await assert.rejects(fourLetter(zk.host, zk.port, "ruok", 1000));
      await zk.restart();
      assert.notEqual(zk.pid, pid);
      assert.ok(zxidOf(await fourLetter(zk.host, zk.port, "srvr")) >= before);
    } finally {
      await zk.stop();
    }
  },
);

interopTest(
  "apache harness: an ensemble elects a new leader when its leader is killed",
  async () => {
    const zk = await startApacheEnsemble(3, { forceSync: false, tickTime: 500 });
    try {
      const first = await zk.leader();
      assert.ok(first !== null);
      await zk.kill(first);
      assert.equal(zk.members[first - 1].running, false);
      await zk.waitServing(30_000);
      const second = await zk.leader();
      assert.ok(second !== null && second !== first, `a new leader (was ${first})`);
      await zk.restart(first);
      assert.equal(await zk.mode(first), "follower");
    } finally {
      await zk.stop();
    }
  },
);
