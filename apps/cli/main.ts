/**
 * zkts's zkCli.sh: `deno task cli -server host:port [cmd args]` (or
 * `deno run -A apps/cli/main.ts ...`).
 *
 * With a command after the options it runs that one command, prints its
 * output and exits with zkCli's status (0, 1 for a failed command, 127 for
 * an unknown one). Without, it reads commands: on a terminal with a prompt
 * `[zk: host:port(CONNECTED) 0] `, history and tab completion of commands
 * and znode paths; from a pipe line by line without a prompt, as zkCli.sh
 * does without JLine.
 *
 * @module
 */
import process from "node:process";
import readline from "node:readline";
import { parseArgs } from "node:util";
import { complete } from "./completer.ts";
import { type Output, Shell, ShellExit, type ShellOptions } from "./shell.ts";

/** The parsed command line: the shell's options and the one-shot command, if any. */
export interface Invocation {
  options: ShellOptions;
  /** The command and its arguments, when one follows the options. */
  command: string[] | null;
  /** `-client-configuration`: accepted and ignored. */
  clientConfiguration?: string;
  /** Complaints zkCli prints about the options (then it goes on). */
  errors: string[];
  /** An exception that ends zkCli.sh right after "Connecting to" (a bad -timeout). */
  crash?: string;
}

const WITH_VALUE = new Set(["-server", "-timeout", "-client-configuration"]);
const FLAGS = new Set(["-r", "-waitforconnection"]);

/**
 * Parses zkCli.sh's command line (ZooKeeperMain.MyCommandOptions): options
 * written with one dash, unknown ones ignored, the first word that is not an
 * option starts the command.
 *
 * @example
 * ```ts
 * import { parseInvocation } from "./main.ts";
 * import assert from "node:assert/strict";
 * const inv = parseInvocation(["-server", "127.0.0.1:2181", "-r", "ls", "-s", "/"]);
 * assert.equal(inv.options.server, "127.0.0.1:2181");
 * assert.equal(inv.options.readOnly, true);
 * assert.deepEqual(inv.command, ["ls", "-s", "/"]);
 * ```
 */
export function parseInvocation(argv: readonly string[]): Invocation {
  const long: string[] = [];
  const errors: string[] = [];
  let i = 0;
  for (; i < argv.length; i++) {
    const a = argv[i];
    if (WITH_VALUE.has(a)) {
      if (i + 1 >= argv.length) {
        errors.push(`Error: no argument found for option ${a}`);
        break;
      }
      long.push(`-${a}=${argv[++i]}`);
    } else if (FLAGS.has(a)) {
      long.push(`-${a}`);
    } else if (!a.startsWith("-")) {
      break;
    }
  }
  const { values } = parseArgs({
    args: long,
    options: {
      server: { type: "string" },
      timeout: { type: "string" },
      "client-configuration": { type: "string" },
      r: { type: "boolean" },
      waitforconnection: { type: "boolean" },
    },
    strict: true,
  });
  let timeoutMs = 30000;
  let crash: string | undefined;
  if (values.timeout !== undefined) {
    const n = Number(values.timeout);
    if (/^[+-]?\d+$/.test(values.timeout) && n >= -2147483648 && n <= 2147483647) {
      timeoutMs = n;
    } else {
      // connectToZK's Integer.parseInt is not caught: the JVM ends.
      crash = 'Exception in thread "main" java.lang.NumberFormatException: ' +
        `For input string: "${values.timeout}"`;
    }
  }
  return {
    options: {
      server: values.server ?? "localhost:2181",
      timeoutMs,
      readOnly: values.r ?? false,
      waitForConnection: values.waitforconnection ?? false,
    },
    command: i < argv.length && errors.length === 0 ? argv.slice(i) : null,
    clientConfiguration: values["client-configuration"],
    errors,
    crash,
  };
}

const encoder = new TextEncoder();

function writeAll(fd: { writeSync(p: Uint8Array): number }, text: string): void {
  const bytes = encoder.encode(text);
  let off = 0;
  try {
    while (off < bytes.length) off += fd.writeSync(bytes.subarray(off));
  } catch {
    // A closed pipe (`| head`): Java's PrintStream drops the output and goes on.
  }
}

/** The process's stdout and stderr, written synchronously so their order holds. */
export const PROCESS_OUTPUT: Output = {
  out: (line) => writeAll(Deno.stdout, line + "\n"),
  err: (line) => writeAll(Deno.stderr, line + "\n"),
  print: (text) => writeAll(Deno.stdout, text),
};

async function* stdinLines(): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let buf = "";
  for await (const chunk of Deno.stdin.readable) {
    buf += decoder.decode(chunk, { stream: true });
    let nl: number;
    while ((nl = buf.indexOf("\n")) >= 0) {
      yield buf.slice(0, nl).replace(/\r$/, "");
      buf = buf.slice(nl + 1);
    }
  }
  buf += decoder.decode();
  if (buf.length > 0) yield buf.replace(/\r$/, "");
}

async function interactive(shell: Shell): Promise<void> {
  const rl = readline.createInterface({
    input: process.stdin,
    output: process.stdout,
    terminal: true,
    historySize: 1000,
    completer: (line: string, cb: (err: Error | null, r?: [string[], string]) => void) => {
      const zk = shell.client;
      complete(line, zk ? (p) => zk.getChildren(p) : null).then((r) => cb(null, r), (e) => cb(e));
    },
  });
  let interrupted = false;
  rl.on("SIGINT", () => {
    interrupted = true;
    rl.close();
  });
  try {
    rl.setPrompt(shell.prompt);
    rl.prompt();
    for await (const line of rl) {
      await shell.executeLine(line);
      rl.setPrompt(shell.prompt);
      rl.prompt();
    }
  } finally {
    rl.close();
  }
  if (interrupted) throw new ShellExit(130);
}

/**
 * Runs the shell for a command line and returns its exit status.
 *
 * @param argv the arguments after the program name
 * @param io where to print (the process's streams by default)
 */
export async function main(argv: readonly string[], io: Output = PROCESS_OUTPUT): Promise<number> {
  const inv = parseInvocation(argv);
  for (const e of inv.errors) io.err(e);
  const shell = new Shell(inv.options, io);
  io.out(`Connecting to ${inv.options.server}`);
  if (inv.crash) {
    io.err(inv.crash);
    return 1;
  }
  try {
    await shell.connect();
    if (inv.command) {
      await shell.processCmd(inv.command);
    } else {
      io.out("Welcome to ZooKeeper!");
      if (Deno.stdin.isTerminal()) {
        io.out("JLine support is enabled");
        await interactive(shell);
      } else {
        io.out("JLine support is disabled");
        for await (const line of stdinLines()) await shell.executeLine(line);
      }
    }
    await shell.end();
    return shell.exitCode;
  } catch (e) {
    if (e instanceof ShellExit) {
      await shell.end();
      return e.code;
    }
    throw e;
  }
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
