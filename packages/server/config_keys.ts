/**
 * Every zoo.cfg key Apache ZooKeeper 3.8/3.9 acts on, and what zkts does with
 * it. The rule: a key is honoured, or the server refuses to start with one
 * line naming it — an operator who asks for TLS and gets plaintext, or for
 * enforced auth and gets anonymous clients, is worse off than one who is
 * refused. Keys that only tune Apache's JVM (thread pools, caches, buffers)
 * are accepted with a logged note, and keys that only matter together with a
 * refused feature are accepted as having nothing to act on.
 *
 * Apache reads a key it does not parse itself as the system property
 * `zookeeper.<key>`; this table lists those it reads too. A key in neither is
 * unknown to both: zkts warns about it, as Apache silently ignores it.
 *
 * The table in docs/operations.md is generated from {@linkcode CONFIG_KEYS}
 * (`deno run -A tools/config_keys_doc.ts`), and a test keeps the two equal.
 *
 * @module
 */

/**
 * What zkts does with a key:
 * - `honoured`: it has Apache's meaning;
 * - `refused`: the server refuses to start unless the value is one zkts
 *   behaves as (Apache's default);
 * - `inert`: it only acts together with a refused feature (e.g. `ssl.*`
 *   without a secure port), so there is nothing to act on;
 * - `tuning`: it tunes Apache's JVM or threads only; accepted with a note.
 */
export type KeyEffect = "honoured" | "refused" | "inert" | "tuning";

/** One zoo.cfg key (or a family: a prefix ending in `.` or `*`). */
export interface ConfigKeySpec {
  /** The key, or a prefix ending in `.`/`_` followed by `*` for a family (`ssl.*`). */
  readonly key: string;
  /** What zkts does with it. */
  readonly effect: KeyEffect;
  /**
   * For `refused`: the values zkts takes (what it does anyway), as shown in
   * the docs; other values stop the server. Absent: every value is refused.
   */
  readonly accepts?: readonly string[];
  /** One line: what the key means and what zkts does. */
  readonly note: string;
}

const FALSE = ["false"];
const TRUE = ["true"];

/**
 * Every key, in the order the docs show them (Apache's own keys first, then
 * the `zookeeper.*` properties it reads).
 */
