/**
 * The znode data tree: Apache ZooKeeper's DataTree semantics over a compact
 * struct-of-arrays store.
 *
 * @module
 */
import { assert, NIL, NodeStore } from "./_store.ts";
import { ErrorCode as Err, EventType as Event, KeeperState, OpCode as Op } from "@zkts/jute";
import { AclCache, OPEN_ACL_UNSAFE, READ_ACL_UNSAFE } from "./acl.ts";
import {
  AdHash,
  crc32Update,
  DIGEST_LOG_INTERVAL,
  DIGEST_LOG_LIMIT,
  DIGEST_VERSION,
  type ZxidDigest,
} from "./digest.ts";
import { KeeperError } from "./errors.ts";
import {
  CONFIG_NODE,
  LIMIT_NODE,
  PROC_ZOOKEEPER,
  QUOTA_ZOOKEEPER,
  quotaLimitPath,
  quotaStatPath,
  STAT_NODE,
  StatsTrack,
} from "./quota.ts";
import { WatcherMode, WatchManager } from "./watches.ts";
import { javaHashOrderIds, JavaHashSet } from "./_javahash.ts";
import type {
  ACL,
  ACLCacheEntry,
  AnyTxn,
  CheckVersionTxn,
  CloseSessionTxn,
  CreateContainerTxn,
  CreateTTLTxn,
  CreateTxn,
  DeleteTxn,
  ErrorTxn,
  MultiTxn,
  SetACLTxn,
  SetDataTxn,
  SnapshotNodeView,
  Stat,
  StatPersisted,
  TxnHeader,
} from "@zkts/jute";
import {
  decode,
  decodeJuteString,
  encode,
  scanSnapshotNodes,
  SnapshotNode,
  txnRecord,
} from "@zkts/jute";

/** EphemeralType.CONTAINER_EPHEMERAL_OWNER (Long.MIN_VALUE). */
export const CONTAINER_EPHEMERAL_OWNER: bigint = -0x8000000000000000n;
const EXTENDED_MASK = -0x100000000000000n; // 0xff00000000000000 as a signed long
const RESERVED_BITS_MASK = 0x00ffff0000000000n;
/** EphemeralType.TTL.maxValue(): 0x000000ffffffffff ms. */
export const TTL_MAX = 0x000000ffffffffffn;

/** EphemeralType: what a znode's ephemeralOwner encodes. */
export const EphemeralType = {
  /** Not ephemeral (owner 0). */
  Void: 0,
  /** Owned by a session. */
  Normal: 1,
  /** A container (owner Long.MIN_VALUE). */
  Container: 2,
  /** A TTL node (owner 0xff00…|ttl, only with extended types enabled). */
  Ttl: 3,
} as const;
/** An EphemeralType value. */
export type EphemeralType = typeof EphemeralType[keyof typeof EphemeralType];

/**
 * Decodes an ephemeralOwner as EphemeralType.get.
 *
 * @param owner the persisted ephemeralOwner.
 * @param extendedTypesEnabled zookeeper.extendedTypesEnabled.
 * @throws {RangeError} for an extended owner with an unknown feature bit, as Apache.
 *
 * @example
 * ```ts
 * import { ephemeralType, EphemeralType, ttlEphemeralOwner } from "@zkts/datatree";
 * import assert from "node:assert/strict";
 * assert.equal(ephemeralType(0n, false), EphemeralType.Void);
 * assert.equal(ephemeralType(0x100000075680001n, false), EphemeralType.Normal);
 * assert.equal(ephemeralType(ttlEphemeralOwner(1000n), true), EphemeralType.Ttl);
 * assert.equal(ephemeralType(ttlEphemeralOwner(1000n), false), EphemeralType.Normal);
 * ```
 */
export function ephemeralType(owner: bigint, extendedTypesEnabled: boolean): EphemeralType {
  if (extendedTypesEnabled && (owner & EXTENDED_MASK) === EXTENDED_MASK) {
    const bit = (owner & RESERVED_BITS_MASK) >> 40n;
    if (bit !== 0n) {
      throw new RangeError(`Invalid ephemeralOwner. [${BigInt.asUintN(64, owner).toString(16)}]`);
    }
    return EphemeralType.Ttl;
  }
  if (owner === CONTAINER_EPHEMERAL_OWNER) return EphemeralType.Container;
  return owner === 0n ? EphemeralType.Void : EphemeralType.Normal;
}

/**
 * The ephemeralOwner of a TTL node, as EphemeralType.TTL.toEphemeralOwner.
 *
 * @throws {RangeError} when ttl is not in 1..TTL_MAX.
 *
 * @example
 * ```ts
 * import { ttlEphemeralOwner } from "@zkts/datatree";
 * import assert from "node:assert/strict";
 * assert.equal(ttlEphemeralOwner(5n), -0xfffffffffffffbn);
 * assert.throws(() => ttlEphemeralOwner(0n));
 * ```
 */
export function ttlEphemeralOwner(ttl: bigint): bigint {
  if (ttl > TTL_MAX || ttl <= 0n) {
    throw new RangeError(`ttl must be positive and cannot be larger than: ${TTL_MAX}`);
  }
  return EXTENDED_MASK | ttl;
}

/**
 * The TTL (ms) encoded in a TTL node's ephemeralOwner.
 *
 * @example
 * ```ts
 * import { ttlEphemeralOwner, ttlOf } from "@zkts/datatree";
 * import assert from "node:assert/strict";
 * assert.equal(ttlOf(ttlEphemeralOwner(60000n)), 60000n);
 * ```
 */
export function ttlOf(owner: bigint): bigint {
  return owner & ~(EXTENDED_MASK | RESERVED_BITS_MASK);
}

/** Options of a tree. */
export interface DataTreeOptions {
  /** zookeeper.digest.enabled (default true): keep the tree digest. */
  digestEnabled?: boolean;
  /** zookeeper.extendedTypesEnabled (default false): TTL nodes. */
  extendedTypesEnabled?: boolean;
  /**
   * Whose watch rules to follow (default "3.9"). "3.8": one watch mode per
   * (path, watcher), the last replacing the previous; recursive watches are
   * kept by the child watches too and fire at their own path (for every event
   * but NodeChildrenChanged); checkWatches and removeWatches of Data or
   * Children match any mode, and the Persistent and PersistentRecursive
   * watcher types answer MarshallingError.
   */
  apacheVersion?: "3.8" | "3.9";
}

/** A watch notification the server delivers to `watcher`. */
export interface WatchEvent<W> {
  /** The watcher (a connection) to notify. */
  watcher: W;
  /** EventType: NodeCreated 1, NodeDeleted 2, NodeDataChanged 3, NodeChildrenChanged 4. */
  type: number;
  /** KeeperState: KeeperState.SyncConnected 3. */
  state: number;
  /** The path of the znode the event is about. */
  path: string;
  /** The txn's zxid; -1n for events of setWatches. */
  zxid: bigint;
  /** The znode's ACL: since 3.8.4/3.9.2 Apache delivers only to sessions with READ on it; null: no check. */
  acl: readonly ACL[] | null;
}

/** What applying one txn did, as DataTree.ProcessTxnResult plus the watch events fired. */
export interface ProcessTxnResult<W> {
  /** The session that issued the txn. */
  clientId: bigint;
  /** The client's xid of the request. */
  cxid: number;
  /** The txn's zxid. */
  zxid: bigint;
  /** The txn's op code (`error` for a failed request). */
  type: number;
  /** 0 or a KeeperException.Code. */
  err: number;
  /** The znode the txn acted on (for a create, the created path, sequence number included). */
  path?: string;
  /** The znode's stat after a create, setData or setACL. */
  stat?: Stat;
  /** Per-op results of a multi. */
  multiResult?: ProcessTxnResult<W>[];
  /** Watch notifications to deliver, in order. */
  events: WatchEvent<W>[];
}

/** The view of a znode the prepare step reads (PrepRequestProcessor's ChangeRecord). */
export interface NodeRecord {
  /** The znode's persisted stat. */
  stat: StatPersisted;
  /** How many children the znode has. */
  childCount: number;
  /** The znode's ACL. */
  acl: readonly ACL[];
  /** The znode's data (borrowed: read-only). */
  data: Uint8Array | null;
  /** The node's digest (0 when digests are off). */
  digest: number;
}

