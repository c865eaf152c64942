/**
 * zoo.cfg: the same keys, defaults and meanings as Apache ZooKeeper 3.8
 * (QuorumPeerConfig.parseProperties, and the `zookeeper.*` system properties
 * that keys it does not know become).
 *
 * Pure: parsing takes the file's text (and myid's) and returns a value; it
 * reads no files.
 *
 * @module
 */
import {
  parseDynamicConfig,
  refuseReconfigEnabled,
  refuseStaticQuorumKeys,
} from "./dynamic_config.ts";
import { CONFIG_KEYS, configKeySpec, refusal } from "./config_keys.ts";

/** A `server.N=host:quorumPort:electionPort[:role][;clientAddr:clientPort]` line. */
export interface QuorumServer {
  /** The server id N (its `myid`). */
  id: number;
  /** The host peers reach it on, for both quorum and election ports. */
  host: string;
  /** The port followers connect to the leader on (ZAB traffic). */
  quorumPort: number;
  /** The port of leader election (FastLeaderElection). */
  electionPort: number;
  /** Whether it votes (`participant`, the default) or only follows (`observer`). */
  role: "participant" | "observer";
  /** The client address after `;`, when the line gives one. */
  clientHost?: string;
  /** The client port after `;`, when the line gives one. */
  clientPort?: number;
}

