/**
 * zkCli's commands (org.apache.zookeeper.cli.*Command of Apache ZooKeeper
 * 3.8): each parses its words with Commons CLI's rules and runs against a
 * session, printing what zkCli prints, on the stream zkCli prints it on.
 *
 * @module
 */
import {
  InvalidPathError,
  KeeperError,
  validatePath,
  type Watcher,
  type ZooKeeper,
} from "@zkts/client";
import { type ACL, ErrorCode, OpCode, WatcherType } from "@zkts/jute";
import { FlagError, type FlagSpec, type ParsedFlags, parseFlags } from "./cli_parser.ts";
import {
  createQuota,
  delQuota,
  LIMIT_NODE,
  listQuota,
  QUOTA_ROOT,
  QuotaArgumentError,
  StatsTrack,
} from "./quota.ts";
import {
  aclLines,
  childrenLine,
  clientConfigString,
  javaCompare,
  javaList,
  parseAcl,
  statLines,
} from "./format.ts";

/** The version `version` reports: Apache's line, with zkts's name. */
export const CLI_VERSION = "3.8.0-zkts-0.1.0, built on 2026-11-23 00:00 UTC";

/** A failed command: the message zkCli prints on stderr and the exit code it leaves. */
export class CliError extends Error {
  /** 1, or 127 for an unknown command (CommandNotFoundException). */
  readonly exitCode: number;
  /** Builds the error. */
  constructor(message: string, exitCode = 1) {
    super(message);
    this.name = "CliError";
    this.exitCode = exitCode;
  }
}

/**
 * A Java exception zkCli does not catch (e.g. NumberFormatException for
 * `set -v x`): the JVM prints it and the shell ends with status 1.
 */
export class JavaCrash extends Error {
  /** Builds the crash from the exception's Java class and message. */
  constructor(javaClass: string, message: string) {
    super(`Exception in thread "main" ${javaClass}: ${message}`);
    this.name = "JavaCrash";
  }
}

/** The kinds of watch the client keeps, as ZKWatchManager names its tables. */
export type WatchKind = "data" | "exist" | "child" | "persistent" | "persistentRecursive";

/** What a command may use of the shell. */
export interface CommandContext {
  /** Prints a line on stdout. */
  out(line: string): void;
  /** Prints a line on stderr. */
  err(line: string): void;
  /** Prints text without a newline on stdout (PrintStream.print). */
  print(text: string): void;
  /** The session, once connected; ConnectionLoss (for `path`) when no server answers. */
  client(path?: string): Promise<ZooKeeper>;
  /** The shell's watcher of this session: prints events when printwatches is on. */
  readonly watcher: Watcher;
  /** Notes a watch the client now holds, to report its removal as Apache's client does. */
  noteWatch(kind: WatchKind, path: string): void;
  /** Forgets and returns the kinds of watch held on `path` among `kinds`. */
  takeWatches(path: string, kinds: WatchKind[]): Set<WatchKind>;
  /** Ends the session (`close`). */
  close(): Promise<void>;
}

/** One zkCli command. */
export interface Command {
  /** The word that calls it. */
  readonly name: string;
  /** Its options and arguments, as the usage text lists them. */
  readonly optionStr: string;
  /** Runs it; `words` are the line's words, the command first. Returns whether it set a watch. */
  run(words: string[], ctx: CommandContext): Promise<boolean>;
}

/**
 * The message CliWrapperException gives a KeeperException.
 *
 * @example
 * ```ts
 * import { wrapperMessage } from "./commands.ts";
 * import { KeeperError } from "@zkts/client";
 * import { ErrorCode } from "@zkts/jute";
 * import assert from "node:assert/strict";
 * assert.equal(wrapperMessage(new KeeperError(ErrorCode.NotEmpty, "/china")), "Node not empty: /china");
 * assert.equal(
 *   wrapperMessage(new KeeperError(ErrorCode.ConnectionLoss, "/")),
 *   "KeeperErrorCode = ConnectionLoss for /",
 * );
 * ```
 */
