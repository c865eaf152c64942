/**
 * Restart with a long txn log: how long a standalone server takes from
 * process start to serving the last znode written before it stopped.
 *
 * A zkts server (default snapCount 100000, preAllocSize 64 MiB, fsync on) is
 * sent TXNS pipelined creates `/r/n<i>` (100-byte values) and stopped with
 * SIGTERM: its dataDir then holds about TXNS / 75,000 log segments and as
 * many snapshots, in Apache ZooKeeper's format. A fresh copy of that dataDir
 * is then started by each server in turn, ROUNDS times: zkts
 * (`apps/server/main.ts`) and Apache ZooKeeper 3.8 as zkServer.sh starts it
 * (QuorumPeerMain, default JIT and GC, plus `-Xmx2g`). The time is from
 * spawn to `exists` of the last znode answering, polled every 20 ms (`srvr`
 * until it says a mode, then a session).
 *
 *   deno run -A bench/restart.ts [--txns 1000000] [--rounds 1] [--only zkts|Apache]
 *     [--data DIR (reuse DIR/data if it exists, else write it there and keep it)]
 *     [--main PATH (the zkts server to restart, e.g. another checkout's apps/server/main.ts)]
 *
 * @module
 */
import { parseArgs } from "node:util";
import { ZooKeeper } from "@zkts/client";
import {
  fourLetter,
  freePort,
  LOOPBACK,
  zooCfg,
  ZOOKEEPER_CLASSPATH,
} from "../tests/support/apache.ts";
import { startZkts } from "../tests/support/zkts.ts";

const { values } = parseArgs({
  options: {
    txns: { type: "string", default: "1000000" },
    rounds: { type: "string", default: "1" },
    only: { type: "string" },
    data: { type: "string" },
    main: { type: "string" },
  },
});
const TXNS = Number(values.txns);
const ROUNDS = Number(values.rounds);
const SESSIONS = 8;
const DEPTH = 64;
const MAIN = values.main ?? new URL("../apps/server/main.ts", import.meta.url).pathname;
const lastPath = (txns: number) => `/r/n${txns - 2}`; // the parent /r is the first create