/** A parsed zoo.cfg. Durations are milliseconds, sizes bytes. */
export interface ZkConfig {
  /** The basic time unit, in milliseconds (`tickTime`, default 3000); session timeouts and limits count in it. */
  tickTime: number;
  /** Where snapshots and myid live (`dataDir`). */
  dataDir: string;
  /** Where the txn log goes (`dataLogDir`); `dataDir` when not set. */
  dataLogDir: string;
  /** The port clients connect to (`clientPort`); none when not set, as in Apache. */
  clientPort?: number;
  /** The address the client port binds (`clientPortAddress`); all addresses when not set. */
  clientPortAddress?: string;
  /** Connections per client IP at most (`maxClientCnxns`, default 60; 0 = no limit). */
  maxClientCnxns: number;
  /** The smallest session timeout granted, in ms (`minSessionTimeout`, default 2 × tickTime). */
  minSessionTimeout: number;
  /** The largest session timeout granted, in ms (`maxSessionTimeout`, default 20 × tickTime). */
  maxSessionTimeout: number;
  /** Ticks a follower may take to connect to the leader and sync (`initLimit`). */
  initLimit: number;
  /** Ticks a follower may lag behind the leader before it is dropped (`syncLimit`). */
  syncLimit: number;
  /** Ticks a learner may take to connect to the leader (`connectToLearnerMasterLimit`); zkts accepts only 0 or initLimit. */
  connectToLearnerMasterLimit: number;
  /** This server's role in the ensemble (`peerType`, default participant). */
  peerType: "participant" | "observer";
  /** Whether an ensemble of one participant runs as a standalone server (`standaloneEnabled`, default true). */
  standaloneEnabled: boolean;
  /** Dynamic reconfig (`reconfigEnabled`, default false); refused for ensemble members, which do not implement it. */
  reconfigEnabled: boolean;
  /** Txns per log segment / between snapshots (`snapCount`, default 100000). */
  snapCount: number;
  /** Log preallocation block (`preAllocSize`, given in KiB in zoo.cfg; default 64 MiB). */
  preAllocSizeBytes: number;
  /** `forceSync=no` turns fsync off. */
  forceSync: boolean;
  /** Snapshots (and their txn logs) the purge keeps (`autopurge.snapRetainCount`, default and least 3). */
  snapRetainCount: number;
  /** Hours between purges; 0 = off. */
  purgeIntervalHours: number;
  /** jute.maxbuffer (default 0xfffff). */
  juteMaxBuffer: number;
  /** Whether TTL znodes may be created (`extendedTypesEnabled`, default false). */
  extendedTypesEnabled: boolean;
  /** Enabled four-letter words; `srvr` is always on (zkServer.sh needs it). */
  fourLetterWords: Set<string>;
  /** Whether the admin server runs (`admin.enableServer`, default true). */
  adminEnableServer: boolean;
  /** The address the admin server binds (`admin.serverAddress`, default 0.0.0.0). */
  adminServerAddress: string;
  /** The admin server's port (`admin.serverPort`, default 8080). */
  adminServerPort: number;
  /** Prometheus `/metrics` port, when metricsProvider.httpPort is set. */
  metricsHttpPort?: number;
  /** The address `/metrics` binds (`metricsProvider.httpHost`, default 0.0.0.0). */
  metricsHttpHost: string;
  /** `authProvider.N=class` lines, kept as given. */
  authProviders: Map<string, string>;
  /** `DigestAuthenticationProvider.superDigest=super:base64(sha1)`. */
  superDigest?: string;
  /** Skip every ACL check (`skipACL=yes`, default no). */
  skipACL: boolean;
  /** Requests in flight across all connections before the server stops reading (`globalOutstandingLimit`, default 1000). */
  globalOutstandingLimit: number;
  /** How often empty containers and expired TTL nodes are looked for (`znode.container.checkIntervalMs`). */
  containerCheckIntervalMs: number;
  /** Containers deleted per check at most (`znode.container.maxPerMinute`). */
  containerMaxPerMinute: number;
  /** The election algorithm (`electionAlg`); only 3, FastLeaderElection, is accepted. */
  electionAlg: number;
  /** The ensemble's `server.N` lines, by server id. */
  servers: Map<number, QuorumServer>;
  /** `group.N=sid:sid:...` (QuorumHierarchical), by group id. */
  groups: Map<number, number[]>;
  /** `weight.N=w` (QuorumHierarchical), by server id. */
  weights: Map<number, number>;
  /** `dynamicConfigFile`: where the ensemble's lines are (3.5+ layout), when zoo.cfg names one. */
  dynamicConfigFile?: string;
  /** The config version (QuorumVerifier.getVersion): the dynamic file name's hex suffix, else 0. */
  configVersion: bigint;
  /** This server's id (from dataDir/myid), when the ensemble has servers. */
  myid?: number;
  /** Committed txns kept in memory for DIFF syncs (`commitLogCount`, default 500). */
  commitLogCount: number;
  /** How new snapshots are compressed (`snapshot.compression.method`). */
  snapshotCompression: "none" | "gz" | "snappy";
  /** The tree digest (`digest.enabled`, default true). */
  digestEnabled: boolean;
  /** A slower fsync of the txn log is warned about and counted (`fsync.warningthresholdms`, default 1000). */
  fsyncWarningThresholdMs: number;
  /** Hard quotas refuse writes (`enforceQuota`, default false). */
  enforceQuota: boolean;
  /**
   * Keys Apache acts on that have nothing to act on in zkts (JVM tuning, or a
   * feature zkts refuses), with a note each: logged at start.
   */
  noEffect: Map<string, string>;
  /** Keys zkts does not know, with their values (they are warned about). */
  unknown: Map<string, string>;
}

/** A zoo.cfg error: the key and the reason, as an operator needs them. */
export class ConfigError extends Error {
  /** The offending key, when there is one. */
  readonly key?: string;
  /** Builds the error; the message names the key. */
  constructor(message: string, key?: string) {
    super(message);
    this.name = "ConfigError";
    this.key = key;
  }
}

/** The four-letter words Apache ZooKeeper 3.8 knows. */
export const FOUR_LETTER_WORDS: readonly string[] = [
  "conf",
  "cons",
  "crst",
  "dirs",
  "dump",
  "envi",
  "gtmk",
  "ruok",
  "stmk",
  "srst",
  "srvr",
  "stat",
  "wchc",
  "wchp",
  "wchs",
  "mntr",
  "isro",
  "hash",
];

