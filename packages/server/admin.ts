/**
 * The admin HTTP API (Apache's AdminServer: `/commands` and
 * `/commands/<name>` answering JSON) and Prometheus text metrics
 * (`/metrics`, as the PrometheusMetricsProvider serves on
 * `metricsProvider.httpPort`), built with hono.
 *
 * @module
 */
import { Hono } from "hono";
import type { Histogram } from "./core.ts";
import {
  clientResponseStats,
  dataDirSize,
  type FourLetterHost,
  fourLetterWord,
  logDirSize,
  monitorLines,
  setTraceMask,
  traceMask,
  ZK_NOT_SERVING,
  ZK_VERSION,
} from "./four_letter.ts";

/** What the admin API and `/metrics` read of a server (a standalone `ZkServer` or an ensemble member). */
export interface AdminHost extends FourLetterHost {
  /** Append-to-durable time of the txn log. */
  readonly logSyncHistogram: Histogram;
  /** Txn log fsyncs slower than `fsync.warningthresholdms` (ServerStats). */
  readonly fsyncThresholdExceedCount: number;
}

type Json = Record<string, unknown>;

/**
 * One command of the admin API (Apache's `CommandBase`).
 *
 * @internal
 */
interface AdminCommand {
  /** The command's names, primary first (`/commands/<name>` answers to each). */
  names: string[];
  /** CommandBase.serverRequired (default true): answered only while the server serves. */
  serverRequired?: boolean;
  /** The response's data; the query string is the command's kwargs. */
  run(server: AdminHost, kwargs: URLSearchParams): Json;
}

const hex = (n: bigint) => "0x" + BigInt.asUintN(64, n).toString(16);

/** A Java long as Jackson writes it: every digit, where a JS number would round. */
const javaLong = (n: bigint) =>
  (JSON as unknown as { rawJSON(text: string): unknown }).rawJSON(String(BigInt.asIntN(64, n)));

/**
 * What Jetty answers when a command reads a server that is not there: 500
 * and an error page (Apache's MonitorCommand is not serverRequired, yet
 * reads zkServer).
 */
class ServerMissing extends Error {}

function connectionsInfo(server: AdminHost): Json[] {
  return [...server.core.connections()].map((c) => ({
    remote_socket_address: `${c.host}:${c.port}`,
    interest_ops: 1,
    outstanding_requests: c.queue.length,
    packets_received: c.packetsReceived,
    packets_sent: c.packetsSent,
    session_id: hex(c.sessionId),
    last_operation: c.lastOp,
    session_timeout: c.sessionTimeoutMs,
    last_cxid: "0x" + Math.max(c.lastCxid, 0).toString(16),
    last_zxid: hex(c.lastZxid),
    // ServerCnxn.lastResponseTime: the elapsed clock's ms at the last reply, as cons's lresp.
    last_response_time: c.lastResponseMs,
    last_latency: Math.floor(c.lastLatencyMs),
    min_latency: c.requests === 0 ? 0 : Math.floor(c.minLatencyMs),
    avg_latency: c.requests === 0 ? 0 : Math.floor(c.totalLatencyMs / c.requests),
    max_latency: Math.floor(c.maxLatencyMs),
  }));
}

/** BufferStats as Jackson writes it. */
function bufferStats(server: AdminHost): Json {
  const r = clientResponseStats(server.core);
  return { last_buffer_size: r.last, min_buffer_size: r.min, max_buffer_size: r.max };
}

