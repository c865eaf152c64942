// Seeded property tests: random records of every type round-trip byte for
// byte, and random or mutated bytes never raise anything but JuteDecodeError.
// A failure prints its seed; set JUTE_SEED to replay another one.
import assert from "node:assert/strict";
import * as jute from "./mod.ts";
import { Prng } from "./_test_util.ts";
import { ALL } from "./_arbitrary.ts";

const SEED = Number(Deno.env.get("JUTE_SEED") ?? 20261123);

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

Deno.test(`property: random records of every type round-trip (seed ${SEED})`, () => {
  const rnd = new Prng(SEED);
  const w = new jute.JuteWriter(64);
  for (const [rec, gen] of ALL) {
    for (let i = 0; i < 150; i++) {
      const v = gen(rnd);
      const bytes = jute.encode(rec, v);
      const back = jute.decode(rec, bytes);
      assert.deepEqual(back, v, `${rec.name} #${i} seed ${SEED}`);
      // A reused writer gives the same bytes.
      w.reset();
      rec.write(w, back);
      assert.ok(sameBytes(w.bytes(), bytes), `${rec.name} #${i} re-encode, seed ${SEED}`);
    }
  }
});

function onlyDecodeErrors(rec: jute.JuteRecord<unknown>, bytes: Uint8Array, what: string): void {
  try {
    jute.decode(rec, bytes);
  } catch (e) {
    if (!(e instanceof jute.JuteDecodeError)) {
      throw new Error(`${rec.name}: ${what} threw ${String(e)} (seed ${SEED})`);
    }
    assert.equal(e.record, rec.name);
    assert.ok(e.offset >= 0 && e.offset <= bytes.length, `offset inside the input: ${e.message}`);
  }
}

Deno.test(`property: mutated encodings only raise JuteDecodeError (seed ${SEED})`, () => {
  const rnd = new Prng(SEED + 1);
  const lengths = [-1, -2, 0x7fffffff, -0x80000000, 1, 3];
  for (const [rec, gen] of ALL) {
    for (let i = 0; i < 60; i++) {
      const good = jute.encode(rec, gen(rnd));
      for (let m = 0; m < 6; m++) {
        const b = good.slice();
        const kind = rnd.int(4);
        let bytes = b;
        if (kind === 0 && b.length > 0) b[rnd.int(b.length)] ^= 1 << rnd.int(8);
        else if (kind === 1) bytes = b.subarray(0, rnd.int(b.length + 1));
        else if (kind === 2) {
          bytes = new Uint8Array(b.length + 1 + rnd.int(8));
          bytes.set(b);
          bytes.set(rnd.bytes(bytes.length - b.length), b.length);
        } else if (b.length >= 4) {
          const at = rnd.int(b.length - 3);
          new DataView(b.buffer).setInt32(at, lengths[rnd.int(lengths.length)]);
        }
        onlyDecodeErrors(rec, bytes, `mutation ${kind}`);
      }
    }
  }
});

Deno.test(`property: random bytes only raise JuteDecodeError (seed ${SEED})`, () => {
  const rnd = new Prng(SEED + 2);
  for (const [rec] of ALL) {
    for (let i = 0; i < 200; i++) onlyDecodeErrors(rec, rnd.bytes(rnd.int(80)), "random bytes");
  }
});
