/**
 * Four-letter words on the client port, with Apache ZooKeeper 3.8's output
 * layout (FourLetterCommands, the *Command classes of
 * org.apache.zookeeper.server.command), so `echo mntr | nc`, zkServer.sh
 * status, zktop and monitoring scripts read them.
 *
 * @module
 */
import { FOUR_LETTER_WORDS, quorumConfigText } from "./config.ts";
import type { ZkConfig } from "./config.ts";
import type { Conn, ServerCore } from "./core.ts";

/**
 * What the four-letter words read of a server: a standalone `ZkServer`, or
 * a member of an ensemble while it serves (`mode` leader, follower or
 * observer).
 */
export interface FourLetterHost {
  /** The parsed zoo.cfg the server runs with. */
  readonly config: ZkConfig;
  /** The request pipeline; read only while `serving`. */
  readonly core: ServerCore;
  /**
   * Whether clients are served now (default true). An ensemble member
   * without a quorum is not (Apache's zkServer is null or not running).
   */
  readonly serving?: boolean;
  /** The last snapshot written (`lsnp`), its zxid and time in seconds; null before the first. */
  readonly lastSnapshot?: { zxid: bigint; timestampS: number } | null;
  /** Default "standalone". */
  readonly mode?: "standalone" | "leader" | "follower" | "observer";
  /** An ensemble member's quorum facts, for `conf` and the leader's `mntr` keys. */
  readonly quorum?: {
    serverId: number;
    /** The leader this member leads or follows. */
    leaderId?: number;
    /** Learners connected to the leader, and those past NEWLEADER (leader only). */
    learners?: number;
    syncedFollowers?: number;
    syncedObservers?: number;
    /** Txns proposed since start or srst (leader only). */
    proposals?: number;
    /** Zxids learners' syncs wait on (leader only). */
    pendingSyncs?: number;
  };
  /** `srst` beyond the core's stats: the leader's proposal count (ServerMetrics.resetAll). */
  resetStats?(): void;
}

/** The version string zkts reports: the protocol level it speaks, then its own name. */
export const ZK_VERSION = "3.8.0-zkts-0.1.0, built on 2026-11-23 00:00 UTC";

const WORDS = new Set(FOUR_LETTER_WORDS);

/** AbstractFourLetterCommand.ZK_NOT_SERVING. */
export const ZK_NOT_SERVING = "This ZooKeeper instance is not currently serving requests";

/**
 * ZooTrace's default text trace mask: CLIENT_REQUEST (2), SERVER_PACKET (16),
 * SESSION (32) and WARNING (256).
 */
export const TRACE_MASK_DEFAULT = 306n;

// ZooTrace.textTraceMask is a static of the JVM: one per process, kept
// across the roles an ensemble member goes through.
let textTraceMask = TRACE_MASK_DEFAULT;

/** The text trace mask (`gtmk`, admin `get_trace_mask`), a Java long. */
export function traceMask(): bigint {
  return textTraceMask;
}

/**
 * Sets the text trace mask (`stmk`, admin `set_trace_mask`), as ZooTrace.setTextTraceLevel.
 *
 * @param mask the new mask, kept as a Java long.
 *
 * @example
 * ```ts
 * import { setTraceMask, TRACE_MASK_DEFAULT, traceMask } from "@zkts/server";
 * import assert from "node:assert/strict";
 * setTraceMask(511n);
 * assert.equal(traceMask(), 511n);
 * setTraceMask(TRACE_MASK_DEFAULT);
 * ```
 */
export function setTraceMask(mask: bigint): void {
  textTraceMask = BigInt.asIntN(64, mask);
}

/** Whether the first 4 bytes of a connection are a four-letter word rather than a frame length. */
export function isFourLetterWord(first4: Uint8Array): boolean {
  return WORDS.has(String.fromCharCode(...first4));
}

const hex = (n: bigint) => "0x" + BigInt.asUintN(64, n).toString(16);

/** Java's `Double.toString` for the values the stats print (no exponent forms needed). */
export function javaDouble(x: number): string {
  const s = String(x);
  return /[.eE]/.test(s) || !Number.isFinite(x) ? s : `${s}.0`;
}

/** AvgMinMaxCounter.getAvg: total / count, rounded half-up to 4 decimals. */
export function avgLatency(total: number, count: number): string {
  if (count === 0) return "0.0";
  return javaDouble(Math.round((total / count) * 10000) / 10000);
}

