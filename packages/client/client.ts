/**
 * The ZooKeeper client: one session over a connection to one server of the
 * connect string at a time, requests pipelined and matched by xid in order,
 * pings, reconnection with the same session to another server, and watches
 * re-registered (SetWatches2) after a reconnect.
 *
 * Follows Apache's ClientCnxn / ZKWatchManager for behaviour.
 *
 * @module
 */
import {
  type ACL,
  AddWatchRequest,
  AuthPacket,
  CheckWatchesRequest,
  ConnectRequest,
  ConnectResponse,
  Create2Response,
  CreateMode,
  CreateRequest,
  CreateResponse,
  CreateTTLRequest,
  DeleteRequest,
  ErrorCode,
  EventType,
  ExistsRequest,
  GetACLRequest,
  GetACLResponse,
  GetAllChildrenNumberRequest,
  GetAllChildrenNumberResponse,
  GetChildren2Request,
  GetChildren2Response,
  GetChildrenRequest,
  GetChildrenResponse,
  GetDataRequest,
  GetDataResponse,
  GetEphemeralsRequest,
  GetEphemeralsResponse,
  type Id,
  JuteReader,
  type JuteRecord,
  JuteWriter,
  KeeperState,
  type MultiOp,
  MultiOperationRecord,
  MultiResponse,
  type MultiResult,
  OpCode,
  Perms,
  ReconfigRequest,
  ReplyHeader,
  RequestHeader,
  SetACLRequest,
  SetACLResponse,
  SetDataRequest,
  SetDataResponse,
  SetWatches2,
  type Stat,
  SyncRequest,
  SyncResponse,
  WatcherEvent,
  WatcherType,
  WhoAmIResponse,
  Xid,
} from "@zkts/jute";
import { KeeperError } from "./errors.ts";
import { parseConnectString, validatePath } from "./paths.ts";

/** ZooDefs.Ids.OPEN_ACL_UNSAFE: world:anyone may do everything. */
export const OPEN_ACL_UNSAFE: ACL[] = [{ perms: Perms.All, id: { scheme: "world", id: "anyone" } }];
/** ZooDefs.Ids.READ_ACL_UNSAFE: world:anyone may read. */
export const READ_ACL_UNSAFE: ACL[] = [{
  perms: Perms.Read,
  id: { scheme: "world", id: "anyone" },
}];
/** ZooDefs.Ids.CREATOR_ALL_ACL: the creator's authenticated ids may do everything. */
export const CREATOR_ALL_ACL: ACL[] = [{ perms: Perms.All, id: { scheme: "auth", id: "" } }];

/** A watch event as the client delivers it (paths relative to the chroot). */
export interface WatchedEvent {
  /** The `EventType`: `None` (-1) for a change of connection state, else what happened to the znode. */
  type: number;
  /** The `KeeperState` of the connection (SyncConnected for a znode event). */
  state: number;
  /** The znode's path, relative to the chroot; null for a change of connection state. */
  path: string | null;
}

/** Called with each watch or state event. */
export type Watcher = (event: WatchedEvent) => void;

/** Options of {@linkcode ZooKeeper.connect}. */
export interface ConnectOptions {
  /** Requested session timeout (the server clamps it). Default 30000. */
  sessionTimeoutMs?: number;
  /** Accept a read-only server. Default false. */
  canBeReadOnly?: boolean;
  /** Re-attach an existing session. */
  sessionId?: bigint;
  /** The password of `sessionId`. */
  sessionPasswd?: Uint8Array;
  /** The default watcher: state changes, and events of `watch: true` calls. */
  watcher?: Watcher;
  /** Largest frame accepted from the server (jute.maxbuffer). Default 0xfffff + 1024. */
  maxFrameBytes?: number;
  /** Keep the host order of the connect string (tests); default shuffles as Apache does. */
  noShuffle?: boolean;
}

/** Options of {@linkcode ZooKeeper.create}. */
export interface CreateOptions {
  /** The new znode's ACL. Default `OPEN_ACL_UNSAFE`. */
  acl?: ACL[];
  /** A `CreateMode` value. Default Persistent. */
  mode?: number;
  /** TTL in ms, for PersistentWithTtl / PersistentSequentialWithTtl. */
  ttlMs?: number;
}

/** How a read registers a watch: `true` for the default watcher, or a function. */
export type WatchArg = boolean | Watcher | undefined;

interface Pending {
  xid: number;
  op: number;
  path?: string;
  response: JuteRecord<unknown> | null;
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
  /** Registers the watch once the reply is known (rc = error code). */
  onReply?: (rc: number) => void;
  bytes: Uint8Array;
}

type WatchKind = "data" | "exist" | "child" | "persistent" | "persistentRecursive";

const STATES = { connecting: 0, connected: 1, closed: 2 } as const;

