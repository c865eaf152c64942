/**
 * A member of an ensemble (zoo.cfg with `server.N` lines): the I/O shell
 * around leader election (@zkts/election), the ZAB cores (@zkts/zab) and the
 * request pipeline ({@linkcode ServerCore} as leader or follower). It loads
 * the dataDir, looks for a leader, then leads or follows until that ends,
 * and looks again. Clients are served only while it leads or follows a
 * leader that a quorum acknowledged.
 *
 * @module
 */
import { DataTree } from "@zkts/datatree";
import { ElectionPeer, parseQuorumConfig, type QuorumVerifier } from "@zkts/election";
import {
  ACLCache,
  decode,
  encode,
  FrameSplitter,
  JuteReader,
  JuteWriter,
  OpCode,
  scanSnapshotNodes,
  SnapshotNode,
  TxnEntry,
} from "@zkts/jute";
import {
  DenoStorage,
  joinPath,
  listSnapshots,
  purge,
  RollCounter,
  seededRandom,
  type Storage,
  type TxnLog,
  writeSnapshot,
} from "@zkts/persistence";
import {
  type CommittedTxn,
  encodePacket,
  epochOf,
  FollowerCore,
  type FollowerEffect,
  LeaderCore,
  type LeaderEffect,
  PacketType,
  SNAP_SIGNATURE,
} from "@zkts/zab";
import { quorumConfigText, type ZkConfig } from "./config.ts";
import {
  type Clock,
  type Conn,
  type Effects,
  Histogram,
  LATENCY_BOUNDS_MS,
  ServerCore,
} from "./core.ts";
import { adminApp, type AdminHost, metricsApp } from "./admin.ts";
import { loadDataDir, trackSession } from "./data_dir.ts";
import { SESSIONLESS_CNXN_TIMEOUT_MS, Stream } from "./_stream.ts";
import { ReadThrottle } from "./_throttle.ts";
import { consoleLogger, type Logger } from "./log.ts";
import { fourLetterWord, isFourLetterWord } from "./four_letter.ts";

const realClock: Clock = { nowMs: () => performance.now(), wallMs: () => Date.now() };

/** The ensemble's view of this server's role, for `srvr`/`mntr`. */
export type PeerState = "looking" | "leading" | "following" | "stopped";

/**
 * The quorum an ensemble's config describes: a majority of the voters, or
 * Apache's hierarchical quorum when there are `group.N` lines (with the
 * `weight.N` of each voter).
 *
 * @param config a parsed zoo.cfg with `server.N` lines
 * @returns its verifier
 *
 * @example
 * ```ts
 * import { parseConfig, quorumVerifierOf } from "@zkts/server";
 * import assert from "node:assert/strict";
 * const c = parseConfig(
 *   "tickTime=2000\ndataDir=/d\nserver.1=h:1:2\nserver.2=h:3:4\nserver.3=h:5:6\n" +
 *     "group.1=1:2\ngroup.2=3\nweight.1=1\nweight.2=0\nweight.3=1\n",
 *   { myid: "1" },
 * );
 * const q = quorumVerifierOf(c);
 * assert.equal(q.containsQuorum([1n, 3n]), true);
 * assert.equal(q.containsQuorum([1n, 2n]), false); // group 2 has no say
 * ```
 */
export function quorumVerifierOf(config: ZkConfig): QuorumVerifier {
  const props: Record<string, string> = {};
  for (const s of config.servers.values()) {
    props[`server.${s.id}`] = `${s.host}:${s.quorumPort}:${s.electionPort}:${s.role}`;
  }
  // Hierarchical quorums: without these every vote would weigh one.
  for (const [g, ids] of config.groups) props[`group.${g}`] = ids.join(":");
  for (const [id, w] of config.weights) props[`weight.${id}`] = String(w);
  // Votes and NEWLEADER carry the version (a dynamic file's name), as Apache's.
  props.version = BigInt.asUintN(64, config.configVersion).toString(16);
  return parseQuorumConfig(props);
}

/**
 * One member of an ensemble.
 *
 * @example
 * ```ts ignore
 * import { parseConfig, QuorumPeer } from "@zkts/server";
 * const config = parseConfig(await Deno.readTextFile("zoo.cfg"), {
 *   myid: await Deno.readTextFile("/var/zk/myid"),
 * }); // server.1..3 lines
 * const peer = await QuorumPeer.start(config);
 * // ... clients connect to any member's client port ...
 * await peer.stop();
 * ```
 */
