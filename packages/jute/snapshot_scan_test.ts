import assert from "node:assert/strict";
import { encode, JuteDecodeError, scanSnapshotNodes, SnapshotNode } from "./mod.ts";

const stat = {
  czxid: 1n,
  mzxid: 2n,
  ctime: 3n,
  mtime: 4n,
  version: 5,
  cversion: 6,
  aversion: 7,
  ephemeralOwner: -8n,
  pzxid: 9n,
};
const END = [0, 0, 0, 1, 0x2f];

function section(nodes: SnapshotNode[]): Uint8Array {
  return new Uint8Array([...nodes.flatMap((n) => [...encode(SnapshotNode, n)]), ...END]);
}

Deno.test("scanSnapshotNodes: views point at each node's path, data, ACL key and stat", () => {
  const nodes: SnapshotNode[] = [
    { path: "", node: { data: null, acl: -1n, stat } },
    { path: "/ab", node: { data: new Uint8Array(0), acl: 0x1_0000_0002n, stat } },
    { path: "/ab/ü", node: { data: new Uint8Array([1, 2, 3]), acl: 7n, stat } },
  ];
  const bytes = section(nodes);
  const seen: unknown[] = [];
  const scan = scanSnapshotNodes(bytes, 0, bytes.length, (v) => {
    const dv = new DataView(bytes.buffer, v.statStart, 60);
    seen.push({
      path: new TextDecoder().decode(bytes.subarray(v.pathStart, v.pathEnd)),
      data: v.dataLength < 0 ? null : [...bytes.subarray(v.dataStart, v.dataStart + v.dataLength)],
      acl: v.acl,
      czxid: dv.getBigInt64(0),
      owner: dv.getBigInt64(44),
      pzxid: dv.getBigInt64(52),
    });
  });
  assert.deepEqual(seen, [
    { path: "", data: null, acl: -1, czxid: 1n, owner: -8n, pzxid: 9n },
    { path: "/ab", data: [], acl: 0x1_0000_0002, czxid: 1n, owner: -8n, pzxid: 9n },
    { path: "/ab/ü", data: [1, 2, 3], acl: 7, czxid: 1n, owner: -8n, pzxid: 9n },
  ]);
  assert.deepEqual(scan, { count: 3, nameBytes: 2 + 2, dataBytes: 3, end: bytes.length });
  // Counting alone gives the same totals.
  assert.deepEqual(scanSnapshotNodes(bytes, 0, bytes.length), scan);
});

Deno.test("scanSnapshotNodes: every truncation and bad length is a JuteDecodeError, never a wrong view", () => {
  const bytes = section([
    { path: "", node: { data: null, acl: -1n, stat } },
    { path: "/a", node: { data: new Uint8Array([9, 9]), acl: 1n, stat } },
  ]);
  for (let cut = 0; cut < bytes.length; cut++) {
    assert.throws(
      () => scanSnapshotNodes(bytes, 0, cut, () => {}),
      JuteDecodeError,
      `cut at ${cut}`,
    );
  }
  const bad = bytes.slice();
  new DataView(bad.buffer).setInt32(0, -1); // the root's path length
  assert.throws(() => scanSnapshotNodes(bad, 0, bad.length), /bad path length -1/);
  const bad2 = bytes.slice();
  new DataView(bad2.buffer).setInt32(4, -2); // the root's data length
  assert.throws(() => scanSnapshotNodes(bad2, 0, bad2.length), /negative buffer length -2/);
  const bad3 = bytes.slice();
  new DataView(bad3.buffer).setInt32(4, 0x7fffffff);
  assert.throws(() => scanSnapshotNodes(bad3, 0, bad3.length), /truncated/);
});