export function wrapperMessage(e: KeeperError): string {
  const p = e.path ?? "null";
  switch (e.code) {
    case ErrorCode.NoNode:
      return `Node does not exist: ${p}`;
    case ErrorCode.NoChildrenForEphemerals:
      return `Ephemerals cannot have children: ${p}`;
    case ErrorCode.NodeExists:
      return `Node already exists: ${p}`;
    case ErrorCode.NotEmpty:
      return `Node not empty: ${p}`;
    case ErrorCode.NotReadOnly:
      return `Not a read-only call: ${p}`;
    case ErrorCode.InvalidACL:
      return `Acl is not valid : ${p}`;
    case ErrorCode.NoAuth:
      return `Insufficient permission : ${p}`;
    case ErrorCode.BadArguments:
      return `Arguments are not valid : ${p}`;
    case ErrorCode.BadVersion:
      return `version No is not valid : ${p}`;
    case ErrorCode.ReconfigInProgress:
      return "Another reconfiguration is in progress -- concurrent reconfigs not supported (yet)";
    case ErrorCode.NewConfigNoQuorum:
      return "No quorum of new config is connected and up-to-date with the leader of last " +
        "committed config - try invoking reconfiguration after new servers are connected and synced";
    case ErrorCode.QuotaExceeded:
      return `Quota has exceeded : ${p}`;
  }
  return e.message;
}

/** Turns what a ZooKeeper call threw into the CliError zkCli reports. */
function wrap(e: unknown): never {
  if (e instanceof InvalidPathError) throw new CliError(e.reason); // MalformedPathException
  if (e instanceof KeeperError) throw new CliError(wrapperMessage(e));
  throw e;
}

function parse(words: string[], spec: FlagSpec): ParsedFlags {
  try {
    return parseFlags(words, spec);
  } catch (e) {
    if (e instanceof FlagError) throw new CliError(e.message); // CliParseException
    throw e;
  }
}

/** Java's Integer.parseInt; NumberFormatException is not caught by zkCli. */
function javaInt(s: string): number {
  if (/^[+-]?\d+$/.test(s)) {
    const n = Number(s);
    if (n >= -2147483648 && n <= 2147483647) return n;
  }
  throw new JavaCrash("java.lang.NumberFormatException", `For input string: "${s}"`);
}

/** Java's Long.parseLong, or null when it would throw. */
function javaLong(s: string): bigint | null {
  if (!/^[+-]?\d+$/.test(s)) return null;
  const n = BigInt(s);
  if (n < -(2n ** 63n) || n > 2n ** 63n - 1n) return null;
  return n;
}

const enc = new TextEncoder();
const dec = new TextDecoder();

function text(data: Uint8Array | null): string {
  return data === null ? "null" : dec.decode(data);
}

/** The `'xxx path [watch]' has been deprecated` rewrite of ls, get and stat. */
function retainCompatibility(
  words: string[],
  spec: FlagSpec,
  parsed: ParsedFlags,
  message: string,
  rewrite: boolean,
  err: (line: string) => void,
): ParsedFlags {
  if (parsed.args.length <= 2) return parsed;
  if (rewrite) words[2] = "-w";
  err(message);
  return parse(words, spec);
}

function validated(path: string, sequential = false): string {
  try {
    validatePath(path, sequential);
  } catch (e) {
    wrap(e);
  }
  return path;
}

/** ZKUtil.visitSubTreeDFS: the node, then each level's sorted children before their subtrees. */
async function visitSubTree(
  zk: ZooKeeper,
  path: string,
  watch: boolean,
  ctx: CommandContext,
  visit: (path: string) => Promise<void> | void,
): Promise<void> {
  validated(path);
  await zk.getData(path, watch);
  if (watch) ctx.noteWatch("data", path);
  await visit(path);
  const helper = async (p: string): Promise<void> => {
    let children: string[];
    try {
      children = await zk.getChildren(p, watch);
      if (watch) ctx.noteWatch("child", p);
    } catch (e) {
      if (e instanceof KeeperError && e.code === ErrorCode.NoNode) return;
      throw e;
    }
    children.sort(javaCompare);
    const base = p.length === 1 ? p : p + "/";
    for (const c of children) await visit(base + c);
    for (const c of children) await helper(base + c);
  };
  await helper(path);
}

