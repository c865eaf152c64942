/**
 * The prepare step of a write (Apache ZooKeeper's PrepRequestProcessor): a
 * request checked against the tree plus the changes not yet applied becomes a
 * txn, or an ErrorTxn with the error code.
 *
 * @module
 */
import {
  type ACL,
  type AnyTxn,
  type CheckVersionRequest,
  type CreateRequest,
  type CreateTTLRequest,
  type DeleteRequest,
  encode,
  ErrorCode as Err,
  type Id,
  type MultiOperationRecord,
  OpCode as Op,
  Perms,
  type SetACLRequest,
  type SetDataRequest,
  type StatPersisted,
  type Txn,
  type TxnDigest,
  type TxnHeader,
  txnRecord,
} from "@zkts/jute";
import { type AuthProvider, checkAcl, fixupAcl } from "./acl.ts";
import { DIGEST_VERSION, nodeDigest } from "./digest.ts";
import { KeeperError } from "./errors.ts";
import { pathError, sequenceSuffix } from "./path.ts";
import { quotaLimitPath, quotaStatPath, StatsTrack } from "./quota.ts";
import { JavaHashSet } from "./_javahash.ts";
import {
  CONTAINER_EPHEMERAL_OWNER,
  type DataTree,
  EphemeralType,
  ephemeralType,
  ttlEphemeralOwner,
} from "./tree.ts";

/** A write request as prepare reads it: the op code and its request record. */
export type WriteRequest =
  | {
    type: typeof Op.create | typeof Op.create2 | typeof Op.createContainer;
    request: CreateRequest;
  }
  | { type: typeof Op.createTTL; request: CreateTTLRequest }
  | { type: typeof Op.delete; request: DeleteRequest }
  | { type: typeof Op.deleteContainer; request: { path: string } }
  | { type: typeof Op.setData; request: SetDataRequest }
  | { type: typeof Op.setACL; request: SetACLRequest }
  | { type: typeof Op.check; request: CheckVersionRequest }
  | { type: typeof Op.multi; request: MultiOperationRecord }
  | { type: typeof Op.createSession; request: { timeOut: number } }
  | { type: typeof Op.closeSession; request?: null };

/** Who asks, and the zxid and time the server gives the txn. */
export interface PrepareContext {
  /** The session the request came in on. */
  sessionId: bigint;
  /** The client's xid of the request. */
  cxid: number;
  /** The next zxid (ZooKeeperServer.getNextZxid). */
  zxid: bigint;
  /** Wall-clock time in ms (Time.currentWallTime). */
  time: bigint;
  /** The session's authenticated ids (ip included), as ServerCnxn.getAuthInfo. */
  authInfo: readonly Id[];
}

/** Server settings prepare follows. */
export interface PrepareOptions {
  /** zookeeper.skipACL. */
  skipACL?: boolean;
  /** zookeeper.enforceQuota (default false): hard quota limits refuse writes. */
  enforceQuota?: boolean;
  /** zookeeper.closeSessionTxn.enabled (default true): the closeSession txn lists the ephemerals. */
  closeSessionTxnEnabled?: boolean;
  /** Auth providers by scheme (default ip and digest). */
  providers?: Readonly<Record<string, AuthProvider>>;
}

/** A prepared txn, ready to log and then apply. */
export interface Prepared {
  /** The header; `type` is `error` when the request failed. */
  hdr: TxnHeader;
  /** The txn record (ErrorTxn when the request failed; multi: a MultiTxn with encoded sub-txns). */
  txn: AnyTxn | null;
  /** The tree digest after this txn, as Apache logs it; null when digests are off or the request failed. */
  digest: TxnDigest | null;
  /** The error of a failed request (for a multi: of its first failing op). */
  error?: KeeperError;
  /** Soft quota limits passed, in Apache's log words ("Quota exceeded: /q [current count=4, softCountLimit=3]"). */
  warnings?: string[];
}

interface ChangeRecord {
  zxid: bigint;
  path: string;
  /** null: the node is being deleted. */
  stat: StatPersisted | null;
  childCount: number;
  acl: readonly ACL[] | null;
  data: Uint8Array | null;
  nodeDigest: number;
  treeDigest: bigint;
}