const SLASH = new Uint8Array([0x2f]);
const NO_IDS = new Int32Array(0);
const DIGEST_BUF = new Uint8Array(60);
const DIGEST_VIEW = new DataView(DIGEST_BUF.buffer);
const SPECIAL = new Set(["/", PROC_ZOOKEEPER, QUOTA_ZOOKEEPER, CONFIG_NODE]);

/**
 * The in-memory znode tree with Apache ZooKeeper's DataTree semantics: nodes
 * and stats, sequential counters, ephemerals per session, containers and TTL
 * nodes, the ACL table, quotas, data and child watches, deterministic txn
 * application and the incremental tree digest.
 *
 * @example Create, read, watch
 * ```ts
 * import { DataTree } from "@zkts/datatree";
 * import assert from "node:assert/strict";
 * const tree = new DataTree<string>();
 * const acl = [{ perms: 31, id: { scheme: "world", id: "anyone" } }];
 * tree.processTxn(
 *   { clientId: 1n, cxid: 1, zxid: 1n, time: 1000n, type: 1 },
 *   { path: "/china", data: new TextEncoder().encode("999"), acl, ephemeral: false, parentCVersion: -1 },
 * );
 * assert.deepEqual(tree.getChildren("/").children.sort(), ["china", "zookeeper"]);
 * tree.getData("/china", "conn-1");
 * const rc = tree.processTxn(
 *   { clientId: 1n, cxid: 2, zxid: 2n, time: 2000n, type: 5 },
 *   { path: "/china", data: new TextEncoder().encode("888"), version: 1 },
 * );
 * assert.equal(rc.stat!.version, 1);
 * assert.deepEqual(rc.events.map((e) => [e.watcher, e.type, e.path]), [["conn-1", 3, "/china"]]);
 * ```
 */
export class DataTree<W = unknown> {
  #s = new NodeStore();
  #root: number;
  /** The memory of the last snapshot view, reused by the next (see snapshotView). */
  #spare: NodeStore | undefined;
  /** Whether the last view is still being walked. */
  #spareBusy = false;
  /** The /zookeeper node: nodes below it are left out of the digest. */
  #proc: number;
  #chain: number[] = [];
  #acls = new AclCache();
  /**
   * Ephemerals per session, in insertion order, with the capacity Apache's
   * HashSet would have (its iteration order leaks into CloseSessionTxn).
   */
  #ephemerals = new Map<bigint, { ids: Set<number>; cap: number }>();
  #containers = new Set<number>();
  #ttls = new Set<number>();
  /** Quota roots (the PathTrie of Apache, as a set of paths). */
  #quotas = new Set<string>();
  #hash = new AdHash();
  #digestEnabled: boolean;
  /** DataTree.digestLog, oldest first. */
  #digestLog: ZxidDigest[] = [];
  #extended: boolean;
  #v38: boolean;
  #dataWatches: WatchManager<W>;
  #childWatches: WatchManager<W>;
  #events: WatchEvent<W>[] = [];
  /** DataTree.lastProcessedZxid. */
  lastProcessedZxid = 0n;
  /** DataTree.nodeDataSize: path lengths plus data lengths, kept as Apache keeps it. */
  #dataSize = 0;

  /**
   * Creates a tree holding what Apache's new DataTree holds: `/`, `/zookeeper`,
   * `/zookeeper/quota` and `/zookeeper/config` (readable by anyone).
   *
   * @param options digests, TTL nodes and the watch rules' Apache version
   */
  constructor(options: DataTreeOptions = {}) {
    this.#digestEnabled = options.digestEnabled ?? true;
    this.#extended = options.extendedTypesEnabled ?? false;
    this.#v38 = options.apacheVersion === "3.8";
    this.#dataWatches = new WatchManager<W>({ apache38: this.#v38 });
    this.#childWatches = new WatchManager<W>({ apache38: this.#v38 });
    this.#root = this.#s.addRoot();
    this.#addDigest(this.#root);
    const proc = this.#proc = this.#s.addChild(this.#root, "zookeeper");
    this.#addDigest(proc);
    this.#s.addChild(proc, "quota");
    const config = this.#s.addChild(proc, "config");
    // ZOOKEEPER-2014: the config node is readable by anyone, writable by nobody by default.
    // Apache sets it with DataTree.setACL(path, READ_ACL_UNSAFE, -1): aversion becomes -1.
    this.#s.acl[config] = this.#acls.convertAcls(READ_ACL_UNSAFE);
    this.#s.aversion[config] = -1;
    this.#dataSize = this.#computeDataSize();
  }

  /** Whether TTL nodes are enabled (zookeeper.extendedTypesEnabled). */
  get extendedTypesEnabled(): boolean {
    return this.#extended;
  }

  /**
   * DataTree.cachedApproximateDataSize (mntr's zk_approximate_data_size): the
   * lengths of every path and data, kept incrementally as Apache does (its
   * "/" alias counts 1; quota stat updates are not counted).
   */
  get approximateDataSize(): number {
    return this.#dataSize;
  }

  /** DataTree.getNodeCount (mntr's zk_znode_count): Apache counts the root twice ("" and "/"). */
  get apacheNodeCount(): number {
    return this.#s.count + 1;
  }

