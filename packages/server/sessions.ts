/**
 * Session tracking as Apache ZooKeeper does it (SessionTrackerImpl,
 * ExpiryQueue): session ids, passwords, timeouts negotiated within bounds,
 * expiry in tick-sized buckets. Pure: time comes in as `nowMs`.
 *
 * @module
 */

/** ZooKeeperServer.superSecret: mixed into every session password's seed. */
const SUPER_SECRET = 0xB3415C00n;
const MASK48 = (1n << 48n) - 1n;
const MULTIPLIER = 0x5DEECE66Dn;

/**
 * `new java.util.Random(seed).nextBytes(new byte[n])`, bit for bit: Apache
 * ZooKeeper derives session passwords this way, and every server of an
 * ensemble (zkts or Apache) must derive the same one to re-attach a session.
 *
 * @example
 * ```ts
 * import { javaRandomBytes } from "@zkts/server";
 * import assert from "node:assert/strict";
 * // new Random(0).nextBytes(new byte[4]) == {96, -76, 32, -69}
 * assert.deepEqual([...javaRandomBytes(0n, 4)], [96, 180, 32, 187]);
 * ```
 */
export function javaRandomBytes(seed: bigint, n: number): Uint8Array {
  let s = (BigInt.asUintN(64, seed) ^ MULTIPLIER) & MASK48;
  const out = new Uint8Array(n);
  let i = 0;
  while (i < n) {
    s = (s * MULTIPLIER + 0xBn) & MASK48;
    let rnd = Number(BigInt.asIntN(32, s >> 16n));
    for (let k = Math.min(n - i, 4); k-- > 0; rnd >>= 8) out[i++] = rnd & 0xff;
  }
  return out;
}

/**
 * The 16-byte password of a session, as ZooKeeperServer.generatePasswd.
 *
 * @example
 * ```ts
 * import { sessionPassword } from "@zkts/server";
 * import assert from "node:assert/strict";
 * assert.equal(sessionPassword(0x100000000000001n).length, 16);
 * ```
 */
export function sessionPassword(sessionId: bigint): Uint8Array {
  return javaRandomBytes(BigInt.asIntN(64, sessionId) ^ SUPER_SECRET, 16);
}

/** Whether `passwd` is the password of `sessionId` (ZooKeeperServer.checkPasswd). */
export function checkPassword(sessionId: bigint, passwd: Uint8Array | null): boolean {
  if (sessionId === 0n || passwd === null) return false;
  const want = sessionPassword(sessionId);
  if (passwd.length !== want.length) return false;
  for (let i = 0; i < want.length; i++) if (passwd[i] !== want[i]) return false;
  return true;
}

/**
 * The first session id a server hands out (SessionTrackerImpl.
 * initializeNextSessionId): the server id in the top byte, the start time's
 * milliseconds below it. Standalone servers use server id 1.
 */
export function initialSessionId(nowMs: number, serverId: number): bigint {
  let sid = BigInt.asUintN(64, BigInt(nowMs) << 24n) >> 8n;
  sid = BigInt.asIntN(64, sid | (BigInt(serverId) << 56n));
  // EphemeralType.CONTAINER_EPHEMERAL_OWNER (Long.MIN_VALUE) is reserved.
  if (sid === -(1n << 63n)) sid++;
  return sid;
}

/** A live session. */
export interface Session {
  /** The session id: the creating server's id in the high byte, a time-based counter below. */
  id: bigint;
  /** The negotiated session timeout, in milliseconds. */
  timeoutMs: number;
  /** When the session expires unless touched (rounded up to the tick). */
  expiresAtMs: number;
  /** Set once closing or expiring has begun: no more requests are taken. */
  closing: boolean;
}

/**
 * The session table with ExpiryQueue's buckets: a session touched at `now`
 * expires at the first tick boundary after `now + timeout`, and sessions are
 * expired a bucket at a time.
 *
 * @example
 * ```ts
 * import { SessionTracker } from "@zkts/server";
 * import assert from "node:assert/strict";
 * const t = new SessionTracker({ tickTimeMs: 2000, serverId: 1, nowMs: 0 });
 * const id = t.create(6000, 1000);
 * assert.equal(t.get(id)?.expiresAtMs, 8000);
 * assert.deepEqual(t.expire(7999), []);
 * assert.deepEqual(t.expire(8000), [id]);
 * ```
 */
