/**
 * The dynamic config file of ZooKeeper 3.5+ (`dynamicConfigFile=` in
 * zoo.cfg): the ensemble's `server.N`, `group.N` and `weight.N` lines, the
 * config version in the file's name (`zoo.cfg.dynamic.100000003`), as
 * Apache ZooKeeper 3.8's QuorumPeerConfig reads it (parse,
 * getVersionFromFilename, parseDynamicConfig) and QuorumMaj /
 * QuorumHierarchical build their verifier from it.
 *
 * Pure: the caller reads the file and hands its text and path in.
 *
 * @module
 */
import { ConfigError, parseProperties, parseServerLine, type QuorumServer } from "./config.ts";

/** The ensemble a dynamic config file describes. */
export interface DynamicConfig {
  /** The ensemble's `server.N` lines, by server id. */
  servers: Map<number, QuorumServer>;
  /** `group.N=sid:sid:...` (QuorumHierarchical), by group id. */
  groups: Map<number, number[]>;
  /** `weight.N=w`, by server id. */
  weights: Map<number, number>;
  /** The config version (QuorumVerifier.getVersion): the file name's hex suffix, 0 without one. */
  version: bigint;
}

/** Options of {@linkcode parseDynamicConfig}. */
export interface ParseDynamicConfigOptions {
  /** zoo.cfg's `standaloneEnabled` (default true): with false, an ensemble needs a participant. */
  standaloneEnabled?: boolean;
}

const LONG_MIN = -(1n << 63n);
const LONG_MAX = (1n << 63n) - 1n;

/** Long.parseLong(s, radix) for the digits Java accepts (ASCII); undefined where Java throws. */
function parseJavaLong(s: string, radix: 10 | 16): bigint | undefined {
  const re = radix === 16 ? /^[+-]?[0-9a-fA-F]+$/ : /^[+-]?[0-9]+$/;
  if (!re.test(s)) return undefined;
  const neg = s[0] === "-";
  const digits = s[0] === "-" || s[0] === "+" ? s.slice(1) : s;
  const n = BigInt(radix === 16 ? `0x${digits}` : digits) * (neg ? -1n : 1n);
  return n < LONG_MIN || n > LONG_MAX ? undefined : n;
}

/**
 * The config version a dynamic file's name carries, as
 * QuorumPeerConfig.getVersionFromFilename: the hex digits after the last
 * `.` (`zoo.cfg.dynamic.100000003` → `100000003`), or undefined when there
 * are none (`zoo.cfg.dynamic`: version 0).
 *
 * @param path the dynamic file's path, as `dynamicConfigFile=` gives it
 * @returns the version in lower-case hex (Long.toHexString), or undefined
 *
 * @example
 * ```ts
 * import { versionFromFilename } from "@zkts/server";
 * import assert from "node:assert/strict";
 * assert.equal(versionFromFilename("/etc/zk/zoo.cfg.dynamic.100000003"), "100000003");
 * assert.equal(versionFromFilename("/etc/zk/zoo.cfg.dynamic"), undefined);
 * ```
 */
export function versionFromFilename(path: string): string | undefined {
  const i = path.lastIndexOf(".");
  if (i < 0) return undefined;
  const v = parseJavaLong(path.slice(i + 1), 16);
  // Long.toHexString: a negative long is written as its two's complement.
  return v === undefined ? undefined : BigInt.asUintN(64, v).toString(16);
}

/** A number in a key or value that Java's Long.parseLong would refuse: wrapped as Apache wraps it. */
function long(path: string, what: string, s: string): number {
  const n = parseJavaLong(s, 10);
  if (n === undefined) {
    throw new ConfigError(`Error processing ${path}: For input string: "${s}"`, what);
  }
  return Number(n);
}

/** The id after the first `.` of a key (`server.3`, `group.1`), as `key.substring(key.indexOf('.') + 1)`. */
function keyId(path: string, key: string): number {
  return long(path, key, key.slice(key.indexOf(".") + 1));
}

/**
 * Parses a dynamic config file, as Apache ZooKeeper 3.8's QuorumPeerConfig
 * does when zoo.cfg names one with `dynamicConfigFile=`: `server.N` lines
 * (QuorumMaj), or with any `group`/`weight` key a hierarchy
 * (QuorumHierarchical); no other keys, not even `version` (it is in the
 * file's name).
 *
 * @param text the dynamic file's text
 * @param path its path as zoo.cfg gives it (the version is read from it; errors name it)
 * @param opts zoo.cfg's `standaloneEnabled`
 * @returns the servers, groups, weights and version
 * @throws {ConfigError} with Apache's words: `dynamic file shouldn't have version inside`,
 *   `Unrecognised parameter: <key>`, a bad server line, `Server <id>is not in a group`,
 *   `Error processing <path>: ...` for what Apache wraps (numbers, observers without participants)
 *
 * @example
 * ```ts
 * import { parseDynamicConfig } from "@zkts/server";
 * import assert from "node:assert/strict";
 * const d = parseDynamicConfig(
 *   "server.1=127.0.0.1:2888:3888:participant\nserver.2=127.0.0.1:2889:3889:participant;127.0.0.1:2182\n",
 *   "/etc/zk/zoo.cfg.dynamic.100000003",
 * );
 * assert.equal(d.version, 0x100000003n);
 * assert.equal(d.servers.get(2)?.clientPort, 2182);
 * ```
 */