/** ZKUtil.listSubTreeBFS: the node, then every node below it, level by level. */
async function listSubTree(zk: ZooKeeper, root: string): Promise<string[]> {
  const tree = [root];
  for (let i = 0; i < tree.length; i++) {
    const node = tree[i];
    for (const c of await zk.getChildren(node)) tree.push((node === "/" ? "" : node) + "/" + c);
  }
  return tree;
}

/** Java's ZooKeeper.validateACL: an empty list is refused before it is sent. */
function checkAcl(acl: ACL[], ctx: CommandContext, printFirst: boolean): void {
  if (acl.length > 0) return;
  if (printFirst) ctx.err("KeeperErrorCode = InvalidACL");
  throw new CliError("Acl is not valid : null");
}

const LS = { "?": false, s: false, w: false, R: false };
const CREATE = { e: false, s: false, c: false, t: true };
const GET = { s: false, w: false };
const SET = { s: false, v: true };
const DELETE = { v: true };
const DELETEALL = { b: true };
const STAT = { w: false };
const GETACL = { s: false };
const SETACL = { s: false, v: true, R: false };
const CONFIG = { s: false, w: false, c: false };
const ADDWATCH = { m: true };
const REMOVEWATCHES = { c: false, d: false, a: false, l: false };
const NONE = {};

/** TTLs above 2^40 - 1 do not fit EphemeralType.TTL's encoding. */
const TTL_MAX = 0xffffffffffn;

const ADD_WATCH_USAGE = "[-m mode] path # optional mode is one of [PERSISTENT, " +
  "PERSISTENT_RECURSIVE] - default is PERSISTENT_RECURSIVE";

function command(
  name: string,
  optionStr: string,
  run: (words: string[], ctx: CommandContext, usage: string) => Promise<boolean>,
): Command {
  const usage = `${name} ${optionStr}`;
  return { name, optionStr, run: (words, ctx) => run(words, ctx, usage) };
}

