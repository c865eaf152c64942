/**
 * Splitting a zkCli line into words (ZooKeeperMain.MyCommandOptions) and
 * parsing a command's flags the way Apache Commons CLI's DefaultParser does
 * for zkCli: flags anywhere, `--` ends them, a flag's value may be glued on
 * (`-v1`) or follow, negative numbers are values, and the same error texts.
 *
 * node:util's parseArgs is used for the process's own options (main.ts); it
 * cannot be used here because zkCli's users see Commons CLI's error messages
 * and rules (e.g. `-v -1` is a value, `-x` is "Unrecognized option: -x").
 *
 * @module
 */

/** ZooKeeperMain's ARGS_PATTERN: a bare word, or a "double" or 'single' quoted one. */
const ARGS_PATTERN = /\s*([^"']\S*|"[^"]*"|'[^']*')\s*/g;
/** ZooKeeperMain's QUOTED_PATTERN. */
const QUOTED_PATTERN = /^(['"])(.*)(\1)$/s;

/**
 * Breaks a command line into words as zkCli does: whitespace separates,
 * quotes group (and are stripped), nothing is unescaped.
 *
 * @example
 * ```ts
 * import { splitLine } from "./cli_parser.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(splitLine(`create /a "hello world"`), ["create", "/a", "hello world"]);
 * assert.deepEqual(splitLine("  ls   / "), ["ls", "/"]);
 * ```
 */
export function splitLine(line: string): string[] {
  const words: string[] = [];
  ARGS_PATTERN.lastIndex = 0;
  for (let m = ARGS_PATTERN.exec(line); m !== null; m = ARGS_PATTERN.exec(line)) {
    if (m[0].length === 0) {
      ARGS_PATTERN.lastIndex++;
      if (ARGS_PATTERN.lastIndex > line.length) break;
      continue;
    }
    let value = m[1];
    if (QUOTED_PATTERN.test(value)) value = value.slice(1, -1);
    words.push(value);
  }
  return words;
}

/** A command's flags: letter → whether it takes a value. */
export type FlagSpec = Record<string, boolean>;

/** The result of {@linkcode parseFlags}. */
export interface ParsedFlags {
  /** The words that are not flags, the command name first. */
  args: string[];
  /** Flags seen: `true`, or the flag's value. */
  flags: Map<string, string | true>;
}

/** A Commons CLI ParseException, with the text zkCli prints for it. */
export class FlagError extends Error {
  /** Builds the error from the exception's class and message. */
  constructor(kind: "UnrecognizedOptionException" | "MissingArgumentException", message: string) {
    super(`org.apache.commons.cli.${kind}: ${message}`);
    this.name = "FlagError";
  }
}

/** Java's Double.parseDouble accepting the word: Commons CLI then takes it as a value. */
function isNumber(token: string): boolean {
  return /^[+-]?(NaN|Infinity|(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?[fFdD]?)$/.test(token.trim());
}

function stripQuotes(s: string): string {
  if (s.length > 1 && s.startsWith('"') && s.endsWith('"') && !s.slice(1, -1).includes('"')) {
    return s.slice(1, -1);
  }
  return s;
}

/**
 * Parses `words` (the command name first) against `spec` as Commons CLI's
 * DefaultParser does.
 *
 * @throws {FlagError} for an unknown flag or a flag missing its value
 *
 * @example
 * ```ts
 * import { parseFlags } from "./cli_parser.ts";
 * import assert from "node:assert/strict";
 * const r = parseFlags(["set", "-s", "/a", "x", "-v", "-1"], { s: false, v: true });
 * assert.deepEqual(r.args, ["set", "/a", "x"]);
 * assert.equal(r.flags.get("v"), "-1");
 * assert.throws(() => parseFlags(["ls", "-x", "/"], { s: false }), /Unrecognized option: -x/);
 * ```
 */
export function parseFlags(words: readonly string[], spec: FlagSpec): ParsedFlags {
  const args: string[] = [];
  const flags = new Map<string, string | true>();
  let pending: string | null = null;
  let skip = false;

  const has = (name: string) => Object.hasOwn(spec, name);
  const isShortOption = (token: string) => {
    if (!token.startsWith("-") || token.length === 1) return false;
    const eq = token.indexOf("=");
    const name = eq === -1 ? token.slice(1) : token.slice(1, eq);
    return has(name) || (name.length > 0 && has(name[0]));
  };
  const isArgument = (token: string) => !isShortOption(token) || isNumber(token);
  const unknown = (token: string) => {
    if (token.startsWith("-") && token.length > 1) {
      throw new FlagError("UnrecognizedOptionException", `Unrecognized option: ${token}`);
    }
    args.push(token);
  };
  const checkRequired = () => {
    if (pending !== null) {
      throw new FlagError("MissingArgumentException", `Missing argument for option: ${pending}`);
    }
  };
  const option = (name: string) => {
    checkRequired();
    flags.set(name, true);
    if (spec[name]) pending = name;
  };
  const concatenated = (token: string) => {
    for (let i = 1; i < token.length; i++) {
      const ch = token[i];
      if (!has(ch)) {
        unknown(token);
        break;
      }
      option(ch);
      if (pending !== null && token.length !== i + 1) {
        flags.set(pending, token.slice(i + 1));
        pending = null;
        break;
      }
    }
  };

  for (const token of words) {
    if (skip) {
      args.push(token);
    } else if (token === "--") {
      skip = true;
    } else if (pending !== null && isArgument(token)) {
      flags.set(pending, stripQuotes(token));
      pending = null;
    } else if (token.startsWith("--")) {
      unknown(token); // zkCli's commands have no long options
    } else if (token.startsWith("-") && token !== "-") {
      const t = token.slice(1);
      const eq = t.indexOf("=");
      if (t.length === 1) {
        if (has(t)) option(t);
        else unknown(token);
      } else if (eq === -1) {
        concatenated(token);
      } else {
        const name = t.slice(0, eq);
        if (name.length === 1 && has(name) && spec[name]) {
          option(name);
          flags.set(name, t.slice(eq + 1));
          pending = null;
        } else {
          unknown(token);
        }
      }
    } else {
      unknown(token);
    }
  }
  checkRequired();
  return { args, flags };
}
