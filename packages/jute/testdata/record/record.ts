/**
 * Records zkts's golden wire and disk fixtures from real clients talking to
 * the real Apache ZooKeeper 3.8 (Debian), through a recording proxy.
 *
 *   deno run -A packages/jute/testdata/record/record.ts [java] [zkcli] [kazoo] [cmt] [disk]
 *
 * With no argument it records everything. It writes
 * `packages/jute/testdata/wire/<client>_<scenario>.jsonl`,
 * `packages/jute/testdata/zkcli_session.out` and
 * `packages/jute/testdata/disk/` (the server's txn logs and snapshots, plus
 * `txns.txt`, the list of txns in them). See ../README.md.
 *
 * @module
 */
import { startApache, ZOOKEEPER_CLASSPATH } from "../../../../tests/support/apache.ts";
import { type RecordedFrame, RecordingProxy } from "../../../../tests/support/proxy.ts";

const HERE = new URL(".", import.meta.url).pathname;
const TESTDATA = new URL("..", import.meta.url).pathname;
const WIRE = `${TESTDATA}wire/`;
const DISK = `${TESTDATA}disk/`;
const SERVER = "Apache ZooKeeper 3.8.0 (Debian)";
const RECORDED_WITH = "deno run -A packages/jute/testdata/record/record.ts";
const CLIENT_TIMEOUT_MS = 120_000;

interface Scenario {
  /** File name: `<client>_<scenario>.jsonl`. */
  file: string;
  client: string;
  scenario: string;
  run(proxy: RecordingProxy): Promise<void>;
}

const decoder = new TextDecoder();
const encoder = new TextEncoder();

/**
 * Runs a client process, echoing its output with a prefix; a stdout line
 * starting with `@@CUT` cuts every connection through the proxy and answers
 * the client with a line on stdin. Optionally feeds `input` lines to stdin,
 * one every `inputDelayMs`. Throws when it exits non-zero or overruns.
 */
async function runClient(opts: {
  name: string;
  cmd: string;
  args: string[];
  proxy: RecordingProxy;
  input?: string[];
  inputDelayMs?: number;
  env?: Record<string, string>;
  cwd?: string;
  /** Receives stdin lines sent, and stdout/stderr text, in the order seen. */
  transcript?: { kind: "in" | "out" | "err"; text: string }[];
}): Promise<string> {
  const child = new Deno.Command(opts.cmd, {
    args: opts.args,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
    env: opts.env,
    cwd: opts.cwd,
  }).spawn();
  const stdin = child.stdin.getWriter();
  const timer = setTimeout(() => {
    console.error(`[${opts.name}] took over ${CLIENT_TIMEOUT_MS} ms: killing it`);
    try {
      child.kill("SIGKILL");
    } catch { /* ended */ }
  }, CLIENT_TIMEOUT_MS);
  let out = "";
  const readOut = (async () => {
    let pending = "";
    for await (const chunk of child.stdout) {
      const text = decoder.decode(chunk, { stream: true });
      opts.transcript?.push({ kind: "out", text });
      out += text;
      pending += text;
      let nl: number;
      while ((nl = pending.indexOf("\n")) >= 0) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        console.log(`[${opts.name}] ${line}`);
        if (line.startsWith("@@CUT")) {
          const n = opts.proxy.cutAll();
          console.log(`[record] cut ${n} connection(s)`);
          await stdin.write(encoder.encode("go\n")).catch(() => {});
        }
      }
    }
  })();
  let err = "";
  const readErr = (async () => {
    for await (const chunk of child.stderr) {
      const text = decoder.decode(chunk, { stream: true });
      opts.transcript?.push({ kind: "err", text });
      err += text;
    }
  })();
  const feed = (async () => {
    for (const line of opts.input ?? []) {
      await new Promise((r) => setTimeout(r, opts.inputDelayMs ?? 0));
      opts.transcript?.push({ kind: "in", text: line });
      await stdin.write(encoder.encode(line + "\n")).catch(() => {});
    }
  })();
  const status = await child.status;
  clearTimeout(timer);
  await Promise.all([readOut, readErr, feed]);
  await stdin.close().catch(() => {});
  if (err.trim()) console.log(`[${opts.name}] stderr:\n${err.trimEnd()}`);
  if (!status.success) throw new Error(`${opts.name} exited with ${status.code}`);
  return out;
}

