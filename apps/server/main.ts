/**
 * The zkts server: `deno run -A apps/server/main.ts [zoo.cfg]` (also
 * `deno task server`). Reads zoo.cfg exactly like Apache ZooKeeper; with no
 * config it runs the embedded default: standalone, data in ./data, client
 * port 2181 on 127.0.0.1.
 *
 * Operator commands as zkServer.sh has them:
 *   main.ts [start-foreground] [zoo.cfg]   run in the foreground, logs to stdout
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
  ZK_VERSION,
  type ZkConfig,
  ZkServer,
} from "@zkts/server";
import { DenoStorage, purge } from "@zkts/persistence";

function usage(): never {
  console.error("Usage: main.ts [start-foreground|status|purge] [zoo.cfg] [-n count]");
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
  const pre = parseConfigQuietly(text);
  let myid: string | undefined;
  if (pre?.servers.size) {
    try {
      myid = await Deno.readTextFile(`${pre.dataDir}/myid`);
    } catch { /* parseConfig says it is missing */ }
  }
  try {
    return { config: parseConfig(text, { myid }), source };
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(`Invalid config, exiting abnormally: ${e.message}`);
      Deno.exit(2);
    }
    throw e;
  }
}

function parseConfigQuietly(text: string): ZkConfig | undefined {
  try {
    return parseConfig(text, { myid: "0" });
  } catch {
    try {
      return parseConfig(text.replace(/^server\..*$/gm, ""));
    } catch {
      return undefined;
    }
  }
}

async function status(path: string | undefined): Promise<number> {
  const { config, source } = await loadConfig(path);
  console.log(`Using config: ${source}`);
  const host = config.clientPortAddress && config.clientPortAddress !== "0.0.0.0"
    ? config.clientPortAddress
    : "localhost";
  const port = config.clientPort ?? 2181;
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
  if (!isStandalone(config)) {
    console.error(
      "Invalid config, exiting abnormally: ensembles (server.N lines) are not supported yet by zkts; run standalone",
    );
    Deno.exit(2);
  }
  const server = await ZkServer.start(config);
  const addr = server.address;
  console.log(
    `zkts ${ZK_VERSION} standalone, config ${source}, dataDir ${config.dataDir}, serving clients on ${addr.hostname}:${addr.port}`,
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

const args = [...Deno.args];
if (args[0] === "--help" || args[0] === "-h") usage();
if (args[0] === "status") {
  Deno.exit(await status(args[1]));
} else if (args[0] === "purge") {
  Deno.exit(await purgeCmd(args.slice(1)));
} else if (args[0] === "start-foreground" || args[0] === "start") {
  await run(args[1]);
} else if (args.length > 1) {
  usage();
} else {
  await run(args[0]);
}
