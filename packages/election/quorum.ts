/**
 * Quorum verifiers, as Apache ZooKeeper's `QuorumMaj` and
 * `QuorumHierarchical`: who votes, who only observes, the weight of a vote,
 * and whether a set of server ids is a quorum. Parsed from zoo.cfg keys
 * (`server.N`, `group.N`, `weight.N`, `version`).
 *
 * @module
 */

/** A server id (`myid`), a Java `long` on the wire. */
export type Sid = bigint;

/** Whether a server votes (`participant`) or only follows (`observer`). */
export type LearnerType = "participant" | "observer";

/** One `server.N=host:quorumPort:electionPort[:participant|observer][;clientHost:clientPort]` line. */
export interface QuorumServer {
  /** The server id N. */
  id: Sid;
  /** The host of both quorum and election ports. */
  host: string;
  /** The port followers connect to (ZAB). */
  quorumPort: number;
  /** The port of leader election (this package's connections). */
  electionPort: number;
  /** Participant (votes) or observer. */
  type: LearnerType;
  /** The client address given on the server line (`;host:port`), if any. */
  client?: string;
}

/**
 * Decides quorums, as Apache ZooKeeper's `QuorumVerifier`.
 */
export interface QuorumVerifier {
  /** The config version (`version=` in hex in zoo.cfg; 0 for a static config). */
  readonly version: bigint;
  /** Every server, voters and observers, by id. */
  readonly servers: ReadonlyMap<Sid, QuorumServer>;
  /** The ids of the voting members. */
  readonly voters: ReadonlySet<Sid>;
  /** The weight of a server's vote: 0 means it can never be elected. */
  weight(id: Sid): number;
  /** Whether these voters (observers and unknown ids are ignored) form a quorum. */
  containsQuorum(ids: Iterable<Sid>): boolean;
}

/**
 * Parses a `server.N` value, as Apache ZooKeeper's `QuorumServer` does for the
 * `host:quorumPort:electionPort[:type][;client]` form (one address).
 *
 * @param id the N of `server.N`
 * @param value the right-hand side
 * @returns the server
 * @throws {Error} when the value is malformed
 *
 * @example
 * ```ts
 * import { parseServer } from "@zkts/election";
 * import assert from "node:assert/strict";
 * const s = parseServer(3n, "127.0.0.1:2888:3888:observer");
 * assert.equal(s.electionPort, 3888);
 * assert.equal(s.type, "observer");
 * ```
 */
export function parseServer(id: Sid, value: string): QuorumServer {
  const [addr, client] = value.trim().split(";", 2);
  let rest = addr;
  let host: string;
  if (rest.startsWith("[")) {
    const end = rest.indexOf("]");
    if (end < 0) throw new Error(`server.${id}: bad IPv6 address in "${value}"`);
    host = rest.slice(1, end);
    rest = rest.slice(end + 2);
  } else {
    const colon = rest.indexOf(":");
    host = rest.slice(0, colon);
    rest = rest.slice(colon + 1);
  }
  const parts = rest.split(":");
  if (parts.length < 2 || parts.length > 3 || host === "") {
    throw new Error(`server.${id}: expected host:quorumPort:electionPort[:type], got "${value}"`);
  }
  const quorumPort = Number(parts[0]);
  const electionPort = Number(parts[1]);
  for (const p of [quorumPort, electionPort]) {
    if (!Number.isInteger(p) || p <= 0 || p > 65535) {
      throw new Error(`server.${id}: bad port in "${value}"`);
    }
  }
  const t = (parts[2] ?? "participant").toLowerCase();
  if (t !== "participant" && t !== "observer") {
    throw new Error(`server.${id}: unknown type "${parts[2]}" in "${value}"`);
  }
  const s: QuorumServer = { id, host, quorumPort, electionPort, type: t };
  if (client !== undefined && client.trim() !== "") s.client = client.trim();
  return s;
}

/**
 * The majority verifier, as Apache ZooKeeper's `QuorumMaj`: a quorum is more
 * than half of the voters.
 *
 * @example
 * ```ts
 * import { QuorumMaj } from "@zkts/election";
 * import assert from "node:assert/strict";
 * const q = QuorumMaj.of([1n, 2n, 3n]);
 * assert.equal(q.containsQuorum([1n, 3n]), true);
 * assert.equal(q.containsQuorum([2n]), false);
 * ```
 */
export class QuorumMaj implements QuorumVerifier {
  readonly version: bigint;
  readonly servers: ReadonlyMap<Sid, QuorumServer>;
  readonly voters: ReadonlySet<Sid>;
  #half: number;

