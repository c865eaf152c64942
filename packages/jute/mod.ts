/**
 * The ZooKeeper Jute wire codec, byte-exact with Apache ZooKeeper 3.8/3.9:
 * every record of zookeeper.jute, multi requests and responses, op and error
 * codes, and length-prefixed frames.
 *
 * Each record is an interface plus a same-named codec (`Stat` the type,
 * `Stat` the codec). Jute `int` is a number, `long` a bigint, `buffer` a
 * `Uint8Array | null` (null is length -1), `ustring` a string, `vector<T>` an
 * array.
 *
 * @example Encode a request frame and decode it back
 * ```ts
 * import { decode, encode, GetDataRequest, OpCode } from "@zkts/jute";
 * import assert from "node:assert/strict";
 * const bytes = encode(GetDataRequest, { path: "/app", watch: true });
 * assert.deepEqual(decode(GetDataRequest, bytes), { path: "/app", watch: true });
 * assert.equal(OpCode.getData, 4);
 * ```
 *
 * @module
 */

export * from "./constants.ts";
export * from "./errors.ts";
export * from "./reader.ts";
export * from "./writer.ts";
export * from "./record.ts";
export * from "./data.ts";
export * from "./proto.ts";
export * from "./txn.ts";
export * from "./quorum.ts";
export * from "./path.ts";
export * from "./multi.ts";
export * from "./ops.ts";
export * from "./txn_entry.ts";
export * from "./frame.ts";
export * from "./snapshot.ts";