function latencyLine(min: number, total: number, count: number, max: number): string {
  return `Latency min/avg/max: ${count === 0 ? 0 : min}/${avgLatency(total, count)}/${max}`;
}

const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** `java.util.Date.toString()` in UTC: `Mon Nov 23 12:25:08 UTC 2026`. */
export function javaDate(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, "0");
  return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${p(d.getUTCDate())} ${
    p(d.getUTCHours())
  }:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} UTC ${d.getUTCFullYear()}`;
}

function connLine(c: Conn, full: boolean): string {
  const queued = c.queue.length;
  let s = ` /${c.host}:${c.port}[${
    c.established ? 1 : 0
  }](queued=${queued},recved=${c.packetsReceived},sent=${c.packetsSent}`;
  if (full && c.sessionId !== 0n) {
    const avg = c.requests === 0 ? 0 : Math.floor(c.totalLatencyMs / c.requests);
    s += `,sid=${
      hex(c.sessionId)
    },lop=${c.lastOp},est=${c.establishedAtMs},to=${c.sessionTimeoutMs}`;
    if (c.lastCxid >= 0) s += `,lcxid=0x${c.lastCxid.toString(16)}`;
    s += `,lzxid=${hex(c.lastZxid)},lresp=${c.lastResponseMs},llat=${c.lastLatencyMs},minlat=${
      c.requests === 0 ? 0 : c.minLatencyMs
    },avglat=${avg},maxlat=${c.maxLatencyMs}`;
  }
  return s + ")";
}

function statLines(server: FourLetterHost): string[] {
  const core = server.core;
  const s = core.stats;
  return [
    latencyLine(s.minLatencyMs, s.totalLatencyMs, s.requests, s.maxLatencyMs),
    `Received: ${s.packetsReceived}`,
    `Sent: ${s.packetsSent}`,
    `Connections: ${[...core.connections()].length}`,
    `Outstanding: ${core.outstanding}`,
    `Zxid: ${hex(core.lastProcessedZxid)}`,
    `Mode: ${server.mode ?? "standalone"}`,
    // Apache counts the root twice (DataTree.getNodeCount includes "" and "/").
    `Node count: ${core.tree.apacheNodeCount}`,
  ];
}

/**
 * The text a four-letter word answers; a word not in
 * `4lw.commands.whitelist` answers as Apache does ("... is not executed
 * because it is not in the whitelist."). A server that does not serve
 * answers as Apache's commands do when zkServer is not running: `ruok`,
 * `envi`, `gtmk` and `stmk` as ever, `isro` "null", the others
 * ZK_NOT_SERVING.
 *
 * @param word the four bytes the connection began with.
 * @param server what the words read.
 * @param rest the bytes that came after the word in the same read: `stmk`
 *   takes its mask from their first 8 (NIOServerCnxn reads them at once;
 *   fewer, and the connection closes with no answer).
 */
export function fourLetterWord(
  word: string,
  server: FourLetterHost,
  rest: Uint8Array = new Uint8Array(0),
): string {
  if (!server.config.fourLetterWords.has(word)) {
    return `${word} is not executed because it is not in the whitelist.\n`;
  }
  switch (word) {
    case "ruok":
      return "imok";
    case "envi":
      return enviText();
    case "gtmk":
      return String(textTraceMask);
    case "stmk": {
      if (rest.length < 8) return "";
      const mask = new DataView(rest.buffer, rest.byteOffset, 8).getBigInt64(0);
      setTraceMask(mask);
      return String(mask);
    }
  }
  if (server.serving === false) {
    if (word === "isro") return "null";
    // DigestCommand prints, the others println.
    return word === "hash" ? ZK_NOT_SERVING : `${ZK_NOT_SERVING}\n`;
  }
  return answerServing(word, server);
}

/** EnvCommand's text: Environment.list, with Deno's facts where Java has the JVM's. */
function enviText(): string {
  return [
    "Environment:",
    `zookeeper.version=${ZK_VERSION}`,
    `host.name=${safe(() => Deno.hostname(), "localhost")}`,
    `deno.version=${Deno.version.deno}`,
    `v8.version=${Deno.version.v8}`,
    `typescript.version=${Deno.version.typescript}`,
    `os.name=${Deno.build.os}`,
    `os.arch=${Deno.build.arch}`,
    `os.version=${safe(() => Deno.osRelease(), "")}`,
    `user.name=${safe(() => Deno.env.get("USER") ?? "", "")}`,
    `user.home=${safe(() => Deno.env.get("HOME") ?? "", "")}`,
    `user.dir=${safe(() => Deno.cwd(), "")}`,
    `os.memory.free=${Math.floor(safe(() => Deno.systemMemoryInfo().free, 0) / 1048576)}MB`,
    `os.memory.max=${Math.floor(safe(() => Deno.systemMemoryInfo().total, 0) / 1048576)}MB`,
    `os.memory.total=${Math.floor(safe(() => Deno.systemMemoryInfo().total, 0) / 1048576)}MB`,
    "",
  ].join("\n");
}

/** The words that read the request pipeline. */
function answerServing(word: string, server: FourLetterHost): string {
  const core = server.core;
  const cfg = server.config;
  switch (word) {
    case "isro":
      return "rw";
    case "srvr":
      return [`Zookeeper version: ${ZK_VERSION}`, ...statLines(server), ""].join("\n");
    case "stat": {
      const conns = [...core.connections()].map((c) => connLine(c, false));
      return [
        `Zookeeper version: ${ZK_VERSION}`,
        "Clients:",
        ...conns,
        "",
        ...statLines(server),
        "",
      ].join("\n");
    }
    case "cons":
      return [...[...core.connections()].map((c) => connLine(c, true)), "", ""].join("\n");
    case "conf":
      return [
        `clientPort=${cfg.clientPort ?? 2181}`,
        `secureClientPort=-1`,
        `dataDir=${cfg.dataDir}/version-2`,
        `dataDirSize=${dataDirSize(cfg)}`,
        `dataLogDir=${cfg.dataLogDir}/version-2`,
        `dataLogSize=${logDirSize(cfg)}`,
        `tickTime=${cfg.tickTime}`,
        `maxClientCnxns=${cfg.maxClientCnxns}`,
        `minSessionTimeout=${cfg.minSessionTimeout}`,
        `maxSessionTimeout=${cfg.maxSessionTimeout}`,
        `clientPortListenBacklog=-1`,
        `serverId=${server.quorum?.serverId ?? 0}`,
        // A member's ends with QuorumVerifier.toString, printed without a newline.
        ...(server.quorum ? quorumConf(cfg, server.quorum.serverId) : [""]),
      ].join("\n");
    case "mntr":
      return monitorLines(server).map(([k, v]) => `${k}\t${v}`).join("\n") + "\n";
    case "dirs":
      return `datadir_size: ${dataDirSize(cfg)}\nlogdir_size: ${logDirSize(cfg)}\n`;
    case "srst":
      core.stats.packetsReceived = 0;
      core.stats.packetsSent = 0;
      core.stats.requests = 0;
      core.stats.totalLatencyMs = 0;
      core.stats.minLatencyMs = Number.MAX_SAFE_INTEGER;
      core.stats.maxLatencyMs = 0;
      // ServerStats.reset clears the BufferStats too.
      core.stats.lastResponseBytes = 0;
      core.stats.minResponseBytes = Number.MAX_SAFE_INTEGER;
      core.stats.maxResponseBytes = 0;
      core.stats.watchBytes = 0;
      server.resetStats?.();
      return "Server stats reset.\n";
    case "crst":
      for (const c of core.connections()) {
        c.packetsReceived = 0;
        c.packetsSent = 0;
        c.requests = 0;
        c.totalLatencyMs = 0;
        c.minLatencyMs = Number.MAX_SAFE_INTEGER;
        c.maxLatencyMs = 0;
        c.lastLatencyMs = 0;
        c.lastOp = "NA";
        c.lastCxid = -1;
        c.lastZxid = -1n;
      }
      return "Connection stats reset.\n";
    case "wchs": {
      const w = watchTable(server);
      let total = 0;
      for (const paths of w.byConn.values()) total += paths.size;
      return `${w.byConn.size} connections watching ${w.byPath.size} paths\nTotal watches:${total}\n`;
    }
    case "wchc": {
      const w = watchTable(server);
      const out: string[] = [];
      for (const [sid, paths] of w.byConn) {
        out.push(hex(sid));
        for (const p of paths) out.push(`\t${p}`);
      }
      return out.join("\n") + "\n\n";
    }
    case "wchp": {
      const w = watchTable(server);
      const out: string[] = [];
      for (const [p, sids] of w.byPath) {
        out.push(p);
        for (const sid of sids) out.push(`\t${hex(sid)}`);
      }
      return out.join("\n") + "\n\n";
    }
    case "dump": {
      const out = ["SessionTracker dump:"];
      const sessions = [...core.sessions.sessions()];
      out.push(`Session Sets (${sessions.length})/(${sessions.length}):`);
      for (const s of sessions) {
        out.push(
          `1 expire at ${
            new Date(Date.now() + (s.expiresAtMs - performance.now())).toUTCString()
          }:`,
        );
        out.push(`\t${hex(s.id)}`);
      }
      out.push("ephemeral nodes dump:");
      const owners = core.tree.sessionsWithEphemerals();
      out.push(`Sessions with Ephemerals (${owners.length}):`);
      for (const sid of owners) {
        out.push(`${hex(sid)}:`);
        for (const p of core.tree.getEphemerals(sid)) out.push(`\t${p}`);
      }
      out.push("Connections dump:");
      const conns = [...core.connections()];
      out.push(`Connections Sets (${conns.length})/(${conns.length}):`);
      for (const c of conns) {
        const s = core.sessions.get(c.sessionId);
        const at = s ? s.expiresAtMs : performance.now() + c.sessionTimeoutMs;
        out.push(`1 expire at ${javaDate(Date.now() + (at - performance.now()))}:`);
        out.push(`\tip: /${c.host}:${c.port} sessionId: ${hex(c.sessionId)}`);
      }
      return out.join("\n") + "\n";
    }
    case "hash":
      // DigestCommand: the digest log, a line a zxid (hex) with the tree's digest then.
      return core.tree.digestLog.map((d) => `${d.zxid.toString(16)}: ${d.digest}\n`).join("");
  }
  return "";
}

function safe<T>(f: () => T, fallback: T): T {
  try {
    return f();
  } catch {
    return fallback;
  }
}

/** ZooKeeperServer.getDirSize: the bytes of the files under `path`, all the way down. */
function dirSize(path: string): number {
  let n = 0;
  try {
    for (const e of Deno.readDirSync(path)) {
      if (e.isDirectory) n += dirSize(`${path}/${e.name}`);
      else if (e.isFile) n += Deno.statSync(`${path}/${e.name}`).size;
    }
  } catch { /* missing */ }
  return n;
}

/**
 * ZooKeeperServer.getDataDirSize, which `dirs`, `conf` and the admin
 * `server_stats` print as the data dir's: Apache measures
 * FileTxnSnapLog.getDataDir, which is the txn log's dir (dataLogDir).
 */
export function dataDirSize(cfg: ZkConfig): number {
  return dirSize(`${cfg.dataLogDir}/version-2`);
}

/** ZooKeeperServer.getLogDirSize: the snapshot dir's (dataDir), the other way round as above. */
export function logDirSize(cfg: ZkConfig): number {
  return dirSize(`${cfg.dataDir}/version-2`);
}

interface WatchTable {
  byConn: Map<bigint, Set<string>>;
  byPath: Map<string, Set<bigint>>;
}

function watchTable(server: FourLetterHost): WatchTable {
  const byConn = new Map<bigint, Set<string>>();
  const byPath = new Map<string, Set<bigint>>();
  const mgr = server.core.tree.watchManagers.data;
  for (const [path, watchers] of mgr.byPath()) {
    for (const c of watchers) {
      let ps = byConn.get(c.sessionId);
      if (!ps) byConn.set(c.sessionId, ps = new Set());
      ps.add(path);
      let ss = byPath.get(path);
      if (!ss) byPath.set(path, ss = new Set());
      ss.add(c.sessionId);
    }
  }
  return { byConn, byPath };
}

/**
 * ServerStats.clientResponseStats (BufferStats): the last, smallest and
 * largest reply in bytes, each -1 until the first reply (and after srst).
 */
export function clientResponseStats(
  core: ServerCore,
): { last: number; min: number; max: number } {
  const s = core.stats;
  if (s.minResponseBytes === Number.MAX_SAFE_INTEGER) return { last: -1, min: -1, max: -1 };
  return { last: s.lastResponseBytes, min: s.minResponseBytes, max: s.maxResponseBytes };
}

/** The `mntr` key/value pairs (and the admin API's `monitor`), in Apache 3.8's order. */
export function monitorLines(server: FourLetterHost): [string, string | number][] {
  const core = server.core;
  const s = core.stats;
  const mem = Deno.memoryUsage();
  const responses = clientResponseStats(core);
  const conns = [...core.connections()].length;
  let openFds = 0;
  try {
    for (const _ of Deno.readDirSync("/proc/self/fd")) openFds++;
  } catch { /* not Linux */ }
  return [
    ["zk_version", ZK_VERSION],
    ["zk_server_state", server.mode ?? "standalone"],
    ["zk_ephemerals_count", core.tree.ephemeralsCount],
    ["zk_num_alive_connections", conns],
    ["zk_avg_latency", avgLatency(s.totalLatencyMs, s.requests)],
    ["zk_outstanding_requests", core.outstanding],
    ["zk_znode_count", core.tree.apacheNodeCount],
    ["zk_global_sessions", core.sessions.size],
    ["zk_non_mtls_remote_conn_count", 0],
    ["zk_last_client_response_size", responses.last],
    ["zk_packets_sent", s.packetsSent],
    ["zk_packets_received", s.packetsReceived],
    ["zk_max_client_response_size", responses.max],
    ["zk_connection_drop_probability", "0.0"],
    ["zk_watch_count", core.tree.watchCount],
    // ServerStats counts failed x509 handshakes only: zkts has no TLS port.
    ["zk_auth_failed_count", 0],
    ["zk_min_latency", s.requests === 0 ? 0 : s.minLatencyMs],
    ["zk_max_file_descriptor_count", maxFds()],
    ["zk_approximate_data_size", core.tree.approximateDataSize],
    ["zk_open_file_descriptor_count", openFds],
    // localSessionsEnabled is accepted and ignored: every session is global.
    ["zk_local_sessions", 0],
    ["zk_uptime", Math.floor(performance.now() - s.startedAtMs)],
    ["zk_max_latency", s.maxLatencyMs],
    ["zk_outstanding_tls_handshake", 0],
    ["zk_min_client_response_size", responses.min],
    ["zk_non_mtls_local_conn_count", 0],
    // Proposals are the leader's; a follower's and a standalone server's stay 0.
    ["zk_proposal_count", server.mode === "leader" ? server.quorum?.proposals ?? 0 : 0],
    ["zk_watch_bytes", s.watchBytes],
    // RequestThrottler's (request_throttler.maxRequests, off by default): zkts has none.
    ["zk_throttled_ops", 0],
    ["zk_heap_used_bytes", mem.heapUsed],
    ["zk_rss_bytes", mem.rss],
    // The leader's own keys (Leader / LeaderZooKeeperServer metrics).
    ...(server.mode === "leader" && server.quorum
      ? [
        ["zk_learners", server.quorum.learners ?? 0],
        ["zk_synced_followers", server.quorum.syncedFollowers ?? 0],
        // Non-voting followers exist only mid-reconfig, which zkts does not do.
        ["zk_synced_non_voting_followers", 0],
        ["zk_synced_observers", server.quorum.syncedObservers ?? 0],
        ["zk_pending_syncs", server.quorum.pendingSyncs ?? 0],
      ] as [string, number][]
      : []),
  ];
}

/** ConfCommand's quorum lines (QuorumPeer.getQuorumVerifier, peer type, ports). */
function quorumConf(cfg: ZkConfig, serverId: number): string[] {
  const me = cfg.servers.get(serverId);
  const lines = [
    `initLimit=${cfg.initLimit}`,
    `syncLimit=${cfg.syncLimit}`,
    `electionAlg=3`,
    `electionPort=${me?.electionPort ?? -1}`,
    `quorumPort=${me?.quorumPort ?? -1}`,
    `peerType=${me?.role === "observer" ? 1 : 0}`,
    `membership: `,
    ...quorumConfigText(cfg).split("\n"),
  ];
  return lines;
}

function maxFds(): number {
  try {
    const limits = Deno.readTextFileSync("/proc/self/limits");
    const m = limits.match(/^Max open files\s+(\d+)/m);
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}
