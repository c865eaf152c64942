import assert from "node:assert/strict";
import { JuteWriter } from "./mod.ts";
import { toHex } from "./_test_util.ts";

Deno.test("writer: grows past its first capacity and keeps what it wrote", () => {
  const w = new JuteWriter(16);
  for (let i = 0; i < 1000; i++) w.writeInt(i);
  w.writeBuffer(new Uint8Array(5000).fill(7));
  assert.equal(w.length, 4000 + 4 + 5000);
  const b = w.bytes();
  assert.equal(new DataView(b.buffer, b.byteOffset).getInt32(4 * 999), 999);
  assert.equal(b[b.length - 1], 7);
});

Deno.test("writer: reset reuses the buffer; bytes() is a view, toBytes() a copy", () => {
  const w = new JuteWriter();
  w.writeInt(1);
  const view = w.bytes();
  const copy = w.toBytes();
  w.reset();
  w.writeInt(2);
  assert.equal(view[3], 2, "the view sees the reuse");
  assert.equal(copy[3], 1, "the copy does not");
  assert.equal(w.length, 4);
});

Deno.test("writer: startFrame/endFrame write the length prefix", () => {
  const w = new JuteWriter();
  w.writeByte(9);
  const mark = w.startFrame();
  w.writeInt(-2);
  w.writeInt(11);
  w.endFrame(mark);
  assert.equal(toHex(w.bytes()), "09" + "00000008" + "fffffffe" + "0000000b");
  assert.throws(() => w.patchInt(10, 0), RangeError);
});

Deno.test("writer: vectors write a count then the items", () => {
  const w = new JuteWriter();
  w.writeVector(["a", "bc"], (x, s) => x.writeString(s));
  assert.equal(toHex(w.bytes()), "00000002" + "0000000161" + "000000026263");
});

Deno.test("writer: raw bytes carry no prefix", () => {
  const w = new JuteWriter();
  w.writeRaw(new Uint8Array([1, 2]));
  assert.equal(toHex(w.bytes()), "0102");
});