export class QuorumPeer {
  /** The parsed zoo.cfg the peer runs with. */
  readonly config: ZkConfig;
  /** This server's id (`myid`). */
  readonly myId: bigint;
  /** Who counts toward a quorum: majority, or hierarchical with groups and weights. */
  readonly quorum: QuorumVerifier;
  #logger: Logger;
  #clock: Clock;
  #storage: Storage = new DenoStorage();
  #snapDir: string;
  #logDir: string;
  #state: PeerState = "looking";
  #tree!: DataTree<Conn>;
  #sessions = new Map<bigint, number>();
  #log!: TxnLog;
  #recent: CommittedTxn[] = [];
  #acceptedEpoch = 0n;
  #currentEpoch = 0n;
  #election: ElectionPeer;
  /** The client port; none when zoo.cfg sets no client port, as in Apache. */
  #clientListener: Deno.TcpListener | undefined;
  #clients = new Map<number, Stream>();
  /**
   * globalOutstandingLimit, as the standalone server's: client connections
   * wait while more requests are outstanding (a leader's txns not yet
   * applied, a follower's writes not yet committed).
   */
  #throttle: ReadThrottle;
  #nextId = 1;
  #core: ServerCore | undefined;
  #mode: "leader" | "follower" | undefined;
  /** The leader's ZAB core while leading (for `mntr`). */
  #leaderCore: LeaderCore | undefined;
  #onPersisted: (upTo: bigint) => void = () => {};
  #loop: Promise<void>;
  #stopping = false;
  #fatal: string | undefined;
  #stoppedResolve!: (fatal: string | undefined) => void;
  /**
   * Resolves when the member has stopped: with the reason when it stopped
   * itself (its txn log failed, or a reload from disk failed: Apache exits
   * then), else undefined.
   */
  readonly stopped: Promise<string | undefined> = new Promise((r) => this.#stoppedResolve = r);
  /** Ends the current leading or following. */
  #endRole: (() => void) | undefined;
  #roller: RollCounter;
  #snapshotting: Promise<void> | null = null;
  #purgeTimer: ReturnType<typeof setInterval> | undefined;
  #http: Deno.HttpServer[] = [];
  /** Append-to-durable time of the txn log, for `/metrics`. */
  readonly logSyncHistogram: Histogram = new Histogram(LATENCY_BOUNDS_MS);
  #pendingZxids: bigint[] = [];
  #pendingSince: number[] = [];

  private constructor(
    config: ZkConfig,
    logger: Logger,
    clock: Clock,
    listener: Deno.TcpListener | undefined,
  ) {
    this.config = config;
    this.myId = BigInt(config.myid!);
    this.#logger = logger;
    this.#clock = clock;
    this.#snapDir = joinPath(config.dataDir, "version-2");
    this.#logDir = joinPath(config.dataLogDir, "version-2");
    this.quorum = quorumVerifierOf(config);
    this.#throttle = new ReadThrottle(
      config.globalOutstandingLimit,
      () => this.#core?.outstanding ?? 0,
    );
    this.#election = new ElectionPeer({
      myId: this.myId,
      quorum: this.quorum,
      data: { zxid: 0n, epoch: 0n },
      config: quorumConfigText(config),
      onWarning: (t) => this.#logger.debug(t),
    });
    this.#clientListener = listener;
    this.#loop = Promise.resolve();
    this.#roller = new RollCounter(config.snapCount, 0, seededRandom(Date.now() & 0x7fffffff));
    if (config.purgeIntervalHours > 0) {
      this.#purgeTimer = setInterval(() => {
        purge({
          storage: this.#storage,
          snapDir: this.#snapDir,
          logDir: this.#logDir,
          snapRetainCount: config.snapRetainCount,
        }).then((removed) => {
          if (removed.length) this.#logger.info(`Purged ${removed.join(", ")}`);
        }).catch((e) => this.#logger.warn(`purge failed: ${e.message}`));
      }, config.purgeIntervalHours * 3600_000);
    }
  }

  /**
   * A txn went to the log: SyncRequestProcessor's rule, past snapCount/2 and
   * a random share of it, rolls the log and snapshots in the background.
   */
  #appended(zxid: bigint, bytes: Uint8Array): void {
    this.#log.submit(zxid, bytes);
    if (this.#pendingZxids.length < 100_000) {
      this.#pendingZxids.push(zxid);
      this.#pendingSince.push(performance.now());
    }
    if (!this.#roller.append()) return;
    this.#log.roll();
    if (this.#snapshotting) {
      this.#logger.warn("Too busy to snap, skipping");
      return;
    }
    this.#snapshotting = this.#takeSnapshot()
      .catch((e) => this.#logger.error(`snapshot failed: ${e.message}`))
      .finally(() => this.#snapshotting = null);
  }

  /** Loads the dataDir, opens the client port and starts looking for a leader. */
  static async start(
    config: ZkConfig,
    opts: {
      logger?: Logger;
      clock?: Clock;
      /** Where the dataDir's files go (default the real disk; tests spy on it). */
      storage?: Storage;
    } = {},
  ): Promise<QuorumPeer> {
    const logger = opts.logger ?? consoleLogger("quorum");
    // QuorumPeerMain: a client port only when clientPort (or the server line's) is set.
    const listener = config.clientPort === undefined ? undefined : Deno.listen({
      hostname: config.clientPortAddress ?? "0.0.0.0",
      port: config.clientPort,
      transport: "tcp",
    });
    const peer = new QuorumPeer(config, logger, opts.clock ?? realClock, listener);
    if (opts.storage) peer.#storage = opts.storage;
    try {
      await Deno.mkdir(peer.#snapDir, { recursive: true });
      await Deno.mkdir(peer.#logDir, { recursive: true });
      await peer.#loadDatabase();
      peer.#loadEpochs();
      // As ZooKeeperServer.loadData: a snapshot of what was loaded, so the dataDir
      // always starts from one (the log alone is not trusted to be complete).
      await peer.#takeSnapshot();
    } catch (e) {
      // QuorumPeer.loadDataBase: "Unable to run quorum server"; nothing stays open.
      listener?.close();
      clearInterval(peer.#purgeTimer);
      await peer.#log?.close().catch(() => {});
      throw e;
    }
    await peer.#election.manager.listen();
    peer.#startHttp();
    peer.#acceptClients();
    peer.#loop = peer.#run();
    return peer;
  }

  /** What the four-letter words, the admin API and `/metrics` read of this member, serving or not. */
  get #fourLetterHost(): AdminHost {
    // deno-lint-ignore no-this-alias
    const peer = this;
    return {
      config: this.config,
      get core() {
        return peer.core;
      },
      get serving() {
        return peer.serving;
      },
      get mode() {
        return peer.mode;
      },
      get quorum() {
        const leader = peer.#leaderCore;
        return {
          serverId: Number(peer.myId),
          leaderId: Number(peer.#leaderId),
          ...leader?.learnerCounts(),
          proposals: leader?.proposalCount,
          pendingSyncs: leader?.pendingSyncs,
        };
      },
      resetStats() {
        if (peer.#leaderCore) peer.#leaderCore.proposalCount = 0;
      },
      get lastSnapshot() {
        return peer.#lastSnapshot;
      },
      logSyncHistogram: this.logSyncHistogram,
      get fsyncThresholdExceedCount() {
        return peer.#log.fsyncThresholdExceedCount;
      },
    };
  }

  /** The admin API and `/metrics`, when zoo.cfg asks for them (as the standalone server). */
  #startHttp(): void {
    const cfg = this.config;
    const host = this.#fourLetterHost;
    const quiet = { onListen: () => {} };
    if (cfg.adminEnableServer) {
      this.#http.push(Deno.serve({
        hostname: cfg.adminServerAddress,
        port: cfg.adminServerPort,
        ...quiet,
      }, adminApp(host).fetch));
    }
    if (cfg.metricsHttpPort !== undefined) {
      this.#http.push(Deno.serve({
        hostname: cfg.metricsHttpHost,
        port: cfg.metricsHttpPort,
        ...quiet,
      }, metricsApp(host).fetch));
    }
  }

  /** The role now. */
  get state(): PeerState {
    return this.#state;
  }

  /** The request pipeline while serving (leader or follower); throws otherwise. */
  get core(): ServerCore {
    if (!this.#core) throw new Error("not serving");
    return this.#core;
  }

  /** Whether clients are served now. */
  get serving(): boolean {
    return this.#core !== undefined;
  }

  /** `srvr`'s Mode. */
  get mode(): "leader" | "follower" | "observer" {
    if (this.#mode === "leader") return "leader";
    return this.config.servers.get(Number(this.myId))?.role === "observer"
      ? "observer"
      : "follower";
  }

  /**
   * The client port's address.
   *
   * @throws {Error} when zoo.cfg sets no client port
   */
  get address(): Deno.NetAddr {
    if (!this.#clientListener) throw new Error("clientPort is not set: no client port");
    return this.#clientListener.addr as Deno.NetAddr;
  }

  /** Whether the member has a client port. */
  get hasClientPort(): boolean {
    return this.#clientListener !== undefined;
  }

  /** Stops everything: the role, election, sockets and the txn log. */
  async stop(): Promise<void> {
    if (this.#stopping) return;
    this.#stopping = true;
    this.#endRole?.();
    try {
      this.#clientListener?.close();
    } catch { /* closed */ }
    for (const c of this.#clients.values()) c.close();
    this.#throttle.releaseAll();
    clearInterval(this.#purgeTimer);
    for (const h of this.#http) await h.shutdown().catch(() => {});
    await this.#election.close();
    // A looking peer's election rejects on close, so the loop ends.
    await this.#loop.catch(() => {});
    await this.#snapshotting;
    try {
      await this.#log.flush();
    } catch { /* reported */ }
    await this.#log.close().catch(() => {}); // closed already when a reload failed
    this.#state = "stopped";
    this.#stoppedResolve(this.#fatal);
  }

  // ---- the data ----------------------------------------------------------------

  /** Recovery, as the standalone server does it; keeps the last txns for DIFF syncs. */
  async #loadDatabase(): Promise<void> {
    const loaded = await loadDataDir({
      config: this.config,
      storage: this.#storage,
      snapDir: this.#snapDir,
      logDir: this.#logDir,
      logger: this.#logger,
      keepRecent: this.config.commitLogCount,
      onPersisted: (upTo) => {
        const now = performance.now();
        let i = 0;
        while (i < this.#pendingZxids.length && this.#pendingZxids[i] <= upTo) {
          this.logSyncHistogram.observe(now - this.#pendingSince[i++]);
        }
        if (i > 0) {
          this.#pendingZxids.splice(0, i);
          this.#pendingSince.splice(0, i);
        }
        this.#onPersisted(upTo);
      },
      onFailure: (e) => {
        this.#logger.error(`FATAL: the txn log failed: ${e.message}; this member stops`);
        this.#fatal ??= `the txn log failed: ${e.message}`;
        void this.stop();
      },
    });
    this.#tree = loaded.tree;
    this.#sessions = loaded.sessions;
    this.#recent = loaded.recent;
    this.#log = loaded.log;
    this.#initConfigNode();
  }

  /**
   * ZKDatabase.initConfigInZKDatabase: /zookeeper/config holds the quorum
   * config as text, set outside any txn (version -1, mzxid = the config's
   * version), after every load and every SNAP.
   */
  #initConfigNode(): void {
    const data = new TextEncoder().encode(quorumConfigText(this.config));
    this.#tree.setData(
      "/zookeeper/config",
      data,
      -1,
      this.config.configVersion,
      BigInt(this.#clock.wallMs()),
    );
  }

  /** Applies the logged txns after the tree's last zxid. */
  async #fastForward(): Promise<void> {
    await this.#log.flush().catch(() => {});
    const from = this.#tree.lastProcessedZxid + 1n;
    let n = 0;
    for await (const rec of this.#log.read(from)) {
      const entry = decode(TxnEntry, rec.bytes);
      if (entry.header.zxid <= this.#tree.lastProcessedZxid) continue;
      this.#tree.processTxn(entry.header, entry.txn);
      this.#tree.lastProcessedZxid = entry.header.zxid;
      trackSession(this.#sessions, entry);
      this.#remember(entry.header.zxid, rec.bytes);
      n++;
    }
    if (n > 0) {
      this.#logger.info(
        `fast-forwarded ${n} logged txns to 0x${this.#tree.lastProcessedZxid.toString(16)}`,
      );
    }
  }

  #remember(zxid: bigint, data: Uint8Array): void {
    this.#recent.push({ zxid, data });
    if (this.#recent.length > this.config.commitLogCount) this.#recent.shift();
  }

  /**
   * QuorumPeer.loadDataBase: the epochs are what their files say. A missing
   * file (an installation from before epochs were kept) takes the last
   * zxid's epoch and is written; a damaged one stops the start and stays as
   * it is (readLongFromFile's IOException, "Unable to load database on
   * disk"): guessing an epoch could make this peer ack two leaders of one.
   */
  #loadEpochs(): void {
    const lastZxid = this.#tree.lastProcessedZxid;
    const lastEpoch = epochOf(lastZxid);
    const hex = (e: bigint) => `0x${e.toString(16)}`;
    let current = this.#readEpoch("currentEpoch");
    if (current === undefined) {
      current = lastEpoch;
      this.#logger.info(
        `currentEpoch not found! Creating with a reasonable default of ${current}. ` +
          "This should only happen when you are upgrading your installation",
      );
      this.#writeEpoch("currentEpoch", current);
    }
    if (lastEpoch > current) {
      // A crash between writing currentEpoch.tmp and renaming it (the epoch
      // set at NEWLEADER, after the snapshot): the temp file holds the epoch.
      const tmp = this.#readEpoch("currentEpoch.tmp");
      if (tmp === undefined) {
        throw new Error(
          `Unable to load database on disk: the current epoch, ${hex(current)}, ` +
            `is older than the last zxid, ${lastZxid}`,
        );
      }
      this.#logger.info(`currentEpoch.tmp found. Setting current epoch to ${tmp}.`);
      current = tmp;
      this.#writeEpoch("currentEpoch", current);
    }
    let accepted = this.#readEpoch("acceptedEpoch");
    if (accepted === undefined) {
      accepted = lastEpoch;
      this.#logger.info(
        `acceptedEpoch not found! Creating with a reasonable default of ${accepted}. ` +
          "This should only happen when you are upgrading your installation",
      );
      this.#writeEpoch("acceptedEpoch", accepted);
    }
    if (accepted < current) {
      throw new Error(
        `Unable to load database on disk: the accepted epoch, ${hex(accepted)}, ` +
          `is less than the current epoch, ${hex(current)}`,
      );
    }
    this.#currentEpoch = current;
    this.#acceptedEpoch = accepted;
  }

  /**
   * QuorumPeer.readLongFromFile: the file's first line, a decimal long;
   * undefined when there is no file.
   *
   * @throws {Error} anything else in the file (empty, not a number, out of range), naming it
   */
  #readEpoch(name: string): bigint | undefined {
    const path = joinPath(this.#snapDir, name);
    let text: string;
    try {
      text = Deno.readTextFileSync(path);
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return undefined;
      throw new Error(`Unable to load database on disk: cannot read ${path}: ${e}`);
    }
    const line = text.split(/\r\n|\r|\n/)[0];
    const value = /^[+-]?[0-9]{1,19}$/.test(line) ? BigInt(line) : undefined;
    if (value === undefined || value !== BigInt.asIntN(64, value)) {
      const shown = line.length > 64 ? `${line.slice(0, 64)}...` : line;
      throw new Error(
        `Unable to load database on disk: found ${JSON.stringify(shown)} in ${path}` +
          `${text.length === 0 ? " (an empty file)" : ""}, not an epoch (a decimal number)`,
      );
    }
    return value;
  }

  /** An epoch changes: in memory and, durably, in its file. */
  #setEpoch(name: "acceptedEpoch" | "currentEpoch", epoch: bigint): void {
    if (name === "acceptedEpoch") this.#acceptedEpoch = epoch;
    else this.#currentEpoch = epoch;
    this.#writeEpoch(name, epoch);
  }

  /** QuorumPeer.writeLongToFile: decimal, no newline, via a temp file, fsynced and renamed. */
  #writeEpoch(name: string, value: bigint): void {
    const path = joinPath(this.#snapDir, name);
    const tmp = `${path}.tmp`;
    const f = Deno.openSync(tmp, { write: true, create: true, truncate: true });
    try {
      f.writeSync(new TextEncoder().encode(value.toString()));
      f.syncSync();
    } finally {
      f.close();
    }
    Deno.renameSync(tmp, path);
  }

  /** A snapshot of the tree now; fsynced with `fsync` (default forceSync). */
  async #takeSnapshot(fsync: boolean = this.config.forceSync): Promise<void> {
    const view = this.#tree.snapshotView();
    const sessions = this.#core
      ? [...this.#core.sessions.sessions()].map((s) => [s.id, s.timeoutMs] as const)
      : [...this.#sessions];
    await writeSnapshot({
      storage: this.#storage,
      dir: this.#snapDir,
      zxid: view.zxid,
      fsync,
      compression: this.config.snapshotCompression,
    }, {
      sessions,
      acls: view.acls,
      nodes: view.nodes(),
      digest: this.#tree.digestEnabled
        ? { zxid: view.zxid, digestVersion: this.#tree.digestVersion, digest: view.digest }
        : undefined,
    });
    // FileSnap.serialize: lsnp's zxid and time (seconds) once the file is written.
    this.#lastSnapshot = { zxid: view.zxid, timestampS: Math.floor(Date.now() / 1000) };
  }

  /** The leader elected last (QuorumPeer.getLeaderId), for the admin `leader`. */
  #leaderId = -1n;

  /** The last snapshot written, for lsnp. */
  #lastSnapshot: { zxid: bigint; timestampS: number } | null = null;

  // ---- the main loop -------------------------------------------------------------

  async #run(): Promise<void> {
    while (!this.#stopping) {
      this.#state = "looking";
      let vote;
      try {
        vote = await this.#election.lookForLeader({
          zxid: this.#tree.lastProcessedZxid,
          epoch: this.#currentEpoch,
        });
      } catch (e) {
        if (this.#stopping) return;
        this.#logger.warn(`election failed: ${e instanceof Error ? e.message : e}`);
        continue;
      }
      if (this.#stopping) return;
      try {
        this.#leaderId = vote.id;
        if (vote.id === this.myId) await this.#lead();
        else await this.#follow(vote.id);
      } catch (e) {
        this.#logger.warn(`${this.#state} ended: ${e instanceof Error ? e.message : e}`);
      }
      // QuorumPeer.updateServerState: LOOKING at once, not FOLLOWING/LEADING a lost leader.
      this.#election.looking();
      this.#stopServing();
      // ZooKeeperServer.shutdown → fastForwardDataBase: the tree takes every
      // txn in the log, committed or not, before this peer votes with its
      // last zxid (a txn a quorum logged may have been acknowledged).
      await this.#fastForward().catch((e) =>
        this.#logger.warn(`fast-forward failed: ${e.message}`)
      );
      if (this.#stopping) return;
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  // ---- clients -------------------------------------------------------------------

  async #acceptClients(): Promise<void> {
    const listener = this.#clientListener;
    if (!listener) return;
    for (;;) {
      let conn: Deno.TcpConn;
      try {
        conn = await listener.accept();
      } catch {
        return;
      }
      const id = this.#nextId++;
      const s = new Stream(conn);
      this.#clients.set(id, s);
      this.#readClient(id, s);
    }
  }

  async #readClient(id: number, s: Stream): Promise<void> {
    const splitter = new FrameSplitter({ maxFrameBytes: this.config.juteMaxBuffer });
    const buf = new Uint8Array(64 * 1024);
    let first = true;
    // Counted at once (maxClientCnxns), as the standalone server and Apache's
    // factories count a connection when it is accepted.
    let core: ServerCore | undefined = this.#core;
    if (core) {
      const addr = s.conn.remoteAddr as Deno.NetAddr;
      this.#clientFx(core.connect(id, addr.hostname, addr.port));
    }
    // Until its first frame is in, a connection silent for
    // SESSIONLESS_CNXN_TIMEOUT_MS is closed; each read re-arms the timer.
    const expire = () => {
      this.#logger.warn(
        `Closing connection ${id}: no ConnectRequest in ${SESSIONLESS_CNXN_TIMEOUT_MS} ms`,
      );
      s.close();
    };
    let sessionless: ReturnType<typeof setTimeout> | undefined = setTimeout(
      expire,
      SESSIONLESS_CNXN_TIMEOUT_MS,
    );
    try {
      for (;;) {
        const n = await s.conn.read(buf);
        if (n === null || s.closed) break;
        if (sessionless !== undefined) {
          clearTimeout(sessionless);
          sessionless = setTimeout(expire, SESSIONLESS_CNXN_TIMEOUT_MS);
        }
        const chunk = buf.subarray(0, n);
        if (first) {
          first = false;
          if (n >= 4 && isFourLetterWord(chunk.subarray(0, 4))) {
            const word = new TextDecoder().decode(chunk.subarray(0, 4));
            // Without a quorum a member still answers: ruok imok, isro null, the
            // rest as Apache's commands do when zkServer is not running.
            const text = fourLetterWord(word, this.#fourLetterHost, chunk.subarray(4));
            s.write(new TextEncoder().encode(text));
            s.closeAfterWrite();
            this.#clients.delete(id);
            if (core && core === this.#core) this.#clientFx(core.disconnected(id));
            core = undefined;
            return;
          }
          // Not serving: the connection is dropped (ZooKeeperServer not running).
          if (!core) break;
        }
        if (core !== this.#core) break; // the role changed under this connection
        const frames = splitter.push(chunk);
        if (frames.length > 0 && sessionless !== undefined) {
          clearTimeout(sessionless);
          sessionless = undefined;
        }
        for (const f of frames) {
          if (this.#throttle.throttled) {
            await this.#throttle.admit(() => !s.closed && core === this.#core);
          }
          if (s.closed || !core || core !== this.#core) break;
          this.#clientFx(core.receive(id, f));
          const c = core.conn(id);
          if (c && c.sessionId !== 0n) this.#touch?.(c.sessionId, c.sessionTimeoutMs);
        }
      }
    } catch {
      /* closed */
    } finally {
      clearTimeout(sessionless);
    }
    if (this.#clients.get(id) === s) {
      s.close();
      this.#clients.delete(id);
      if (core && core === this.#core) this.#clientFx(core.disconnected(id));
    }
  }

  /** The follower's touch table (sessions active here, sent with PING replies). */
  #touch: ((id: bigint, timeoutMs: number) => void) | undefined;
  /** Where a follower's forwarded requests and revalidations go. */
  #forward: ((fx: Effects) => void) | undefined;
  /** Where a leader's prepared txns go (log + propose). */
  #persist: ((fx: Effects) => void) | undefined;

  #clientFx(fx: Effects): void {
    if (fx.persist.length > 0) this.#persist?.(fx);
    if ((fx.forward?.length ?? 0) > 0 || (fx.revalidate?.length ?? 0) > 0) this.#forward?.(fx);
    for (const s of fx.send) this.#clients.get(s.conn)?.write(s.bytes);
    for (const id of fx.close) this.#clients.get(id)?.closeAfterWrite();
    this.#throttle.check();
  }

  #serve(
    mode: "leader" | "follower",
    lastZxid: bigint,
    committedZxid?: () => bigint,
  ): ServerCore {
    const core = new ServerCore(this.#tree, {
      tickTimeMs: this.config.tickTime,
      minSessionTimeoutMs: this.config.minSessionTimeout,
      maxSessionTimeoutMs: this.config.maxSessionTimeout,
      maxClientCnxns: this.config.maxClientCnxns,
      skipACL: this.config.skipACL,
      superDigest: this.config.superDigest,
      enforceQuota: this.config.enforceQuota,
      reconfigEnabled: this.config.reconfigEnabled,
      logger: this.#logger,
      serverId: Number(this.myId),
      lastZxid,
      sessions: this.#sessions,
      role: mode,
      // The leader's syncs wait for what ZAB committed to be applied here.
      ...(committedZxid ? { committedZxid } : {}),
    }, this.#clock);
    this.#core = core;
    this.#mode = mode;
    this.#logger.info(`serving clients as ${mode} from zxid 0x${lastZxid.toString(16)}`);
    return core;
  }

  #stopServing(): void {
    const core = this.#core;
    if (core) {
      this.#sessions = new Map([...core.sessions.sessions()].map((s) => [s.id, s.timeoutMs]));
    }
    this.#core = undefined;
    this.#mode = undefined;
    this.#touch = undefined;
    this.#forward = undefined;
    this.#persist = undefined;
    this.#onPersisted = () => {};
    for (const c of this.#clients.values()) c.close();
    this.#throttle.releaseAll();
  }

  // ---- leading -------------------------------------------------------------------

  async #lead(): Promise<void> {
    this.#state = "leading";
    const me = this.config.servers.get(Number(this.myId))!;
    const listener = Deno.listen({
      hostname: me.host,
      port: me.quorumPort,
    });
    const learners = new Map<number, Stream>();
    const leader = new LeaderCore({
      myId: this.myId,
      quorum: this.quorum,
      acceptedEpoch: this.#acceptedEpoch,
      currentEpoch: this.#currentEpoch,
      lastZxid: this.#tree.lastProcessedZxid,
      committedLog: [...this.#recent],
      committedLogCount: this.config.commitLogCount,
      config: new TextEncoder().encode(quorumConfigText(this.config)),
      tickTimeMs: this.config.tickTime,
      initLimit: this.config.initLimit,
      syncLimit: this.config.syncLimit,
      nowMs: this.#clock.nowMs(),
    });
    const { promise: ended, resolve: end } = Promise.withResolvers<void>();
    this.#endRole = end;
    this.#leaderCore = leader;
    let containerTimer: ReturnType<typeof setInterval> | undefined;
    let sessionTimer: ReturnType<typeof setInterval> | undefined;

    // The core's effects run in the order it made them, those of a core call
    // made while running one (propose for a forwarded write, sync, revalidated)
    // after the rest of the batch. Run at once, a nested call's bytes overtook
    // the batch's: a learner's REQUEST sync read together with the ACK that
    // commits a write it forwarded before it was answered (nothing outstanding
    // any more) ahead of that write's COMMIT, still queued in the batch. An
    // Apache 3.8 follower's CommitProcessor then takes the SYNC for a remote
    // commit, keeps the sync at the head of its queue and answers none of its
    // clients again (issue 13); Apache's leader queues the SYNC behind the COMMIT.
    const batches: LeaderEffect[][] = [];
    let draining = false;
    const fx = (effects: LeaderEffect[]): void => {
      batches.push(effects);
      if (draining) return;
      draining = true;
      try {
        for (let i = 0; i < batches.length; i++) run(batches[i]);
      } finally {
        batches.length = 0;
        draining = false;
      }
    };
    const run = (effects: LeaderEffect[]): void => {
      for (const e of effects) {
        switch (e.type) {
          case "send":
            learners.get(e.conn)?.write(e.bytes);
            break;
          case "sendSnapshot": {
            const learner = learners.get(e.conn);
            if (learner) this.#streamSnapshot(learner, e.zxid);
            break;
          }
          case "close":
            learners.get(e.conn)?.closeAfterWrite();
            this.#logger.info(`learner connection closed: ${e.reason}`);
            break;
          case "acceptedEpoch":
          case "currentEpoch":
            this.#setEpoch(e.type, e.epoch);
            break;
          case "serving": {
            this.#tree.lastProcessedZxid = e.zxid;
            // Leader.startZkServer → updateElectionVote (ZOOKEEPER-1732).
            this.#election.updateElectionVote(epochOf(e.zxid));
            const core = this.#serve("leader", e.zxid, () => leader.lastCommitted);
            this.#persist = (cfx) => {
              for (const p of cfx.persist) {
                const { hdr, txn, digest } = p.prepared;
                const bytes = encode(TxnEntry, { header: hdr, txn, ...(digest ? { digest } : {}) });
                this.#appended(hdr.zxid, bytes);
                pendingData.set(hdr.zxid, bytes);
                fx(leader.propose(hdr.zxid, bytes));
              }
            };
            sessionTimer = setInterval(() => this.#clientFx(core.tick()), this.config.tickTime);
            containerTimer = setInterval(
              () => this.#clientFx(core.checkContainers(this.config.containerMaxPerMinute)),
              this.config.containerCheckIntervalMs,
            );
            break;
          }
          case "commit": {
            const data = pendingData.get(e.zxid);
            pendingData.delete(e.zxid);
            if (data) this.#remember(e.zxid, data);
            if (this.#core) this.#clientFx(this.#core.logged(e.zxid));
            break;
          }
          case "request": {
            const core = this.#core;
            if (!core) break;
            if (e.op === OpCode.sync) fx(leader.sync(e.conn));
            else {
              this.#clientFx(core.submitForwarded({
                sessionId: e.sessionId,
                cxid: e.cxid,
                op: e.op,
                payload: e.payload,
                authinfo: e.authinfo,
              }));
            }
            break;
          }
          case "revalidate": {
            const core = this.#core;
            const valid = core ? core.sessions.touch(e.sessionId, this.#clock.nowMs()) : false;
            fx(leader.revalidated(e.conn, e.sessionId, valid));
            break;
          }
          case "touch":
            this.#core?.touchSessions(e.sessions);
            break;
          case "stop":
            this.#logger.info(`leading ends: ${e.reason}`);
            end();
            break;
        }
      }
    };
    const pendingData = new Map<bigint, Uint8Array>();
    this.#onPersisted = (upTo) => fx(leader.logged(upTo));

    const accept = (async () => {
      for (;;) {
        let conn: Deno.TcpConn;
        try {
          conn = await listener.accept();
        } catch {
          return;
        }
        const id = this.#nextId++;
        const s = new Stream(conn);
        learners.set(id, s);
        leader.connected(id);
        (async () => {
          const buf = new Uint8Array(64 * 1024);
          try {
            for (;;) {
              const n = await conn.read(buf);
              if (n === null || s.closed) break;
              fx(leader.receive(id, buf.slice(0, n), this.#clock.nowMs()));
            }
          } catch {
            /* closed */
          } finally {
            s.close();
            learners.delete(id);
            fx(leader.disconnected(id));
          }
        })();
      }
    })();
    const ticker = setInterval(
      () => fx(leader.tick(this.#clock.nowMs())),
      this.config.tickTime / 2,
    );
    try {
      await ended;
    } finally {
      this.#endRole = undefined;
      this.#leaderCore = undefined;
      clearInterval(ticker);
      clearInterval(sessionTimer);
      clearInterval(containerTimer);
      try {
        listener.close();
      } catch { /* closed */ }
      for (const s of learners.values()) s.close();
      await accept;
      // A stopped leader's tree may hold what no quorum has: FLE votes with
      // the log, and a new leader syncs this peer (TRUNC or SNAP) if need be.
      await this.#log.flush().catch(() => {});
    }
  }

  /**
   * SNAP, then the tree as it is now (sessions, ACL cache, nodes, "/"), then
   * the signature. The tree is copied at once (`snapshotView`, a memcpy) and
   * streamed in 1 MiB pieces with an event-loop turn between them, so a big
   * tree does not stall the leader; the learner's other packets wait until
   * the snapshot is out.
   */
  #streamSnapshot(learner: Stream, zxid: bigint): void {
    const view = this.#tree.snapshotView();
    const sessions = this.#core
      ? [...this.#core.sessions.sessions()].map((s) => [s.id, s.timeoutMs] as const)
      : [...this.#sessions];
    learner.hold();
    learner.writeNow(encodePacket({ type: PacketType.SNAP, zxid, data: null, authinfo: null }));
    const w = new JuteWriter(1 << 20);
    w.writeInt(sessions.length);
    for (const [id, timeout] of sessions) {
      w.writeLong(id);
      w.writeInt(timeout);
    }
    ACLCache.write(w, view.acls);
    (async () => {
      try {
        for (const n of view.nodes()) {
          SnapshotNode.write(w, n);
          if (w.length >= 1 << 20) {
            learner.writeNow(w.toBytes());
            w.reset();
            await new Promise((r) => setTimeout(r, 0));
            if (learner.closed) return;
          }
        }
        w.writeString("/");
        w.writeString(SNAP_SIGNATURE);
        learner.writeNow(w.toBytes());
      } finally {
        learner.release();
      }
    })();
  }

  // ---- following -----------------------------------------------------------------

  async #follow(leaderId: bigint): Promise<void> {
    this.#state = "following";
    const server = this.config.servers.get(Number(leaderId));
    if (!server) throw new Error(`no server.${leaderId} in the config`);
    let conn: Deno.TcpConn | undefined;
    // Learner.connectToLeader: 5 tries, 100 ms apart (the leader may still be binding).
    for (let attempt = 0; attempt < 5 && !conn && !this.#stopping; attempt++) {
      try {
        conn = await Deno.connect({ hostname: server.host, port: server.quorumPort });
      } catch {
        await new Promise((r) => setTimeout(r, 100 * (attempt + 1)));
      }
    }
    if (!conn) throw new Error(`cannot connect to leader ${leaderId}`);
    const stream = new Stream(conn);
    const f = new FollowerCore({
      myId: this.myId,
      observer: this.config.servers.get(Number(this.myId))?.role === "observer",
      acceptedEpoch: this.#acceptedEpoch,
      currentEpoch: this.#currentEpoch,
      lastZxid: this.#tree.lastProcessedZxid,
      tickTimeMs: this.config.tickTime,
      initLimit: this.config.initLimit,
      syncLimit: this.config.syncLimit,
      nowMs: this.#clock.nowMs(),
    });
    const { promise: ended, resolve: end } = Promise.withResolvers<void>();
    let reload = false;
    let failed = false;
    this.#endRole = end;
    // Effects run in order; some (truncate, snapshots) wait for the disk.
    // After a failure none runs: the tree is reloaded from the disk, which
    // the failed step may have left ahead of it or behind it.
    let chain = Promise.resolve();
    const fx = (effects: FollowerEffect[]): void => {
      chain = chain.then(() =>
        failed ? undefined : this.#followerFx(f, stream, effects, end, (r) => reload ||= r)
      ).catch((e) => {
        this.#logger.warn(`following failed: ${e instanceof Error ? e.message : e}`);
        failed = true;
        reload = true;
        end();
      });
    };
    this.#onPersisted = (upTo) => fx(f.logged(upTo));
    fx(f.start());
    const reader = (async () => {
      const buf = new Uint8Array(64 * 1024);
      try {
        for (;;) {
          const n = await conn.read(buf);
          if (n === null || stream.closed) break;
          fx(f.receive(buf.slice(0, n), this.#clock.nowMs()));
        }
      } catch { /* closed */ }
      fx(f.disconnected());
    })();
    const ticker = setInterval(() => fx(f.tick(this.#clock.nowMs())), this.config.tickTime / 2);
    try {
      await ended;
    } finally {
      this.#endRole = undefined;
      clearInterval(ticker);
      stream.close();
      await reader;
      await chain.catch(() => {});
      await this.#log.flush().catch(() => {});
      if (reload && !this.#stopping) await this.#reloadDatabase();
    }
  }

  async #followerFx(
    f: FollowerCore,
    stream: Stream,
    effects: FollowerEffect[],
    end: () => void,
    setReload: (r: boolean) => void,
  ): Promise<void> {
    for (const e of effects) {
      switch (e.type) {
        case "send":
          stream.write(e.bytes);
          break;
        case "acceptedEpoch":
        case "currentEpoch":
          this.#setEpoch(e.type, e.epoch);
          break;
        case "truncate":
          await this.#truncate(e.zxid);
          break;
        case "snapshot":
          await this.#loadSnap(e.zxid, e.body);
          break;
        case "applyUnlogged":
        case "commit": {
          const entry = decode(TxnEntry, e.data);
          if (this.#core) this.#clientFx(this.#core.applyCommitted(entry));
          else {
            this.#tree.processTxn(entry.header, entry.txn);
            this.#tree.lastProcessedZxid = entry.header.zxid;
            trackSession(this.#sessions, entry);
          }
          if (e.type === "commit") this.#remember(e.zxid, e.data);
          break;
        }
        case "takeSnapshot":
          // Learner.syncWithLeader: after SNAP the snapshot is fsynced even with forceSync=no.
          await this.#takeSnapshot(e.sync || this.config.forceSync);
          break;
        case "log":
          this.#appended(e.zxid, e.data);
          break;
        case "serving": {
          // Learner.syncWithLeader ends with updateElectionVote (ZOOKEEPER-1732).
          this.#election.updateElectionVote(this.#currentEpoch);
          const core = this.#serve("follower", this.#tree.lastProcessedZxid);
          this.#touch = (id, timeout) => f.touch(id, timeout);
          this.#forward = (cfx) => {
            const out: FollowerEffect[] = [];
            for (const r of cfx.forward ?? []) {
              out.push(...f.request(r.sessionId, r.cxid, r.op, r.payload, r.authinfo));
            }
            for (const r of cfx.revalidate ?? []) {
              out.push(...f.revalidate(r.sessionId, r.timeoutMs));
            }
            for (const o of out) if (o.type === "send") stream.write(o.bytes);
          };
          void core;
          break;
        }
        case "synced":
          if (this.#core) this.#clientFx(this.#core.synced());
          break;
        case "revalidated":
          if (this.#core) this.#clientFx(this.#core.revalidated(e.sessionId, e.valid));
          break;
        case "stop":
          this.#logger.info(`following ends: ${e.reason}`);
          setReload(e.reloadTree);
          end();
          return;
      }
    }
  }

  /**
   * TRUNC (ZKDatabase.truncateLog): the log cut back to `zxid`, then the
   * tree reloaded from the newest snapshot and the log. Snapshots past
   * `zxid` hold txns the leader's history lacks, so they go first (Apache
   * keeps them and could load one); a crash in between leaves an older
   * snapshot and this peer's whole log, a state it had. Without a snapshot
   * at or below `zxid` the tree cannot be rebuilt: the sync fails before
   * anything on disk changes, and this peer looks for a leader again with
   * its data as they were.
   *
   * @throws {Error} no snapshot at or below `zxid`, the log failed, or it does not reach `zxid`
   */
  async #truncate(zxid: bigint): Promise<void> {
    const hex = `0x${zxid.toString(16)}`;
    await this.#log.flush();
    const snapshots = await listSnapshots(this.#storage, this.#snapDir);
    const newer = snapshots.filter((s) => s.zxid > zxid);
    if (newer.length === snapshots.length) {
      throw new Error(
        `Not able to truncate the log to ${hex}: no snapshot at or below it in ${this.#snapDir} ` +
          `(${snapshots.map((s) => s.name).join(", ") || "none"}); the data stay as they are`,
      );
    }
    this.#logger.warn(`Truncating log to get in sync with the leader ${hex}`);
    try {
      for (const s of newer) await this.#storage.remove(joinPath(this.#snapDir, s.name));
      if (newer.length > 0) await this.#storage.syncDir(this.#snapDir);
      await this.#log.truncate(zxid);
    } finally {
      // The disk changed: the tree is what it holds now, whatever happened.
      await this.#reloadDatabase();
    }
    const last = this.#tree.lastProcessedZxid;
    if (last !== zxid) {
      throw new Error(`TRUNC to ${hex}: the snapshot and the log reach 0x${last.toString(16)}`);
    }
  }

  /**
   * The tree again from the dataDir (after TRUNC, or a sync that failed or
   * ended between SNAP/TRUNC and NEWLEADER's snapshot). If that fails there
   * is no log to write to: this member stops (Apache exits).
   */
  async #reloadDatabase(): Promise<void> {
    await this.#log.close().catch(() => {});
    try {
      await this.#loadDatabase();
    } catch (e) {
      this.#logger.error(
        `FATAL: cannot reload the database from ${this.#snapDir}: ${
          e instanceof Error ? e.message : e
        }; this member stops`,
      );
      this.#fatal ??= `cannot reload the database: ${e instanceof Error ? e.message : e}`;
      void this.stop();
      throw e;
    }
  }

  /** SNAP: the tree and sessions become the leader's; log txns after `zxid` go. */
  async #loadSnap(
    zxid: bigint,
    body: { bytes: Uint8Array; treeStart: number; sessions: Map<bigint, number> },
  ): Promise<void> {
    const tree = new DataTree<Conn>({
      extendedTypesEnabled: this.config.extendedTypesEnabled,
      apacheVersion: "3.8",
    });
    const r = new JuteReader(body.bytes, body.treeStart);
    const acls = ACLCache.read(r);
    const totals = scanSnapshotNodes(body.bytes, r.offset, body.bytes.length);
    const loader = tree.beginLoad(acls, totals);
    scanSnapshotNodes(body.bytes, r.offset, body.bytes.length, (v) => loader.add(v));
    loader.finish();
    tree.lastProcessedZxid = zxid;
    // Logged txns past the snapshot are not the leader's: they go before the
    // tree is swapped. A failure fails the sync (the tree is then reloaded
    // from the disk); left in place they would be replayed after the
    // snapshot NEWLEADER takes.
    if (this.#log.lastZxid > zxid) {
      await this.#log.flush();
      await this.#log.truncate(zxid);
    }
    this.#tree = tree;
    this.#sessions = new Map(body.sessions);
    this.#recent = [];
    this.#initConfigNode();
  }
}
