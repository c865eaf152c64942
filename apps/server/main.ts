/**
 * The zkts server: `deno run -A apps/server/main.ts [zoo.cfg]` (also
 * `deno task server`). Reads zoo.cfg exactly like Apache ZooKeeper; with no
 * config it runs the embedded default: standalone, data in ./data, client
 * port 2181 on 127.0.0.1.
 *
 * Operator commands as zkServer.sh has them (also with `--config <dir>`):
 *   main.ts [start-foreground] [zoo.cfg]   run in the foreground, logs to stdout
 *   main.ts start|stop|restart [zoo.cfg]   run in the background (pid in dataDir/zookeeper_server.pid,
 *                                          output in $ZOO_LOG_DIR or dataDir, zookeeper-server.out)
 *   main.ts version                        print the version
 *   main.ts status [zoo.cfg]               ask the running server for its Mode
 *   main.ts purge [zoo.cfg] [-n count]     keep the newest `count` snapshots (>= 3) and the
 *                                          logs they need, as zkCleanup.sh -n count
 *
 * @module
 */
import {
  ConfigError,
  DEFAULT_CONFIG_TEXT,
  isStandalone,
  parseConfig,
  parseProperties,
  QuorumPeer,
  ZK_VERSION,
  type ZkConfig,
  ZkServer,
} from "@zkts/server";
import { DenoStorage, purge } from "@zkts/persistence";

function usage(): never {
  console.error(
    "Usage: main.ts [--config <conf-dir>] {start|start-foreground|stop|version|restart|status|purge} [zoo.cfg] [-n count]",
  );
  Deno.exit(2);
}

async function loadConfig(path: string | undefined): Promise<{ config: ZkConfig; source: string }> {
  let text = DEFAULT_CONFIG_TEXT;
  let source = "(embedded default)";
  if (path !== undefined) {
    try {
      text = await Deno.readTextFile(path);
    } catch (e) {
      console.error(
        `Invalid config, exiting abnormally: cannot read ${path}: ${(e as Error).message}`,
      );
      Deno.exit(2);
    }
    source = path;
  }
  // QuorumPeerConfig.parse: myid from dataDir when it is there, the ensemble
  // from the dynamic file when zoo.cfg names one (dynamicConfigFile, 3.5+).
  const props = parseProperties(text);
  const dataDir = props.get("dataDir")?.trim();
  let myid: string | undefined;
  if (dataDir) {
    try {
      myid = await Deno.readTextFile(`${dataDir}/myid`);
    } catch { /* parseConfig says it is missing when the ensemble needs it */ }
  }
  const dynamicPath = props.get("dynamicConfigFile")?.trim();
  let dynamicConfig: string | undefined;
  let unreadable: string | undefined;
  if (dynamicPath !== undefined) {
    try {
      dynamicConfig = await Deno.readTextFile(dynamicPath);
    } catch (e) {
      // QuorumPeerConfig.parse wraps the IOException: "Error processing <path>",
      // once zoo.cfg itself is found valid (parseConfig says so first).
      unreadable = `Error processing ${dynamicPath}: ${(e as Error).message}`;
    }
  }
  try {
    return { config: parseConfig(text, { myid, dynamicConfig }), source };
  } catch (e) {
    if (e instanceof ConfigError) {
      const message = unreadable !== undefined && e.key === "dynamicConfigFile"
        ? unreadable
        : e.message;
      console.error(`Invalid config, exiting abnormally: ${message}`);
      Deno.exit(2);
    }
    throw e;
  }
}

async function status(path: string | undefined): Promise<number> {
  const { config, source } = await loadConfig(path);
  console.log(`Using config: ${source}`);
  const host = config.clientPortAddress && config.clientPortAddress !== "0.0.0.0"
    ? config.clientPortAddress
    : "localhost";
  if (config.clientPort === undefined) {
    // zkServer.sh status with neither port in the config.
    console.log(
      "Unable to find either secure or insecure client port in any configs. Terminating.",
    );
    return 1;
  }
  const port = config.clientPort;
  console.log(`Client port found: ${port}. Client address: ${host}. Client SSL: false.`);
  try {
    const conn = await Deno.connect({ hostname: host === "localhost" ? "127.0.0.1" : host, port });
    await conn.write(new TextEncoder().encode("srvr"));
    const chunks: Uint8Array[] = [];
    const buf = new Uint8Array(4096);
    for (;;) {
      const n = await conn.read(buf);
      if (n === null) break;
      chunks.push(buf.slice(0, n));
    }
    conn.close();
    const text = new TextDecoder().decode(
      chunks.reduce((a, b) => {
        const c = new Uint8Array(a.length + b.length);
        c.set(a);
        c.set(b, a.length);
        return c;
      }, new Uint8Array()),
    );
    const mode = text.match(/^Mode: (.*)$/m);
    if (!mode) throw new Error("no Mode in the srvr reply");
    console.log(`Mode: ${mode[1]}`);
    return 0;
  } catch {
    console.log("Error contacting service. It is probably not running.");
    return 1;
  }
}

