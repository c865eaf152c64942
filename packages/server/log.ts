/**
 * Structured, levelled log lines for the server, one per event:
 * `2026-11-23T12:00:00.123Z INFO  [component] message key=value ...`.
 *
 * @module
 */

/** Log levels, least severe first. */
export type LogLevel = "debug" | "info" | "warn" | "error";

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Where the server's log lines go. */
export interface Logger {
  /** Logs detail for diagnosis, below the default level (info). */
  debug(msg: string, fields?: Record<string, unknown>): void;
  /** Logs a normal event (a session opened or expired, a server started). */
  info(msg: string, fields?: Record<string, unknown>): void;
  /** Logs something wrong that the server survives (a closed bad connection, too many connections from one IP). */
  warn(msg: string, fields?: Record<string, unknown>): void;
  /** Logs a failure: a snapshot that failed, a txn log that stops the server. */
  error(msg: string, fields?: Record<string, unknown>): void;
}

function fmt(v: unknown): string {
  if (typeof v === "bigint") return "0x" + BigInt.asUintN(64, v).toString(16);
  if (typeof v === "string") return /[\s="]/.test(v) ? JSON.stringify(v) : v;
  return String(v);
}

/**
 * A logger writing to stdout (info, debug) and stderr (warn, error), from
 * `level` up (default from `ZKTS_LOG_LEVEL`, else info).
 *
 * @example
 * ```ts
 * import { consoleLogger } from "@zkts/server";
 * const log = consoleLogger("server", "warn");
 * log.info("not shown");
 * log.warn("shown", { session: 0x100n });
 * ```
 */
export function consoleLogger(component: string, level?: LogLevel): Logger {
  let env: string | undefined;
  try {
    env = Deno.env.get("ZKTS_LOG_LEVEL");
  } catch { /* no env permission */ }
  const min = ORDER[level ?? (env as LogLevel) ?? "info"] ?? ORDER.info;
  const line = (lvl: LogLevel, msg: string, fields?: Record<string, unknown>) => {
    if (ORDER[lvl] < min) return;
    let s = `${new Date().toISOString()} ${lvl.toUpperCase().padEnd(5)} [${component}] ${msg}`;
    if (fields) { for (const [k, v] of Object.entries(fields)) s += ` ${k}=${fmt(v)}`; }
    if (ORDER[lvl] >= ORDER.warn) console.error(s);
    else console.log(s);
  };
  return {
    debug: (m, f) => line("debug", m, f),
    info: (m, f) => line("info", m, f),
    warn: (m, f) => line("warn", m, f),
    error: (m, f) => line("error", m, f),
  };
}

/** A logger that drops everything (tests, benches). */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
};
