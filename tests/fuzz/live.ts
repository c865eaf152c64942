/**
 * A live fuzzer of the client port (issue 16): a running server (zkts
 * standalone, or Apache ZooKeeper 3.8 for comparison) gets valid sessions
 * that check every answer, interleaved with hostile raw connections —
 * mutated real frames, random frames, lying length prefixes, oversized and
 * zero-length frames, half-open and slow-loris connections, floods of
 * connections past `maxClientCnxns` and floods of watches.
 *
 * Checks: the server process stays up; the valid sessions never see a wrong
 * answer or an unexpected error and keep their session; RSS stays below a
 * bound; a connection the server must refuse is closed within a bound; the
 * server answers `ruok` and `srvr` at the end; its log has at most a few
 * lines per bad connection and no uncaught errors or untyped exceptions.
 *
 * ```sh
 * deno task fuzz [--seconds N] [--seed S] [--target zkts|apache] [--rss-mib M]
 * ```
 *
 * Seeded: the seed is printed first; the same seed replays the same choices
 * (the interleaving with the server's timing may differ). The last line is
 * `fuzz: N frames, N connections, N crashes, max RSS X MiB`.
 *
 * @module
 */
import { type Watcher, ZooKeeper } from "@zkts/client";
import {
  AddWatchRequest,
  CheckVersionRequest,
  ConnectRequest,
  CreateRequest,
  CreateTTLRequest,
  DeleteRequest,
  encode,
  EventType,
  ExistsRequest,
  GetACLRequest,
  GetAllChildrenNumberRequest,
  GetChildren2Request,
  GetChildrenRequest,
  GetDataRequest,
  GetEphemeralsRequest,
  type JuteRecord,
  KeeperState,
  MultiOperationRecord,
  OpCode,
  RemoveWatchesRequest,
  RequestHeader,
  SetACLRequest,
  SetDataRequest,
  SetWatches,
  SyncRequest,
} from "@zkts/jute";
import { type ApacheServer, fourLetter, startApache } from "../support/apache.ts";
import { startZkts } from "../support/zkts.ts";
import { Prng } from "../../packages/jute/_test_util.ts";

/** Options of {@linkcode runFuzz}. */
export interface FuzzOptions {
  /** How long the hostile phase lasts. Default 30. */
  seconds?: number;
  /** The seed of every random choice. Default: from the clock. */
  seed?: number;
  /** Which server. Default "zkts". */
  target?: "zkts" | "apache";
  /** The RSS bound (MiB). Default 512 for zkts, 1024 for Apache's JVM. */
  rssMibMax?: number;
  /** How soon a connection the server must refuse is closed (ms). Default 3000. */
  closeBoundMs?: number;
  /** zoo.cfg maxClientCnxns, small so the fuzzer can pass it. Default 24. */
  maxClientCnxns?: number;
  /** Print progress to stderr. Default false. */
  verbose?: boolean;
  /** An already running server to fuzz instead of starting one (the log checks are skipped). */
  server?: { host: string; port: number; pid: number; logs(): string };
}

/** What a run found. */
export interface FuzzReport {
  seed: number;
  target: string;
  frames: number;
  connections: number;
  badConnections: number;
  crashes: number;
  rssMibMax: number;
  rssMibStart: number;
  /** RSS once the attacks are over (before ruok/srvr). */
  rssMibEnd: number;
  validOps: number;
  watchEvents: number;
  /** Per attack kind: how many ran, how many the server closed, the slowest close (ms). */
  kinds: Record<string, { runs: number; closed: number; slowestCloseMs: number }>;
  logLines: number;
  /** A few of the server's log lines during the run, one of each kind. */
  logSample: string[];
  /** Everything that broke a check; empty when the run passed. */
  failures: string[];
  /**
   * What Apache does and zkts must not, recorded instead of failing when the
   * target is Apache: its per-address count lags a burst of connects, its
   * expiry queue closes a half-open connection 10 to 20 s after the last read.
   */
  notes: string[];
}

const JUTE_MAXBUFFER = 0xfffff;
/** A half-open connection must be gone by then: Apache's sessionlessCnxnTimeout is 10 s. */
const HALF_OPEN_BOUND_MS = 12_500;
/** Apache's ExpiryQueue rounds up to its 10 s interval: 10 to 20 s. */
const HALF_OPEN_BOUND_MS_APACHE = 21_000;

function cat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function i32(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setInt32(0, n);
  return b;
}

function frame(payload: Uint8Array): Uint8Array {
  return cat(i32(payload.length), payload);
}