const javaScenario: Scenario = {
  file: "java_all_ops.jsonl",
  client: "Apache ZooKeeper 3.8.0 Java client (org.apache.zookeeper.ZooKeeper / ZooKeeperAdmin)",
  scenario: "every op of the Java client API: create in all modes, create2, delete, exists, " +
    "getData/setData, ACLs, getChildren/getChildren2, sync, ping, multi ok and failing, " +
    "multiRead, getEphemerals, getAllChildrenNumber, whoAmI, getConfig, reconfig (disabled), " +
    "addWatch persistent and recursive, removeWatches/removeAllWatches, errors, a second " +
    "session without auth, a re-attach with a wrong password (expired), 40 pipelined async " +
    "requests, two connection cuts (SetWatches, SetWatches2), close",
  async run(proxy) {
    const classes = await Deno.makeTempDir({ prefix: "zkts-scenario-" });
    try {
      const javac = await new Deno.Command("javac", {
        args: ["-cp", ZOOKEEPER_CLASSPATH, "-d", classes, `${HERE}Scenario.java`],
      }).output();
      if (!javac.success) throw new Error(`javac: ${decoder.decode(javac.stderr)}`);
      await runClient({
        name: "java",
        cmd: "java",
        args: [
          "-XX:+UseSerialGC",
          "-XX:TieredStopAtLevel=1",
          "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
          "-cp",
          `${classes}:${ZOOKEEPER_CLASSPATH}`,
          "Scenario",
          proxy.connectString,
        ],
        proxy,
      });
    } finally {
      await Deno.remove(classes, { recursive: true });
    }
  },
};

/** The zkCli.sh session, one command a line (fed on stdin). */
const ZKCLI_COMMANDS = [
  "create /cli cli-data",
  "create -s /cli/seq- s",
  "create -e /cli/eph e",
  "create -c /cli/cont c",
  "create /cli/cont/kid k",
  "create -t 60000 /cli/ttl t",
  "create -s -e /cli/eseq- x",
  "create -s -t 60000 /cli/tseq- t",
  "ls /cli",
  "ls -s /cli",
  "ls -R /cli",
  "get /cli",
  "get -s /cli",
  "get -w /cli",
  "set /cli new-data",
  "set -s -v 1 /cli v2",
  "set -v 99 /cli bad-version",
  "stat /cli",
  "stat -w /cli/eph",
  "getAcl /cli",
  "addauth digest cli:pw",
  "create /cli/secure s auth::cdrwa",
  "getAcl -s /cli/secure",
  "setAcl /cli/seq-0000000000 auth::cdrwa",
  "setAcl -s /cli/cont world:anyone:cdrwa",
  "create /cli/bad b digest:nocolon:cdrwa",
  "get /cli/nope",
  "create /cli dup",
  "create /cli/eph/child c",
  "delete /cli/eph",
  "delete /cli",
  "delete -v 5 /cli/cont/kid",
  "sync /cli",
  "whoami",
  "getEphemerals /cli",
  "getEphemerals",
  "getAllChildrenNumber /cli",
  "addWatch /cli",
  "addWatch -m PERSISTENT /cli/cont",
  "set /cli watched",
  "create /cli/new n",
  "removewatches /cli",
  "removewatches /cli/cont -a",
  "removewatches /cli/nothing",
  "config",
  "config -s",
  "ls -w /cli",
  "deleteall /cli",
  "ls /",
  "version",
  "quit",
];

const zkcliScenario: Scenario = {
  file: "zkcli_session.jsonl",
  client: "Apache ZooKeeper 3.8.0 zkCli.sh (org.apache.zookeeper.ZooKeeperMain)",
  scenario: "a scripted zkCli.sh session: " + ZKCLI_COMMANDS.join("; "),
  async run(proxy) {
    const transcript: { kind: "in" | "out" | "err"; text: string }[] = [];
    await runClient({
      name: "zkcli",
      cmd: "/usr/share/zookeeper/bin/zkCli.sh",
      args: ["-waitforconnection", "-server", proxy.connectString],
      proxy,
      input: ZKCLI_COMMANDS,
      // zkCli runs one command at a time; the pause keeps each command's
      // output after it in the transcript.
      inputDelayMs: 250,
      env: { CLIENT_JVMFLAGS: "-XX:+UseSerialGC -XX:TieredStopAtLevel=1" },
      transcript,
    });
    await Deno.writeTextFile(
      `${TESTDATA}zkcli_session.out`,
      zkcliTranscript(transcript, proxy.connectString),
    );
  },
};

/**
 * The zkCli.sh transcript: each command sent as `zk> command`, then what it
 * printed, stderr lines prefixed with `stderr: `. slf4j's warnings are left
 * out and the proxy's port (different each run) is written PORT.
 */
