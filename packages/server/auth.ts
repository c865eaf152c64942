/**
 * Authentication providers of the server side (DigestAuthenticationProvider,
 * IPAuthenticationProvider): synchronous, so the request path stays a pure
 * step.
 *
 * @module
 */
import type { Id } from "@zkts/jute";

/**
 * SHA-1 of `data` (FIPS 180-4). The digest scheme needs it synchronously;
 * WebCrypto's is async only.
 *
 * @example
 * ```ts
 * import { sha1 } from "@zkts/server";
 * import assert from "node:assert/strict";
 * const hex = [...sha1(new TextEncoder().encode("abc"))].map((b) => b.toString(16).padStart(2, "0")).join("");
 * assert.equal(hex, "a9993e364706816aba3e25717850c26c9cd0d89d");
 * ```
 */
export function sha1(data: Uint8Array): Uint8Array {
  const len = data.length;
  const blocks = ((len + 8) >>> 6) + 1;
  const m = new Uint8Array(blocks * 64);
  m.set(data);
  m[len] = 0x80;
  const dv = new DataView(m.buffer);
  dv.setUint32(m.length - 8, Math.floor(len / 0x20000000));
  dv.setUint32(m.length - 4, (len << 3) >>> 0);
  let h0 = 0x67452301, h1 = 0xefcdab89, h2 = 0x98badcfe, h3 = 0x10325476, h4 = 0xc3d2e1f0;
  const w = new Int32Array(80);
  for (let off = 0; off < m.length; off += 64) {
    for (let i = 0; i < 16; i++) w[i] = dv.getInt32(off + i * 4);
    for (let i = 16; i < 80; i++) {
      const x = w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16];
      w[i] = (x << 1) | (x >>> 31);
    }
    let a = h0, b = h1, c = h2, d = h3, e = h4;
    for (let i = 0; i < 80; i++) {
      let f: number, k: number;
      if (i < 20) {
        f = (b & c) | (~b & d);
        k = 0x5a827999;
      } else if (i < 40) {
        f = b ^ c ^ d;
        k = 0x6ed9eba1;
      } else if (i < 60) {
        f = (b & c) | (b & d) | (c & d);
        k = 0x8f1bbcdc;
      } else {
        f = b ^ c ^ d;
        k = 0xca62c1d6;
      }
      const t = (((a << 5) | (a >>> 27)) + f + e + k + w[i]) | 0;
      e = d;
      d = c;
      c = (b << 30) | (b >>> 2);
      b = a;
      a = t;
    }
    h0 = (h0 + a) | 0;
    h1 = (h1 + b) | 0;
    h2 = (h2 + c) | 0;
    h3 = (h3 + d) | 0;
    h4 = (h4 + e) | 0;
  }
  const out = new Uint8Array(20);
  const ov = new DataView(out.buffer);
  [h0, h1, h2, h3, h4].forEach((h, i) => ov.setInt32(i * 4, h));
  return out;
}

function base64(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

/**
 * The digest id of `user:password`, as DigestAuthenticationProvider.
 * generateDigest: `user:base64(sha1("user:password"))`.
 *
 * @example
 * ```ts
 * import { generateDigest } from "@zkts/server";
 * import assert from "node:assert/strict";
 * assert.equal(generateDigest("super:test"), "super:D/InIHSb7yEEbrWz8b9l71RjZJU=");
 * ```
 */
export function generateDigest(idPassword: string): string {
  const colon = idPassword.indexOf(":");
  const user = colon < 0 ? idPassword : idPassword.slice(0, colon);
  return `${user}:${base64(sha1(new TextEncoder().encode(idPassword)))}`;
}

/** What an AuthPacket of a scheme adds to a connection's ids, or null for AuthFailed. */
export type AuthHandler = (auth: Uint8Array, superDigest?: string) => Id[] | null;

/**
 * The server's auth providers by scheme (ProviderRegistry): `digest` (and
 * `super` through the superDigest setting). `ip` is added to every
 * connection by the server itself; it cannot be asked for in an AuthPacket.
 */
export const AUTH_HANDLERS: Readonly<Record<string, AuthHandler>> = {
  digest(auth: Uint8Array, superDigest?: string): Id[] | null {
    const id = new TextDecoder().decode(auth);
    const digest = generateDigest(id);
    const ids: Id[] = [];
    if (superDigest !== undefined && digest === superDigest) ids.push({ scheme: "super", id: "" });
    ids.push({ scheme: "digest", id: digest });
    return ids;
  },
};

function javaStringHash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return h;
}

/** The jute-generated `Id.hashCode()`: 37 * (37 * 17 + scheme) + id. */
function idHash(id: Id): number {
  return (Math.imul(37, (Math.imul(37, 17) + javaStringHash(id.scheme)) | 0) +
    javaStringHash(id.id)) | 0;
}

/**
 * A connection's ids as Apache keeps them (ServerCnxn.authInfo, a set backed
 * by a ConcurrentHashMap): listed by hash bin, then in insertion order. The
 * order shows in whoAmI and in the ACL an `auth` entry expands to.
 *
 * @example
 * ```ts
 * import { JavaIdSet } from "@zkts/server";
 * import assert from "node:assert/strict";
 * const s = new JavaIdSet();
 * s.add({ scheme: "ip", id: "127.0.0.1" });
 * s.add({ scheme: "digest", id: "bob:ikIaKsbtGweaHnb/jKn7OHqbunM=" });
 * assert.deepEqual(s.order().map((i) => i.scheme), ["digest", "ip"]);
 * ```
 */
export class JavaIdSet {
  #items: { id: Id; hash: number }[] = [];
  #cap = 16;

  /** Adds an id unless an equal one is there. */
  add(id: Id): void {
    if (this.#items.some((e) => e.id.scheme === id.scheme && e.id.id === id.id)) return;
    this.#items.push({ id: { scheme: id.scheme, id: id.id }, hash: idHash(id) });
    // ConcurrentHashMap resizes when the count reaches 3/4 of the table.
    while (this.#items.length >= this.#cap - (this.#cap >>> 2)) this.#cap *= 2;
  }

  /** The ids in Java's iteration order. */
  order(): Id[] {
    const cap = this.#cap;
    return this.#items
      .map((e, i) => ({ e, i, b: ((e.hash ^ (e.hash >>> 16)) & 0x7fffffff) & (cap - 1) }))
      .sort((a, b) => a.b - b.b || a.i - b.i)
      .map((x) => x.e.id);
  }
}

/**
 * The user name Apache's whoAmI shows for an id (AuthenticationProvider.
 * getUserName): the part before ':' for digest, the address for ip, "" for
 * schemes without a provider (super, world).
 */
export function userName(id: Id): string {
  if (id.scheme === "digest") return id.id.split(":")[0];
  if (id.scheme === "ip") return id.id;
  return "";
}