/** Every zkCli command that talks to the server, by name (ZooKeeperMain.commandMapCli). */
export const COMMANDS: ReadonlyMap<string, Command> = new Map([
  command("ls", "[-s] [-w] [-R] path", async (words, ctx, usage) => {
    let p = parse(words, LS);
    if (p.flags.has("?")) {
      ctx.out("usage: ls [options] path");
      for (const [f, d] of [["?", "help"], ["R", "recurse"], ["s", "stat"], ["w", "watch"]]) {
        ctx.out(` -${f}   ${d}`);
      }
    }
    p = retainCompatibility(
      words,
      LS,
      p,
      "'ls path [watch]' has been deprecated. Please use 'ls [-w] path' instead.",
      true,
      ctx.err,
    );
    if (p.args.length < 2) throw new CliError(usage);
    const path = p.args[1];
    const watch = p.flags.has("w");
    try {
      const zk = await ctx.client(path);
      if (p.flags.has("R")) {
        await visitSubTree(zk, path, watch, ctx, (node) => ctx.out(node));
      } else if (p.flags.has("s")) {
        const r = await zk.getChildren2(path, watch ? ctx.watcher : undefined);
        if (watch) ctx.noteWatch("child", path);
        ctx.out(childrenLine(r.children));
        for (const l of statLines(r.stat)) ctx.out(l);
      } else {
        const children = await zk.getChildren(path, watch ? ctx.watcher : undefined);
        if (watch) ctx.noteWatch("child", path);
        ctx.out(childrenLine(children));
      }
    } catch (e) {
      wrap(e);
    }
    return watch;
  }),

  command("create", "[-s] [-e] [-c] [-t ttl] path [data] [acl]", async (words, ctx, usage) => {
    const p = parse(words, CREATE);
    if (p.args.length < 2) throw new CliError(usage);
    const hasE = p.flags.has("e");
    const hasS = p.flags.has("s");
    const hasC = p.flags.has("c");
    const hasT = p.flags.has("t");
    if (hasC && (hasE || hasS)) {
      throw new CliError(
        "-c cannot be combined with -s or -e. Containers cannot be ephemeral or sequential.",
      );
    }
    let ttl = 0n;
    if (hasT) {
      const v = javaLong(String(p.flags.get("t")));
      if (v === null) throw new CliError("-t argument must be a long value");
      ttl = v;
    }
    if (hasT && hasE) throw new CliError("TTLs cannot be used with Ephemeral znodes");
    if (hasT && hasC) throw new CliError("TTLs cannot be used with Container znodes");
    // CreateMode values (Apache's CreateMode.toFlag).
    let mode: number;
    if (hasE && hasS) mode = 3;
    else if (hasE) mode = 1;
    else if (hasS) mode = hasT ? 6 : 2;
    else if (hasC) mode = 4;
    else mode = hasT ? 5 : 0;
    if (hasT && (ttl <= 0n || ttl > TTL_MAX)) {
      throw new CliError(`ttl must be positive and cannot be larger than: ${TTL_MAX}`);
    }
    const path = p.args[1];
    const data = p.args.length > 2 ? enc.encode(p.args[2]) : null;
    let acl: ACL[] | undefined;
    if (p.args.length > 3) {
      const parsed = parseAcl(p.args[3]);
      for (const e of parsed.errors) ctx.err(e);
      acl = parsed.acl;
    }
    try {
      validated(path, mode === 2 || mode === 3 || mode === 6);
      if (acl) checkAcl(acl, ctx, true);
      const zk = await ctx.client(path);
      const created = await zk.create2(path, data, {
        mode,
        acl,
        ttlMs: hasT ? Number(ttl) : undefined,
      });
      ctx.err(`Created ${created.path}`);
    } catch (e) {
      if (e instanceof KeeperError && e.code === ErrorCode.EphemeralOnLocalSession) {
        ctx.err("Unable to create ephemeral node on a local session");
      } else if (
        e instanceof KeeperError && !(e instanceof InvalidPathError) &&
        e.code === ErrorCode.InvalidACL
      ) {
        ctx.err(e.message);
      }
      wrap(e);
    }
    return true;
  }),

  command("get", "[-s] [-w] path", async (words, ctx, usage) => {
    let p = parse(words, GET);
    if (p.args.length < 2) throw new CliError(usage);
    p = retainCompatibility(
      words,
      GET,
      p,
      "'get path [watch]' has been deprecated. Please use 'get [-s] [-w] path' instead.",
      true,
      ctx.err,
    );
    const path = p.args[1];
    const watch = p.flags.has("w");
    let r;
    try {
      const zk = await ctx.client(path);
      r = await zk.getData(path, watch ? ctx.watcher : undefined);
      if (watch) ctx.noteWatch("data", path);
    } catch (e) {
      wrap(e);
    }
    ctx.out(text(r.data));
    if (p.flags.has("s")) { for (const l of statLines(r.stat)) ctx.out(l); }
    return watch;
  }),

  command("set", "[-s] [-v version] path data", async (words, ctx, usage) => {
    const p = parse(words, SET);
    if (p.args.length < 3) throw new CliError(usage);
    const path = p.args[1];
    const data = enc.encode(p.args[2]);
    const version = p.flags.has("v") ? javaInt(String(p.flags.get("v"))) : -1;
    try {
      const zk = await ctx.client(path);
      const stat = await zk.setData(path, data, version);
      if (p.flags.has("s")) { for (const l of statLines(stat)) ctx.out(l); }
    } catch (e) {
      wrap(e);
    }
    return false;
  }),

  command("delete", "[-v version] path", async (words, ctx, usage) => {
    let p = parse(words, DELETE);
    if (p.args.length < 2) throw new CliError(usage);
    p = retainCompatibility(
      words,
      DELETE,
      p,
      "'delete path [version]' has been deprecated. " +
        "Please use 'delete [-v version] path' instead.",
      false,
      ctx.err,
    );
    const path = p.args[1];
    const version = p.flags.has("v") ? javaInt(String(p.flags.get("v"))) : -1;
    try {
      const zk = await ctx.client(path);
      await zk.delete(path, version);
    } catch (e) {
      wrap(e);
    }
    return false;
  }),

  command("deleteall", "path [-b batch size]", async (words, ctx, usage) => {
    const p = parse(words, DELETEALL);
    if (p.args.length < 2) throw new CliError(usage);
    let batchSize = 1000;
    if (p.flags.has("b")) {
      const s = String(p.flags.get("b"));
      const n = Number(s);
      if (!/^[+-]?\d+$/.test(s) || n < -2147483648 || n > 2147483647) {
        throw new CliError("-b argument must be an int value");
      }
      batchSize = n;
    }
    const path = p.args[1];
    try {
      validated(path);
      const zk = await ctx.client(path);
      const tree = await listSubTree(zk, path);
      if (batchSize > 0) {
        // ZKUtil.deleteInBatch: leaves first, `batchSize` deletes per multi, stop at a failure.
        let ok = true;
        let ops: string[] = [];
        for (let i = tree.length - 1; i >= 0; i--) {
          ops.push(tree[i]);
          if (ops.length === batchSize || i === 0) {
            if (!ok) break;
            try {
              await zk.multi(ops.map((path) => ({
                type: OpCode.delete,
                request: { path, version: -1 },
              })));
            } catch (e) {
              if (!(e instanceof KeeperError)) throw e;
              ok = false;
            }
            ops = [];
          }
        }
        if (!ok) ctx.err("Failed to delete some node(s) in the subtree!");
      } else {
        for (let i = tree.length - 1; i >= 0; i--) await zk.delete(tree[i], -1);
      }
    } catch (e) {
      wrap(e);
    }
    return false;
  }),

  command("setAcl", "[-s] [-v version] [-R] path acl", async (words, ctx, usage) => {
    const p = parse(words, SETACL);
    if (p.args.length < 3) throw new CliError(usage);
    const path = p.args[1];
    const parsed = parseAcl(p.args[2]);
    for (const e of parsed.errors) ctx.err(e);
    const version = p.flags.has("v") ? javaInt(String(p.flags.get("v"))) : -1;
    try {
      const zk = await ctx.client(path);
      if (p.flags.has("R")) {
        await visitSubTree(zk, path, false, ctx, async (node) => {
          try {
            checkAcl(parsed.acl, ctx, false);
            await zk.setACL(node, parsed.acl, version);
          } catch (e) {
            if (e instanceof CliError) ctx.print("KeeperErrorCode = InvalidACL");
            else if (e instanceof KeeperError) ctx.print(e.message);
            else throw e;
          }
        });
      } else {
        validated(path);
        checkAcl(parsed.acl, ctx, false);
        const stat = await zk.setACL(path, parsed.acl, version);
        if (p.flags.has("s")) { for (const l of statLines(stat)) ctx.out(l); }
      }
    } catch (e) {
      wrap(e);
    }
    return false;
  }),

  command("stat", "[-w] path", async (words, ctx, usage) => {
    let p = parse(words, STAT);
    if (p.args.length < 2) throw new CliError(usage);
    p = retainCompatibility(
      words,
      STAT,
      p,
      "'stat path [watch]' has been deprecated. Please use 'stat [-w] path' instead.",
      true,
      ctx.err,
    );
    const path = p.args[1];
    const watch = p.flags.has("w");
    let stat;
    try {
      const zk = await ctx.client(path);
      stat = await zk.exists(path, watch ? ctx.watcher : undefined);
      if (watch) ctx.noteWatch(stat ? "data" : "exist", path);
    } catch (e) {
      wrap(e);
    }
    if (stat === null) throw new CliError(`Node does not exist: ${path}`);
    for (const l of statLines(stat)) ctx.out(l);
    return watch;
  }),

  command("getAcl", "[-s] path", async (words, ctx, usage) => {
    const p = parse(words, GETACL);
    if (p.args.length < 2) throw new CliError(usage);
    const path = p.args[1];
    let r;
    try {
      const zk = await ctx.client(path);
      r = await zk.getACL(path);
    } catch (e) {
      wrap(e);
    }
    for (const a of r.acl) for (const l of aclLines(a)) ctx.out(l);
    if (p.flags.has("s")) { for (const l of statLines(r.stat)) ctx.out(l); }
    return false;
  }),

  command("sync", "path", async (words, ctx, usage) => {
    const p = parse(words, NONE);
    if (p.args.length < 2) throw new CliError(usage);
    const path = p.args[1];
    validated(path);
    try {
      const zk = await ctx.client(path);
      await zk.sync(path);
      ctx.out("Sync is OK");
    } catch (e) {
      if (e instanceof KeeperError && !(e instanceof InvalidPathError)) {
        ctx.out(`Sync has failed. rc=${e.code}`);
      } else {
        wrap(e);
      }
    }
    return false;
  }),

  command("addauth", "scheme auth", async (words, ctx, usage) => {
    const p = parse(words, NONE);
    if (p.args.length < 2) throw new CliError(usage);
    const zk = await ctx.client();
    zk.addAuth(p.args[1], p.args.length >= 3 ? enc.encode(p.args[2]) : new Uint8Array(0));
    return false;
  }),

  command("config", "[-c] [-w] [-s]", async (words, ctx) => {
    const p = parse(words, CONFIG);
    const watch = p.flags.has("w");
    let r;
    try {
      const zk = await ctx.client("/zookeeper/config");
      r = await zk.getConfig(watch ? ctx.watcher : undefined);
      if (watch) ctx.noteWatch("data", "/zookeeper/config");
    } catch (e) {
      wrap(e);
    }
    const data = text(r.data);
    ctx.out(p.flags.has("c") ? clientConfigString(data) : data);
    if (p.flags.has("s")) { for (const l of statLines(r.stat)) ctx.out(l); }
    return watch;
  }),

  command("removewatches", "path [-c|-d|-a] [-l]", async (words, ctx, usage) => {
    const p = parse(words, REMOVEWATCHES);
    if (p.args.length < 2) throw new CliError(usage);
    const path = p.args[1];
    let type: number = WatcherType.Any;
    if (p.flags.has("c")) type = WatcherType.Children;
    else if (p.flags.has("d")) type = WatcherType.Data;
    else if (p.flags.has("a")) type = WatcherType.Any;
    const kinds: WatchKind[] = type === WatcherType.Children
      ? ["child"]
      : type === WatcherType.Data
      ? ["data", "exist"]
      : ["child", "data", "exist", "persistent", "persistentRecursive"];
    try {
      const zk = await ctx.client(path);
      await zk.removeWatches(path, type, undefined, { local: p.flags.has("l") });
    } catch (e) {
      wrap(e);
    }
    // The client tells each removed watcher (Child/Data/PersistentWatchRemoved),
    // as Apache's client does; the shell only forgets what it noted.
    ctx.takeWatches(path, kinds);
    return true;
  }),

  command("getEphemerals", "path", async (words, ctx) => {
    const p = parse(words, NONE);
    let list;
    try {
      const path = p.args.length < 2 ? "/" : validated(p.args[1]);
      const zk = await ctx.client(path);
      list = await zk.getEphemerals(path);
    } catch (e) {
      wrap(e);
    }
    ctx.out(javaList(list));
    return false;
  }),

  command("getAllChildrenNumber", "path", async (words, ctx, usage) => {
    const p = parse(words, NONE);
    if (p.args.length < 2) throw new CliError(usage);
    const path = p.args[1];
    try {
      const zk = await ctx.client(path);
      ctx.out(String(await zk.getAllChildrenNumber(path)));
    } catch (e) {
      wrap(e);
    }
    return false;
  }),

  command("close", "", async (_words, ctx) => {
    await ctx.close();
    return false;
  }),

  command("version", "", (words, ctx, usage) => {
    const p = parse(words, NONE);
    if (p.args.length > 1) throw new CliError(usage);
    ctx.out(`ZooKeeper CLI version: ${CLI_VERSION}`);
    return Promise.resolve(false);
  }),

  command("addWatch", ADD_WATCH_USAGE, async (words, ctx, usage) => {
    const p = parse(words, ADDWATCH);
    if (p.args.length !== 2) throw new CliError(usage);
    let mode: "persistent" | "persistentRecursive" = "persistentRecursive";
    if (p.flags.has("m")) {
      const m = String(p.flags.get("m")).toUpperCase();
      if (m === "PERSISTENT") mode = "persistent";
      else if (m !== "PERSISTENT_RECURSIVE") throw new CliError(usage);
    }
    const path = p.args[1];
    try {
      validatePath(path);
    } catch (e) {
      // AddWatchCommand does not catch the IllegalArgumentException of a bad path.
      if (e instanceof InvalidPathError) {
        throw new JavaCrash("java.lang.IllegalArgumentException", e.reason);
      }
      throw e;
    }
    try {
      const zk = await ctx.client(path);
      await zk.addWatch(path, ctx.watcher, mode);
      ctx.noteWatch(mode, path);
    } catch (e) {
      wrap(e);
    }
    return false;
  }),

  command("whoami", "", async (_words, ctx) => {
    let ids;
    try {
      const zk = await ctx.client();
      ids = await zk.whoAmI();
    } catch (e) {
      wrap(e);
    }
    ctx.out("Auth scheme: User");
    for (const id of ids) ctx.out(`${id.scheme}: ${id.id}`);
    return false;
  }),

  ...quotaCommands(),
].map((c) => [c.name, c]));

