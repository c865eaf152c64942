import assert from "node:assert/strict";
import {
  encodeInitialMessage,
  frame,
  parseQuorumConfig,
  QuorumCnxManager,
  type QuorumVerifier,
  type Sid,
} from "./mod.ts";

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = l.addr.port;
  l.close();
  return port;
}

function ensemble(n: number): QuorumVerifier {
  const lines = [];
  for (let i = 1; i <= n; i++) lines.push(`server.${i}=127.0.0.1:${freePort()}:${freePort()}`);
  return parseQuorumConfig(lines.join("\n"));
}

interface Node {
  m: QuorumCnxManager;
  got: { from: Sid; body: number[] }[];
  warnings: string[];
}

function node(myId: Sid, quorum: QuorumVerifier): Node {
  const got: Node["got"] = [];
  const warnings: string[] = [];
  const m = new QuorumCnxManager({
    myId,
    quorum,
    onMessage: (from, body) => got.push({ from, body: [...body] }),
    onWarning: (w) => warnings.push(w),
  });
  return { m, got, warnings };
}

async function until(what: string, check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function rawConnect(qv: QuorumVerifier, sid: Sid): Promise<Deno.TcpConn> {
  const s = qv.servers.get(sid)!;
  return await Deno.connect({ hostname: s.host, port: s.electionPort });
}

async function closedByPeer(conn: Deno.TcpConn): Promise<boolean> {
  const buf = new Uint8Array(64);
  try {
    for (;;) {
      const n = await conn.read(buf);
      if (n === null) return true;
    }
  } catch {
    return true;
  } finally {
    try {
      conn.close();
    } catch { /* closed */ }
  }
}

Deno.test("manager: one connection per pair, initiated by the higher id; messages both ways", async () => {
  const qv = ensemble(2);
  const a = node(1n, qv);
  const b = node(2n, qv);
  try {
    await a.m.listen();
    await b.m.listen();
    a.m.toSend(2n, new Uint8Array([1])); // 1 connects, loses the challenge, 2 connects back
    await until("2 hears 1", () => b.got.length === 1);
    b.m.toSend(1n, new Uint8Array([2]));
    await until("1 hears 2", () => a.got.length === 1);
    assert.deepEqual(a.got, [{ from: 2n, body: [2] }]);
    assert.deepEqual(b.got, [{ from: 1n, body: [1] }]);
    assert.deepEqual(a.m.connected, [2n]);
    assert.deepEqual(b.m.connected, [1n]);
  } finally {
    await a.m.close();
    await b.m.close();
  }
});

Deno.test("manager: a message to oneself is delivered at once", async () => {
  const qv = ensemble(1);
  const a = node(1n, qv);
  a.m.toSend(1n, new Uint8Array([9]));
  assert.deepEqual(a.got, [{ from: 1n, body: [9] }]);
  await a.m.close();
});

Deno.test("manager: the send queue keeps the newest message for a peer that is down", async () => {
  const qv = ensemble(2);
  const a = node(2n, qv);
  const b = node(1n, qv);
  try {
    await a.m.listen();
    for (let i = 1; i <= 5; i++) a.m.toSend(1n, new Uint8Array([i]));
    await new Promise((r) => setTimeout(r, 100));
    await b.m.listen(); // the back-off retry connects
    await until("1 hears 2", () => b.got.length >= 1, 8000);
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(b.got, [{ from: 2n, body: [5] }], "only the newest survives");
  } finally {
    await a.m.close();
    await b.m.close();
  }
});

const refusals: { name: string; bytes: (qv: QuorumVerifier) => Uint8Array; warning: RegExp }[] = [
  {
    name: "an unknown server id",
    bytes: () => encodeInitialMessage(99n, "127.0.0.1:1"),
    warning: /unknown server 99/,
  },
  {
    name: "an unknown protocol version",
    bytes: () => encodeInitialMessage(2n, "127.0.0.1:1", -7n),
    warning: /unrecognized protocol version/,
  },
  {
    name: "our own id",
    bytes: () => encodeInitialMessage(1n, "127.0.0.1:1"),
    warning: /our own ID/,
  },
  {
    name: "a bad frame length after a good handshake",
    bytes: (qv) => {
      const s = qv.servers.get(2n)!;
      const init = encodeInitialMessage(2n, `127.0.0.1:${s.electionPort}`);
      const bad = new Uint8Array(4);
      new DataView(bad.buffer).setInt32(0, -1);
      const out = new Uint8Array(init.length + 4);
      out.set(init);
      out.set(bad, init.length);
      return out;
    },
    warning: /invalid packet: -1/,
  },
];

for (const c of refusals) {
  Deno.test(`manager: refuses ${c.name}, and still serves the others`, async () => {
    const qv = ensemble(3);
    const a = node(1n, qv);
    const b = node(2n, qv);
    try {
      await a.m.listen();
      await b.m.listen();
      const conn = await rawConnect(qv, 1n);
      await conn.write(c.bytes(qv));
      assert.equal(await closedByPeer(conn), true);
      await until("a warning", () => a.warnings.some((w) => c.warning.test(w)));
      b.m.toSend(1n, new Uint8Array([7]));
      await until("1 hears 2", () => a.got.some((g) => g.from === 2n && g.body[0] === 7));
    } finally {
      await a.m.close();
      await b.m.close();
    }
  });
}

Deno.test("manager: a good frame from a raw higher-id peer is delivered in order", async () => {
  const qv = ensemble(2);
  const a = node(1n, qv);
  try {
    await a.m.listen();
    const conn = await rawConnect(qv, 1n);
    const s = qv.servers.get(2n)!;
    const init = encodeInitialMessage(2n, `127.0.0.1:${s.electionPort}`);
    const bytes = [...init, ...frame(new Uint8Array([1, 2])), ...frame(new Uint8Array([3]))];
    for (const b of bytes) await conn.write(new Uint8Array([b])); // byte by byte
    await until("two messages", () => a.got.length === 2);
    assert.deepEqual(a.got, [{ from: 2n, body: [1, 2] }, { from: 2n, body: [3] }]);
    conn.close();
  } finally {
    await a.m.close();
  }
});