/**
 * Reads Java properties text (`key=value`, `key: value`, `key value`,
 * `#`/`!` comments, `\` line continuations), as java.util.Properties does
 * for the subset zoo.cfg files use.
 *
 * @example
 * ```ts
 * import { parseProperties } from "@zkts/server";
 * import assert from "node:assert/strict";
 * const p = parseProperties("# c\ntickTime=2000\ndataDir = /tmp/zk\n");
 * assert.equal(p.get("dataDir"), "/tmp/zk");
 * ```
 */
export function parseProperties(text: string): Map<string, string> {
  const out = new Map<string, string>();
  const lines = text.split(/\r?\n|\r/);
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i].replace(/^[ \t\f]+/, "");
    if (line === "" || line[0] === "#" || line[0] === "!") continue;
    // Continuation: an odd number of trailing backslashes joins the next line.
    // Counted on each physical line (the parity of the joined line's is the
    // same) and joined once: a regex over the growing line, and a copy of it
    // per continuation, were quadratic in the number of lines.
    const parts: string[] = [];
    while (trailingBackslashes(line) % 2 === 1 && i + 1 < lines.length) {
      parts.push(line.slice(0, -1));
      line = lines[++i].replace(/^[ \t\f]+/, "");
    }
    if (parts.length > 0) line = parts.join("") + line;
    // Key, then `\s*(?:[=:]\s*)?`: one way only to split a run of blanks
    // (`\s*[=:\s]?\s*` had cubically many, and a line with no match, one
    // holding U+2028, took seconds per thousand blanks); `s`: the value runs to
    // the end of the line, U+2028 and U+2029 included, as in Java's Properties.
    const m = line.match(/^((?:\\.|[^=:\s\\])*)\s*(?:[=:]\s*)?(.*)$/s);
    if (!m) continue;
    const unescape = (s: string) =>
      s.replace(/\\(u[0-9a-fA-F]{4}|.)/g, (_, c: string) => {
        if (c.length === 5) return String.fromCharCode(parseInt(c.slice(1), 16));
        return ({ t: "\t", n: "\n", r: "\r", f: "\f" } as Record<string, string>)[c] ?? c;
      });
    out.set(unescape(m[1]), unescape(m[2]).replace(/\s+$/, ""));
  }
  return out;
}

function trailingBackslashes(line: string): number {
  let n = 0;
  while (n < line.length && line.charCodeAt(line.length - 1 - n) === 0x5c) n++;
  return n;
}

function parseIntStrict(key: string, value: string): number {
  if (!/^[+-]?\d+$/.test(value.trim())) {
    throw new ConfigError(`Invalid value for ${key}: '${value}' is not an integer`, key);
  }
  const n = Number(value.trim());
  if (!Number.isSafeInteger(n)) {
    throw new ConfigError(`Invalid value for ${key}: '${value}' is out of range`, key);
  }
  return n;
}

function parseBool(key: string, value: string): boolean {
  // QuorumPeerConfig.parseBoolean: only "true"/"false", case-insensitive.
  const v = value.trim().toLowerCase();
  if (v === "true") return true;
  if (v === "false") return false;
  throw new ConfigError(`Invalid option ${value} for ${key}. Choose 'true' or 'false.'`, key);
}

function parseYesNo(key: string, value: string): boolean {
  // Apache reads forceSync/skipACL as "yes"/"no" (anything but "no" / "yes").
  const v = value.trim().toLowerCase();
  if (v === "yes" || v === "true") return true;
  if (v === "no" || v === "false") return false;
  throw new ConfigError(`Invalid value for ${key}: '${value}' (expected yes or no)`, key);
}

function parsePort(key: string, value: string): number {
  const n = parseIntStrict(key, value);
  if (n < 0 || n > 65535) {
    throw new ConfigError(`Invalid value for ${key}: port ${n} is not in 0..65535`, key);
  }
  return n;
}