  #computeDataSize(): number {
    let n = 1; // the "/" alias of the root
    for (const { path, node } of this.nodes()) {
      n += path.length + (node.data === null ? 0 : node.data.length);
    }
    return n;
  }

  /** Whose watch rules the tree follows ("3.8" or "3.9"). */
  get apacheVersion(): "3.8" | "3.9" {
    return this.#v38 ? "3.8" : "3.9";
  }

  /** Whether the tree digest is kept. */
  get digestEnabled(): boolean {
    return this.#digestEnabled;
  }

  // ---- lookup ----------------------------------------------------------------

  /** The node id of `path` ("" and "/" are the root), or -1. */
  #id(path: string): number {
    if (path.length === 0) return this.#root;
    if (path.charCodeAt(0) !== 0x2f) return NIL;
    return this.#s.lookup(this.#root, path);
  }

  /** Whether a znode exists at `path`. */
  has(path: string): boolean {
    return this.#id(path) !== NIL;
  }

  /** Number of znodes, the root counted once (Apache's getNodeCount counts it twice). */
  get nodeCount(): number {
    return this.#s.count;
  }

  /** Whether `path` is one of the system nodes Apache protects ("/", /zookeeper, its quota and config). */
  isSpecialPath(path: string): boolean {
    return SPECIAL.has(path);
  }

  // ---- stats -----------------------------------------------------------------

  #statPersisted(id: number): StatPersisted {
    return statPersistedOf(this.#s, id);
  }

  /** DataNode.copyStat: cversion reported as creations*2 - children; owner 0 unless session-owned. */
  #stat(id: number): Stat {
    const s = this.#s;
    const owner = s.ephemeralOwner[id];
    const n = s.numChildren[id];
    const len = s.dataLen[id];
    return {
      czxid: s.czxid[id],
      mzxid: s.mzxid[id],
      ctime: s.ctime[id],
      mtime: s.mtime[id],
      version: s.version[id],
      cversion: (s.cversion[id] * 2 - n) | 0,
      aversion: s.aversion[id],
      ephemeralOwner: ephemeralType(owner, this.#extended) === EphemeralType.Normal ? owner : 0n,
      dataLength: len < 0 ? 0 : len,
      numChildren: n,
      pzxid: s.pzxid[id],
    };
  }

  // ---- digest ----------------------------------------------------------------

  /**
   * DigestCalculator.calculateDigest straight from the columns: CRC32 over the
   * path ("" for the root; 0 for nodes under /zookeeper/), data and stat.
   */
  #nodeDigest(id: number): number {
    if (!this.#digestEnabled) return 0;
    const s = this.#s;
    const chain = this.#chain;
    chain.length = 0;
    for (let p = id; p !== this.#root; p = s.parent[p]) chain.push(p);
    if (chain.length >= 2 && chain[chain.length - 1] === this.#proc) return 0;
    let c = -1;
    for (let i = chain.length - 1; i >= 0; i--) {
      c = crc32Update(c, SLASH);
      c = s.crcName(chain[i], c);
    }
    const data = s.dataView(id);
    if (data !== null) c = crc32Update(c, data);
    const v = DIGEST_VIEW;
    v.setBigInt64(0, s.czxid[id]);
    v.setBigInt64(8, s.mzxid[id]);
    v.setBigInt64(16, s.pzxid[id]);
    v.setBigInt64(24, s.ctime[id]);
    v.setBigInt64(32, s.mtime[id]);
    v.setInt32(40, s.version[id]);
    v.setInt32(44, s.cversion[id]);
    v.setInt32(48, s.aversion[id]);
    v.setBigInt64(52, s.ephemeralOwner[id]);
    c = crc32Update(c, DIGEST_BUF);
    return (c ^ -1) >>> 0;
  }
  #addDigest(id: number): void {
    if (this.#digestEnabled) this.#hash.add(this.#nodeDigest(id));
  }
  #removeDigest(id: number): void {
    if (this.#digestEnabled) this.#hash.remove(this.#nodeDigest(id));
  }

  /** The tree digest (DataTree.getTreeDigest), a Java long; 0 when digests are off. */
  get digest(): bigint {
    return this.#hash.value;
  }

  /** DigestCalculator.DIGEST_VERSION. */
  get digestVersion(): number {
    return DIGEST_VERSION;
  }

  /**
   * The digest log (DataTree.getDigestLog, what `hash` prints): the tree's
   * digest after each applied txn whose zxid is a multiple of
   * DIGEST_LOG_INTERVAL, the last DIGEST_LOG_LIMIT of them, oldest first;
   * empty when digests are off.
   *
   * @example
   * ```ts
   * import { DataTree } from "@zkts/datatree";
   * import assert from "node:assert/strict";
   * const tree = new DataTree();
   * const acl = [{ perms: 31, id: { scheme: "world", id: "anyone" } }];
   * for (let i = 1; i <= 128; i++) {
   *   tree.processTxn(
   *     { clientId: 1n, cxid: i, zxid: BigInt(i), time: 0n, type: 1 },
   *     { path: `/n${i}`, data: null, acl, ephemeral: false, parentCVersion: -1 },
   *   );
   * }
   * assert.deepEqual(tree.digestLog.map((d) => d.zxid), [128n]);
   * assert.equal(tree.digestLog[0].digest, tree.digest);
   * ```
   */
  get digestLog(): readonly ZxidDigest[] {
    return this.#digestLog;
  }

  // ---- reads -----------------------------------------------------------------

  /** The Stat of `path`, or null when absent. */
  stat(path: string): Stat | null {
    const id = this.#id(path);
    return id === NIL ? null : this.#stat(id);
  }

  /** The StatPersisted of `path`, or null when absent. */
  statPersisted(path: string): StatPersisted | null {
    const id = this.#id(path);
    return id === NIL ? null : this.#statPersisted(id);
  }

  /** What prepare needs of a znode, or null when absent (`data` is borrowed, read-only). */
  record(path: string): NodeRecord | null {
    const id = this.#id(path);
    if (id === NIL) return null;
    return {
      stat: this.#statPersisted(id),
      childCount: this.#s.numChildren[id],
      acl: this.#acls.convertLong(this.#s.acl[id]),
      // Borrowed: live bytes of the arena never change (see getDataBorrowed).
      data: this.#s.dataView(id),
      digest: this.#nodeDigest(id),
    };
  }

  /** The ACL of `path`, or null when absent. */
  aclOf(path: string): readonly ACL[] | null {
    const id = this.#id(path);
    return id === NIL ? null : this.#acls.convertLong(this.#s.acl[id]);
  }

  /**
   * getData: the data and stat; with a watcher, a one-shot data watch.
   *
   * @throws {KeeperError} NoNode (-101).
   */
  getData(path: string, watcher?: W): { data: Uint8Array | null; stat: Stat } {
    const id = this.#id(path);
    if (id === NIL) throw new KeeperError(Err.NoNode, { op: "getData", path });
    if (watcher !== undefined) this.#dataWatches.addWatch(path, watcher);
    return { data: this.#s.data(id), stat: this.#stat(id) };
  }

  /**
   * getData without copying: `data` is a borrowed, read-only view of the
   * tree's storage. It stays valid and unchanged (the arena only appends and
   * compacts into a new buffer) but keeps that buffer alive: serialize it
   * and drop it; never write into it.
   *
   * @throws {KeeperError} NoNode (-101).
   */
  getDataBorrowed(path: string, watcher?: W): { data: Uint8Array | null; stat: Stat } {
    const id = this.#id(path);
    if (id === NIL) throw new KeeperError(Err.NoNode, { op: "getData", path });
    if (watcher !== undefined) this.#dataWatches.addWatch(path, watcher);
    return { data: this.#s.dataView(id), stat: this.#stat(id) };
  }

  /**
   * exists (DataTree.statNode): the stat or null; the watch is set even when
   * the node is absent, so it fires NodeCreated.
   */
  exists(path: string, watcher?: W): Stat | null {
    if (watcher !== undefined) this.#dataWatches.addWatch(path, watcher);
    const id = this.#id(path);
    return id === NIL ? null : this.#stat(id);
  }

  /**
   * getChildren / getChildren2: child names, in the order Apache's server
   * lists them (its children HashSet's), and the stat; with a watcher, a
   * one-shot child watch.
   *
   * @throws {KeeperError} NoNode (-101).
   */
  getChildren(path: string, watcher?: W): { children: string[]; stat: Stat } {
    const id = this.#id(path);
    if (id === NIL) throw new KeeperError(Err.NoNode, { op: "getChildren", path });
    const children = this.#childNames(id);
    if (watcher !== undefined) this.#childWatches.addWatch(path, watcher);
    return { children, stat: this.#stat(id) };
  }

  /** Child ids in the iteration order of Apache's children HashSet (see `_javahash.ts`). */
  #childIds(id: number): Int32Array {
    return childIdsOf(this.#s, id);
  }

  #childNames(id: number): string[] {
    const ids = this.#childIds(id);
    if (ids.length < 16) {
      const names = new Array<string>(ids.length);
      for (let i = 0; i < ids.length; i++) names[i] = this.#s.name(ids[i]);
      return names;
    }
    // Many names: one decode of "a/b/c" and a split (names never hold "/").
    return this.#s.namesJoined(ids).split("/");
  }

  /**
   * getACL: the ACL and stat.
   *
   * @throws {KeeperError} NoNode (-101).
   */
  getACL(path: string): { acl: ACL[]; stat: Stat } {
    const id = this.#id(path);
    if (id === NIL) throw new KeeperError(Err.NoNode, { op: "getACL", path });
    return { acl: [...this.#acls.convertLong(this.#s.acl[id])], stat: this.#stat(id) };
  }

  /**
   * getAllChildrenNumber: the number of descendants of `path` (for "/", every
   * node but the root). An absent path counts 0, as Apache.
   */
  getAllChildrenNumber(path: string): number {
    if (path === "/") return this.#s.count - 1;
    const id = this.#id(path);
    if (id === NIL || path.length === 0) return 0;
    let n = 0;
    const s = this.#s;
    const stack = [id];
    while (stack.length > 0) {
      const p = stack.pop()!;
      for (let c = s.firstChild[p]; c !== NIL; c = s.nextSibling[c]) {
        n++;
        if (s.firstChild[c] !== NIL) stack.push(c);
      }
    }
    return n;
  }

  /**
   * The paths of a session's ephemeral znodes, in the order Apache's
   * DataTree.getEphemerals (a clone of a HashSet) iterates them; with a
   * prefix, those starting with it (the getEphemerals request).
   */
  getEphemerals(sessionId: bigint, prefixPath?: string | null): string[] {
    const all = JavaHashSet.copyOf(this.#sessionOrder(sessionId)).order();
    // FinalRequestProcessor: a blank or "/" prefix means all, otherwise startsWith.
    if (prefixPath === undefined || prefixPath === null) return all;
    const trimmed = prefixPath.trim();
    if (trimmed === "" || trimmed === "/") return all;
    return all.filter((p) => p.startsWith(prefixPath));
  }

  /** A session's ephemerals in the iteration order of Apache's own HashSet. */
  #sessionOrder(sessionId: bigint): string[] {
    const e = this.#ephemerals.get(sessionId);
    if (e === undefined) return [];
    const js = new JavaHashSet(e.cap);
    for (const id of e.ids) js.add(this.#s.path(id));
    js.cap = e.cap;
    return js.order();
  }

  #addEphemeral(owner: bigint, id: number): void {
    let e = this.#ephemerals.get(owner);
    if (e === undefined) this.#ephemerals.set(owner, e = { ids: new Set(), cap: 16 });
    e.ids.add(id);
    if (e.ids.size > e.cap * 0.75) e.cap *= 2;
  }

  /** Sessions owning ephemerals. */
  sessionsWithEphemerals(): bigint[] {
    return [...this.#ephemerals.keys()];
  }

  /** Number of ephemeral znodes. */
  get ephemeralsCount(): number {
    let n = 0;
    for (const e of this.#ephemerals.values()) n += e.ids.size;
    return n;
  }

  /** Paths of container znodes. */
  getContainers(): string[] {
    return [...this.#containers].map((id) => this.#s.path(id));
  }

  /** Paths of TTL znodes. */
  getTtls(): string[] {
    return [...this.#ttls].map((id) => this.#s.path(id));
  }

  /** Number of distinct ACL lists (aclCacheSize). */
  get aclCacheSize(): number {
    return this.#acls.size;
  }

  /** Bytes of the store's typed arrays and arenas (for the memory figures). */
  get storeBytes(): number {
    return this.#s.bytesAllocated;
  }

  /**
   * Znodes a ContainerManager would delete now: containers that once had a
   * child and have none (or never had one and are older than
   * `maxNeverUsedIntervalMs`), and TTL nodes without children unchanged for
   * longer than their TTL (ContainerManager.getCandidates).
   */
  containerCandidates(nowMs: bigint, maxNeverUsedIntervalMs = 0n): string[] {
    const out: string[] = [];
    const s = this.#s;
    for (const id of this.#containers) {
      if (s.numChildren[id] !== 0) continue;
      if (s.cversion[id] > 0) out.push(s.path(id));
      else if (maxNeverUsedIntervalMs !== 0n && nowMs - s.mtime[id] > maxNeverUsedIntervalMs) {
        out.push(s.path(id));
      }
    }
    for (const id of this.#ttls) {
      if (s.numChildren[id] !== 0) continue;
      const ttl = ttlOf(s.ephemeralOwner[id]);
      if (ttl !== 0n && nowMs - s.mtime[id] > ttl) out.push(s.path(id));
    }
    return out;
  }

  // ---- quotas ----------------------------------------------------------------

  /** The deepest quota root covering `path` (PathTrie.findMaxPrefix), or null. */
  maxPrefixWithQuota(path: string): string | null {
    if (this.#quotas.size === 0) return null;
    let p = path;
    while (p.length > 1) {
      if (this.#quotas.has(p)) return p;
      p = p.substring(0, p.lastIndexOf("/"));
    }
    return null;
  }

  #quotaAdd(path: string): void {
    if (path.length > 0) this.#quotas.add(path);
  }

  /** PathTrie.deletePath removes the trie node and everything below it. */
  #quotaDelete(path: string): void {
    if (path.length === 0) return;
    for (const q of [...this.#quotas]) {
      if (q === path || q.startsWith(path + "/")) this.#quotas.delete(q);
    }
  }

  #updateQuotaStat(prefix: string, bytesDiff: bigint, countDiff: bigint): void {
    const id = this.#id(quotaStatPath(prefix));
    if (id === NIL) return;
    const t = StatsTrack.parse(this.#s.dataView(id));
    t.count = t.count + countDiff;
    t.bytes = t.bytes + bytesDiff;
    this.#s.setData(id, t.toBytes());
  }

  #updateQuotaForPath(path: string): void {
    const root = this.#id(path);
    let count = 0n;
    let bytes = 0n;
    if (root !== NIL) {
      const s = this.#s;
      const stack = [root];
      while (stack.length > 0) {
        const p = stack.pop()!;
        count++;
        bytes += BigInt(Math.max(0, s.dataLen[p]));
        for (let c = s.firstChild[p]; c !== NIL; c = s.nextSibling[c]) stack.push(c);
      }
    }
    const t = new StatsTrack();
    t.bytes = bytes;
    t.count = count;
    const id = this.#id(quotaStatPath(path));
    if (id === NIL) return;
    this.#removeDigest(id);
    this.#s.setData(id, t.toBytes());
    this.#addDigest(id);
  }

  /** DataTree.setupQuota: rebuild quota roots and stats from /zookeeper/quota. */
  #setupQuota(): void {
    const q = this.#id(QUOTA_ZOOKEEPER);
    if (q === NIL) return;
    const s = this.#s;
    const end = "/" + LIMIT_NODE;
    const walk = (id: number, path: string) => {
      if (s.firstChild[id] === NIL) {
        if (path.endsWith(end)) {
          const real = path.substring(QUOTA_ZOOKEEPER.length, path.indexOf(end));
          this.#updateQuotaForPath(real);
          this.#quotaAdd(real);
        }
        return;
      }
      for (let c = s.firstChild[id]; c !== NIL; c = s.nextSibling[c]) {
        walk(c, path + "/" + s.name(c));
      }
    };
    walk(q, QUOTA_ZOOKEEPER);
  }

  /** The quota limits and usage of a quota root, or null. */
  quotaOf(path: string): { limits: StatsTrack; stats: StatsTrack } | null {
    const l = this.#id(quotaLimitPath(path));
    const st = this.#id(quotaStatPath(path));
    if (l === NIL || st === NIL) return null;
    return {
      limits: StatsTrack.parse(this.#s.dataView(l)),
      stats: StatsTrack.parse(this.#s.dataView(st)),
    };
  }

  // ---- watches ---------------------------------------------------------------

  #fire(
    mgr: WatchManager<W>,
    path: string,
    type: number,
    zxid: bigint,
    acl: readonly ACL[],
    suppress?: Set<W> | null,
  ) {
    const ws = mgr.triggerWatch(path, suppress, type === Event.NodeChildrenChanged);
    if (ws !== null) {
      for (const w of ws) {
        this.#events.push({ watcher: w, type, state: KeeperState.SyncConnected, path, zxid, acl });
      }
    }
    return ws;
  }

  /**
   * addWatch: a persistent (mode 0) or persistent-recursive (mode 1) watch,
   * as DataTree.addWatch.
   *
   * @throws {RangeError} for another mode.
   */
  addWatch(path: string, watcher: W, addWatchMode: number): void {
    if (addWatchMode === 0) {
      this.#dataWatches.addWatch(path, watcher, WatcherMode.Persistent);
      this.#childWatches.addWatch(path, watcher, WatcherMode.Persistent);
    } else if (addWatchMode === 1) {
      this.#dataWatches.addWatch(path, watcher, WatcherMode.PersistentRecursive);
      // 3.8 adds recursive watches to the child watches too.
      if (this.#v38) this.#childWatches.addWatch(path, watcher, WatcherMode.PersistentRecursive);
    } else {
      throw new RangeError(`Unsupported mode: ${addWatchMode}`);
    }
  }

  /**
   * setWatches / setWatches2 after a reconnect: events the client missed since
   * `relativeZxid` are returned at once (and those watches not set), the rest
   * are set, as DataTree.setWatches.
   */
  setWatches(
    relativeZxid: bigint,
    lists: {
      dataWatches?: string[];
      existWatches?: string[];
      childWatches?: string[];
      persistentWatches?: string[];
      persistentRecursiveWatches?: string[];
    },
    watcher: W,
  ): WatchEvent<W>[] {
    const out: WatchEvent<W>[] = [];
    const ev = (type: number, path: string) =>
      out.push({ watcher, type, state: KeeperState.SyncConnected, path, zxid: -1n, acl: null });
    for (const path of lists.dataWatches ?? []) {
      const id = this.#id(path);
      if (id === NIL) ev(Event.NodeDeleted, path);
      else if (this.#s.mzxid[id] > relativeZxid) ev(Event.NodeDataChanged, path);
      else this.#dataWatches.addWatch(path, watcher);
    }
    for (const path of lists.existWatches ?? []) {
      if (this.#id(path) !== NIL) ev(Event.NodeCreated, path);
      else this.#dataWatches.addWatch(path, watcher);
    }
    for (const path of lists.childWatches ?? []) {
      const id = this.#id(path);
      if (id === NIL) ev(Event.NodeDeleted, path);
      else if (this.#s.pzxid[id] > relativeZxid) ev(Event.NodeChildrenChanged, path);
      else this.#childWatches.addWatch(path, watcher);
    }
    for (const path of lists.persistentWatches ?? []) {
      this.#childWatches.addWatch(path, watcher, WatcherMode.Persistent);
      this.#dataWatches.addWatch(path, watcher, WatcherMode.Persistent);
    }
    for (const path of lists.persistentRecursiveWatches ?? []) {
      if (this.#v38) this.#childWatches.addWatch(path, watcher, WatcherMode.PersistentRecursive);
      this.#dataWatches.addWatch(path, watcher, WatcherMode.PersistentRecursive);
    }
    return out;
  }

  /**
   * checkWatches: whether `watcher` has a watch of WatcherType `type`
   * (Children 1, Data 2, Any 3, Persistent 4, PersistentRecursive 5) on `path`.
   *
   * @throws {KeeperError} MarshallingError (-5) for types 4 and 5 with apacheVersion "3.8".
   */
  containsWatcher(path: string, type: number, watcher: W): boolean {
    if (this.#v38) {
      if (type === 1) return this.#childWatches.containsWatcher(path, watcher, null);
      if (type === 2) return this.#dataWatches.containsWatcher(path, watcher, null);
      if (type !== 3) {
        throw new KeeperError(Err.MarshallingError, { op: "checkWatches", reason: `type ${type}` });
      }
    }
    switch (type) {
      case 1:
        return this.#childWatches.containsWatcher(path, watcher, WatcherMode.Standard);
      case 2:
        return this.#dataWatches.containsWatcher(path, watcher, WatcherMode.Standard);
      case 4:
        return this.#dataWatches.containsWatcher(path, watcher, WatcherMode.Persistent);
      case 5:
        return this.#dataWatches.containsWatcher(path, watcher, WatcherMode.PersistentRecursive);
      case 3:
        return this.#childWatches.containsWatcher(path, watcher, null) ||
          this.#dataWatches.containsWatcher(path, watcher, null);
      default:
        return false;
    }
  }

  /**
   * removeWatches: removes `watcher`'s watches of WatcherType `type` on `path`;
   * returns whether any went (false → the server answers NoWatcher -121).
   *
   * @throws {KeeperError} MarshallingError (-5) for types 4 and 5 with apacheVersion "3.8".
   */
  removeWatch(path: string, type: number, watcher: W): boolean {
    if (this.#v38) {
      if (type === 1) return this.#childWatches.removeWatch(path, watcher, null);
      if (type === 2) return this.#dataWatches.removeWatch(path, watcher, null);
      if (type !== 3) {
        throw new KeeperError(Err.MarshallingError, {
          op: "removeWatches",
          reason: `type ${type}`,
        });
      }
    }
    switch (type) {
      case 1:
        return this.#childWatches.removeWatch(path, watcher, WatcherMode.Standard);
      case 2:
        return this.#dataWatches.removeWatch(path, watcher, WatcherMode.Standard);
      case 4: {
        const a = this.#childWatches.removeWatch(path, watcher, WatcherMode.Persistent);
        const b = this.#dataWatches.removeWatch(path, watcher, WatcherMode.Persistent);
        return a || b;
      }
      case 5:
        return this.#dataWatches.removeWatch(path, watcher, WatcherMode.PersistentRecursive);
      case 3: {
        const a = this.#childWatches.removeWatch(path, watcher, null);
        const b = this.#dataWatches.removeWatch(path, watcher, null);
        return a || b;
      }
      default:
        return false;
    }
  }

  /** Drops every watch of a watcher (its connection closed: DataTree.removeCnxn). */
  removeWatcher(watcher: W): void {
    this.#dataWatches.removeWatcher(watcher);
    this.#childWatches.removeWatcher(watcher);
  }

  /** Number of watches (data + child). */
  get watchCount(): number {
    return this.#dataWatches.size + this.#childWatches.size;
  }

  /** The data and child watch managers (for reports such as wchc/wchp). */
  get watchManagers(): { data: WatchManager<W>; child: WatchManager<W> } {
    return { data: this.#dataWatches, child: this.#childWatches };
  }

  // ---- mutations (DataTree's own methods) -------------------------------------

  /**
   * DataTree.createNode. Fires NodeCreated on the path and NodeChildrenChanged
   * on the parent (into the pending event list returned by processTxn).
   *
   * @param parentCVersion the parent's new cversion; -1 means current + 1.
   * @throws {KeeperError} NoNode (-101) when the parent is absent, NodeExists (-110).
   */
  createNode(
    path: string,
    data: Uint8Array | null,
    acl: readonly ACL[] | null,
    ephemeralOwner: bigint,
    parentCVersion: number,
    zxid: bigint,
    time: bigint,
  ): Stat {
    const slash = path.lastIndexOf("/");
    const parentName = path.substring(0, slash);
    const childName = path.substring(slash + 1);
    const s = this.#s;
    const parent = this.#id(parentName);
    if (parent === NIL) throw new KeeperError(Err.NoNode, { op: "create", path: parentName });
    const parentAcl = this.#acls.convertLong(s.acl[parent]);
    const aclRef = this.#acls.convertAcls(acl);
    const existing = path === "/" ? this.#root : s.child(parent, childName);
    if (existing !== NIL) {
      // Apache replaces the ACL reference of the existing node (without dropping the old use).
      s.acl[existing] = aclRef;
      throw new KeeperError(Err.NodeExists, { op: "create", path });
    }
    this.#removeDigest(parent);
    if (parentCVersion === -1) parentCVersion = s.cversion[parent] + 1;
    // Replaying a fuzzy snapshot may create a node again: only move cversion/pzxid forward.
    if (parentCVersion > s.cversion[parent]) {
      s.cversion[parent] = parentCVersion;
      s.pzxid[parent] = zxid;
    }
    const id = s.addChild(parent, childName);
    s.setData(id, data);
    s.acl[id] = aclRef;
    s.czxid[id] = zxid;
    s.mzxid[id] = zxid;
    s.pzxid[id] = zxid;
    s.ctime[id] = time;
    s.mtime[id] = time;
    s.ephemeralOwner[id] = ephemeralOwner;
    this.#addDigest(parent);
    this.#addDigest(id);
    this.#dataSize += path.length + (data === null ? 0 : data.length);
    const type = ephemeralType(ephemeralOwner, this.#extended);
    if (type === EphemeralType.Container) this.#containers.add(id);
    else if (type === EphemeralType.Ttl) this.#ttls.add(id);
    else if (ephemeralOwner !== 0n) this.#addEphemeral(ephemeralOwner, id);
    const stat = this.#stat(id);
    if (parentName.startsWith(QUOTA_ZOOKEEPER)) {
      if (childName === LIMIT_NODE) this.#quotaAdd(parentName.substring(QUOTA_ZOOKEEPER.length));
      if (childName === STAT_NODE) {
        this.#updateQuotaForPath(parentName.substring(QUOTA_ZOOKEEPER.length));
      }
    }
    const prefix = this.maxPrefixWithQuota(path);
    if (prefix !== null) this.#updateQuotaStat(prefix, BigInt(data === null ? 0 : data.length), 1n);
    this.#fire(this.#dataWatches, path, Event.NodeCreated, zxid, acl ?? OPEN_ACL_UNSAFE);
    this.#fire(
      this.#childWatches,
      parentName === "" ? "/" : parentName,
      Event.NodeChildrenChanged,
      zxid,
      parentAcl,
    );
    return stat;
  }

  /**
   * DataTree.deleteNode: the parent's pzxid moves to `zxid` (cversion does not:
   * it counts creations). Fires NodeDeleted (data and child watches of the
   * path) and NodeChildrenChanged on the parent.
   *
   * @throws {KeeperError} NoNode (-101).
   */
  deleteNode(path: string, zxid: bigint): void {
    const slash = path.lastIndexOf("/");
    const parentName = path.substring(0, slash);
    const childName = path.substring(slash + 1);
    const s = this.#s;
    const parent = this.#id(parentName);
    if (parent === NIL) throw new KeeperError(Err.NoNode, { op: "delete", path: parentName });
    const id = s.child(parent, childName);
    // Apache updates the parent's pzxid before finding out the child is missing.
    this.#removeDigest(parent);
    if (zxid > s.pzxid[parent]) s.pzxid[parent] = zxid;
    if (id === NIL) {
      this.#addDigest(parent);
      throw new KeeperError(Err.NoNode, { op: "delete", path });
    }
    assert(s.firstChild[id] === NIL, "deleted node has no children");
    const acl = this.#acls.convertLong(s.acl[id]);
    const parentAcl = this.#acls.convertLong(s.acl[parent]);
    const bytes = Math.max(0, s.dataLen[id]);
    const owner = s.ephemeralOwner[id];
    this.#removeDigest(id);
    this.#acls.removeUsage(s.acl[id]);
    const type = ephemeralType(owner, this.#extended);
    if (type === EphemeralType.Container) this.#containers.delete(id);
    else if (type === EphemeralType.Ttl) this.#ttls.delete(id);
    else if (owner !== 0n) {
      // Apache keeps the (possibly empty) set until the session is killed.
      this.#ephemerals.get(owner)?.ids.delete(id);
    }
    s.remove(id);
    this.#addDigest(parent);
    this.#dataSize -= path.length + bytes;
    if (parentName.startsWith(PROC_ZOOKEEPER) && childName === LIMIT_NODE) {
      this.#quotaDelete(parentName.substring(QUOTA_ZOOKEEPER.length));
    }
    const prefix = this.maxPrefixWithQuota(path);
    if (prefix !== null) this.#updateQuotaStat(prefix, BigInt(-bytes), -1n);
    const processed = this.#fire(this.#dataWatches, path, Event.NodeDeleted, zxid, acl);
    this.#fire(this.#childWatches, path, Event.NodeDeleted, zxid, acl, processed);
    this.#fire(
      this.#childWatches,
      parentName === "" ? "/" : parentName,
      Event.NodeChildrenChanged,
      zxid,
      parentAcl,
    );
  }

  /**
   * DataTree.setData: data, mtime, mzxid and version as given. Fires NodeDataChanged.
   *
   * @throws {KeeperError} NoNode (-101).
   */
  setData(
    path: string,
    data: Uint8Array | null,
    version: number,
    zxid: bigint,
    time: bigint,
  ): Stat {
    const id = this.#id(path);
    if (id === NIL) throw new KeeperError(Err.NoNode, { op: "setData", path });
    const s = this.#s;
    const acl = this.#acls.convertLong(s.acl[id]);
    const lastLen = Math.max(0, s.dataLen[id]);
    this.#removeDigest(id);
    s.setData(id, data);
    this.#dataSize += (data === null ? 0 : data.length) - lastLen;
    s.mtime[id] = time;
    s.mzxid[id] = zxid;
    s.version[id] = version;
    this.#addDigest(id);
    const stat = this.#stat(id);
    const prefix = this.maxPrefixWithQuota(path);
    if (prefix !== null) {
      this.#updateQuotaStat(prefix, BigInt((data === null ? 0 : data.length) - lastLen), 0n);
    }
    this.#fire(this.#dataWatches, path, Event.NodeDataChanged, zxid, acl);
    return stat;
  }

  /**
   * DataTree.setACL: the ACL and aversion as given (no watch fires).
   *
   * @throws {KeeperError} NoNode (-101).
   */
  setACL(path: string, acl: readonly ACL[] | null, version: number): Stat {
    const id = this.#id(path);
    if (id === NIL) throw new KeeperError(Err.NoNode, { op: "setACL", path });
    const s = this.#s;
    this.#acls.removeUsage(s.acl[id]);
    this.#removeDigest(id);
    s.aversion[id] = version;
    s.acl[id] = this.#acls.convertAcls(acl);
    this.#addDigest(id);
    return this.#stat(id);
  }

  /**
   * DataTree.setCversionPzxid: moves cversion (−1: current + 1) and pzxid
   * forward only.
   *
   * @throws {KeeperError} NoNode (-101).
   */
  setCversionPzxid(path: string, newCversion: number, zxid: bigint): void {
    if (path.endsWith("/")) path = path.substring(0, path.length - 1);
    const id = this.#id(path);
    if (id === NIL) throw new KeeperError(Err.NoNode, { op: "setCversionPzxid", path });
    const s = this.#s;
    if (newCversion === -1) newCversion = s.cversion[id] + 1;
    if (newCversion > s.cversion[id]) {
      this.#removeDigest(id);
      s.cversion[id] = newCversion;
      s.pzxid[id] = zxid;
      this.#addDigest(id);
    }
  }

  /**
   * DataTree.killSession: deletes the paths of a CloseSessionTxn, then any other
   * ephemeral of the session, all at `zxid`.
   */
  killSession(sessionId: bigint, zxid: bigint, paths2Delete: string[] | null): void {
    const local = this.#sessionOrder(sessionId);
    this.#ephemerals.delete(sessionId);
    const del = (paths: Iterable<string>) => {
      for (const p of paths) {
        try {
          this.deleteNode(p, zxid);
        } catch (e) {
          if (!(e instanceof KeeperError) || e.code !== Err.NoNode) throw e;
        }
      }
    };
    if (paths2Delete !== null) {
      del(paths2Delete);
      const inTxn = new Set(paths2Delete);
      del(local.filter((p) => !inTxn.has(p)));
    } else {
      del(local);
    }
  }

  // ---- apply -----------------------------------------------------------------

  /**
   * Applies one txn (DataTree.processTxn): deterministic, identical on every
   * replica. Errors of the txn (e.g. NodeExists on replay) land in `err`; the
   * watch events fired are returned in `events`.
   *
   * @param hdr the txn header (type = op code).
   * @param txn the txn record (multi: sub-txns decoded).
   */
  processTxn(hdr: TxnHeader, txn: AnyTxn | null): ProcessTxnResult<W> {
    this.#events = [];
    const rc = this.#process(hdr, txn, false);
    rc.events = this.#events;
    this.#events = [];
    return rc;
  }

  #process(hdr: TxnHeader, txn: AnyTxn | null, isSubTxn: boolean): ProcessTxnResult<W> {
    const rc: ProcessTxnResult<W> = {
      clientId: hdr.clientId,
      cxid: hdr.cxid,
      zxid: hdr.zxid,
      type: hdr.type,
      err: 0,
      events: [],
    };
    try {
      switch (hdr.type) {
        case Op.create: {
          const t = txn as CreateTxn;
          rc.path = t.path;
          this.createNode(
            t.path,
            t.data,
            t.acl,
            t.ephemeral ? hdr.clientId : 0n,
            // A CreateTxnV0 (before 3.3) has none: -1, as SerializeUtils reads it.
            t.parentCVersion ?? -1,
            hdr.zxid,
            hdr.time,
          );
          break;
        }
        case Op.create2: {
          const t = txn as CreateTxn;
          rc.path = t.path;
          rc.stat = this.createNode(
            t.path,
            t.data,
            t.acl,
            t.ephemeral ? hdr.clientId : 0n,
            t.parentCVersion,
            hdr.zxid,
            hdr.time,
          );
          break;
        }
        case Op.createTTL: {
          const t = txn as CreateTTLTxn;
          rc.path = t.path;
          rc.stat = this.createNode(
            t.path,
            t.data,
            t.acl,
            ttlEphemeralOwner(t.ttl),
            t.parentCVersion,
            hdr.zxid,
            hdr.time,
          );
          break;
        }
        case Op.createContainer: {
          const t = txn as CreateContainerTxn;
          rc.path = t.path;
          rc.stat = this.createNode(
            t.path,
            t.data,
            t.acl,
            CONTAINER_EPHEMERAL_OWNER,
            t.parentCVersion,
            hdr.zxid,
            hdr.time,
          );
          break;
        }
        case Op.delete:
        case Op.deleteContainer: {
          const t = txn as DeleteTxn;
          rc.path = t.path;
          this.deleteNode(t.path, hdr.zxid);
          break;
        }
        case Op.reconfig:
        case Op.setData: {
          const t = txn as SetDataTxn;
          rc.path = t.path;
          rc.stat = this.setData(t.path, t.data, t.version, hdr.zxid, hdr.time);
          break;
        }
        case Op.setACL: {
          const t = txn as SetACLTxn;
          rc.path = t.path;
          rc.stat = this.setACL(t.path, t.acl, t.version);
          break;
        }
        case Op.closeSession: {
          const t = txn as CloseSessionTxn | null;
          this.killSession(hdr.clientId, hdr.zxid, t === null ? null : t.paths2Delete);
          break;
        }
        case Op.error:
          rc.err = (txn as ErrorTxn).err;
          break;
        case Op.check:
          rc.path = (txn as CheckVersionTxn).path;
          break;
        case Op.multi: {
          const subs = (txn as MultiTxn).txns;
          rc.multiResult = [];
          const failed = subs.some((t) => t.type === Op.error);
          let postFailed = false;
          for (const sub of subs) {
            let type = sub.type;
            if (type === Op.error) postFailed = true;
            let record: AnyTxn;
            if (failed && type !== Op.error) {
              record = { err: postFailed ? Err.RuntimeInconsistency : Err.Ok };
              type = Op.error;
            } else {
              record = decodeSubTxn(type, sub.data);
            }
            const subRc = this.#process(
              { clientId: hdr.clientId, cxid: hdr.cxid, zxid: hdr.zxid, time: hdr.time, type },
              record,
              true,
            );
            rc.multiResult.push(subRc);
            if (subRc.err !== 0 && rc.err === 0) rc.err = subRc.err;
          }
          break;
        }
        default:
          // createSession and other txns leave the tree as it is.
          break;
      }
    } catch (e) {
      if (!(e instanceof KeeperError)) throw e;
      rc.err = e.code;
    }
    // Replaying a create whose node a fuzzy snapshot already holds: move the parent's cversion/pzxid.
    if (hdr.type === Op.create && rc.err === Err.NodeExists && rc.path !== undefined) {
      const parentName = rc.path.substring(0, rc.path.lastIndexOf("/"));
      try {
        this.setCversionPzxid(parentName, (txn as CreateTxn).parentCVersion ?? -1, hdr.zxid);
      } catch (e) {
        if (!(e instanceof KeeperError)) throw e;
        rc.err = e.code;
      }
    }
    if (!isSubTxn && rc.zxid > this.lastProcessedZxid) this.lastProcessedZxid = rc.zxid;
    // DataTree.logZxidDigest, after every whole txn (zkts's snapshots are not
    // fuzzy, so there is no snapshot digest still to reach first).
    if (!isSubTxn && this.#digestEnabled && rc.zxid % DIGEST_LOG_INTERVAL === 0n) {
      this.#digestLog.push({ zxid: rc.zxid, digestVersion: DIGEST_VERSION, digest: this.digest });
      if (this.#digestLog.length > DIGEST_LOG_LIMIT) this.#digestLog.shift();
    }
    return rc;
  }

  // ---- snapshots ---------------------------------------------------------------

  /** The ACL table as a snapshot stores it (ReferenceCountedACLCache.serialize). */
  aclEntries(): ACLCacheEntry[] {
    return this.#acls.entries().map(([id, acls]) => ({ id: BigInt(id), acls }));
  }

  /**
   * Every znode in the order DataTree.serializeNode streams them: pre-order
   * from the root (written as ""), children in Apache's HashSet order. Each
   * node's data is a borrowed, read-only view (see `getDataBorrowed`).
   */
  *nodes(): Generator<SnapshotNode> {
    yield* streamNodes(this.#s, this.#root);
  }

  /**
   * A consistent point-in-time view for a snapshot: the store is copied now
   * (a memcpy, about 10 ms for a million znodes once the memory of an
   * earlier view can be reused), so the nodes can be streamed and written in
   * slices while the tree keeps changing. The view holds the zxid, the ACL
   * table and the digest of that moment. Its `nodes()` may be walked once;
   * when that walk ends, the next view reuses the copy's memory (so a server
   * keeps about 100 bytes a znode for it between snapshots).
   *
   * @example
   * ```ts
   * import { DataTree } from "@zkts/datatree";
   * import assert from "node:assert/strict";
   * const tree = new DataTree();
   * const view = tree.snapshotView();
   * const acl = [{ perms: 31, id: { scheme: "world", id: "anyone" } }];
   * tree.processTxn(
   *   { clientId: 1n, cxid: 1, zxid: 1n, time: 0n, type: 1 },
   *   { path: "/later", data: null, acl, ephemeral: false, parentCVersion: -1 },
   * );
   * assert.ok(![...view.nodes()].some((n) => n.path === "/later"));
   * ```
   */
  snapshotView(): {
    zxid: bigint;
    acls: ACLCacheEntry[];
    digest: bigint;
    nodes(): Generator<SnapshotNode>;
  } {
    // The copy reuses the last view's memory once that view was walked.
    const store = this.#s.snapshotCopy(this.#spareBusy ? undefined : this.#spare);
    const mine = !this.#spareBusy;
    if (mine) {
      this.#spare = store;
      this.#spareBusy = true;
    }
    const root = this.#root;
    let walked = false;
    const release = () => {
      walked = true;
      store.releaseArenas();
      if (mine && this.#spare === store) this.#spareBusy = false;
    };
    return {
      zxid: this.lastProcessedZxid,
      acls: this.aclEntries(),
      digest: this.digest,
      nodes: function* () {
        assert(!walked, "a snapshot view is walked once");
        try {
          yield* streamNodes(store, root);
        } finally {
          release();
        }
      },
    };
  }

  /**
   * Replaces the tree with a snapshot's content (DataTree.deserialize): the ACL
   * table, then nodes in the streamed order (each parent before its
   * children; the root's path is ""). Ephemerals, containers, TTL nodes,
   * quotas and the digest are rebuilt; unused ACLs are purged. For a big
   * snapshot, {@linkcode DataTree.beginLoad} takes the nodes straight from
   * the file's bytes instead.
   *
   * @throws {Error} when a node's parent is missing ("Invalid Datatree").
   */
  load(acls: Iterable<ACLCacheEntry>, nodes: Iterable<SnapshotNode>): void {
    const loader = this.beginLoad(acls);
    const end = new Uint8Array([0, 0, 0, 1, 0x2f]); // the section's end: the path "/"
    for (const n of nodes) {
      const one = encode(SnapshotNode, n);
      const bytes = new Uint8Array(one.length + end.length);
      bytes.set(one);
      bytes.set(end, one.length);
      scanSnapshotNodes(bytes, 0, bytes.length, (v) => loader.add(v));
    }
    loader.finish();
  }

  /**
   * A node sink for the snapshot readers of @zkts/persistence (`nodeSink`):
   * each snapshot read starts a {@linkcode DataTree.beginLoad}; call
   * `finish()` once a snapshot was read whole (a no-op when none was).
   *
   * @example
   * ```ts
   * import { DataTree } from "@zkts/datatree";
   * import { encode, scanSnapshotNodes, SnapshotNode } from "@zkts/jute";
   * import assert from "node:assert/strict";
   * const stat = { czxid: 1n, mzxid: 1n, ctime: 5n, mtime: 5n, version: 0, cversion: 0, aversion: 0, ephemeralOwner: 0n, pzxid: 1n };
   * const bytes = new Uint8Array([
   *   ...encode(SnapshotNode, { path: "", node: { data: null, acl: -1n, stat } }),
   *   0, 0, 0, 1, 0x2f,
   * ]);
   * const tree = new DataTree();
   * const sink = tree.snapshotSink();
   * const add = sink.begin([], scanSnapshotNodes(bytes, 0, bytes.length));
   * scanSnapshotNodes(bytes, 0, bytes.length, add);
   * sink.finish();
   * assert.equal(tree.nodeCount, 1);
   * ```
   */
  snapshotSink(): {
    begin(
      acls: Iterable<ACLCacheEntry>,
      totals: { count: number; nameBytes: number; dataBytes: number },
    ): (node: SnapshotNodeView) => void;
    finish(): void;
  } {
    let loader: SnapshotLoader | undefined;
    return {
      begin: (acls, totals) => {
        const l = loader = this.beginLoad(acls, totals);
        return (node) => l.add(node);
      },
      finish: () => loader?.finish(),
    };
  }

  /**
   * Starts replacing the tree with a snapshot's content, node by node, from
   * {@linkcode SnapshotNodeView}s (positions in the snapshot's bytes, as
   * `scanSnapshotNodes` of @zkts/jute hands them out): names, data and stats
   * are copied straight from the bytes. Call `finish()` after the last node.
   *
   * @param acls the snapshot's ACL cache
   * @param expect the section's totals (`scanSnapshotNodes` without a visitor), to size the storage once
   *
   * @example
   * ```ts
   * import { DataTree } from "@zkts/datatree";
   * import { encode, scanSnapshotNodes, SnapshotNode } from "@zkts/jute";
   * import assert from "node:assert/strict";
   * const stat = { czxid: 1n, mzxid: 1n, ctime: 5n, mtime: 5n, version: 0, cversion: 0, aversion: 0, ephemeralOwner: 0n, pzxid: 1n };
   * const bytes = new Uint8Array([
   *   ...encode(SnapshotNode, { path: "", node: { data: null, acl: -1n, stat } }),
   *   ...encode(SnapshotNode, { path: "/a", node: { data: new Uint8Array([7]), acl: -1n, stat } }),
   *   0, 0, 0, 1, 0x2f,
   * ]);
   * const tree = new DataTree();
   * const loader = tree.beginLoad([], scanSnapshotNodes(bytes, 0, bytes.length));
   * scanSnapshotNodes(bytes, 0, bytes.length, (v) => loader.add(v));
   * loader.finish();
   * assert.deepEqual(tree.getData("/a").data, new Uint8Array([7]));
   * ```
   */
  beginLoad(
    acls: Iterable<ACLCacheEntry>,
    expect?: { count: number; nameBytes: number; dataBytes: number },
  ): SnapshotLoader {
    const s = this.#s;
    s.clear();
    if (expect) s.reserve(expect.count, expect.nameBytes, expect.dataBytes);
    this.#acls.load([...acls].map((e) => [e.id, e.acls] as [bigint, ACL[]]));
    this.#ephemerals.clear();
    this.#containers.clear();
    this.#ttls.clear();
    this.#quotas.clear();
    this.#hash.clear();
    this.#root = NIL;
    this.#proc = NIL;
    // The ancestors of the last node: their ids and where their paths are.
    // (Arrays indexed by `depth`: cutting an array's length is slow in V8.)
    const chainIds: number[] = [];
    const chainBytes: Uint8Array[] = [];
    const chainStarts: number[] = [];
    const chainEnds: number[] = [];
    let depth = 0;
    let dataSize = 1; // the "/" alias of the root
    let finished = false;
    const parentOf = (b: Uint8Array, start: number, slash: number, end: number): number => {
      // Pre-order: the parent is on the chain of the last node's ancestors.
      const len = slash - start;
      for (let top = depth - 1; top >= 0; top--) {
        const cb = chainBytes[top];
        const cs = chainStarts[top];
        if (chainEnds[top] - cs === len) {
          let k = len - 1;
          while (k >= 0 && cb[cs + k] === b[start + k]) k--;
          if (k < 0) {
            depth = top + 1;
            return chainIds[top];
          }
        }
      }
      depth = 0;
      const parentPath = decodeJuteString(b, start, slash);
      const parent = parentPath === "" ? this.#root : this.#id(parentPath);
      if (parent === NIL) {
        throw new Error(
          `Invalid Datatree, unable to find parent ${parentPath} of path ${
            decodeJuteString(b, start, end)
          }`,
        );
      }
      return parent;
    };
    return {
      add: (v: SnapshotNodeView): void => {
        assert(!finished, "a finished load takes no more nodes");
        const b = v.bytes;
        const start = v.pathStart;
        const end = v.pathEnd;
        let id: number;
        let slash = end - 1;
        let ascii = 0;
        while (slash >= start && b[slash] !== 0x2f) ascii |= b[slash--];
        if (slash < start) {
          assert(this.#root === NIL, "one root in a snapshot");
          id = this.#root = s.addRoot();
        } else {
          const parent = parentOf(b, start, slash, end);
          if (ascii < 0x80) id = s.addChildBytes(parent, b, slash + 1, end);
          // Not ASCII: decoded as Apache's readString does (bad sequences become U+FFFD).
          else id = s.addChild(parent, decodeJuteString(b, slash + 1, end));
        }
        chainIds[depth] = id;
        chainBytes[depth] = b;
        chainStarts[depth] = start;
        chainEnds[depth++] = end;
        const dataLen = v.dataLength;
        dataSize += end - start + (dataLen > 0 ? dataLen : 0);
        s.setDataBytes(id, b, v.dataStart, dataLen);
        s.acl[id] = v.acl;
        this.#acls.addUsage(v.acl);
        const o = v.statStart;
        s.setStatBytes(id, b, o);
        if (
          (b[o + 44] | b[o + 45] | b[o + 46] | b[o + 47] | b[o + 48] | b[o + 49] | b[o + 50] |
            b[o + 51]) !== 0
        ) {
          const owner = s.ephemeralOwner[id];
          const type = ephemeralType(owner, this.#extended);
          if (type === EphemeralType.Container) this.#containers.add(id);
          else if (type === EphemeralType.Ttl) this.#ttls.add(id);
          else this.#addEphemeral(owner, id);
        }
        if (!this.#digestEnabled || isUnderProc(b, start, end)) return;
        if (ascii >= 0x80) {
          // From the name as stored; #proc is unset until finish (the prefix test stands in).
          this.#hash.add(this.#nodeDigest(id));
        } else {
          // The node digest (see #nodeDigest) straight from the snapshot's bytes:
          // path, data, then the stat in the digest's field order.
          let c = crc32Update(-1, b, start, end);
          if (dataLen > 0) c = crc32Update(c, b, v.dataStart, v.dataStart + dataLen);
          c = crc32Update(c, b, o, o + 16); // czxid, mzxid
          c = crc32Update(c, b, o + 52, o + 60); // pzxid
          c = crc32Update(c, b, o + 16, o + 52); // ctime, mtime, version, cversion, aversion, ephemeralOwner
          this.#hash.add((c ^ -1) >>> 0);
        }
      },
      finish: (): void => {
        assert(!finished, "a load finishes once");
        finished = true;
        assert(this.#root !== NIL, "a snapshot has a root");
        this.#proc = s.child(this.#root, "zookeeper");
        this.#setupQuota();
        this.#acls.purgeUnused();
        this.#dataSize = dataSize;
      },
    };
  }
}

/** Whether the UTF-8 path `b[start, end)` is below "/zookeeper/" (no digest there). */
function isUnderProc(b: Uint8Array, start: number, end: number): boolean {
  if (end - start <= PROC_PREFIX.length || b[start + 1] !== 0x7a) return false;
  for (let k = 0; k < PROC_PREFIX.length; k++) if (b[start + k] !== PROC_PREFIX[k]) return false;
  return true;
}
const PROC_PREFIX = new TextEncoder().encode("/zookeeper/");

/** Takes a snapshot's nodes into a {@linkcode DataTree}: see {@linkcode DataTree.beginLoad}. */
export interface SnapshotLoader {
  /**
   * Adds one node (parents before children).
   *
   * @throws {Error} when the node's parent is missing ("Invalid Datatree").
   */
  add(node: SnapshotNodeView): void;
  /** Rebuilds the digest, quotas and ACL counts after the last node. */
  finish(): void;
}

/** Decodes a multi's sub-txn as DataTree.processTxn does. */
function decodeSubTxn(type: number, data: Uint8Array | null): AnyTxn {
  const rec = type === Op.error || type === Op.check || type === Op.setData || type === Op.delete ||
      type === Op.deleteContainer || type === Op.create || type === Op.create2 ||
      type === Op.createTTL ||
      type === Op.createContainer
    ? txnRecord(type)
    : undefined;
  if (rec === undefined) {
    throw new KeeperError(Err.MarshallingError, {
      op: "multi",
      reason: `Invalid type of op: ${type}`,
    });
  }
  return decode(rec, data ?? new Uint8Array(0));
}

/** A node's persisted stat, read from the columns of `s`. */
function statPersistedOf(s: NodeStore, id: number): StatPersisted {
  return {
    czxid: s.czxid[id],
    mzxid: s.mzxid[id],
    ctime: s.ctime[id],
    mtime: s.mtime[id],
    version: s.version[id],
    cversion: s.cversion[id],
    aversion: s.aversion[id],
    ephemeralOwner: s.ephemeralOwner[id],
    pzxid: s.pzxid[id],
  };
}

/** Child ids of `id` in the iteration order of Apache's children HashSet (see `_javahash.ts`). */
function childIdsOf(s: NodeStore, id: number): Int32Array {
  const n = s.numChildren[id];
  if (n === 0) return NO_IDS;
  const ids = new Int32Array(n);
  const hashes = new Int32Array(n);
  let i = 0;
  for (let c = s.firstChild[id]; c !== NIL; c = s.nextSibling[c], i++) {
    ids[i] = c;
    hashes[i] = s.nameJavaHash(c);
  }
  return javaHashOrderIds(ids, hashes, 1 << s.childCap[id]);
}

/**
 * Every znode of `s` below `root` in the order DataTree.serializeNode streams
 * them: pre-order from the root (written as ""), children in Apache's
 * HashSet order. Each node's data is a borrowed, read-only view.
 */
function* streamNodes(s: NodeStore, root: number): Generator<SnapshotNode> {
  const stack: [number, string][] = [[root, ""]];
  while (stack.length > 0) {
    const [id, path] = stack.pop()!;
    // Data is borrowed: live bytes of the arena never change (see getDataBorrowed).
    yield {
      path,
      node: { data: s.dataView(id), acl: BigInt(s.acl[id]), stat: statPersistedOf(s, id) },
    };
    const kids = childIdsOf(s, id);
    for (let i = kids.length - 1; i >= 0; i--) {
      stack.push([kids[i], path + "/" + s.name(kids[i])]);
    }
  }
}