function serverStats(server: AdminHost): Json {
  const s = server.core.stats;
  return {
    packets_sent: s.packetsSent,
    packets_received: s.packetsReceived,
    fsync_threshold_exceed_count: server.fsyncThresholdExceedCount,
    client_response_stats: bufferStats(server),
    provider_null: false,
    uptime: Math.floor(performance.now() - s.startedAtMs),
    server_state: server.mode ?? "standalone",
    outstanding_requests: server.core.outstanding,
    min_latency: s.requests === 0 ? 0 : s.minLatencyMs,
    avg_latency: s.requests === 0 ? 0 : s.totalLatencyMs / s.requests,
    max_latency: s.maxLatencyMs,
    data_dir_size: dataDirSize(server.config),
    log_dir_size: logDirSize(server.config),
    last_processed_zxid: Number(server.core.lastProcessedZxid),
    num_alive_client_connections: [...server.core.connections()].length,
    // zkts has no TLS client port: no x509 auth to fail, every connection non-mTLS.
    auth_failed_count: 0,
    non_mtlsremote_conn_count: 0,
    non_mtlslocal_conn_count: 0,
  };
}

function watchesByConn(server: AdminHost): { byConn: Json; byPath: Json; paths: number } {
  const byConn: Record<string, string[]> = {};
  const byPath: Record<string, string[]> = {};
  for (const [path, watchers] of server.core.tree.watchManagers.data.byPath()) {
    for (const c of watchers) {
      const sid = hex(c.sessionId);
      (byConn[sid] ??= []).push(path);
      (byPath[path] ??= []).push(sid);
    }
  }
  return { byConn, byPath, paths: Object.keys(byPath).length };
}

