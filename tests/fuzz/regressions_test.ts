// Bugs the live fuzzer found (issue 16), each kept as a case against a real
// zkts process. Apache ZooKeeper 3.8 behaves as the cases expect.
import assert from "node:assert/strict";
import {
  ConnectRequest,
  encode,
  encodeFrame,
  GetDataRequest,
  OpCode,
  RequestHeader,
} from "@zkts/jute";
import { startZkts, startZktsEnsemble } from "../support/zkts.ts";

const CONNECT = encodeFrame(encode(ConnectRequest, {
  protocolVersion: 0,
  lastZxidSeen: 0n,
  timeOut: 30000,
  sessionId: 0n,
  passwd: new Uint8Array(16),
  readOnly: false,
}));
const GET_ROOT = encodeFrame(
  new Uint8Array([
    ...encode(RequestHeader, { xid: 1, type: OpCode.getData }),
    ...encode(GetDataRequest, { path: "/", watch: false }),
  ]),
);

/** Sends `bytes`, then reads until the server closes or `ms` pass. */
async function exchange(
  port: number,
  bytes: Uint8Array,
  ms: number,
): Promise<{ closedAfterMs: number | null; received: number }> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const t0 = performance.now();
  let closed = false;
  let received = 0;
  const timer = setTimeout(() => {
    try {
      conn.close();
    } catch { /* closed */ }
  }, ms);
  try {
    if (bytes.length > 0) await conn.write(bytes);
    const buf = new Uint8Array(4096);
    for (;;) {
      const n = await conn.read(buf);
      if (n === null) {
        closed = true;
        break;
      }
      received += n;
    }
  } catch (e) {
    closed = !(e instanceof Deno.errors.BadResource || e instanceof Deno.errors.Interrupted);
  } finally {
    clearTimeout(timer);
    try {
      conn.close();
    } catch { /* closed */ }
  }
  return { closedAfterMs: closed ? performance.now() - t0 : null, received };
}

Deno.test("a connection silent before its ConnectRequest is closed after 10 s, as Apache's sessionlessCnxnTimeout", async () => {
  await using zk = await startZkts({ forceSync: false });
  const [silent, partial, session] = await Promise.all([
    exchange(zk.port, new Uint8Array(0), 14_000),
    exchange(zk.port, CONNECT.subarray(0, 9), 14_000),
    exchange(zk.port, CONNECT, 12_000),
  ]);
  for (const [name, r] of [["silent", silent], ["half a ConnectRequest", partial]] as const) {
    assert.ok(r.closedAfterMs !== null, `${name}: still open after 14 s`);
    assert.ok(
      r.closedAfterMs >= 9_500 && r.closedAfterMs < 13_000,
      `${name}: ${r.closedAfterMs} ms`,
    );
  }
  assert.equal(session.closedAfterMs, null, "a session idle for 12 s (timeout 30 s) stays open");
  assert.equal(session.received, 41, "its ConnectResponse");
  assert.match(zk.logs(), /no ConnectRequest in 10000 ms/);
});

Deno.test({
  // A request sent right behind the ConnectRequest, before the session is
  // made, waits for it and is served (Apache's processConnectRequest disables
  // reads until finishSessionInit; the Java client sends SetWatches and auth
  // at once). It used to close the connection with no ConnectResponse.
  name: "a request pipelined behind the ConnectRequest is served, as Apache's",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await using zk = await startZkts({ forceSync: false });
    const r = await exchange(zk.port, new Uint8Array([...CONNECT, ...GET_ROOT]), 2_000);
    assert.ok(
      r.received > 41,
      `got ${r.received} bytes: the ConnectResponse, then the getData reply`,
    );
  },
});

Deno.test({
  name:
    "a follower: a pipelined request is served; silent connections count in maxClientCnxns and close after 10 s",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await using ens = await startZktsEnsemble(3, {
      forceSync: false,
      tickTime: 500,
      extra: { maxClientCnxns: 3 },
    });
    const leader = await ens.leader();
    const follower = ens.members.find((m) => m.id !== leader)!;
    const port = follower.clientPort;
    const r = await exchange(port, new Uint8Array([...CONNECT, ...GET_ROOT]), 3_000);
    assert.ok(r.received > 41, `got ${r.received} bytes: the ConnectResponse, then the reply`);
    await new Promise((res) => setTimeout(res, 300)); // its slot is given back
    const silent = [0, 1, 2].map(() => exchange(port, new Uint8Array(0), 14_000));
    await new Promise((res) => setTimeout(res, 500));
    const fourth = await exchange(port, new Uint8Array(0), 5_000);
    assert.ok(
      fourth.closedAfterMs !== null && fourth.closedAfterMs < 2_000,
      `a 4th connection from one address is refused at once: ${fourth.closedAfterMs}`,
    );
    for (const s of await Promise.all(silent)) {
      assert.ok(
        s.closedAfterMs !== null && s.closedAfterMs >= 9_000 && s.closedAfterMs < 13_000,
        `a silent connection closes after 10 s: ${s.closedAfterMs}`,
      );
    }
  },
});
