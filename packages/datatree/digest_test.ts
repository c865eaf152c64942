import assert from "node:assert/strict";
import {
  AdHash,
  crc32,
  DataTree,
  DIGEST_LOG_INTERVAL,
  DIGEST_LOG_LIMIT,
  nodeDigest,
  StatsTrack,
} from "./mod.ts";

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

Deno.test("digestLog: DataTree.logZxidDigest's interval and limit", async (t) => {
  const acl = [{ perms: 31, id: { scheme: "world", id: "anyone" } }];
  /** A tree that applied a create at zxid 1, then setData txns up to `last`. */
  function applied(last: number, digestEnabled = true) {
    const tree = new DataTree({ digestEnabled });
    const hdr = (zxid: number, type: number) => ({
      clientId: 1n,
      cxid: zxid,
      zxid: BigInt(zxid),
      time: BigInt(zxid),
      type,
    });
    tree.processTxn(hdr(1, 1), {
      path: "/n",
      data: null,
      acl,
      ephemeral: false,
      parentCVersion: -1,
    });
    const digests = new Map<bigint, bigint>();
    for (let z = 2; z <= last; z++) {
      tree.processTxn(hdr(z, 5), { path: "/n", data: new Uint8Array([z & 0xff]), version: -1 });
      if (z % 128 === 0) digests.set(BigInt(z), tree.digest);
    }
    return { tree, digests };
  }
  const cases: { name: string; last: number; enabled?: boolean; zxids: bigint[] }[] = [
    { name: "nothing before zxid 128", last: 127, zxids: [] },
    { name: "the multiples of 128 only", last: 300, zxids: [128n, 256n] },
    {
      name: "the last 1024 kept at the limit, the oldest dropped past it",
      last: 128 * 1026,
      zxids: Array.from({ length: DIGEST_LOG_LIMIT }, (_, i) => BigInt(128 * (i + 3))),
    },
    { name: "none with digests off", last: 300, enabled: false, zxids: [] },
  ];
  for (const c of cases) {
    await t.step(c.name, () => {
      const { tree, digests } = applied(c.last, c.enabled);
      assert.deepEqual(tree.digestLog.map((d) => d.zxid), c.zxids);
      for (const d of tree.digestLog) {
        assert.equal(d.digest, digests.get(d.zxid), `the digest right after 0x${d.zxid}`);
        assert.equal(d.digestVersion, 2);
      }
    });
  }
  assert.equal(DIGEST_LOG_INTERVAL, 128n);
});
