import assert from "node:assert/strict";
import {
  decodeNotification,
  ElectionPeer,
  type Notification,
  parseQuorumConfig,
  QuorumCnxManager,
  ServerState,
} from "./mod.ts";

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = l.addr.port;
  l.close();
  return port;
}

Deno.test("ElectionPeer: notifications carry the config text it is given, as QuorumVerifier.toString", async () => {
  const quorum = parseQuorumConfig(
    `server.1=127.0.0.1:${freePort()}:${freePort()}\nserver.2=127.0.0.1:${freePort()}:${freePort()}`,
  );
  // Apache prints a server line's client address (QuorumServer.toString).
  const config = [...quorum.servers.values()]
    .map((s) =>
      `server.${s.id}=${s.host}:${s.quorumPort}:${s.electionPort}:participant;0.0.0.0:2181`
    )
    .join("\n") + "\nversion=0";
  const got: Notification[] = [];
  const other = new QuorumCnxManager({
    myId: 2n,
    quorum,
    onMessage: (_from, body) => got.push(decodeNotification(body)),
  });
  await other.listen();
  const peer = new ElectionPeer({ myId: 1n, quorum, data: { zxid: 5n, epoch: 1n }, config });
  try {
    void peer.start();
    const deadline = performance.now() + 5000;
    while (got.length === 0 && performance.now() < deadline) {
      await new Promise((r) => setTimeout(r, 5));
    }
    assert.deepEqual(got[0], {
      state: ServerState.LOOKING,
      leader: 1n,
      zxid: 5n,
      electionEpoch: 1n,
      peerEpoch: 1n,
      version: 2,
      config,
    });
  } finally {
    await peer.close();
    await other.close();
  }
});

Deno.test("close() ends a pending lookForLeader (it rejects), and a later one at once", async () => {
  const quorum = parseQuorumConfig({
    "server.1": "127.0.0.1:1:1",
    "server.2": "127.0.0.1:2:2",
    "server.3": "127.0.0.1:3:3",
  });
  const peer = new ElectionPeer({ myId: 1n, quorum, data: { zxid: 0n, epoch: 0n } });
  const pending = peer.lookForLeader();
  await peer.close();
  await assert.rejects(pending, /the election is closed/);
  await assert.rejects(peer.lookForLeader(), /the election is closed/);
});
