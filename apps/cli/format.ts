/**
 * What zkCli.sh prints, as pure functions: Stat lines (StatPrinter), Java's
 * `Date.toString()`, `Long.toHexString`, ACL ids as jute's toString writes
 * them, permission strings (ZKUtil.getPermString), ACL parsing (AclParser),
 * watch events (WatchedEvent.toString) and the children list of `ls`.
 *
 * @module
 */
import { type ACL, EventType, KeeperState, Perms, type Stat } from "@zkts/jute";

const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** The local time zone's short name at `date` ("UTC", "CET", "GMT+1"...). */
function zoneName(date: Date): string {
  const tz = Deno.env.get("TZ");
  if (tz === "UTC" || tz === "Etc/UTC" || tz === "") return "UTC";
  try {
    const part = new Intl.DateTimeFormat("en-US", { timeZoneName: "short" })
      .formatToParts(date).find((p) => p.type === "timeZoneName");
    return part?.value ?? "UTC";
  } catch {
    return "UTC";
  }
}

/**
 * Formats epoch milliseconds as Java's `new Date(ms).toString()` does:
 * `EEE MMM dd HH:mm:ss zzz yyyy` in the local time zone.
 *
 * @param ms milliseconds since the epoch
 * @returns e.g. `Mon Nov 23 12:04:39 UTC 2026`
 *
 * @example
 * ```ts
 * import { javaDate } from "./format.ts";
 * import assert from "node:assert/strict";
 * assert.match(javaDate(0), /^(Thu|Wed) (Jan|Dec) \d\d \d\d:\d\d:\d\d \S+ (1970|1969)$/);
 * ```
 */
export function javaDate(ms: number): string {
  const d = new Date(ms);
  return `${DAYS[d.getDay()]} ${MONTHS[d.getMonth()]} ${pad2(d.getDate())} ` +
    `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())} ` +
    `${zoneName(d)} ${d.getFullYear()}`;
}

/**
 * `Long.toHexString`: lowercase hex of the 64-bit two's complement value.
 *
 * @example
 * ```ts
 * import { hex64 } from "./format.ts";
 * import assert from "node:assert/strict";
 * assert.equal(hex64(0x14an), "14a");
 * assert.equal(hex64(-1n), "ffffffffffffffff");
 * ```
 */
export function hex64(v: bigint): string {
  return BigInt.asUintN(64, v).toString(16);
}

/**
 * The eleven lines StatPrinter prints for a Stat.
 *
 * @example
 * ```ts
 * import { statLines } from "./format.ts";
 * import assert from "node:assert/strict";
 * const lines = statLines({
 *   czxid: 0x14an, mzxid: 0x14an, ctime: 0n, mtime: 0n, version: 0, cversion: 8, aversion: 0,
 *   ephemeralOwner: 0n, dataLength: 3, numChildren: 6, pzxid: 0x15an,
 * });
 * assert.equal(lines[0], "cZxid = 0x14a");
 * assert.equal(lines[4], "pZxid = 0x15a");
 * assert.equal(lines[8], "ephemeralOwner = 0x0");
 * ```
 */
export function statLines(stat: Stat): string[] {
  return [
    `cZxid = 0x${hex64(stat.czxid)}`,
    `ctime = ${javaDate(Number(stat.ctime))}`,
    `mZxid = 0x${hex64(stat.mzxid)}`,
    `mtime = ${javaDate(Number(stat.mtime))}`,
    `pZxid = 0x${hex64(stat.pzxid)}`,
    `cversion = ${stat.cversion}`,
    `dataVersion = ${stat.version}`,
    `aclVersion = ${stat.aversion}`,
    `ephemeralOwner = 0x${hex64(stat.ephemeralOwner)}`,
    `dataLength = ${stat.dataLength}`,
    `numChildren = ${stat.numChildren}`,
  ];
}

/**
 * ZKUtil.getPermString: the letters of `perms` in the order c d r w a.
 *
 * @example
 * ```ts
 * import { permString } from "./format.ts";
 * import assert from "node:assert/strict";
 * assert.equal(permString(31), "cdrwa");
 * assert.equal(permString(1 | 2), "rw");
 * ```
 */
export function permString(perms: number): string {
  let s = "";
  if (perms & Perms.Create) s += "c";
  if (perms & Perms.Delete) s += "d";
  if (perms & Perms.Read) s += "r";
  if (perms & Perms.Write) s += "w";
  if (perms & Perms.Admin) s += "a";
  return s;
}

/** jute's ToStringOutputArchive escaping of a string field. */
function juteString(s: string): string {
  let out = "'";
  for (const c of s) {
    switch (c) {
      case "\0":
        out += "%00";
        break;
      case "\n":
        out += "%0A";
        break;
      case "\r":
        out += "%0D";
        break;
      case ",":
        out += "%2C";
        break;
      case "}":
        out += "%7D";
        break;
      case "%":
        out += "%25";
        break;
      default:
        out += c;
    }
  }
  return out;
}

/**
 * The lines `getAcl` prints for one ACL entry: the Id as jute's toString
 * writes it (which ends in a newline), then `: perms`.
 *
 * @example
 * ```ts
 * import { aclLines } from "./format.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(aclLines({ perms: 31, id: { scheme: "world", id: "anyone" } }),
 *   ["'world,'anyone", ": cdrwa"]);
 * ```
 */