/** Writes the dataDir through a real zkts server; returns its path. */
async function writeDataDir(into: string): Promise<void> {
  const server = await startZkts({ forceSync: true, keepDir: true, maxSessionTimeout: 60000 });
  try {
    const clients = await Promise.all(
      Array.from({ length: SESSIONS }, () => ZooKeeper.connect(server.connectString)),
    );
    const data = new Uint8Array(100).fill(120);
    await clients[0].create("/r", null);
    let next = 0;
    const t0 = performance.now();
    await Promise.all(clients.flatMap((zk) =>
      Array.from({ length: DEPTH }, async () => {
        while (next < TXNS - 1) await zk.create(`/r/n${next++}`, data);
      })
    ));
    console.error(
      `wrote ${TXNS} creates in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );
    await Promise.all(clients.map((c) => c.close()));
  } finally {
    await server.stop();
  }
  await Deno.rename(server.dataDir, into);
  await Deno.remove(server.dir, { recursive: true });
}

async function copyDir(from: string, to: string): Promise<void> {
  const cp = await new Deno.Command("cp", { args: ["-r", "--sparse=always", from, to] }).output();
  if (!cp.success) throw new Error(`cp ${from} ${to}: ${new TextDecoder().decode(cp.stderr)}`);
  // Start from cold files as after a reboot is not possible unprivileged; both see a warm cache.
}

async function serving(port: number, path: string): Promise<boolean> {
  let srvr: string;
  try {
    srvr = await fourLetter(LOOPBACK, port, "srvr", 2000);
  } catch {
    return false;
  }
  if (!/^Mode: /m.test(srvr)) return false;
  const zk = await ZooKeeper.connect(`${LOOPBACK}:${port}`);
  try {
    return (await zk.exists(path)) !== null;
  } finally {
    await zk.close();
  }
}

interface Run {
  ms: number;
  note: string;
}

async function restartOnce(name: string, dataDir: string, work: string): Promise<Run> {
  const dir = `${work}/${name}-${crypto.randomUUID().slice(0, 8)}`;
  await Deno.mkdir(dir);
  await copyDir(dataDir, `${dir}/data`);
  const port = freePort();
  const cfg = `${dir}/zoo.cfg`;
  await Deno.writeTextFile(cfg, zooCfg({ dataDir: `${dir}/data`, clientPort: port }));
  const argv = name === "zkts" ? [Deno.execPath(), "run", "-A", MAIN, cfg] : [
    // zkServer.sh start-foreground's java line, plus the heap.
    "java",
    `-Dzookeeper.log.dir=${dir}`,
    "-Dzookeeper.log.file=zookeeper.log",
    "-XX:+HeapDumpOnOutOfMemoryError",
    "-XX:OnOutOfMemoryError=kill -9 %p",
    "-Xmx2g",
    `-Dorg.slf4j.simpleLogger.logFile=${dir}/zookeeper.log`,
    "-cp",
    ZOOKEEPER_CLASSPATH,
    "org.apache.zookeeper.server.quorum.QuorumPeerMain",
    cfg,
  ];
  const t0 = performance.now();
  const child = new Deno.Command(argv[0], {
    args: argv.slice(1),
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let output = "";
  for (const stream of [child.stdout, child.stderr]) {
    stream.pipeThrough(new TextDecoderStream()).pipeTo(
      new WritableStream({ write: (text) => void (output += text) }),
    ).catch(() => {});
  }
  let exited = false;
  child.status.then(() => exited = true);
  try {
    const deadline = t0 + 600_000;
    while (!(await serving(port, lastPath(TXNS)))) {
      if (exited) throw new Error(`${name} exited:\n${output.slice(-4000)}`);
      if (performance.now() > deadline) throw new Error(`${name} not serving after 600 s`);
      await new Promise((r) => setTimeout(r, 20));
    }
    const ms = performance.now() - t0;
    let logs = output;
    try {
      logs += Deno.readTextFileSync(`${dir}/zookeeper.log`);
    } catch { /* zkts logs to stdout */ }
    const note = name === "zkts"
      ? (logs.match(/Restored [^\n]*/)?.[0] ?? "")
      : (logs.match(/Snapshot loaded in [^\n]*/)?.[0] ?? "");
    return { ms, note };
  } finally {
    try {
      child.kill("SIGKILL");
    } catch { /* gone */ }
    await child.status;
    await Deno.remove(dir, { recursive: true });
  }
}

const work = values.data ?? await Deno.makeTempDir({ prefix: "zkts-restart-" });
await Deno.mkdir(work, { recursive: true });
const dataDir = `${work}/data`;
try {
  try {
    await Deno.stat(dataDir);
    console.error(`reusing ${dataDir}`);
  } catch {
    await writeDataDir(dataDir);
  }
  const names = [...Deno.readDirSync(`${dataDir}/version-2`)].map((e) => e.name);
  const logs = names.filter((n) => n.startsWith("log."));
  const zxid = (n: string) => BigInt(`0x${n.slice(n.indexOf(".") + 1)}`);
  const snaps = names.filter((n) => n.startsWith("snapshot."))
    .sort((a, b) => (zxid(a) < zxid(b) ? -1 : 1));
  console.log(
    `dataDir: ${TXNS} txns, ${logs.length} log segments, ${snaps.length} snapshots (${
      snaps.at(-1)
    })`,
  );
  const results: Record<string, number[]> = {};
  for (let round = 0; round < ROUNDS; round++) {
    for (const name of ["zkts", "Apache"]) {
      if (values.only && values.only !== name) continue;
      const r = await restartOnce(name, dataDir, work);
      (results[name] ??= []).push(r.ms);
      console.log(
        `${name}: serving ${lastPath(TXNS)} ${r.ms.toFixed(0)} ms after spawn; ${r.note}`,
      );
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  if (results.zkts && results.Apache) {
    console.log(
      `median zkts ${median(results.zkts).toFixed(0)} ms, Apache ${
        median(results.Apache).toFixed(0)
      } ms, zkts/Apache ${(median(results.zkts) / median(results.Apache)).toFixed(2)}`,
    );
  }
} finally {
  if (!values.data) await Deno.remove(work, { recursive: true });
}
