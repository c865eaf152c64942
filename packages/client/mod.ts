/**
 * The zkts ZooKeeper client: sessions over a connect string with chroot,
 * pipelined requests, watches (one-shot and persistent) re-registered after
 * reconnects, auth, and typed errors carrying Apache's codes. Works against
 * Apache ZooKeeper and zkts alike.
 *
 * @example
 * ```ts ignore
 * import { ZooKeeper } from "@zkts/client";
 * import { CreateMode } from "@zkts/jute";
 * const zk = await ZooKeeper.connect("127.0.0.1:2181");
 * await zk.create("/lock-", null, { mode: CreateMode.EphemeralSequential });
 * console.log(await zk.getChildren("/"));
 * await zk.close();
 * ```
 *
 * @module
 */
export * from "./client.ts";
export * from "./errors.ts";
export * from "./paths.ts";
