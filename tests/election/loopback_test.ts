/**
 * Three zkts election peers, each its own process, on real loopback sockets:
 * they elect a leader; the leader is killed; the other two elect a new one.
 */

import assert from "node:assert/strict";
import { freePort } from "../support/apache.ts";
import { startPeers } from "./procs.ts";

Deno.test({
  name: "loopback: three processes elect 3; 3 is killed; 1 and 2 elect 2",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const ports = [1, 2, 3].map(() => [freePort(), freePort()]);
    const cfg = ports.map(([q, e], i) => `server.${i + 1}=127.0.0.1:${q}:${e}`).join("\n");
    await using peers = await startPeers(cfg, [{ id: 1 }, { id: 2 }, { id: 3 }], {
      standInZab: true,
    });
    const first = await peers.waitDecided([1, 2, 3], 20_000);
    assert.deepEqual(first.map((d) => [d.id, d.leader, d.state]), [
      ["1", "3", "FOLLOWING"],
      ["2", "3", "FOLLOWING"],
      ["3", "3", "LEADING"],
    ]);
    await peers.waitEvent([1, 2], "synced", 10_000);
    const killedAt = performance.now();
    peers.kill(3);
    const second = await peers.waitDecided([1, 2], 20_000, (d) => d.leader !== "3");
    assert.deepEqual(second.map((d) => [d.id, d.leader, d.state]), [
      ["1", "2", "FOLLOWING"],
      ["2", "2", "LEADING"],
    ]);
    console.log(
      `re-election after killing the leader: ${Math.round(performance.now() - killedAt)} ms`,
    );
  },
});
