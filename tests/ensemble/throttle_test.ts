/**
 * globalOutstandingLimit: a zkts ensemble member (a follower) and a
 * standalone server, as real processes, flooded by one raw connection.
 */
import assert from "node:assert/strict";
import { ZooKeeper } from "@zkts/client";
import {
  ConnectRequest,
  ConnectResponse,
  decode,
  encode,
  JuteWriter,
  OpCode,
  RequestHeader,
  SetDataRequest,
} from "@zkts/jute";
import { fourLetter, LOOPBACK } from "../support/apache.ts";
import { startZkts, startZktsEnsemble } from "../support/zkts.ts";

const LIMIT = 10;
const REQUESTS = 3000;

function frame(body: Uint8Array): Uint8Array {
  const f = new Uint8Array(4 + body.length);
  new DataView(f.buffer).setInt32(0, body.length);
  f.set(body, 4);
  return f;
}

async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  let off = 0;
  while (off < bytes.length) off += await conn.write(bytes.subarray(off));
}

async function readExactly(conn: Deno.Conn, n: number): Promise<Uint8Array> {
  const out = new Uint8Array(n);
  let off = 0;
  while (off < n) {
    const got = await conn.read(out.subarray(off));
    if (got === null) throw new Error(`connection closed after ${off} of ${n} bytes`);
    off += got;
  }
  return out;
}

async function readFrame(conn: Deno.Conn): Promise<Uint8Array> {
  const len = new DataView((await readExactly(conn, 4)).buffer).getInt32(0);
  return await readExactly(conn, len);
}

async function outstanding(port: number): Promise<number> {
  const m = (await fourLetter(LOOPBACK, port, "mntr")).match(/^zk_outstanding_requests\t(\d+)$/m);
  if (!m) throw new Error("no zk_outstanding_requests in mntr");
  return Number(m[1]);
}

/**
 * One raw connection to `port` writes REQUESTS pipelined setData of /flood
 * and reads nothing until they are all applied; returns the most
 * outstanding requests mntr showed on each of `watched` meanwhile, then
 * checks every reply.
 */
async function flood(port: number, zk: ZooKeeper, watched: number[]): Promise<number[]> {
  const conn = await Deno.connect({ hostname: LOOPBACK, port });
  try {
    await zk.create("/flood", null);
    await writeAll(
      conn,
      frame(encode(ConnectRequest, {
        protocolVersion: 0,
        lastZxidSeen: 0n,
        timeOut: 30000,
        sessionId: 0n,
        passwd: new Uint8Array(16),
        readOnly: false,
      })),
    );
    assert.ok(decode(ConnectResponse, await readFrame(conn)).sessionId !== 0n);
    const w = new JuteWriter();
    const frames: Uint8Array[] = [];
    for (let xid = 1; xid <= REQUESTS; xid++) {
      w.reset();
      RequestHeader.write(w, { xid, type: OpCode.setData });
      SetDataRequest.write(w, { path: "/flood", data: new Uint8Array([xid & 0xff]), version: -1 });
      frames.push(frame(w.toBytes()));
    }
    const all = new Uint8Array(frames.reduce((n, f) => n + f.length, 0));
    frames.reduce((off, f) => (all.set(f, off), off + f.length), 0);
    const writing = writeAll(conn, all);
    const max = watched.map(() => 0);
    const deadline = Date.now() + 60_000;
    for (;;) {
      for (const [i, p] of watched.entries()) max[i] = Math.max(max[i], await outstanding(p));
      const stat = await zk.exists("/flood");
      if (stat!.version >= REQUESTS) break;
      if (Date.now() > deadline) throw new Error(`only ${stat!.version} of ${REQUESTS} applied`);
    }
    await writing;
    for (let xid = 1; xid <= REQUESTS; xid++) {
      const reply = await readFrame(conn);
      const v = new DataView(reply.buffer, reply.byteOffset);
      assert.equal(v.getInt32(0), xid, "replies in order");
      assert.equal(v.getInt32(12), 0, `setData ${xid} ok`);
    }
    return max;
  } finally {
    conn.close();
  }
}

Deno.test({
  name:
    `ensemble: a follower flooded with ${REQUESTS} pipelined writes keeps at most globalOutstandingLimit+1 outstanding, and so does its leader; every reply arrives once the client reads`,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await using ens = await startZktsEnsemble(3, {
      forceSync: false,
      extra: { globalOutstandingLimit: LIMIT },
    });
    const leader = (await ens.leader())!;
    const follower = ens.members.find((m) => m.id !== leader)!;
    const zk = await ZooKeeper.connect(ens.connectStringOf(leader));
    try {
      const [onFollower, onLeader] = await flood(follower.clientPort, zk, [
        follower.clientPort,
        ens.members[leader - 1].clientPort,
      ]);
      assert.ok(onFollower >= 1, "the follower counts its forwarded writes as outstanding");
      assert.ok(onFollower <= LIMIT + 1, `follower: ${onFollower} outstanding`);
      assert.ok(onLeader <= LIMIT + 1, `leader: ${onLeader} outstanding`);
    } finally {
      await zk.close();
    }
  },
});

Deno.test({
  name:
    `standalone: a server flooded with ${REQUESTS} pipelined writes keeps at most globalOutstandingLimit+1 outstanding`,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await using server = await startZkts({
      forceSync: false,
      extra: { globalOutstandingLimit: LIMIT },
    });
    const zk = await ZooKeeper.connect(server.connectString);
    try {
      const [most] = await flood(server.port, zk, [server.port]);
      assert.ok(most <= LIMIT + 1, `${most} outstanding`);
    } finally {
      await zk.close();
    }
  },
});
