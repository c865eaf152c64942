/**
 * The shell's session across a server crash and restart, and an expired
 * session, against Apache and zkts: the events zkCli.sh prints, the
 * prompt's state, ConnectionLoss while away, "Not connected" once expired,
 * and `connect` for a new session.
 */
import assert from "node:assert/strict";
import { ZooKeeper } from "@zkts/client";
import { type Output, Shell } from "../../apps/cli/shell.ts";
import { TARGETS } from "../support/zkts.ts";
import { interopTest } from "../support/oracle.ts";

/** An Output that keeps the lines, stdout and stderr in one list. */
class Captured implements Output {
  lines: string[] = [];
  out(line: string): void {
    this.lines.push(line);
  }
  err(line: string): void {
    this.lines.push(line);
  }
  print(text: string): void {
    this.lines.push(text);
  }
  /** The lines from `from` on. */
  since(from: number): string[] {
    return this.lines.slice(from);
  }
  /** Waits until a line from `from` on equals `line`. */
  async waitFor(line: string, from: number, ms = 20_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!this.since(from).includes(line)) {
      if (Date.now() > deadline) {
        throw new Error(`no "${line}" in time; got:\n${this.since(from).join("\n")}`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

const DISCONNECTED = "WatchedEvent state:Disconnected type:None path:null";
const CONNECTED = "WatchedEvent state:SyncConnected type:None path:null";
const EXPIRED = "WatchedEvent state:Expired type:None path:null";

for (const target of TARGETS) {
  const name =
    `cli: on ${target.name} — a crash and restart, then an expired session, as zkCli.sh shows them`;
  const body = async () => {
    const server = await target.start({ forceSync: false });
    const io = new Captured();
    const shell = new Shell(
      { server: server.connectString, timeoutMs: 6000, waitForConnection: true },
      io,
    );
    try {
      await shell.connect();
      assert.match(shell.prompt, /^\[zk: 127\.0\.0\.1:\d+\(CONNECTED\) 0\] $/);
      let at = io.lines.length;
      await shell.executeLine("create -e /e x");
      assert.deepEqual(io.since(at), ["Created /e"]);

      // The server goes away: Disconnected, CONNECTING, and commands fail with ConnectionLoss.
      at = io.lines.length;
      await server.kill();
      await io.waitFor(DISCONNECTED, at);
      assert.match(shell.prompt, /\(CONNECTING\) 1\] $/);
      at = io.lines.length;
      await shell.executeLine("ls /");
      assert.deepEqual(io.since(at), ["KeeperErrorCode = ConnectionLoss for /"]);
      assert.equal(shell.exitCode, 1);

      // It comes back within the session timeout: same session, the ephemeral is still there.
      at = io.lines.length;
      await server.restart();
      await io.waitFor(CONNECTED, at);
      assert.match(shell.prompt, /\(CONNECTED\) 2\] $/);
      at = io.lines.length;
      await shell.executeLine("ls /");
      assert.deepEqual(io.since(at), ["[e, zookeeper]"]);

      // Another client closes the session (same id and password): this one sees Expired.
      const zk = shell.client!;
      const other = await ZooKeeper.connect(server.connectString, {
        sessionId: zk.sessionId,
        sessionPasswd: zk.sessionPasswd,
      });
      at = io.lines.length;
      await other.close();
      zk.dropConnection(); // reconnecting finds the session gone
      await io.waitFor(EXPIRED, at);
      assert.match(shell.prompt, /\(CLOSED\) 3\] $/);
      at = io.lines.length;
      await shell.executeLine("ls /");
      assert.deepEqual(io.since(at), ["Not connected"]);

      // connect: a new session; the old one's ephemeral is gone.
      at = io.lines.length;
      await shell.executeLine(`connect ${server.connectString}`);
      await shell.executeLine("ls /");
      assert.deepEqual(io.since(at).filter((l) => l !== "" && l !== "WATCHER::"), [
        CONNECTED,
        "[zookeeper]",
      ]);
      assert.match(shell.prompt, /\(CONNECTED\) 6\] $/);
    } catch (e) {
      // Say what the server saw: a restart or an expiry that went wrong shows there.
      const log = server.logs().split("\n").slice(-40).join("\n");
      throw new Error(`${(e as Error).message}\n--- server log (tail) ---\n${log}`);
    } finally {
      await shell.end();
      await server.stop();
    }
  };
  if (target.name === "zkts") {
    Deno.test({ name, sanitizeOps: false, sanitizeResources: false, fn: body });
  } else {
    interopTest(name, body);
  }
}
