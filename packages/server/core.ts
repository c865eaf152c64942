/**
 * The server's pure core: connections, sessions and the request pipeline of
 * Apache ZooKeeper's standalone server (prep → sync → final) as one
 * synchronous state machine. It takes bytes, clock readings and "logged up to
 * zxid" reports, and returns what to send, what to close and what to make
 * durable. No sockets, files or timers here: see `server.ts` for the shell.
 *
 * Ordering, as Apache keeps it: one connection's requests are answered in
 * the order sent; a write is answered only after its txn is durable and
 * applied; a read queued behind a write of the same connection runs right
 * after that write is applied, before any later txn. Reads of other
 * connections do not wait for fsyncs that do not concern them.
 *
 * @module
 */
import {
  AuthPacket,
  ConnectRequest,
  ConnectResponse,
  CreateRequest,
  CreateTTLRequest,
  DeleteRequest,
  ErrorCode,
  type Id,
  JuteReader,
  type JuteRecord,
  JuteWriter,
  MultiOperationRecord,
  OpCode,
  Perms,
  ReconfigRequest,
  ReplyHeader,
  RequestHeader,
  requestRecord,
  responseRecord,
  SetACLRequest,
  SetDataRequest,
  type Stat,
  WatcherEvent,
  Xid,
} from "@zkts/jute";
import {
  checkAcl,
  type DataTree,
  type Prepared,
  Preparer,
  processRead,
  type ProcessTxnResult,
  type ReadRequest,
  type WatchEvent,
  writeReply,
  type WriteRequest,
} from "@zkts/datatree";
import { AUTH_HANDLERS, JavaIdSet, userName } from "./auth.ts";
import { consoleLogger, type Logger } from "./log.ts";
import { checkPassword, negotiateTimeout, sessionPassword, SessionTracker } from "./sessions.ts";

/** A connection's id, chosen by the shell. */
export type ConnId = number;

/** The clock the core reads: monotonic ms for timeouts, wall ms for txn times. */
export interface Clock {
  /** Monotonic milliseconds, for session expiry and request latency. */
  nowMs(): number;
  /** Wall-clock milliseconds since the Unix epoch, for txn times and new session ids. */
  wallMs(): number;
}

/** Settings of the core (the zoo.cfg keys it follows). */
export interface CoreOptions {
  /** `tickTime` in ms: sessions expire on tick boundaries. */
  tickTimeMs: number;
  /** The smallest session timeout granted, in ms (`minSessionTimeout`). */
  minSessionTimeoutMs: number;
  /** The largest session timeout granted, in ms (`maxSessionTimeout`). */
  maxSessionTimeoutMs: number;
  /** Connections per client IP (0 = no limit). */
  maxClientCnxns: number;
  /** `zookeeper.skipACL`: no ACL is checked. */
  skipACL: boolean;
  /** `DigestAuthenticationProvider.superDigest` (`super:base64(sha1)`): who authenticates with it is the superuser. */
  superDigest?: string;
  /** `enforceQuota`: a write past a hard quota fails with QuotaExceeded. */
  enforceQuota?: boolean;
  /** `reconfigEnabled`: a reconfig fails with Unimplemented when on, ReconfigDisabled when off. */
  reconfigEnabled: boolean;
  /** 1 for a standalone server (SessionTrackerImpl's id). */
  serverId: number;
  /** The zxid recovered from disk. */
  lastZxid: bigint;
  /** Sessions recovered from disk (id → timeout). */
  sessions?: Map<bigint, number>;
  /** Where refusals and session events are logged (default: stdout/stderr). */
  logger?: Logger;
  /**
   * The server's part in an ensemble: "standalone" (default) and "leader"
   * prepare writes themselves ("leader": the shell proposes them and calls
   * `logged` once a quorum has them); "follower" forwards writes, new
   * sessions and syncs to the leader (`Effects.forward`) and applies what the
   * leader commits (`applyCommitted`). Only a standalone server or the
   * leader expires sessions.
   */
  role?: "standalone" | "leader" | "follower";
  /**
   * Leader: the zxid ZAB has committed up to (`LeaderCore.lastCommitted`).
   * A sync waits until the tree has applied it, and the session's later
   * requests wait behind the sync: a COMMIT goes to the followers before the
   * leader applies it, and a follower may answer its client at once, so a
   * sync on the leader answered from a tree without that txn would be stale
   * (Apache 3.8's leader does answer it so: its CommitProcessor applies on
   * another thread and a local sync waits for nothing).
   */
  committedZxid?: () => bigint;
}

/** A client request a follower hands to the leader (`Leader.REQUEST`). */
export interface Forwarded {
  /** The session the request came in on. */
  sessionId: bigint;
  /** The client's xid of the request, answered with it. */
  cxid: number;
  /** The op code. */
  op: number;
  /** The request record as the client sent it, after its RequestHeader. */
  payload: Uint8Array;
  /** The client connection's auth ids. */
  authinfo: Id[];
}

/** A txn the shell must make durable (append to the txn log) and then report. */
export interface TxnToLog {
  /** The txn, prepared and numbered; log it, then report its zxid to `logged`. */
  prepared: Prepared;
}

/**
 * What the shell does after a call into the core, in this order: append
 * `persist` to the log (report each with {@linkcode ServerCore.logged} once
 * fsynced), write `send` to the sockets, then close `close`.
 */
export interface Effects {
  /** Txns to append to the log, in zxid order, before anything in `send`. */
  persist: TxnToLog[];
  /** Frames to write to connections, in order. */
  send: { conn: ConnId; bytes: Uint8Array }[];
  /** Connections to close once their frames in `send` are written. */
  close: ConnId[];
  /** A follower's requests for the leader. */
  forward?: Forwarded[];
  /** A follower asks the leader whether these sessions are valid (answer with `revalidated`). */
  revalidate?: { sessionId: bigint; timeoutMs: number }[];
}