/** Parses a `server.N` value, as QuorumPeer.QuorumServer does. */
export function parseServerLine(id: number, value: string): QuorumServer {
  const key = `server.${id}`;
  const [serverPart, clientPart] = value.split(";").map((s) => s.trim());
  const parts = splitHostPorts(serverPart);
  if (parts.length < 2 || parts.length > 4) {
    throw new ConfigError(
      `${value} does not have the form server_config or server_config;client_config where server_config is host:port:port or host:port:port:type and client_config is port or host:port`,
      key,
    );
  }
  const host = parts[0];
  const quorumPort = parsePort(key, parts[1]);
  if (parts.length === 2) {
    throw new ConfigError(`Missing election port for server: ${id}`, key);
  }
  const electionPort = parsePort(key, parts[2]);
  let role: "participant" | "observer" = "participant";
  if (parts.length === 4) {
    const r = parts[3].toLowerCase();
    if (r === "observer") role = "observer";
    else if (r !== "participant") throw new ConfigError(`Unrecognised peertype: ${parts[3]}`, key);
  }
  const server: QuorumServer = { id, host, quorumPort, electionPort, role };
  if (clientPart) {
    const c = splitHostPorts(clientPart);
    if (c.length === 1) {
      server.clientHost = "0.0.0.0";
      server.clientPort = parsePort(key, c[0]);
    } else {
      server.clientHost = c[0];
      server.clientPort = parsePort(key, c[1]);
    }
  }
  return server;
}

/** Splits `host:port:port`, keeping a bracketed IPv6 host whole. */
function splitHostPorts(s: string): string[] {
  if (s.startsWith("[")) {
    const end = s.indexOf("]");
    if (end < 0) return [s];
    const rest = s.slice(end + 1);
    return [s.slice(1, end), ...rest.split(":").slice(1)];
  }
  return s.split(":");
}

/** Options of {@linkcode parseConfig}. */
export interface ParseConfigOptions {
  /** The text of dataDir/myid, when it exists. */
  myid?: string;
  /** The text of the file zoo.cfg's `dynamicConfigFile` names, when it is set and was read. */
  dynamicConfig?: string;
}

/**
 * Parses zoo.cfg text into a {@linkcode ZkConfig}, with Apache ZooKeeper's
 * defaults and checks.
 *
 * @param text the file's text
 * @param opts myid text, when the ensemble needs it
 * @returns the configuration
 * @throws {ConfigError} naming the key, for a missing or invalid value
 *
 * @example
 * ```ts
 * import { parseConfig } from "@zkts/server";
 * import assert from "node:assert/strict";
 * const c = parseConfig("tickTime=2000\ndataDir=/tmp/zk\nclientPort=2181\n");
 * assert.equal(c.maxSessionTimeout, 40000);
 * assert.equal(c.maxClientCnxns, 60);
 * ```
 */
