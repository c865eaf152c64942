/**
 * A ZooKeeper server node: zoo.cfg (every key Apache acts on honoured or
 * refused), sessions, the request pipeline (prep → sync → final) as a pure
 * core with thin I/O shells — `ZkServer` standalone, `QuorumPeer` an
 * ensemble member (FastLeaderElection, then ZAB) — four-letter words, the
 * admin API and metrics.
 *
 * @example
 * ```ts
 * import { parseConfig } from "@zkts/server";
 * import assert from "node:assert/strict";
 * const config = parseConfig("tickTime=2000\ndataDir=/tmp/zk\nclientPort=2181\n");
 * assert.equal(config.clientPort, 2181);
 * ```
 *
 * @module
 */
export * from "./config.ts";
export * from "./dynamic_config.ts";
export * from "./config_keys.ts";
export * from "./sessions.ts";
export * from "./auth.ts";
export * from "./core.ts";
export * from "./server.ts";
export * from "./four_letter.ts";
export * from "./admin.ts";
export * from "./log.ts";
export * from "./quorum.ts";