const QUOTA_FLAGS = ["n", "b", "N", "B"];
const QUOTA_DESCRIPTIONS =
  "[-n num soft quota, -b bytes soft quota, -N num hard quota, -B bytes hard quota]";

/** Commons CLI's OptionGroup: at most one of -n -b -N -B (and, for setquota, one at least). */
function quotaGroup(p: ParsedFlags, required: boolean): string | undefined {
  const chosen = [...p.flags.keys()].filter((k) => QUOTA_FLAGS.includes(k));
  if (chosen.length > 1) {
    throw new CliError(
      "org.apache.commons.cli.AlreadySelectedException: The option '" + chosen[1] +
        "' was specified but an option from this group has already been selected: '" +
        chosen[0] + "'",
    );
  }
  if (required && chosen.length === 0) {
    throw new CliError(
      `org.apache.commons.cli.MissingOptionException: Missing required option: ${QUOTA_DESCRIPTIONS}`,
    );
  }
  return chosen[0];
}

/** Runs quota code, reporting its IllegalArgumentExceptions and NoNode as zkCli does. */
async function quotaCall(ctx: CommandContext, path: string, fn: () => Promise<void>) {
  try {
    await fn();
  } catch (e) {
    if (e instanceof QuotaArgumentError) throw new CliError(e.message);
    if (
      e instanceof KeeperError && !(e instanceof InvalidPathError) && e.code === ErrorCode.NoNode
    ) {
      ctx.err(`quota for ${path} does not exist.`);
      return;
    }
    wrap(e);
  }
}

