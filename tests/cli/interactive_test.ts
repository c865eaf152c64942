/**
 * zkts's shell on a terminal (a pty from util-linux `script`): the prompt
 * as zkCli.sh prints it, tab completion of znode paths and of commands,
 * readline history, and quit.
 */
import assert from "node:assert/strict";
import { startZkts } from "../support/zkts.ts";

const MAIN = new URL("../../apps/cli/main.ts", import.meta.url).pathname;
const SCRIPT = "/usr/bin/script";

function hasScript(): boolean {
  try {
    return Deno.statSync(SCRIPT).isFile;
  } catch {
    return false;
  }
}

/** A process on a pty: what it printed so far, and input typed into it. */
class Terminal {
  #child: Deno.ChildProcess;
  #writer: WritableStreamDefaultWriter<Uint8Array>;
  #text = "";
  #reading: Promise<void>;

  constructor(command: string) {
    this.#child = new Deno.Command(SCRIPT, {
      args: ["-qfec", command, "/dev/null"],
      stdin: "piped",
      stdout: "piped",
      stderr: "null",
      env: { TERM: "xterm", NO_COLOR: "1" },
    }).spawn();
    this.#writer = this.#child.stdin.getWriter();
    const stdout = this.#child.stdout;
    this.#reading = (async () => {
      const dec = new TextDecoder();
      for await (const chunk of stdout) this.#text += dec.decode(chunk, { stream: true });
    })();
  }

  /** Everything printed, escape sequences and carriage returns removed. */
  get text(): string {
    // deno-lint-ignore no-control-regex
    return this.#text.replace(/\x1b\[[0-9;]*[A-Za-z]/g, "").replaceAll("\r", "");
  }

  async type(keys: string): Promise<void> {
    await this.#writer.write(new TextEncoder().encode(keys));
  }

  /** Waits until the output (from `from` on) matches `re`; fails after `ms`. */
  async expect(re: RegExp, from = 0, ms = 10_000): Promise<number> {
    const deadline = Date.now() + ms;
    for (;;) {
      const m = re.exec(this.text.slice(from));
      if (m) return from + m.index + m[0].length;
      if (Date.now() > deadline) {
        throw new Error(`no ${re} in time; output:\n${this.text}`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async close(): Promise<Deno.CommandStatus> {
    await this.#writer.close().catch(() => {});
    const timer = setTimeout(() => {
      try {
        this.#child.kill("SIGKILL");
      } catch { /* ended */ }
    }, 10_000);
    const status = await this.#child.status;
    clearTimeout(timer);
    await this.#reading;
    return status;
  }
}

Deno.test({
  name: "cli: on a terminal — zkCli's prompt, completion of znodes and commands, quit",
  ignore: !hasScript(),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const server = await startZkts({ forceSync: false });
    const host = server.connectString.replace(/\./g, "\\.");
    const term = new Terminal(
      `'${Deno.execPath()}' run -A '${MAIN}' -waitforconnection -server ${server.connectString}`,
    );
    try {
      let at = await term.expect(new RegExp(`\\[zk: ${host}\\(CONNECTED\\) 0\\] $`));
      assert.match(term.text, /JLine support is enabled/);
      await term.type("create /china 999\n");
      at = await term.expect(/Created \/china\n/, at);
      await term.expect(new RegExp(`\\[zk: ${host}\\(CONNECTED\\) 1\\] `), at);

      // A znode path completes to the only child that fits.
      await term.type("get /chi\t");
      at = await term.expect(/get \/china/, at);
      await term.type("\n");
      at = await term.expect(/\n999\n/, at);

      // A command word with several completions lists them (on the second tab).
      await term.type("getA\t");
      await new Promise((r) => setTimeout(r, 200));
      await term.type("\t");
      await term.expect(/getAcl\s+getAllChildrenNumber/, at);
      await term.type("\x15"); // erase the line
      await term.type("ls /\n");
      at = await term.expect(/\[china, zookeeper\]\n/, at);

      // readline history: the up arrow brings back the last line.
      await term.type("\x1b[A\n");
      at = await term.expect(/\[china, zookeeper\]\n/, at);
      await term.expect(new RegExp(`\\[zk: ${host}\\(CONNECTED\\) 4\\] `), at);

      await term.type("quit\n");
      await term.expect(/WatchedEvent state:Closed type:None path:null/, at);
      const status = await term.close();
      assert.equal(status.code, 0);
    } finally {
      await term.close();
      await server.stop();
    }
  },
});
