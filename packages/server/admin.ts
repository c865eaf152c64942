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
import { type FourLetterHost, fourLetterWord, monitorLines, ZK_VERSION } from "./four_letter.ts";

/** What the admin API and `/metrics` read of a server (a standalone `ZkServer` or an ensemble member). */
export interface AdminHost extends FourLetterHost {
  /** Append-to-durable time of the txn log. */
  readonly logSyncHistogram: Histogram;
}

type Json = Record<string, unknown>;

interface AdminCommand {
  names: string[];
  run(server: AdminHost): Json;
}

const hex = (n: bigint) => "0x" + BigInt.asUintN(64, n).toString(16);

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
    last_response_time: 0,
    last_latency: Math.floor(c.lastLatencyMs),
    min_latency: c.requests === 0 ? 0 : Math.floor(c.minLatencyMs),
    avg_latency: c.requests === 0 ? 0 : Math.floor(c.totalLatencyMs / c.requests),
    max_latency: Math.floor(c.maxLatencyMs),
  }));
}

function serverStats(server: AdminHost): Json {
  const s = server.core.stats;
  return {
    packets_sent: s.packetsSent,
    packets_received: s.packetsReceived,
    fsync_threshold_exceed_count: 0,
    client_response_stats: {},
    provider_null: false,
    uptime: Math.floor(performance.now() - s.startedAtMs),
    server_state: server.mode ?? "standalone",
    outstanding_requests: server.core.outstanding,
    min_latency: s.requests === 0 ? 0 : s.minLatencyMs,
    avg_latency: s.requests === 0 ? 0 : s.totalLatencyMs / s.requests,
    max_latency: s.maxLatencyMs,
    data_dir_size: 0,
    log_dir_size: 0,
    last_processed_zxid: Number(server.core.lastProcessedZxid),
    num_alive_client_connections: [...server.core.connections()].length,
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
    run: (s) => Object.fromEntries(monitorLines(s).map(([k, v]) => [k.replace(/^zk_/, ""), v])),
  },
  {
    names: ["server_stats", "srvr"],
    run: (s) => ({
      version: ZK_VERSION,
      read_only: false,
      server_stats: serverStats(s),
      client_response: {},
      node_count: s.core.tree.apacheNodeCount,
    }),
  },
  {
    names: ["stats", "stat"],
    run: (s) => ({
      version: ZK_VERSION,
      read_only: false,
      server_stats: serverStats(s),
      client_response: {},
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
      server_id: 0,
      client_port_listen_backlog: -1,
    }),
  },
  {
    names: ["connections", "cons"],
    run: (s) => ({ connections: connectionsInfo(s), secure_connections: [] }),
  },
  {
    names: ["environment", "env", "envi"],
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
    run: () => ({ zxid: "-1", timestamp: -1 }),
  },
  {
    names: ["zabstate"],
    run: () => ({ voting: false, zabstate: "" }),
  },
];

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

/**
 * The admin API as a hono app: `GET /commands` lists the commands,
 * `GET /commands/<name>` runs one and answers JSON with `command` and
 * `error` as Apache's JsonOutputter writes them.
 */
export function adminApp(server: AdminHost): Hono {
  const app = new Hono();
  app.get("/commands", (c) => {
    const links = ADMIN_COMMANDS.map((cmd) =>
      `<a href="/commands/${cmd.names[0]}">${cmd.names[0]}</a><br/>`
    );
    return c.html(`<html><body>\n${links.join("\n")}\n</body></html>\n`);
  });
  app.get("/commands/:name", (c) => {
    const name = c.req.param("name");
    const cmd = findCommand(name);
    if (!cmd) {
      return c.body(
        JSON.stringify({ command: name, error: `Unknown command: ${name}` }, null, 2),
        404,
        { "content-type": "application/json" },
      );
    }
    let body: Json;
    try {
      body = { ...cmd.run(server), command: cmd.names[0], error: null };
    } catch {
      // An ensemble member between leaders has no request pipeline to report on.
      body = {
        command: cmd.names[0],
        error: "This ZooKeeper instance is not currently serving requests",
      };
    }
    return c.body(JSON.stringify(body, null, 2), 200, { "content-type": "application/json" });
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
export function metricsApp(server: AdminHost): Hono {
  const app = new Hono();
  app.get("/metrics", (c) =>
    c.body(prometheusText(server), 200, {
      "content-type": "text/plain; version=0.0.4; charset=utf-8",
    }));
  return app;
}
