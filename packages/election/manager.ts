/**
 * The connection manager between election peers, as Apache ZooKeeper's
 * `QuorumCnxManager`: one TCP connection per pair on the election port, kept
 * only when initiated by the higher id, Apache 3.8's initial message and
 * frames, a bounded send queue per peer (oldest dropped), the last message
 * re-sent on a new connection, reconnection with back-off, and refusal of
 * unknown peers and malformed input.
 *
 * @module
 */

import type { QuorumVerifier, Sid } from "./quorum.ts";
import { decodeInitialMessage, encodeInitialMessage, frame, readFrame, WireError } from "./wire.ts";

/** Apache's `SEND_CAPACITY`: a peer keeps only the newest notification for each peer. */
export const SEND_QUEUE_MAX = 1;
/** Apache's `cnxTO` default (`zookeeper.cnxTimeout`). */
export const CONNECT_TIMEOUT_MS = 5000;
/** First reconnection delay; doubles up to {@linkcode RECONNECT_BACKOFF_MAX_MS}. */
export const RECONNECT_BACKOFF_MIN_MS = 50;
/** Longest reconnection delay. */
export const RECONNECT_BACKOFF_MAX_MS = 2000;
/** Longest wait for a connecting peer's initial message. */
export const HANDSHAKE_TIMEOUT_MS = 5000;

/** Options of {@linkcode QuorumCnxManager}. */
export interface CnxManagerOptions {
  /** This server's id. */
  myId: Sid;
  /** The ensemble, with election addresses. */
  quorum: QuorumVerifier;
  /** Called for each message from a peer, in order per connection. */
  onMessage: (from: Sid, body: Uint8Array) => void;
  /** Called when the connection with a peer closes. */
  onDisconnect?: (sid: Sid) => void;
  /** Called with refused connections and dropped input, for logs. */
  onWarning?: (text: string) => void;
  /** Send queue bound per peer; default {@linkcode SEND_QUEUE_MAX}. */
  sendQueueMax?: number;
  /** Bind this host instead of this server's configured election host. */
  listenHost?: string;
}

interface Link {
  sid: Sid;
  conn: Deno.TcpConn;
  closed: boolean;
  writing: boolean;
}

/**
 * Apache ZooKeeper 3.8's `QuorumCnxManager`, on Deno sockets.
 *
 * @example Two managers on loopback
 * ```ts ignore
 * import { QuorumCnxManager, parseQuorumConfig } from "@zkts/election";
 * const quorum = parseQuorumConfig("server.1=127.0.0.1:2888:3888\nserver.2=127.0.0.1:2889:3889");
 * const m1 = new QuorumCnxManager({ myId: 1n, quorum, onMessage: (from, b) => console.log(from, b) });
 * await m1.listen();
 * m1.toSend(2n, new Uint8Array([1, 2, 3]));
 * await m1.close();
 * ```
 */
export class QuorumCnxManager {
  #myId: Sid;
  #qv: QuorumVerifier;
  #opts: CnxManagerOptions;
  #queueMax: number;
  #listener: Deno.TcpListener | undefined;
  #links = new Map<Sid, Link>();
  #queues = new Map<Sid, Uint8Array[]>();
  #last = new Map<Sid, Uint8Array>();
  #connecting = new Set<Sid>();
  #backoff = new Map<Sid, number>();
  #retry = new Map<Sid, ReturnType<typeof setTimeout>>();
  #handshakes = new Set<Deno.TcpConn>();
  #shutdown = false;
  #tasks = new Set<Promise<void>>();

  /**
   * Creates the manager; it listens and connects only when asked.
   *
   * @param opts this server, its ensemble and the message handler
   * @throws {Error} when this server is not in the configuration
   */
  constructor(opts: CnxManagerOptions) {
    this.#myId = opts.myId;
    this.#qv = opts.quorum;
    this.#opts = opts;
    this.#queueMax = opts.sendQueueMax ?? SEND_QUEUE_MAX;
    if (!this.#qv.servers.has(opts.myId)) {
      throw new Error(`server.${opts.myId} is not in the configuration`);
    }
  }

  /** This server's election address, `host:port`, as sent in the initial message. */
  get address(): string {
    const s = this.#qv.servers.get(this.#myId)!;
    const host = s.host.includes(":") ? `[${s.host}]` : s.host;
    return `${host}:${s.electionPort}`;
  }

