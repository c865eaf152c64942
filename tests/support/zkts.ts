/**
 * Start zkts's own server (`apps/server/main.ts`) as a real process from
 * tests, with the same options and handle as {@linkcode startApache}, so one
 * test body runs against both servers.
 *
 * @module
 */
import {
  type ApacheEnsemble,
  type ApacheOptions,
  type ApacheServer,
  fourLetter,
  freePort,
  LOOPBACK,
  startApache,
  startEnsemble,
  zooCfg,
} from "./apache.ts";

const MAIN = new URL("../../apps/server/main.ts", import.meta.url).pathname;

/** Starts zkts standalone on a free loopback port; the handle is an {@linkcode ApacheServer}'s. */
export async function startZkts(opts: ApacheOptions = {}): Promise<ApacheServer> {
  const dir = await Deno.makeTempDir({ prefix: "zkts-server-" });
  const dataDir = `${dir}/data`;
  await Deno.mkdir(dataDir);
  const port = freePort();
  const cfgPath = `${dir}/zoo.cfg`;
  await Deno.writeTextFile(cfgPath, zooCfg({ dataDir, clientPort: port }, opts));
  const logPath = `${dir}/server.log`;
  let child: Deno.ChildProcess | null = null;
  let startMs = 0;
  const timeoutMs = opts.startTimeoutMs ?? 30_000;

  async function spawn(): Promise<void> {
    const t0 = performance.now();
    child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", MAIN, cfgPath],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    // Written chunk by chunk, as JavaProcess does: a file's `writable` may
    // hold what it is given until it is closed, and logs() reads it live.
    const log = Deno.openSync(logPath, { append: true, create: true });
    const copy = async (stream: ReadableStream<Uint8Array>) => {
      for await (const chunk of stream) log.writeSync(chunk);
    };
    Promise.all([copy(child.stdout), copy(child.stderr)]).catch(() => {}).finally(() =>
      log.close()
    );
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        if ((await fourLetter(LOOPBACK, port, "ruok", 1000)) === "imok") break;
      } catch { /* not yet */ }
      if (Date.now() > deadline) {
        throw new Error(`zkts did not start in ${timeoutMs} ms:\n${readLog()}`);
      }
      await new Promise((r) => setTimeout(r, 25));
    }
    startMs = performance.now() - t0;
  }

  function readLog(): string {
    try {
      return Deno.readTextFileSync(logPath);
    } catch {
      return "";
    }
  }

  async function halt(signal: Deno.Signal): Promise<void> {
    const c = child as Deno.ChildProcess | null;
    if (!c) return;
    child = null;
    try {
      c.kill(signal);
    } catch { /* gone */ }
    const timer = setTimeout(() => {
      try {
        c.kill("SIGKILL");
      } catch { /* gone */ }
    }, 5000);
    await c.status;
    clearTimeout(timer);
  }

  await spawn();
  const handle: ApacheServer = {
    port,
    host: LOOPBACK,
    connectString: `${LOOPBACK}:${port}`,
    dir,
    dataDir,
    get pid() {
      return (child as Deno.ChildProcess | null)?.pid ?? -1;
    },
    get startMs() {
      return startMs;
    },
    async stop() {
      await halt("SIGTERM");
      if (!opts.keepDir) await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
    async kill() {
      await halt("SIGKILL");
    },
    async restart() {
      await halt("SIGTERM");
      await spawn();
    },
    logs: readLog,
    async [Symbol.asyncDispose]() {
      await handle.stop();
    },
  };
  return handle;
}

/**
 * Starts an ensemble of `n` zkts servers on loopback (each `apps/server/main.ts`
 * with its zoo.cfg and myid); the handle is an Apache ensemble's.
 *
 * @example
 * ```ts ignore
 * import { startZktsEnsemble } from "./zkts.ts";
 * await using zk = await startZktsEnsemble(3, { forceSync: false });
 * console.log(await zk.leader(), zk.connectString);
 * ```
 */
export function startZktsEnsemble(n: number, opts: ApacheOptions = {}): Promise<ApacheEnsemble> {
  return startEnsemble(n, opts, [Deno.execPath(), "run", "-A", MAIN]);
}

/**
 * Starts a mixed ensemble: the members in `zkts` run zkts, the others Apache
 * ZooKeeper 3.8, speaking one quorum protocol.
 */
export function startMixedEnsemble(
  n: number,
  zkts: number[],
  opts: ApacheOptions = {},
): Promise<ApacheEnsemble> {
  return startEnsemble(
    n,
    opts,
    (id) => zkts.includes(id) ? [Deno.execPath(), "run", "-A", MAIN] : undefined,
  );
}

/** The two servers every interop test body runs against. */
export const TARGETS: readonly {
  name: string;
  start: (opts?: ApacheOptions) => Promise<ApacheServer>;
}[] = [
  { name: "Apache", start: startApache },
  { name: "zkts", start: startZkts },
];
