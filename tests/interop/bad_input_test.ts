/**
 * Bad input on the client port (issue #6): a frame over jute.maxbuffer, a
 * garbage frame, a truncated ConnectRequest, a request before the handshake.
 * Apache ZooKeeper 3.8 closes that connection and keeps serving others; zkts
 * must do the same (checked with a second client on each server).
 */
import assert from "node:assert/strict";
import { ZooKeeper } from "@zkts/client";
import {
  ConnectRequest,
  encode,
  encodeFrame,
  GetDataRequest,
  OpCode,
  RequestHeader,
} from "@zkts/jute";
import { interopTest } from "../support/oracle.ts";
import { TARGETS } from "../support/zkts.ts";
import type { ApacheServer } from "../support/apache.ts";

const cat = (...parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
};
const u32 = (n: number) => {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n);
  return b;
};

/** A valid handshake frame: a new session, 10 s. */
const CONNECT = encodeFrame(encode(ConnectRequest, {
  protocolVersion: 0,
  lastZxidSeen: 0n,
  timeOut: 10000,
  sessionId: 0n,
  passwd: new Uint8Array(16),
  readOnly: false,
}));

/** A getData request frame. */
const GET_DATA = encodeFrame(cat(
  encode(RequestHeader, { xid: 1, type: OpCode.getData }),
  encode(GetDataRequest, { path: "/", watch: false }),
));

/** One kind of bad input: bytes sent after an optional handshake. */
interface Case {
  name: string;
  handshake: boolean;
  bytes: Uint8Array;
}

const CASES: Case[] = [
  { name: "a frame length over jute.maxbuffer, first", handshake: false, bytes: u32(0x7fffffff) },
  {
    name: "a frame over jute.maxbuffer after the handshake",
    handshake: true,
    bytes: cat(u32(0xfffff + 1024 + 1), new Uint8Array(4096)),
  },
  { name: "a negative frame length", handshake: true, bytes: u32(0xffffffff) },
  {
    name: "a garbage frame instead of the handshake",
    handshake: false,
    bytes: encodeFrame(new Uint8Array([1, 2, 3, 4, 5, 6, 7])),
  },
  {
    name: "a garbage frame after the handshake",
    handshake: true,
    bytes: encodeFrame(new Uint8Array([0xde, 0xad])),
  },
  {
    name: "a truncated ConnectRequest",
    handshake: false,
    bytes: encodeFrame(CONNECT.subarray(4, 4 + 20)),
  },
  { name: "a request before the handshake", handshake: false, bytes: GET_DATA },
];

/** What the server did with the connection: "closed" or what it sent. */
async function outcome(server: ApacheServer, c: Case): Promise<string> {
  const conn = await Deno.connect({ hostname: server.host, port: server.port });
  const buf = new Uint8Array(64 * 1024);
  const read = (ms: number): Promise<number | null | "timeout"> =>
    Promise.race([
      conn.read(buf).catch(() => null),
      new Promise<"timeout">((r) => setTimeout(() => r("timeout"), ms)),
    ]);
  try {
    if (c.handshake) {
      await conn.write(CONNECT);
      const n = await read(5000);
      if (typeof n !== "number") return "no handshake reply";
    }
    try {
      await conn.write(c.bytes);
    } catch {
      return "closed";
    }
    // Read until the server closes, bounded in time; the answer is closed or what came.
    let got = 0;
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline) {
      const n = await read(deadline - Date.now());
      if (n === "timeout") return got ? `open after ${got} bytes` : "open";
      if (n === null) return "closed";
      got += n;
    }
    return "open";
  } finally {
    try {
      conn.close();
    } catch { /* closed */ }
  }
}

interopTest("bad input: the connection is closed and the server serves others", async (t) => {
  const servers: ApacheServer[] = [];
  const watchers: ZooKeeper[] = [];
  try {
    for (const target of TARGETS) servers.push(await target.start({ forceSync: false }));
    // A session that lives through all of it on each server.
    for (const s of servers) watchers.push(await ZooKeeper.connect(s.connectString));
    for (const c of CASES) {
      await t.step(c.name, async () => {
        const [a, z] = await Promise.all(servers.map((s) => outcome(s, c)));
        assert.equal(a, "closed", `Apache: ${a}`);
        assert.equal(z, a, `zkts: ${z}, Apache: ${a}`);
        for (let i = 0; i < servers.length; i++) {
          const zk = await ZooKeeper.connect(servers[i].connectString);
          try {
            await zk.create("/probe", null);
            await zk.delete("/probe");
          } finally {
            await zk.close();
          }
          assert.ok(await watchers[i].exists("/zookeeper"), `${TARGETS[i].name} serves`);
        }
      });
    }
  } finally {
    for (const zk of watchers) await zk.close();
    for (const s of servers) await s.stop();
  }
});
