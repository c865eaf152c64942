/**
 * A ZooKeeper server node: zoo.cfg, sessions, the request pipeline
 * (prep → sync → final) as a pure core with a thin I/O shell, four-letter
 * words. Standalone mode lives here.
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
