import assert from "node:assert/strict";
import { decodeJavaUtf8 } from "./_utf8.ts";
import { decode, encode, JuteReader, JuteWriter, SyncResponse } from "./mod.ts";
import { fromHex, toHex } from "./_test_util.ts";

function units(s: string): string {
  return Array.from({ length: s.length }, (_, i) => s.charCodeAt(i).toString(16)).join(",");
}

// Outputs of `new String(bytes, UTF_8)` on OpenJDK 17 (the JDK Debian's
// ZooKeeper 3.8 runs on). A 200,000-input random differential run against it
// matched exactly; these are the cases where it differs from TextDecoder.
const JAVA_DECODES: [hex: string, utf16: string][] = [
  ["eda080", "fffd"],
  ["edb880", "fffd"],
  ["f09f9880", "d83d,de00"],
  ["c0af", "fffd,fffd"],
  ["e080af", "fffd,fffd,fffd"],
  ["f4908080", "fffd,fffd,fffd,fffd"],
  ["ff", "fffd"],
  ["efbbbf41", "feff,41"],
  ["e282", "fffd"],
  ["f09f98", "fffd"],
  ["f09f", "fffd"],
  ["f0", "fffd"],
  ["c3", "fffd"],
  ["f7c100e10000eda0", "fffd,fffd,0,fffd,0,0,fffd"],
  ["eda0", "fffd"],
  ["a0eda090", "fffd,fffd"],
  ["eeeda0009039ede1", "fffd,fffd,0,fffd,39,fffd,fffd"],
  ["00eda000ec388040", "0,fffd,0,fffd,38,fffd,40"],
  ["0080eda0", "0,fffd,fffd"],
  ["e0f140edbfecff", "fffd,fffd,40,fffd,fffd,fffd"],
  ["edbf00ed", "fffd,0,fffd"],
  ["a0f7edbfc040ee", "fffd,fffd,fffd,fffd,40,fffd"],
];

for (const [hex, want] of JAVA_DECODES) {
  Deno.test(`utf8: ${hex} decodes as the JDK does (${want})`, () => {
    const b = fromHex(hex);
    assert.equal(units(decodeJavaUtf8(b, 0, b.length)), want);
    // Past the 32-byte short-string path too.
    const pad = new Uint8Array(40 + b.length);
    pad.fill(0x61, 0, 40);
    pad.set(b, 40);
    assert.equal(units(decodeJavaUtf8(pad, 0, pad.length)), "61,".repeat(40) + want);
  });
}

const ENCODES: [name: string, s: string, hex: string][] = [
  ["ascii", "/a", "2f61"],
  ["two-byte", "\u00fc", "c3bc"],
  ["three-byte", "\u20ac", "e282ac"],
  ["surrogate pair as two 3-byte sequences (CESU-8)", "\ud83d\ude00", "eda0bdedb880"],
  ["lone surrogate as 3 bytes", "\udc00", "edb080"],
  ["NUL as one byte", "\u0000", "00"],
];

for (const [name, s, hex] of ENCODES) {
  Deno.test(`utf8: writeString encodes ${name} as BinaryOutputArchive does`, () => {
    const w = new JuteWriter();
    w.writeString(s);
    const want = (hex.length / 2).toString(16).padStart(8, "0") + hex;
    assert.equal(toHex(w.bytes()), want);
    // Same after an ASCII prefix (the fast path hands over mid-string).
    w.reset();
    w.writeString("abc" + s);
    assert.equal(toHex(w.bytes()).slice(8), "616263" + hex);
  });
}

Deno.test("utf8: long ASCII and non-ASCII strings round-trip", () => {
  const long = "/" + "x".repeat(5000) + "\u00e9\u4e2d";
  assert.equal(decode(SyncResponse, encode(SyncResponse, { path: long })).path, long);
  const r = new JuteReader(encode(SyncResponse, { path: "" }));
  assert.equal(r.readString(), "");
});

Deno.test("utf8: a leading BOM is kept in long strings too, as the JDK keeps it", () => {
  const b = new Uint8Array([0xef, 0xbb, 0xbf, ...new Uint8Array(40).fill(0x61)]);
  assert.equal(decodeJavaUtf8(b, 0, b.length), "\ufeff" + "a".repeat(40));
});