function quotaCommands(): Command[] {
  const setquota = command("setquota", "-n|-b|-N|-B val path", async (words, ctx, usage) => {
    const p = parse(words, { n: true, b: true, N: true, B: true });
    const flag = quotaGroup(p, true)!;
    if (p.args.length < 2) throw new CliError(usage);
    const path = p.args[1];
    if (path.startsWith(QUOTA_ROOT)) {
      ctx.err(`cannot set a quota under the path: ${QUOTA_ROOT}`);
      return false;
    }
    const quota = new StatsTrack();
    for (const k of ["count", "bytes", "countHardLimit", "byteHardLimit"]) quota.set(k, -1n);
    const value = String(p.flags.get(flag));
    const key = { n: "count", b: "bytes", N: "countHardLimit", B: "byteHardLimit" }[flag]!;
    const isCount = flag === "n" || flag === "N";
    const n = isCount ? javaIntOrNull(value) : javaLong(value);
    if (n === null) {
      ctx.err("NumberFormatException happens when parsing the option value");
      return false;
    }
    if (isCount ? BigInt(n) <= 0n : BigInt(n) < 0n) {
      ctx.err(
        isCount
          ? "the num quota must be greater than zero"
          : "the bytes quota must be greater than or equal to zero",
      );
      return false;
    }
    quota.set(key, BigInt(n));
    await quotaCall(ctx, path, async () => {
      const zk = await ctx.client(path);
      await createQuota(zk, path, quota, ctx.out);
    });
    return false;
  });
  const listquota = command("listquota", "path", async (words, ctx, usage) => {
    const p = parse(words, NONE);
    if (p.args.length < 2) throw new CliError(usage);
    const path = p.args[1];
    ctx.err(`absolute path is ${QUOTA_ROOT}${path}/${LIMIT_NODE}`);
    await quotaCall(ctx, path, async () => {
      const zk = await ctx.client(path);
      const [limits, stats] = await listQuota(zk, path);
      ctx.out(`Output quota for ${path} ${limits}`);
      ctx.out(`Output stat for ${path} ${stats}`);
    });
    return false;
  });
  const delquota = command("delquota", "[-n|-b|-N|-B] path", async (words, ctx, usage) => {
    const p = parse(words, { n: false, b: false, N: false, B: false });
    const flag = quotaGroup(p, false);
    if (p.args.length < 2) throw new CliError(usage);
    const path = p.args[1];
    let quota: StatsTrack | null = null;
    if (flag !== undefined) {
      quota = new StatsTrack();
      quota.set({ n: "count", b: "bytes", N: "countHardLimit", B: "byteHardLimit" }[flag]!, 1n);
    }
    await quotaCall(ctx, path, async () => {
      const zk = await ctx.client(path);
      await delQuota(zk, path, quota, ctx.out);
    });
    return false;
  });
  const reconfig = command(
    "reconfig",
    "[-s] [-v version] [[-file path] | [-members serverID=host:port1:port2;port3[,...]*]] | " +
      "[-add serverId=host:port1:port2;port3[,...]]* [-remove serverId[,...]*]",
    () => {
      throw new CliError("reconfig is not supported by the zkts shell yet");
    },
  );
  return [setquota, listquota, delquota, reconfig];
}