export function parseDynamicConfig(
  text: string,
  path: string,
  opts: ParseDynamicConfigOptions = {},
): DynamicConfig {
  const props = parseDynamicProperties(text);
  // QuorumPeerConfig.parse: the version is the file name's, never a line of it.
  if (props.has("version")) {
    throw new ConfigError("dynamic file shouldn't have version inside", "version");
  }
  const version = versionFromFilename(path);
  // parseDynamicConfig (not in backward-compatibility mode): only quorum keys.
  let hierarchical = false;
  for (const key of props.keys()) {
    if (key.startsWith("group") || key.startsWith("weight")) hierarchical = true;
    else if (!key.startsWith("server.")) {
      throw new ConfigError(`Unrecognised parameter: ${key}`, key);
    }
  }
  const servers = new Map<number, QuorumServer>();
  const groups = new Map<number, number[]>();
  const weights = new Map<number, number>();
  const groupOf = new Map<number, number>();
  for (const [key, value] of props) {
    if (key.startsWith("server.")) {
      const id = keyId(path, key);
      servers.set(id, parseServerLine(id, value));
    } else if (key.startsWith("group")) {
      const gid = keyId(path, key);
      const members: number[] = [];
      for (const s of value.split(":")) {
        const sid = long(path, key, s);
        // QuorumHierarchical.parse, its words (no space) kept.
        if (groupOf.has(sid)) throw new ConfigError(`Server ${sid}is in multiple groups`, key);
        groupOf.set(sid, gid);
        members.push(sid);
      }
      groups.set(gid, members);
    } else if (key.startsWith("weight")) {
      weights.set(keyId(path, key), long(path, key, value.trim()));
    }
  }
  const participants = [...servers.values()].filter((s) => s.role === "participant");
  if (hierarchical) {
    for (const s of participants) {
      if (!groupOf.has(s.id)) {
        throw new ConfigError(`Server ${s.id}is not in a group`, `server.${s.id}`);
      }
      if (!weights.has(s.id)) weights.set(s.id, 1);
    }
  }
  const observers = servers.size - participants.length;
  const refuse = (reason: string) => {
    throw new ConfigError(`Error processing ${path}: ${reason}`, "dynamicConfigFile");
  };
  if (participants.length === 0) {
    if (opts.standaloneEnabled === false) {
      refuse("standaloneEnabled = false then number of participants should be >0");
    }
    if (observers > 0) refuse("Observers w/o participants is an invalid configuration");
  } else if (participants.length === 1 && opts.standaloneEnabled !== false && observers > 0) {
    refuse("Observers w/o quorum is an invalid configuration");
  }
  return {
    servers,
    groups,
    weights,
    version: version === undefined ? 0n : BigInt.asIntN(64, BigInt(`0x${version}`)),
  };
}

/** java.util.Properties for the dynamic file, keys trimmed as parseDynamicConfig trims them. */
function parseDynamicProperties(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of parseProperties(text)) out.set(k.trim(), v);
  return out;
}

/**
 * QuorumPeerConfig.parseProperties: a zoo.cfg that names a dynamic file
 * must not also hold quorum lines.
 *
 * @param props zoo.cfg's keys
 * @throws {ConfigError} `parameter: <key> must be in a separate dynamic config file`
 */
export function refuseStaticQuorumKeys(props: ReadonlyMap<string, string>): void {
  if (!props.has("dynamicConfigFile")) return;
  for (const key of props.keys()) {
    if (key.startsWith("server.") || key.startsWith("group") || key.startsWith("weight")) {
      throw new ConfigError(`parameter: ${key} must be in a separate dynamic config file`, key);
    }
  }
}

/**
 * zkts does not implement dynamic reconfiguration (COMMITANDACTIVATE,
 * writing the next dynamic file): an ensemble member refuses
 * `reconfigEnabled=true` rather than run with a setting it cannot honour. A
 * standalone server keeps it, as Apache's answers reconfig with
 * Unimplemented then.
 *
 * @param reconfigEnabled zoo.cfg's `reconfigEnabled`
 * @param ensemble whether the config runs an ensemble member (not standalone)
 * @throws {ConfigError} naming `reconfigEnabled`
 */
export function refuseReconfigEnabled(reconfigEnabled: boolean, ensemble: boolean): void {
  if (reconfigEnabled && ensemble) {
    throw new ConfigError(
      "reconfigEnabled=true: zkts ensemble members do not implement dynamic reconfig; " +
        "set reconfigEnabled=false (see docs/operations.md, the dynamic config file)",
      "reconfigEnabled",
    );
  }
}
