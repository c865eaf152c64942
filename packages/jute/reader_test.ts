import assert from "node:assert/strict";
import { JuteDecodeError, JuteReader, JuteWriter } from "./mod.ts";
import { fromHex, toHex } from "./_test_util.ts";

const LONGS: [name: string, value: bigint, hex: string][] = [
  ["zero", 0n, "0000000000000000"],
  ["minus one", -1n, "ffffffffffffffff"],
  ["2^53 + 1 (not exact as a number)", 2n ** 53n + 1n, "0020000000000001"],
  ["a session id over 2^53", 0x1000000a3b40001n, "01000000a3b40001"],
  ["a session id with the top bit set", -0x7fffff5c4bffffffn, "800000a3b4000001"],
  ["max", 2n ** 63n - 1n, "7fffffffffffffff"],
  ["min", -(2n ** 63n), "8000000000000000"],
  ["zxid epoch 5 counter 7", 0x500000007n, "0000000500000007"],
];

for (const [name, value, hex] of LONGS) {
  Deno.test(`reader/writer: long ${name} is ${hex}`, () => {
    const w = new JuteWriter();
    w.writeLong(value);
    assert.equal(toHex(w.bytes()), hex);
    assert.equal(new JuteReader(fromHex(hex)).readLong(), value);
  });
}

const INTS: [number, string][] = [
  [0, "00000000"],
  [-1, "ffffffff"],
  [2147483647, "7fffffff"],
  [-2147483648, "80000000"],
  [0xfffff, "000fffff"],
];

for (const [value, hex] of INTS) {
  Deno.test(`reader/writer: int ${value} is ${hex}`, () => {
    const w = new JuteWriter();
    w.writeInt(value);
    assert.equal(toHex(w.bytes()), hex);
    assert.equal(new JuteReader(fromHex(hex)).readInt(), value);
  });
}

Deno.test("reader/writer: booleans are one byte; any non-zero byte reads true as DataInput does", () => {
  const w = new JuteWriter();
  w.writeBool(true);
  w.writeBool(false);
  assert.equal(toHex(w.bytes()), "0100");
  const r = new JuteReader(fromHex("0100ff"));
  assert.deepEqual([r.readBool(), r.readBool(), r.readBool()], [true, false, true]);
});

Deno.test("reader/writer: null buffer, string and vector are length -1", () => {
  const w = new JuteWriter();
  w.writeBuffer(null);
  w.writeString(null);
  w.writeVector(null, (w2, x: number) => w2.writeInt(x));
  assert.equal(toHex(w.bytes()), "ffffffff".repeat(3));
  const r = new JuteReader(w.bytes());
  assert.equal(r.readBuffer(), null);
  assert.equal(r.readStringOrNull(), null);
  assert.equal(r.readVectorOrNull((x) => x.readInt()), null);
  r.expectEnd();
});

Deno.test("reader: buffers are copies unless the reader borrows", () => {
  const bytes = fromHex("00000002abcd");
  const copy = new JuteReader(bytes).readBuffer()!;
  const view = new JuteReader(bytes, 0, bytes.length, { borrow: true }).readBuffer()!;
  bytes[4] = 0;
  assert.equal(copy[0], 0xab);
  assert.equal(view[0], 0);
  assert.equal(view.buffer, bytes.buffer);
});

Deno.test("reader: a window [offset, end) reads only inside it", () => {
  const bytes = fromHex("ffffffff 00000007 ffffffff");
  const r = new JuteReader(bytes, 4, 8);
  assert.equal(r.readInt(), 7);
  assert.throws(() => r.readInt(), JuteDecodeError);
  assert.throws(() => new JuteReader(bytes, 8, 20), RangeError);
});

const BAD: [
  name: string,
  hex: string,
  read: (r: JuteReader) => unknown,
  reason: RegExp,
  offset: number,
][] = [
  ["int with 3 bytes", "000000", (r) => r.readInt(), /int needs 4 bytes, 3 left/, 0],
  ["long with 7 bytes", "00000000000000", (r) => r.readLong(), /long needs 8/, 0],
  ["empty boolean", "", (r) => r.readBool(), /boolean needs 1/, 0],
  ["string length -2", "fffffffe", (r) => r.readString(), /negative string length -2/, 0],
  [
    "string longer than the bytes",
    "0000000561",
    (r) => r.readString(),
    /string of length 5, 1 bytes left/,
    0,
  ],
  ["huge buffer length", "7fffffff00", (r) => r.readBuffer(), /buffer of length 2147483647/, 0],
  ["null where a string is required", "ffffffff", (r) => r.readString(), /null string/, 0],
  [
    "vector count beyond the bytes",
    "0000000a00000000",
    (r) => r.readVector((x) => x.readBool()),
    /vector of length 10, 4 bytes left/,
    0,
  ],
  [
    "vector count -5",
    "fffffffb",
    (r) => r.readVector((x) => x.readInt()),
    /negative vector length -5/,
    0,
  ],
  [
    "null where a vector is required",
    "ffffffff",
    (r) => r.readVector((x) => x.readInt()),
    /null vector/,
    0,
  ],
  [
    "second int cut",
    "0000000100",
    (r) => [r.readInt(), r.readInt()],
    /int needs 4 bytes, 1 left/,
    4,
  ],
];

for (const [name, hex, read, reason, offset] of BAD) {
  Deno.test(`reader: ${name} is a JuteDecodeError at offset ${offset}`, () => {
    const r = new JuteReader(fromHex(hex));
    assert.throws(() => read(r), (e: unknown) => {
      assert.ok(e instanceof JuteDecodeError);
      assert.match(e.message, reason);
      assert.equal(e.offset, offset);
      return true;
    });
  });
}

Deno.test("reader: expectEnd names the trailing bytes", () => {
  const r = new JuteReader(fromHex("0000000100"));
  r.readInt();
  assert.throws(() => r.expectEnd(), /1 trailing bytes at byte offset 4/);
});