export class SessionTracker {
  #tickMs: number;
  #nextId: bigint;
  #sessions = new Map<bigint, Session>();
  #buckets = new Map<number, Set<bigint>>();
  #nextExpiryMs: number;

  /**
   * Starts the table at `nowMs` (the clock every later call uses);
   * `idSeedMs` (default `nowMs`) seeds the session ids as Apache does.
   */
  constructor(opts: { tickTimeMs: number; serverId: number; nowMs: number; idSeedMs?: number }) {
    this.#tickMs = opts.tickTimeMs;
    this.#nextId = initialSessionId(opts.idSeedMs ?? opts.nowMs, opts.serverId);
    this.#nextExpiryMs = this.#round(opts.nowMs);
  }

  #round(t: number): number {
    return (Math.floor(t / this.#tickMs) + 1) * this.#tickMs;
  }

  /** Hands out the next session id (no session is added yet). */
  nextSessionId(): bigint {
    return this.#nextId++;
  }

  /** Creates a session with a new id and returns the id. */
  create(timeoutMs: number, nowMs: number): bigint {
    const id = this.nextSessionId();
    this.add(id, timeoutMs, nowMs);
    return id;
  }

  /** Adds (or re-adds, after recovery or a createSession txn) a session. */
  add(id: bigint, timeoutMs: number, nowMs: number): void {
    const existing = this.#sessions.get(id);
    if (existing) {
      existing.timeoutMs = timeoutMs;
      this.touch(id, nowMs);
      return;
    }
    const s: Session = { id, timeoutMs, expiresAtMs: 0, closing: false };
    this.#sessions.set(id, s);
    this.#schedule(s, this.#round(nowMs + timeoutMs));
  }

  #schedule(s: Session, at: number): void {
    if (s.expiresAtMs === at) return;
    if (s.expiresAtMs) this.#buckets.get(s.expiresAtMs)?.delete(s.id);
    s.expiresAtMs = at;
    let b = this.#buckets.get(at);
    if (!b) this.#buckets.set(at, b = new Set());
    b.add(s.id);
  }

  /**
   * Pushes a session's expiry out (any request or ping does this).
   * @returns false when the session is unknown or closing
   */
  touch(id: bigint, nowMs: number): boolean {
    const s = this.#sessions.get(id);
    if (!s || s.closing) return false;
    this.#schedule(s, this.#round(nowMs + s.timeoutMs));
    return true;
  }

  /** The session, if it is live. */
  get(id: bigint): Session | undefined {
    return this.#sessions.get(id);
  }

  /** Marks a session as closing (closeSession or expiry in progress). */
  setClosing(id: bigint): void {
    const s = this.#sessions.get(id);
    if (s) s.closing = true;
  }

  /** Forgets a session (after its closeSession txn is applied). */
  remove(id: bigint): void {
    const s = this.#sessions.get(id);
    if (!s) return;
    this.#buckets.get(s.expiresAtMs)?.delete(id);
    this.#sessions.delete(id);
  }

  /**
   * Returns the sessions whose bucket has passed by `nowMs` and marks them
   * closing; the caller submits a closeSession for each.
   */
  expire(nowMs: number): bigint[] {
    const out: bigint[] = [];
    while (this.#nextExpiryMs <= nowMs) {
      const b = this.#buckets.get(this.#nextExpiryMs);
      if (b) {
        this.#buckets.delete(this.#nextExpiryMs);
        for (const id of b) {
          const s = this.#sessions.get(id);
          if (s && !s.closing) {
            s.closing = true;
            out.push(id);
          }
        }
      }
      this.#nextExpiryMs += this.#tickMs;
    }
    return out;
  }

  /** Milliseconds until the next bucket is due (for the shell's timer). */
  nextExpiryInMs(nowMs: number): number {
    return Math.max(0, this.#nextExpiryMs - nowMs);
  }

  /** Live sessions, for `cons`, `dump` and snapshots. */
  sessions(): IterableIterator<Session> {
    return this.#sessions.values();
  }

  /** Number of live sessions. */
  get size(): number {
    return this.#sessions.size;
  }
}

/**
 * The session timeout the server grants: the client's ask clamped to
 * [minSessionTimeout, maxSessionTimeout] (ZooKeeperServer.processConnectRequest).
 */
export function negotiateTimeout(askedMs: number, minMs: number, maxMs: number): number {
  return Math.min(Math.max(askedMs, minMs), maxMs);
}