/** The commands of Apache's Commands class that a standalone zkts answers. */
export const ADMIN_COMMANDS: readonly AdminCommand[] = [
  { names: ["ruok"], run: () => ({}) },
  {
    names: ["monitor", "mntr"],
    serverRequired: false,
    run: (s) => {
      if (s.serving === false) throw new ServerMissing("zkServer is null");
      return Object.fromEntries(monitorLines(s).map(([k, v]) => [k.replace(/^zk_/, ""), v]));
    },
  },
  {
    names: ["server_stats", "srvr"],
    run: (s) => ({
      version: ZK_VERSION,
      read_only: false,
      server_stats: serverStats(s),
      client_response: bufferStats(s),
      node_count: s.core.tree.apacheNodeCount,
    }),
  },
  {
    names: ["stats", "stat"],
    run: (s) => ({
      version: ZK_VERSION,
      read_only: false,
      server_stats: serverStats(s),
      client_response: bufferStats(s),
      node_count: s.core.tree.apacheNodeCount,
      connections: connectionsInfo(s),
      secure_connections: [],
    }),
  },
  {
    names: ["configuration", "conf", "config"],
    run: (s) => ({
      client_port: s.config.clientPort ?? 2181,
      data_dir: `${s.config.dataDir}/version-2`,
      data_log_dir: `${s.config.dataLogDir}/version-2`,
      tick_time: s.config.tickTime,
      max_client_cnxns: s.config.maxClientCnxns,
      min_session_timeout: s.config.minSessionTimeout,
      max_session_timeout: s.config.maxSessionTimeout,
      // QuorumZooKeeperServer.getServerId: myid; a standalone server has 0.
      server_id: s.quorum?.serverId ?? 0,
      client_port_listen_backlog: -1,
    }),
  },
  {
    names: ["connections", "cons"],
    run: (s) => ({ connections: connectionsInfo(s), secure_connections: [] }),
  },
  {
    names: ["environment", "env", "envi"],
    serverRequired: false,
    run: (s) => {
      const out: Json = {};
      for (const line of fourLetterWordUnchecked("envi", s).split("\n").slice(1)) {
        const eq = line.indexOf("=");
        if (eq > 0) out[line.slice(0, eq)] = line.slice(eq + 1);
      }
      return out;
    },
  },
  {
    names: ["watch_summary", "wchs"],
    run: (s) => {
      const w = watchesByConn(s);
      let total = 0;
      for (const v of Object.values(w.byConn)) total += (v as string[]).length;
      return {
        num_connections: Object.keys(w.byConn).length,
        num_paths: w.paths,
        num_total_watches: total,
      };
    },
  },
  {
    names: ["watches", "wchc"],
    run: (s) => ({ session_id_to_watched_paths: watchesByConn(s).byConn }),
  },
  {
    names: ["watches_by_path", "wchp"],
    run: (s) => ({ path_to_session_ids: watchesByConn(s).byPath }),
  },
  {
    names: ["dump"],
    run: (s) => {
      const expiry: Record<string, string[]> = {};
      for (const sess of s.core.sessions.sessions()) {
        (expiry[String(Math.floor(sess.expiresAtMs))] ??= []).push(hex(sess.id));
      }
      const eph: Record<string, string[]> = {};
      for (const sid of s.core.tree.sessionsWithEphemerals()) {
        eph[hex(sid)] = s.core.tree.getEphemerals(sid);
      }
      return { expiry_time_to_session_ids: expiry, session_id_to_ephemeral_paths: eph };
    },
  },
  {
    names: ["dirs"],
    run: (s) => {
      const t = fourLetterWordUnchecked("dirs", s);
      const m = (k: string) => Number(t.match(new RegExp(`${k}: (\\d+)`))?.[1] ?? 0);
      return { datadir_size: m("datadir_size"), logdir_size: m("logdir_size") };
    },
  },
  {
    names: ["hash"],
    run: (s) => ({
      digests: s.core.tree.digestLog.map((d) => ({
        zxid: javaLong(d.zxid),
        digest: javaLong(d.digest),
        digest_version: d.digestVersion,
      })),
    }),
  },
  {
    names: ["get_trace_mask", "gtmk"],
    serverRequired: false,
    run: () => ({ tracemask: javaLong(traceMask()) }),
  },
  {
    names: ["set_trace_mask", "stmk"],
    serverRequired: false,
    run: (_s, kwargs) => {
      const arg = kwargs.get("traceMask");
      if (arg === null) return { error: "setTraceMask requires long traceMask argument" };
      // Long.parseLong: an optional sign, then decimal digits, within 64 bits.
      const mask = /^[-+]?\d+$/.test(arg) ? BigInt(arg) : undefined;
      if (mask === undefined || BigInt.asIntN(64, mask) !== mask) {
        return { error: `setTraceMask requires long traceMask argument, got ${arg}` };
      }
      setTraceMask(mask);
      return { tracemask: javaLong(mask) };
    },
  },
  { names: ["is_read_only", "isro"], run: () => ({ read_only: false }) },
  {
    names: ["stat_reset", "srst"],
    run: (s) => {
      fourLetterWordUnchecked("srst", s);
      return {};
    },
  },
  {
    names: ["connection_stat_reset", "crst"],
    run: (s) => {
      fourLetterWordUnchecked("crst", s);
      return {};
    },
  },
  {
    names: ["last_snapshot", "lsnp"],
    // Long.toHexString: no snapshot yet is -1, "ffffffffffffffff".
    run: (s) => ({
      zxid: BigInt.asUintN(64, s.lastSnapshot?.zxid ?? -1n).toString(16),
      timestamp: s.lastSnapshot?.timestampS ?? -1,
    }),
  },
  {
    names: ["leader", "lead"],
    run: (s) => {
      const leaderId = s.quorum?.leaderId ?? -1;
      // LeaderCommand on a standalone ZooKeeperServer (not a QuorumZooKeeperServer).
      if (!s.quorum) return { error: "server is not initialized" };
      return {
        is_leader: s.mode === "leader",
        leader_id: leaderId,
        leader_ip: s.config.servers.get(leaderId)?.host ?? "",
      };
    },
  },
  {
    names: ["voting_view"],
    run: (s) => {
      if (!s.quorum) return { current_config: {} };
      const view: Record<string, Json> = {};
      for (const [id, server] of s.config.servers) {
        if (server.role !== "participant") continue;
        view[String(id)] = {
          server_addresses: [`${server.host}:${server.quorumPort}`],
          election_addresses: [`${server.host}:${server.electionPort}`],
          client_address: clientAddress(s, id),
          learner_type: "participant",
        };
      }
      return { current_config: view };
    },
  },
  {
    names: ["observer_connection_stat_reset", "orst"],
    // zkts keeps no per-observer connection stats (no ObserverMaster): nothing to reset.
    run: () => ({}),
  },
  {
    names: ["zabstate"],
    serverRequired: false,
    run: zabState,
  },
];

