import assert from "node:assert/strict";
import { encodeFrame, FrameLengthError, FrameSplitter, JUTE_MAXBUFFER_DEFAULT } from "./mod.ts";
import { Prng } from "./_test_util.ts";

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

const payloads = [
  new Uint8Array([1, 2, 3]),
  new Uint8Array(0),
  new Uint8Array(300).map((_, i) => i & 0xff),
  new Uint8Array([9]),
];
const stream = concat(payloads.map(encodeFrame));

Deno.test("frame: encodeFrame prefixes the big-endian length", () => {
  assert.deepEqual(encodeFrame(new Uint8Array(258)).subarray(0, 4), new Uint8Array([0, 0, 1, 2]));
});

Deno.test("frame: four packed frames in one chunk come out whole, as views", () => {
  const s = new FrameSplitter();
  const frames = s.push(stream);
  assert.deepEqual(frames, payloads);
  assert.equal(frames[2].buffer, stream.buffer, "zero-copy");
  assert.equal(s.buffered, 0);
});

Deno.test("frame: split at every offset into two chunks", () => {
  for (let cut = 0; cut <= stream.length; cut++) {
    const s = new FrameSplitter();
    const frames = [...s.push(stream.slice(0, cut)), ...s.push(stream.slice(cut))];
    assert.deepEqual(frames, payloads, `cut at ${cut}`);
    assert.equal(s.buffered, 0);
  }
});

Deno.test("frame: one byte at a time", () => {
  const s = new FrameSplitter();
  const frames: Uint8Array[] = [];
  for (let i = 0; i < stream.length; i++) frames.push(...s.push(stream.subarray(i, i + 1)));
  assert.deepEqual(frames, payloads);
});

Deno.test("frame: random chunking (seeded) gives the same frames", () => {
  const rnd = new Prng(42);
  for (let round = 0; round < 200; round++) {
    const s = new FrameSplitter();
    const frames: Uint8Array[] = [];
    for (let i = 0; i < stream.length;) {
      const n = 1 + rnd.int(40);
      frames.push(...s.push(stream.slice(i, i + n)));
      i += n;
    }
    assert.deepEqual(frames, payloads, `round ${round}`);
  }
});

Deno.test("frame: an empty chunk yields nothing", () => {
  assert.deepEqual(new FrameSplitter().push(new Uint8Array(0)), []);
});

const LENGTHS: [name: string, max: number, len: number, ok: boolean][] = [
  ["exactly jute.maxbuffer is accepted", JUTE_MAXBUFFER_DEFAULT, JUTE_MAXBUFFER_DEFAULT, true],
  ["jute.maxbuffer + 1 is refused", JUTE_MAXBUFFER_DEFAULT, JUTE_MAXBUFFER_DEFAULT + 1, false],
  ["a negative length is refused", JUTE_MAXBUFFER_DEFAULT, -1, false],
  ["0x80000000 (negative as int) is refused", JUTE_MAXBUFFER_DEFAULT, -0x80000000, false],
  ["a custom limit is honoured", 10, 11, false],
  ["zero is accepted", 10, 0, true],
];

for (const [name, max, len, ok] of LENGTHS) {
  Deno.test(`frame: ${name}`, () => {
    const head = new Uint8Array(4);
    new DataView(head.buffer).setInt32(0, len);
    for (const split of [false, true]) {
      const s = new FrameSplitter({ maxFrameBytes: max });
      const push = () =>
        split ? [...s.push(head.subarray(0, 2)), ...s.push(head.subarray(2))] : s.push(head);
      if (ok) {
        const frames = push();
        assert.equal(frames.length, len === 0 ? 1 : 0);
        assert.equal(s.buffered, 0);
      } else {
        assert.throws(push, (e: unknown) => {
          assert.ok(e instanceof FrameLengthError);
          assert.equal(e.length, len);
          assert.equal(e.maxFrameBytes, max);
          return true;
        });
      }
    }
  });
}

Deno.test("frame: a frame of exactly the limit is assembled across chunks", () => {
  const s = new FrameSplitter({ maxFrameBytes: 1000 });
  const f = encodeFrame(new Uint8Array(1000).fill(3));
  assert.deepEqual(s.push(f.subarray(0, 10)), []);
  assert.equal(s.buffered, 6);
  const out = s.push(f.subarray(10));
  assert.equal(out.length, 1);
  assert.equal(out[0].length, 1000);
});
