/**
 * The standalone server's I/O shell: the client port, the txn log and the
 * session timer around {@linkcode ServerCore}. It fits the loop of the house
 * style: read a socket or timer, call the core, append `persist` to the log,
 * write `send`, close `close`; report fsyncs back with `logged`.
 *
 * @module
 */
import { encode, FrameSplitter, TxnEntry } from "@zkts/jute";
import {
  DenoStorage,
  joinPath,
  purge,
  RollCounter,
  seededRandom,
  type Storage,
  type TxnLog,
  writeSnapshot,
} from "@zkts/persistence";
import type { ZkConfig } from "./config.ts";
import { type Clock, type Effects, Histogram, LATENCY_BOUNDS_MS, ServerCore } from "./core.ts";
import { adminApp, metricsApp } from "./admin.ts";
import { loadDataDir } from "./data_dir.ts";
import { consoleLogger, type Logger } from "./log.ts";
import { fourLetterWord, isFourLetterWord } from "./four_letter.ts";
import { SESSIONLESS_CNXN_TIMEOUT_MS, Stream } from "./_stream.ts";
import { ReadThrottle } from "./_throttle.ts";

/** What {@linkcode ZkServer.start} needs beyond zoo.cfg. */
export interface ServerStartOptions {
  /** Override the clock (tests). */
  clock?: Clock;
  /** Where log lines go (default console). */
  logger?: Logger;
  /**
   * The disk the dataDir and dataLogDir are on (default the real one,
   * `DenoStorage`); tests pass a `SimStorage` to cut the power.
   */
  storage?: Storage;
}

const realClock: Clock = {
  nowMs: () => performance.now(),
  wallMs: () => Date.now(),
};

/**
 * A running standalone ZooKeeper server.
 *
 * @example
 * ```ts ignore
 * import { parseConfig, ZkServer } from "@zkts/server";
 * const server = await ZkServer.start(parseConfig("tickTime=2000\ndataDir=/tmp/zk\nclientPort=2181\n"));
 * // ... clients connect to 127.0.0.1:2181 ...
 * await server.stop();
 * ```
 */
