import assert from "node:assert/strict";
import {
  decodeInitialMessage,
  decodeNotification,
  encodeInitialMessage,
  encodeNotification,
  frame,
  FRAME_BYTES_MAX,
  LONG_MIN,
  type Notification,
  readFrame,
  ServerState,
  WireError,
} from "./mod.ts";

// Recorded from Apache ZooKeeper 3.8 by testdata/record.sh.
const golden = new Map(
  Deno.readTextFileSync(new URL("./testdata/election_wire.txt", import.meta.url))
    .trim().split("\n").map((l) => l.split(" ", 2) as [string, string]),
);

function hex(b: Uint8Array): string {
  return [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
}

function unhex(s: string): Uint8Array {
  return new Uint8Array(s.match(/../g)!.map((x) => parseInt(x, 16)));
}

const CFG3 =
  "server.1=127.0.0.1:2888:3888:participant\nserver.2=127.0.0.1:2889:3889:participant\n" +
  "server.3=127.0.0.1:2890:3890:participant\nversion=0";

const cases: { name: string; n: Omit<Notification, "version">; config: string }[] = [
  {
    name: "looking",
    n: {
      state: ServerState.LOOKING,
      leader: 3n,
      zxid: 0x100000005n,
      electionEpoch: 2n,
      peerEpoch: 1n,
    },
    config: CFG3,
  },
  {
    name: "following",
    n: {
      state: ServerState.FOLLOWING,
      leader: 2n,
      zxid: 0x200000000n,
      electionEpoch: 7n,
      peerEpoch: 2n,
    },
    config: "version=0",
  },
  {
    name: "leading",
    n: { state: ServerState.LEADING, leader: 2n, zxid: 0n, electionEpoch: 1n, peerEpoch: 0n },
    config: "",
  },
  {
    name: "observing",
    n: { state: ServerState.OBSERVING, leader: 1n, zxid: 42n, electionEpoch: 3n, peerEpoch: 0n },
    config: "version=100000000",
  },
  {
    name: "observer_proposal",
    n: {
      state: ServerState.LOOKING,
      leader: LONG_MIN,
      zxid: LONG_MIN,
      electionEpoch: 1n,
      peerEpoch: LONG_MIN,
    },
    config: "version=0",
  },
];

for (const c of cases) {
  Deno.test(`wire: a ${c.name} notification is byte for byte Apache's, and decodes back`, () => {
    const bytes = encodeNotification({ ...c.n, version: 2 }, c.config);
    assert.equal(hex(bytes), golden.get(c.name));
    const back = decodeNotification(unhex(golden.get(c.name)!));
    assert.deepEqual(back, { ...c.n, version: 2, config: c.config });
  });
}

Deno.test("wire: the initial message is Apache's (protocol V1, sid, address)", () => {
  assert.equal(hex(encodeInitialMessage(3n, "127.0.0.1:3890")), golden.get("initial_v1"));
  const r = decodeInitialMessage(unhex(golden.get("initial_v1")!));
  assert.deepEqual(r, {
    message: { protocolVersion: -65536n, sid: 3n, addresses: ["127.0.0.1:3890"] },
    length: 34,
  });
});

Deno.test("wire: older notifications: 28 bytes (epoch from zxid) and 40 bytes (no version)", () => {
  const full = encodeNotification({
    state: ServerState.FOLLOWING,
    leader: 2n,
    zxid: 0x300000009n,
    electionEpoch: 4n,
    peerEpoch: 7n,
    version: 2,
  }, "");
  assert.deepEqual(decodeNotification(full.subarray(0, 28)), {
    state: ServerState.FOLLOWING,
    leader: 2n,
    zxid: 0x300000009n,
    electionEpoch: 4n,
    peerEpoch: 3n,
    version: 0,
  });
  assert.equal(decodeNotification(full.subarray(0, 40)).peerEpoch, 7n);
  assert.equal(decodeNotification(full.subarray(0, 40)).version, 0);
});

const badNotifications: { name: string; bytes: () => Uint8Array; error: RegExp }[] = [
  { name: "shorter than 28 bytes", bytes: () => new Uint8Array(27), error: /short/ },
  {
    name: "an unknown state",
    bytes: () => {
      const b = new Uint8Array(44);
      new DataView(b.buffer).setInt32(0, 9);
      return b;
    },
    error: /Unknown state/,
  },
  {
    name: "a config length past the end",
    bytes: () => {
      const b = encodeNotification(
        { state: 0, leader: 1n, zxid: 0n, electionEpoch: 1n, peerEpoch: 0n, version: 2 },
        "abc",
      );
      new DataView(b.buffer).setInt32(40, 4);
      return b;
    },
    error: /configLength/,
  },
  {
    name: "a negative config length",
    bytes: () => {
      const b = encodeNotification(
        { state: 0, leader: 1n, zxid: 0n, electionEpoch: 1n, peerEpoch: 0n, version: 2 },
        "",
      );
      new DataView(b.buffer).setInt32(40, -1);
      return b;
    },
    error: /configLength/,
  },
];
for (const c of badNotifications) {
  Deno.test(`wire: a notification with ${c.name} is refused`, () => {
    assert.throws(() => decodeNotification(c.bytes()), c.error);
  });
}

const badInitial: { name: string; bytes: () => Uint8Array; error: RegExp }[] = [
  {
    name: "an unknown protocol version",
    bytes: () => encodeInitialMessage(1n, "h:1", -5n),
    error: /unrecognized protocol version/,
  },
  {
    name: "an address longer than 2048 bytes",
    bytes: () => {
      const b = encodeInitialMessage(1n, "h:1");
      new DataView(b.buffer).setInt32(16, 2049);
      return b;
    },
    error: /Unreasonable buffer length/,
  },
  {
    name: "an address without a port",
    bytes: () => encodeInitialMessage(1n, "host"),
    error: /Badly formed/,
  },
];
for (const c of badInitial) {
  Deno.test(`wire: an initial message with ${c.name} is refused`, () => {
    assert.throws(
      () => decodeInitialMessage(c.bytes()),
      (e) => e instanceof WireError && c.error.test(e.message),
    );
  });
}

Deno.test("wire: the pre-3.5 initial message is a bare server id", () => {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigInt64(0, 5n);
  assert.deepEqual(decodeInitialMessage(b), {
    message: { protocolVersion: 5n, sid: 5n, addresses: [] },
    length: 8,
  });
});

Deno.test("wire: initial messages and frames arriving in pieces", () => {
  const b = encodeInitialMessage(2n, "[::1]:3888");
  assert.deepEqual(decodeInitialMessage(b.subarray(0, 10)), { needed: 20 });
  assert.deepEqual(decodeInitialMessage(b.subarray(0, 21)), { needed: b.length });
  const f = frame(new Uint8Array([1, 2, 3]));
  assert.equal(readFrame(f.subarray(0, 6)), undefined);
  assert.deepEqual(readFrame(f)?.body, new Uint8Array([1, 2, 3]));
});

Deno.test("wire: frame lengths of 0 and above 512 KiB are refused", () => {
  const b = new Uint8Array(8);
  assert.throws(() => readFrame(b), /invalid packet: 0/);
  new DataView(b.buffer).setInt32(0, FRAME_BYTES_MAX + 1);
  assert.throws(() => readFrame(b), /invalid packet/);
  new DataView(b.buffer).setInt32(0, FRAME_BYTES_MAX);
  assert.equal(readFrame(b), undefined, "at the limit: waits for the body");
});