export function aclLines(acl: ACL): string[] {
  return [`${juteString(acl.id.scheme)},${juteString(acl.id.id)}`, `: ${permString(acl.perms)}`];
}

/** What {@linkcode parseAcl} found: the ACL entries and the complaints AclParser prints. */
export interface ParsedAcl {
  acl: ACL[];
  /** Lines AclParser writes to stderr, in order. */
  errors: string[];
}

/**
 * AclParser.parse: `scheme:id:perms[,scheme:id:perms...]`; entries without
 * two colons and unknown perm letters are reported and skipped.
 *
 * @example
 * ```ts
 * import { parseAcl } from "./format.ts";
 * import assert from "node:assert/strict";
 * const r = parseAcl("auth:zs:123:cdrwa,bad");
 * assert.deepEqual(r.acl, [{ id: { scheme: "auth", id: "zs:123" }, perms: 31 }]);
 * assert.deepEqual(r.errors, ["bad does not have the form scheme:id:perm"]);
 * ```
 */
export function parseAcl(text: string): ParsedAcl {
  const acl: ACL[] = [];
  const errors: string[] = [];
  for (const a of javaSplit(text, ",")) {
    const first = a.indexOf(":");
    const last = a.lastIndexOf(":");
    if (first === -1 || last === -1 || first === last) {
      errors.push(`${a} does not have the form scheme:id:perm`);
      continue;
    }
    let perms = 0;
    for (const c of a.slice(last + 1)) {
      switch (c) {
        case "r":
          perms |= Perms.Read;
          break;
        case "w":
          perms |= Perms.Write;
          break;
        case "c":
          perms |= Perms.Create;
          break;
        case "d":
          perms |= Perms.Delete;
          break;
        case "a":
          perms |= Perms.Admin;
          break;
        default:
          errors.push(`Unknown perm type: ${c}`);
      }
    }
    acl.push({ id: { scheme: a.slice(0, first), id: a.slice(first + 1, last) }, perms });
  }
  return { acl, errors };
}

/** Java's `String.split(sep)`: trailing empty strings are dropped. */
function javaSplit(s: string, sep: string): string[] {
  const parts = s.split(sep);
  while (parts.length > 1 && parts[parts.length - 1] === "") parts.pop();
  if (parts.length === 1 && parts[0] === "" && s.length > 0) return [];
  return parts;
}

const KEEPER_STATE_NAMES = new Map<number, string>(
  Object.entries(KeeperState).map(([k, v]) => [v as number, k]),
);
const EVENT_TYPE_NAMES = new Map<number, string>(
  Object.entries(EventType).map(([k, v]) => [v as number, k]),
);

/**
 * WatchedEvent.toString.
 *
 * @example
 * ```ts
 * import { eventString } from "./format.ts";
 * import assert from "node:assert/strict";
 * assert.equal(eventString({ state: 3, type: 3, path: "/x" }),
 *   "WatchedEvent state:SyncConnected type:NodeDataChanged path:/x");
 * ```
 */
export function eventString(ev: { state: number; type: number; path: string | null }): string {
  const state = KEEPER_STATE_NAMES.get(ev.state) ?? "Unknown";
  const type = EVENT_TYPE_NAMES.get(ev.type) ?? "None";
  return `WatchedEvent state:${state} type:${type} path:${ev.path}`;
}

/**
 * The line `ls` prints: children sorted (Java's String order, by UTF-16
 * code unit), in brackets, comma and space between.
 *
 * @example
 * ```ts
 * import { childrenLine } from "./format.ts";
 * import assert from "node:assert/strict";
 * assert.equal(childrenLine(["zookeeper", "china"]), "[china, zookeeper]");
 * ```
 */
export function childrenLine(children: string[]): string {
  return `[${[...children].sort(javaCompare).join(", ")}]`;
}

/** Java's `String.compareTo`: UTF-16 code unit order. */
export function javaCompare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Java's `List.toString` of strings, as `getEphemerals` prints it.
 *
 * @example
 * ```ts
 * import { javaList } from "./format.ts";
 * import assert from "node:assert/strict";
 * assert.equal(javaList(["/a", "/b"]), "[/a, /b]");
 * ```
 */
export function javaList(items: string[]): string {
  return `[${items.join(", ")}]`;
}

/**
 * ConfigUtils.getClientConfigStr: `version host:port,host:port` from the
 * dynamic configuration's `server.N=...;[clientHost:]clientPort` lines.
 *
 * @example
 * ```ts
 * import { clientConfigString } from "./format.ts";
 * import assert from "node:assert/strict";
 * assert.equal(
 *   clientConfigString("server.1=127.0.0.1:2888:3888:participant;127.0.0.1:2181\nversion=100000000"),
 *   "100000000 127.0.0.1:2181",
 * );
 * assert.equal(clientConfigString(""), " ");
 * ```
 */
export function clientConfigString(config: string): string {
  let version = "";
  const clients: string[] = [];
  for (const raw of config.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith("!")) continue;
    const eq = line.search(/[=:]/);
    if (eq < 0) continue;
    const key = line.slice(0, eq).trim();
    const value = line.slice(eq + 1).trim();
    if (key === "version") version = value;
    if (!key.startsWith("server.")) continue;
    const semi = value.indexOf(";");
    if (semi < 0) continue;
    const client = value.slice(semi + 1);
    const colon = client.lastIndexOf(":");
    clients.push(colon < 0 ? `0.0.0.0:${client}` : client);
  }
  return `${version} ${clients.join(",")}`;
}