/** Counters for `srvr`, `stat`, `mntr` and `cons`. */
export interface ServerStats {
  /** Client frames read, pings included. */
  packetsReceived: number;
  /** Client frames written: replies, ConnectResponses and watch events. */
  packetsSent: number;
  /** The fastest request so far (arrival to reply), in ms; `Number.MAX_SAFE_INTEGER` before the first. */
  minLatencyMs: number;
  /** The slowest request so far, in ms. */
  maxLatencyMs: number;
  /** The latencies of all requests, summed, in ms (average = this / `requests`). */
  totalLatencyMs: number;
  /** Requests answered, pings left out. */
  requests: number;
  /** Monotonic ms (the core's `Clock.nowMs`) when the core was built, for uptime. */
  startedAtMs: number;
  /** Reply sizes (zk_last/min/max_client_response_size). */
  lastResponseBytes: number;
  /** The smallest reply so far, in bytes; `Number.MAX_SAFE_INTEGER` before the first. */
  minResponseBytes: number;
  /** The largest reply so far, in bytes. */
  maxResponseBytes: number;
  /** ServerMetrics.WATCH_BYTES: bytes of watch notifications sent (length prefix left out). */
  watchBytes: number;
}

/** A fixed-bucket histogram (Prometheus style: counts per upper bound, plus +Inf). */
export class Histogram {
  /** Upper bounds of the buckets, ascending. */
  readonly bounds: readonly number[];
  /** Counts per bucket; the last one is +Inf. */
  readonly counts: number[];
  /** Sum of the observed values. */
  sum = 0;
  /** Builds an empty histogram. */
  constructor(bounds: readonly number[]) {
    this.bounds = bounds;
    this.counts = new Array(bounds.length + 1).fill(0);
  }
  /** Counts one value. */
  observe(v: number): void {
    let i = 0;
    while (i < this.bounds.length && v > this.bounds[i]) i++;
    this.counts[i]++;
    this.sum += v;
  }
}

/** Millisecond buckets for latencies. */
export const LATENCY_BOUNDS_MS: readonly number[] = [
  0.25,
  0.5,
  1,
  2,
  5,
  10,
  25,
  50,
  100,
  250,
  500,
  1000,
  2500,
  5000,
];

/** One client connection's state. */
export class Conn {
  /** The shell's id. */
  readonly id: ConnId;
  /** The peer's address. */
  readonly host: string;
  /** The peer's port. */
  readonly port: number;
  /** 0 until the session is set up. */
  sessionId = 0n;
  /** Negotiated session timeout. */
  sessionTimeoutMs = 0;
  /** Ids of this connection, in the order Apache's ConcurrentHashMap-backed set lists them. */
  get authInfo(): Id[] {
    return this.#auth.order();
  }
  #auth = new JavaIdSet();
  /** Adds an authenticated id (ServerCnxn.addAuthInfo). */
  addAuthInfo(id: Id): void {
    this.#auth.add(id);
  }
  /** The ConnectRequest arrived (later frames are requests). */
  handshaken = false;
  /** The session is set up; requests are taken. */
  established = false;
  /**
   * Requests that came behind the ConnectRequest before the session was set
   * up (copies), taken in order once it is: Apache stops reading then
   * (disableRecv), and the Java client sends SetWatches and auth at once.
   */
  held: Uint8Array[] = [];
  /** Bytes in `held`; past 16 MiB (or 1024 frames) the connection is closed. */
  heldBytes = 0;
  /** No more input taken (closing). */
  closing = false;
  /** Whether the client sent the readOnly byte (old clients do not). */
  oldClient = false;
  /** Requests in arrival order, answered in that order. */
  readonly queue: QueueItem[] = [];
  /** For `cons`. */
  packetsReceived = 0;
  /** Frames written to this connection. */
  packetsSent = 0;
  /** The last zxid the tree had applied when this connection's last request was answered (`lzxid` of cons). */
  lastZxid = 0n;
  /** The op of the last request answered, as Apache names it (`lop` of cons); "NA" before the first. */
  lastOp = "NA";
  /** -1 until a request was answered (ServerCnxn). */
  lastCxid: number = -1;
  /** Monotonic ms of the last reply (`lresp` of cons). */
  lastResponseMs = 0;
  /** The last request's latency, in ms (`llat` of cons). */
  lastLatencyMs = 0;
  /** The fastest request so far, in ms (`minlat` of cons); `Number.MAX_SAFE_INTEGER` before the first. */
  minLatencyMs: number = Number.MAX_SAFE_INTEGER;
  /** The slowest request so far, in ms (`maxlat` of cons). */
  maxLatencyMs = 0;
  /** The latencies of this connection's requests, summed, in ms (`avglat` = this / `requests`). */
  totalLatencyMs = 0;
  /** Requests answered on this connection, pings left out. */
  requests = 0;
  /** Wall-clock ms when the connection was accepted (`est` of cons). */
  readonly establishedAtMs: number;

  /** Builds a connection. */
  constructor(id: ConnId, host: string, port: number, nowMs: number) {
    this.id = id;
    this.host = host;
    this.port = port;
    this.#auth.add({ scheme: "ip", id: host });
    this.establishedAtMs = nowMs;
  }
}

/**
 * A request on a connection's queue, from arrival to its reply.
 *
 * @internal
 */
interface QueueItem {
  xid: number;
  op: number;
  receivedMs: number;
  /** A read to run when it reaches the head. */
  read?: { body: JuteReader };
  /** A write waiting for its txn. */
  zxid?: bigint;
  /** The reply, once known. */
  reply?: Uint8Array;
  /** Close the connection after this reply (closeSession). */
  closeAfter?: boolean;
  /** A follower's sync(): waits for the leader's SYNC before it runs. */
  awaitSync?: boolean;
  /** A follower's forwarded write: waits for its commit. */
  awaitCommit?: boolean;
  /** A leader's sync(): waits until the tree has applied this zxid. */
  awaitApplied?: bigint;
}

interface Inflight {
  prepared: Prepared;
  conn: Conn | null;
  item: QueueItem | null;
  /** createSession: the connection waiting for its ConnectResponse. */
  sessionConn?: Conn;
}

const READ_OPS = new Set<number>([
  OpCode.exists,
  OpCode.getData,
  OpCode.getChildren,
  OpCode.getChildren2,
  OpCode.getACL,
  OpCode.getAllChildrenNumber,
  OpCode.getEphemerals,
  OpCode.whoAmI,
  OpCode.sync,
  OpCode.setWatches,
  OpCode.setWatches2,
  OpCode.addWatch,
  OpCode.checkWatches,
  OpCode.removeWatches,
  OpCode.multiRead,
]);

