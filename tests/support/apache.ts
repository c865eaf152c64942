/**
 * Starts the reference Apache ZooKeeper 3.8 (Debian's `zookeeper` package) from
 * tests: a standalone server (`ZooKeeperServerMain`) or an ensemble of quorum
 * peers (`QuorumPeerMain`), each on free loopback ports, in a temp dir of its
 * own, logging to a file there. Plus `fourLetter()` to ask a server a
 * four-letter word.
 *
 * Every start is bounded in time and every process started here is ended by
 * `stop()`; call it in `finally` (or use `await using`).
 *
 * @example A standalone server
 * ```ts ignore
 * import { fourLetter, startApache } from "./apache.ts";
 * const zk = await startApache({ extendedTypesEnabled: true });
 * try {
 *   console.log(zk.connectString, await fourLetter(zk.host, zk.port, "srvr"));
 * } finally {
 *   await zk.stop();
 * }
 * ```
 *
 * @module
 */

/** Where Debian's Apache ZooKeeper jar is; its manifest's Class-Path names its dependencies. */
export const ZOOKEEPER_JAR = "/usr/share/java/zookeeper.jar";

/** slf4j's simple binding, so the server logs to a file instead of nowhere. */
export const SLF4J_SIMPLE_JAR = "/usr/share/java/slf4j-simple.jar";

/**
 * The class path to run Apache ZooKeeper 3.8 (server or Java client) with:
 * Debian's zookeeper.jar (whose manifest pulls in netty, jline, jute, ...) and
 * a logging binding.
 */
export const ZOOKEEPER_CLASSPATH = `${ZOOKEEPER_JAR}:${SLF4J_SIMPLE_JAR}`;

/**
 * The JVM flag an Apache server needs for its AdminServer (`admin.enableServer`):
 * Debian's zookeeper.jar names Jetty in its Class-Path but not the servlet API
 * Jetty needs ("Unable to load jetty, not starting JettyAdminServer" without it).
 */
export const SERVLET_API_FLAG = "-Xbootclasspath/a:/usr/share/java/servlet-api.jar";

/**
 * JVM flags that make a short-lived ZooKeeper start fast and small: the serial
 * collector, the client compiler only, class data sharing, a small heap.
 */
export const FAST_JVM_FLAGS: readonly string[] = [
  "-XX:+UseSerialGC",
  "-XX:TieredStopAtLevel=1",
  "-Xshare:auto",
  "-Xss512k",
  "-Xms32m",
  "-Xmx256m",
  "-XX:-UsePerfData",
  "-Djava.net.preferIPv4Stack=true",
];

/**
 * JVM flags of Apache ZooKeeper started as its users start it (zkServer.sh):
 * the default collector (G1) and the full tiered JIT, and a real heap. The
 * benchmarks use these, never {@linkcode FAST_JVM_FLAGS}.
 */
export const USER_JVM_FLAGS: readonly string[] = [
  "-Xmx2g",
  "-XX:+HeapDumpOnOutOfMemoryError",
  "-Djava.net.preferIPv4Stack=true",
];

/** Loopback: every server started here binds it and nothing else. */
export const LOOPBACK = "127.0.0.1";

/** A value of a zoo.cfg key. */
export type CfgValue = string | number | boolean;

