/**
 * A mixed ensemble for interop tests and benches: Apache ZooKeeper 3.8
 * quorum peers (`QuorumPeerMain`, Debian's jar) and zkts election peers
 * (`peer_main.ts`), one config, free loopback ports. Every process is ended
 * by `[Symbol.asyncDispose]`.
 */

import {
  FAST_JVM_FLAGS,
  fourLetter,
  freePort,
  LOOPBACK,
  type PeerMode,
  zooCfg,
  ZOOKEEPER_CLASSPATH,
} from "../support/apache.ts";
import { type Peers, startPeers } from "./procs.ts";

/** One member of the ensemble. */
export interface MixedMember {
  id: number;
  kind: "apache" | "zkts";
  clientPort: number;
  quorumPort: number;
  electionPort: number;
}

/** A running mixed ensemble. */
export interface Mixed extends AsyncDisposable {
  members: MixedMember[];
  /** The zkts peers' events. */
  zkts: Peers | undefined;
  /** Apache member `id`'s `srvr` mode, or null when it does not serve. */
  mode(id: number): Promise<PeerMode | null>;
  /** Apache member `id`'s log. */
  log(id: number): string;
  /** Starts an Apache member (again). */
  startApache(id: number): void;
  /** Starts the zkts members (once); `standInZab` for zkts-only ensembles (see peer_main.ts). */
  startZkts(opts?: { standInZab?: boolean }): Promise<void>;
  /** SIGKILLs a member of either kind. */
  kill(id: number): Promise<void>;
  /** Waits until `check` holds, polling every 50 ms. */
  until(what: string, timeoutMs: number, check: () => Promise<boolean> | boolean): Promise<void>;
}

/**
 * Prepares the ensemble (configs, dataDirs, ports) and starts nothing: call
 * `startApache(id)` and `startZkts()` in the order the test needs.
 *
 * @param spec the members; zkts ones may bring a zxid and epoch
 * @param tickTime Apache's tickTime (initLimit 10, syncLimit 5)
 * @param quorumKeys more quorum keys for every member (`group.N`, `weight.N`)
 */
export async function startMixed(
  spec: {
    id: number;
    kind: "apache" | "zkts";
    zxid?: bigint;
    epoch?: bigint;
    observer?: boolean;
  }[],
  tickTime = 2000,
  quorumKeys: Record<string, string> = {},
): Promise<Mixed> {
  const dir = await Deno.makeTempDir({ prefix: "zkts-election-mixed-" });
  const used = new Set<number>();
  const port = () => {
    for (;;) {
      const p = freePort();
      if (!used.has(p)) {
        used.add(p);
        return p;
      }
    }
  };
  const members: MixedMember[] = spec.map((s) => ({
    id: s.id,
    kind: s.kind,
    clientPort: port(),
    quorumPort: port(),
    electionPort: port(),
  }));
  const servers: Record<string, string> = {};
  for (const m of members) {
    const observer = spec.find((s) => s.id === m.id)!.observer ? ":observer" : "";
    servers[`server.${m.id}`] = `${LOOPBACK}:${m.quorumPort}:${m.electionPort}${observer}`;
  }
  Object.assign(servers, quorumKeys);
  const serverLines = Object.entries(servers).map(([k, v]) => `${k}=${v}`).join("\n");
  const procs = new Map<number, Deno.ChildProcess>();
  const done = new Map<number, Promise<unknown>>();
  const logPath = (id: number) => `${dir}/${id}/zookeeper.log`;
  for (const m of members.filter((m) => m.kind === "apache")) {
    const d = `${dir}/${m.id}`;
    await Deno.mkdir(`${d}/data`, { recursive: true });
    await Deno.writeTextFile(`${d}/data/myid`, `${m.id}\n`);
    await Deno.writeTextFile(
      `${d}/zoo.cfg`,
      zooCfg({ dataDir: `${d}/data`, clientPort: m.clientPort, ...servers }, {
        tickTime,
        forceSync: false,
      }),
    );
  }
  const startApache = (id: number) => {
    const d = `${dir}/${id}`;
    const child = new Deno.Command("java", {
      args: [
        ...FAST_JVM_FLAGS,
        `-Dorg.slf4j.simpleLogger.logFile=${logPath(id)}`,
        "-Dorg.slf4j.simpleLogger.defaultLogLevel=info",
        "-Dorg.slf4j.simpleLogger.showDateTime=true",
        "-Dorg.slf4j.simpleLogger.dateTimeFormat=HH:mm:ss.SSS",
        "-Dzookeeper.jmx.log4j.disable=true",
        "-cp",
        ZOOKEEPER_CLASSPATH,
        "org.apache.zookeeper.server.quorum.QuorumPeerMain",
        `${d}/zoo.cfg`,
      ],
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
    procs.set(id, child);
    done.set(id, child.status);
  };
  let zkts: Peers | undefined;
  const member = (id: number) => members.find((m) => m.id === id)!;
  return {
    members,
    get zkts() {
      return zkts;
    },
    startApache,
    async startZkts(opts = {}) {
      zkts = await startPeers(serverLines, spec.filter((s) => s.kind === "zkts"), opts);
    },
    async mode(id) {
      try {
        const a = await fourLetter(LOOPBACK, member(id).clientPort, "srvr", 1000);
        return (a.match(/^Mode: (\w+)/m)?.[1] ?? null) as PeerMode | null;
      } catch {
        return null;
      }
    },
    log(id) {
      try {
        return Deno.readTextFileSync(logPath(id));
      } catch {
        return "";
      }
    },
    async kill(id) {
      if (member(id).kind === "zkts") {
        zkts!.kill(id);
        return;
      }
      try {
        procs.get(id)?.kill("SIGKILL");
      } catch { /* gone */ }
      await done.get(id);
      procs.delete(id);
    },
    async until(what, timeoutMs, check) {
      const deadline = performance.now() + timeoutMs;
      while (!(await check())) {
        if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async [Symbol.asyncDispose]() {
      for (const p of procs.values()) {
        try {
          p.kill("SIGKILL");
        } catch { /* gone */ }
      }
      await Promise.allSettled(done.values());
      await zkts?.[Symbol.asyncDispose]();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
}
