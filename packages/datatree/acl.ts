/**
 * ACLs: the reference-counted ACL table (ReferenceCountedACLCache), the
 * permission check (ZooKeeperServer.checkACL) and the ACL fix-up of create
 * and setACL (PrepRequestProcessor.fixupACL), as Apache ZooKeeper does them.
 *
 * @module
 */
import type { ACL, Id } from "@zkts/jute";
import { ErrorCode as Err, Perms } from "@zkts/jute";
import { KeeperError } from "./errors.ts";
import { javaSplit } from "./_javahash.ts";

/** ZooDefs.Ids.ANYONE_ID_UNSAFE: world:anyone. */
export const ANYONE_ID_UNSAFE: Id = Object.freeze({ scheme: "world", id: "anyone" }) as Id;
/** ZooDefs.Ids.OPEN_ACL_UNSAFE: world:anyone with every permission. */
export const OPEN_ACL_UNSAFE: readonly ACL[] = Object.freeze([{
  perms: Perms.All,
  id: ANYONE_ID_UNSAFE,
}]);
/** ZooDefs.Ids.READ_ACL_UNSAFE: world:anyone may read. */
export const READ_ACL_UNSAFE: readonly ACL[] = Object.freeze([{
  perms: Perms.Read,
  id: ANYONE_ID_UNSAFE,
}]);
/** ReferenceCountedACLCache.OPEN_UNSAFE_ACL_ID: the reference of OPEN_ACL_UNSAFE (never stored). */
export const OPEN_UNSAFE_ACL_ID: number = -1;

function aclKey(acls: readonly ACL[]): string {
  let k = "";
  for (const a of acls) k += `${a.perms}\u0000${a.id.scheme}\u0000${a.id.id}\u0001`;
  return k;
}

/**
 * ACL lists stored once and shared by reference, as ReferenceCountedACLCache:
 * each znode holds one number; -1 is OPEN_ACL_UNSAFE when given null.
 *
 * @example
 * ```ts
 * import { AclCache } from "@zkts/datatree";
 * import assert from "node:assert/strict";
 * const cache = new AclCache();
 * const acl = [{ perms: 1, id: { scheme: "world", id: "anyone" } }];
 * const ref = cache.convertAcls(acl);
 * assert.equal(cache.convertAcls([{ perms: 1, id: { scheme: "world", id: "anyone" } }]), ref);
 * assert.deepEqual(cache.convertLong(ref), acl);
 * assert.equal(cache.size, 1);
 * ```
 */
export class AclCache {
  #byRef = new Map<number, ACL[]>();
  #byKey = new Map<string, number>();
  #refs = new Map<number, number>();
  #index = 0;
  /** The table capacity of Apache's longKeyMap (a HashMap: 16, doubling past 3/4, kept by clear()). */
  #cap = 16;

