import assert from "node:assert/strict";
import { decode, encode, JuteDecodeError, JuteWriter, QuorumPacket } from "@zkts/jute";
import { encodePacket, type Packet, PacketReader, PacketType, SNAP_SIGNATURE } from "./mod.ts";
import { rng } from "./_sim.ts";

Deno.test("packets: byte layout as Apache writes a QuorumPacket (no length prefix, null as -1)", () => {
  // ACK for zxid 0x200000005: 00000003 0000000200000005 ffffffff ffffffff.
  assert.deepEqual(
    [...encodePacket({ type: PacketType.ACK, zxid: 0x200000005n, data: null, authinfo: null })],
    [0, 0, 0, 3, 0, 0, 0, 2, 0, 0, 0, 5, 255, 255, 255, 255, 255, 255, 255, 255],
  );
  // With data and auth ids it is the jute record, field for field.
  const p: Packet = {
    type: PacketType.REQUEST,
    zxid: -1n,
    data: new Uint8Array([1, 2, 3]),
    authinfo: [{ scheme: "ip", id: "127.0.0.1" }],
  };
  assert.deepEqual(decode(QuorumPacket, encodePacket(p)), p);
  assert.deepEqual(encodePacket(p), encode(QuorumPacket, p as QuorumPacket));
});

Deno.test("packets: a stream split anywhere gives the same packets", () => {
  const r = rng(5);
  const packets: Packet[] = [];
  for (let i = 0; i < 200; i++) {
    const n = Math.floor(r() * 40);
    packets.push({
      type: 1 + Math.floor(r() * 19),
      zxid: BigInt(Math.floor(r() * 1e9)),
      data: r() < 0.3 ? null : new Uint8Array(n).map(() => Math.floor(r() * 256)),
      authinfo: r() < 0.8 ? null : [{ scheme: "digest", id: `u${i}:x` }],
    });
  }
  const bytes = new Uint8Array(packets.flatMap((p) => [...encodePacket(p)]));
  for (let round = 0; round < 20; round++) {
    const reader = new PacketReader();
    const out: Packet[] = [];
    let o = 0;
    while (o < bytes.length) {
      const n = 1 + Math.floor(r() * 64);
      reader.push(bytes.subarray(o, o + n));
      o += n;
      for (let p = reader.next(); p; p = reader.next()) out.push(p);
    }
    assert.deepEqual(out, packets);
    assert.equal(reader.buffered, 0);
  }
});

Deno.test("packets: a SNAP body is taken whole after the SNAP packet, even in one-byte pieces", () => {
  const w = new JuteWriter(256);
  w.writeInt(1); // one session
  w.writeLong(0x100n);
  w.writeInt(30000);
  w.writeInt(1); // one ACL list
  w.writeLong(1n);
  w.writeInt(1);
  w.writeInt(31);
  w.writeString("world");
  w.writeString("anyone");
  for (const path of ["", "/a"]) {
    w.writeString(path);
    w.writeBuffer(path === "" ? null : new Uint8Array([7]));
    w.writeLong(path === "" ? -1n : 1n);
    w.writeRaw(new Uint8Array(60));
  }
  w.writeString("/");
  w.writeString(SNAP_SIGNATURE);
  const body = w.toBytes();
  const after = encodePacket({
    type: PacketType.NEWLEADER,
    zxid: 1n << 32n,
    data: null,
    authinfo: null,
  });
  const stream = new Uint8Array([
    ...encodePacket({ type: PacketType.SNAP, zxid: 5n, data: null, authinfo: null }),
    ...body,
    ...after,
  ]);
  const reader = new PacketReader();
  let snapPacket: Packet | undefined;
  let snap;
  let next: Packet | undefined;
  for (const b of stream) {
    reader.push(new Uint8Array([b]));
    if (!snapPacket) snapPacket = reader.next();
    else if (!snap) snap = reader.nextSnapshot();
    else next ??= reader.next();
  }
  assert.equal(snapPacket?.type, PacketType.SNAP);
  assert.ok(snap);
  assert.deepEqual(snap.bytes, body);
  assert.deepEqual([...snap.sessions], [[0x100n, 30000]]);
  assert.equal(snap.treeStart, 16);
  assert.equal(next?.type, PacketType.NEWLEADER);
});

Deno.test("packets: malformed input is an error, not a hang or a huge allocation", () => {
  const bad = new JuteWriter(64);
  bad.writeInt(2);
  bad.writeLong(1n);
  bad.writeInt(0x7fffffff); // data length
  const reader = new PacketReader();
  reader.push(bad.toBytes());
  assert.throws(() => reader.next(), JuteDecodeError);
  const sig = new JuteWriter(64);
  sig.writeInt(0);
  sig.writeInt(0);
  sig.writeString("/");
  sig.writeString("NotBen");
  const r2 = new PacketReader();
  r2.push(sig.toBytes());
  assert.throws(() => r2.nextSnapshot(), /signature/);
});
