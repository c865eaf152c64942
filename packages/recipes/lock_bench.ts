/**
 * Lock round trips against a real zkts server (started for the bench as a
 * process, fsync off, on loopback): an uncontended acquire + release (a
 * create, a getChildren and a delete), a reentrant one (no round trip), and a
 * hand-over between two sessions.
 */
import { ZooKeeper } from "@zkts/client";
import { Mutex } from "./mod.ts";

const MAIN = new URL("../../apps/server/main.ts", import.meta.url).pathname;
const dir = await Deno.makeTempDir({ prefix: "zkts-recipes-bench-" });
const port = (() => {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const p = (l.addr as Deno.NetAddr).port;
  l.close();
  return p;
})();
await Deno.writeTextFile(
  `${dir}/zoo.cfg`,
  `tickTime=2000\ndataDir=${dir}/data\nclientPort=${port}\nclientPortAddress=127.0.0.1\nforceSync=no\n`,
);
const server = new Deno.Command(Deno.execPath(), {
  args: ["run", "-A", MAIN, `${dir}/zoo.cfg`],
  stdout: "null",
  stderr: "null",
}).spawn();
async function connect(): Promise<ZooKeeper> {
  for (let i = 0; i < 200; i++) {
    try {
      return await ZooKeeper.connect(`127.0.0.1:${port}`, { sessionTimeoutMs: 30000 });
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error("server did not start");
}
const a = await connect();
const b = await connect();
const mutex = new Mutex(a, "/bench/lock");
const reentrant = new Mutex(a, "/bench/reentrant");
const first = new Mutex(a, "/bench/handover");
const second = new Mutex(b, "/bench/handover");
await (await mutex.acquire()).release();
const outer = await reentrant.acquire();

Deno.bench({
  group: "mutex",
  name: "acquire + release, uncontended",
  baseline: true,
  async fn() {
    const h = await mutex.acquire();
    await h.release();
  },
});
Deno.bench({
  group: "mutex",
  name: "reentrant acquire + release (held)",
  async fn() {
    const h = await reentrant.acquire();
    await h.release();
  },
});
Deno.bench({
  group: "mutex",
  name: "hand-over: a releases, b (waiting) acquires, b releases",
  async fn() {
    const h = await first.acquire();
    const waiting = second.acquire();
    await h.release();
    await (await waiting).release();
  },
});

globalThis.addEventListener("unload", () => {
  void outer;
  try {
    server.kill("SIGKILL");
  } catch { /* gone */ }
  try {
    Deno.removeSync(dir, { recursive: true });
  } catch { /* gone */ }
});