export function parseConfig(text: string, opts: ParseConfigOptions = {}): ZkConfig {
  const props = parseProperties(text);
  refuseStaticQuorumKeys(props);
  let tickTime = 3000; // ZooKeeperServer.DEFAULT_TICK_TIME
  let dataDir: string | undefined;
  let dataLogDir: string | undefined;
  let clientPort: number | undefined;
  let clientPortAddress: string | undefined;
  let maxClientCnxns = 60;
  let minSessionTimeout = -1;
  let maxSessionTimeout = -1;
  let initLimit = 0;
  let syncLimit = 0;
  let connectToLearnerMasterLimit = 0;
  let electionAlg = 3;
  let peerType: "participant" | "observer" = "participant";
  let standaloneEnabled = true;
  let reconfigEnabled = false;
  let snapCount = 100000;
  let preAllocSizeBytes = 65536 * 1024;
  let forceSync = true;
  let snapRetainCount = 3;
  let purgeIntervalHours = 0;
  let juteMaxBuffer = 0xfffff;
  let extendedTypesEnabled = false;
  const fourLetterWords = new Set<string>();
  let adminEnableServer = true;
  let adminServerAddress = "0.0.0.0";
  let adminServerPort = 8080;
  let metricsHttpPort: number | undefined;
  let metricsHttpHost = "0.0.0.0";
  const authProviders = new Map<string, string>();
  let superDigest: string | undefined;
  let skipACL = false;
  let globalOutstandingLimit = 1000;
  let containerCheckIntervalMs = 60000;
  let containerMaxPerMinute = 10000;
  const servers = new Map<number, QuorumServer>();
  const groups = new Map<number, number[]>();
  const weights = new Map<number, number>();
  let dynamicConfigFile: string | undefined;
  let configVersion = 0n;
  let commitLogCount = 500;
  let snapshotCompression: "none" | "gz" | "snappy" = "none";
  let digestEnabled = true;
  let fsyncWarningThresholdMs = 1000;
  let enforceQuota = false;
  let metricsProviderClass = "org.apache.zookeeper.metrics.impl.DefaultMetricsProvider";
  let connectToLearnerMasterLimitSet = false;
  const noEffect = new Map<string, string>();
  const unknown = new Map<string, string>();

  for (const [key, raw] of props) {
    const value = raw.trim();
    switch (key) {
      case "tickTime":
        tickTime = parseIntStrict(key, value);
        break;
      case "dataDir":
        dataDir = value;
        break;
      case "dataLogDir":
        dataLogDir = value;
        break;
      case "clientPort":
        clientPort = parsePort(key, value);
        break;
      case "clientPortAddress":
        clientPortAddress = value;
        break;
      case "maxClientCnxns":
        maxClientCnxns = parseIntStrict(key, value);
        break;
      case "minSessionTimeout":
        minSessionTimeout = parseIntStrict(key, value);
        break;
      case "maxSessionTimeout":
        maxSessionTimeout = parseIntStrict(key, value);
        break;
      case "initLimit":
        initLimit = parseIntStrict(key, value);
        break;
      case "syncLimit":
        syncLimit = parseIntStrict(key, value);
        break;
      case "connectToLearnerMasterLimit":
        connectToLearnerMasterLimit = parseIntStrict(key, value);
        connectToLearnerMasterLimitSet = true;
        break;
      case "commitLogCount":
        commitLogCount = parseIntStrict(key, value);
        if (commitLogCount < 0) throw new ConfigError(`Invalid value for ${key}: '${value}'`, key);
        break;
      case "snapshot.compression.method": {
        // SnapStream.getStreamMode: gz, snappy; anything else writes plain snapshots.
        const v = value.toLowerCase();
        snapshotCompression = v === "gz" || v === "snappy" ? v : "none";
        break;
      }
      case "digest.enabled":
        digestEnabled = parseBool(key, value);
        break;
      case "fsync.warningthresholdms":
        fsyncWarningThresholdMs = parseIntStrict(key, value);
        break;
      case "enforceQuota":
        enforceQuota = parseBool(key, value);
        break;
      case "metricsProvider.className": {
        const why = refusal(key, value);
        if (why) throw new ConfigError(why, key);
        metricsProviderClass = value;
        break;
      }
      case "electionAlg":
        electionAlg = parseIntStrict(key, value);
        if (electionAlg !== 3) {
          throw new ConfigError("Invalid electionAlg value. Only 3 is supported.", key);
        }
        break;
      case "peerType": {
        const v = value.toLowerCase();
        if (v === "observer" || v === "participant") peerType = v;
        else throw new ConfigError(`Unrecognised peertype: ${value}`, key);
        break;
      }
      case "standaloneEnabled":
        standaloneEnabled = parseBool(key, value);
        break;
      case "reconfigEnabled":
        reconfigEnabled = parseBool(key, value);
        break;
      case "dynamicConfigFile":
        dynamicConfigFile = value;
        break;
      case "snapCount":
        snapCount = parseIntStrict(key, value);
        // ZooKeeperServer.getSnapCount: snapCount must be 2 or more.
        if (snapCount < 2) snapCount = 2;
        break;
      case "preAllocSize":
        preAllocSizeBytes = parseIntStrict(key, value) * 1024;
        if (preAllocSizeBytes <= 0) {
          throw new ConfigError(`Invalid value for preAllocSize: '${value}'`, key);
        }
        break;
      case "forceSync":
        forceSync = parseYesNo(key, value);
        break;
      case "autopurge.snapRetainCount":
        snapRetainCount = Math.max(3, parseIntStrict(key, value));
        break;
      case "autopurge.purgeInterval":
        purgeIntervalHours = parseIntStrict(key, value);
        break;
      case "jute.maxbuffer":
        juteMaxBuffer = value.toLowerCase().startsWith("0x")
          ? parseInt(value, 16)
          : parseIntStrict(key, value);
        if (!(juteMaxBuffer > 0)) {
          throw new ConfigError(`Invalid value for jute.maxbuffer: '${value}'`, key);
        }
        break;
      case "extendedTypesEnabled":
        extendedTypesEnabled = parseBool(key, value);
        break;
      case "4lw.commands.whitelist":
        for (const w of value.split(",").map((s) => s.trim())) {
          if (w === "*") FOUR_LETTER_WORDS.forEach((x) => fourLetterWords.add(x));
          else if (w) fourLetterWords.add(w);
        }
        break;
      case "admin.enableServer":
        adminEnableServer = parseBool(key, value);
        break;
      case "admin.serverAddress":
        adminServerAddress = value;
        break;
      case "admin.serverPort":
        adminServerPort = parsePort(key, value);
        break;
      case "metricsProvider.httpPort":
        metricsHttpPort = parsePort(key, value);
        break;
      case "metricsProvider.httpHost":
        metricsHttpHost = value;
        break;
      case "DigestAuthenticationProvider.superDigest":
        superDigest = value;
        break;
      case "skipACL":
        skipACL = parseYesNo(key, value);
        break;
      case "globalOutstandingLimit":
        globalOutstandingLimit = parseIntStrict(key, value);
        break;
      case "znode.container.checkIntervalMs":
        containerCheckIntervalMs = parseIntStrict(key, value);
        if (containerCheckIntervalMs <= 0) {
          throw new ConfigError(`Invalid value for ${key}: '${value}'`, key);
        }
        break;
      case "znode.container.maxPerMinute":
        containerMaxPerMinute = parseIntStrict(key, value);
        break;
      default:
        if (/^server\.\d+$/.test(key)) {
          const id = Number(key.slice(7));
          servers.set(id, parseServerLine(id, value));
        } else if (/^group\.\d+$/.test(key)) {
          groups.set(
            Number(key.slice(6)),
            value.split(":").map((s) => parseIntStrict(key, s)),
          );
        } else if (/^weight\.\d+$/.test(key)) {
          weights.set(Number(key.slice(7)), parseIntStrict(key, value));
        } else {
          const spec = configKeySpec(key);
          const why = refusal(key, value);
          if (why) throw new ConfigError(why, key);
          if (key.startsWith("authProvider.")) {
            authProviders.set(key.slice("authProvider.".length), value);
          } else if (!spec) {
            unknown.set(key, value);
          } else if (spec.effect === "tuning") {
            noEffect.set(key, `tunes Apache's JVM only (${spec.note}); no effect in zkts`);
          } else if (spec.effect === "inert") {
            noEffect.set(key, `${spec.note}; nothing to act on in zkts`);
          }
        }
    }
  }

  if (!dataDir) throw new ConfigError("dataDir is not set", "dataDir");
  if (clientPort === undefined && clientPortAddress !== undefined) {
    throw new ConfigError("clientPortAddress is set but clientPort is not set", "clientPort");
  }
  if (tickTime === 0) throw new ConfigError("tickTime is not set", "tickTime");
  if (
    connectToLearnerMasterLimitSet && connectToLearnerMasterLimit !== 0 &&
    connectToLearnerMasterLimit !== initLimit
  ) {
    throw new ConfigError(
      refusal("connectToLearnerMasterLimit", String(connectToLearnerMasterLimit))!,
      "connectToLearnerMasterLimit",
    );
  }
  // Apache starts /metrics only with the Prometheus provider; the default
  // provider takes metricsProvider.httpPort and serves nothing.
  if (!metricsProviderClass.endsWith(".PrometheusMetricsProvider") && metricsHttpPort) {
    noEffect.set(
      "metricsProvider.httpPort",
      `serves /metrics only with metricsProvider.className=${
        CONFIG_KEYS.find((k) => k.key === "metricsProvider.className")!.accepts![0]
      }, as in Apache`,
    );
    metricsHttpPort = undefined;
  }
  if (tickTime < 0) throw new ConfigError(`Invalid value for tickTime: ${tickTime}`, "tickTime");
  if (minSessionTimeout === -1) minSessionTimeout = tickTime * 2;
  if (maxSessionTimeout === -1) maxSessionTimeout = tickTime * 20;
  if (minSessionTimeout > maxSessionTimeout) {
    throw new ConfigError(
      "minSessionTimeout must not be larger than maxSessionTimeout",
      "minSessionTimeout",
    );
  }
  // zkServer.sh depends on srvr (FourLetterCommands.isEnabled).
  fourLetterWords.add("srvr");

  // QuorumPeerConfig.parse: with a dynamic file, the ensemble is that file's.
  if (dynamicConfigFile !== undefined) {
    if (opts.dynamicConfig === undefined) {
      throw new ConfigError(`Error processing ${dynamicConfigFile}: not read`, "dynamicConfigFile");
    }
    const d = parseDynamicConfig(opts.dynamicConfig, dynamicConfigFile, { standaloneEnabled });
    d.servers.forEach((s, id) => servers.set(id, s));
    d.groups.forEach((g, id) => groups.set(id, g));
    d.weights.forEach((w, id) => weights.set(id, w));
    configVersion = d.version;
  }

  let myid: number | undefined;
  if (servers.size > 0) {
    if (opts.myid === undefined) {
      throw new ConfigError(`${dataDir}/myid file is missing`, "dataDir");
    }
    const t = opts.myid.trim();
    if (!/^\d+$/.test(t)) throw new ConfigError(`serverid ${t} is not a number`, "dataDir");
    myid = Number(t);
    if (!servers.has(myid)) {
      throw new ConfigError(`myid ${myid} has no server.${myid} line in the config`, "dataDir");
    }
    const participants = [...servers.values()].filter((s) => s.role === "participant");
    if (participants.length === 0 && servers.size > 0) {
      throw new ConfigError("Observers w/o participants is an invalid configuration", "server");
    }
    // QuorumPeerConfig.setupClientPort: a member's client port may come from its
    // server line (`server.N=host:q:e;[clientHost:]clientPort`).
    const me = servers.get(myid)!;
    if (me.clientPort !== undefined) {
      if (clientPort === undefined) {
        clientPort = me.clientPort;
        clientPortAddress ??= me.clientHost;
      } else if (clientPort !== me.clientPort) {
        throw new ConfigError(
          `Client address for this server (id = ${myid}) in static config file is ` +
            `${me.clientHost}:${me.clientPort} is different from client address found in ` +
            `dynamic file: ${clientPortAddress ?? "0.0.0.0"}:${clientPort}`,
          "clientPort",
        );
      }
    }
  }

  const config: ZkConfig = {
    tickTime,
    dataDir,
    dataLogDir: dataLogDir ?? dataDir,
    clientPort,
    clientPortAddress,
    maxClientCnxns,
    minSessionTimeout,
    maxSessionTimeout,
    initLimit,
    syncLimit,
    connectToLearnerMasterLimit,
    peerType,
    standaloneEnabled,
    reconfigEnabled,
    snapCount,
    preAllocSizeBytes,
    forceSync,
    snapRetainCount,
    purgeIntervalHours,
    juteMaxBuffer,
    extendedTypesEnabled,
    fourLetterWords,
    adminEnableServer,
    adminServerAddress,
    adminServerPort,
    metricsHttpPort,
    metricsHttpHost,
    authProviders,
    superDigest,
    skipACL,
    globalOutstandingLimit,
    containerCheckIntervalMs,
    containerMaxPerMinute,
    electionAlg,
    servers,
    groups,
    weights,
    dynamicConfigFile,
    configVersion,
    myid,
    commitLogCount,
    snapshotCompression,
    digestEnabled,
    fsyncWarningThresholdMs,
    enforceQuota,
    noEffect,
    unknown,
  };
  refuseReconfigEnabled(reconfigEnabled, !isStandalone(config));
  return config;
}