/** Options of {@linkcode startApache} and {@linkcode startApacheEnsemble}. */
export interface ApacheOptions {
  /** zoo.cfg `tickTime` (ms). Default 2000, Apache's. */
  tickTime?: number;
  /** `extendedTypesEnabled=true`: TTL nodes (and server ids < 255). Default false. */
  extendedTypesEnabled?: boolean;
  /** `forceSync`: fsync the txn log. Default: Apache's (yes). False makes tests faster. */
  forceSync?: boolean;
  /** `minSessionTimeout` (ms). */
  minSessionTimeout?: number;
  /** `maxSessionTimeout` (ms). */
  maxSessionTimeout?: number;
  /** `reconfigEnabled`. Default: Apache's (false). */
  reconfigEnabled?: boolean;
  /** `snapCount`: txns between snapshots (Apache takes one after snapCount/2 + random). */
  snapCount?: number;
  /** `preAllocSize` in KB: how far the txn log file is preallocated (Apache: 65536 KB). */
  preAllocSize?: number;
  /** Any other zoo.cfg keys, written as given (after the ones above, so they win). */
  extra?: Record<string, CfgValue>;
  /** Java system properties (`-Dkey=value`). */
  systemProperties?: Record<string, string>;
  /**
   * "fast" (default, tests): {@linkcode FAST_JVM_FLAGS}, a quick small JVM;
   * "user" (benchmarks): {@linkcode USER_JVM_FLAGS}, as zkServer.sh starts it.
   */
  jvm?: "fast" | "user";
  /** More JVM flags, after those {@linkcode ApacheOptions.jvm} picks. */
  jvmFlags?: string[];
  /** Spawn only these members at first (the others with `restart(id)`); do not wait for a quorum. */
  startOnly?: number[];
  /** Ensemble members that are observers (`server.N=...:observer`, `peerType=observer`). */
  observers?: number[];
  /**
   * Ensembles in the 3.5+ layout: the server lines in `zoo.cfg.dynamic.<this
   * version>` (hex) beside each zoo.cfg, which names it with `dynamicConfigFile`.
   */
  dynamicConfigVersion?: string;
  /** Keep the temp dir (config, data, logs) after `stop()`. Default false. */
  keepDir?: boolean;
  /** How long to wait for the server(s) to serve. Default 30 000 ms (60 000 for ensembles). */
  startTimeoutMs?: number;
  /** The slf4j log level: trace, debug, info, warn, error. Default info. */
  logLevel?: string;
}

/** A running standalone Apache ZooKeeper. */
export interface ApacheServer {
  /** The client port, on {@linkcode LOOPBACK}. */
  readonly port: number;
  readonly host: typeof LOOPBACK;
  /** `127.0.0.1:<port>`, for clients. */
  readonly connectString: string;
  /** The temp dir holding zoo.cfg, data/ and the logs. */
  readonly dir: string;
  /** The server's dataDir (`version-2/` is inside). */
  readonly dataDir: string;
  /** The java process id (changes on restart). */
  readonly pid: number;
  /** How long the last start took, from spawn to serving (ms). */
  readonly startMs: number;
  /** Ends the server (SIGTERM, then SIGKILL after 5 s) and removes the temp dir unless kept. */
  stop(): Promise<void>;
  /** Ends the server at once with SIGKILL (a crash); the dir stays until `stop()`. */
  kill(): Promise<void>;
  /** Starts the (stopped or killed) server again on the same port, config and dataDir. */
  restart(): Promise<void>;
  /** The server's log so far (slf4j output, then the JVM's stdout/stderr). */
  logs(): string;
  [Symbol.asyncDispose](): Promise<void>;
}

/** The state of one quorum peer, as its `srvr` four-letter word says. */
export type PeerMode = "leader" | "follower" | "observer" | "standalone";

/** One member of an {@linkcode ApacheEnsemble}. */
export interface ApacheMember {
  /** The server id (myid), 1..n. */
  readonly id: number;
  readonly clientPort: number;
  readonly quorumPort: number;
  readonly electionPort: number;
  readonly dataDir: string;
  /** Whether its process is running. */
  readonly running: boolean;
}

