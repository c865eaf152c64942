import assert from "node:assert/strict";
import {
  checkPassword,
  initialSessionId,
  javaRandomBytes,
  negotiateTimeout,
  sessionPassword,
  SessionTracker,
} from "./sessions.ts";

const signed = (b: Uint8Array) => [...b].map((x) => (x << 24) >> 24);

Deno.test("javaRandomBytes matches java.util.Random.nextBytes", () => {
  assert.deepEqual(signed(javaRandomBytes(0n, 4)), [96, -76, 32, -69]);
});

Deno.test("sessionPassword matches ZooKeeperServer.generatePasswd", () => {
  // Printed by: new Random(id ^ 0XB3415C00L).nextBytes(new byte[16]) on Java 17.
  const cases: [bigint, number[]][] = [
    [0x100000000000001n, [5, 76, -57, 74, 55, 50, 125, -78, 21, -25, 2, -30, 12, 115, -16, 5]],
    [
      BigInt.asIntN(64, 0xff12345678abcdefn),
      [-9, -86, 102, 63, 63, -83, -38, 9, 116, -54, 42, -37, -29, 55, -118, 50],
    ],
  ];
  for (const [id, want] of cases) {
    assert.deepEqual(signed(sessionPassword(id)), want, `session 0x${id.toString(16)}`);
    assert.ok(checkPassword(id, sessionPassword(id)));
    assert.ok(!checkPassword(id, new Uint8Array(16)));
  }
  assert.ok(!checkPassword(0n, sessionPassword(0n)), "session id 0 never checks");
});

Deno.test("initialSessionId puts the server id in the top byte", () => {
  const id = initialSessionId(1_700_000_000_000, 1);
  assert.equal(id >> 56n, 1n);
  assert.equal(initialSessionId(1_700_000_000_000, 0) >> 56n, 0n);
  assert.ok(initialSessionId(1_700_000_000_000, 255) < 0n, "server 255 gives negative ids");
});

Deno.test("negotiateTimeout clamps to [min, max]", () => {
  const cases: [number, number][] = [[1000, 4000], [4000, 4000], [30000, 30000], [90000, 40000]];
  for (const [ask, want] of cases) assert.equal(negotiateTimeout(ask, 4000, 40000), want);
});

Deno.test("SessionTracker expires in tick buckets and touch pushes expiry out", () => {
  const t = new SessionTracker({ tickTimeMs: 2000, serverId: 1, nowMs: 0 });
  const a = t.create(6000, 1000); // expires at round(7000) = 8000
  const b = t.create(4000, 1000); // round(5000) = 6000
  assert.equal(t.get(a)!.expiresAtMs, 8000);
  assert.equal(t.get(b)!.expiresAtMs, 6000);
  assert.equal(b, a + 1n, "ids are consecutive");
  assert.deepEqual(t.expire(5999), []);
  assert.ok(t.touch(b, 5000)); // round(9000) = 10000
  assert.deepEqual(t.expire(8000), [a]);
  assert.ok(t.get(a)!.closing);
  assert.ok(!t.touch(a, 8000), "a closing session cannot be touched");
  assert.deepEqual(t.expire(10000), [b]);
  t.remove(a);
  t.remove(b);
  assert.equal(t.size, 0);
});
