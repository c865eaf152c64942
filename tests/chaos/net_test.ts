/**
 * The chaos harness's namespace plumbing: it comes up, partitions cut member
 * links but not the test process's, heal undoes them, and everything is gone
 * after `down()` and after `cleanupLeftovers()` of a dead harness's tag.
 *
 * Needs root; skipped with a loud message otherwise.
 */
import assert from "node:assert/strict";
import { cleanupLeftovers, isRoot, memberAddress, Net, PREFIX, sh } from "./net.ts";

const root = isRoot();
if (!root) {
  console.error(
    "\n*** tests/chaos/net_test.ts SKIPPED: not root (network namespaces and nftables need root) ***\n",
  );
}

const PORT = 7070;

/** A TCP server in member `id`'s namespace that answers "hi" and closes. */
function listen(net: Net, id: number): Deno.ChildProcess {
  const code = `const l = Deno.listen({ hostname: "${memberAddress(id)}", port: ${PORT} });
    console.log("up");
    for await (const c of l) { await c.write(new TextEncoder().encode("hi")); c.close(); }`;
  return new Deno.Command("ip", {
    args: ["netns", "exec", net.ns(id), Deno.execPath(), "eval", code],
    stdout: "piped",
    stderr: "null",
  }).spawn();
}

async function waitUp(child: Deno.ChildProcess): Promise<void> {
  const reader = child.stdout.getReader();
  const { value } = await reader.read();
  reader.releaseLock();
  assert.match(new TextDecoder().decode(value), /up/);
}

/** Whether a connection from `from` (null: the root namespace) to member `to` gets "hi" within 1 s. */
async function reaches(net: Net, from: number | null, to: number): Promise<boolean> {
  const code = `const c = await Deno.connect({ hostname: "${memberAddress(to)}", port: ${PORT} });
    const b = new Uint8Array(2); await c.read(b); if (new TextDecoder().decode(b) !== "hi") Deno.exit(1);`;
  const cmd = [...(from === null ? [] : net.exec(from)), Deno.execPath(), "eval", code];
  const child = new Deno.Command(cmd[0], { args: cmd.slice(1), stdout: "null", stderr: "null" })
    .spawn();
  const timer = setTimeout(() => child.kill("SIGKILL"), 1500);
  const status = await child.status;
  clearTimeout(timer);
  return status.success;
}

async function namespaces(tag: string): Promise<string[]> {
  return (await sh(["ip", "netns", "list"])).split("\n").map((l) => l.split(" ")[0])
    .filter((n) => n.startsWith(tag));
}

async function rootLinks(tag: string): Promise<string[]> {
  return [...(await sh(["ip", "-o", "link", "show"])).matchAll(/^\d+: ([^:@]+)[@:]/gm)]
    .map((m) => m[1]).filter((n) => n.startsWith(tag));
}

Deno.test({
  name: "namespaces come up, partitions spare the client link, heal and down undo everything",
  ignore: !root,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const net = new Net([1, 2, 3]);
    const servers: Deno.ChildProcess[] = [];
    try {
      await net.up();
      assert.deepEqual(
        (await namespaces(net.tag)).sort(),
        [
          net.hub,
          net.ns(1),
          net.ns(2),
          net.ns(3),
        ].sort(),
      );
      assert.deepEqual(await rootLinks(net.tag), [net.rootLink]);
      for (const id of [1, 2, 3]) servers.push(listen(net, id));
      for (const s of servers) await waitUp(s);

      const cases: { name: string; from: number | null; to: number; ok: boolean }[] = [
        { name: "the root namespace reaches member 1", from: null, to: 1, ok: true },
        { name: "member 1 reaches member 2", from: 1, to: 2, ok: true },
      ];
      for (const c of cases) assert.equal(await reaches(net, c.from, c.to), c.ok, c.name);

      await net.partition([[1], [2, 3]]);
      const cut: typeof cases = [
        { name: "member 1 no longer reaches member 2", from: 1, to: 2, ok: false },
        { name: "member 3 no longer reaches member 1", from: 3, to: 1, ok: false },
        { name: "member 2 still reaches member 3", from: 2, to: 3, ok: true },
        {
          name: "the root namespace still reaches the isolated member",
          from: null,
          to: 1,
          ok: true,
        },
      ];
      for (const c of cut) assert.equal(await reaches(net, c.from, c.to), c.ok, c.name);

      await net.heal();
      await net.loss(2, 100);
      assert.equal(await reaches(net, null, 2), false, "100% loss cuts member 2");
      await net.heal();
      assert.equal(await reaches(net, 1, 2), true, "after heal member 1 reaches member 2");
      assert.equal(await reaches(net, null, 2), true, "after heal the root reaches member 2");
    } finally {
      for (const s of servers) {
        try {
          s.kill("SIGKILL");
        } catch { /* gone */ }
        await s.status;
      }
      await net.down();
    }
    assert.deepEqual(await namespaces(net.tag), [], "no namespace left after down()");
    assert.deepEqual(await rootLinks(net.tag), [], "no root link left after down()");
  },
});

Deno.test({
  name: "cleanupLeftovers removes the namespaces and links of a harness that is gone",
  ignore: !root,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    // The pid of a process that has ended: a harness killed before its cleanup.
    const gone = new Deno.Command("true").spawn();
    const pid = gone.pid;
    await gone.status;
    const tag = `${PREFIX}${pid}`;
    const net = new Net([1, 2], tag);
    try {
      await net.up();
      await Deno.mkdir(`/tmp/${tag}/c1`, { recursive: true });
      assert.equal((await namespaces(tag)).length, 3);
      const removed = await cleanupLeftovers();
      assert.ok(removed.includes(tag), `${tag} removed (${removed.join(" ")})`);
      assert.deepEqual(await namespaces(tag), []);
      assert.deepEqual(await rootLinks(tag), []);
      assert.equal(await Deno.stat(`/tmp/${tag}`).then(() => true, () => false), false);
    } finally {
      await net.down();
      await Deno.remove(`/tmp/${tag}`, { recursive: true }).catch(() => {});
    }
  },
});