function zkcliTranscript(
  transcript: { kind: "in" | "out" | "err"; text: string }[],
  connectString: string,
): string {
  const lines: string[] = [
    "# zkCli.sh -waitforconnection -server 127.0.0.1:PORT, commands on stdin",
    "# (recorded by packages/jute/testdata/record/record.ts; see README.md)",
  ];
  const pending = { out: "", err: "" };
  const flush = (kind: "out" | "err", all: boolean) => {
    const parts = pending[kind].split("\n");
    pending[kind] = all ? "" : parts.pop()!;
    if (all && parts.at(-1) === "") parts.pop();
    for (const line of parts) {
      if (kind === "err" && line.startsWith("SLF4J:")) continue;
      lines.push(kind === "err" ? `stderr: ${line}` : line);
    }
  };
  for (const { kind, text } of transcript) {
    if (kind === "in") {
      flush("out", true);
      flush("err", true);
      lines.push(`zk> ${text}`);
    } else {
      pending[kind] += text;
      flush(kind, false);
    }
  }
  flush("out", true);
  flush("err", true);
  return lines.join("\n").replaceAll(connectString, "127.0.0.1:PORT") + "\n";
}

const kazooScenario: Scenario = {
  file: "kazoo_session.jsonl",
  client: "kazoo 2.8 (Debian python3-kazoo)",
  scenario: "kazoo: ensure_path, create (ephemeral, sequence, makepath, include_data), " +
    "exists, get, set, get_children (include_data), sync, ACLs, errors, transactions " +
    "(multi, ok and failing), data/child/exists watches, a connection cut (SetWatches), " +
    "a Lock recipe, recursive delete, close",
  async run(proxy) {
    await runClient({
      name: "kazoo",
      cmd: "/usr/bin/python3",
      args: [`${HERE}kazoo_scenario.py`, proxy.connectString],
      proxy,
    });
  },
};

/** The C client's session (cli_mt is asynchronous: one command every 200 ms). */
const CLI_MT_COMMANDS = [
  "create /c",
  "create +e /c/eph",
  "create +s /c/seq-",
  "create +es /c/eseq-",
  "create +c /c/cont",
  "create +t=60000 /c/ttl",
  "create2 /c/two",
  "set /c hello",
  "get /c",
  "ls /",
  "ls2 /c",
  "exists /c",
  "exists /c/nope",
  "wexists /c/w",
  "create /c/w",
  "get /c/nope",
  "create /c",
  "addauth digest c:pw",
  "sync /c",
  "config",
  "delete /c/w",
  "delete /c",
  "delete /c/eph",
  "quit",
];

const cliMtScenario: Scenario = {
  file: "c_cli_mt_session.jsonl",
  client: "Apache ZooKeeper 3.8.0 C client (cli_mt, libzookeeper_mt)",
  scenario: "a cli_mt session: " + CLI_MT_COMMANDS.join("; "),
  async run(proxy) {
    await runClient({
      name: "cli_mt",
      cmd: "/usr/lib/zookeeper/bin/cli_mt",
      args: [proxy.connectString],
      proxy,
      input: ["", ...CLI_MT_COMMANDS],
      inputDelayMs: 200,
    });
  },
};

const SCENARIOS: Record<string, Scenario> = {
  java: javaScenario,
  zkcli: zkcliScenario,
  kazoo: kazooScenario,
  cmt: cliMtScenario,
};

async function waitClosed(proxy: RecordingProxy, timeoutMs = 10_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (proxy.open > 0 && performance.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
  }
}

function jsonl(s: Scenario, frames: RecordedFrame[]): string {
  const meta = {
    meta: { client: s.client, server: SERVER, scenario: s.scenario, recordedWith: RECORDED_WITH },
  };
  return [meta, ...frames.map((f) => ({ conn: f.conn, dir: f.dir, hex: f.hex }))]
    .map((o) => JSON.stringify(o)).join("\n") + "\n";
}

/** Txn types as Apache writes them in TxnHeader.type (ZooDefs.OpCode). */
const TXN_TYPES: Record<number, string> = {
  [-11]: "closeSession",
  [-10]: "createSession",
  [-1]: "error",
  1: "create",
  2: "delete",
  5: "setData",
  7: "setACL",
  13: "check",
  14: "multi",
  15: "create2",
  16: "reconfig",
  19: "createContainer",
  20: "deleteContainer",
  21: "createTTL",
};

/**
 * Lists the txns of an Apache txn log file: FileHeader (magic "ZKLG",
 * version, dbid), then records of checksum (long), length (int), the
 * TxnHeader + txn bytes and 0x42 ('B'), until a zero length.
 */