async function run(path: string | undefined): Promise<void> {
  const { config, source } = await loadConfig(path);
  for (const [k, v] of config.unknown) console.warn(`WARN unknown config key ${k}=${v} (ignored)`);
  for (const [k, note] of config.noEffect) console.log(`INFO config key ${k}: ${note}`);
  const clientPort = (s: { hasClientPort: boolean; address: Deno.NetAddr }) =>
    s.hasClientPort ? `${s.address.hostname}:${s.address.port}` : "none (clientPort is not set)";
  if (!isStandalone(config)) {
    const peer = await QuorumPeer.start(config);
    console.log(
      `zkts ${ZK_VERSION} server.${config.myid} of ${config.servers.size}, config ${source}, dataDir ${config.dataDir}, client port ${
        clientPort(peer)
      }`,
    );
    let stopping = false;
    const stop = async (signal: string) => {
      if (stopping) return;
      stopping = true;
      console.log(`${signal}: shutting down`);
      await peer.stop();
      Deno.exit(0);
    };
    Deno.addSignalListener("SIGTERM", () => stop("SIGTERM"));
    Deno.addSignalListener("SIGINT", () => stop("SIGINT"));
    exitWhenFatal(peer.stopped, () => stopping);
    return;
  }
  const server = await ZkServer.start(config);
  console.log(
    `zkts ${ZK_VERSION} standalone, config ${source}, dataDir ${config.dataDir}, serving clients on ${
      clientPort(server)
    }`,
  );
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: shutting down (txn log flushed, sockets closed)`);
    await server.stop();
    Deno.exit(0);
  };
  Deno.addSignalListener("SIGTERM", () => stop("SIGTERM"));
  Deno.addSignalListener("SIGINT", () => stop("SIGINT"));
  exitWhenFatal(server.stopped, () => stopping);
}

/** A server that stopped itself (its txn log failed) ends the process, as Apache's exits. */
function exitWhenFatal(stopped: Promise<string | undefined>, byUs: () => boolean): void {
  stopped.then((fatal) => {
    if (byUs()) return;
    console.error(`zkts stopped: ${fatal ?? "stopped"}; exiting`);
    Deno.exit(1);
  });
}

async function purgeCmd(rest: string[]): Promise<number> {
  let count: number | undefined;
  const files: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    if (rest[i] === "-n") count = Number(rest[++i]);
    else files.push(rest[i]);
  }
  const { config } = await loadConfig(files[0]);
  const keep = count ?? config.snapRetainCount;
  if (!Number.isInteger(keep) || keep < 3) {
    console.error("Error: snapRetainCount (-n) must be an integer of at least 3");
    return 2;
  }
  const removed = await purge({
    storage: new DenoStorage(),
    snapDir: `${config.dataDir}/version-2`,
    logDir: `${config.dataLogDir}/version-2`,
    snapRetainCount: keep,
  });
  for (const f of removed) console.log(`Removing file: ${f}`);
  console.log(`Purged ${removed.length} files, kept the newest ${keep} snapshots`);
  return 0;
}

const SELF = new URL(import.meta.url).pathname;

function pidFile(config: ZkConfig): string {
  return `${config.dataDir}/zookeeper_server.pid`;
}

function alive(pid: number): boolean {
  try {
    Deno.kill(pid, "SIGCONT");
    return true;
  } catch {
    return false;
  }
}

/** Whether the server answers `srvr` (always whitelisted, as zkServer.sh relies on). */
async function serving(config: ZkConfig): Promise<boolean> {
  const host = config.clientPortAddress && config.clientPortAddress !== "0.0.0.0"
    ? config.clientPortAddress
    : "127.0.0.1";
  try {
    const conn = await Deno.connect({ hostname: host, port: config.clientPort ?? 2181 });
    try {
      await conn.write(new TextEncoder().encode("srvr"));
      const buf = new Uint8Array(4096);
      let text = "";
      for (;;) {
        const n = await conn.read(buf);
        if (n === null) break;
        text += new TextDecoder().decode(buf.subarray(0, n));
      }
      return /^Mode: /m.test(text);
    } finally {
      conn.close();
    }
  } catch {
    return false;
  }
}

const write = (s: string) => Deno.stdout.writeSync(new TextEncoder().encode(s));

/** zkServer.sh start: in the background, pid file in dataDir, STARTED once it answers. */
async function startDaemon(path: string | undefined): Promise<number> {
  const { config, source } = await loadConfig(path);
  console.error(`Using config: ${source}`);
  write("Starting zookeeper ... ");
  const pf = pidFile(config);
  try {
    const pid = Number(await Deno.readTextFile(pf));
    if (alive(pid)) {
      console.log(`zookeeper already running as process ${pid}.`);
      return 1;
    }
  } catch { /* no pid file */ }
  await Deno.mkdir(config.dataDir, { recursive: true });
  const logDir = Deno.env.get("ZOO_LOG_DIR") ?? config.dataDir;
  await Deno.mkdir(logDir, { recursive: true });
  const q = (x: string) => `'${x.replaceAll("'", `'\''`)}'`;
  const cmd = `nohup ${q(Deno.execPath())} run -A ${q(SELF)} start-foreground ${
    path ? q(path) : ""
  } > ${q(`${logDir}/zookeeper-server.out`)} 2>&1 < /dev/null & echo $!`;
  const out = await new Deno.Command("sh", { args: ["-c", cmd], stdout: "piped" }).output();
  const pid = Number(new TextDecoder().decode(out.stdout).trim());
  if (!out.success || !Number.isInteger(pid) || pid <= 0) {
    console.log("SERVER DID NOT START");
    return 1;
  }
  await Deno.writeTextFile(pf, String(pid));
  const deadline = Date.now() + 15000;
  while (Date.now() < deadline) {
    if (!alive(pid)) break;
    if (await serving(config)) {
      console.log("STARTED");
      return 0;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  console.log("FAILED TO START");
  return 1;
}

/** zkServer.sh stop: SIGTERM the pid of the pid file, then STOPPED. */
async function stopDaemon(path: string | undefined): Promise<number> {
  const { config, source } = await loadConfig(path);
  console.error(`Using config: ${source}`);
  write("Stopping zookeeper ... ");
  const pf = pidFile(config);
  let pid: number;
  try {
    pid = Number(await Deno.readTextFile(pf));
  } catch {
    console.log(`no zookeeper to stop (could not find file ${pf})`);
    return 0;
  }
  try {
    Deno.kill(pid, "SIGTERM");
  } catch { /* already gone */ }
  await Deno.remove(pf).catch(() => {});
  const deadline = Date.now() + 10000;
  while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  console.log("STOPPED");
  return 0;
}

let args = [...Deno.args];
// zkServer.sh --config <dir>: the zoo.cfg in that directory.
const configFlag = args.indexOf("--config");
if (configFlag >= 0) {
  const dir = args[configFlag + 1];
  if (!dir) usage();
  args.splice(configFlag, 2);
  const cmd = args[0] ?? "start-foreground";
  const rest = args.slice(1);
  args = [cmd, rest[0] ?? `${dir}/zoo.cfg`, ...rest.slice(1)];
}
if (args[0] === "--help" || args[0] === "-h") usage();
if (args[0] === "status") {
  Deno.exit(await status(args[1]));
} else if (args[0] === "start") {
  Deno.exit(await startDaemon(args[1]));
} else if (args[0] === "stop") {
  Deno.exit(await stopDaemon(args[1]));
} else if (args[0] === "restart") {
  await stopDaemon(args[1]);
  Deno.exit(await startDaemon(args[1]));
} else if (args[0] === "version") {
  console.log(`Apache ZooKeeper, version ${ZK_VERSION}`);
  Deno.exit(0);
} else if (args[0] === "purge") {
  Deno.exit(await purgeCmd(args.slice(1)));
} else if (args[0] === "start-foreground") {
  await run(args[1]);
} else if (args.length > 1) {
  usage();
} else {
  await run(args[0]);
}
