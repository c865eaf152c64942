import assert from "node:assert/strict";
import { fourLetter, startApache } from "./apache.ts";
import { interopTest } from "./oracle.ts";
import { FrameSplitter, fromHex, RecordingProxy, toHex } from "./proxy.ts";

const splitCases: { name: string; chunks: string[]; frames: string[]; pending: number }[] = [
  { name: "nothing yields no frame", chunks: [], frames: [], pending: 0 },
  { name: "a whole frame in one chunk", chunks: ["00000002abcd"], frames: ["abcd"], pending: 0 },
  { name: "an empty frame", chunks: ["00000000"], frames: [""], pending: 0 },
  {
    name: "a length split across chunks",
    chunks: ["0000", "0001", "ff"],
    frames: ["ff"],
    pending: 0,
  },
  {
    name: "two frames and the start of a third in one chunk",
    chunks: ["00000001aa00000001bb000000"],
    frames: ["aa", "bb"],
    pending: 3,
  },
  {
    name: "a payload split byte by byte",
    chunks: ["00", "00", "00", "03", "01", "02", "03"],
    frames: ["010203"],
    pending: 0,
  },
];

for (const c of splitCases) {
  Deno.test(`FrameSplitter: ${c.name}`, () => {
    const s = new FrameSplitter();
    const frames = c.chunks.flatMap((h) => s.push(fromHex(h))).map(toHex);
    assert.deepEqual(frames, c.frames);
    assert.equal(s.pending, c.pending);
  });
}

Deno.test("FrameSplitter: a length above the limit is refused", () => {
  const s = new FrameSplitter(10);
  assert.throws(() => s.push(fromHex("0000000b")), RangeError);
  assert.throws(() => new FrameSplitter().push(fromHex("ffffffff")), RangeError);
});

/** A ConnectRequest frame for a new session (protocol 0, timeout 30 s, no password). */
function connectRequest(): Uint8Array {
  const payload = new Uint8Array(45);
  const v = new DataView(payload.buffer);
  v.setInt32(12, 30_000); // after protocolVersion (int) and lastZxidSeen (long)
  v.setInt32(24, 16); // passwd length, after sessionId (long)
  const frame = new Uint8Array(4 + payload.length);
  new DataView(frame.buffer).setInt32(0, payload.length);
  frame.set(payload, 4);
  return frame;
}

async function readAtLeast(conn: Deno.Conn, n: number): Promise<number> {
  const buf = new Uint8Array(1024);
  let got = 0;
  while (got < n) {
    const k = await conn.read(buf);
    if (k === null) break;
    got += k;
  }
  return got;
}

interopTest("proxy: records a session's frames, skips four-letter words, cuts", async () => {
  const zk = await startApache({ forceSync: false });
  const seen: string[] = [];
  const proxy = await RecordingProxy.start({ host: zk.host, port: zk.port }, {
    onFrame: (f) => seen.push(f.dir),
  });
  try {
    assert.equal(await fourLetter(proxy.host, proxy.port, "ruok"), "imok");
    const conn = await Deno.connect({ hostname: proxy.host, port: proxy.port });
    try {
      await conn.write(connectRequest());
      // ConnectResponse: 4 length + 37 payload bytes.
      assert.equal(await readAtLeast(conn, 41), 41);
      await proxy.waitFor((frames) => frames.length === 2, 5000);
      assert.deepEqual(seen, ["c2s", "s2c"]);
      const frames = proxy.frames();
      assert.deepEqual(frames.map((f) => [f.conn, f.dir]), [[0, "c2s"], [0, "s2c"]]);
      assert.equal(frames[0].hex.length, 90);
      assert.equal(frames[1].hex.length, 74);
      assert.equal(proxy.accepted, 2);
      assert.equal(proxy.connections, 1);
      assert.equal(proxy.cutAll(), 1);
      assert.equal(await conn.read(new Uint8Array(16)).catch(() => null), null);
    } finally {
      conn.close();
    }
    assert.equal(proxy.open, 0);
    assert.deepEqual(proxy.errors, []);
  } finally {
    await proxy.close();
    await zk.stop();
  }
});
