/**
 * The final step of a request (Apache ZooKeeper's FinalRequestProcessor), as
 * pure functions over the tree: the reply (error code and response record) of
 * an applied write, and the reads, watch requests and multiRead answered from
 * the tree with Apache's ACL checks.
 *
 * @module
 */
import {
  type AddWatchRequest,
  type CheckWatchesRequest,
  ErrorCode as Err,
  type ExistsRequest,
  type GetACLRequest,
  type GetAllChildrenNumberRequest,
  type GetChildren2Request,
  type GetChildrenRequest,
  type GetDataRequest,
  type GetEphemeralsRequest,
  type Id,
  type MultiOperationRecord,
  type MultiResult,
  OpCode as Op,
  Perms,
  type RemoveWatchesRequest,
  type SetWatches2,
  type SyncRequest,
} from "@zkts/jute";
import { type AclCheckOptions, checkAcl, redactDigests } from "./acl.ts";
import { KeeperError } from "./errors.ts";
import type { DataTree, ProcessTxnResult, WatchEvent } from "./tree.ts";

/** What a reply carries: the error code of the ReplyHeader and the response record (null: none). */
export interface Reply<W> {
  /** The error code for the ReplyHeader (`ErrorCode`); 0 for success. */
  err: number;
  /** The response record to write after the header, or null for none. */
  response: unknown | null;
  /** Watch events to deliver at once (setWatches: what the client missed). */
  events: WatchEvent<W>[];
}

/**
 * The reply to an applied write (FinalRequestProcessor): a failed request
 * answers its code and no record; a multi answers every op's result with
 * header code 0, as Apache does.
 *
 * @param type the request's op code.
 * @param rc what `DataTree.processTxn` returned for its txn.
 *
 * @example
 * ```ts
 * import { DataTree, writeReply } from "@zkts/datatree";
 * import assert from "node:assert/strict";
 * const tree = new DataTree();
 * const acl = [{ perms: 31, id: { scheme: "world", id: "anyone" } }];
 * const rc = tree.processTxn(
 *   { clientId: 1n, cxid: 1, zxid: 1n, time: 0n, type: 1 },
 *   { path: "/a", data: null, acl, ephemeral: false, parentCVersion: -1 },
 * );
 * assert.deepEqual(writeReply(1, rc), { err: 0, response: { path: "/a" }, events: [] });
 * ```
 */
export function writeReply<W>(type: number, rc: ProcessTxnResult<W>): Reply<W> {
  const none: WatchEvent<W>[] = [];
  if (type !== Op.multi && (rc.type === Op.error || rc.err !== 0)) {
    return { err: rc.err, response: null, events: none };
  }
  switch (type) {
    case Op.create:
      return { err: 0, response: { path: rc.path }, events: none };
    case Op.create2:
    case Op.createTTL:
    case Op.createContainer:
      return { err: 0, response: { path: rc.path, stat: rc.stat }, events: none };
    case Op.setData:
    case Op.setACL:
      return { err: 0, response: { stat: rc.stat }, events: none };
    case Op.multi: {
      if (rc.type === Op.error) return { err: rc.err, response: null, events: none };
      const results: MultiResult[] = (rc.multiResult ?? []).map((r): MultiResult => {
        switch (r.type) {
          case Op.check:
            return { type: Op.check };
          case Op.create:
            return { type: Op.create, path: r.path! };
          case Op.create2:
          case Op.createTTL:
          case Op.createContainer:
            return { type: Op.create2, path: r.path!, stat: r.stat! };
          case Op.delete:
          case Op.deleteContainer:
            return { type: Op.delete };
          case Op.setData:
            return { type: Op.setData, stat: r.stat! };
          default:
            return { type: Op.error, err: r.err };
        }
      });
      return { err: 0, response: { results }, events: none };
    }
    default:
      // delete, deleteContainer, closeSession, createSession: the header alone.
      return { err: 0, response: null, events: none };
  }
}

/** A request answered from the tree, without a txn. */
export type ReadRequest =
  | { type: typeof Op.getData; request: GetDataRequest }
  | { type: typeof Op.exists; request: ExistsRequest }
  | { type: typeof Op.getChildren; request: GetChildrenRequest }
  | { type: typeof Op.getChildren2; request: GetChildren2Request }
  | { type: typeof Op.getACL; request: GetACLRequest }
  | { type: typeof Op.getAllChildrenNumber; request: GetAllChildrenNumberRequest }
  | { type: typeof Op.getEphemerals; request: GetEphemeralsRequest }
  | { type: typeof Op.addWatch; request: AddWatchRequest }
  | { type: typeof Op.checkWatches; request: CheckWatchesRequest }
  | { type: typeof Op.removeWatches; request: RemoveWatchesRequest }
  | {
    type: typeof Op.setWatches | typeof Op.setWatches2;
    request:
      & Omit<SetWatches2, "persistentWatches" | "persistentRecursiveWatches">
      & Partial<SetWatches2>;
  }
  | { type: typeof Op.sync; request: SyncRequest }
  | { type: typeof Op.multiRead; request: MultiOperationRecord };

/** Who reads: the watcher that stands for its connection, its session and its ids. */
export interface ReadContext<W> {
  /** The connection's watcher: any watch the read leaves is registered for it. */
  watcher: W;
  /** The session of the reading connection. */
  sessionId: bigint;
  /** The session's authenticated ids (ip included). */
  authInfo: readonly Id[];
}