/** Java's Integer.parseInt, or null when it would throw. */
function javaIntOrNull(s: string): number | null {
  try {
    return javaInt(s);
  } catch {
    return null;
  }
}

/** The shell's own commands (ZooKeeperMain.commandMap entries without a CliCommand). */
export const SHELL_COMMANDS: ReadonlyMap<string, string> = new Map([
  ["connect", "host:port"],
  ["history", ""],
  ["redo", "cmdno"],
  ["printwatches", "on|off"],
  ["quit", ""],
]);

/**
 * Every command name, sorted as zkCli's usage and completer list them.
 *
 * @example
 * ```ts
 * import { commandNames } from "./commands.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(commandNames().slice(0, 4), ["addWatch", "addauth", "close", "config"]);
 * ```
 */
export function commandNames(): string[] {
  return [...new Set([...COMMANDS.keys(), ...SHELL_COMMANDS.keys()])].sort(javaCompare);
}

/**
 * ZooKeeperMain.usage(): the lines printed on stderr for an unknown command.
 *
 * @example
 * ```ts
 * import { usageLines } from "./commands.ts";
 * import assert from "node:assert/strict";
 * const lines = usageLines();
 * assert.equal(lines[0], "ZooKeeper -server host:port -client-configuration properties-file cmd args");
 * assert.ok(lines.includes("\tls [-s] [-w] [-R] path"));
 * ```
 */
export function usageLines(): string[] {
  const lines = ["ZooKeeper -server host:port -client-configuration properties-file cmd args"];
  for (const name of commandNames()) {
    const opt = COMMANDS.get(name)?.optionStr ?? SHELL_COMMANDS.get(name) ?? "";
    lines.push(`\t${name} ${opt}`);
  }
  return lines;
}
