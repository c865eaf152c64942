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