/**
 * Whether this configuration runs a standalone server (QuorumPeerMain: no
 * `server.N` lines, or one participant with standaloneEnabled).
 */
export function isStandalone(config: ZkConfig): boolean {
  if (config.servers.size === 0) return true;
  const participants = [...config.servers.values()].filter((s) => s.role === "participant");
  return config.standaloneEnabled && participants.length === 1 && config.servers.size === 1;
}

/**
 * The embedded default used when the server is started with no zoo.cfg:
 * standalone, data in `./data`, client port 2181 on 127.0.0.1.
 */
export const DEFAULT_CONFIG_TEXT: string = [
  "tickTime=2000",
  "initLimit=10",
  "syncLimit=5",
  "dataDir=./data",
  "clientPort=2181",
  "clientPortAddress=127.0.0.1",
  "admin.enableServer=false",
  "4lw.commands.whitelist=*",
  "",
].join("\n");

/**
 * The quorum config as Apache's `QuorumMaj.toString` writes it (NEWLEADER's
 * data, `/zookeeper/config`, `conf`'s membership): `server.N` lines with the
 * role and the client address when the line has one, then `version=0`.
 *
 * @example
 * ```ts
 * import { parseConfig, quorumConfigText } from "@zkts/server";
 * import assert from "node:assert/strict";
 * const c = parseConfig("tickTime=2000\ninitLimit=5\nsyncLimit=2\ndataDir=/d\nserver.1=h:1:2;2181\nserver.2=h:3:4\n", { myid: "1" });
 * assert.equal(quorumConfigText(c), "server.1=h:1:2:participant;0.0.0.0:2181\nserver.2=h:3:4:participant\nversion=0");
 * ```
 */
