/**
 * A ZooKeeper server node: configuration (zoo.cfg), sessions, and (coming)
 * the request pipeline, four-letter words and the admin API.
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
export * from "./sessions.ts";
