/**
 * The znode data tree of zkts: Apache ZooKeeper's DataTree semantics (stats,
 * sequential names, ephemerals, containers, TTL nodes, ACLs, quotas, watches,
 * txn application, tree digest) in a compact struct-of-arrays store.
 *
 * @example
 * ```ts
 * import { DataTree } from "@zkts/datatree";
 * import assert from "node:assert/strict";
 * const tree = new DataTree();
 * assert.deepEqual(tree.getChildren("/").children, ["zookeeper"]);
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
