/**
 * The znode data tree of zkts: Apache ZooKeeper's semantics, exactly, in a
 * compact struct-of-arrays store (about 150 bytes per znode; Apache 3.8 holds
 * about 350 for the same tree).
 *
 * - {@linkcode Preparer}: PrepRequestProcessor — a write request becomes a txn
 *   (or an ErrorTxn), checked against the tree plus outstanding changes.
 * - {@linkcode DataTree}: DataTree — `processTxn` applies a txn
 *   deterministically and returns the result and the watch events to deliver;
 *   reads, watches, ephemerals, containers, TTL nodes, quotas, the digest,
 *   snapshot streaming (`nodes()`) and loading (`load()`).
 * - {@linkcode processRead}, {@linkcode writeReply}: FinalRequestProcessor —
 *   the answer to a read or watch request, the reply to an applied write.
 * - ACLs ({@linkcode checkAcl}, {@linkcode fixupAcl}, {@linkcode AclCache}),
 *   paths ({@linkcode pathError}), quotas ({@linkcode StatsTrack}), the digest
 *   ({@linkcode nodeDigest}).
 *
 * @example Prepare, apply, read
 * ```ts
 * import { DataTree, Preparer, processRead, writeReply } from "@zkts/datatree";
 * import assert from "node:assert/strict";
 *
 * const tree = new DataTree<string>();
 * const prep = new Preparer(tree);
 * const acl = [{ perms: 31, id: { scheme: "world", id: "anyone" } }];
 * const ctx = { sessionId: 0x1000n, cxid: 1, zxid: 1n, time: 1_000n, authInfo: [] };
 *
 * const p = prep.prepare({ type: 1, request: { path: "/app", data: null, acl, flags: 0 } }, ctx);
 * const rc = tree.processTxn(p.hdr, p.txn); // a server logs p.hdr, p.txn and p.digest first
 * prep.applied(p.hdr.zxid);
 * assert.deepEqual(writeReply(1, rc).response, { path: "/app" });
 *
 * const read = processRead(tree, { type: 12, request: { path: "/", watch: true } }, {
 *   watcher: "conn-1",
 *   sessionId: 0x1000n,
 *   authInfo: [],
 * });
 * assert.deepEqual((read.response as { children: string[] }).children.sort(), ["app", "zookeeper"]);
 * ```
 *
 * @module
 */
export * from "./tree.ts";
export * from "./prep.ts";
export * from "./final.ts";
export * from "./acl.ts";
export * from "./path.ts";
export * from "./digest.ts";
export * from "./quota.ts";
export * from "./watches.ts";
export * from "./errors.ts";
