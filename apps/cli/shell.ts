/**
 * The shell (ZooKeeperMain): the session, the prompt, history and redo,
 * printwatches, connect and quit, and running one line at a time with
 * zkCli's exit codes. Output goes through an {@linkcode Output}, so tests
 * can run a shell in process.
 *
 * @module
 */
import { KeeperError, parseConnectString, type WatchedEvent, ZooKeeper } from "@zkts/client";
import { ErrorCode, EventType, KeeperState } from "@zkts/jute";
import { splitLine } from "./cli_parser.ts";
import {
  CliError,
  type CommandContext,
  COMMANDS,
  JavaCrash,
  SHELL_COMMANDS,
  usageLines,
  type WatchKind,
} from "./commands.ts";
import { eventString } from "./format.ts";

/** Where the shell prints. Every call is one whole write, in order. */
export interface Output {
  /** Writes a line (a newline is added) on stdout. */
  out(line: string): void;
  /** Writes a line (a newline is added) on stderr. */
  err(line: string): void;
  /** Writes text as is on stdout. */
  print(text: string): void;
}

/** The shell's options, as zkCli.sh takes them. */
export interface ShellOptions {
  /** `-server`: the connect string. Default `localhost:2181`. */
  server?: string;
  /** `-timeout`: the session timeout asked for (ms). Default 30000. */
  timeoutMs?: number;
  /** `-r`: accept a read-only server. */
  readOnly?: boolean;
  /** `-waitforconnection`: wait for the session before running anything. */
  waitForConnection?: boolean;
}

/** Ends the shell with a status (quit, or a crash zkCli does not catch). */
export class ShellExit extends Error {
  /** The process exit status. */
  readonly code: number;
  /** Builds the signal. */
  constructor(code: number) {
    super(`exit ${code}`);
    this.name = "ShellExit";
    this.code = code;
  }
}

/** ZooKeeper.States names, as the prompt shows them. */
type State = "CONNECTING" | "CONNECTED" | "CONNECTEDREADONLY" | "CLOSED" | "AUTH_FAILED";

/** One session (one `connect`): its client once connected, its state and the watches it holds. */
class Session {
  readonly host: string;
  state: State = "CONNECTING";
  zk: ZooKeeper | null = null;
  ready: Promise<ZooKeeper> | null = null;
  /** Watches the client holds for the shell's watcher, by kind: paths. */
  watches: Record<WatchKind, Set<string>> = {
    data: new Set(),
    exist: new Set(),
    child: new Set(),
    persistent: new Set(),
    persistentRecursive: new Set(),
  };
  /** Events are not printed once the shell is going away without `quit`. */
  quiet = false;
  /**
   * The session's one watcher (ZooKeeperMain's MyWatcher): the default
   * watcher and the one every watch is set with, so that the client, like
   * Apache's, tells it once of an event that several watches match.
   */
  readonly watcher: (ev: WatchedEvent) => void;
  constructor(host: string, onEvent: (s: Session, ev: WatchedEvent) => void) {
    this.host = host;
    this.watcher = (ev) => onEvent(this, ev);
  }
  get alive(): boolean {
    return this.state !== "CLOSED" && this.state !== "AUTH_FAILED";
  }
}

/**
 * A zkCli shell over one output.
 *
 * @example (needs a server)
 * ```ts ignore
 * import { Shell } from "./shell.ts";
 * const lines: string[] = [];
 * const sink = { out: (l: string) => lines.push(l), err: (l: string) => lines.push(l), print: () => {} };
 * const shell = new Shell({ server: "127.0.0.1:2181" }, sink);
 * shell.connect();
 * await shell.executeLine("ls /");
 * await shell.end();
 * ```
 */
export class Shell {
  #opts: Required<ShellOptions>;
  #io: Output;
  #session: Session | null = null;
  #history = new Map<number, string>();
  #commandCount = 0;
  #printWatches = true;
  #exitCode = 0;
  #lastWords: string[] = [];