export const CONFIG_KEYS: readonly ConfigKeySpec[] = [
  // ---- QuorumPeerConfig's own keys ----
  { key: "tickTime", effect: "honoured", note: "the basic time unit (ms), default 3000" },
  { key: "dataDir", effect: "honoured", note: "snapshots, myid and the epoch files" },
  { key: "dataLogDir", effect: "honoured", note: "the txn log (default: dataDir)" },
  {
    key: "clientPort",
    effect: "honoured",
    note: "the plaintext client port; not set: no plaintext port",
  },
  { key: "clientPortAddress", effect: "honoured", note: "the address the client port binds" },
  {
    key: "secureClientPort",
    effect: "refused",
    accepts: ["0"],
    note: "a TLS client port: zkts has no TLS yet",
  },
  {
    key: "secureClientPortAddress",
    effect: "refused",
    note: "the TLS client port's address: zkts has no TLS yet",
  },
  {
    key: "clientPortListenBacklog",
    effect: "refused",
    accepts: ["-1"],
    note: "the listen backlog: zkts uses the system's",
  },
  { key: "maxClientCnxns", effect: "honoured", note: "connections per client address" },
  { key: "minSessionTimeout", effect: "honoured", note: "default 2 × tickTime" },
  { key: "maxSessionTimeout", effect: "honoured", note: "default 20 × tickTime" },
  { key: "initLimit", effect: "honoured", note: "ticks a learner has to connect and sync" },
  { key: "syncLimit", effect: "honoured", note: "ticks a learner may lag" },
  {
    key: "connectToLearnerMasterLimit",
    effect: "refused",
    accepts: ["0", "initLimit's value"],
    note: "ticks a learner tries to connect: zkts uses initLimit",
  },
  { key: "electionAlg", effect: "honoured", note: "3 (FastLeaderElection), the only one" },
  {
    key: "localSessionsEnabled",
    effect: "refused",
    accepts: FALSE,
    note: "local sessions: not yet in zkts",
  },
  {
    key: "localSessionsUpgradingEnabled",
    effect: "inert",
    note: "acts only with local sessions",
  },
  {
    key: "observerMasterPort",
    effect: "refused",
    accepts: ["0", "-1"],
    note: "ObserverMaster: not yet in zkts",
  },
  {
    key: "quorumListenOnAllIPs",
    effect: "refused",
    accepts: FALSE,
    note: "zkts binds the quorum and election ports to the server line's address",
  },
  {
    key: "peerType",
    effect: "honoured",
    note: "the role on this server's server.N line wins, as in Apache",
  },
  {
    key: "syncEnabled",
    effect: "refused",
    accepts: TRUE,
    note: "observers log and snapshot as followers do",
  },
  {
    key: "dynamicConfigFile",
    effect: "honoured",
    note:
      "the file holding the server.N, group.N and weight.N lines; the version is its name's suffix",
  },
  { key: "autopurge.snapRetainCount", effect: "honoured", note: "snapshots kept (at least 3)" },
  { key: "autopurge.purgeInterval", effect: "honoured", note: "hours between purges; 0: off" },
  { key: "standaloneEnabled", effect: "honoured", note: "one server line runs standalone" },
  {
    key: "reconfigEnabled",
    effect: "honoured",
    note: "true is refused on ensemble members (no dynamic reconfig); see the dynamic config file",
  },
  {
    key: "sslQuorum",
    effect: "refused",
    accepts: FALSE,
    note: "TLS between servers: not yet in zkts",
  },
  {
    key: "portUnification",
    effect: "refused",
    accepts: FALSE,
    note: "TLS and plaintext on one port: not yet in zkts",
  },
  { key: "sslQuorumReloadCertFiles", effect: "inert", note: "acts only with sslQuorum" },
  { key: "server.N", effect: "honoured", note: "host:quorumPort:electionPort[:role][;client]" },
  { key: "group.N", effect: "honoured", note: "hierarchical quorums" },
  { key: "weight.N", effect: "honoured", note: "hierarchical quorums" },
  {
    key: "quorum.auth.enableSasl",
    effect: "refused",
    accepts: FALSE,
    note: "SASL between servers: not yet in zkts",
  },
  {
    key: "quorum.auth.serverRequireSasl",
    effect: "refused",
    accepts: FALSE,
    note: "SASL between servers: not yet in zkts",
  },
  {
    key: "quorum.auth.learnerRequireSasl",
    effect: "refused",
    accepts: FALSE,
    note: "SASL between servers: not yet in zkts",
  },
  { key: "quorum.auth.*", effect: "inert", note: "acts only with quorum SASL" },
  { key: "quorum.cnxn.threads.size", effect: "tuning", note: "quorum SASL threads" },
  { key: "jvm.pause.*", effect: "tuning", note: "the JVM pause monitor" },
  {
    key: "metricsProvider.className",
    effect: "honoured",
    accepts: [
      "org.apache.zookeeper.metrics.prometheus.PrometheusMetricsProvider",
      "org.apache.zookeeper.metrics.impl.DefaultMetricsProvider",
      "org.apache.zookeeper.metrics.impl.NullMetricsProvider",
    ],
    note: "Prometheus serves /metrics on metricsProvider.httpPort; other classes are refused",
  },
  { key: "metricsProvider.httpPort", effect: "honoured", note: "Prometheus /metrics port" },
  { key: "metricsProvider.httpHost", effect: "honoured", note: "Prometheus /metrics address" },
  {
    key: "metricsProvider.httpsPort",
    effect: "refused",
    note: "/metrics over TLS: not yet in zkts",
  },
  { key: "metricsProvider.*", effect: "tuning", note: "the Prometheus provider's JVM workers" },
  {
    key: "multiAddress.enabled",
    effect: "refused",
    accepts: FALSE,
    note: "several addresses per server: not yet in zkts",
  },
  { key: "multiAddress.*", effect: "inert", note: "acts only with multiAddress.enabled" },
  {
    key: "oraclePath",
    effect: "refused",
    note: "the two-server oracle (QuorumOracleMaj): not in zkts",
  },
  // ---- zookeeper.* system properties Apache reads (a zoo.cfg key K sets zookeeper.K) ----
  { key: "snapCount", effect: "honoured", note: "txns between snapshots" },
  { key: "preAllocSize", effect: "honoured", note: "txn log preallocation (KiB)" },
  { key: "forceSync", effect: "honoured", note: "no: the txn log is not fsynced" },
  {
    key: "commitLogCount",
    effect: "honoured",
    note: "committed txns kept in memory for DIFF syncs",
  },
  {
    key: "txnLogSizeLimitInKb",
    effect: "refused",
    accepts: ["-1"],
    note: "roll the log by size: zkts rolls by snapCount",
  },
  {
    key: "snapSizeLimitInKb",
    effect: "refused",
    accepts: ["4194304"],
    note: "snapshot by log size: zkts snapshots by snapCount",
  },
  { key: "snapshotSizeFactor", effect: "tuning", note: "DIFF versus SNAP sizing" },
  {
    key: "snapshot.compression.method",
    effect: "honoured",
    note: "gz, snappy or none for new snapshots",
  },
  {
    key: "snapshot.trust.empty",
    effect: "refused",
    accepts: FALSE,
    note: "start from a log without a snapshot: zkts refuses, as Apache by default",
  },
  {
    key: "serializeLastProcessedZxid.enabled",
    effect: "refused",
    accepts: FALSE,
    note: "3.9's snapshot trailer: zkts writes 3.8's snapshots",
  },
  { key: "jute.maxbuffer", effect: "honoured", note: "the largest packet or znode" },
  { key: "jute.maxbuffer.extrasize", effect: "tuning", note: "slack on the quorum's buffers" },
  { key: "extendedTypesEnabled", effect: "honoured", note: "TTL nodes" },
  {
    key: "emulate353TTLNodes",
    effect: "refused",
    accepts: FALSE,
    note: "3.5.3's TTL encoding: not in zkts",
  },
  { key: "4lw.commands.whitelist", effect: "honoured", note: "four-letter words answered" },
  { key: "admin.enableServer", effect: "honoured", note: "the admin HTTP API" },
  { key: "admin.serverAddress", effect: "honoured", note: "its address" },
  { key: "admin.serverPort", effect: "honoured", note: "its port" },
  {
    key: "admin.commandURL",
    effect: "refused",
    accepts: ["/commands"],
    note: "zkts serves the commands under /commands",
  },
  { key: "admin.idleTimeout", effect: "tuning", note: "Jetty's idle connection timeout" },
  { key: "admin.httpVersion", effect: "tuning", note: "Jetty's HTTP version" },
  {
    key: "admin.forceHttps",
    effect: "refused",
    accepts: FALSE,
    note: "the admin API over TLS: not yet in zkts",
  },
  {
    key: "admin.needClientAuth",
    effect: "refused",
    accepts: FALSE,
    note: "the admin API over TLS: not yet in zkts",
  },
  {
    key: "admin.portUnification",
    effect: "refused",
    accepts: FALSE,
    note: "the admin API over TLS: not yet in zkts",
  },
  {
    key: "admin.snapshot.enabled",
    effect: "inert",
    note: "zkts's admin API has no snapshot command",
  },
  {
    key: "admin.restore.enabled",
    effect: "inert",
    note: "zkts's admin API has no restore command",
  },
  {
    key: "admin.rateLimiterIntervalInMS",
    effect: "inert",
    note: "limits the snapshot command, which zkts lacks",
  },
  { key: "skipACL", effect: "honoured", note: "yes: no ACL is checked" },
  {
    key: "DigestAuthenticationProvider.superDigest",
    effect: "honoured",
    note: "the super user's digest",
  },
  {
    key: "DigestAuthenticationProvider.digestAlg",
    effect: "refused",
    accepts: ["SHA1", "SHA-1"],
    note: "the digest scheme's hash: zkts has SHA1",
  },
  {
    key: "DigestAuthenticationProvider.enabled",
    effect: "refused",
    accepts: TRUE,
    note: "the digest scheme is always on in zkts",
  },
  {
    key: "IPAuthenticationProvider.usexforwardedfor",
    effect: "refused",
    accepts: FALSE,
    note: "X-Forwarded-For for the ip scheme (admin API): not in zkts",
  },
  {
    key: "authProvider.N",
    effect: "refused",
    accepts: [
      "org.apache.zookeeper.server.auth.DigestAuthenticationProvider",
      "org.apache.zookeeper.server.auth.IPAuthenticationProvider",
    ],
    note: "digest and ip are built in; SASL, x509 and custom providers: not yet in zkts",
  },
  {
    key: "enforce.auth.enabled",
    effect: "refused",
    accepts: FALSE,
    note: "refusing unauthenticated clients: not yet in zkts",
  },
  { key: "enforce.auth.schemes", effect: "inert", note: "acts only with enforce.auth.enabled" },
  {
    key: "sessionRequireClientSASLAuth",
    effect: "refused",
    accepts: FALSE,
    note: "client SASL: not yet in zkts",
  },
  {
    key: "superUser",
    effect: "inert",
    note: "the SASL/x509 super user; acts only with those providers",
  },
  {
    key: "X509AuthenticationProvider.superUser",
    effect: "inert",
    note: "acts only with the x509 provider",
  },
  {
    key: "SASLAuthenticationProvider.superPassword",
    effect: "inert",
    note: "acts only with the SASL provider",
  },
  { key: "allowSaslFailedClients", effect: "inert", note: "acts only with client SASL" },
  { key: "letAnySaslUserDoX", effect: "inert", note: "acts only with client SASL" },
  { key: "ensembleAuthName", effect: "inert", note: "acts only with the ensemble provider" },
  { key: "kerberos.*", effect: "inert", note: "acts only with SASL" },
  { key: "kinit", effect: "inert", note: "acts only with SASL" },
  { key: "requireKerberosConfig", effect: "inert", note: "acts only with SASL" },
  { key: "sasl.serverconfig", effect: "inert", note: "acts only with SASL" },
  { key: "security.auth_to_local", effect: "inert", note: "acts only with SASL" },
  { key: "ssl.*", effect: "inert", note: "acts only with a TLS port, which zkts refuses" },
  { key: "client.portUnification", effect: "inert", note: "acts only with TLS" },
  { key: "client.certReload", effect: "inert", note: "acts only with TLS" },
  { key: "fips-mode", effect: "inert", note: "acts only with TLS" },
  {
    key: "audit.enable",
    effect: "refused",
    accepts: FALSE,
    note: "the audit log: not yet in zkts",
  },
  {
    key: "globalOutstandingLimit",
    effect: "honoured",
    note: "requests in flight before reading stops",
  },
  {
    key: "maxCnxns",
    effect: "refused",
    accepts: ["0"],
    note: "a limit on all connections: not yet in zkts",
  },
  {
    key: "leaderServes",
    effect: "refused",
    accepts: ["yes", "true"],
    note: "the leader always serves clients in zkts",
  },
  {
    key: "enforceQuota",
    effect: "honoured",
    note: "true: a write past a hard quota fails with QuotaExceeded",
  },
  { key: "digest.enabled", effect: "honoured", note: "the tree digest" },
  {
    key: "closeSessionTxn.enabled",
    effect: "refused",
    accepts: TRUE,
    note: "closeSession txns carry the ephemerals to delete, always in zkts",
  },
  {
    key: "znode.container.checkIntervalMs",
    effect: "honoured",
    note: "how often containers and TTL nodes are checked",
  },
  {
    key: "znode.container.maxPerMinute",
    effect: "honoured",
    note: "containers deleted per minute at most",
  },
  {
    key: "enableEagerACLCheck",
    effect: "refused",
    accepts: FALSE,
    note: "ACL checks before a multi's ops: not in zkts",
  },
  {
    key: "datadir.autocreate",
    effect: "refused",
    accepts: TRUE,
    note: "zkts creates a missing dataDir",
  },
  {
    key: "db.autocreate",
    effect: "refused",
    accepts: TRUE,
    note: "zkts starts an empty database when there is none",
  },
  {
    key: "forceSnapshotSync",
    effect: "refused",
    accepts: FALSE,
    note: "a testing switch (always SNAP): not in zkts",
  },
  {
    key: "testingonly.initialZxid",
    effect: "refused",
    note: "a testing switch: not in zkts",
  },
  {
    key: "cnxTimeout",
    effect: "refused",
    accepts: ["5000"],
    note: "the election's connect timeout: 5000 ms in zkts",
  },
  {
    key: "fastleader.minNotificationInterval",
    effect: "refused",
    accepts: ["200"],
    note: "the election's first notification timeout: 200 ms in zkts",
  },
  {
    key: "fastleader.maxNotificationInterval",
    effect: "refused",
    accepts: ["60000"],
    note: "the election's longest notification timeout: 60000 ms in zkts",
  },
  {
    key: "tcpKeepAlive",
    effect: "refused",
    accepts: FALSE,
    note: "TCP keep-alive on quorum sockets: not yet in zkts",
  },
  {
    key: "clientTcpKeepAlive",
    effect: "refused",
    accepts: FALSE,
    note: "TCP keep-alive on client sockets: not yet in zkts",
  },
  {
    key: "request_throttle_max_requests",
    effect: "refused",
    accepts: ["0"],
    note: "the request throttler: zkts throttles by globalOutstandingLimit",
  },
  { key: "request_throttle_*", effect: "inert", note: "acts only with the request throttler" },
  {
    key: "request_stale_*",
    effect: "inert",
    note: "acts only with the request throttler",
  },
  {
    key: "throttled_op_wait_time",
    effect: "refused",
    accepts: ["0"],
    note: "delaying throttled ops: not in zkts",
  },
  {
    key: "connection_throttle_tokens",
    effect: "refused",
    accepts: ["0"],
    note: "the connection throttle: not in zkts",
  },
  { key: "connection_throttle_*", effect: "inert", note: "acts only with the connection throttle" },
  {
    key: "largeRequestThreshold",
    effect: "refused",
    accepts: ["-1"],
    note: "the large request limit: not in zkts",
  },
  { key: "largeRequestMaxBytes", effect: "inert", note: "acts only with largeRequestThreshold" },
  {
    key: "observer.syncEnabled",
    effect: "refused",
    accepts: TRUE,
    note: "observers log and snapshot as followers do",
  },
  { key: "observerMaster.sizeLimit", effect: "inert", note: "acts only with ObserverMaster" },
  { key: "pathStats.*", effect: "inert", note: "the path statistics, not in zkts's admin API" },
  {
    key: "fsync.warningthresholdms",
    effect: "honoured",
    note: "a slower txn log fsync is warned about and counted",
  },
  { key: "serverCnxnFactory", effect: "tuning", note: "NIO or Netty: zkts has one" },
  { key: "nio.*", effect: "tuning", note: "NIO selector and worker threads" },
  { key: "netty.*", effect: "tuning", note: "Netty's flow control and handshakes" },
  { key: "commitProcessor.*", effect: "tuning", note: "commit processor threads and batches" },
  { key: "flushDelay", effect: "tuning", note: "the log's batching delay" },
  { key: "maxWriteQueuePollTime", effect: "tuning", note: "the log's batching delay" },
  { key: "maxBatchSize", effect: "tuning", note: "the log's batch size" },
  { key: "maxResponseCacheSize", effect: "tuning", note: "a response cache" },
  { key: "maxGetChildrenResponseCacheSize", effect: "tuning", note: "a response cache" },
  { key: "intBufferStartingSizeBytes", effect: "tuning", note: "a buffer size" },
  { key: "bitHashCacheSize", effect: "tuning", note: "the watch manager's cache" },
  { key: "watchManagerName", effect: "tuning", note: "the watch manager class" },
  { key: "watcherClean*", effect: "tuning", note: "the watch manager's cleaner" },
  { key: "maxInProcessingDeadWatchers", effect: "tuning", note: "the watch manager's cleaner" },
  { key: "electionPortBindRetry", effect: "tuning", note: "election port bind retries" },
  { key: "quorumCnxnTimeoutMs", effect: "tuning", note: "quorum SASL handshake timeout" },
  { key: "leader.*", effect: "tuning", note: "the leader's threads, sync limits and logging" },
  { key: "learner.*", effect: "tuning", note: "the learner's sending threads" },
  { key: "leaderConnectDelayDuringRetryMs", effect: "tuning", note: "learner connect retries" },
  { key: "follower.skipLearnerRequestToNextProcessor", effect: "tuning", note: "internal" },
  {
    key: "forward_learner_requests_to_commit_processor_disabled",
    effect: "tuning",
    note: "internal",
  },
  { key: "observer.reconnectDelayMs", effect: "tuning", note: "observer reconnect delay" },
  { key: "observer.election.DelayMs", effect: "tuning", note: "observer election delay" },
  { key: "messageTracker.*", effect: "tuning", note: "debugging aid" },
  { key: "request_throttler.shutdownTimeout", effect: "tuning", note: "thread shutdown" },
];

