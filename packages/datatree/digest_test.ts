import assert from "node:assert/strict";
import { AdHash, crc32, nodeDigest, StatsTrack } from "./mod.ts";

Deno.test("crc32 matches java.util.zip.CRC32", () => {
  assert.equal(crc32(new Uint8Array(0)), 0);
  assert.equal(
    crc32(new TextEncoder().encode("The quick brown fox jumps over the lazy dog")),
    0x414fa339,
  );
});

Deno.test("AdHash wraps like a Java long", () => {
  const h = new AdHash();
  h.addBig(0x7fffffffffffffffn);
  h.add(1);
  assert.equal(h.value, -0x8000000000000000n);
  h.remove(1);
  assert.equal(h.value, 0x7fffffffffffffffn);
});

Deno.test("nodeDigest: '/' hashes as '', /zookeeper/ is left out, /zookeeper is not", () => {
  const st = {
    czxid: 1n,
    mzxid: 2n,
    pzxid: 3n,
    ctime: 4n,
    mtime: 5n,
    version: 6,
    cversion: 7,
    aversion: 8,
    ephemeralOwner: 9n,
  };
  assert.equal(nodeDigest("/", null, st), nodeDigest("", null, st));
  assert.equal(nodeDigest("/zookeeper/quota", null, st), 0);
  assert.notEqual(nodeDigest("/zookeeper", null, st), 0);
  assert.notEqual(nodeDigest("/a", new Uint8Array([1]), st), nodeDigest("/a", null, st));
});

Deno.test("StatsTrack: Apache's text format, both ways", () => {
  const cases: [string, string][] = [
    ["count=5,bytes=100", "count=5,bytes=100"],
    ["count=-1,bytes=-1=;countHardLimit=3", "count=-1,bytes=-1=;countHardLimit=3"],
    ["bytes=7;byteHardLimit=9,count=2", "count=2,bytes=7=;byteHardLimit=9"],
    ["count=,bytes=4", "count=-1,bytes=4"],
    ["", "count=-1,bytes=-1"],
  ];
  for (const [input, out] of cases) assert.equal(StatsTrack.parse(input).toString(), out, input);
});