const copyStat = (s: StatPersisted): StatPersisted => ({ ...s });

/**
 * PrepRequestProcessor over a DataTree: checks write requests against the tree
 * plus outstanding (prepared, not yet applied) changes and turns them into
 * txns. Call `applied(zxid)` after applying a txn, as FinalRequestProcessor
 * drops outstanding changes.
 *
 * @example
 * ```ts
 * import { DataTree, Preparer } from "@zkts/datatree";
 * import assert from "node:assert/strict";
 * const tree = new DataTree();
 * const prep = new Preparer(tree);
 * const acl = [{ perms: 31, id: { scheme: "world", id: "anyone" } }];
 * const ctx = { sessionId: 1n, cxid: 1, zxid: 1n, time: 10n, authInfo: [] };
 * const p = prep.prepare({ type: 1, request: { path: "/a", data: null, acl, flags: 2 } }, ctx);
 * assert.deepEqual(p.txn, { path: "/a0000000000", data: null, acl, ephemeral: false, parentCVersion: 1 });
 * tree.processTxn(p.hdr, p.txn);
 * prep.applied(p.hdr.zxid);
 * assert.ok(tree.has("/a0000000000"));
 * const bad = prep.prepare({ type: 2, request: { path: "/zookeeper", version: -1 } }, { ...ctx, zxid: 2n });
 * assert.equal(bad.hdr.type, -1);
 * assert.deepEqual(bad.txn, { err: -8 });
 * ```
 */
export class Preparer {
  #tree: DataTree<unknown>;
  #opts: PrepareOptions;
  #list: ChangeRecord[] = [];
  #head = 0;
  #byPath = new Map<string, ChangeRecord>();

  /**
   * Creates a preparer over `tree`, with no outstanding changes.
   *
   * @param tree the tree the txns will be applied to; read, never written
   * @param options ACL, quota and auth settings
   */
  constructor(tree: DataTree<unknown>, options: PrepareOptions = {}) {
    this.#tree = tree;
    this.#opts = options;
  }

  /** Drops every outstanding change (the server lost its pending writes, e.g. on a leader change). */
  clear(): void {
    this.#list = [];
    this.#head = 0;
    this.#byPath.clear();
  }

  /** Number of outstanding change records. */
  get outstanding(): number {
    return this.#list.length - this.#head;
  }

  /** Drops outstanding changes of txns up to `zxid` (applied to the tree). */
  applied(zxid: bigint): void {
    while (this.#head < this.#list.length && this.#list[this.#head].zxid <= zxid) {
      const c = this.#list[this.#head++];
      if (this.#byPath.get(c.path) === c) this.#byPath.delete(c.path);
    }
    if (this.#head > 1024 && this.#head * 2 > this.#list.length) {
      this.#list = this.#list.slice(this.#head);
      this.#head = 0;
    }
  }

  /**
   * Prepares a write request (pRequest): the txn to log and apply, or an
   * ErrorTxn with the code of the first failed check, in Apache's order.
   */
  prepare(req: WriteRequest, ctx: PrepareContext): Prepared {
    const hdr: TxnHeader = {
      clientId: ctx.sessionId,
      cxid: ctx.cxid,
      zxid: ctx.zxid,
      time: ctx.time,
      type: req.type,
    };
    const out: Prepared = { hdr, txn: null, digest: null };
    try {
      if (req.type === Op.multi) {
        this.#multi(req.request, ctx, out);
      } else {
        out.txn = this.#toTxn(req.type, req.request ?? null, ctx, out);
        if (out.digest === null) out.digest = this.#txnDigest();
      }
    } catch (e) {
      if (!(e instanceof KeeperError)) throw e;
      hdr.type = Op.error;
      out.txn = { err: e.code };
      out.digest = null;
      out.error = e;
    }
    return out;
  }

  #multi(mr: MultiOperationRecord, ctx: PrepareContext, out: Prepared): void {
    const pending = this.#pendingFor(mr);
    const txns: Txn[] = [];
    let failed: KeeperError | undefined;
    for (const op of mr.ops) {
      let type: number;
      let txn: AnyTxn;
      if (failed !== undefined) {
        type = Op.error;
        txn = { err: Err.RuntimeInconsistency };
      } else {
        try {
          txn = this.#toTxn(op.type, op.request, ctx, out)!;
          type = op.type;
        } catch (e) {
          if (!(e instanceof KeeperError)) throw e;
          failed = e;
          type = Op.error;
          txn = { err: e.code };
          out.error = e;
          this.#rollback(ctx.zxid, pending);
        }
      }
      txns.push({ type, data: encode(txnRecord(type)!, txn) });
    }
    out.txn = { txns };
    out.digest = this.#txnDigest();
  }

