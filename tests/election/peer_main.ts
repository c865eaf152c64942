/**
 * One zkts election peer as a process, for loopback and interop tests:
 * `deno run -A tests/election/peer_main.ts <zoo.cfg> <myid> [zxid] [epoch] [zab]`.
 *
 * Prints one JSON line per event on stdout (`listening`, `decided`,
 * `looking`).
 *
 * This peer runs the election alone (the server's QuorumPeer runs it with
 * ZAB), so something must send it back to LOOKING when its leader is gone or
 * never leads. With `zab` (the 5th argument) a stand-in does
 * what Apache's Learner and Leader do at that point: the leader listens on its
 * quorum port and steps down without a quorum of connected followers within
 * initLimit; a follower connects to its leader's quorum port (5 tries) and
 * looks again when it cannot or when the connection closes. Without it (mixed
 * ensembles with Apache), a follower looks again when its election connection
 * to the leader closes.
 */

import {
  ElectionPeer,
  parseQuorumConfig,
  ServerState,
  stateName,
  type Vote,
} from "../../packages/election/mod.ts";

const [cfgPath, idText, zxidText = "0", epochText = "0", zabText = ""] = Deno.args;
const quorum = parseQuorumConfig(await Deno.readTextFile(cfgPath));
const myId = BigInt(idText);
const data = { zxid: BigInt(zxidText), epoch: BigInt(epochText) };
const standIn = zabText === "zab";
const INIT_LIMIT_MS = 2000;
const CONNECT_TRIES = 5;
const CONNECT_RETRY_MS = 200;
const t0 = performance.now();
let current: Vote | undefined;
let lookAt = performance.now();
let generation = 0;
const cleanups: (() => void)[] = [];

function emit(event: string, fields: Record<string, unknown> = {}): void {
  const line = { event, t: Math.round(performance.now() - t0), id: String(myId), ...fields };
  console.log(JSON.stringify(line, (_, v) => typeof v === "bigint" ? String(v) : v));
}

function look(why: string): void {
  generation++;
  for (const c of cleanups.splice(0)) c();
  current = undefined;
  emit("looking", { why });
  lookAt = performance.now();
  peer.lookForLeader();
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
      electionMs: Math.round((performance.now() - lookAt) * 10) / 10,
    });
    if (standIn) {
      if (v.state === ServerState.LEADING) lead(generation);
      else follow(v.id, generation);
    }
  },
  onDisconnect(sid) {
    if (!standIn && current && current.state !== ServerState.LEADING && sid === current.id) {
      look(`lost ${sid}`);
    }
  },
  onWarning(text) {
    if (Deno.env.get("ELECTION_DEBUG")) console.error(`[${myId}] ${text}`);
  },
});

function lead(gen: number): void {
  const me = quorum.servers.get(myId)!;
  let listener: Deno.TcpListener;
  try {
    listener = Deno.listen({ hostname: me.host, port: me.quorumPort });
  } catch {
    return look("quorum port busy");
  }
  const conns = new Map<Deno.TcpConn, bigint>();
  cleanups.push(() => {
    listener.close();
    for (const c of conns.keys()) c.close();
  });
  const timer = setTimeout(() => {
    if (gen === generation && !quorum.containsQuorum([myId, ...conns.values()])) {
      look("no quorum of followers");
    }
  }, INIT_LIMIT_MS);
  cleanups.push(() => clearTimeout(timer));
  (async () => {
    for await (const conn of listener) {
      const id = new Uint8Array(8);
      (async () => {
        try {
          let off = 0;
          while (off < 8) {
            const n = await conn.read(id.subarray(off));
            if (n === null) throw new Error("closed");
            off += n;
          }
          conns.set(conn, new DataView(id.buffer).getBigInt64(0));
          while (await conn.read(new Uint8Array(1)) !== null) { /* idle */ }
        } catch { /* closed */ }
        conns.delete(conn);
        try {
          conn.close();
        } catch { /* closed */ }
        if (gen === generation && !quorum.containsQuorum([myId, ...conns.values()])) {
          look("lost quorum of followers");
        }
      })();
    }
  })().catch(() => {});
}

async function follow(leader: bigint, gen: number): Promise<void> {
  const s = quorum.servers.get(leader)!;
  for (let i = 0; i < CONNECT_TRIES; i++) {
    if (gen !== generation) return;
    try {
      const conn = await Deno.connect({ hostname: s.host, port: s.quorumPort });
      if (gen !== generation) return conn.close();
      cleanups.push(() => {
        try {
          conn.close();
        } catch { /* closed */ }
      });
      const id = new Uint8Array(8);
      new DataView(id.buffer).setBigInt64(0, myId);
      await conn.write(id);
      emit("synced", { leader });
      try {
        while (await conn.read(new Uint8Array(1)) !== null) { /* idle */ }
      } catch { /* closed */ }
      if (gen === generation) look(`lost leader ${leader}`);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, CONNECT_RETRY_MS));
    }
  }
  if (gen === generation) look(`cannot reach leader ${leader}`);
}

await peer.manager.listen();
emit("listening");
lookAt = performance.now();
peer.lookForLeader();
Deno.addSignalListener("SIGTERM", async () => {
  await peer.close();
  Deno.exit(0);
});