const CONNECT_BODY = encode(ConnectRequest, {
  protocolVersion: 0,
  lastZxidSeen: 0n,
  timeOut: 6000,
  sessionId: 0n,
  passwd: new Uint8Array(16),
  readOnly: false,
});

const ACL = [{ perms: 31, id: { scheme: "world", id: "anyone" } }];

/** A real request body for each op code the fuzzer starts from (paths under /r, never the checked ones). */
function requestBodies(): [number, Uint8Array][] {
  const b = <T>(rec: JuteRecord<T>, v: T) => encode(rec, v);
  const create = { path: "/r", data: new Uint8Array([1, 2]), acl: ACL, flags: 0 };
  return [
    [OpCode.create, b(CreateRequest, create)],
    [OpCode.create2, b(CreateRequest, { ...create, path: "/r/c", flags: 2 })],
    [OpCode.createContainer, b(CreateRequest, { ...create, path: "/rc", flags: 4 })],
    [OpCode.createTTL, b(CreateTTLRequest, { ...create, path: "/rt", flags: 5, ttl: 1000n })],
    [OpCode.delete, b(DeleteRequest, { path: "/r/c0000000001", version: -1 })],
    [OpCode.exists, b(ExistsRequest, { path: "/r", watch: true })],
    [OpCode.getData, b(GetDataRequest, { path: "/r", watch: true })],
    [OpCode.setData, b(SetDataRequest, { path: "/r", data: new Uint8Array(8), version: -1 })],
    [OpCode.getACL, b(GetACLRequest, { path: "/r" })],
    [OpCode.setACL, b(SetACLRequest, { path: "/r", acl: ACL, version: -1 })],
    [OpCode.getChildren, b(GetChildrenRequest, { path: "/r", watch: true })],
    [OpCode.getChildren2, b(GetChildren2Request, { path: "/", watch: false })],
    [OpCode.sync, b(SyncRequest, { path: "/r" })],
    [OpCode.ping, new Uint8Array(0)],
    [OpCode.check, b(CheckVersionRequest, { path: "/r", version: 0 })],
    [
      OpCode.multi,
      b(MultiOperationRecord, {
        ops: [
          { type: OpCode.create, request: { ...create, path: "/r/m" } },
          { type: OpCode.delete, request: { path: "/r/m", version: -1 } },
        ],
      }),
    ],
    [
      OpCode.multiRead,
      b(MultiOperationRecord, {
        ops: [{ type: OpCode.getData, request: { path: "/r", watch: false } }],
      }),
    ],
    [OpCode.removeWatches, b(RemoveWatchesRequest, { path: "/r", type: 1 })],
    [OpCode.checkWatches, b(RemoveWatchesRequest, { path: "/r", type: 3 })],
    [
      OpCode.setWatches,
      b(SetWatches, { relativeZxid: 0n, dataWatches: ["/r"], existWatches: [], childWatches: [] }),
    ],
    [OpCode.getEphemerals, b(GetEphemeralsRequest, { prefixPath: "/" })],
    [OpCode.getAllChildrenNumber, b(GetAllChildrenNumberRequest, { path: "/" })],
    [OpCode.addWatch, b(AddWatchRequest, { path: "/r", mode: 1 })],
    [OpCode.whoAmI, new Uint8Array(0)],
    [OpCode.closeSession, new Uint8Array(0)],
  ];
}
const BODIES = requestBodies();
const ALL_OPS = [...Object.values(OpCode), 10, 23, 99, 108, 1000, -2, -12, 0x7fffffff];

function requestPayload(rnd: Prng, xid: number): Uint8Array {
  const [op, body] = rnd.pick(BODIES);
  return cat(encode(RequestHeader, { xid, type: op }), body);
}

/** One mutation of a frame's payload, as the brief lists them. */
function mutate(rnd: Prng, payload: Uint8Array): { bytes: Uint8Array; how: string } {
  const p = payload.slice();
  switch (rnd.int(7)) {
    case 0: { // flip bytes
      const n = 1 + rnd.int(4);
      for (let i = 0; i < n && p.length > 0; i++) p[rnd.int(p.length)] ^= 1 << rnd.int(8);
      return { bytes: frame(p), how: "flip" };
    }
    case 1: // truncate (the prefix says the truncated length)
      return { bytes: frame(p.subarray(0, rnd.int(p.length + 1))), how: "truncate" };
    case 2: { // change an inner length or int to an edge value
      if (p.length >= 4) {
        const edges = [-1, -2, 0, 1, 0x7fffffff, -0x80000000, 0x100000, 65536];
        new DataView(p.buffer).setInt32(rnd.int(p.length - 3), rnd.pick(edges));
      }
      return { bytes: frame(p), how: "inner-length" };
    }
    case 3: // change the op code
      if (p.length >= 8) new DataView(p.buffer).setInt32(4, rnd.pick(ALL_OPS));
      return { bytes: frame(p), how: "opcode" };
    case 4: // random body behind a real header
      return { bytes: frame(cat(p.subarray(0, 8), rnd.bytes(rnd.int(64)))), how: "random-body" };
    case 5: // extra bytes after the record
      return { bytes: frame(cat(p, rnd.bytes(1 + rnd.int(16)))), how: "trailing" };
    default: // the length prefix itself lies a little
      return { bytes: cat(i32(p.length - 2 + rnd.int(5)), p), how: "prefix" };
  }
}