  /** Interns `acls` and counts one more use; null is OPEN_UNSAFE_ACL_ID. */
  convertAcls(acls: readonly ACL[] | null): number {
    if (acls === null) return OPEN_UNSAFE_ACL_ID;
    const key = aclKey(acls);
    let ref = this.#byKey.get(key);
    if (ref === undefined) {
      ref = ++this.#index;
      if (ref > 0x7fffffff) throw new RangeError("ACL index exceeds 2^31-1");
      this.#byRef.set(
        ref,
        acls.map((a) => ({ perms: a.perms, id: { scheme: a.id.scheme, id: a.id.id } })),
      );
      this.#byKey.set(key, ref);
    }
    this.addUsage(ref);
    return ref;
  }

  /** The ACL list of a reference. */
  convertLong(ref: number): ACL[] {
    if (ref === OPEN_UNSAFE_ACL_ID) return OPEN_ACL_UNSAFE as ACL[];
    const acls = this.#byRef.get(ref);
    if (acls === undefined) throw new Error(`Failed to fetch acls for ${ref}`);
    return acls;
  }

  /** Counts one more use of a known reference. */
  addUsage(ref: number): void {
    if (ref === OPEN_UNSAFE_ACL_ID || !this.#byRef.has(ref)) return;
    this.#refs.set(ref, (this.#refs.get(ref) ?? 0) + 1);
  }

  /** Counts one use less; the list goes when nothing uses it. */
  removeUsage(ref: number): void {
    if (ref === OPEN_UNSAFE_ACL_ID || !this.#byRef.has(ref)) return;
    const n = (this.#refs.get(ref) ?? 0) - 1;
    if (n <= 0) {
      this.#refs.delete(ref);
      this.#byKey.delete(aclKey(this.#byRef.get(ref)!));
      this.#byRef.delete(ref);
    } else {
      this.#refs.set(ref, n);
    }
  }

  /** Drops lists nothing uses (after loading a snapshot). */
  purgeUnused(): void {
    for (const ref of [...this.#byRef.keys()]) {
      if ((this.#refs.get(ref) ?? 0) <= 0) {
        this.#refs.delete(ref);
        this.#byKey.delete(aclKey(this.#byRef.get(ref)!));
        this.#byRef.delete(ref);
      }
    }
  }

  /** Number of distinct ACL lists. */
  get size(): number {
    return this.#byKey.size;
  }

  #grew(): void {
    if (this.#byRef.size > this.#cap * 0.75) this.#cap *= 2;
  }

  /**
   * Every (reference, list) in the order ReferenceCountedACLCache.serialize
   * writes them: it iterates a copy of its HashMap<Long, List<ACL>>.
   */
  entries(): [number, ACL[]][] {
    const all = [...this.#byRef.entries()];
    const bucket = (ref: number, cap: number) => {
      const h = ref | 0; // Long.hashCode of a value below 2^31
      return (h ^ (h >>> 16)) & (cap - 1);
    };
    const inOrder = (xs: [number, ACL[]][], cap: number) =>
      xs.map((e, i) => ({ e, i, b: bucket(e[0], cap) })).sort((a, b) => a.b - b.b || a.i - b.i).map(
        (x) => x.e,
      );
    const own = inOrder(all, this.#cap);
    let copyCap = 1;
    while (copyCap < Math.floor(Math.fround(own.length / 0.75) + 1)) copyCap *= 2;
    return own.length === 0 ? own : inOrder(own, copyCap);
  }

  /** Replaces the table with a snapshot's (use counts start at 0). */
  load(entries: Iterable<[number | bigint, ACL[]]>): void {
    this.#byRef.clear();
    this.#byKey.clear();
    this.#refs.clear();
    this.#index = 0;
    for (const [r, acls] of entries) {
      const ref = Number(r);
      if (this.#index < ref) this.#index = ref;
      this.#byRef.set(ref, acls);
      this.#byKey.set(aclKey(acls), ref);
      this.#refs.set(ref, 0);
      this.#grew();
    }
  }
}

// ---- auth providers ---------------------------------------------------------

function parseJavaInt(s: string, radix: 10 | 16): number | undefined {
  const re = radix === 10 ? /^[+-]?[0-9]+$/ : /^[+-]?[0-9a-fA-F]+$/;
  if (!re.test(s)) return undefined;
  const v = parseInt(s, radix);
  if (v > 0x7fffffff || v < -0x80000000) return undefined;
  return v;
}

function v4Bytes(addr: string): number[] | undefined {
  const parts = addr.split(".");
  if (parts.length !== 4) return undefined;
  const b: number[] = [];
  for (const p of parts) {
    const v = parseJavaInt(p, 10);
    if (v === undefined || v < 0 || v > 255) return undefined;
    b.push(v);
  }
  return b;
}

function v6Bytes(addr: string): number[] | undefined {
  const parts = addr.split("::");
  let seg1: string[] = [];
  let seg2: string[] = [];
  if (parts.length === 1) {
    seg1 = parts[0].split(":");
    if (seg1.length !== 8) return undefined;
  } else if (parts.length === 2) {
    if (parts[0] !== "") seg1 = parts[0].split(":");
    if (parts[1] !== "") seg2 = parts[1].split(":");
    if (seg1.length + seg2.length >= 8) return undefined;
  } else {
    return undefined;
  }
  const out = new Array<number>(16).fill(0);
  const put = (at: number, segs: string[]): boolean => {
    for (const s of segs) {
      if (s === "" || s.length > 4) return false;
      const v = parseJavaInt(s, 16);
      if (v === undefined) return false;
      out[at++] = (v >> 8) & 0xff;
      out[at++] = v & 0xff;
    }
    return true;
  };
  if (!put(0, seg1) || !put(16 - seg2.length * 2, seg2)) return undefined;
  return out;
}

function addrBytes(addr: string): number[] | undefined {
  if (addr.includes(":")) return v6Bytes(addr);
  if (addr.includes(".")) return v4Bytes(addr);
  return undefined;
}

function mask(b: number[], bits: number): void {
  let start = bits >> 3;
  let m = ~((1 << (8 - (bits % 8))) - 1) & 0xff;
  while (start < b.length) {
    b[start] &= m;
    m = 0;
    start++;
  }
}

/** Parses "addr[/bits]" as IPAuthenticationProvider; undefined when invalid. */
function ipExpr(expr: string): { addr: number[]; bits: number } | undefined {
  const slash = expr.indexOf("/");
  const a = slash < 0 ? expr : expr.substring(0, slash);
  const addr = addrBytes(a);
  if (addr === undefined) return undefined;
  let bits = addr.length * 8;
  if (slash >= 0) {
    const v = parseJavaInt(expr.substring(slash + 1), 10);
    if (v === undefined || v < 0 || v > addr.length * 8) return undefined;
    bits = v;
  }
  return { addr, bits };
}

/**
 * Whether client address `ip` matches the ACL expression `expr` ("10.0.0.0/8",
 * "::1"), as IPAuthenticationProvider.matches.
 *
 * @example
 * ```ts
 * import { ipMatches } from "@zkts/datatree";
 * import assert from "node:assert/strict";
 * assert.ok(ipMatches("10.1.2.3", "10.0.0.0/8"));
 * assert.ok(!ipMatches("11.1.2.3", "10.0.0.0/8"));
 * ```
 */
export function ipMatches(ip: string, expr: string): boolean {
  const e = ipExpr(expr);
  if (e === undefined) return false;
  mask(e.addr, e.bits);
  const r = addrBytes(ip);
  if (r === undefined) return false;
  mask(r, e.bits);
  if (r.length !== e.addr.length) return false;
  for (let i = 0; i < r.length; i++) if (r[i] !== e.addr[i]) return false;
  return true;
}

/** The authentication providers known by default: ip and digest (ProviderRegistry). */
export interface AuthProvider {
  /** Whether `id` is well formed for an ACL of this scheme. */
  isValid(id: string): boolean;
  /** Whether an authenticated `id` of this scheme matches the ACL's `aclExpr`. */
  matches(id: string, aclExpr: string): boolean;
  /** Whether ids of this scheme count for the "auth" ACL scheme. */
  isAuthenticated(): boolean;
}

/** Apache's default providers: "ip" and "digest". */
export const DEFAULT_AUTH_PROVIDERS: Readonly<Record<string, AuthProvider>> = Object.freeze({
  ip: {
    isValid: (id: string) => ipExpr(id) !== undefined,
    matches: (id: string, expr: string) => ipMatches(id, expr),
    isAuthenticated: () => false,
  },
  digest: {
    isValid: (id: string) => javaSplit(id, ":").length === 2,
    matches: (id: string, expr: string) => id === expr,
    isAuthenticated: () => true,
  },
});

/** Options of the ACL check. */
export interface AclCheckOptions {
  /** zookeeper.skipACL: every check passes. */
  skipACL?: boolean;
  /** Providers by scheme; DEFAULT_AUTH_PROVIDERS when absent. */
  providers?: Readonly<Record<string, AuthProvider>>;
}

/**
 * Whether a session with `authInfo` may do `perm` on a znode with `acl`, as
 * ZooKeeperServer.checkACL: super passes, world:anyone passes, otherwise a
 * provider of the ACL's scheme must match one of the session's ids.
 *
 * @param acl the znode's ACL (null or empty: anyone).
 * @param perm the Perms bits needed (any one of them suffices).
 * @param authInfo the session's authenticated ids (the ip id included).
 * @returns true when allowed.
 *
 * @example
 * ```ts
 * import { checkAcl } from "@zkts/datatree";
 * import assert from "node:assert/strict";
 * const acl = [{ perms: 31, id: { scheme: "digest", id: "zs:hash" } }];
 * assert.ok(checkAcl(acl, 1, [{ scheme: "digest", id: "zs:hash" }]));
 * assert.ok(!checkAcl(acl, 1, [{ scheme: "ip", id: "127.0.0.1" }]));
 * assert.ok(checkAcl(acl, 1, [{ scheme: "super", id: "" }]));
 * ```
 */
export function checkAcl(
  acl: readonly ACL[] | null,
  perm: number,
  authInfo: readonly Id[],
  options: AclCheckOptions = {},
): boolean {
  if (options.skipACL) return true;
  if (acl === null || acl.length === 0) return true;
  for (const a of authInfo) if (a.scheme === "super") return true;
  const providers = options.providers ?? DEFAULT_AUTH_PROVIDERS;
  for (const a of acl) {
    if ((a.perms & perm) === 0) continue;
    if (a.id.scheme === "world" && a.id.id === "anyone") return true;
    const ap = Object.hasOwn(providers, a.id.scheme) ? providers[a.id.scheme] : undefined;
    if (ap === undefined) continue;
    for (const id of authInfo) {
      if (id.scheme === a.id.scheme && ap.matches(id.id, a.id.id)) return true;
    }
  }
  return false;
}

function aclEquals(a: ACL, b: ACL): boolean {
  return a.perms === b.perms && a.id.scheme === b.id.scheme && a.id.id === b.id.id;
}

/**
 * Validates and expands the ACL of a create or setACL, as
 * PrepRequestProcessor.fixupACL: duplicates dropped, "auth" replaced by the
 * session's authenticated ids, unknown schemes and malformed ids refused.
 *
 * @throws {KeeperError} InvalidACL (-114) when the list is empty, a scheme is unknown, an id is invalid, or "auth" finds no authenticated id.
 *
 * @example
 * ```ts
 * import { fixupAcl } from "@zkts/datatree";
 * import assert from "node:assert/strict";
 * const acl = [{ perms: 31, id: { scheme: "auth", id: "" } }];
 * const auth = [{ scheme: "ip", id: "127.0.0.1" }, { scheme: "digest", id: "zs:h" }];
 * assert.deepEqual(fixupAcl("/a", auth, acl), [{ perms: 31, id: { scheme: "digest", id: "zs:h" } }]);
 * assert.throws(() => fixupAcl("/a", [], acl), { code: -114 });
 * ```
 */
export function fixupAcl(
  path: string,
  authInfo: readonly Id[],
  acls: readonly ACL[] | null,
  options: AclCheckOptions = {},
): ACL[] {
  const uniq: ACL[] = [];
  for (const a of acls ?? []) if (!uniq.some((u) => aclEquals(u, a))) uniq.push(a);
  const invalid = () => new KeeperError(Err.InvalidACL, { op: "fixupACL", path });
  if (uniq.length === 0) throw invalid();
  const providers = options.providers ?? DEFAULT_AUTH_PROVIDERS;
  const rv: ACL[] = [];
  for (const a of uniq) {
    const id = a.id;
    if (id === null || id === undefined || id.scheme === null || id.scheme === undefined) {
      throw invalid();
    }
    if (id.scheme === "world" && id.id === "anyone") {
      rv.push(a);
    } else if (id.scheme === "auth") {
      let valid = false;
      for (const cid of authInfo) {
        const ap = Object.hasOwn(providers, cid.scheme) ? providers[cid.scheme] : undefined;
        if (ap !== undefined && ap.isAuthenticated()) {
          valid = true;
          rv.push({ perms: a.perms, id: cid });
        }
      }
      if (!valid) throw invalid();
    } else {
      const ap = Object.hasOwn(providers, id.scheme) ? providers[id.scheme] : undefined;
      if (ap === undefined || !ap.isValid(id.id)) throw invalid();
      rv.push(a);
    }
  }
  return rv;
}

/**
 * The ACL getACL answers to a session that may READ but not ADMIN the znode:
 * digest ids keep their user name, the password hash becomes "x"
 * (FinalRequestProcessor).
 *
 * @example
 * ```ts
 * import { redactDigests } from "@zkts/datatree";
 * import assert from "node:assert/strict";
 * const acl = [{ perms: 31, id: { scheme: "digest", id: "zs:Ujd3Smwe0mX2xNrnMzRWWaNH/f4=" } }];
 * assert.deepEqual(redactDigests(acl), [{ perms: 31, id: { scheme: "digest", id: "zs:x" } }]);
 * ```
 */
export function redactDigests(acl: readonly ACL[]): ACL[] {
  return acl.map((a) =>
    a.id.scheme === "digest"
      ? { perms: a.perms, id: { scheme: "digest", id: a.id.id.replace(/:.*/g, ":x") } }
      : a
  );
}

/**
 * The permission each read checks on the znode, as FinalRequestProcessor:
 * any one of the bits suffices (getACL: READ or ADMIN). `exists` checks READ,
 * only when the node exists, since Apache 3.9 (3.8.0 checks nothing on
 * exists: a server emulating it skips that check).
 *
 * @example
 * ```ts
 * import { READ_PERMS } from "@zkts/datatree";
 * import assert from "node:assert/strict";
 * assert.equal(READ_PERMS.getACL, 17);
 * ```
 */
export const READ_PERMS: Readonly<
  Record<"getData" | "exists" | "getChildren" | "getACL" | "getAllChildrenNumber", number>
> = Object.freeze({
  getData: Perms.Read,
  exists: Perms.Read,
  getChildren: Perms.Read,
  getACL: Perms.Read | Perms.Admin,
  getAllChildrenNumber: Perms.Read,
});
