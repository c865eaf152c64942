/**
 * Runs a command script through Apache's zkCli.sh and through zkts's
 * apps/cli, and compares what they print after masking what may differ
 * (times, zxids, session ids, ports, the version and zkCli.sh's log noise).
 *
 * stdout and stderr are merged into one pipe (`2>&1`) so the order of
 * the two streams is kept as the user sees it.
 *
 * @module
 */

/** Debian's zkCli.sh (Apache ZooKeeper 3.8.0). */
export const ZKCLI = "/usr/share/zookeeper/bin/zkCli.sh";
const MAIN = new URL("../../apps/cli/main.ts", import.meta.url).pathname;
const RUN_TIMEOUT_MS = 20_000;

/** What one run printed and how it ended. */
export interface RunResult {
  /** stdout and stderr merged, in order. */
  output: string;
  code: number;
}

/** Which shell to run. */
export type ShellKind = "zkCli.sh" | "zkts";

/**
 * Runs `args` through a shell with `input` on stdin (null: none), merging
 * stdout and stderr. Bounded by a timeout; the process is killed past it.
 */
export async function runShell(
  kind: ShellKind,
  args: string[],
  input: string | null,
): Promise<RunResult> {
  const argv = kind === "zkCli.sh"
    ? [ZKCLI, ...args]
    : [Deno.execPath(), "run", "-A", MAIN, ...args];
  const child = new Deno.Command("sh", {
    args: ["-c", 'exec "$0" "$@" 2>&1', ...argv],
    stdin: "piped",
    stdout: "piped",
    stderr: "null",
    env: {
      CLIENT_JVMFLAGS: "-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xshare:auto",
      TZ: "UTC",
      NO_COLOR: "1",
    },
  }).spawn();
  const timer = setTimeout(() => {
    try {
      child.kill("SIGKILL");
    } catch { /* ended */ }
  }, RUN_TIMEOUT_MS);
  try {
    const writer = child.stdin.getWriter();
    if (input !== null) await writer.write(new TextEncoder().encode(input));
    await writer.close();
    const out = await child.output();
    return { output: new TextDecoder().decode(out.stdout), code: out.code };
  } finally {
    clearTimeout(timer);
  }
}

/** A script's lines, `{server}` replaced by the connect string, ending in a newline. */
export function scriptText(lines: readonly string[], server: string): string {
  return lines.map((l) => l.replaceAll("{server}", server)).join("\n") + "\n";
}

/** An output, normalised for comparison. */
export interface Normalized {
  /** Every line but watch events, masked. */
  lines: string[];
  /** The watch events (`WatchedEvent ...` lines), in order. */
  events: string[];
  /** Line per `Sync is OK` segment: the events seen in it (to check where they happen). */
  eventsBySegment: string[][];
}

const MASKS: [RegExp, string][] = [
  [/^(ctime|mtime) = .*$/, "$1 = <time>"],
  [/^(cZxid|mZxid|pZxid) = 0x[0-9a-f]+$/, "$1 = <zxid>"],
  [/^ephemeralOwner = 0x(?!0$)[0-9a-f]+$/, "ephemeralOwner = <session>"],
  [/^ZooKeeper CLI version: .*$/, "ZooKeeper CLI version: <version>"],
  [/127\.0\.0\.1:\d+/g, "127.0.0.1:<port>"],
];

/**
 * Drops zkCli.sh's SLF4J noise, masks times, zxids, session ids, ports and
 * the version, and takes watch events out of the line stream (Java prints
 * them from another thread, so where they fall between other lines of the
 * same command may vary): a blank line followed by `WATCHER::` or by a
 * `WatchedEvent` line is one println of Apache's.
 */
export function normalize(output: string): Normalized {
  const raw = output.split("\n");
  if (raw.at(-1) === "") raw.pop();
  const lines: string[] = [];
  const events: string[] = [];
  const eventsBySegment: string[][] = [[]];
  for (let i = 0; i < raw.length; i++) {
    const line = raw[i];
    // SLF4J's warnings and the frames of a Java stack trace are noise.
    if (line.startsWith("SLF4J:") || line.startsWith("\tat ") || /^\t\.\.\. \d+ more$/.test(line)) {
      continue;
    }
    const next = raw[i + 1];
    // zkCli.sh may exit before its event thread prints the Closed event of `quit`, or of
    // the close before an exception ends it.
    if (line === "" && next === CLOSED && endsHere(raw, i + 2)) {
      i++;
      continue;
    }
    if (line === "" && next !== undefined && next === "WATCHER::") {
      i++;
      continue;
    }
    if (line === "" && next !== undefined && next.startsWith("WatchedEvent ")) {
      events.push(next);
      eventsBySegment.at(-1)!.push(next);
      i++;
      continue;
    }
    let masked = line;
    for (const [re, to] of MASKS) masked = masked.replace(re, to);
    lines.push(masked);
    if (line === "Sync is OK") eventsBySegment.push([]);
  }
  return { lines, events, eventsBySegment };
}

const CLOSED = "WatchedEvent state:Closed type:None path:null";

/**
 * Whether nothing but the end of a session's output (or an exception that
 * ends the JVM) follows line `i`.
 */
function endsHere(raw: string[], i: number): boolean {
  for (; i < raw.length; i++) {
    if (raw[i].startsWith("#### exit") || raw[i].startsWith("Exception in thread")) return true;
    if (raw[i] !== "" && !raw[i].startsWith("SLF4J:")) return false;
  }
  return true;
}

/**
 * The first difference between two normalised outputs, as a readable
 * report, or null when they agree.
 */
export function firstDifference(expected: Normalized, actual: Normalized): string | null {
  const n = Math.max(expected.lines.length, actual.lines.length);
  for (let i = 0; i < n; i++) {
    if (expected.lines[i] !== actual.lines[i]) {
      const ctx = expected.lines.slice(Math.max(0, i - 3), i).map((l) => `    ${l}`).join("\n");
      return `line ${i + 1} differs:\n${ctx}\n  - ${expected.lines[i]}\n  + ${actual.lines[i]}`;
    }
  }
  const segs = Math.max(expected.eventsBySegment.length, actual.eventsBySegment.length);
  for (let i = 0; i < segs; i++) {
    // Apache's client reports removed watches in HashMap order: compare as sets.
    const e = [...expected.eventsBySegment[i] ?? []].sort().join("\n");
    const a = [...actual.eventsBySegment[i] ?? []].sort().join("\n");
    if (e !== a) {
      return `watch events before sync #${i + 1} differ:\n  - ${e || "(none)"}\n  + ${
        a || "(none)"
      }`;
    }
  }
  return null;
}
