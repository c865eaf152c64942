/**
 * Helpers shared by the interop tests: comparing two servers' outputs line by
 * line.
 *
 * @module
 */

/**
 * The first differing line of two outputs (Apache's first), or null.
 *
 * @example
 * ```ts
 * import { firstLineDiff } from "./compare.ts";
 * import assert from "node:assert/strict";
 * assert.equal(firstLineDiff("a\nb", "a\nb"), null);
 * assert.equal(firstLineDiff("a\nb", "a\nc"), "line 2:\n  Apache: b\n  zkts:   c");
 * ```
 */
export function firstLineDiff(a: string, b: string): string | null {
  const x = a.split("\n");
  const y = b.split("\n");
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    if (x[i] !== y[i]) {
      return `line ${i + 1}:\n  Apache: ${x[i]}\n  zkts:   ${y[i]}`;
    }
  }
  return null;
}

/**
 * Masks what may differ between two faithful servers: times, session ids,
 * the port, where the connect event lands; sorts children lists (hash order
 * in Apache).
 *
 * @example
 * ```ts
 * import { maskZkCli } from "./compare.ts";
 * import assert from "node:assert/strict";
 * assert.equal(maskZkCli("ctime = Mon Nov 23 12:21:28 UTC 2026\n[b, a]"), "ctime = <time>\n[a, b]");
 * ```
 */
export function maskZkCli(out: string): string {
  // The connect event is printed by zkCli's event thread whenever it comes:
  // before or after the first command's output. Its place is timing, not output.
  out = out.replace(
    /(^|\n)\nWATCHER::\n\nWatchedEvent state:SyncConnected type:None path:null(?=\n|$)/g,
    "$1",
  );
  return out.split("\n")
    .filter((l) => !l.startsWith("SLF4J:"))
    .map((l) =>
      l.replace(/^([cm]time = ).*$/, "$1<time>")
        .replace(/^ephemeralOwner = 0x[0-9a-f]+$/, (m) =>
          m.endsWith(" 0x0") ? m : "ephemeralOwner = <session>")
        .replace(/127\.0\.0\.1:\d+/g, "127.0.0.1:<port>")
        .replace(/^\[(.*)\]$/, (_, items: string) =>
          `[${items === "" ? "" : items.split(", ").sort().join(", ")}]`)
    )
    .join("\n");
}

/**
 * Masks the session id, times and latencies of cli_mt's output.
 *
 * @example
 * ```ts
 * import { maskCliMt } from "./compare.ts";
 * import assert from "node:assert/strict";
 * assert.equal(maskCliMt("time = 12 msec"), "time = <ms>");
 * ```
 */
export function maskCliMt(out: string): string {
  return out.replace(/session id: 0x[0-9a-f]+/g, "session id: <session>")
    .replace(/([cm]time ?= ?).*$/gm, "$1<time>")
    .replace(/^time = \d+ msec$/gm, "time = <ms>")
    .replace(
      /ephemeralOwner = [0-9a-f]+$/gm,
      (m) => m.endsWith(" 0") ? m : "ephemeralOwner = <session>",
    );
}

/**
 * The layout of an answer: line by line, with session ids, addresses, dates
 * and numbers masked (`N` for an integer, `N.N` for a decimal).
 *
 * @example
 * ```ts
 * import { layout } from "./compare.ts";
 * import assert from "node:assert/strict";
 * assert.equal(layout("Latency min/avg/max: 1/3.6/7"), "Latency min/avg/max: N/N.N/N");
 * assert.equal(layout(" /127.0.0.1:4242[1](sid=0x10a)"), " /<addr>[N](sid=0x<id>)");
 * ```
 */
export function layout(text: string): string {
  return text
    .replace(/\/?127\.0\.0\.1:\d+/g, "/<addr>")
    .replace(/0x[0-9a-f]+/g, "0x<id>")
    .replace(/\b(Mon|Tue|Wed|Thu|Fri|Sat|Sun)\b[^:\n]*\d\d:\d\d:\d\d[^:\n]*/g, "<date>")
    .replace(/\/tmp\/[^\s]+/g, "<path>")
    .replace(/-?\d+\.\d+/g, "N.N")
    .replace(/\b\d+\b/g, "N");
}

/** The keys of a `key<sep>value` answer, in order (`srvr`, `conf`, `mntr`, `dirs`, `envi`). */
export function keysOf(text: string, sep: RegExp): string[] {
  return text.split("\n").filter((l) => l !== "" && !l.startsWith(" ")).map((l) => l.split(sep)[0]);
}