  #pendingFor(mr: MultiOperationRecord): Map<string, ChangeRecord> {
    const m = new Map<string, ChangeRecord>();
    for (const op of mr.ops) {
      const path = op.request.path;
      const c = this.#byPath.get(path);
      if (c !== undefined) m.set(path, c);
      const slash = path.lastIndexOf("/");
      if (slash === -1 || path.includes("\0")) continue;
      const pc = this.#byPath.get(path.substring(0, slash));
      if (pc !== undefined) m.set(pc.path, pc);
    }
    return m;
  }

  #rollback(zxid: bigint, pending: Map<string, ChangeRecord>): void {
    while (this.#list.length > this.#head && this.#list[this.#list.length - 1].zxid === zxid) {
      const c = this.#list.pop()!;
      this.#byPath.delete(c.path);
    }
    if (this.#list.length === this.#head) return;
    const first = this.#list[this.#head].zxid;
    for (const c of pending.values()) {
      if (c.zxid < first) continue;
      this.#byPath.set(c.path, c);
    }
  }

  // ---- change records ----------------------------------------------------------

  #record(path: string): ChangeRecord {
    let c = this.#byPath.get(path);
    if (c === undefined) {
      const r = this.#tree.record(path);
      if (r !== null) {
        c = {
          zxid: -1n,
          path,
          stat: r.stat,
          childCount: r.childCount,
          acl: r.acl,
          data: r.data,
          nodeDigest: r.digest,
          treeDigest: 0n,
        };
      }
    }
    if (c === undefined || c.stat === null) throw new KeeperError(Err.NoNode, { path });
    return c;
  }

  #add(c: ChangeRecord): void {
    this.#list.push(c);
    this.#byPath.set(c.path, c);
  }

  #dup(c: ChangeRecord, zxid: bigint): ChangeRecord {
    return { ...c, zxid, stat: c.stat === null ? null : copyStat(c.stat) };
  }

  #currentDigest(): bigint {
    return this.#list.length > this.#head
      ? this.#list[this.#list.length - 1].treeDigest
      : this.#tree.digest;
  }

  /** PrecalculatedDigest: sets nodeDigest and treeDigest of `c` (ADD, REMOVE or UPDATE). */
  #digest(c: ChangeRecord, kind: "add" | "remove" | "update"): void {
    if (!this.#tree.digestEnabled) return;
    const prev = kind === "add" ? 0 : this.#record(c.path).nodeDigest;
    const next = kind === "remove" ? 0 : nodeDigest(c.path, c.data, c.stat!);
    c.nodeDigest = next;
    c.treeDigest = BigInt.asIntN(64, this.#currentDigest() - BigInt(prev) + BigInt(next));
  }

  #txnDigest(): TxnDigest | null {
    return this.#tree.digestEnabled
      ? { version: DIGEST_VERSION, treeDigest: this.#currentDigest() }
      : null;
  }

  // ---- checks ---------------------------------------------------------------

  #checkAcl(
    acl: readonly ACL[] | null,
    perm: number,
    ctx: PrepareContext,
    path: string,
    op: string,
  ): void {
    if (!checkAcl(acl, perm, ctx.authInfo, this.#opts)) {
      throw new KeeperError(Err.NoAuth, { op, path });
    }
  }

  #validatePath(path: string, op: string): void {
    const reason = pathError(path);
    if (reason !== undefined) throw new KeeperError(Err.BadArguments, { op, path, reason });
  }

  #parentOfDelete(path: string, op: string): string {
    const slash = path.lastIndexOf("/");
    if (slash === -1 || path.includes("\0") || this.#tree.isSpecialPath(path)) {
      throw new KeeperError(Err.BadArguments, { op, path });
    }
    return path.substring(0, slash);
  }

  static #nextVersion(current: number, expected: number, path: string, op: string): number {
    if (expected !== -1 && expected !== current) {
      throw new KeeperError(Err.BadVersion, {
        op,
        path,
        reason: `expected ${expected}, actual ${current}`,
      });
    }
    // ZOOKEEPER-4743: skip -1 when wrapping from Integer.MAX_VALUE.
    const next = (current + 1) | 0;
    return next === -1 ? 0 : next;
  }

  /** ZooKeeperServer.checkQuota (reads the applied tree, as Apache). */
  #checkQuota(
    path: string,
    lastData: Uint8Array | null,
    data: Uint8Array | null,
    type: number,
    out: Prepared,
  ): void {
    if (!this.#opts.enforceQuota) return;
    const prefix = this.#tree.maxPrefixWithQuota(path);
    if (prefix === null) return;
    const bytes = BigInt(data === null ? 0 : data.length);
    const [bytesDiff, countDiff] = type === Op.create
      ? [bytes, 1n]
      : [bytes - BigInt(lastData === null ? 0 : lastData.length), 0n];
    const limitRec = this.#tree.record(quotaLimitPath(prefix));
    if (limitRec === null) return;
    const limit = StatsTrack.parse(limitRec.data);
    const checkCount = countDiff !== 0n && (limit.count > -1n || limit.countHardLimit > -1n);
    const checkBytes = bytesDiff !== 0n && (limit.bytes > -1n || limit.byteHardLimit > -1n);
    if (!checkCount && !checkBytes) return;
    const statRec = this.#tree.record(quotaStatPath(prefix));
    if (statRec === null) return;
    const current = StatsTrack.parse(statRec.data);
    // ZooKeeperServer.checkQuota: a hard limit refuses, a soft one only warns.
    const check = (
      what: "count" | "bytes",
      now: bigint,
      hard: bigint,
      soft: bigint,
      word: string,
    ) => {
      const isHard = hard > -1n;
      const max = isHard ? hard : soft;
      if (now <= max) return;
      const msg = `Quota exceeded: ${prefix} [current ${what}=${now}, ${
        isHard ? "hard" : "soft"
      }${word}Limit=${max}]`;
      if (isHard) {
        throw new KeeperError(Err.QuotaExceeded, { op: "checkQuota", path: prefix, reason: msg });
      }
      (out.warnings ??= []).push(msg);
    };
    if (checkCount) {
      check("count", current.count + countDiff, limit.countHardLimit, limit.count, "Count");
    }
    if (checkBytes) {
      check("bytes", current.bytes + bytesDiff, limit.byteHardLimit, limit.bytes, "Byte");
    }
  }

  // ---- pRequest2Txn -----------------------------------------------------------

  #toTxn(type: number, record: unknown, ctx: PrepareContext, out: Prepared): AnyTxn | null {
    const zxid = ctx.zxid;
    switch (type) {
      case Op.create:
      case Op.create2:
      case Op.createTTL:
      case Op.createContainer:
        return this.#create(type, record as CreateTTLRequest, ctx, out);
      case Op.deleteContainer: {
        const path = (record as { path: string }).path;
        const parentPath = this.#parentOfDelete(path, "deleteContainer");
        const node = this.#record(path);
        if (node.childCount > 0) {
          throw new KeeperError(Err.NotEmpty, { op: "deleteContainer", path });
        }
        if (
          ephemeralType(node.stat!.ephemeralOwner, this.#tree.extendedTypesEnabled) ===
            EphemeralType.Normal
        ) {
          throw new KeeperError(Err.BadVersion, { op: "deleteContainer", path });
        }
        this.#deleteRecords(path, parentPath, zxid, out);
        return { path };
      }
      case Op.delete: {
        const { path, version } = record as DeleteRequest;
        const parentPath = this.#parentOfDelete(path, "delete");
        const parent = this.#record(parentPath);
        this.#checkAcl(parent.acl, Perms.Delete, ctx, path, "delete");
        const node = this.#record(path);
        Preparer.#nextVersion(node.stat!.version, version, path, "delete");
        if (node.childCount > 0) throw new KeeperError(Err.NotEmpty, { op: "delete", path });
        this.#deleteRecords(path, parentPath, zxid, out);
        return { path };
      }
      case Op.setData: {
        const { path, data, version } = record as SetDataRequest;
        this.#validatePath(path, "setData");
        const node = this.#record(path);
        this.#checkAcl(node.acl, Perms.Write, ctx, path, "setData");
        this.#checkQuota(path, node.data, data, Op.setData, out);
        const newVersion = Preparer.#nextVersion(node.stat!.version, version, path, "setData");
        const c = this.#dup(node, zxid);
        c.stat!.version = newVersion;
        c.stat!.mtime = ctx.time;
        c.stat!.mzxid = zxid;
        c.data = data;
        this.#digest(c, "update");
        out.digest = this.#tree.digestEnabled
          ? { version: DIGEST_VERSION, treeDigest: c.treeDigest }
          : null;
        this.#add(c);
        return { path, data, version: newVersion };
      }
      case Op.setACL: {
        const { path, acl, version } = record as SetACLRequest;
        this.#validatePath(path, "setACL");
        const list = fixupAcl(path, ctx.authInfo, acl, this.#opts);
        const node = this.#record(path);
        this.#checkAcl(node.acl, Perms.Admin, ctx, path, "setACL");
        const newVersion = Preparer.#nextVersion(node.stat!.aversion, version, path, "setACL");
        const c = this.#dup(node, zxid);
        c.stat!.aversion = newVersion;
        this.#digest(c, "update");
        out.digest = this.#tree.digestEnabled
          ? { version: DIGEST_VERSION, treeDigest: c.treeDigest }
          : null;
        this.#add(c);
        return { path, acl: list, version: newVersion };
      }
      case Op.check: {
        const { path, version } = record as CheckVersionRequest;
        this.#validatePath(path, "check");
        const node = this.#record(path);
        this.#checkAcl(node.acl, Perms.Read, ctx, path, "check");
        return { path, version: Preparer.#nextVersion(node.stat!.version, version, path, "check") };
      }
      case Op.createSession:
        return { timeOut: (record as { timeOut: number }).timeOut };
      case Op.closeSession:
        return this.#closeSession(ctx);
      default:
        throw new KeeperError(Err.Unimplemented, { op: `prepare of op ${type}` });
    }
  }

  #deleteRecords(path: string, parentPath: string, zxid: bigint, out: Prepared): void {
    const parent = this.#dup(this.#record(parentPath), zxid);
    parent.childCount--;
    parent.stat!.pzxid = zxid;
    this.#digest(parent, "update");
    this.#add(parent);
    const node: ChangeRecord = {
      zxid,
      path,
      stat: null,
      childCount: -1,
      acl: null,
      data: null,
      nodeDigest: 0,
      treeDigest: 0n,
    };
    this.#digest(node, "remove");
    out.digest = this.#tree.digestEnabled
      ? { version: DIGEST_VERSION, treeDigest: node.treeDigest }
      : null;
    this.#add(node);
  }

  #closeSession(ctx: PrepareContext): AnyTxn | null {
    const zxid = ctx.zxid;
    // A clone of Apache's HashSet: its iteration order is the txn's path order.
    const es = JavaHashSet.copyOf(this.#tree.getEphemerals(ctx.sessionId));
    for (let i = this.#head; i < this.#list.length; i++) {
      const c = this.#list[i];
      if (c.stat === null) es.delete(c.path);
      else if (c.stat.ephemeralOwner === ctx.sessionId) es.add(c.path);
    }
    const paths = es.order();
    for (const path of paths) {
      if (this.#tree.digestEnabled) {
        // Apache updates the parent's pzxid here (not its child count) for the digest only.
        const parentPath = this.#parentOfDelete(path, "closeSession");
        const parent = this.#dup(this.#record(parentPath), zxid);
        parent.stat!.pzxid = zxid;
        this.#digest(parent, "update");
        this.#add(parent);
      }
      const node: ChangeRecord = {
        zxid,
        path,
        stat: null,
        childCount: 0,
        acl: null,
        data: null,
        nodeDigest: 0,
        treeDigest: 0n,
      };
      this.#digest(node, "remove");
      this.#add(node);
    }
    return (this.#opts.closeSessionTxnEnabled ?? true) ? { paths2Delete: paths } : null;
  }

  #create(type: number, req: CreateTTLRequest, ctx: PrepareContext, out: Prepared): AnyTxn {
    const zxid = ctx.zxid;
    const flags = req.flags;
    let path = req.path;
    const ttl = type === Op.createTTL ? req.ttl : -1n;
    if (flags < 0 || flags > 6 || !Number.isInteger(flags)) {
      throw new KeeperError(Err.BadArguments, {
        op: "create",
        path,
        reason: `Received an invalid flag value: ${flags} to convert to a CreateMode`,
      });
    }
    const isTtl = flags === 5 || flags === 6;
    const isSequential = flags === 2 || flags === 3 || flags === 6;
    const isEphemeral = flags === 1 || flags === 3;
    const isContainer = flags === 4;
    // validateCreateRequest
    if (isTtl && !this.#tree.extendedTypesEnabled) {
      throw new KeeperError(Err.Unimplemented, { op: "create", path });
    }
    if (isTtl) {
      try {
        ttlEphemeralOwner(ttl);
      } catch {
        throw new KeeperError(Err.BadArguments, { op: "create", path, reason: "invalid ttl" });
      }
    } else if (ttl >= 0n) {
      throw new KeeperError(Err.BadArguments, {
        op: "create",
        path,
        reason: `ttl not valid for mode: ${flags}`,
      });
    }
    // validatePathForCreate
    const slash = path.lastIndexOf("/");
    if (slash === -1 || path.includes("\0")) {
      throw new KeeperError(Err.BadArguments, { op: "create", path });
    }
    const parentPath = path.substring(0, slash);
    const acl = fixupAcl(path, ctx.authInfo, req.acl, this.#opts);
    const parent = this.#record(parentPath);
    this.#checkAcl(parent.acl, Perms.Create, ctx, path, "create");
    const parentCVersion = parent.stat!.cversion;
    if (isSequential) path = path + sequenceSuffix(parentCVersion);
    this.#validatePath(path, "create");
    if (this.#byPath.get(path)?.stat != null || (!this.#byPath.has(path) && this.#tree.has(path))) {
      throw new KeeperError(Err.NodeExists, { op: "create", path });
    }
    if (
      ephemeralType(parent.stat!.ephemeralOwner, this.#tree.extendedTypesEnabled) ===
        EphemeralType.Normal
    ) {
      throw new KeeperError(Err.NoChildrenForEphemerals, { op: "create", path });
    }
    const newCversion = (parent.stat!.cversion + 1) | 0;
    this.#checkQuota(path, null, req.data, Op.create, out);
    let txn: AnyTxn;
    if (type === Op.createContainer) {
      txn = { path, data: req.data, acl, parentCVersion: newCversion };
    } else if (type === Op.createTTL) {
      txn = { path, data: req.data, acl, parentCVersion: newCversion, ttl };
    } else {
      txn = { path, data: req.data, acl, ephemeral: isEphemeral, parentCVersion: newCversion };
    }
    let owner = 0n;
    if (isContainer) owner = CONTAINER_EPHEMERAL_OWNER;
    else if (isTtl) owner = ttlEphemeralOwner(ttl);
    else if (isEphemeral) owner = ctx.sessionId;
    const stat: StatPersisted = {
      czxid: zxid,
      mzxid: zxid,
      ctime: ctx.time,
      mtime: ctx.time,
      version: 0,
      cversion: 0,
      aversion: 0,
      ephemeralOwner: owner,
      pzxid: zxid,
    };
    const p = this.#dup(parent, zxid);
    p.childCount++;
    p.stat!.cversion = newCversion;
    p.stat!.pzxid = zxid;
    this.#digest(p, "update");
    this.#add(p);
    const node: ChangeRecord = {
      zxid,
      path,
      stat,
      childCount: 0,
      acl,
      data: req.data,
      nodeDigest: 0,
      treeDigest: 0n,
    };
    this.#digest(node, "add");
    out.digest = this.#tree.digestEnabled
      ? { version: DIGEST_VERSION, treeDigest: node.treeDigest }
      : null;
    this.#add(node);
    return txn;
  }
}