export function quorumConfigText(config: ZkConfig): string {
  const lines: string[] = [];
  for (const s of [...config.servers.values()].sort((a, b) => a.id - b.id)) {
    let line = `server.${s.id}=${s.host}:${s.quorumPort}:${s.electionPort}:${s.role}`;
    if (s.clientPort !== undefined) line += `;${s.clientHost ?? "0.0.0.0"}:${s.clientPort}`;
    lines.push(line);
  }
  // QuorumHierarchical.toString: the groups by id, each one's members in id
  // order, then a weight for every participant (1 unless given) and every
  // server given one.
  if (config.groups.size > 0) {
    const byId = (a: number, b: number) => a - b;
    for (const gid of [...config.groups.keys()].sort(byId)) {
      lines.push(`group.${gid}=${config.groups.get(gid)!.toSorted(byId).join(":")}`);
    }
    const weights = new Map(config.weights);
    for (const s of config.servers.values()) {
      if (s.role === "participant" && !weights.has(s.id)) weights.set(s.id, 1);
    }
    for (const sid of [...weights.keys()].sort(byId)) {
      lines.push(`weight.${sid}=${weights.get(sid)}`);
    }
  }
  // Long.toHexString: two's complement for a negative version.
  lines.push(`version=${BigInt.asUintN(64, config.configVersion).toString(16)}`);
  return lines.join("\n");
}