/** A running ensemble of Apache ZooKeeper quorum peers. */
export interface ApacheEnsemble {
  readonly host: typeof LOOPBACK;
  readonly members: readonly ApacheMember[];
  /** Every member's client address, comma separated. */
  readonly connectString: string;
  readonly dir: string;
  /** How long the start took, from spawning the first peer to all of them serving (ms). */
  readonly startMs: number;
  /** The client address of member `id`. */
  connectStringOf(id: number): string;
  /** The mode of member `id` from `srvr`, or null when it does not serve. */
  mode(id: number): Promise<PeerMode | null>;
  /** The id of the member that is leader now, or null. */
  leader(): Promise<number | null>;
  /** Waits until every running member serves (and so a leader is elected). */
  waitServing(timeoutMs?: number): Promise<void>;
  /** Ends member `id` gracefully (SIGTERM). */
  stopMember(id: number): Promise<void>;
  /** Ends member `id` at once (SIGKILL). */
  kill(id: number): Promise<void>;
  /** Starts member `id` again with its config and dataDir; waits until it serves. */
  restart(id: number): Promise<void>;
  /** Member `id`'s log so far. */
  logs(id: number): string;
  /** Ends every member and removes the temp dir unless kept. */
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * Asks a ZooKeeper server a four-letter word (`ruok`, `srvr`, `stat`, `mntr`,
 * `conf`, `cons`, `dump`, `envi`, `wchs`, ...) and returns its whole answer.
 *
 * @param host The server's address.
 * @param port Its client port.
 * @param word The four-letter word.
 * @param timeoutMs How long to wait for the answer to end. Default 5000.
 * @returns The answer, up to the server closing the connection.
 * @throws Error when the connection is refused or the answer is not over in time.
 *
 * @example Is it fine?
 * ```ts ignore
 * import { fourLetter } from "./apache.ts";
 * if (await fourLetter("127.0.0.1", 2181, "ruok") !== "imok") throw new Error("down");
 * ```
 */
export async function fourLetter(
  host: string,
  port: number,
  word: string,
  timeoutMs = 5000,
): Promise<string> {
  const conn = await withTimeout(Deno.connect({ hostname: host, port }), timeoutMs, "connect");
  const timer = setTimeout(() => {
    try {
      conn.close();
    } catch { /* closed already */ }
  }, timeoutMs);
  const chunks: Uint8Array[] = [];
  let closedByTimer = false;
  try {
    await conn.write(new TextEncoder().encode(word));
    const buf = new Uint8Array(16 * 1024);
    while (true) {
      let n: number | null;
      try {
        n = await conn.read(buf);
      } catch (e) {
        if (e instanceof Deno.errors.BadResource || e instanceof Deno.errors.Interrupted) {
          closedByTimer = true;
          break;
        }
        if (e instanceof Deno.errors.ConnectionReset) break;
        throw e;
      }
      if (n === null) break;
      chunks.push(buf.slice(0, n));
    }
  } finally {
    clearTimeout(timer);
    try {
      conn.close();
    } catch { /* closed already */ }
  }
  if (closedByTimer) {
    throw new Error(`fourLetter ${word} to ${host}:${port}: no end in ${timeoutMs} ms`);
  }
  return new TextDecoder().decode(concat(chunks));
}

/**
 * Finds a free TCP port on 127.0.0.1 by binding port 0 and letting it go.
 * (Another process may take it before us: starts retry on "address in use".)
 *
 * @returns A port that was free a moment ago.
 *
 * @example
 * ```ts
 * import { freePort } from "./apache.ts";
 * const port = freePort();
 * if (port <= 0) throw new Error("no port");
 * ```
 */
export function freePort(): number {
  const l = Deno.listen({ hostname: LOOPBACK, port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/**
 * Renders a zoo.cfg from options, one `key=value` a line, in a stable order.
 *
 * @param base The keys every server gets (tickTime, dataDir, clientPort, ...).
 * @param opts The caller's options.
 * @returns The text of zoo.cfg.
 *
 * @example
 * ```ts
 * import { zooCfg } from "./apache.ts";
 * import assert from "node:assert/strict";
 * const cfg = zooCfg({ dataDir: "/tmp/d", clientPort: 2181 }, { forceSync: false });
 * assert.match(cfg, /^forceSync=no$/m);
 * assert.match(cfg, /^tickTime=2000$/m);
 * ```
 */
export function zooCfg(base: Record<string, CfgValue>, opts: ApacheOptions = {}): string {
  const cfg: Record<string, CfgValue> = {
    tickTime: opts.tickTime ?? 2000,
    initLimit: 10,
    syncLimit: 5,
    clientPortAddress: LOOPBACK,
    "admin.enableServer": false,
    "4lw.commands.whitelist": "*",
    ...base,
  };
  if (opts.extendedTypesEnabled !== undefined) cfg.extendedTypesEnabled = opts.extendedTypesEnabled;
  if (opts.forceSync !== undefined) cfg.forceSync = opts.forceSync ? "yes" : "no";
  if (opts.minSessionTimeout !== undefined) cfg.minSessionTimeout = opts.minSessionTimeout;
  if (opts.maxSessionTimeout !== undefined) cfg.maxSessionTimeout = opts.maxSessionTimeout;
  if (opts.reconfigEnabled !== undefined) cfg.reconfigEnabled = opts.reconfigEnabled;
  if (opts.snapCount !== undefined) cfg.snapCount = opts.snapCount;
  if (opts.preAllocSize !== undefined) cfg.preAllocSize = opts.preAllocSize;
  Object.assign(cfg, opts.extra ?? {});
  return Object.entries(cfg).map(([k, v]) => `${k}=${v}`).join("\n") + "\n";
}

/**
 * Starts a standalone Apache ZooKeeper 3.8 (`ZooKeeperServerMain`) on a free
 * loopback port and waits until it answers `ruok` with `imok` and serves
 * (`srvr` tells its mode).
 *
 * @param opts zoo.cfg settings and JVM options.
 * @returns A handle; call `stop()` in `finally`.
 * @throws Error when java exits early or the server does not answer in time (with its log).
 *
 * @example
 * ```ts ignore
 * import { startApache } from "./apache.ts";
 * await using zk = await startApache({ forceSync: false });
 * console.log(zk.connectString, zk.startMs);
 * ```
 */
export async function startApache(opts: ApacheOptions = {}): Promise<ApacheServer> {
  const dir = await Deno.makeTempDir({ prefix: "zkts-apache-" });
  const dataDir = `${dir}/data`;
  await Deno.mkdir(dataDir);
  const timeoutMs = opts.startTimeoutMs ?? 30_000;
  let proc: JavaProcess | null = null;
  let port = 0;
  let startMs = 0;
  const launch = async () => {
    proc = new JavaProcess({
      mainClass: "org.apache.zookeeper.server.ZooKeeperServerMain",
      cfgPath: `${dir}/zoo.cfg`,
      logPath: `${dir}/zookeeper.log`,
      outPath: `${dir}/zookeeper.out`,
      opts,
    });
    const t0 = performance.now();
    proc.spawn();
    await waitUntil(
      async () => {
        if (proc!.exited) throw new Error(`java exited with ${proc!.exitCode}`);
        // ruok answers imok before the server serves; srvr tells it does.
        return await tryFourLetter(port, "ruok") === "imok" &&
          /^Mode: /m.test(await tryFourLetter(port, "srvr") ?? "");
      },
      timeoutMs,
      `standalone ZooKeeper on ${port} to answer ruok and serve`,
    );
    startMs = performance.now() - t0;
  };
  try {
    await retryOnPortClash(async () => {
      port = freePort();
      await Deno.writeTextFile(
        `${dir}/zoo.cfg`,
        zooCfg({ dataDir, clientPort: port }, opts),
      );
      try {
        await launch();
      } catch (e) {
        const log = proc?.logs() ?? "";
        await proc?.kill();
        throw new StartError(`${(e as Error).message}\n--- log ---\n${tail(log)}`, log);
      }
    });
  } catch (e) {
    if (!opts.keepDir) await removeDir(dir);
    throw e;
  }

  let stopped = false;
  const server: ApacheServer = {
    get port() {
      return port;
    },
    host: LOOPBACK,
    get connectString() {
      return `${LOOPBACK}:${port}`;
    },
    dir,
    dataDir,
    get pid() {
      return proc!.pid;
    },
    get startMs() {
      return startMs;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await proc!.stop();
      if (!opts.keepDir) await removeDir(dir);
    },
    async kill() {
      await proc!.kill();
    },
    async restart() {
      await proc!.stop();
      try {
        await launch();
      } catch (e) {
        const log = proc?.logs() ?? "";
        await proc?.kill();
        throw new StartError(`restart: ${(e as Error).message}\n--- log ---\n${tail(log)}`, log);
      }
    },
    logs() {
      return proc!.logs();
    },
    [Symbol.asyncDispose]() {
      return server.stop();
    },
  };
  return server;
}

/**
 * Starts an ensemble of `n` Apache ZooKeeper 3.8 quorum peers
 * (`QuorumPeerMain`), ids 1..n, each with its own dataDir and myid and free
 * loopback client, quorum and election ports, and waits until every one
 * serves (a leader is elected and the followers synced).
 *
 * @param n How many peers (1..9).
 * @param opts zoo.cfg settings for every peer, and JVM options.
 * @returns A handle; call `stop()` in `finally`.
 * @throws Error when a peer exits early or the ensemble does not serve in time (with the logs).
 *
 * @example
 * ```ts ignore
 * import { startApacheEnsemble } from "./apache.ts";
 * await using zk = await startApacheEnsemble(3, { forceSync: false });
 * console.log(await zk.leader(), zk.connectString);
 * ```
 */
export function startApacheEnsemble(
  n: number,
  opts: ApacheOptions = {},
): Promise<ApacheEnsemble> {
  return startEnsemble(n, opts);
}

/**
 * Starts an ensemble of `n` members on loopback: Apache ZooKeeper's
 * QuorumPeerMain, or, given `argv`, another server taking a zoo.cfg path as
 * its last argument (zkts's `apps/server/main.ts`).
 *
 * @param n members
 * @param opts zoo.cfg settings
 * @param argv the command before the config path, for a server that is not
 *   Apache's; a function chooses per member (undefined: Apache's), for mixed ensembles
 * @returns the running ensemble
 */
export async function startEnsemble(
  n: number,
  opts: ApacheOptions = {},
  argv?: string[] | ((id: number) => string[] | undefined),
): Promise<ApacheEnsemble> {
  if (!Number.isInteger(n) || n < 1 || n > 9) throw new RangeError(`ensemble size ${n}: 1..9`);
  const dir = await Deno.makeTempDir({ prefix: "zkts-apache-ensemble-" });
  const timeoutMs = opts.startTimeoutMs ?? 60_000;
  interface Peer {
    id: number;
    clientPort: number;
    quorumPort: number;
    electionPort: number;
    dir: string;
    dataDir: string;
    proc: JavaProcess;
  }
  const peers: Peer[] = [];
  const used = new Set<number>();
  const port = () => {
    for (let i = 0; i < 100; i++) {
      const p = freePort();
      if (!used.has(p)) {
        used.add(p);
        return p;
      }
    }
    throw new Error("no free port");
  };
  for (let id = 1; id <= n; id++) {
    const peerDir = `${dir}/${id}`;
    const dataDir = `${peerDir}/data`;
    await Deno.mkdir(dataDir, { recursive: true });
    await Deno.writeTextFile(`${dataDir}/myid`, `${id}\n`);
    peers.push({
      id,
      clientPort: port(),
      quorumPort: port(),
      electionPort: port(),
      dir: peerDir,
      dataDir,
      proc: new JavaProcess({
        mainClass: "org.apache.zookeeper.server.quorum.QuorumPeerMain",
        cfgPath: `${peerDir}/zoo.cfg`,
        logPath: `${peerDir}/zookeeper.log`,
        outPath: `${peerDir}/zookeeper.out`,
        opts,
        argv: typeof argv === "function" ? argv(id) : argv,
      }),
    });
  }
  const servers: Record<string, string> = {};
  const observers = new Set(opts.observers ?? []);
  for (const p of peers) {
    servers[`server.${p.id}`] = `${LOOPBACK}:${p.quorumPort}:${p.electionPort}${
      observers.has(p.id) ? ":observer" : ""
    }`;
  }
  for (const p of peers) {
    let quorum: Record<string, string> = servers;
    if (opts.dynamicConfigVersion !== undefined) {
      const file = `${p.dir}/zoo.cfg.dynamic.${opts.dynamicConfigVersion}`;
      // As QuorumPeerConfig.writeDynamicConfig: sorted lines, no version (it is in the name).
      const lines = Object.entries(servers).map(([k, v]) => `${k}=${v}`).sort();
      await Deno.writeTextFile(file, lines.join("\n"));
      quorum = { dynamicConfigFile: file };
    }
    await Deno.writeTextFile(
      `${p.dir}/zoo.cfg`,
      zooCfg({
        dataDir: p.dataDir,
        clientPort: p.clientPort,
        ...quorum,
        ...(observers.has(p.id) ? { peerType: "observer" } : {}),
      }, opts),
    );
  }
  const peer = (id: number) => {
    const p = peers[id - 1];
    if (!p) throw new RangeError(`no member ${id} (1..${n})`);
    return p;
  };
  const mode = async (id: number): Promise<PeerMode | null> => {
    const answer = await tryFourLetter(peer(id).clientPort, "srvr");
    const m = answer?.match(/^Mode: (\w+)/m);
    return m ? m[1] as PeerMode : null;
  };
  const waitServing = async (waitMs = timeoutMs) => {
    await waitUntil(
      async () => {
        let serving = 0;
        let running = 0;
        let leaders = 0;
        for (const p of peers) {
          if (p.proc.exited) continue;
          running++;
          const m = await mode(p.id);
          if (m !== null) serving++;
          if (m === "leader") leaders++;
        }
        if (running === 0) throw new Error("no member is running");
        // Right after a leader dies its followers may still say "follower":
        // serving means a leader is there too.
        return serving === running && leaders === 1;
      },
      waitMs,
      `ensemble of ${n} to serve`,
    );
  };
  const allLogs = () =>
    peers.map((p) => `--- member ${p.id} ---\n${tail(p.proc.logs())}`).join("\n");
  const stopAll = async () => {
    await Promise.all(peers.map((p) => p.proc.stop()));
    if (!opts.keepDir) await removeDir(dir);
  };

  const t0 = performance.now();
  try {
    const first = opts.startOnly ? new Set(opts.startOnly) : undefined;
    for (const p of peers) if (!first || first.has(p.id)) p.proc.spawn();
    // Members started one by one (startOnly): the caller waits for what it expects.
    if (!first) await waitServing();
  } catch (e) {
    const logs = allLogs();
    await stopAll();
    throw new StartError(`${(e as Error).message}\n${logs}`, logs);
  }
  const startMs = performance.now() - t0;

  let stopped = false;
  const ensemble: ApacheEnsemble = {
    host: LOOPBACK,
    members: peers.map((p) => ({
      id: p.id,
      clientPort: p.clientPort,
      quorumPort: p.quorumPort,
      electionPort: p.electionPort,
      dataDir: p.dataDir,
      get running() {
        return !p.proc.exited;
      },
    })),
    connectString: peers.map((p) => `${LOOPBACK}:${p.clientPort}`).join(","),
    dir,
    startMs,
    connectStringOf(id) {
      return `${LOOPBACK}:${peer(id).clientPort}`;
    },
    mode,
    async leader() {
      for (const p of peers) {
        if (!p.proc.exited && await mode(p.id) === "leader") return p.id;
      }
      return null;
    },
    waitServing,
    async stopMember(id) {
      await peer(id).proc.stop();
    },
    async kill(id) {
      await peer(id).proc.kill();
    },
    async restart(id) {
      const p = peer(id);
      await p.proc.stop();
      p.proc.spawn();
      try {
        await waitUntil(
          async () => {
            if (p.proc.exited) throw new Error(`java exited with ${p.proc.exitCode}`);
            return await mode(id) !== null;
          },
          timeoutMs,
          `member ${id} to serve again`,
        );
      } catch (e) {
        throw new StartError(`${(e as Error).message}\n${tail(p.proc.logs())}`, p.proc.logs());
      }
    },
    logs(id) {
      return peer(id).proc.logs();
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await stopAll();
    },
    [Symbol.asyncDispose]() {
      return ensemble.stop();
    },
  };
  return ensemble;
}

/** A failed start, with the server's log. */
export class StartError extends Error {
  /** The log of the server(s) that did not start. */
  readonly log: string;
  constructor(message: string, log: string) {
    super(message);
    this.name = "StartError";
    this.log = log;
  }
}

interface JavaProcessInit {
  mainClass: string;
  cfgPath: string;
  logPath: string;
  outPath: string;
  opts: ApacheOptions;
  /** Another server's command (the config path is appended); its output goes to `outPath`. */
  argv?: string[];
}

/** One java process: spawn, pipe its stdout/stderr to a file, end it. */
class JavaProcess {
  #init: JavaProcessInit;
  #child: Deno.ChildProcess | null = null;
  #done: Promise<void> = Promise.resolve();
  #exitCode: number | null = null;

  constructor(init: JavaProcessInit) {
    this.#init = init;
  }

  get pid(): number {
    return this.#child?.pid ?? -1;
  }

  get exited(): boolean {
    return this.#child === null || this.#exitCode !== null;
  }

  get exitCode(): number | null {
    return this.#exitCode;
  }

  spawn(): void {
    if (!this.exited) throw new Error("already running");
    const { mainClass, cfgPath, logPath, opts } = this.#init;
    const props: Record<string, string> = {
      "org.slf4j.simpleLogger.logFile": logPath,
      "org.slf4j.simpleLogger.defaultLogLevel": opts.logLevel ?? "info",
      "org.slf4j.simpleLogger.showDateTime": "true",
      "org.slf4j.simpleLogger.dateTimeFormat": "HH:mm:ss.SSS",
      "zookeeper.jmx.log4j.disable": "true",
      ...opts.systemProperties,
    };
    const args = [
      ...(opts.jvm === "user" ? USER_JVM_FLAGS : FAST_JVM_FLAGS),
      ...(opts.jvmFlags ?? []),
      ...Object.entries(props).map(([k, v]) => `-D${k}=${v}`),
      "-cp",
      ZOOKEEPER_CLASSPATH,
      mainClass,
      cfgPath,
    ];
    this.#exitCode = null;
    const argv = this.#init.argv;
    const child = new Deno.Command(argv ? argv[0] : javaPath(), {
      args: argv ? [...argv.slice(1), cfgPath] : args,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.#child = child;
    const out = Deno.openSync(this.#init.outPath, { append: true, create: true });
    const copy = async (stream: ReadableStream<Uint8Array>) => {
      for await (const chunk of stream) out.writeSync(chunk);
    };
    this.#done = Promise.all([
      copy(child.stdout),
      copy(child.stderr),
      child.status.then((s) => {
        this.#exitCode = s.code;
      }),
    ]).then(() => {}, () => {}).finally(() => out.close());
  }

  /** SIGTERM, then SIGKILL when it has not ended after `graceMs`. */
  async stop(graceMs = 5000): Promise<void> {
    if (this.exited) return await this.#done;
    this.#signal("SIGTERM");
    const timer = setTimeout(() => this.#signal("SIGKILL"), graceMs);
    try {
      await this.#done;
    } finally {
      clearTimeout(timer);
    }
  }

  async kill(): Promise<void> {
    if (this.exited) return await this.#done;
    this.#signal("SIGKILL");
    await this.#done;
  }

  logs(): string {
    return readText(this.#init.logPath) + readText(this.#init.outPath);
  }

  #signal(sig: Deno.Signal): void {
    try {
      this.#child?.kill(sig);
    } catch { /* ended already */ }
  }
}

function javaPath(): string {
  const home = Deno.env.get("JAVA_HOME");
  return home ? `${home}/bin/java` : "java";
}

function readText(path: string): string {
  try {
    return Deno.readTextFileSync(path);
  } catch {
    return "";
  }
}

function tail(text: string, lines = 60): string {
  return text.split("\n").slice(-lines).join("\n");
}

async function removeDir(dir: string): Promise<void> {
  try {
    await Deno.remove(dir, { recursive: true });
  } catch { /* gone already */ }
}

async function tryFourLetter(port: number, word: string): Promise<string | null> {
  try {
    return await fourLetter(LOOPBACK, port, word, 2000);
  } catch {
    return null;
  }
}

/** Polls `check` every 50 ms until it is true; throws after `timeoutMs`. */
async function waitUntil(
  check: () => Promise<boolean>,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

/** A free port can be taken by someone else before java binds it: try again, 3 times. */
async function retryOnPortClash(start: () => Promise<void>): Promise<void> {
  for (let attempt = 1;; attempt++) {
    try {
      return await start();
    } catch (e) {
      if (attempt >= 3 || !/Address already in use|BindException/.test(String(e))) throw e;
    }
  }
}

async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what}: no answer in ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