const EXACT = new Map<string, ConfigKeySpec>();
const FAMILIES: ConfigKeySpec[] = [];
for (const spec of CONFIG_KEYS) {
  if (spec.key.endsWith("*")) FAMILIES.push(spec);
  else EXACT.set(spec.key, spec);
}
// The longest prefix wins (`metricsProvider.httpPort` before `metricsProvider.*`).
FAMILIES.sort((a, b) => b.key.length - a.key.length);

/**
 * The spec of a zoo.cfg key, or undefined when Apache does not act on it.
 *
 * @param key a zoo.cfg key as written
 * @returns its spec
 *
 * @example
 * ```ts
 * import { configKeySpec } from "@zkts/server";
 * import assert from "node:assert/strict";
 * assert.equal(configKeySpec("ssl.keyStore.location")?.effect, "inert");
 * assert.equal(configKeySpec("server.3")?.key, "server.N");
 * assert.equal(configKeySpec("no.such.key"), undefined);
 * ```
 */
export function configKeySpec(key: string): ConfigKeySpec | undefined {
  const exact = EXACT.get(key.replace(/^(server|group|weight|authProvider)\.[^.]+$/, "$1.N"));
  if (exact) return exact;
  return FAMILIES.find((f) => key.startsWith(f.key.slice(0, -1)));
}