  /** Builds a shell; {@linkcode connect} opens its session. */
  constructor(opts: ShellOptions, io: Output) {
    this.#opts = {
      server: opts.server ?? "localhost:2181",
      timeoutMs: opts.timeoutMs ?? 30000,
      readOnly: opts.readOnly ?? false,
      waitForConnection: opts.waitForConnection ?? false,
    };
    this.#io = io;
  }

  /** The prompt zkCli shows: `[zk: host:port(CONNECTED) 3] `. */
  get prompt(): string {
    const s = this.#session;
    return `[zk: ${s?.host ?? ""}(${s?.state ?? "CLOSED"}) ${this.#commandCount}] `;
  }

  /** The exit status zkCli would end with now: the last command's. */
  get exitCode(): number {
    return this.#exitCode;
  }

  /** The history (number → line), as `history` lists it. */
  get history(): ReadonlyMap<number, string> {
    return this.#history;
  }

  /** The session's client once connected, for completion; null otherwise. */
  get client(): ZooKeeper | null {
    const s = this.#session;
    return s && s.alive && s.state !== "CONNECTING" ? s.zk : null;
  }

  /**
   * Opens a session to `host` (default: the `-server` option), closing the
   * current one (ZooKeeperMain.connectToZK). With `-waitforconnection` it
   * waits for the session, failing with ConnectionLoss after the timeout.
   */
  async connect(host = this.#opts.server): Promise<void> {
    const old = this.#session;
    if (old && old.alive && old.zk) {
      await old.zk.close();
      old.state = "CLOSED";
    } else if (old && !old.zk) {
      // Still connecting: that session is dropped without a word.
      old.quiet = true;
      old.state = "CLOSED";
      old.ready?.then((zk) => zk.close()).catch(() => {});
    }
    const s = new Session(host, (session, ev) => this.#onEvent(session, ev));
    this.#session = s;
    this.#start(s);
    if (this.#opts.waitForConnection) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      try {
        await Promise.race([
          s.ready,
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error("timeout")), this.#opts.timeoutMs);
          }),
        ]);
      } catch {
        // connectToZK closes the client (a Closed event), then its IOException ends the JVM.
        this.#onEvent(s, { type: EventType.None, state: KeeperState.Closed, path: null });
        s.quiet = true;
        s.ready?.then((zk) => zk.close()).catch(() => {});
        const loss = "org.apache.zookeeper.KeeperException$ConnectionLossException: " +
          "KeeperErrorCode = ConnectionLoss";
        this.#io.err(`Exception in thread "main" java.io.IOException: ${loss}`);
        this.#io.err(`Caused by: ${loss}`);
        throw new ShellExit(1);
      } finally {
        clearTimeout(timer);
      }
    }
  }

  #start(s: Session): void {
    s.ready = ZooKeeper.connect(s.host, {
      sessionTimeoutMs: this.#opts.timeoutMs,
      canBeReadOnly: this.#opts.readOnly,
      watcher: s.watcher,
    }).then((zk) => {
      s.zk = zk;
      return zk;
    });
    // A failed first connection is retried on the next command, as Apache's client keeps trying.
    s.ready.catch(() => {
      if (s.zk === null && s.state === "CONNECTING") s.ready = null;
    });
  }

  #onEvent(s: Session, ev: WatchedEvent): void {
    if (this.#printWatches && !s.quiet) {
      this.#io.out("");
      this.#io.out("WATCHER::");
      this.#io.out("");
      this.#io.out(eventString(ev));
    }
    if (ev.type === EventType.None) {
      switch (ev.state) {
        case KeeperState.SyncConnected:
          s.state = "CONNECTED";
          break;
        case KeeperState.ConnectedReadOnly:
          s.state = "CONNECTEDREADONLY";
          break;
        case KeeperState.Disconnected:
          if (s.alive) s.state = "CONNECTING";
          break;
        case KeeperState.AuthFailed:
          s.state = "AUTH_FAILED";
          break;
        case KeeperState.Expired:
        case KeeperState.Closed:
          s.state = "CLOSED";
          break;
      }
      if (!s.alive) { for (const set of Object.values(s.watches)) set.clear(); }
      return;
    }
    const path = ev.path ?? "";
    switch (ev.type) {
      case EventType.NodeCreated:
      case EventType.NodeDataChanged:
        s.watches.data.delete(path);
        s.watches.exist.delete(path);
        break;
      case EventType.NodeChildrenChanged:
        s.watches.child.delete(path);
        break;
      case EventType.NodeDeleted:
        s.watches.data.delete(path);
        s.watches.exist.delete(path);
        s.watches.child.delete(path);
        break;
    }
  }

  /** The session's client, waiting for the first connection; ConnectionLoss when no server answers. */
  async #client(s: Session, path?: string): Promise<ZooKeeper> {
    if (s.zk) return s.zk;
    if (!s.ready) this.#start(s);
    const ready = s.ready!;
    try {
      return await Promise.race([ready, this.#refused(s.host)]);
    } catch (e) {
      if (e instanceof KeeperError) throw new KeeperError(e.code, path);
      throw new KeeperError(ErrorCode.ConnectionLoss, path);
    }
  }

  /**
   * Rejects when every host of the connect string refuses a TCP connection:
   * Apache's client fails queued requests with ConnectionLoss on the first
   * failed attempt, where zkts's client keeps trying for the session timeout.
   */
  async #refused(host: string): Promise<never> {
    const hosts = parseConnectString(host).hosts;
    const results = await Promise.all(hosts.map(async (h) => {
      try {
        const conn = await Deno.connect({ hostname: h.host, port: h.port });
        conn.close();
        return true;
      } catch {
        return false;
      }
    }));
    if (results.some((ok) => ok)) return new Promise<never>(() => {});
    throw new KeeperError(ErrorCode.ConnectionLoss);
  }

  #context(s: Session): CommandContext {
    const io = this.#io;
    return {
      out: (l) => io.out(l),
      err: (l) => io.err(l),
      print: (t) => io.print(t),
      client: (path) => this.#client(s, path),
      watcher: s.watcher,
      noteWatch: (kind, path) => {
        s.watches[kind].add(path);
      },
      takeWatches: (path, kinds) => {
        const found = new Set<WatchKind>();
        for (const k of kinds) if (s.watches[k].delete(path)) found.add(k);
        return found;
      },
      close: async () => {
        if (s.zk) await s.zk.close();
        else {
          s.ready?.then((zk) => zk.close()).catch(() => {});
          this.#onEvent(s, { type: EventType.None, state: KeeperState.Closed, path: null });
        }
        s.state = "CLOSED";
      },
    };
  }

  /**
   * Runs one line as zkCli's executeLine: an empty line is skipped; any
   * other goes into the history and runs; the command count goes up.
   *
   * @throws {ShellExit} for `quit` and for crashes zkCli does not survive
   */
  async executeLine(line: string): Promise<void> {
    if (line === "") return;
    const words = splitLine(line);
    // MyCommandOptions.parseCommand keeps the previous command when it finds no word.
    if (words.length > 0) this.#lastWords = words;
    this.#history.set(this.#commandCount, line);
    try {
      await this.processCmd([...this.#lastWords]);
    } finally {
      this.#commandCount++;
    }
  }

  /**
   * Runs one command (its words, the command first) and sets the exit code:
   * 0, or the failed command's code, whose message goes to stderr.
   *
   * @throws {ShellExit} for `quit` and for crashes zkCli does not survive
   */
  async processCmd(words: string[]): Promise<void> {
    try {
      await this.#processZKCmd(words);
      this.#exitCode = 0;
    } catch (e) {
      if (e instanceof CliError) {
        this.#exitCode = e.exitCode;
        this.#io.err(e.message);
        return;
      }
      if (e instanceof JavaCrash) {
        this.#io.err(e.message);
        throw new ShellExit(1);
      }
      throw e;
    }
  }

  async #processZKCmd(words: string[]): Promise<void> {
    const io = this.#io;
    if (words.length < 1) {
      for (const l of usageLines()) io.err(l);
      throw new CliError("No command entered");
    }
    const cmd = words[0];
    if (!COMMANDS.has(cmd) && !SHELL_COMMANDS.has(cmd)) {
      for (const l of usageLines()) io.err(l);
      throw new CliError(`Command not found: Command not found ${cmd}`, 127);
    }
    if (cmd === "quit") {
      const s = this.#session;
      if (s?.zk && s.alive) await s.zk.close();
      else if (s) s.quiet = true;
      throw new ShellExit(this.#exitCode);
    } else if (cmd === "redo" && words.length >= 2) {
      const i = javaDecode(words[1]);
      if (this.#commandCount <= i || i < 0) throw new CliError("Command index out of range");
      const line = this.#history.get(i) ?? "";
      const again = splitLine(line);
      if (again.length > 0) this.#lastWords = again;
      if (this.#lastWords[0] === "redo") throw new CliError("No redoing redos");
      this.#history.set(this.#commandCount, line);
      await this.processCmd([...this.#lastWords]);
    } else if (cmd === "history") {
      for (let i = this.#commandCount - 10; i <= this.#commandCount; ++i) {
        if (i < 0) continue;
        io.out(`${i} - ${this.#history.get(i) ?? "null"}`);
      }
    } else if (cmd === "printwatches") {
      if (words.length === 1) io.out(`printwatches is ${this.#printWatches ? "on" : "off"}`);
      else this.#printWatches = words[1] === "on";
    } else if (cmd === "connect") {
      await this.connect(words.length >= 2 ? words[1] : this.#session?.host);
    }

    const s = this.#session;
    if (!s || !s.alive) {
      io.out("Not connected");
      return;
    }
    const command = COMMANDS.get(cmd);
    if (command) await command.run(words, this.#context(s));
  }

  /**
   * Ends the shell without `quit` (end of input, one-shot command done):
   * zkCli exits without closing its session; zkts closes it, quietly, so
   * its ephemeral nodes go at once.
   */
  async end(): Promise<void> {
    const s = this.#session;
    if (!s) return;
    s.quiet = true;
    if (s.zk && s.alive) await s.zk.close();
    else s.ready?.then((zk) => zk.close()).catch(() => {});
  }
}

/** Java's Integer.decode (redo's number); NumberFormatException crashes zkCli. */
function javaDecode(s: string): number {
  const m = /^([+-]?)(0[xX]|#|0(?=\d))?([0-9a-fA-F]+)$/.exec(s);
  if (m) {
    const radix = m[2] === undefined ? 10 : m[2] === "0" ? 8 : 16;
    const digits = m[3];
    const valid = radix === 10 ? /^\d+$/ : radix === 8 ? /^[0-7]+$/ : /^[0-9a-fA-F]+$/;
    if (valid.test(digits)) {
      const n = parseInt(digits, radix) * (m[1] === "-" ? -1 : 1);
      if (n >= -2147483648 && n <= 2147483647) return n;
    }
  }
  throw new JavaCrash("java.lang.NumberFormatException", `For input string: "${s}"`);
}