const WRITE_OPS = new Set<number>([
  OpCode.create,
  OpCode.create2,
  OpCode.createTTL,
  OpCode.createContainer,
  OpCode.delete,
  OpCode.setData,
  OpCode.setACL,
  OpCode.multi,
  OpCode.reconfig,
  OpCode.closeSession,
]);

/** Apache's short names of ops, as `cons` prints them (Request.op2String / lastOp). */
const LAST_OP: Record<number, string> = {
  [OpCode.create]: "CREA",
  [OpCode.create2]: "CREA",
  [OpCode.createTTL]: "CREA",
  [OpCode.createContainer]: "CREA",
  [OpCode.delete]: "DELE",
  [OpCode.setData]: "SETD",
  [OpCode.setACL]: "SETA",
  [OpCode.getACL]: "GETA",
  [OpCode.exists]: "EXIS",
  [OpCode.getData]: "GETD",
  [OpCode.getChildren]: "GETC",
  [OpCode.getChildren2]: "GETC",
  [OpCode.getAllChildrenNumber]: "GETACN",
  [OpCode.getEphemerals]: "GETE",
  [OpCode.sync]: "SYNC",
  [OpCode.multi]: "MULT",
  [OpCode.multiRead]: "MLTR",
  [OpCode.ping]: "PING",
  [OpCode.closeSession]: "CLOS",
  [OpCode.setWatches]: "SETW",
  [OpCode.setWatches2]: "STW2",
  [OpCode.addWatch]: "ADDW",
  [OpCode.checkWatches]: "CHKW",
  [OpCode.removeWatches]: "REMW",
  [OpCode.whoAmI]: "HOMI",
  [OpCode.reconfig]: "RECO",
};

function emptyEffects(): Effects {
  return { persist: [], send: [], close: [] };
}

/**
 * Requests a connection may send behind its ConnectRequest before the
 * session is set up (the Java client sends SetWatches and its auth packets
 * at once); past either limit the connection is closed.
 */
const HELD_FRAMES_MAX = 1024;
const HELD_BYTES_MAX = 16 * 1024 * 1024;

/**
 * The standalone server's core. The shell feeds it; it never blocks.
 *
 * @example A session over an in-memory "socket"
 * ```ts
 * import { ServerCore } from "@zkts/server";
 * import { DataTree } from "@zkts/datatree";
 * import { ConnectRequest, encode } from "@zkts/jute";
 * import assert from "node:assert/strict";
 * const core = new ServerCore(new DataTree(), {
 *   tickTimeMs: 2000, minSessionTimeoutMs: 4000, maxSessionTimeoutMs: 40000,
 *   maxClientCnxns: 60, skipACL: false, reconfigEnabled: false, serverId: 1, lastZxid: 0n,
 * }, { nowMs: () => 0, wallMs: () => 1_700_000_000_000 });
 * core.connect(1, "127.0.0.1", 50000);
 * const fx = core.receive(1, encode(ConnectRequest, {
 *   protocolVersion: 0, lastZxidSeen: 0n, timeOut: 30000, sessionId: 0n,
 *   passwd: new Uint8Array(16), readOnly: false,
 * }));
 * assert.equal(fx.persist.length, 1); // the createSession txn
 * const after = core.logged(fx.persist[0].prepared.hdr.zxid);
 * assert.equal(after.send.length, 1); // the ConnectResponse
 * ```
 */
export class ServerCore {
  /** The data tree the core serves and applies txns to. */
  readonly tree: DataTree<Conn>;
  /** The live sessions and their expiry. */
  readonly sessions: SessionTracker;
  /** The counters `srvr`, `stat`, `mntr` and `cons` read. */
  readonly stats: ServerStats;
  /** Request latency (arrival to reply), for `/metrics`. */
  readonly latencyHistogram: Histogram = new Histogram(LATENCY_BOUNDS_MS);
  #prep: Preparer;
  #opts: CoreOptions;
  #clock: Clock;
  #conns = new Map<ConnId, Conn>();
  #bySession = new Map<bigint, Conn>();
  #perIp = new Map<string, number>();
  #nextZxid: bigint;
  /** Logged but not yet applied, in zxid order. */
  #inflight: Inflight[] = [];
  #inflightHead = 0;
  #w = new JuteWriter(64 * 1024);
  #fx: Effects = emptyEffects();
  #log: Logger;
  #role: "standalone" | "leader" | "follower";
  /** Follower: connections waiting for their new session's commit, by session id. */
  #pendingSessions = new Map<bigint, Conn>();
  /** Follower: connections waiting for the leader to revalidate their session. */
  #pendingRevalidations = new Map<bigint, Conn>();
  /** Follower: forwarded writes waiting for their commit, by "session:cxid". */
  #pendingWrites = new Map<string, { conn: Conn; item: QueueItem }>();
  /** Follower: forwarded syncs, oldest first. */
  #pendingSyncs: { conn: Conn; item: QueueItem }[] = [];
  /** Leader: syncs waiting for the tree to apply what ZAB committed, oldest (lowest zxid) first. */
  #syncsAwaitingApply: { conn: Conn; item: QueueItem }[] = [];

  /** Builds the core over a tree recovered to `opts.lastZxid`. */
  constructor(tree: DataTree<Conn>, opts: CoreOptions, clock: Clock) {
    this.tree = tree;
    this.#opts = opts;
    this.#clock = clock;
    this.#prep = new Preparer(tree, { skipACL: opts.skipACL, enforceQuota: opts.enforceQuota });
    this.#log = opts.logger ?? consoleLogger("server");
    this.#role = opts.role ?? "standalone";
    this.#nextZxid = opts.lastZxid + 1n;
    tree.lastProcessedZxid = opts.lastZxid;
    this.sessions = new SessionTracker({
      tickTimeMs: opts.tickTimeMs,
      serverId: opts.serverId,
      nowMs: clock.nowMs(),
      idSeedMs: clock.wallMs(),
    });
    const now = clock.nowMs();
    for (const [id, timeout] of opts.sessions ?? []) this.sessions.add(id, timeout, now);
    this.stats = {
      packetsReceived: 0,
      packetsSent: 0,
      minLatencyMs: Number.MAX_SAFE_INTEGER,
      maxLatencyMs: 0,
      totalLatencyMs: 0,
      requests: 0,
      startedAtMs: now,
      lastResponseBytes: 0,
      minResponseBytes: Number.MAX_SAFE_INTEGER,
      maxResponseBytes: 0,
      watchBytes: 0,
    };
  }