function shuffle<T>(a: T[]): T[] {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

/**
 * A ZooKeeper session. Create it with {@linkcode ZooKeeper.connect}.
 *
 * @example (needs a server; see the package README)
 * ```ts ignore
 * import { ZooKeeper } from "@zkts/client";
 * const zk = await ZooKeeper.connect("127.0.0.1:2181/app");
 * await zk.create("/config", new TextEncoder().encode("v1"));
 * const { data } = await zk.getData("/config");
 * await zk.close();
 * ```
 */
export class ZooKeeper {
  #hosts: { host: string; port: number }[];
  #hostIndex = 0;
  #chroot: string;
  #opts: Required<Pick<ConnectOptions, "sessionTimeoutMs" | "canBeReadOnly" | "maxFrameBytes">>;
  #defaultWatcher?: Watcher;
  #listeners = new Set<Watcher>();

  #sessionId = 0n;
  #passwd: Uint8Array = new Uint8Array(16);
  #negotiatedTimeoutMs = 0;
  #lastZxid = 0n;
  #readOnly = false;

  #state: number = STATES.connecting;
  #conn: Deno.TcpConn | null = null;
  #xid = 1;
  #pending: Pending[] = [];
  #outgoing: Pending[] = [];
  #auth: { scheme: string; auth: Uint8Array }[] = [];
  #watches: Record<WatchKind, Map<string, Set<Watcher>>> = {
    data: new Map(),
    exist: new Map(),
    child: new Map(),
    persistent: new Map(),
    persistentRecursive: new Map(),
  };
  #lastSendMs = 0;
  #lastRecvMs = 0;
  #timer: ReturnType<typeof setInterval> | undefined;
  #writer = new JuteWriter(1024);
  #closedPromise: Promise<void>;
  #closedResolve!: () => void;
  #connectedWaiters: { resolve: () => void; reject: (e: Error) => void }[] = [];

  private constructor(connectString: string, opts: ConnectOptions) {
    const cs = parseConnectString(connectString);
    this.#hosts = opts.noShuffle ? cs.hosts : shuffle(cs.hosts);
    this.#chroot = cs.chroot;
    this.#opts = {
      sessionTimeoutMs: opts.sessionTimeoutMs ?? 30000,
      canBeReadOnly: opts.canBeReadOnly ?? false,
      maxFrameBytes: opts.maxFrameBytes ?? 0xfffff + 1024,
    };
    this.#defaultWatcher = opts.watcher;
    if (opts.sessionId !== undefined) {
      this.#sessionId = opts.sessionId;
      this.#passwd = opts.sessionPasswd ?? new Uint8Array(16);
    }
    this.#closedPromise = new Promise((r) => this.#closedResolve = r);
  }

  /**
   * Opens a session on one of the servers of `connectString`
   * (`host:port,host:port/chroot`), resolving once connected.
   *
   * @throws {KeeperError} SessionExpired when re-attaching an expired session,
   * ConnectionLoss when no server answers within the session timeout
   */
  static async connect(connectString: string, opts: ConnectOptions = {}): Promise<ZooKeeper> {
    const zk = new ZooKeeper(connectString, opts);
    zk.#run();
    await zk.#waitConnected();
    return zk;
  }

  /** The session id (0 until connected). */
  get sessionId(): bigint {
    return this.#sessionId;
  }
  /** The session password, to re-attach the session from another client. */
  get sessionPasswd(): Uint8Array {
    return this.#passwd;
  }
  /** The session timeout the server granted. */
  get sessionTimeoutMs(): number {
    return this.#negotiatedTimeoutMs;
  }
  /** The last zxid this client has seen. */
  get lastZxid(): bigint {
    return this.#lastZxid;
  }
  /**
   * The client's state, as Apache's `ZooKeeper.States`: CONNECTING,
   * CONNECTED, CONNECTEDREADONLY, CLOSED or AUTH_FAILED.
   */
  get state(): "CONNECTING" | "CONNECTED" | "CONNECTEDREADONLY" | "CLOSED" | "AUTH_FAILED" {
    if (this.#authFailed) return "AUTH_FAILED";
    if (this.#state === STATES.closed) return "CLOSED";
    if (this.#state === STATES.connected) return this.#readOnly ? "CONNECTEDREADONLY" : "CONNECTED";
    return "CONNECTING";
  }
  #authFailed = false;

  /** Whether the session is connected now. */
  get connected(): boolean {
    return this.#state === STATES.connected;
  }
  /** The server this client is connected or connecting to. */
  get currentServer(): string {
    const h = this.#hosts[this.#hostIndex % this.#hosts.length];
    return `${h.host}:${h.port}`;
  }

  /** Adds a listener for every event (state changes and watch events). */
  addListener(w: Watcher): void {
    this.#listeners.add(w);
  }
  /** Removes a listener added with {@linkcode addListener}. */
  removeListener(w: Watcher): void {
    this.#listeners.delete(w);
  }

  #waitConnected(): Promise<void> {
    if (this.#state === STATES.connected) return Promise.resolve();
    return new Promise((resolve, reject) => this.#connectedWaiters.push({ resolve, reject }));
  }

  // ---- connection loop ----------------------------------------------------

  async #run(): Promise<void> {
    let attempts = 0;
    const startedMs = Date.now();
    while (this.#state !== STATES.closed) {
      const h = this.#hosts[this.#hostIndex % this.#hosts.length];
      try {
        const conn = await this.#dial(h.host, h.port);
        attempts = 0;
        await this.#session(conn);
      } catch (e) {
        if (e instanceof KeeperError && e.code === ErrorCode.SessionExpired) {
          this.#expire();
          return;
        }
        if (e instanceof KeeperError && e.code === ErrorCode.AuthFailed) {
          this.#closeWith(KeeperState.AuthFailed, ErrorCode.AuthFailed);
          return;
        }
      }
      if (this.#state === STATES.closed) break;
      this.#connectionLost();
      this.#hostIndex++;
      attempts++;
      // Never connected and every host refused for a whole session timeout: give up.
      if (
        this.#sessionId === 0n && Date.now() - startedMs > this.#opts.sessionTimeoutMs &&
        attempts >= this.#hosts.length
      ) {
        for (const w of this.#connectedWaiters.splice(0)) {
          w.reject(new KeeperError(ErrorCode.ConnectionLoss));
        }
        this.#state = STATES.closed;
        this.#closedResolve();
        return;
      }
      if (attempts % this.#hosts.length === 0) {
        // Apache sleeps up to 1 s between full rounds of the host list.
        await new Promise((r) => setTimeout(r, 50 + Math.random() * 950));
      }
    }
  }

  async #dial(host: string, port: number): Promise<Deno.TcpConn> {
    const timeoutMs = Math.max(
      1000,
      Math.floor(this.#opts.sessionTimeoutMs / this.#hosts.length),
    );
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      return await Promise.race([
        Deno.connect({ hostname: host, port }),
        new Promise<never>((_, rej) => {
          timer = setTimeout(() => rej(new Error("connect timeout")), timeoutMs);
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  async #session(conn: Deno.TcpConn): Promise<void> {
    this.#conn = conn;
    conn.setNoDelay(true);
    const req: ConnectRequest = {
      protocolVersion: 0,
      lastZxidSeen: this.#lastZxid,
      timeOut: this.#opts.sessionTimeoutMs,
      sessionId: this.#sessionId,
      passwd: this.#passwd,
      readOnly: this.#opts.canBeReadOnly,
    };
    const w = this.#writer;
    w.reset();
    w.writeInt(0);
    ConnectRequest.write(w, req);
    await this.#writeAll(this.#frame(w));
    const frames = this.#frames(conn);
    const first = await this.#nextWithTimeout(frames, this.#opts.sessionTimeoutMs);
    if (!first) throw new Error("connection closed during handshake");
    const resp = ConnectResponse.read(new JuteReader(first));
    if (resp.timeOut <= 0) {
      throw new KeeperError(ErrorCode.SessionExpired);
    }
    this.#sessionId = resp.sessionId;
    this.#passwd = resp.passwd ?? new Uint8Array(16);
    this.#negotiatedTimeoutMs = resp.timeOut;
    this.#readOnly = resp.readOnly === true;
    this.#state = STATES.connected;
    this.#lastRecvMs = this.#lastSendMs = Date.now();

    // Prime the connection: watches, auth, then what was queued while away.
    this.#sendSetWatches();
    for (const a of this.#auth) this.#sendAuth(a.scheme, a.auth);
    for (const p of this.#outgoing.splice(0)) this.#transmit(p);

    const state = this.#readOnly ? KeeperState.ConnectedReadOnly : KeeperState.SyncConnected;
    this.#emit({ type: EventType.None, state, path: null });
    for (const wt of this.#connectedWaiters.splice(0)) wt.resolve();
    this.#startTimer();
    try {
      for (;;) {
        const frame = await frames.next();
        if (frame.done) break;
        this.#lastRecvMs = Date.now();
        this.#onFrame(frame.value);
      }
    } finally {
      this.#stopTimer();
    }
  }

  async #nextWithTimeout(
    frames: AsyncGenerator<Uint8Array>,
    ms: number,
  ): Promise<Uint8Array | null> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      const r = await Promise.race([
        frames.next(),
        new Promise<never>((_, rej) => {
          timer = setTimeout(() => rej(new Error("handshake timeout")), ms);
        }),
      ]);
      return r.done ? null : r.value;
    } finally {
      clearTimeout(timer);
    }
  }

  async *#frames(conn: Deno.TcpConn): AsyncGenerator<Uint8Array> {
    let buf = new Uint8Array(64 * 1024);
    let start = 0;
    let end = 0;
    const chunk = new Uint8Array(64 * 1024);
    for (;;) {
      // Emit every whole frame in the buffer.
      while (end - start >= 4) {
        const len = new DataView(buf.buffer, buf.byteOffset + start, 4).getInt32(0);
        if (len < 0 || len > this.#opts.maxFrameBytes) {
          throw new Error(`frame of ${len} bytes is over the limit`);
        }
        if (end - start - 4 < len) break;
        const frame = buf.slice(start + 4, start + 4 + len);
        start += 4 + len;
        yield frame;
      }
      const n = await conn.read(chunk);
      if (n === null) return;
      if (end + n > buf.length) {
        const need = end - start + n;
        const next = need > buf.length ? new Uint8Array(Math.max(need, buf.length * 2)) : buf;
        next.copyWithin(0, 0); // no-op when same buffer; copy below handles both
        next.set(buf.subarray(start, end), 0);
        buf = next;
        end -= start;
        start = 0;
      }
      buf.set(chunk.subarray(0, n), end);
      end += n;
    }
  }

  #startTimer(): void {
    const readTimeout = Math.floor(this.#negotiatedTimeoutMs * 2 / 3);
    const pingEvery = Math.max(1, Math.floor(readTimeout / 2));
    const period = Math.max(10, Math.min(pingEvery, 1000) / 2);
    this.#timer = setInterval(() => {
      const now = Date.now();
      if (now - this.#lastRecvMs > readTimeout) {
        // Apache: "Client session timed out, have not heard from server".
        try {
          this.#conn?.close();
        } catch { /* already closed */ }
        return;
      }
      if (now - this.#lastSendMs >= pingEvery) this.#sendPing();
    }, period);
  }

  #stopTimer(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #connectionLost(): void {
    const conn = this.#conn;
    this.#conn = null;
    try {
      conn?.close();
    } catch { /* closed */ }
    const wasConnected = this.#state === STATES.connected;
    if (this.#state !== STATES.closed) this.#state = STATES.connecting;
    // ClientCnxn.cleanup: everything in flight fails with ConnectionLoss.
    for (const p of this.#pending.splice(0)) {
      p.reject(new KeeperError(ErrorCode.ConnectionLoss, p.path));
    }
    for (const p of this.#outgoing.splice(0)) {
      p.reject(new KeeperError(ErrorCode.ConnectionLoss, p.path));
    }
    if (wasConnected) {
      this.#emit({ type: EventType.None, state: KeeperState.Disconnected, path: null });
    }
  }

  #expire(): void {
    this.#closeWith(KeeperState.Expired, ErrorCode.SessionExpired);
  }

  #closeWith(state: number, code: number): void {
    this.#state = STATES.closed;
    if (state === KeeperState.AuthFailed) this.#authFailed = true;
    this.#stopTimer();
    try {
      this.#conn?.close();
    } catch { /* closed */ }
    this.#conn = null;
    for (const p of [...this.#pending.splice(0), ...this.#outgoing.splice(0)]) {
      p.reject(new KeeperError(code, p.path));
    }
    for (const w of this.#connectedWaiters.splice(0)) w.reject(new KeeperError(code));
    this.#emit({ type: EventType.None, state, path: null });
    // Apache delivers the expiry to every watcher, then forgets them.
    for (const kind of Object.values(this.#watches)) kind.clear();
    this.#closedResolve();
  }

  // ---- sending -------------------------------------------------------------

  #frame(w: JuteWriter): Uint8Array {
    const bytes = w.toBytes();
    new DataView(bytes.buffer, bytes.byteOffset).setInt32(0, bytes.length - 4);
    return bytes;
  }

  #writeQueue: Uint8Array[] = [];
  #writing = false;

  async #writeAll(bytes: Uint8Array): Promise<void> {
    const conn = this.#conn;
    if (!conn) return;
    let off = 0;
    while (off < bytes.length) off += await conn.write(bytes.subarray(off));
  }

  #send(bytes: Uint8Array): void {
    this.#lastSendMs = Date.now();
    this.#writeQueue.push(bytes);
    if (!this.#writing) this.#flush();
  }

  async #flush(): Promise<void> {
    this.#writing = true;
    try {
      while (this.#writeQueue.length > 0) {
        const batch = this.#writeQueue.splice(0);
        let total = 0;
        for (const b of batch) total += b.length;
        const out = batch.length === 1 ? batch[0] : new Uint8Array(total);
        if (batch.length > 1) {
          let o = 0;
          for (const b of batch) {
            out.set(b, o);
            o += b.length;
          }
        }
        await this.#writeAll(out);
      }
    } catch {
      try {
        this.#conn?.close();
      } catch { /* closed */ }
      this.#writeQueue.length = 0;
    } finally {
      this.#writing = false;
    }
  }

  #sendPing(): void {
    const w = this.#writer;
    w.reset();
    w.writeInt(0);
    RequestHeader.write(w, { xid: Xid.Ping, type: OpCode.ping });
    this.#send(this.#frame(w));
  }

  #sendAuth(scheme: string, auth: Uint8Array): void {
    const w = this.#writer;
    w.reset();
    w.writeInt(0);
    RequestHeader.write(w, { xid: Xid.Auth, type: OpCode.auth });
    AuthPacket.write(w, { type: 0, scheme, auth });
    this.#send(this.#frame(w));
  }

  #sendSetWatches(): void {
    const keys = (m: Map<string, Set<Watcher>>) => [...m.keys()].map((p) => this.#prepend(p));
    const sw: SetWatches2 = {
      relativeZxid: this.#lastZxid,
      dataWatches: keys(this.#watches.data),
      existWatches: keys(this.#watches.exist),
      childWatches: keys(this.#watches.child),
      persistentWatches: keys(this.#watches.persistent),
      persistentRecursiveWatches: keys(this.#watches.persistentRecursive),
    };
    const total = sw.dataWatches.length + sw.existWatches.length + sw.childWatches.length +
      sw.persistentWatches.length + sw.persistentRecursiveWatches.length;
    if (total === 0) return;
    const w = this.#writer;
    w.reset();
    w.writeInt(0);
    RequestHeader.write(w, { xid: Xid.SetWatches, type: OpCode.setWatches2 });
    SetWatches2.write(w, sw);
    this.#send(this.#frame(w));
  }

  #transmit(p: Pending): void {
    this.#pending.push(p);
    this.#send(p.bytes);
  }

  #call<Req, Res>(
    op: number,
    reqRec: JuteRecord<Req> | null,
    req: Req | null,
    resRec: JuteRecord<Res> | null,
    path?: string,
    onReply?: (rc: number) => void,
  ): Promise<Res> {
    if (this.#state === STATES.closed) {
      return Promise.reject(new KeeperError(ErrorCode.SessionExpired, path));
    }
    const xid = this.#xid++;
    if (this.#xid > 0x7ffffff0) this.#xid = 1;
    const w = this.#writer;
    w.reset();
    w.writeInt(0);
    RequestHeader.write(w, { xid, type: op });
    if (reqRec) reqRec.write(w, req as Req);
    const bytes = this.#frame(w);
    return new Promise<Res>((resolve, reject) => {
      const p: Pending = {
        xid,
        op,
        path,
        response: resRec as JuteRecord<unknown> | null,
        resolve: resolve as (v: unknown) => void,
        reject,
        onReply,
        bytes,
      };
      if (this.#state === STATES.connected) this.#transmit(p);
      else this.#outgoing.push(p);
    });
  }

  // ---- receiving -----------------------------------------------------------

  #onFrame(frame: Uint8Array): void {
    const r = new JuteReader(frame);
    const hdr = ReplyHeader.read(r);
    if (hdr.xid === Xid.Ping) return;
    if (hdr.xid === Xid.Auth) {
      if (hdr.err === ErrorCode.AuthFailed) {
        this.#closeWith(KeeperState.AuthFailed, ErrorCode.AuthFailed);
      }
      return;
    }
    if (hdr.xid === Xid.SetWatches) return;
    if (hdr.xid === Xid.Notification) {
      const ev = WatcherEvent.read(r);
      this.#onWatchEvent(ev);
      return;
    }
    if (hdr.zxid > 0n) this.#lastZxid = hdr.zxid;
    const p = this.#pending.shift();
    if (!p || p.xid !== hdr.xid) {
      // ClientCnxn: "Xid out of order" — the connection is unusable.
      try {
        this.#conn?.close();
      } catch { /* closed */ }
      if (p) p.reject(new KeeperError(ErrorCode.ConnectionLoss, p.path));
      return;
    }
    p.onReply?.(hdr.err);
    if (hdr.err !== 0) {
      p.reject(new KeeperError(hdr.err, p.path));
      return;
    }
    try {
      p.resolve(p.response ? p.response.read(r) : undefined);
    } catch (e) {
      p.reject(e as Error);
    }
  }

  #emit(ev: WatchedEvent): void {
    if (this.#defaultWatcher) this.#safe(this.#defaultWatcher, ev);
    for (const l of this.#listeners) this.#safe(l, ev);
  }

  #safe(w: Watcher, ev: WatchedEvent): void {
    try {
      w(ev);
    } catch (e) {
      console.error("zkts client: a watcher threw", e);
    }
  }

  #onWatchEvent(raw: WatcherEvent): void {
    const path = this.#strip(raw.path);
    const ev: WatchedEvent = { type: raw.type, state: raw.state, path };
    const fire = new Set<Watcher>();
    const take = (kind: WatchKind) => {
      const s = this.#watches[kind].get(path);
      if (s) {
        for (const w of s) fire.add(w);
        this.#watches[kind].delete(path);
      }
    };
    switch (raw.type) {
      case EventType.NodeDataChanged:
      case EventType.NodeCreated:
        take("data");
        take("exist");
        break;
      case EventType.NodeChildrenChanged:
        take("child");
        break;
      case EventType.NodeDeleted:
        take("data");
        take("exist");
        take("child");
        break;
    }
    // Persistent watches stay; recursive ones see every path below them,
    // but never NodeChildrenChanged (ZKWatchManager.materialize).
    for (const w of this.#watches.persistent.get(path) ?? []) fire.add(w);
    if (raw.type !== EventType.NodeChildrenChanged) {
      for (const [p, ws] of this.#watches.persistentRecursive) {
        if (isAtOrBelow(path, p)) { for (const w of ws) fire.add(w); }
      }
    }
    for (const w of fire) this.#safe(w, ev);
    for (const l of this.#listeners) this.#safe(l, ev);
  }

  #prepend(path: string): string {
    if (this.#chroot === "") return path;
    return path === "/" ? this.#chroot : this.#chroot + path;
  }

  #strip(serverPath: string): string {
    if (this.#chroot === "") return serverPath;
    if (serverPath === this.#chroot) return "/";
    if (serverPath.startsWith(this.#chroot + "/")) return serverPath.slice(this.#chroot.length);
    return serverPath;
  }

  #watcherOf(arg: WatchArg): Watcher | null {
    if (arg === true) return this.#defaultWatcher ?? ((ev) => this.#emitDefaultOnly(ev));
    if (typeof arg === "function") return arg;
    return null;
  }

  #emitDefaultOnly(_ev: WatchedEvent): void {
    // `watch: true` without a default watcher: listeners still see the event.
  }

  #register(kind: WatchKind, path: string, w: Watcher | null): void {
    if (!w) return;
    let s = this.#watches[kind].get(path);
    if (!s) this.#watches[kind].set(path, s = new Set());
    s.add(w);
  }

  // ---- operations ----------------------------------------------------------

  /**
   * Creates a znode and returns its path (with the sequence suffix for
   * sequential modes), relative to the chroot.
   *
   * @throws {KeeperError} NodeExists, NoNode (parent), NoChildrenForEphemerals,
   * InvalidACL, NoAuth, BadArguments (invalid path)
   */
  async create(
    path: string,
    data: Uint8Array | null = new Uint8Array(0),
    opts: CreateOptions = {},
  ): Promise<string> {
    const r = await this.create2(path, data, opts);
    return r.path;
  }

  /** Creates a znode and returns its path and Stat (OpCode create2 / createTTL / createContainer). */
  async create2(
    path: string,
    data: Uint8Array | null = new Uint8Array(0),
    opts: CreateOptions = {},
  ): Promise<{ path: string; stat: Stat }> {
    const mode = opts.mode ?? CreateMode.Persistent;
    const sequential = mode === CreateMode.PersistentSequential ||
      mode === CreateMode.EphemeralSequential || mode === CreateMode.PersistentSequentialWithTtl;
    validatePath(path, sequential);
    const acl = opts.acl ?? OPEN_ACL_UNSAFE;
    // ZooKeeper.create: a null or empty ACL is refused before anything is sent.
    if (acl.length === 0) throw new KeeperError(ErrorCode.InvalidACL, path);
    const full = this.#prepend(path);
    let res: Create2Response;
    if (mode === CreateMode.PersistentWithTtl || mode === CreateMode.PersistentSequentialWithTtl) {
      if (opts.ttlMs === undefined) throw new KeeperError(ErrorCode.BadArguments, path);
      res = await this.#call(
        OpCode.createTTL,
        CreateTTLRequest,
        {
          path: full,
          data,
          acl,
          flags: mode,
          ttl: BigInt(opts.ttlMs),
        },
        Create2Response,
        path,
      );
    } else {
      const op = mode === CreateMode.Container ? OpCode.createContainer : OpCode.create2;
      res = await this.#call(
        op,
        CreateRequest,
        { path: full, data, acl, flags: mode },
        Create2Response,
        path,
      );
    }
    return { path: this.#strip(res.path), stat: res.stat };
  }

  /** Creates with the plain `create` op (no Stat in the reply), as old clients do. */
  async createLegacy(
    path: string,
    data: Uint8Array | null,
    acl: ACL[] = OPEN_ACL_UNSAFE,
    mode: number = CreateMode.Persistent,
  ): Promise<string> {
    validatePath(
      path,
      mode === CreateMode.PersistentSequential || mode === CreateMode.EphemeralSequential,
    );
    const res = await this.#call(
      OpCode.create,
      CreateRequest,
      {
        path: this.#prepend(path),
        data,
        acl,
        flags: mode,
      },
      CreateResponse,
      path,
    );
    return this.#strip(res.path);
  }

  /**
   * Deletes a znode; `version` -1 matches any.
   * @throws {KeeperError} NoNode, BadVersion, NotEmpty, NoAuth
   */
  async delete(path: string, version = -1): Promise<void> {
    validatePath(path);
    await this.#call(
      OpCode.delete,
      DeleteRequest,
      { path: this.#prepend(path), version },
      null,
      path,
    );
  }

  /**
   * The Stat of a znode, or null when it does not exist. A watch is set in
   * both cases (NodeCreated fires for a missing node).
   */
  async exists(path: string, watch?: WatchArg): Promise<Stat | null> {
    validatePath(path);
    const w = this.#watcherOf(watch);
    try {
      const res = await this.#call(
        OpCode.exists,
        ExistsRequest,
        { path: this.#prepend(path), watch: w !== null },
        SetDataResponse,
        path,
        (rc) => {
          if (rc === 0) this.#register("data", path, w);
          else if (rc === ErrorCode.NoNode) this.#register("exist", path, w);
        },
      );
      return res.stat;
    } catch (e) {
      if (e instanceof KeeperError && e.code === ErrorCode.NoNode) return null;
      throw e;
    }
  }

  /**
   * A read that may set a one-shot watch of `kind` on `path`: the watch is
   * registered only when the server answers Ok (ZKWatchManager's rule).
   * `wirePath` is what is sent (chroot applied, or a system path as is).
   */
  #watchedRead<Res>(
    op: number,
    reqRec: JuteRecord<{ path: string; watch: boolean }>,
    resRec: JuteRecord<Res>,
    path: string,
    wirePath: string,
    kind: WatchKind,
    watch: WatchArg,
  ): Promise<Res> {
    const w = this.#watcherOf(watch);
    return this.#call(op, reqRec, { path: wirePath, watch: w !== null }, resRec, path, (rc) => {
      if (rc === 0) this.#register(kind, path, w);
    });
  }

  /** A znode's data and Stat. @throws {KeeperError} NoNode, NoAuth */
  async getData(path: string, watch?: WatchArg): Promise<{ data: Uint8Array | null; stat: Stat }> {
    validatePath(path);
    const res = await this.#watchedRead(
      OpCode.getData,
      GetDataRequest,
      GetDataResponse,
      path,
      this.#prepend(path),
      "data",
      watch,
    );
    return { data: res.data, stat: res.stat };
  }

  /** Sets a znode's data; `version` -1 matches any. @throws {KeeperError} NoNode, BadVersion, NoAuth */
  async setData(path: string, data: Uint8Array | null, version = -1): Promise<Stat> {
    validatePath(path);
    const res = await this.#call(
      OpCode.setData,
      SetDataRequest,
      { path: this.#prepend(path), data, version },
      SetDataResponse,
      path,
    );
    return res.stat;
  }

  /** The children's names, unsorted as the server gives them. @throws {KeeperError} NoNode, NoAuth */
  async getChildren(path: string, watch?: WatchArg): Promise<string[]> {
    validatePath(path);
    const res = await this.#watchedRead(
      OpCode.getChildren,
      GetChildrenRequest,
      GetChildrenResponse,
      path,
      this.#prepend(path),
      "child",
      watch,
    );
    return res.children;
  }

  /** The children's names and the parent's Stat (getChildren2). */
  async getChildren2(
    path: string,
    watch?: WatchArg,
  ): Promise<{ children: string[]; stat: Stat }> {
    validatePath(path);
    const res = await this.#watchedRead(
      OpCode.getChildren2,
      GetChildren2Request,
      GetChildren2Response,
      path,
      this.#prepend(path),
      "child",
      watch,
    );
    return { children: res.children, stat: res.stat };
  }

  /** A znode's ACL and Stat. */
  async getACL(path: string): Promise<{ acl: ACL[]; stat: Stat }> {
    validatePath(path);
    const res = await this.#call(
      OpCode.getACL,
      GetACLRequest,
      { path: this.#prepend(path) },
      GetACLResponse,
      path,
    );
    return { acl: res.acl, stat: res.stat };
  }

  /** Sets a znode's ACL; `aclVersion` -1 matches any. */
  async setACL(path: string, acl: ACL[], aclVersion = -1): Promise<Stat> {
    validatePath(path);
    if (acl.length === 0) throw new KeeperError(ErrorCode.InvalidACL, path);
    const res = await this.#call(
      OpCode.setACL,
      SetACLRequest,
      { path: this.#prepend(path), acl, version: aclVersion },
      SetACLResponse,
      path,
    );
    return res.stat;
  }

  /** Waits until the server this client talks to has caught up with the leader. */
  async sync(path = "/"): Promise<string> {
    validatePath(path);
    const res = await this.#call(
      OpCode.sync,
      SyncRequest,
      { path: this.#prepend(path) },
      SyncResponse,
      path,
    );
    return this.#strip(res.path);
  }

  /**
   * Adds authentication to the session (e.g. `addAuth("digest", "user:pass")`);
   * re-sent after every reconnect. A failure closes the session with AuthFailed.
   */
  addAuth(scheme: string, auth: string | Uint8Array): void {
    const bytes = typeof auth === "string" ? new TextEncoder().encode(auth) : auth;
    this.#auth.push({ scheme, auth: bytes });
    if (this.#state === STATES.connected) this.#sendAuth(scheme, bytes);
  }

  /** The ephemeral nodes of this session under `prefixPath` (default all). */
  async getEphemerals(prefixPath = "/"): Promise<string[]> {
    validatePath(prefixPath);
    const res = await this.#call(
      OpCode.getEphemerals,
      GetEphemeralsRequest,
      { prefixPath: this.#prepend(prefixPath) },
      GetEphemeralsResponse,
      prefixPath,
    );
    return res.ephemerals.map((p) => this.#strip(p));
  }

  /** The number of nodes below `path` (all descendants). */
  async getAllChildrenNumber(path: string): Promise<number> {
    validatePath(path);
    const res = await this.#call(
      OpCode.getAllChildrenNumber,
      GetAllChildrenNumberRequest,
      { path: this.#prepend(path) },
      GetAllChildrenNumberResponse,
      path,
    );
    return res.totalNumber;
  }

  /** The authenticated ids of this session (whoAmI). */
  async whoAmI(): Promise<{ scheme: string; id: string }[]> {
    const res = await this.#call(OpCode.whoAmI, null, null, WhoAmIResponse);
    return res.clientInfo.map((c) => ({ scheme: c.authScheme, id: c.user }));
  }

  /** The ensemble configuration, `/zookeeper/config`. */
  getConfig(watch?: WatchArg): Promise<{ data: Uint8Array | null; stat: Stat }> {
    const path = "/zookeeper/config";
    // A system path: sent as is, whatever the chroot.
    return this.#watchedRead(
      OpCode.getData,
      GetDataRequest,
      GetDataResponse,
      path,
      path,
      "data",
      watch,
    )
      .then((r) => ({ data: r.data, stat: r.stat }));
  }

  /**
   * Adds a persistent (or persistent recursive) watch: it stays until removed
   * and fires for every change of `path` (and, recursive, of every path below).
   */
  async addWatch(path: string, watcher: Watcher, mode: "persistent" | "persistentRecursive") {
    validatePath(path);
    await this.#call(
      OpCode.addWatch,
      AddWatchRequest,
      { path: this.#prepend(path), mode: mode === "persistent" ? 0 : 1 },
      null,
      path,
      (rc) => {
        if (rc === 0) this.#register(mode, path, watcher);
      },
    );
  }

  /**
   * Removes watches of `type` (`WatcherType`) on `path` from this client and
   * the server. With a watcher, only that one; otherwise all of that type.
   *
   * @throws {KeeperError} NoWatcher when there is none
   */
  async removeWatches(
    path: string,
    type: number,
    watcher?: Watcher,
    opts: { local?: boolean } = {},
  ): Promise<void> {
    validatePath(path);
    const kinds: WatchKind[] = type === WatcherType.Data
      ? ["data", "exist"]
      : type === WatcherType.Children
      ? ["child"]
      : ["data", "exist", "child", "persistent", "persistentRecursive"];
    // ZKWatchManager: find what would go first; nothing → NoWatcher, client-side.
    const removed: { kind: WatchKind; w: Watcher }[] = [];
    let remaining = false;
    for (const k of kinds) {
      const s = this.#watches[k].get(path);
      if (!s) continue;
      for (const w of s) {
        if (!watcher || w === watcher) removed.push({ kind: k, w });
        else remaining = true;
      }
    }
    if (removed.length === 0) throw new KeeperError(ErrorCode.NoWatcher, path);
    if (!opts.local && !remaining) {
      await this.#call(
        OpCode.removeWatches,
        CheckWatchesRequest,
        { path: this.#prepend(path), type },
        null,
        path,
      );
    }
    for (const { kind, w } of removed) {
      const s = this.#watches[kind].get(path);
      s?.delete(w);
      if (s && s.size === 0) this.#watches[kind].delete(path);
    }
    // Apache's client tells each removed watcher, once per event type:
    // DataWatchRemoved (data, exist), ChildWatchRemoved, PersistentWatchRemoved.
    // ZKWatchManager.removeWatcher fills child, data, persistent in this order.
    const byType = new Map<number, Set<Watcher>>([
      [EventType.ChildWatchRemoved, new Set()],
      [EventType.DataWatchRemoved, new Set()],
      [EventType.PersistentWatchRemoved, new Set()],
    ]);
    for (const { kind, w } of removed) {
      const evType = kind === "child"
        ? EventType.ChildWatchRemoved
        : kind === "data" || kind === "exist"
        ? EventType.DataWatchRemoved
        : EventType.PersistentWatchRemoved;
      let set = byType.get(evType);
      if (!set) byType.set(evType, set = new Set());
      set.add(w);
    }
    for (const [evType, ws] of byType) {
      for (const w of ws) this.#safe(w, { type: evType, state: KeeperState.SyncConnected, path });
    }
  }

  /**
   * Reconfigures the ensemble (OpCode.reconfig): incremental (`joining`,
   * `leaving`) or non-incremental (`newMembers`); `fromConfig` -1 for any.
   *
   * @returns the new configuration's data and Stat
   * @throws {KeeperError} ReconfigDisabled, NewConfigNoQuorum, BadVersion, ...
   */
  async reconfig(opts: {
    joining?: string | null;
    leaving?: string | null;
    newMembers?: string | null;
    fromConfig?: bigint;
  }): Promise<{ data: Uint8Array | null; stat: Stat }> {
    const res = await this.#call(
      OpCode.reconfig,
      ReconfigRequest,
      {
        joiningServers: opts.joining ?? null,
        leavingServers: opts.leaving ?? null,
        newMembers: opts.newMembers ?? null,
        curConfigId: opts.fromConfig ?? -1n,
      },
      GetDataResponse,
      "/zookeeper/config",
    );
    return { data: res.data, stat: res.stat };
  }

  /**
   * Runs write ops atomically (OpCode.multi): all apply or none does.
   *
   * @returns one result per op
   * @throws {MultiError} with the first failing op's code and every op's
   * result (the failed op's error, RuntimeInconsistency or Ok for the others)
   */
  async multi(ops: MultiOp[]): Promise<MultiResult[]> {
    const res = await this.#call(
      OpCode.multi,
      MultiOperationRecord,
      { ops: ops.map((op) => this.#chrootOp(op)) },
      MultiResponse,
    );
    const results = res.results.map((r) => this.#unchrootResult(r));
    const failed = results.findIndex((r) => r.type === OpCode.error && r.err !== 0);
    if (failed >= 0) {
      const r = results[failed] as { err: number };
      throw new MultiError(r.err, ops[failed]?.request.path, results, failed);
    }
    return results;
  }

  /**
   * Runs read ops (getData, getChildren) in one round trip (OpCode.multiRead);
   * each result is its own success or error, nothing is thrown per op.
   */
  async multiRead(ops: MultiOp[]): Promise<MultiResult[]> {
    const res = await this.#call(
      OpCode.multiRead,
      MultiOperationRecord,
      { ops: ops.map((op) => this.#chrootOp(op)) },
      MultiResponse,
    );
    return res.results.map((r) => this.#unchrootResult(r));
  }

  /** A builder for {@linkcode multi}: `zk.transaction().create(...).check(...).commit()`. */
  transaction(): Transaction {
    return new Transaction(this);
  }

  #chrootOp(op: MultiOp): MultiOp {
    validatePath(
      op.request.path,
      "flags" in op.request &&
        (op.request.flags === CreateMode.PersistentSequential ||
          op.request.flags === CreateMode.EphemeralSequential ||
          op.request.flags === CreateMode.PersistentSequentialWithTtl),
    );
    return { ...op, request: { ...op.request, path: this.#prepend(op.request.path) } } as MultiOp;
  }

  #unchrootResult(r: MultiResult): MultiResult {
    if (r.type === OpCode.create || r.type === OpCode.create2) {
      return { ...r, path: this.#strip(r.path) };
    }
    return r;
  }

  /**
   * Creates `path` and any missing parents (persistent, open ACL unless
   * given); an existing node is fine.
   *
   * @returns the path
   */
  async mkdirp(path: string, data: Uint8Array | null = null, acl?: ACL[]): Promise<string> {
    validatePath(path);
    if (path === "/") return path;
    const parts = path.split("/").slice(1);
    let cur = "";
    for (let i = 0; i < parts.length; i++) {
      cur += "/" + parts[i];
      try {
        await this.create(cur, i === parts.length - 1 ? data : null, { acl });
      } catch (e) {
        if (!(e instanceof KeeperError && e.code === ErrorCode.NodeExists)) throw e;
      }
    }
    return path;
  }

  /**
   * Deletes `path` and everything below it (ZKUtil.deleteRecursive): the
   * tree is listed, then deleted leaves first. A node that vanished
   * meanwhile is fine.
   */
  async deleteAll(path: string): Promise<void> {
    validatePath(path);
    const order: string[] = [path];
    for (let i = 0; i < order.length; i++) {
      let children: string[];
      try {
        children = await this.getChildren(order[i]);
      } catch (e) {
        if (e instanceof KeeperError && e.code === ErrorCode.NoNode) continue;
        throw e;
      }
      for (const c of children) order.push(order[i] === "/" ? `/${c}` : `${order[i]}/${c}`);
    }
    for (let i = order.length - 1; i >= 0; i--) {
      if (order[i] === "/" || order[i] === "/zookeeper" || order[i].startsWith("/zookeeper/")) {
        continue;
      }
      try {
        await this.delete(order[i]);
      } catch (e) {
        if (!(e instanceof KeeperError && e.code === ErrorCode.NoNode)) throw e;
      }
    }
  }

  /** Closes the session: its ephemeral nodes go, its watches end. */
  async close(): Promise<void> {
    if (this.#state === STATES.closed) return;
    if (this.#state === STATES.connected) {
      try {
        await Promise.race([
          this.#call(OpCode.closeSession, null, null, null),
          new Promise((r) => setTimeout(r, 2000)),
        ]);
      } catch { /* closing anyway */ }
    }
    this.#state = STATES.closed;
    this.#stopTimer();
    try {
      this.#conn?.close();
    } catch { /* closed */ }
    this.#conn = null;
    for (const p of [...this.#pending.splice(0), ...this.#outgoing.splice(0)]) {
      p.reject(new KeeperError(ErrorCode.ConnectionLoss, p.path));
    }
    this.#emit({ type: EventType.None, state: KeeperState.Closed, path: null });
    this.#closedResolve();
  }

  /** Resolves when the session has ended (closed, expired or auth failed). */
  get closed(): Promise<void> {
    return this.#closedPromise;
  }

  /** Drops the current connection (tests: forces a reconnect with the same session). */
  dropConnection(): void {
    try {
      this.#conn?.close();
    } catch { /* closed */ }
  }
}

/**
 * A failed {@linkcode ZooKeeper.multi}: the code and path of the first
 * failing op, and every op's result.
 */
export class MultiError extends KeeperError {
  /** One result per op: the failing op's error; RuntimeInconsistency or Ok for the rest. */
  readonly results: MultiResult[];
  /** The index of the first failing op. */
  readonly index: number;
  /** Builds the error. */
  constructor(code: number, path: string | undefined, results: MultiResult[], index: number) {
    super(code, path);
    this.name = "MultiError";
    this.results = results;
    this.index = index;
  }
}

/** Collects write ops for one atomic {@linkcode ZooKeeper.multi}. */
export class Transaction {
  #zk: ZooKeeper;
  #ops: MultiOp[] = [];
  /** Use {@linkcode ZooKeeper.transaction}. */
  constructor(zk: ZooKeeper) {
    this.#zk = zk;
  }
  /** Adds a create (the reply carries the Stat: create2). */
  create(path: string, data: Uint8Array | null = null, opts: CreateOptions = {}): this {
    const mode = opts.mode ?? CreateMode.Persistent;
    const base = { path, data, acl: opts.acl ?? OPEN_ACL_UNSAFE, flags: mode };
    if (mode === CreateMode.PersistentWithTtl || mode === CreateMode.PersistentSequentialWithTtl) {
      this.#ops.push({
        type: OpCode.createTTL,
        request: { ...base, ttl: BigInt(opts.ttlMs ?? 0) },
      });
    } else {
      const type = mode === CreateMode.Container ? OpCode.createContainer : OpCode.create2;
      this.#ops.push({ type, request: base });
    }
    return this;
  }
  /** Adds a delete. */
  delete(path: string, version = -1): this {
    this.#ops.push({ type: OpCode.delete, request: { path, version } });
    return this;
  }
  /** Adds a setData. */
  setData(path: string, data: Uint8Array | null, version = -1): this {
    this.#ops.push({ type: OpCode.setData, request: { path, data, version } });
    return this;
  }
  /** Adds a version check. */
  check(path: string, version: number): this {
    this.#ops.push({ type: OpCode.check, request: { path, version } });
    return this;
  }
  /** Sends the ops as one multi. @throws {MultiError} */
  commit(): Promise<MultiResult[]> {
    return this.#zk.multi(this.#ops);
  }
}

function isAtOrBelow(path: string, root: string): boolean {
  if (root === "/") return true;
  return path === root || path.startsWith(root + "/");
}

export type { ACL, Id, MultiOp, MultiResult, Stat };