/**
 * Why a refused key stops the server, as one line, or undefined when zkts
 * takes the value.
 *
 * @param key the zoo.cfg key
 * @param value its value
 * @returns the line naming the key, or undefined
 *
 * @example
 * ```ts
 * import { refusal } from "@zkts/server";
 * import assert from "node:assert/strict";
 * assert.equal(refusal("sslQuorum", "false"), undefined);
 * assert.match(refusal("sslQuorum", "true")!, /^sslQuorum=true/);
 * ```
 */
export function refusal(key: string, value: string): string | undefined {
  const spec = configKeySpec(key);
  if (!spec || (spec.effect !== "refused" && !(spec.effect === "honoured" && spec.accepts))) {
    return undefined;
  }
  const v = value.trim();
  if (spec.accepts?.some((a) => a.toLowerCase() === v.toLowerCase())) return undefined;
  const takes = spec.accepts?.length ? ` (zkts takes ${spec.accepts.join(" or ")})` : "";
  return `${key}=${v} is not supported by zkts: ${spec.note}${takes}; remove the key to start`;
}

/**
 * The table of {@linkcode CONFIG_KEYS} as Markdown, as docs/operations.md
 * shows it.
 *
 * @returns the table's lines, header first
 *
 * @example
 * ```ts
 * import { configKeysMarkdown } from "@zkts/server";
 * import assert from "node:assert/strict";
 * assert.match(configKeysMarkdown(), /^\| key \| zkts \|/);
 * ```
 */
export function configKeysMarkdown(): string {
  const esc = (s: string) => s.replaceAll("|", "\\|");
  const lines = ["| key | zkts | values zkts takes | what it does |", "| --- | --- | --- | --- |"];
  for (const s of CONFIG_KEYS) {
    const takes = s.accepts?.map((a) => `\`${a}\``).join(", ") ??
      (s.effect === "refused" ? "none" : "any");
    lines.push(`| \`${esc(s.key)}\` | ${s.effect} | ${esc(takes)} | ${esc(s.note)} |`);
  }
  return lines.join("\n") + "\n";
}