  /** The last zxid applied to the tree. */
  get lastProcessedZxid(): bigint {
    return this.tree.lastProcessedZxid;
  }

  /**
   * Apache's outstanding requests, which globalOutstandingLimit bounds: txns
   * prepared but not yet applied and, on a follower, the writes, syncs and
   * new sessions forwarded to the leader and not yet back.
   */
  get outstanding(): number {
    return this.#inflight.length - this.#inflightHead + this.#pendingWrites.size +
      this.#pendingSyncs.length + this.#pendingSessions.size + this.#syncsAwaitingApply.length;
  }

  /** Live connections. */
  connections(): IterableIterator<Conn> {
    return this.#conns.values();
  }

  /** The connection of an id. */
  conn(id: ConnId): Conn | undefined {
    return this.#conns.get(id);
  }

  #take(): Effects {
    const fx = this.#fx;
    this.#fx = emptyEffects();
    return fx;
  }

  // ---- connections ---------------------------------------------------------

  /**
   * A client connected. Refused (closed at once) past maxClientCnxns from
   * one IP, as NIOServerCnxnFactory does.
   */
  connect(id: ConnId, host: string, port: number): Effects {
    const n = this.#perIp.get(host) ?? 0;
    if (this.#opts.maxClientCnxns > 0 && n >= this.#opts.maxClientCnxns) {
      this.#log.warn(`Too many connections from /${host} - max is ${this.#opts.maxClientCnxns}`, {
        client: `${host}:${port}`,
      });
      this.#fx.close.push(id);
      return this.#take();
    }
    this.#perIp.set(host, n + 1);
    this.#conns.set(id, new Conn(id, host, port, Math.floor(this.#clock.wallMs())));
    return this.#take();
  }

  /** The connection is gone (peer closed, error, or we closed it). */
  disconnected(id: ConnId): Effects {
    const c = this.#conns.get(id);
    if (!c) return this.#take();
    this.#conns.delete(id);
    const n = (this.#perIp.get(c.host) ?? 1) - 1;
    if (n <= 0) this.#perIp.delete(c.host);
    else this.#perIp.set(c.host, n);
    c.closing = true;
    if (c.sessionId !== 0n && this.#bySession.get(c.sessionId) === c) {
      this.#bySession.delete(c.sessionId);
    }
    // Its watches go with it (DataTree.removeCnxn); the session lives on
    // until it expires or a client re-attaches.
    this.tree.removeWatcher(c);
    return this.#take();
  }

  #close(c: Conn): void {
    if (c.closing) return;
    c.closing = true;
    this.#fx.close.push(c.id);
  }

  #sendFrame(c: Conn, bytes: Uint8Array): void {
    if (c.closing && !this.#conns.has(c.id)) return;
    c.packetsSent++;
    this.stats.packetsSent++;
    this.#fx.send.push({ conn: c.id, bytes });
  }

  /** Encodes header + body as one length-prefixed frame. */
  #frame<T>(hdr: ReplyHeader, rec: JuteRecord<T> | null, body: T | null): Uint8Array {
    const w = this.#w;
    w.reset();
    w.writeInt(0);
    ReplyHeader.write(w, hdr);
    if (rec !== null && body !== null) rec.write(w, body);
    const bytes = w.toBytes();
    new DataView(bytes.buffer, bytes.byteOffset).setInt32(0, bytes.length - 4);
    return bytes;
  }

  // ---- input -----------------------------------------------------------------

  /**
   * One frame (without its length prefix) arrived on a connection.
   * Malformed input closes that connection only. The frame is only borrowed
   * for this call: what must wait is copied.
   */
  receive(id: ConnId, frame: Uint8Array): Effects {
    const c = this.#conns.get(id);
    if (!c || c.closing) return this.#take();
    c.packetsReceived++;
    this.stats.packetsReceived++;
    try {
      if (!c.handshaken) this.#onConnect(c, frame);
      else if (!c.established) this.#hold(c, frame);
      else this.#onRequest(c, frame);
    } catch (e) {
      this.#log.warn(`Closing connection: ${e instanceof Error ? e.message : String(e)}`, {
        client: `${c.host}:${c.port}`,
        session: c.sessionId,
      });
      this.#close(c);
    }
    return this.#take();
  }

  #onConnect(c: Conn, frame: Uint8Array): void {
    const r = new JuteReader(frame);
    const req = ConnectRequest.read(r);
    c.handshaken = true;
    c.oldClient = req.readOnly === undefined;
    if (req.lastZxidSeen > this.tree.lastProcessedZxid) {
      // The client has seen a newer state than ours: it must try another server.
      this.#log.info(
        `Refusing session(0x${
          req.sessionId.toString(16)
        }) request for client /${c.host}:${c.port} as it has seen zxid 0x${
          req.lastZxidSeen.toString(16)
        } our last zxid is 0x${
          this.tree.lastProcessedZxid.toString(16)
        } client must try another server`,
      );
      this.#close(c);
      return;
    }
    const timeout = negotiateTimeout(
      req.timeOut,
      this.#opts.minSessionTimeoutMs,
      this.#opts.maxSessionTimeoutMs,
    );
    c.sessionTimeoutMs = timeout;
    if (req.sessionId === 0n) {
      const sid = this.sessions.nextSessionId();
      c.sessionId = sid;
      if (this.#role === "follower") {
        // The leader makes the session (createSession txn); we answer once it commits.
        this.#pendingSessions.set(sid, c);
        const payload = new Uint8Array(4);
        new DataView(payload.buffer).setInt32(0, timeout);
        this.#forward({ sessionId: sid, cxid: 0, op: OpCode.createSession, payload, authinfo: [] });
        return;
      }
      this.#submitWrite(
        c,
        null,
        { type: OpCode.createSession, request: { timeOut: timeout } },
        0,
        sid,
      );
      return;
    }
    // Re-attach: the password must match and the session must be live.
    c.sessionId = req.sessionId;
    const other = this.#bySession.get(req.sessionId);
    if (other && other !== c) this.#close(other);
    if (this.#role === "follower") {
      // Only the leader knows whether a session lives (Learner.validateSession).
      if (!checkPassword(req.sessionId, req.passwd)) return this.#finishSessionInit(c, false);
      this.#pendingRevalidations.set(req.sessionId, c);
      (this.#fx.revalidate ??= []).push({ sessionId: req.sessionId, timeoutMs: timeout });
      return;
    }
    const valid = checkPassword(req.sessionId, req.passwd) &&
      this.sessions.touch(req.sessionId, this.#clock.nowMs());
    this.#finishSessionInit(c, valid);
  }

  /** Follower: the leader's answer to a revalidation. */
  revalidated(sessionId: bigint, valid: boolean): Effects {
    const c = this.#pendingRevalidations.get(sessionId);
    this.#pendingRevalidations.delete(sessionId);
    if (c && !c.closing) {
      if (valid && !this.sessions.get(sessionId)) {
        this.sessions.add(sessionId, c.sessionTimeoutMs, this.#clock.nowMs());
      }
      this.#finishSessionInit(c, valid);
    }
    return this.#take();
  }

  #forward(f: Forwarded): void {
    (this.#fx.forward ??= []).push(f);
  }

  #finishSessionInit(c: Conn, valid: boolean): void {
    const rsp: ConnectResponse = {
      protocolVersion: 0,
      timeOut: valid ? c.sessionTimeoutMs : 0,
      sessionId: valid ? c.sessionId : 0n,
      passwd: valid ? sessionPassword(c.sessionId) : new Uint8Array(16),
    };
    if (!c.oldClient) rsp.readOnly = false;
    const w = this.#w;
    w.reset();
    w.writeInt(0);
    ConnectResponse.write(w, rsp);
    const bytes = w.toBytes();
    new DataView(bytes.buffer, bytes.byteOffset).setInt32(0, bytes.length - 4);
    this.#sendFrame(c, bytes);
    if (valid) {
      c.established = true;
      this.#bySession.set(c.sessionId, c);
      const held = c.held.splice(0);
      c.heldBytes = 0;
      for (const frame of held) {
        if (c.closing) break;
        try {
          this.#onRequest(c, frame);
        } catch (e) {
          this.#log.warn(`Closing connection: ${e instanceof Error ? e.message : String(e)}`, {
            client: `${c.host}:${c.port}`,
            session: c.sessionId,
          });
          this.#close(c);
        }
      }
    } else {
      this.#log.info(
        `Invalid session 0x${
          c.sessionId.toString(16)
        } for client /${c.host}:${c.port}, probably expired`,
      );
      this.#close(c);
    }
  }

  /** A request before the session is set up waits for it (a copy: frames are borrowed). */
  #hold(c: Conn, frame: Uint8Array): void {
    c.heldBytes += frame.length;
    if (c.held.length >= HELD_FRAMES_MAX || c.heldBytes > HELD_BYTES_MAX) {
      throw new Error(
        `more than ${HELD_FRAMES_MAX} requests or ${HELD_BYTES_MAX} bytes before the session was established`,
      );
    }
    c.held.push(frame.slice());
  }

  #onRequest(c: Conn, frame: Uint8Array): void {
    if (!c.established) throw new Error("request before the session was established");
    const r = new JuteReader(frame);
    const h = RequestHeader.read(r);
    const now = this.#clock.nowMs();
    this.sessions.touch(c.sessionId, now);
    if (h.type === OpCode.ping) {
      this.#enqueue(c, {
        xid: h.xid,
        op: h.type,
        receivedMs: now,
        reply: this.#frame(
          { xid: Xid.Ping, zxid: this.tree.lastProcessedZxid, err: 0 },
          null,
          null,
        ),
      });
      return;
    }
    if (h.type === OpCode.auth) {
      this.#onAuth(c, h.xid, AuthPacket.read(r));
      return;
    }
    if (h.type === OpCode.sasl) {
      // No SASL here: answer as a server without a SASL provider does.
      this.#sendFrame(
        c,
        this.#frame({ xid: h.xid, zxid: 0n, err: ErrorCode.AuthFailed }, null, null),
      );
      this.#close(c);
      return;
    }
    const session = this.sessions.get(c.sessionId);
    if (
      (!session || session.closing) && h.type !== OpCode.closeSession &&
      (READ_OPS.has(h.type) || WRITE_OPS.has(h.type))
    ) {
      // SessionTracker.checkSession: the session expired or is closing.
      this.#enqueue(c, {
        xid: h.xid,
        op: h.type,
        receivedMs: now,
        reply: this.#frame(
          { xid: h.xid, zxid: this.tree.lastProcessedZxid, err: ErrorCode.SessionExpired },
          null,
          null,
        ),
      });
      return;
    }
    if (h.type === OpCode.sync && this.#role === "follower") {
      // FollowerRequestProcessor: the sync goes to the leader; it runs once SYNC
      // comes back, so its body must outlive the frame (see below).
      const item: QueueItem = {
        xid: h.xid,
        op: h.type,
        receivedMs: now,
        read: { body: new JuteReader(frame.slice(r.offset)) },
        awaitSync: true,
      };
      c.queue.push(item);
      this.#pendingSyncs.push({ conn: c, item });
      this.#forward({
        sessionId: c.sessionId,
        cxid: h.xid,
        op: h.type,
        payload: frame.slice(r.offset),
        authinfo: c.authInfo,
      });
      return;
    }
    const committed = h.type === OpCode.sync ? this.#opts.committedZxid?.() : undefined;
    if (committed !== undefined && committed > this.tree.lastProcessedZxid) {
      // The leader's sync: ZAB committed txns this tree has not applied yet
      // (their COMMITs are out, a follower may have acknowledged them): the
      // sync is answered once they are, so a read after it sees them.
      const item: QueueItem = {
        xid: h.xid,
        op: h.type,
        receivedMs: now,
        read: { body: new JuteReader(frame.slice(r.offset)) },
        awaitApplied: committed,
      };
      c.queue.push(item);
      this.#syncsAwaitingApply.push({ conn: c, item });
      return;
    }
    if (READ_OPS.has(h.type)) {
      // A frame may be a view of the shell's socket buffer, which the next
      // read overwrites: a read that waits behind this connection's pending
      // write keeps a copy of its body.
      const body = c.queue.length > 0 ? new JuteReader(frame.slice(r.offset)) : r;
      this.#enqueue(c, { xid: h.xid, op: h.type, receivedMs: now, read: { body } });
      return;
    }
    if (WRITE_OPS.has(h.type)) {
      this.#onWrite(c, h.xid, h.type, r, now);
      return;
    }
    // Request.isValid: unknown ops (and a bare check) get Unimplemented, then
    // the session's connection is closed (UnimplementedRequestProcessor). The
    // reply's zxid is the request's, -1: it never had one. (Apache 3.8 answers
    // a bare check with nothing at all; zkts answers it as an unknown op.)
    this.#log.warn(`Received packet at server of unknown type ${h.type}`, {
      client: `${c.host}:${c.port}`,
      session: c.sessionId,
    });
    this.#sendFrame(
      c,
      this.#frame(
        { xid: h.xid, zxid: -1n, err: ErrorCode.Unimplemented },
        null,
        null,
      ),
    );
    this.#close(c);
  }

  #onAuth(c: Conn, xid: number, p: AuthPacket): void {
    const handler = Object.hasOwn(AUTH_HANDLERS, p.scheme) ? AUTH_HANDLERS[p.scheme] : undefined;
    const ids = handler ? handler(p.auth ?? new Uint8Array(0), this.#opts.superDigest) : null;
    if (ids === null) {
      this.#log.warn(
        handler
          ? `Authentication failed for scheme: ${p.scheme}`
          : `No authentication provider for scheme: ${p.scheme} has [ip, digest]`,
        { client: `${c.host}:${c.port}`, session: c.sessionId },
      );
      this.#sendFrame(c, this.#frame({ xid, zxid: 0n, err: ErrorCode.AuthFailed }, null, null));
      this.#close(c);
      return;
    }
    for (const id of ids) c.addAuthInfo(id);
    this.#sendFrame(c, this.#frame({ xid, zxid: 0n, err: 0 }, null, null));
  }

  #onWrite(c: Conn, xid: number, op: number, r: JuteReader, now: number): void {
    const item: QueueItem = { xid, op, receivedMs: now };
    const payloadStart = r.offset;
    let req: WriteRequest;
    switch (op) {
      case OpCode.create:
      case OpCode.create2:
      case OpCode.createContainer:
        req = { type: op, request: CreateRequest.read(r) };
        break;
      case OpCode.createTTL:
        req = { type: op, request: CreateTTLRequest.read(r) };
        break;
      case OpCode.delete:
        req = { type: op, request: DeleteRequest.read(r) };
        break;
      case OpCode.setData:
        req = { type: op, request: SetDataRequest.read(r) };
        break;
      case OpCode.setACL:
        req = { type: op, request: SetACLRequest.read(r) };
        break;
      case OpCode.multi: {
        const mr = MultiOperationRecord.read(r);
        // Apache 3.8's MultiOperationRecord rebuilds a create2 op as a plain
        // create (Op.create without the op code), so the result is a
        // CreateResult with the path only (fixed later by ZOOKEEPER-4026).
        for (const o of mr.ops) if (o.type === OpCode.create2) o.type = OpCode.create;
        req = { type: op, request: mr };
        break;
      }
      case OpCode.closeSession:
        req = { type: op, request: null };
        item.closeAfter = true;
        this.sessions.setClosing(c.sessionId);
        break;
      case OpCode.reconfig: {
        ReconfigRequest.read(r);
        // A standalone server cannot reconfigure: ReconfigDisabled when the
        // feature is off, Unimplemented otherwise (PrepRequestProcessor).
        const err = this.#opts.reconfigEnabled
          ? ErrorCode.Unimplemented
          : ErrorCode.ReconfigDisabled;
        this.#enqueue(c, {
          ...item,
          reply: this.#frame({ xid, zxid: this.tree.lastProcessedZxid, err }, null, null),
        });
        return;
      }
      default:
        throw new Error(`unexpected write op ${op}`);
    }
    c.queue.push(item);
    if (this.#role === "follower") {
      item.awaitCommit = true;
      this.#pendingWrites.set(`${c.sessionId}:${xid}`, { conn: c, item });
      this.#forward({
        sessionId: c.sessionId,
        cxid: xid,
        op,
        payload: r.bytes.slice(payloadStart, r.end),
        authinfo: c.authInfo,
      });
      return;
    }
    this.#submitWrite(c, item, req, xid, c.sessionId);
  }

  /**
   * Leader: a request a follower forwarded (`Leader.REQUEST`) goes through
   * prep like a local one; its follower answers the client when it commits.
   */
  submitForwarded(f: Forwarded): Effects {
    const r = new JuteReader(f.payload);
    let req: WriteRequest;
    try {
      switch (f.op) {
        case OpCode.createSession:
          req = { type: f.op, request: { timeOut: r.readInt() } };
          break;
        case OpCode.create:
        case OpCode.create2:
        case OpCode.createContainer:
          req = { type: f.op, request: CreateRequest.read(r) };
          break;
        case OpCode.createTTL:
          req = { type: f.op, request: CreateTTLRequest.read(r) };
          break;
        case OpCode.delete:
          req = { type: f.op, request: DeleteRequest.read(r) };
          break;
        case OpCode.setData:
          req = { type: f.op, request: SetDataRequest.read(r) };
          break;
        case OpCode.setACL:
          req = { type: f.op, request: SetACLRequest.read(r) };
          break;
        case OpCode.multi: {
          const mr = MultiOperationRecord.read(r);
          for (const o of mr.ops) if (o.type === OpCode.create2) o.type = OpCode.create;
          req = { type: f.op, request: mr };
          break;
        }
        case OpCode.closeSession:
          req = { type: f.op, request: null };
          this.sessions.setClosing(f.sessionId);
          break;
        default:
          this.#log.warn(`Forwarded request of type ${f.op} is not a write; dropped`, {
            session: f.sessionId,
          });
          return this.#take();
      }
    } catch (e) {
      this.#log.warn(`Forwarded request does not decode: ${e instanceof Error ? e.message : e}`, {
        session: f.sessionId,
      });
      return this.#take();
    }
    this.#submitWrite(null, null, req, f.cxid, f.sessionId, f.authinfo);
    return this.#take();
  }

  /** Leader: sessions a follower's clients kept alive (its PING replies). */
  touchSessions(sessions: [bigint, number][]): void {
    const now = this.#clock.nowMs();
    for (const [id] of sessions) this.sessions.touch(id, now);
  }

  /**
   * Follower: the leader committed this txn (TxnHeader + txn [+ digest], as
   * in a PROPOSAL): apply it, fire its watches, and answer the client that
   * sent it if it is ours.
   */
  applyCommitted(entry: { header: Prepared["hdr"]; txn: Prepared["txn"] }): Effects {
    const hdr = entry.header;
    const rc = this.tree.processTxn(hdr, entry.txn);
    this.tree.lastProcessedZxid = hdr.zxid;
    this.#nextZxid = hdr.zxid + 1n;
    this.#deliver(rc.events);
    const now = this.#clock.nowMs();
    if (hdr.type === OpCode.createSession) {
      this.sessions.add(hdr.clientId, (entry.txn as { timeOut: number }).timeOut, now);
      const c = this.#pendingSessions.get(hdr.clientId);
      this.#pendingSessions.delete(hdr.clientId);
      if (c && !c.closing) this.#finishSessionInit(c, true);
      return this.#take();
    }
    if (hdr.type === OpCode.closeSession) {
      this.sessions.remove(hdr.clientId);
      const key = `${hdr.clientId}:${hdr.cxid}`;
      const holder = this.#bySession.get(hdr.clientId);
      if (holder && !this.#pendingWrites.has(key)) this.#close(holder);
    }
    const key = `${hdr.clientId}:${hdr.cxid}`;
    const w = this.#pendingWrites.get(key);
    if (w) {
      this.#pendingWrites.delete(key);
      w.item.awaitCommit = false;
      w.item.reply = this.#writeReply(w.item, rc);
      this.#drain(w.conn);
    }
    return this.#take();
  }

  /** Follower: the leader answered the oldest forwarded sync. */
  synced(): Effects {
    const s = this.#pendingSyncs.shift();
    if (s) {
      s.item.awaitSync = false;
      this.#drain(s.conn);
    }
    return this.#take();
  }

  /** prep: the request becomes a txn (or an error txn) with the next zxid; sync follows. */
  #submitWrite(
    c: Conn | null,
    item: QueueItem | null,
    req: WriteRequest,
    cxid: number,
    sessionId: bigint,
    authInfo: Id[] = c?.authInfo ?? [],
  ): void {
    const zxid = this.#nextZxid++;
    const prepared = this.#prep.prepare(req, {
      sessionId,
      cxid,
      zxid,
      time: BigInt(this.#clock.wallMs()),
      authInfo,
    });
    if (item) item.zxid = zxid;
    const inflight: Inflight = { prepared, conn: c, item };
    if (req.type === OpCode.createSession && c) inflight.sessionConn = c;
    this.#inflight.push(inflight);
    this.#fx.persist.push({ prepared });
  }

  #enqueue(c: Conn, item: QueueItem): void {
    c.queue.push(item);
    this.#drain(c);
  }

  /**
   * The txn log is durable up to `zxid`: apply those txns in order, fire
   * their watches, answer their requests and whatever queued behind them.
   */
  logged(zxid: bigint): Effects {
    while (this.#inflightHead < this.#inflight.length) {
      const f = this.#inflight[this.#inflightHead];
      if (f.prepared.hdr.zxid > zxid) break;
      this.#inflightHead++;
      this.#apply(f);
      this.#releaseSyncs();
    }
    if (this.#inflightHead > 1024 && this.#inflightHead * 2 > this.#inflight.length) {
      this.#inflight = this.#inflight.slice(this.#inflightHead);
      this.#inflightHead = 0;
    }
    return this.#take();
  }

  #apply(f: Inflight): void {
    const { hdr, txn } = f.prepared;
    const rc = this.tree.processTxn(hdr, txn);
    this.#prep.applied(hdr.zxid);
    this.tree.lastProcessedZxid = hdr.zxid;
    this.#deliver(rc.events);
    const now = this.#clock.nowMs();
    switch (hdr.type) {
      case OpCode.createSession: {
        const timeout = (txn as { timeOut: number }).timeOut;
        this.sessions.add(hdr.clientId, timeout, now);
        if (f.sessionConn && !f.sessionConn.closing) {
          this.#finishSessionInit(f.sessionConn, true);
        }
        return;
      }
      case OpCode.closeSession: {
        this.sessions.remove(hdr.clientId);
        const holder = this.#bySession.get(hdr.clientId);
        if (holder && holder !== f.conn) this.#close(holder);
        break;
      }
    }
    if (f.conn && f.item) {
      f.item.reply = this.#writeReply(f.item, rc);
      this.#drain(f.conn);
    }
  }

  /** Leader: answers the syncs whose committed txns the tree now has, oldest first. */
  #releaseSyncs(): void {
    const waiting = this.#syncsAwaitingApply;
    while (waiting.length > 0 && waiting[0].item.awaitApplied! <= this.tree.lastProcessedZxid) {
      const { conn, item } = waiting.shift()!;
      item.awaitApplied = undefined;
      this.#drain(conn);
    }
  }

  #writeReply(item: QueueItem, rc: ProcessTxnResult<Conn>): Uint8Array {
    const reply = writeReply(item.op, rc);
    return this.#replyFrame(item, reply.err, reply.response);
  }

  /** A reply frame: the header, then the op's response record when there is one. */
  #replyFrame(item: QueueItem, err: number, response: unknown | null): Uint8Array {
    const hdr = { xid: item.xid, zxid: this.tree.lastProcessedZxid, err };
    const rec = response === null ? null : responseRecord(item.op) ?? null;
    return this.#frame(hdr, rec, rec === null ? null : response);
  }

  /** Sends watch notifications (xid -1) to their connections. */
  #deliver(events: WatchEvent<Conn>[]): void {
    for (const e of events) {
      const c = e.watcher;
      if (c.closing || !this.#conns.has(c.id)) continue;
      // Only sessions that may READ the node hear of it (Apache 3.8.4+ and
      // Debian's 3.8.0: ZOOKEEPER-4799).
      if (
        e.acl !== null && !checkAcl(e.acl, Perms.Read, c.authInfo, { skipACL: this.#opts.skipACL })
      ) {
        continue;
      }
      const bytes = this.#frame(
        { xid: Xid.Notification, zxid: e.zxid, err: 0 },
        WatcherEvent,
        { type: e.type, state: e.state, path: e.path },
      );
      this.stats.watchBytes += bytes.length - 4;
      this.#sendFrame(c, bytes);
    }
  }

  /** Answers the head of a connection's queue for as long as it can. */
  #drain(c: Conn): void {
    while (c.queue.length > 0) {
      const item = c.queue[0];
      if (item.awaitSync || item.awaitCommit || item.awaitApplied !== undefined) return;
      if (item.read) {
        item.reply = this.#runRead(c, item);
        item.read = undefined;
      }
      if (!item.reply) return; // a write still waiting for its txn
      c.queue.shift();
      const now = this.#clock.nowMs();
      // Apache keeps latencies as whole milliseconds of its elapsed clock.
      const latency = Math.floor(now) - Math.floor(item.receivedMs);
      c.lastResponseMs = Math.floor(now);
      this.#account(c, item, latency);
      if (item.op !== OpCode.ping) {
        const n = item.reply.length - 4;
        this.stats.lastResponseBytes = n;
        this.stats.minResponseBytes = Math.min(this.stats.minResponseBytes, n);
        this.stats.maxResponseBytes = Math.max(this.stats.maxResponseBytes, n);
      }
      this.#sendFrame(c, item.reply);
      if (item.closeAfter) {
        this.#close(c);
        return;
      }
    }
  }

  #account(c: Conn, item: QueueItem, latency: number): void {
    if (item.op === OpCode.ping) {
      c.lastOp = "PING";
      return;
    }
    c.lastOp = LAST_OP[item.op] ?? "NA";
    c.lastCxid = item.xid;
    c.lastZxid = this.tree.lastProcessedZxid;
    c.lastLatencyMs = latency;
    c.requests++;
    c.totalLatencyMs += latency;
    c.minLatencyMs = Math.min(c.minLatencyMs, latency);
    c.maxLatencyMs = Math.max(c.maxLatencyMs, latency);
    this.latencyHistogram.observe(latency);
    const s = this.stats;
    s.requests++;
    s.totalLatencyMs += latency;
    s.minLatencyMs = Math.min(s.minLatencyMs, latency);
    s.maxLatencyMs = Math.max(s.maxLatencyMs, latency);
  }

  /** FinalRequestProcessor's reads, watch requests and multiRead, through the tree's own rules. */
  #runRead(c: Conn, item: QueueItem): Uint8Array {
    const r = item.read!.body;
    if (item.op === OpCode.whoAmI) {
      // AuthUtil.getClientInfos: each id as its provider's user name.
      const clientInfo = c.authInfo.map((id) => ({ authScheme: id.scheme, user: userName(id) }));
      return this.#replyFrame(item, 0, { clientInfo });
    }
    let request: unknown;
    try {
      const rec = requestRecord(item.op);
      request = rec ? rec.read(r) : null;
    } catch {
      // A body that does not decode: MarshallingError, as Apache answers.
      return this.#replyFrame(item, ErrorCode.MarshallingError, null);
    }
    if (item.op === OpCode.multiRead) {
      // Apache 3.8's MultiOperationRecord drops the ops' watch flags: a
      // multiRead sets no watches (3.9 sets them).
      for (const op of (request as MultiOperationRecord).ops) {
        if ("watch" in op.request) op.request.watch = false;
      }
    }
    const reply = processRead(
      this.tree,
      { type: item.op, request } as ReadRequest,
      { watcher: c, sessionId: c.sessionId, authInfo: c.authInfo },
      { skipACL: this.#opts.skipACL },
    );
    this.#deliver(reply.events);
    return this.#replyFrame(item, reply.err, reply.response);
  }

  // ---- time --------------------------------------------------------------------

  /** Clock tick: expires sessions whose time is up (closeSession txns). */
  tick(): Effects {
    // Only the leader (or a standalone server) expires sessions.
    if (this.#role === "follower") return this.#take();
    for (const sid of this.sessions.expire(this.#clock.nowMs())) {
      this.#log.info(
        `Expiring session 0x${sid.toString(16)}, timeout of ${
          this.sessions.get(sid)?.timeoutMs ?? 0
        }ms exceeded`,
      );
      const holder = this.#bySession.get(sid);
      if (holder) holder.established = false;
      this.#submitWrite(null, null, { type: OpCode.closeSession, request: null }, 0, sid);
    }
    return this.#take();
  }

  /**
   * ContainerManager.checkContainers: deletes empty containers (that once
   * had a child, or never did and are older than `maxNeverUsedIntervalMs`)
   * and TTL nodes past their TTL, at most `maxPerMinute` per call.
   *
   * @returns the effects; the paths submitted are in `deleted`
   */
  checkContainers(
    maxPerMinute = 10000,
    maxNeverUsedIntervalMs = 0,
  ): Effects & { deleted: string[] } {
    const deleted: string[] = [];
    const candidates = this.tree.containerCandidates(
      BigInt(this.#clock.wallMs()),
      BigInt(maxNeverUsedIntervalMs),
    );
    for (const path of candidates.slice(0, maxPerMinute)) {
      deleted.push(path);
      this.#submitWrite(null, null, { type: OpCode.deleteContainer, request: { path } }, 0, 0n);
    }
    return { ...this.#take(), deleted };
  }

  /** Milliseconds until {@linkcode tick} has work. */
  nextTickInMs(): number {
    return this.sessions.nextExpiryInMs(this.#clock.nowMs());
  }
}

export type { Stat };