  /**
   * Creates a majority verifier: a quorum is more than half the voters.
   *
   * @param servers every server of the ensemble
   * @param version the config version
   */
  constructor(servers: Iterable<QuorumServer>, version = 0n) {
    const map = new Map<Sid, QuorumServer>();
    for (const s of servers) map.set(s.id, s);
    this.servers = map;
    this.voters = new Set(
      [...map.values()].filter((s) => s.type === "participant").map((s) => s.id),
    );
    this.#half = Math.floor(this.voters.size / 2);
    this.version = version;
  }

  /**
   * A majority verifier over voters with placeholder addresses, for tests and
   * simulations.
   *
   * @param voters the voting ids
   * @param observers the observer ids
   */
  static of(voters: Iterable<Sid>, observers: Iterable<Sid> = []): QuorumMaj {
    return new QuorumMaj(placeholders(voters, observers));
  }

  weight(_id: Sid): number {
    return 1;
  }

  containsQuorum(ids: Iterable<Sid>): boolean {
    let n = 0;
    for (const id of new Set(ids)) if (this.voters.has(id)) n++;
    return n > this.#half;
  }
}

/**
 * The hierarchical verifier, as Apache ZooKeeper's `QuorumHierarchical`:
 * voters sit in groups (`group.G=a:b:c`) with weights (`weight.N=w`, default
 * 1); a quorum holds more than half the weight of each of more than half of
 * the groups of non-zero weight.
 *
 * @example
 * ```ts
 * import { parseQuorumConfig } from "@zkts/election";
 * import assert from "node:assert/strict";
 * const q = parseQuorumConfig(`
 * server.1=h:1:1
 * server.2=h:2:2
 * server.3=h:3:3
 * server.4=h:4:4
 * group.1=1:2
 * group.2=3:4
 * weight.4=0`);
 * assert.equal(q.containsQuorum([1n, 2n, 3n]), true);
 * assert.equal(q.containsQuorum([1n, 2n, 4n]), false);
 * assert.equal(q.weight(4n), 0);
 * ```
 */
export class QuorumHierarchical implements QuorumVerifier {
  readonly version: bigint;
  readonly servers: ReadonlyMap<Sid, QuorumServer>;
  readonly voters: ReadonlySet<Sid>;
  #serverGroup = new Map<Sid, bigint>();
  #serverWeight = new Map<Sid, number>();
  #groupWeight = new Map<bigint, number>();
  #numGroups = 0;