function listTxns(bytes: Uint8Array, sessions: Map<bigint, string>): string[] {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lines: string[] = [];
  let at = 16;
  while (at + 12 <= bytes.length) {
    const len = v.getInt32(at + 8);
    if (len <= 0) break;
    const rec = at + 12;
    const clientId = v.getBigInt64(rec);
    const cxid = v.getInt32(rec + 8);
    const zxid = v.getBigInt64(rec + 12);
    const type = v.getInt32(rec + 28);
    const session = BigInt.asUintN(64, clientId);
    const who = session === 0n ? "the server (container manager)" : sessions.get(session) ?? "?";
    lines.push(
      `  zxid 0x${zxid.toString(16)} type ${type} ${TXN_TYPES[type] ?? "?"} ` +
        `session 0x${session.toString(16)} cxid ${cxid} (${len} bytes) <- ${who}`,
    );
    at = rec + len + 1;
  }
  return lines;
}

/** The session id of each connection, from its ConnectResponse (first s2c frame). */
function sessionsOf(frames: RecordedFrame[], label: string, into: Map<bigint, string>): void {
  const seen = new Set<number>();
  for (const f of frames) {
    if (f.dir !== "s2c" || seen.has(f.conn)) continue;
    seen.add(f.conn);
    // ConnectResponse: protocolVersion (int), timeOut (int), sessionId (long), ...
    const session = BigInt(`0x${f.hex.slice(16, 32)}`);
    if (!into.has(session)) into.set(session, `${label}, session of conn ${f.conn}`);
  }
}

async function copyDisk(dataDir: string, sessions: Map<bigint, string>): Promise<void> {
  await Deno.remove(DISK, { recursive: true }).catch(() => {});
  await Deno.mkdir(DISK, { recursive: true });
  const names = [...Deno.readDirSync(`${dataDir}/version-2`)].map((e) => e.name).sort();
  const index: string[] = [
    "# The files of this folder, as Apache ZooKeeper 3.8.0 wrote them (see ../README.md).",
    "# Txns of each log file (TxnHeader.type by ZooDefs.OpCode):",
  ];
  for (const name of names) {
    if (!/^(log|snapshot)\.[0-9a-f]+$/.test(name)) continue;
    const bytes = await Deno.readFile(`${dataDir}/version-2/${name}`);
    await Deno.writeFile(`${DISK}${name}`, bytes);
    index.push(`${name} (${bytes.length} bytes)`);
    if (name.startsWith("log.")) index.push(...listTxns(bytes, sessions));
  }
  await Deno.writeTextFile(`${DISK}txns.txt`, index.join("\n") + "\n");
  console.log(`[record] disk: ${names.join(", ")}`);
}

async function main(): Promise<void> {
  const wanted = Deno.args.length ? Deno.args : [...Object.keys(SCENARIOS), "disk"];
  await Deno.mkdir(WIRE, { recursive: true });
  const zk = await startApache({
    extendedTypesEnabled: true,
    forceSync: false,
    // A snapshot (and a new log file) every 20..40 txns, and small log
    // files: preallocated 4 KB at a time instead of 64 MB.
    snapCount: 40,
    preAllocSize: 4,
    // Kept until the disk files are copied, after the server stopped.
    keepDir: true,
    // The container manager checks often, so empty containers and expired
    // TTL nodes are deleted during the run (deleteContainer txns).
    systemProperties: { "znode.container.checkIntervalMs": "1000" },
  });
  console.log(
    `[record] Apache ZooKeeper on ${zk.connectString} (started in ${zk.startMs.toFixed(0)} ms)`,
  );
  const sessions = new Map<bigint, string>();
  try {
    for (const name of wanted) {
      const s = SCENARIOS[name];
      if (!s) continue;
      const proxy = await RecordingProxy.start({ host: zk.host, port: zk.port });
      try {
        await s.run(proxy);
        await waitClosed(proxy);
      } finally {
        await proxy.close();
      }
      if (proxy.errors.length) throw new Error(`${name}: proxy errors: ${proxy.errors.join("; ")}`);
      const frames = proxy.frames();
      sessionsOf(frames, s.file, sessions);
      await Deno.writeTextFile(`${WIRE}${s.file}`, jsonl(s, frames));
      console.log(
        `[record] ${s.file}: ${frames.length} frames, ${proxy.connections} connection(s)`,
      );
    }
    if (wanted.includes("disk")) {
      // Let the container manager run once more, stop the server, then copy
      // what is on disk.
      await new Promise((r) => setTimeout(r, 2000));
      await zk.stop();
      await copyDisk(zk.dataDir, sessions);
    }
  } finally {
    await zk.stop();
    await Deno.remove(zk.dir, { recursive: true }).catch(() => {});
  }
}

if (import.meta.main) await main();