/**
 * ZabStateCommand: a serving ensemble member tells its ZAB phase (zkts
 * answers only in broadcast) and addresses; a standalone server, or a
 * member without a quorum (no zkServer), only that it does not vote.
 */
function zabState(s: AdminHost): Json {
  const me = s.quorum ? s.config.servers.get(s.quorum.serverId) : undefined;
  if (s.serving === false || !s.quorum || !me) return { voting: false, zabstate: "" };
  const zxid = s.core.lastProcessedZxid;
  const clientHost = s.config.clientPortAddress ?? me.clientHost ?? "0.0.0.0";
  return {
    myid: s.quorum.serverId,
    is_leader: s.mode === "leader",
    quorum_address: multipleAddresses(me.host, me.quorumPort),
    election_address: multipleAddresses(me.host, me.electionPort),
    client_address: `${clientHost}:${s.config.clientPort ?? me.clientPort ?? 2181}`,
    voting: me.role === "participant",
    last_zxid: `0x${BigInt.asUintN(64, zxid).toString(16)}`,
    zab_epoch: Number(zxid >> 32n),
    zab_counter: Number(zxid & 0xffffffffn),
    zabstate: "broadcast",
  };
}

/**
 * A member's client address as QuorumServer.clientAddr: its server line's
 * `;[host:]port`, or for this member its clientPortAddress:clientPort;
 * "" when unknown.
 */
function clientAddress(s: AdminHost, id: number): string {
  const server = s.config.servers.get(id);
  if (server?.clientPort !== undefined) {
    return `${server.clientHost ?? "0.0.0.0"}:${server.clientPort}`;
  }
  if (id !== s.quorum?.serverId || s.config.clientPort === undefined) return "";
  return `${s.config.clientPortAddress ?? "0.0.0.0"}:${s.config.clientPort}`;
}

/** Jackson's view of a MultipleAddresses of one address (its bean getters). */
function multipleAddresses(host: string, port: number): Json {
  const one = `${host}:${port}`;
  return {
    empty: false,
    all_addresses: [one],
    all_reachable_addresses: [one],
    one,
    reachable_address: one,
    wildcard_addresses: [`0.0.0.0:${port}`],
    all_ports: [port],
    all_host_strings: [host],
    all_reachable_addresses_or_all: [one],
    reachable_or_one: one,
  };
}

/** A four-letter word's text regardless of the whitelist (the admin API has its own gate). */
function fourLetterWordUnchecked(word: string, s: AdminHost): string {
  const had = s.config.fourLetterWords.has(word);
  s.config.fourLetterWords.add(word);
  try {
    return fourLetterWord(word, s);
  } finally {
    if (!had) s.config.fourLetterWords.delete(word);
  }
}

function findCommand(name: string): AdminCommand | undefined {
  return ADMIN_COMMANDS.find((c) => c.names.includes(name));
}

/** An HTTP app: what `Deno.serve` takes as its handler. */
export interface HttpApp {
  /** Answers one request. */
  fetch(request: Request): Response | Promise<Response>;
}

/**
 * The admin API as a hono app: `GET /commands` lists the commands,
 * `GET /commands/<name>` runs one and answers JSON with `command` and
 * `error` as Apache's JsonOutputter writes them.
 */