  /**
   * Creates a hierarchical verifier: a quorum is a weighted majority in a
   * majority of the groups (QuorumHierarchical).
   *
   * @param servers every server
   * @param groups group id → member ids
   * @param weights server id → weight (voters absent here weigh 1)
   * @param version the config version
   * @throws {Error} when a server is in two groups or a voter in none, as Apache's ConfigException
   */
  constructor(
    servers: Iterable<QuorumServer>,
    groups: ReadonlyMap<bigint, readonly Sid[]>,
    weights: ReadonlyMap<Sid, number> = new Map(),
    version = 0n,
  ) {
    const map = new Map<Sid, QuorumServer>();
    for (const s of servers) map.set(s.id, s);
    this.servers = map;
    this.voters = new Set(
      [...map.values()].filter((s) => s.type === "participant").map((s) => s.id),
    );
    this.version = version;
    for (const [gid, members] of groups) {
      this.#numGroups++;
      for (const sid of members) {
        if (this.#serverGroup.has(sid)) throw new Error(`Server ${sid} is in multiple groups`);
        this.#serverGroup.set(sid, gid);
      }
    }
    for (const [sid, w] of weights) this.#serverWeight.set(sid, w);
    for (const id of this.voters) {
      if (!this.#serverGroup.has(id)) throw new Error(`Server ${id} is not in a group`);
      if (!this.#serverWeight.has(id)) this.#serverWeight.set(id, 1);
    }
    for (const [sid, gid] of this.#serverGroup) {
      const w = this.#serverWeight.get(sid) ?? 0;
      this.#groupWeight.set(gid, (this.#groupWeight.get(gid) ?? 0) + w);
    }
    // Apache: groups of weight 0 do not count towards the number of groups.
    for (const w of this.#groupWeight.values()) if (w === 0) this.#numGroups--;
  }

  weight(id: Sid): number {
    return this.#serverWeight.get(id) ?? 0;
  }

  containsQuorum(ids: Iterable<Sid>): boolean {
    const expansion = new Map<bigint, number>();
    let any = false;
    for (const sid of new Set(ids)) {
      any = true;
      const gid = this.#serverGroup.get(sid);
      if (gid === undefined) continue;
      expansion.set(gid, (expansion.get(gid) ?? 0) + (this.#serverWeight.get(sid) ?? 0));
    }
    if (!any) return false;
    let majGroups = 0;
    for (const [gid, w] of expansion) {
      if (w > Math.floor(this.#groupWeight.get(gid)! / 2)) majGroups++;
    }
    return majGroups > Math.floor(this.#numGroups / 2);
  }
}

/**
 * Builds the verifier of a zoo.cfg (text or key/value pairs), as Apache
 * ZooKeeper's `QuorumPeerConfig`: hierarchical when any `group.N` key is
 * present, majority otherwise.
 *
 * @param cfg zoo.cfg text, or its properties
 * @returns the verifier
 * @throws {Error} on a malformed `server.N`, `group.N` or `weight.N`
 *
 * @example
 * ```ts
 * import { parseQuorumConfig } from "@zkts/election";
 * import assert from "node:assert/strict";
 * const q = parseQuorumConfig("server.1=127.0.0.1:2888:3888\nserver.2=127.0.0.1:2889:3889:observer");
 * assert.deepEqual([...q.voters], [1n]);
 * ```
 */
export function parseQuorumConfig(cfg: string | Record<string, string>): QuorumVerifier {
  const props = typeof cfg === "string" ? parseProperties(cfg) : cfg;
  const servers: QuorumServer[] = [];
  const groups = new Map<bigint, Sid[]>();
  const weights = new Map<Sid, number>();
  let version = 0n;
  for (const [key, value] of Object.entries(props)) {
    if (key.startsWith("server.")) {
      servers.push(parseServer(parseId(key), value));
    } else if (key.startsWith("group")) {
      groups.set(parseId(key), value.split(":").map((s) => parseId(`group member ${s}`, s)));
    } else if (key.startsWith("weight")) {
      const w = Number(value.trim());
      if (!Number.isInteger(w) || w < 0) throw new Error(`${key}: bad weight "${value}"`);
      weights.set(parseId(key), w);
    } else if (key === "version") {
      version = BigInt(`0x${value.trim()}`);
    }
  }
  servers.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return groups.size > 0
    ? new QuorumHierarchical(servers, groups, weights, version)
    : new QuorumMaj(servers, version);
}

/**
 * The dynamic-config text Apache ZooKeeper 3.8 sends inside every election
 * notification (`QuorumVerifier.toString()`): `server.N=host:q:e:type` lines,
 * then `version=` in hex. Servers in id order.
 *
 * @param qv the verifier
 * @returns the text
 *
 * @example
 * ```ts
 * import { configString, QuorumMaj } from "@zkts/election";
 * import assert from "node:assert/strict";
 * assert.equal(
 *   configString(QuorumMaj.of([1n])),
 *   "server.1=127.0.0.1:2889:3889:participant\nversion=0",
 * );
 * ```
 */
export function configString(qv: QuorumVerifier): string {
  const ids = [...qv.servers.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  let out = "";
  for (const id of ids) {
    const s = qv.servers.get(id)!;
    const host = s.host.includes(":") ? `[${s.host}]` : s.host;
    out += `server.${id}=${host}:${s.quorumPort}:${s.electionPort}:${s.type}`;
    if (s.client !== undefined) out += `;${s.client}`;
    out += "\n";
  }
  return `${out}version=${qv.version.toString(16)}`;
}

function parseId(key: string, text = key.slice(key.indexOf(".") + 1)): bigint {
  const t = text.trim();
  if (!/^-?\d+$/.test(t)) throw new Error(`${key}: bad id "${text}"`);
  return BigInt(t);
}

function parseProperties(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith("!")) continue;
    const eq = line.search(/[=:]/);
    if (eq < 0) continue;
    out[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  }
  return out;
}

function placeholders(voters: Iterable<Sid>, observers: Iterable<Sid>): QuorumServer[] {
  const out: QuorumServer[] = [];
  for (const id of voters) {
    out.push({
      id,
      host: "127.0.0.1",
      quorumPort: 2888 + Number(id),
      electionPort: 3888 + Number(id),
      type: "participant",
    });
  }
  for (const id of observers) {
    out.push({
      id,
      host: "127.0.0.1",
      quorumPort: 2888 + Number(id),
      electionPort: 3888 + Number(id),
      type: "observer",
    });
  }
  return out;
}
