/**
 * Pipelined getData and setData round trips against a real zkts server
 * (started for the bench as a process, fsync off, on loopback).
 */
import { ZooKeeper } from "./client.ts";

const MAIN = new URL("../../apps/server/main.ts", import.meta.url).pathname;
const dir = await Deno.makeTempDir({ prefix: "zkts-client-bench-" });
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
let zk: ZooKeeper | undefined;
for (let i = 0; i < 200 && !zk; i++) {
  try {
    zk = await ZooKeeper.connect(`127.0.0.1:${port}`, { sessionTimeoutMs: 30000 });
  } catch {
    await new Promise((r) => setTimeout(r, 50));
  }
}
if (!zk) throw new Error("server did not start");
const client = zk;
await client.create("/b", new Uint8Array(100));
const data = new Uint8Array(100);

Deno.bench({
  group: "round trip",
  name: "getData 100 B, 1 outstanding",
  baseline: true,
  async fn() {
    await client.getData("/b");
  },
});
Deno.bench({
  group: "round trip",
  name: "getData 100 B x 100 pipelined",
  async fn() {
    await Promise.all(Array.from({ length: 100 }, () => client.getData("/b")));
  },
});
Deno.bench({
  group: "round trip",
  name: "setData 100 B x 100 pipelined",
  async fn() {
    await Promise.all(Array.from({ length: 100 }, () => client.setData("/b", data)));
  },
});

globalThis.addEventListener("unload", () => {
  try {
    server.kill("SIGKILL");
  } catch { /* gone */ }
  try {
    Deno.removeSync(dir, { recursive: true });
  } catch { /* gone */ }
});