/** A raw TCP connection to the server, every wait bounded. */
class Raw {
  readonly conn: Deno.TcpConn;
  closedByServer = false;
  #readLoop: Promise<void>;
  #closedAt = 0;
  received = 0;
  constructor(conn: Deno.TcpConn) {
    this.conn = conn;
    this.#readLoop = this.#read();
  }
  static async open(host: string, port: number): Promise<Raw> {
    const conn = await Deno.connect({ hostname: host, port });
    return new Raw(conn);
  }
  async #read(): Promise<void> {
    const buf = new Uint8Array(64 * 1024);
    try {
      for (;;) {
        const n = await this.conn.read(buf);
        if (n === null) break;
        this.received += n;
        this.#wake?.();
      }
      this.closedByServer = true;
    } catch (e) {
      // Reset by the server counts as closed by it; BadResource is our own close.
      if (!(e instanceof Deno.errors.BadResource || e instanceof Deno.errors.Interrupted)) {
        this.closedByServer = true;
      }
    }
    this.#closedAt = performance.now();
  }
  #wake: (() => void) | null = null;
  /** Waits until `n` bytes in all came back (or the server closed), up to `ms`. */
  async waitBytes(n: number, ms: number): Promise<boolean> {
    const until = performance.now() + ms;
    while (this.received < n && !this.closedByServer && performance.now() < until) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        this.#readLoop,
        new Promise<void>((r) => {
          this.#wake = r;
          timer = setTimeout(r, Math.max(1, until - performance.now()));
        }),
      ]);
      clearTimeout(timer);
      this.#wake = null;
    }
    return this.received >= n;
  }
  /** Writes, ignoring a server that has closed already. */
  async write(bytes: Uint8Array): Promise<boolean> {
    try {
      let o = 0;
      while (o < bytes.length) o += await this.conn.write(bytes.subarray(o));
      return true;
    } catch {
      return false;
    }
  }
  /** Waits until the server closes, up to `ms`; returns how long it took, or null. */
  async waitClosed(ms: number): Promise<number | null> {
    const t0 = performance.now();
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      this.#readLoop,
      new Promise<void>((r) => timer = setTimeout(r, ms)),
    ]);
    clearTimeout(timer);
    return this.closedByServer ? Math.max(0, this.#closedAt - t0) : null;
  }
  async close(): Promise<void> {
    try {
      this.conn.close();
    } catch { /* closed */ }
    await this.#readLoop;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** VmRSS of a process in MiB, or null when it is gone. */
function rssMib(pid: number): number | null {
  try {
    const s = Deno.readTextFileSync(`/proc/${pid}/status`);
    if (/^State:\s+Z/m.test(s)) return null;
    const m = s.match(/^VmRSS:\s+(\d+) kB/m);
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/** Log lines that must never appear on zkts: uncaught errors, stack frames, JS exceptions that are not ours. */
const BAD_LOG =
  /Uncaught|^\s+at |TypeError|RangeError|ReferenceError|SyntaxError|Cannot read prop|is not a function|undefined is not|Maximum call stack|out of memory/m;

/**
 * Runs the fuzzer: starts the target (unless given one), fuzzes it for
 * `seconds`, checks it, stops it.
 *
 * @param opts see {@linkcode FuzzOptions}
 * @returns what was found; `failures` is empty when every check held
 */
export async function runFuzz(opts: FuzzOptions = {}): Promise<FuzzReport> {
  const seed = (opts.seed ?? (Date.now() & 0x7fffffff)) >>> 0;
  const target = opts.target ?? "zkts";
  const seconds = opts.seconds ?? 30;
  const maxCnxns = opts.maxClientCnxns ?? 24;
  const closeBoundMs = opts.closeBoundMs ?? 3000;
  const rssBound = opts.rssMibMax ?? (target === "apache" ? 1024 : 512);
  const log = (s: string) => opts.verbose && console.error(s);
  const report: FuzzReport = {
    seed,
    target,
    frames: 0,
    connections: 0,
    badConnections: 0,
    crashes: 0,
    rssMibMax: 0,
    rssMibStart: 0,
    rssMibEnd: 0,
    validOps: 0,
    watchEvents: 0,
    kinds: {},
    logLines: 0,
    logSample: [],
    failures: [],
    notes: [],
  };
  // Each distinct failure once, with how often it happened.
  const failCounts = new Map<string, number>();
  const fail = (s: string) => {
    if (failCounts.size < 50 || failCounts.has(s)) failCounts.set(s, (failCounts.get(s) ?? 0) + 1);
  };
  const noteCounts = new Map<string, number>();
  /** A failure on zkts; a note on Apache (see {@linkcode FuzzReport.notes}). */
  const strictly = (s: string) => {
    if (target === "zkts") return fail(s);
    if (noteCounts.size < 50 || noteCounts.has(s)) noteCounts.set(s, (noteCounts.get(s) ?? 0) + 1);
  };
  const halfOpenBoundMs = target === "zkts" ? HALF_OPEN_BOUND_MS : HALF_OPEN_BOUND_MS_APACHE;

  let started: ApacheServer | null = null;
  let server = opts.server;
  if (!server) {
    const startOpts = { forceSync: false, extra: { maxClientCnxns: maxCnxns } };
    started = target === "apache" ? await startApache(startOpts) : await startZkts(startOpts);
    server = started;
  }
  const { host, port } = server;
  const pid = () => (started ? started.pid : server!.pid);
  const logAtStart = server.logs().split("\n").length;
  report.rssMibStart = rssMib(pid()) ?? 0;

  let alive = true;
  const deadline = performance.now() + seconds * 1000;
  const running = () => alive && performance.now() < deadline;
  const sampler = setInterval(() => {
    const r = rssMib(pid());
    if (r === null) {
      if (alive) {
        alive = false;
        report.crashes++;
        fail(`the server process ${pid()} is gone`);
      }
      return;
    }
    report.rssMibMax = Math.max(report.rssMibMax, r);
  }, 200);

  // A flood of connections needs the port to itself; the other attacks share it.
  let exclusive: Promise<void> | null = null;
  let shared = 0;
  const sharedIdle: (() => void)[] = [];
  async function withShared<T>(f: () => Promise<T>): Promise<T> {
    while (exclusive) await exclusive;
    shared++;
    try {
      return await f();
    } finally {
      shared--;
      if (shared === 0) sharedIdle.splice(0).forEach((r) => r());
    }
  }
  async function withExclusive(f: () => Promise<void>): Promise<void> {
    while (exclusive) await exclusive;
    let done!: () => void;
    exclusive = new Promise((r) => done = r);
    try {
      while (shared > 0) await new Promise<void>((r) => sharedIdle.push(r));
      await f();
    } finally {
      exclusive = null;
      done();
    }
  }

  function kind(name: string, closedMs: number | null | undefined) {
    const k = report.kinds[name] ??= { runs: 0, closed: 0, slowestCloseMs: 0 };
    k.runs++;
    if (closedMs !== null && closedMs !== undefined) {
      k.closed++;
      k.slowestCloseMs = Math.max(k.slowestCloseMs, Math.round(closedMs));
    }
  }

  async function open(refusedOk = false): Promise<Raw | null> {
    try {
      const r = await Raw.open(host, port);
      report.connections++;
      return r;
    } catch (e) {
      if (rssMib(pid()) === null) {
        // Refused because the server is gone: one crash, not a failure per attempt.
        if (alive) alive = false, report.crashes++, fail(`the server process ${pid()} is gone`);
        return null;
      }
      // Apache closes a connection past maxClientCnxns so early that connect() itself fails.
      if (running() && !refusedOk) strictly(`connect failed: ${(e as Error).message}`);
      return null;
    }
  }

  /** A connection the server must close: sends `bytes` (after a handshake when asked), waits. */
  async function mustClose(name: string, handshake: boolean, bytes: Uint8Array, thenEof = false) {
    const r = await open();
    if (!r) return;
    report.badConnections++;
    try {
      if (handshake) {
        await r.write(frame(CONNECT_BODY));
        report.frames++;
      }
      await r.write(bytes);
      report.frames++;
      if (thenEof) await r.conn.closeWrite().catch(() => {});
      const ms = await r.waitClosed(closeBoundMs);
      kind(name, ms);
      if (ms === null && alive) fail(`${name}: not closed within ${closeBoundMs} ms`);
    } finally {
      await r.close();
    }
  }

  const attacks: Record<string, (rnd: Prng) => Promise<void>> = {
    async mutated(rnd) {
      const r = await open();
      if (!r) return;
      report.badConnections++;
      try {
        const handshake = rnd.chance(0.8);
        if (handshake) {
          await r.write(frame(CONNECT_BODY));
          // Most wait for the ConnectResponse (4 + 37 bytes), so the requests are served.
          if (rnd.chance(0.8)) await r.waitBytes(41, 1000);
        } else {
          await r.write(mutate(rnd, CONNECT_BODY).bytes);
        }
        report.frames++;
        const n = 1 + rnd.int(12);
        const out: Uint8Array[] = [];
        for (let i = 0; i < n; i++) {
          const p = requestPayload(rnd, i + 1);
          out.push(rnd.chance(0.6) ? mutate(rnd, p).bytes : frame(p));
        }
        report.frames += n;
        if (rnd.chance(0.5)) await r.write(cat(...out));
        else for (const b of out) if (!(await r.write(b))) break;
        kind("mutated", await r.waitClosed(150 + rnd.int(300)));
      } finally {
        await r.close();
      }
    },
    async random(rnd) {
      const r = await open();
      if (!r) return;
      report.badConnections++;
      try {
        if (rnd.chance(0.5)) await r.write(frame(CONNECT_BODY));
        const n = 1 + rnd.int(4);
        for (let i = 0; i < n; i++) {
          const body = rnd.bytes(rnd.int(200));
          await r.write(rnd.chance(0.5) ? frame(body) : body);
          report.frames++;
        }
        kind("random", await r.waitClosed(200));
      } finally {
        await r.close();
      }
    },
    async negativeLength(rnd) {
      await mustClose("negativeLength", rnd.chance(0.5), i32(-1 - rnd.int(0x7fffffff)));
    },
    async hugeLength(rnd) {
      await mustClose("hugeLength", rnd.chance(0.5), cat(i32(0x7fffffff), rnd.bytes(64)));
    },
    async oversized(rnd) {
      const len = JUTE_MAXBUFFER + 1 + rnd.int(4096);
      // The prefix, then data: the server must not wait for (nor buffer) the whole frame.
      await mustClose("oversized", rnd.chance(0.5), cat(i32(len), new Uint8Array(64 * 1024)));
    },
    async lyingThenEof(rnd) {
      const body = requestPayload(rnd, 1);
      await mustClose(
        "lyingThenEof",
        rnd.chance(0.5),
        cat(i32(body.length + 1 + rnd.int(1000)), body),
        true,
      );
    },
    async zeroLength(rnd) {
      await mustClose("zeroLength", rnd.chance(0.5), i32(0));
    },
    async halfOpen(rnd) {
      // Connects and sends nothing (or part of a ConnectRequest): Apache closes
      // it after zookeeper.nio.sessionlessCnxnTimeout (10 s), and so must zkts.
      const r = await open();
      if (!r) return;
      report.badConnections++;
      try {
        if (rnd.chance(0.5)) await r.write(frame(CONNECT_BODY).subarray(0, 1 + rnd.int(20)));
        const ms = await r.waitClosed(halfOpenBoundMs);
        kind("halfOpen", ms);
        if (ms === null && alive) strictly(`halfOpen: not closed within ${halfOpenBoundMs} ms`);
      } finally {
        await r.close();
      }
    },
    async slowLoris(rnd) {
      // One byte a second of a ConnectRequest, for up to 8 s.
      const r = await open();
      if (!r) return;
      report.badConnections++;
      try {
        const bytes = frame(CONNECT_BODY);
        const n = 1 + rnd.int(8);
        let closed: number | null = null;
        for (let i = 0; i < n && running(); i++) {
          if (!(await r.write(bytes.subarray(i, i + 1)))) break;
          closed = await r.waitClosed(1000);
          if (closed !== null) break;
        }
        kind("slowLoris", closed);
      } finally {
        await r.close();
      }
    },
    async bigFrames(rnd) {
      // Valid frames near jute.maxbuffer: a multiRead of thousands of getData
      // (its reply is larger than the request), SetWatches on thousands of
      // paths, an ephemeral create with ~1 MiB of data.
      const r = await open();
      if (!r) return;
      report.badConnections++;
      try {
        await r.write(frame(CONNECT_BODY));
        await r.waitBytes(41, 1000);
        const which = rnd.int(3);
        let body: Uint8Array;
        let op: number;
        if (which === 0) {
          op = OpCode.multiRead;
          const n = 1000 + rnd.int(20_000);
          body = encode(MultiOperationRecord, {
            ops: Array.from({ length: n }, () => ({
              type: OpCode.getData,
              request: { path: "/", watch: false },
            })),
          });
        } else if (which === 1) {
          op = OpCode.setWatches;
          const n = 1000 + rnd.int(40_000);
          const paths = Array.from({ length: n }, (_, i) => `/w/${i}`);
          body = encode(SetWatches, {
            relativeZxid: 0n,
            dataWatches: paths,
            existWatches: paths,
            childWatches: [],
          });
        } else {
          op = OpCode.create;
          body = encode(CreateRequest, {
            path: `/rbig${rnd.int(1000)}`,
            data: new Uint8Array(JUTE_MAXBUFFER - 200 - rnd.int(1000)),
            acl: ACL,
            flags: 1,
          });
        }
        const payload = cat(encode(RequestHeader, { xid: 1, type: op }), body);
        if (payload.length > JUTE_MAXBUFFER) return; // valid ones only here
        await r.write(frame(payload));
        report.frames += 2;
        // A reply (or a close) must come; then we go, without reading it all.
        await r.waitBytes(41 + 16, 5000);
        kind("bigFrames", await r.waitClosed(100));
      } finally {
        await r.close();
      }
    },
    async unreadReplies(rnd) {
      // A session that sends many watched reads and never reads a reply.
      const r = await open();
      if (!r) return;
      report.badConnections++;
      try {
        await r.write(frame(CONNECT_BODY));
        await r.waitBytes(41, 1000);
        const out: Uint8Array[] = [];
        const n = 200 + rnd.int(800);
        for (let i = 0; i < n; i++) {
          out.push(frame(cat(
            encode(RequestHeader, { xid: i + 1, type: OpCode.getData }),
            encode(GetDataRequest, { path: `/r${i % 50}`, watch: true }),
          )));
        }
        report.frames += out.length + 1;
        await r.write(cat(...out));
        kind("unreadReplies", await r.waitClosed(300));
      } finally {
        await r.close();
      }
    },
  };

  async function connectionFlood(): Promise<void> {
    // Past maxClientCnxns from one address: the extra ones are closed at once.
    const conns: Raw[] = [];
    const n = maxCnxns + 6;
    let failed = 0;
    for (let i = 0; i < n; i++) {
      const r = await open(true);
      if (r) conns.push(r);
      else failed++;
    }
    report.badConnections += n;
    const closed = await Promise.all(conns.map((c) => c.waitClosed(closeBoundMs)));
    const refused = [...closed.filter((c) => c !== null), ...Array(failed).fill(0)];
    for (const c of closed) kind("connectionFlood", c);
    // The valid sessions hold some slots already: at least the 6 extra must go.
    if (refused.length < 6 && alive) {
      strictly(
        `connectionFlood: ${n} connections past maxClientCnxns=${maxCnxns}, only ${refused.length} refused`,
      );
    }
    await Promise.all(conns.map((c) => c.close()));
  }

  // ---- valid sessions --------------------------------------------------------

  const eq = (a: Uint8Array | null, b: Uint8Array) =>
    a !== null && a.length === b.length && a.every((x, i) => x === b[i]);

  async function validSession(w: number, rnd: Prng): Promise<void> {
    const events: string[] = [];
    const watcher: Watcher = (e) => {
      if (e.type === EventType.None && e.state !== KeeperState.SyncConnected) {
        events.push(`state ${e.state}`);
      }
    };
    let zk: ZooKeeper;
    try {
      zk = await ZooKeeper.connect(`${host}:${port}`, { sessionTimeoutMs: 6000, watcher });
    } catch (e) {
      fail(`valid session ${w}: connect failed: ${(e as Error).message}`);
      return;
    }
    report.connections++;
    const sid = zk.sessionId;
    const root = `/fuzz-valid-${w}`;
    try {
      await zk.create(root, null);
      for (let i = 0; running(); i++) {
        const p = `${root}/n${i}`;
        const data = rnd.bytes(rnd.int(300));
        const created = await zk.create(p, data);
        if (created !== p) fail(`valid ${w}: create ${p} returned ${created}`);
        const got = await zk.getData(p);
        if (!eq(got.data, data) || got.stat.version !== 0) fail(`valid ${w}: getData ${p} wrong`);
        const data2 = rnd.bytes(rnd.int(300));
        const st = await zk.setData(p, data2, 0);
        if (st.version !== 1) fail(`valid ${w}: setData ${p} version ${st.version}`);
        const got2 = await zk.getData(p);
        if (!eq(got2.data, data2) || got2.stat.version !== 1) {
          fail(`valid ${w}: getData ${p} after setData wrong`);
        }
        const kids = await zk.getChildren(root);
        if (kids.length !== 1 || kids[0] !== `n${i}`) {
          fail(`valid ${w}: children of ${root} are ${kids.join(",")}`);
        }
        try {
          await zk.setData(p, data, 0);
          fail(`valid ${w}: setData ${p} with a stale version succeeded`);
        } catch (e) {
          if (!String((e as Error).message).includes("BadVersion")) throw e;
        }
        await zk.delete(p, 1);
        if ((await zk.exists(p)) !== null) fail(`valid ${w}: ${p} still exists after delete`);
        report.validOps += 8;
        if (zk.sessionId !== sid || !zk.connected) fail(`valid ${w}: lost its session`);
        if (events.length > 0) fail(`valid ${w}: events ${events.splice(0).join(", ")}`);
        await sleep(rnd.int(20));
      }
      await zk.delete(root);
    } catch (e) {
      if (alive) fail(`valid session ${w}: ${(e as Error).message}`);
    } finally {
      await zk.close().catch(() => {});
    }
  }

  async function watchFlood(round: number, rnd: Prng): Promise<void> {
    // Many watches on many paths from one session, then a change to each.
    const seen: string[] = [];
    let zk: ZooKeeper;
    try {
      zk = await ZooKeeper.connect(`${host}:${port}`, {
        sessionTimeoutMs: 6000,
        watcher: (e) => {
          if (e.type !== EventType.None) seen.push(`${e.type} ${e.path}`);
        },
      });
    } catch (e) {
      fail(`watch flood: connect failed: ${(e as Error).message}`);
      return;
    }
    report.connections++;
    const root = `/fuzz-watch-${round}`;
    try {
      const n = 20 + rnd.int(60);
      const absent = 50 + rnd.int(300);
      await zk.create(root, null);
      await zk.multi(
        Array.from({ length: n }, (_, i) => ({
          type: OpCode.create,
          request: { path: `${root}/d${i}`, data: null, acl: ACL, flags: 0 },
        })),
      );
      const reads: Promise<unknown>[] = [];
      for (let k = 0; k < 3; k++) {
        for (let i = 0; i < n; i++) reads.push(zk.getData(`${root}/d${i}`, true));
      }
      for (let i = 0; i < absent; i++) reads.push(zk.exists(`${root}/a${i}`, true));
      reads.push(zk.getChildren(root, true));
      await Promise.all(reads);
      await zk.multi(
        Array.from({ length: n }, (_, i) => ({
          type: OpCode.setData,
          request: { path: `${root}/d${i}`, data: new Uint8Array([i]), version: -1 },
        })),
      );
      const made = Math.min(absent, 10);
      for (let i = 0; i < made; i++) await zk.create(`${root}/a${i}`, null);
      // Each data watch fires once (they are one per path and session), the
      // child watch once, each created node's exist watch once.
      const want = n + 1 + made;
      const until = performance.now() + 5000;
      while (seen.length < want && performance.now() < until) await sleep(20);
      report.watchEvents += seen.length;
      if (seen.length !== want) {
        fail(`watch flood ${root}: ${seen.length} events, want ${want}`);
      }
      await zk.deleteAll(root);
      report.validOps += 2 * n + absent + made + 4;
    } catch (e) {
      if (alive) fail(`watch flood ${root}: ${(e as Error).message}`);
    } finally {
      await zk.close().catch(() => {});
    }
  }

  // ---- the run -----------------------------------------------------------------

  log(`fuzz: seed ${seed}, target ${target} ${host}:${port}, ${seconds} s`);
  const names = Object.keys(attacks);
  const valid = [0, 1].map((w) => validSession(w, new Prng(seed + 1000 + w)));
  let longLived = 0;
  const background: Promise<void>[] = [];
  const shortNames = names.filter((n) => n !== "halfOpen" && n !== "slowLoris");
  async function attacker(a: number): Promise<void> {
    const r = new Prng(seed + a);
    while (running()) {
      let name = r.pick(names);
      if (name === "halfOpen" || name === "slowLoris") {
        if (longLived < 2) {
          // Long-lived ones run beside the others, at most two at a time.
          longLived++;
          // Not under withShared: a connection flood need not wait for them.
          background.push(
            attacks[name](new Prng(r.next())).catch((e) => {
              if (alive) fail(`${name}: ${(e as Error).stack}`);
            }).finally(() => longLived--),
          );
        }
        name = r.pick(shortNames);
      }
      try {
        await withShared(() => attacks[name](r));
      } catch (e) {
        if (alive) fail(`attacker ${a} ${name}: ${(e as Error).stack}`);
      }
    }
  }
  async function floods(): Promise<void> {
    // Every 1.5 to 4 s: a flood of watches or of connections, in turn.
    const r = new Prng(seed + 99);
    for (let round = 0; running(); round++) {
      await sleep(1500 + r.int(2500));
      if (!running()) break;
      try {
        if (round % 2 === 0) await withShared(() => watchFlood(round, r));
        else await withExclusive(connectionFlood);
      } catch (e) {
        if (alive) fail(`flood ${round}: ${(e as Error).stack}`);
      }
    }
  }
  await Promise.all([floods(), ...[1, 2, 3].map(attacker), ...valid]);
  await Promise.all(background);

  // ---- the checks at the end ----------------------------------------------------

  clearInterval(sampler);
  const rss = rssMib(pid());
  if (rss === null) {
    if (alive) report.crashes++, fail("the server process is gone at the end");
  } else {
    report.rssMibMax = Math.max(report.rssMibMax, rss);
    report.rssMibEnd = rss;
  }
  if (report.rssMibMax > rssBound) {
    fail(`RSS ${report.rssMibMax.toFixed(0)} MiB over the bound ${rssBound} MiB`);
  }
  for (const word of ["ruok", "srvr"]) {
    try {
      const a = await fourLetter(host, port, word, 5000);
      if (word === "ruok" ? a !== "imok" : !a.includes("Mode:")) {
        fail(`${word} at the end answered ${JSON.stringify(a)}`);
      }
    } catch (e) {
      fail(`${word} at the end: ${(e as Error).message}`);
    }
  }
  const lines = server.logs().split("\n").slice(logAtStart).filter((l) => l.trim() !== "");
  report.logLines = lines.length;
  const kindsSeen = new Set<string>();
  for (const l of lines) {
    // One line of each kind: the message without its time, numbers and addresses.
    const k = l.replace(/^\S+ /, "").replace(/[0-9a-fx.:]{2,}/g, "#").slice(0, 60);
    if (!kindsSeen.has(k) && kindsSeen.size < 20) kindsSeen.add(k), report.logSample.push(l);
  }
  if (target === "zkts" && !opts.server) {
    const bad = lines.filter((l) => BAD_LOG.test(l));
    for (const l of bad.slice(0, 5)) fail(`log: ${l.slice(0, 300)}`);
    const perBad = lines.length / Math.max(1, report.badConnections);
    if (perBad > 3) {
      fail(`log: ${lines.length} lines for ${report.badConnections} bad connections`);
    }
  }
  if (started) await started.stop();
  report.failures = [...failCounts].map(([f, n]) => n > 1 ? `${f} (x${n})` : f);
  report.notes = [...noteCounts].map(([f, n]) => n > 1 ? `${f} (x${n})` : f);
  return report;
}

/** The closing line. */
export function summary(r: FuzzReport): string {
  return `fuzz: ${r.frames} frames, ${r.connections} connections, ${r.crashes} crashes, ` +
    `max RSS ${r.rssMibMax.toFixed(1)} MiB`;
}

function parseArgs(args: string[]): FuzzOptions {
  const o: FuzzOptions = { verbose: true };
  for (let i = 0; i < args.length; i++) {
    const v = args[i + 1];
    switch (args[i]) {
      case "--seconds":
        o.seconds = Number(v), i++;
        break;
      case "--seed":
        o.seed = Number(v), i++;
        break;
      case "--target":
        if (v !== "zkts" && v !== "apache") throw new Error(`--target zkts|apache, not ${v}`);
        o.target = v, i++;
        break;
      case "--rss-mib":
        o.rssMibMax = Number(v), i++;
        break;
      case "--quiet":
        o.verbose = false;
        break;
      default:
        throw new Error(
          `usage: deno task fuzz [--seconds N] [--seed S] [--target zkts|apache] [--rss-mib M]`,
        );
    }
  }
  return o;
}

if (import.meta.main) {
  const opts = parseArgs(Deno.args);
  opts.seed ??= Date.now() & 0x7fffffff;
  console.log(`fuzz: seed ${opts.seed} target ${opts.target ?? "zkts"}`);
  const r = await runFuzz(opts);
  const { failures: _, notes: _n, logSample: _l, ...figures } = r;
  console.log(JSON.stringify(figures));
  for (const l of r.logSample) console.log(`LOG ${l}`);
  for (const f of r.notes) console.log(`NOTE ${f}`);
  for (const f of r.failures) console.log(`FAIL ${f}`);
  console.log(summary(r));
  Deno.exit(r.failures.length === 0 ? 0 : 1);
}
