/**
 * One zkts election peer as a process, for loopback and interop tests:
 * `deno run -A tests/election/peer_main.ts <zoo.cfg> <myid> [zxid] [epoch]`.
 *
 * Prints one JSON line per event on stdout (`listening`, `decided`,
 * `looking`). Standing in for ZAB until it exists: a follower whose election
 * connection to its leader closes looks for a leader again.
 */

import {
  ElectionPeer,
  parseQuorumConfig,
  ServerState,
  stateName,
  type Vote,
} from "../../packages/election/mod.ts";

const [cfgPath, idText, zxidText = "0", epochText = "0"] = Deno.args;
const quorum = parseQuorumConfig(await Deno.readTextFile(cfgPath));
const myId = BigInt(idText);
const data = { zxid: BigInt(zxidText), epoch: BigInt(epochText) };
const t0 = performance.now();
let current: Vote | undefined;

function emit(event: string, fields: Record<string, unknown> = {}): void {
  const line = { event, t: Math.round(performance.now() - t0), id: String(myId), ...fields };
  console.log(JSON.stringify(line, (_, v) => typeof v === "bigint" ? String(v) : v));
}

const peer: ElectionPeer = new ElectionPeer({
  myId,
  quorum,
  data,
  onDecided(v) {
    current = v;
    emit("decided", {
      leader: v.id,
      state: stateName(v.state),
      round: v.electionEpoch,
      zxid: v.zxid,
    });
  },
  onDisconnect(sid) {
    if (current && current.state !== ServerState.LEADING && sid === current.id) {
      current = undefined;
      emit("looking", { lost: sid });
      peer.lookForLeader();
    }
  },
  onWarning(text) {
    if (Deno.env.get("ELECTION_DEBUG")) console.error(`[${myId}] ${text}`);
  },
});

await peer.manager.listen();
emit("listening");
peer.lookForLeader();
Deno.addSignalListener("SIGTERM", async () => {
  await peer.close();
  Deno.exit(0);
});