export class ZkServer {
  /** The parsed zoo.cfg the server runs with. */
  readonly config: ZkConfig;
  /** The request pipeline: sessions, data tree and stats. */
  readonly core: ServerCore;
  #log: TxnLog;
  /** The client port; none when zoo.cfg sets no clientPort, as in Apache. */
  #listener: Deno.TcpListener | undefined;
  #sockets = new Map<number, Stream>();
  #nextConnId = 1;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #containerTimer: ReturnType<typeof setInterval> | undefined;
  #stopped = false;
  #logger: Logger;
  #acceptLoop: Promise<void>;
  #failed = false;
  #fatal: string | undefined;
  #stoppedResolve!: (fatal: string | undefined) => void;
  /**
   * Resolves when the server has stopped: with the reason when it stopped
   * itself (a txn log failure: Apache's server exits then), else undefined.
   */
  readonly stopped: Promise<string | undefined> = new Promise((r) => this.#stoppedResolve = r);
  /** Append-to-durable time of the txn log, for `/metrics`. */
  readonly logSyncHistogram: Histogram = new Histogram(LATENCY_BOUNDS_MS);
  /** The last snapshot written (admin `last_snapshot`), null before the first. */
  lastSnapshot: { zxid: bigint; timestampS: number } | null = null;
  #pendingSince: number[] = [];
  #pendingZxids: bigint[] = [];
  #pendingHead = 0;
  /** globalOutstandingLimit: client connections wait while more requests are outstanding. */
  #throttle: ReadThrottle;
  #storage: Storage;
  #snapDir: string;
  #logDir: string;
  #roller: RollCounter;
  #rollDue = false;
  #snapshotting: Promise<void> | null = null;
  #purgeTimer: ReturnType<typeof setInterval> | undefined;
  #http: Deno.HttpServer[] = [];

  private constructor(
    config: ZkConfig,
    core: ServerCore,
    log: TxnLog,
    listener: Deno.TcpListener | undefined,
    logger: Logger,
    storage: Storage,
    snapDir: string,
    logDir: string,
  ) {
    this.#storage = storage;
    this.#snapDir = snapDir;
    this.#logDir = logDir;
    this.#roller = new RollCounter(config.snapCount, 0, seededRandom(Date.now() & 0x7fffffff));
    this.config = config;
    this.core = core;
    this.#throttle = new ReadThrottle(config.globalOutstandingLimit, () => core.outstanding);
    this.#log = log;
    this.#listener = listener;
    this.#logger = logger;
    this.#acceptLoop = this.#accept();
    this.#schedule();
    this.#startHttp();
    if (config.purgeIntervalHours > 0) {
      this.#purgeTimer = setInterval(() => {
        this.purge().then((removed) => {
          if (removed.length) this.#logger.info(`Purged ${removed.join(", ")}`);
        }).catch((e) => this.#logger.warn(`purge failed: ${e.message}`));
      }, config.purgeIntervalHours * 3600_000);
    }
    // ContainerManager: znode.container.checkIntervalMs (default one minute).
    const every = config.containerCheckIntervalMs;
    this.#containerTimer = setInterval(() => {
      if (!this.#failed) this.#perform(this.core.checkContainers(config.containerMaxPerMinute));
    }, every);
  }

  /**
   * The address the client port is bound to.
   *
   * @throws {Error} when zoo.cfg sets no clientPort (there is no client port)
   */
  get address(): Deno.NetAddr {
    if (!this.#listener) throw new Error("clientPort is not set: no client port");
    return this.#listener.addr as Deno.NetAddr;
  }

  /** Whether the server has a client port (zoo.cfg sets clientPort). */
  get hasClientPort(): boolean {
    return this.#listener !== undefined;
  }

  /** The txn log (for the admin commands and tests). */
  get txnLog(): TxnLog {
    return this.#log;
  }

  /** Txn log fsyncs slower than `fsync.warningthresholdms` (the admin API's server_stats). */
  get fsyncThresholdExceedCount(): number {
    return this.#log.fsyncThresholdExceedCount;
  }

  /**
   * Recovers the data tree from the dataDir (txn logs), opens the log for
   * appends and starts serving the client port.
   */
  static async start(config: ZkConfig, opts: ServerStartOptions = {}): Promise<ZkServer> {
    const logger = opts.logger ?? consoleLogger("server");
    const clock = opts.clock ?? realClock;
    const storage = opts.storage ?? new DenoStorage();
    const logDir = joinPath(config.dataLogDir, "version-2");
    const snapDir = joinPath(config.dataDir, "version-2");
    await storage.mkdir(snapDir);
    await storage.mkdir(logDir);

    // Recovery (FileTxnSnapLog.restore): the newest valid snapshot, then the
    // txns after it. An Apache ZooKeeper dataDir is read as it is.
    const ref: { server?: ZkServer } = {};
    const { tree, sessions, log } = await loadDataDir({
      config,
      storage,
      snapDir,
      logDir,
      logger,
      onPersisted: (upTo) => {
        const server = ref.server;
        if (server) server.#onPersisted(upTo);
      },
      onFailure: (e) => {
        if (ref.server) ref.server.#onLogFailure(e);
      },
    });
    const lastZxid = tree.lastProcessedZxid;

    const core = new ServerCore(tree, {
      tickTimeMs: config.tickTime,
      minSessionTimeoutMs: config.minSessionTimeout,
      maxSessionTimeoutMs: config.maxSessionTimeout,
      maxClientCnxns: config.maxClientCnxns,
      skipACL: config.skipACL,
      superDigest: config.superDigest,
      enforceQuota: config.enforceQuota,
      reconfigEnabled: config.reconfigEnabled,
      logger,
      serverId: 1,
      lastZxid,
      sessions,
    }, clock);
    // ZooKeeperServerMain: a client port only when clientPort is set.
    const listener = config.clientPort === undefined ? undefined : Deno.listen({
      hostname: config.clientPortAddress ?? "0.0.0.0",
      port: config.clientPort,
      transport: "tcp",
    });
    ref.server = new ZkServer(config, core, log, listener, logger, storage, snapDir, logDir);
    // Apache takes a snapshot once the database is loaded (ZooKeeperServer.loadData),
    // so a dataDir always holds one: Apache can start from a zkts dataDir.
    await ref.server.takeSnapshot();
    return ref.server;
  }

  #onPersisted(upTo: bigint): void {
    const now = performance.now();
    const z = this.#pendingZxids;
    while (this.#pendingHead < z.length && z[this.#pendingHead] <= upTo) {
      this.logSyncHistogram.observe(now - this.#pendingSince[this.#pendingHead++]);
    }
    if (this.#pendingHead === z.length) {
      z.length = 0;
      this.#pendingSince.length = 0;
      this.#pendingHead = 0;
    }
    this.#perform(this.core.logged(upTo));
    this.#throttle.check();
  }

  /**
   * SyncRequestProcessor's rule: past snapCount/2 + a random share of it,
   * roll the log and take a snapshot in the background (one at a time; "too
   * busy to snap" skips, as Apache does).
   */
  #maybeRoll(): void {
    if (!this.#rollDue) return;
    this.#rollDue = false;
    this.#log.roll();
    if (this.#snapshotting) {
      this.#logger.warn("Too busy to snap, skipping");
      return;
    }
    this.takeSnapshot().catch((e) => this.#logger.error(`snapshot failed: ${e.message}`));
  }

  /**
   * Writes `snapshot.<zxid>` of the tree as it is now, in Apache's format.
   * The tree's store is copied at once (a memcpy: a consistent point in
   * time), then streamed, written in time slices and fsynced in the
   * background while requests go on.
   */
  takeSnapshot(): Promise<void> {
    if (this.#snapshotting) return this.#snapshotting;
    const tree = this.core.tree;
    const view = tree.snapshotView();
    const zxid = view.zxid;
    let count = 0;
    const counted = function* () {
      for (const n of view.nodes()) {
        count++;
        yield n;
      }
    };
    const contents = {
      sessions: [...this.core.sessions.sessions()].map((s) => [s.id, s.timeoutMs] as const),
      acls: view.acls,
      nodes: counted(),
      digest: tree.digestEnabled
        ? { zxid, digestVersion: tree.digestVersion, digest: view.digest }
        : undefined,
    };
    const t0 = performance.now();
    this.#snapshotting = writeSnapshot({
      storage: this.#storage,
      dir: this.#snapDir,
      zxid,
      fsync: this.config.forceSync,
      compression: this.config.snapshotCompression,
    }, contents).then(({ name, bytes }) => {
      // FileSnap.serialize: lsnp's zxid and time (seconds) once the file is written.
      this.lastSnapshot = { zxid, timestampS: Math.floor(Date.now() / 1000) };
      this.#logger.info(
        `Snapshot ${name}: ${count} znodes, ${bytes} bytes in ${
          (performance.now() - t0).toFixed(0)
        } ms`,
      );
    }).finally(() => {
      this.#snapshotting = null;
    });
    return this.#snapshotting;
  }

  /** Removes old snapshots and logs, keeping `autopurge.snapRetainCount` (PurgeTxnLog). */
  async purge(): Promise<string[]> {
    return await purge({
      storage: this.#storage,
      snapDir: this.#snapDir,
      logDir: this.#logDir,
      snapRetainCount: this.config.snapRetainCount,
    });
  }

  /** Serves the admin API and `/metrics` when zoo.cfg asks for them. */
  #startHttp(): void {
    const cfg = this.config;
    const quiet = { onListen: () => {} };
    if (cfg.adminEnableServer) {
      const app = adminApp(this);
      this.#http.push(Deno.serve({
        hostname: cfg.adminServerAddress,
        port: cfg.adminServerPort,
        ...quiet,
      }, app.fetch));
      this.#logger.info(
        `admin server on http://${cfg.adminServerAddress}:${cfg.adminServerPort}/commands`,
      );
    }
    if (cfg.metricsHttpPort !== undefined) {
      const app = metricsApp(this);
      this.#http.push(Deno.serve({
        hostname: cfg.metricsHttpHost,
        port: cfg.metricsHttpPort,
        ...quiet,
      }, app.fetch));
      this.#logger.info(
        `metrics on http://${cfg.metricsHttpHost}:${cfg.metricsHttpPort}/metrics`,
      );
    }
  }

  #onLogFailure(e: Error): void {
    // Never carry on as if data were durable: stop taking writes, loudly.
    this.#failed = true;
    this.#fatal = `the txn log failed: ${e.message}`;
    this.#logger.error(`FATAL: the txn log failed, the server stops: ${e.message}`);
    for (const s of this.#sockets.values()) s.close();
    void this.stop();
  }

  async #accept(): Promise<void> {
    const listener = this.#listener;
    if (!listener) return;
    for (;;) {
      let conn: Deno.TcpConn;
      try {
        conn = await listener.accept();
      } catch {
        return; // listener closed
      }
      if (this.#stopped || this.#failed) {
        conn.close();
        continue;
      }
      conn.setNoDelay(true);
      const id = this.#nextConnId++;
      const sock = new Stream(conn);
      this.#sockets.set(id, sock);
      const addr = conn.remoteAddr as Deno.NetAddr;
      this.#perform(this.core.connect(id, addr.hostname, addr.port));
      this.#read(id, sock);
    }
  }

  async #read(id: number, sock: Stream): Promise<void> {
    const splitter = new FrameSplitter({ maxFrameBytes: this.config.juteMaxBuffer });
    const buf = new Uint8Array(64 * 1024);
    let first = true;
    // Until its first frame is in, a connection that is silent for
    // SESSIONLESS_CNXN_TIMEOUT_MS is closed; each read re-arms the timer.
    const expire = () => {
      this.#logger.warn(
        `Closing connection ${id}: no ConnectRequest in ${SESSIONLESS_CNXN_TIMEOUT_MS} ms`,
      );
      sock.close();
    };
    let sessionless: ReturnType<typeof setTimeout> | undefined = setTimeout(
      expire,
      SESSIONLESS_CNXN_TIMEOUT_MS,
    );
    try {
      for (;;) {
        const n = await sock.conn.read(buf);
        if (n === null || sock.closed) break;
        if (sessionless !== undefined) {
          clearTimeout(sessionless);
          sessionless = setTimeout(expire, SESSIONLESS_CNXN_TIMEOUT_MS);
        }
        let chunk = buf.subarray(0, n);
        if (first) {
          first = false;
          // A four-letter word instead of a ConnectRequest (NIOServerCnxn.checkFourLetterWord).
          if (n >= 4 && isFourLetterWord(chunk.subarray(0, 4))) {
            const word = new TextDecoder().decode(chunk.subarray(0, 4));
            const text = fourLetterWord(word, this, chunk.subarray(4));
            sock.write(new TextEncoder().encode(text));
            sock.closeAfterWrite();
            break;
          }
        }
        const frames = splitter.push(chunk);
        if (frames.length > 0 && sessionless !== undefined) {
          clearTimeout(sessionless);
          sessionless = undefined;
        }
        chunk = buf; // frames may view buf: hand them over before the next read
        for (const f of frames) {
          // Past globalOutstandingLimit no request is taken (nor read) until
          // the txn log catches up: backpressure to clients, as Apache's.
          if (this.#throttle.throttled) {
            await this.#throttle.admit(() => !sock.closed && !this.#stopped);
          }
          if (sock.closed || this.#stopped) break;
          this.#perform(this.core.receive(id, f));
        }
      }
    } catch (e) {
      if (!sock.closed) {
        this.#logger.warn(
          `Closing connection ${id}: ${e instanceof Error ? e.message : String(e)}`,
        );
      }
    } finally {
      clearTimeout(sessionless);
      if (!sock.closing) sock.close();
      this.#sockets.delete(id);
      this.#perform(this.core.disconnected(id));
    }
  }

  #perform(fx: Effects): void {
    for (const p of fx.persist) {
      if (this.#failed) break;
      const { hdr, txn, digest } = p.prepared;
      const bytes = encode(TxnEntry, {
        header: hdr,
        txn,
        ...(digest ? { digest } : {}),
      });
      this.#log.submit(hdr.zxid, bytes);
      if (this.#roller.append()) this.#rollDue = true;
      if (this.#pendingZxids.length - this.#pendingHead < 100_000) {
        this.#pendingZxids.push(hdr.zxid);
        this.#pendingSince.push(performance.now());
      }
    }
    for (const s of fx.send) {
      const sock = this.#sockets.get(s.conn);
      if (sock && !sock.closed) sock.write(s.bytes);
    }
    for (const id of fx.close) {
      const sock = this.#sockets.get(id);
      if (sock) {
        sock.closeAfterWrite();
      }
    }
    if (fx.persist.length > 0) this.#maybeRoll();
  }

  #schedule(): void {
    if (this.#stopped) return;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    const ms = Math.min(this.core.nextTickInMs(), this.config.tickTime);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#perform(this.core.tick());
      this.#schedule();
    }, ms);
  }

  /** Stops serving: closes the port and every connection, flushes and closes the log. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#throttle.releaseAll();
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    clearInterval(this.#containerTimer);
    clearInterval(this.#purgeTimer);
    for (const h of this.#http) await h.shutdown().catch(() => {});
    try {
      this.#listener?.close();
    } catch { /* closed */ }
    await this.#acceptLoop;
    for (const s of this.#sockets.values()) s.close();
    try {
      await this.#log.flush();
    } catch { /* reported by onFailure */ }
    await this.#snapshotting?.catch(() => {});
    // A failed log rejects its close too; the failure is #fatal already, and
    // `stopped` must resolve (or a server stopping itself leaves an unhandled rejection).
    await this.#log.close().catch(() => {});
    this.#stoppedResolve(this.#fatal);
  }
}