/**
 * Answers a read, a watch request or a multiRead from the tree as
 * FinalRequestProcessor: NoNode, then the ACL check (READ; getACL READ or
 * ADMIN, digests redacted without ADMIN; exists checks READ only from 3.9 on),
 * then the answer, setting the watch asked for.
 *
 * @example
 * ```ts
 * import { DataTree, processRead } from "@zkts/datatree";
 * import assert from "node:assert/strict";
 * const tree = new DataTree<string>();
 * const ctx = { watcher: "conn-1", sessionId: 1n, authInfo: [] };
 * const r = processRead(tree, { type: 3, request: { path: "/a", watch: true } }, ctx);
 * assert.equal(r.err, -101); // exists on a missing node: NoNode, and the watch is set
 * assert.ok(tree.containsWatcher("/a", 2, "conn-1"));
 * ```
 */
export function processRead<W>(
  tree: DataTree<W>,
  req: ReadRequest,
  ctx: ReadContext<W>,
  options: AclCheckOptions = {},
): Reply<W> {
  const none: WatchEvent<W>[] = [];
  const ok = (response: unknown | null): Reply<W> => ({ err: 0, response, events: none });
  const fail = (err: number): Reply<W> => ({ err, response: null, events: none });
  const may = (path: string, perm: number) =>
    checkAcl(tree.aclOf(path), perm, ctx.authInfo, options);
  const watcher = (watch: boolean) => (watch ? ctx.watcher : undefined);
  try {
    switch (req.type) {
      case Op.exists: {
        const { path, watch } = req.request;
        if (path.includes("\0")) return fail(Err.BadArguments);
        if (tree.apacheVersion !== "3.8" && tree.has(path) && !may(path, Perms.Read)) {
          return fail(Err.NoAuth);
        }
        const stat = tree.exists(path, watcher(watch));
        return stat === null ? fail(Err.NoNode) : ok({ stat });
      }
      case Op.getData: {
        const { path, watch } = req.request;
        if (!tree.has(path)) return fail(Err.NoNode);
        if (!may(path, Perms.Read)) return fail(Err.NoAuth);
        return ok(tree.getData(path, watcher(watch)));
      }
      case Op.getChildren:
      case Op.getChildren2: {
        const { path, watch } = req.request;
        if (!tree.has(path)) return fail(Err.NoNode);
        if (!may(path, Perms.Read)) return fail(Err.NoAuth);
        const { children, stat } = tree.getChildren(path, watcher(watch));
        return ok(req.type === Op.getChildren ? { children } : { children, stat });
      }
      case Op.getACL: {
        const { path } = req.request;
        if (!tree.has(path)) return fail(Err.NoNode);
        if (!may(path, Perms.Read | Perms.Admin)) return fail(Err.NoAuth);
        const { acl, stat } = tree.getACL(path);
        return ok({ acl: may(path, Perms.Admin) ? acl : redactDigests(acl), stat });
      }
      case Op.getAllChildrenNumber: {
        const { path } = req.request;
        if (!tree.has(path)) return fail(Err.NoNode);
        if (!may(path, Perms.Read)) return fail(Err.NoAuth);
        return ok({ totalNumber: tree.getAllChildrenNumber(path) });
      }
      case Op.getEphemerals:
        return ok({ ephemerals: tree.getEphemerals(ctx.sessionId, req.request.prefixPath) });
      case Op.addWatch:
        tree.addWatch(req.request.path, ctx.watcher, req.request.mode);
        return ok({ err: 0 });
      case Op.checkWatches:
        return tree.containsWatcher(req.request.path, req.request.type, ctx.watcher)
          ? ok(null)
          : fail(Err.NoWatcher);
      case Op.removeWatches:
        return tree.removeWatch(req.request.path, req.request.type, ctx.watcher)
          ? ok(null)
          : fail(Err.NoWatcher);
      case Op.setWatches:
      case Op.setWatches2: {
        const r = req.request;
        const events = tree.setWatches(r.relativeZxid, {
          dataWatches: r.dataWatches,
          existWatches: r.existWatches,
          childWatches: r.childWatches,
          persistentWatches: req.type === Op.setWatches2 ? r.persistentWatches : [],
          persistentRecursiveWatches: req.type === Op.setWatches2
            ? r.persistentRecursiveWatches
            : [],
        }, ctx.watcher);
        return { err: 0, response: null, events };
      }
      case Op.sync:
        return ok({ path: req.request.path });
      case Op.multiRead: {
        const results: MultiResult[] = req.request.ops.map((op): MultiResult => {
          if (op.type !== Op.getData && op.type !== Op.getChildren) {
            throw new KeeperError(Err.MarshallingError, {
              op: "multiRead",
              reason: `Invalid type of readOp ${op.type}`,
            });
          }
          const r = processRead(tree, op as ReadRequest, ctx, options);
          if (r.err !== 0) return { type: Op.error, err: r.err };
          const body = r.response as { data: Uint8Array | null; stat: never; children: string[] };
          return op.type === Op.getData
            ? { type: Op.getData, data: body.data, stat: body.stat }
            : { type: Op.getChildren, children: body.children };
        });
        return ok({ results });
      }
      default:
        return fail(Err.Unimplemented);
    }
  } catch (e) {
    if (e instanceof KeeperError) return fail(e.code);
    if (e instanceof RangeError) return fail(Err.MarshallingError); // addWatch with an unknown mode
    throw e;
  }
}