  /** Ids of the peers with an open connection. */
  get connected(): Sid[] {
    return [...this.#links.keys()];
  }

  /** Starts listening on this server's election port and accepting peers. */
  listen(): Promise<void> {
    const s = this.#qv.servers.get(this.#myId)!;
    this.#listener = Deno.listen({
      hostname: this.#opts.listenHost ?? s.host,
      port: s.electionPort,
    });
    this.#track(this.#acceptLoop(this.#listener));
    return Promise.resolve();
  }

  /**
   * Queues a message for a peer and connects to it if needed, as Apache's
   * `toSend`; a message to oneself is delivered at once. When the queue is
   * full the oldest message is dropped.
   *
   * @param sid the peer
   * @param body the message (a notification)
   */
  toSend(sid: Sid, body: Uint8Array): void {
    if (this.#shutdown) return;
    if (sid === this.#myId) {
      this.#opts.onMessage(sid, body);
      return;
    }
    if (!this.#qv.servers.has(sid)) {
      this.#warn(`Invalid server id: ${sid}`);
      return;
    }
    let q = this.#queues.get(sid);
    if (!q) this.#queues.set(sid, q = []);
    q.push(body);
    while (q.length > this.#queueMax) q.shift();
    const link = this.#links.get(sid);
    if (link) this.#pump(link);
    else this.connectOne(sid);
  }

  /** Whether some peer's queue is empty (Apache's `haveDelivered`). */
  haveDelivered(): boolean {
    for (const q of this.#queues.values()) if (q.length === 0) return true;
    return this.#queues.size === 0;
  }

  /** Connects to every peer with queued messages (Apache's `connectAll`). */
  connectAll(): void {
    for (const sid of this.#queues.keys()) this.connectOne(sid);
  }

  /**
   * Connects to a peer unless connected or connecting. The connection is
   * kept only if this server's id is the higher; otherwise the initial
   * message tells the peer to connect back.
   *
   * @param sid the peer
   */
  connectOne(sid: Sid): void {
    if (this.#shutdown || this.#links.has(sid) || this.#connecting.has(sid)) return;
    if (this.#retry.has(sid)) return; // a back-off timer will retry
    const s = this.#qv.servers.get(sid);
    if (!s) return;
    this.#connecting.add(sid);
    this.#track(this.#connect(sid, s.host, s.electionPort));
  }

  /** Closes every connection and the listener, and waits for the loops to end. */
  async close(): Promise<void> {
    this.#shutdown = true;
    for (const t of this.#retry.values()) clearTimeout(t);
    this.#retry.clear();
    try {
      this.#listener?.close();
    } catch { /* already closed */ }
    for (const link of this.#links.values()) this.#finish(link);
    for (const c of this.#handshakes) closeQuietly(c);
    while (this.#tasks.size > 0) await Promise.allSettled([...this.#tasks]);
  }

  #warn(text: string): void {
    this.#opts.onWarning?.(text);
  }

  #track(p: Promise<void>): void {
    const t = p.catch((e) => this.#warn(`election connection task failed: ${e}`)).finally(() => {
      this.#tasks.delete(t);
    });
    this.#tasks.add(t);
  }

  async #connect(sid: Sid, hostname: string, port: number): Promise<void> {
    let conn: Deno.TcpConn | undefined;
    try {
      conn = await connectWithTimeout(hostname, port, CONNECT_TIMEOUT_MS);
      if (this.#shutdown) {
        closeQuietly(conn);
        return;
      }
      conn.setNoDelay(true);
      await writeAll(conn, encodeInitialMessage(this.#myId, this.address));
    } catch (e) {
      if (conn) closeQuietly(conn);
      this.#connecting.delete(sid);
      this.#warn(`Cannot open channel to ${sid} at election address ${hostname}:${port}: ${e}`);
      this.#scheduleRetry(sid);
      return;
    }
    this.#connecting.delete(sid);
    if (sid > this.#myId) {
      // Lost the challenge: the higher id connects back to us.
      closeQuietly(conn);
      return;
    }
    this.#backoff.delete(sid);
    this.#adopt(sid, conn, new Uint8Array(0));
  }

  #scheduleRetry(sid: Sid): void {
    if (this.#shutdown || (this.#queues.get(sid)?.length ?? 0) === 0 && !this.#last.has(sid)) {
      return;
    }
    const delay = this.#backoff.get(sid) ?? RECONNECT_BACKOFF_MIN_MS;
    this.#backoff.set(sid, Math.min(delay * 2, RECONNECT_BACKOFF_MAX_MS));
    const t = setTimeout(() => {
      this.#retry.delete(sid);
      this.connectOne(sid);
    }, delay);
    this.#retry.set(sid, t);
  }

  async #acceptLoop(listener: Deno.TcpListener): Promise<void> {
    for (;;) {
      let conn: Deno.TcpConn;
      try {
        conn = await listener.accept();
      } catch {
        return; // closed
      }
      if (this.#shutdown) {
        closeQuietly(conn);
        return;
      }
      this.#track(this.#handshake(conn));
    }
  }

  async #handshake(conn: Deno.TcpConn): Promise<void> {
    this.#handshakes.add(conn);
    let buf: Uint8Array = new Uint8Array(0);
    const timer = setTimeout(() => closeQuietly(conn), HANDSHAKE_TIMEOUT_MS);
    try {
      conn.setNoDelay(true);
      const chunk = new Uint8Array(4096);
      for (;;) {
        const r = decodeInitialMessage(buf);
        if (r.message) {
          const { sid } = r.message;
          buf = buf.slice(r.length);
          clearTimeout(timer);
          this.#handshakes.delete(conn);
          this.#accepted(sid, conn, buf);
          return;
        }
        const n = await conn.read(chunk);
        if (n === null) throw new WireError("closed before its initial message");
        buf = concat(buf, chunk.subarray(0, n));
      }
    } catch (e) {
      clearTimeout(timer);
      this.#handshakes.delete(conn);
      closeQuietly(conn);
      if (!this.#shutdown) this.#warn(`Refused election connection: ${(e as Error).message}`);
    }
  }

  #accepted(sid: Sid, conn: Deno.TcpConn, rest: Uint8Array): void {
    if (this.#shutdown) {
      closeQuietly(conn);
      return;
    }
    if (!this.#qv.servers.has(sid)) {
      closeQuietly(conn);
      this.#warn(`Refused election connection from unknown server ${sid}`);
      return;
    }
    if (sid === this.#myId) {
      closeQuietly(conn);
      this.#warn("Got a connection request from a server with our own ID");
      return;
    }
    if (sid < this.#myId) {
      // We win the challenge: drop theirs (and any old link), connect ourselves.
      const old = this.#links.get(sid);
      if (old) this.#finish(old);
      closeQuietly(conn);
      // It is up now: connect back at once, whatever back-off was pending.
      clearTimeout(this.#retry.get(sid));
      this.#retry.delete(sid);
      this.#backoff.delete(sid);
      this.connectOne(sid);
      return;
    }
    this.#adopt(sid, conn, rest);
  }

  #adopt(sid: Sid, conn: Deno.TcpConn, rest: Uint8Array): void {
    const old = this.#links.get(sid);
    const link: Link = { sid, conn, closed: false, writing: false };
    this.#links.set(sid, link);
    if (old) this.#finish(old); // replaced, not lost: no onDisconnect
    clearTimeout(this.#retry.get(sid));
    this.#retry.delete(sid);
    this.#backoff.delete(sid);
    // Apache's SendWorker: with nothing queued, re-send the last message (it may have been lost).
    const q = this.#queues.get(sid) ?? [];
    this.#queues.set(sid, q);
    const last = this.#last.get(sid);
    if (q.length === 0 && last) q.push(last);
    this.#pump(link);
    this.#track(this.#readLoop(link, rest));
  }

  #pump(link: Link): void {
    if (link.writing || link.closed) return;
    link.writing = true;
    this.#track((async () => {
      try {
        const q = this.#queues.get(link.sid)!;
        while (!link.closed && q.length > 0) {
          const body = q.shift()!;
          this.#last.set(link.sid, body);
          await writeAll(link.conn, frame(body));
        }
      } catch (e) {
        if (!link.closed) this.#warn(`Connection broken for id ${link.sid}: ${e}`);
        this.#finish(link);
      } finally {
        link.writing = false;
      }
      if (!link.closed && (this.#queues.get(link.sid)?.length ?? 0) > 0) this.#pump(link);
    })());
  }

  async #readLoop(link: Link, rest: Uint8Array): Promise<void> {
    let buf = rest;
    const chunk = new Uint8Array(64 * 1024);
    try {
      for (;;) {
        for (;;) {
          const f = readFrame(buf);
          if (!f) break;
          const body = f.body.slice();
          buf = buf.subarray(f.length);
          if (link.closed) return;
          this.#opts.onMessage(link.sid, body);
        }
        const n = await link.conn.read(chunk);
        if (n === null) break;
        buf = concat(buf, chunk.subarray(0, n));
      }
    } catch (e) {
      if (!link.closed && !this.#shutdown) {
        this.#warn(`Connection broken for id ${link.sid}: ${(e as Error).message}`);
      }
    } finally {
      this.#finish(link);
    }
  }

  #finish(link: Link): void {
    if (link.closed) return;
    link.closed = true;
    closeQuietly(link.conn);
    if (this.#links.get(link.sid) === link) {
      this.#links.delete(link.sid);
      if (!this.#shutdown) this.#opts.onDisconnect?.(link.sid);
    }
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b.slice();
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

async function writeAll(conn: Deno.TcpConn, bytes: Uint8Array): Promise<void> {
  let off = 0;
  while (off < bytes.length) off += await conn.write(bytes.subarray(off));
}

function closeQuietly(conn: Deno.TcpConn): void {
  try {
    conn.close();
  } catch { /* already closed */ }
}

function connectWithTimeout(hostname: string, port: number, ms: number): Promise<Deno.TcpConn> {
  return new Promise((resolve, reject) => {
    let late = false;
    const t = setTimeout(() => {
      late = true;
      reject(new Error(`connect timed out after ${ms} ms`));
    }, ms);
    Deno.connect({ hostname, port }).then((c) => {
      clearTimeout(t);
      if (late) closeQuietly(c);
      else resolve(c);
    }, (e) => {
      clearTimeout(t);
      reject(e);
    });
  });
}