export function adminApp(server: AdminHost): HttpApp {
  const app = new Hono();
  app.get("/commands", (c) => {
    const links = ADMIN_COMMANDS.map((cmd) =>
      `<a href="/commands/${cmd.names[0]}">${cmd.names[0]}</a><br/>`
    );
    return c.html(`<html><body>\n${links.join("\n")}\n</body></html>\n`);
  });
  app.get("/commands/:name", (c) => {
    const name = c.req.param("name");
    const json = (body: Json) =>
      c.body(JSON.stringify(body, null, 2), 200, { "content-type": "application/json" });
    const cmd = findCommand(name);
    // Commands.runCommand: unknown, or needing a server that does not serve,
    // is an error in a 200 answer, under the name as asked (an alias stays one).
    if (!cmd) return json({ command: name, error: `Unknown command: ${name}` });
    if ((cmd.serverRequired ?? true) && server.serving === false) {
      return json({ command: name, error: ZK_NOT_SERVING });
    }
    const command = cmd.names[0];
    let data: Json;
    try {
      data = cmd.run(server, new URL(c.req.url).searchParams);
    } catch (e) {
      if (!(e instanceof ServerMissing)) throw e;
      return c.html(
        `<html><body><h2>HTTP ERROR 500 ${e.message}</h2></body></html>\n`,
        500,
      );
    }
    // CommandResponse: an error the command put in its data stands.
    return json({ ...data, command, error: data.error ?? null });
  });
  return app;
}

/**
 * Prometheus text exposition of the server's metrics: Apache's gauges
 * (znode_count, watch_count, outstanding_requests, ...) and a request
 * latency histogram.
 */
export function prometheusText(server: AdminHost): string {
  const out: string[] = [];
  const gauge = (name: string, help: string, v: number) => {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`, `${name} ${v}`);
  };
  const core = server.core;
  gauge("znode_count", "Number of znodes", core.tree.apacheNodeCount);
  gauge("watch_count", "Number of watches", core.tree.watchCount);
  gauge("outstanding_requests", "Requests prepared but not yet applied", core.outstanding);
  gauge("num_alive_connections", "Client connections", [...core.connections()].length);
  gauge("global_sessions", "Live sessions", core.sessions.size);
  gauge("ephemerals_count", "Ephemeral znodes", core.tree.ephemeralsCount);
  gauge("last_processed_zxid", "Last applied zxid", Number(core.lastProcessedZxid));
  gauge("packets_received", "Packets received", core.stats.packetsReceived);
  gauge("packets_sent", "Packets sent", core.stats.packetsSent);
  const h = core.latencyHistogram;
  out.push(
    "# HELP request_latency_ms Request latency from arrival to reply, in ms",
    "# TYPE request_latency_ms histogram",
  );
  let cum = 0;
  h.bounds.forEach((b, i) => {
    cum += h.counts[i];
    out.push(`request_latency_ms_bucket{le="${b}"} ${cum}`);
  });
  cum += h.counts[h.bounds.length];
  out.push(`request_latency_ms_bucket{le="+Inf"} ${cum}`);
  out.push(`request_latency_ms_sum ${h.sum}`, `request_latency_ms_count ${cum}`);
  const f = server.logSyncHistogram;
  out.push(
    "# HELP log_sync_time_ms Time from a txn's append to the txn log until its fsync returned, in ms",
    "# TYPE log_sync_time_ms histogram",
  );
  cum = 0;
  f.bounds.forEach((b, i) => {
    cum += f.counts[i];
    out.push(`log_sync_time_ms_bucket{le="${b}"} ${cum}`);
  });
  cum += f.counts[f.bounds.length];
  out.push(`log_sync_time_ms_bucket{le="+Inf"} ${cum}`);
  out.push(`log_sync_time_ms_sum ${f.sum}`, `log_sync_time_ms_count ${cum}`);
  return out.join("\n") + "\n";
}

/** The `/metrics` app. */
export function metricsApp(server: AdminHost): HttpApp {
  const app = new Hono();
  app.get("/metrics", (c) =>
    c.body(prometheusText(server), 200, {
      "content-type": "text/plain; version=0.0.4; charset=utf-8",
    }));
  return app;
}
