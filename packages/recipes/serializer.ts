/**
 * Serializers: how recipes that carry values (configuration, service
 * instances, queue items, 2PC payloads) turn them into znode data.
 * msgpack is the default; raw bytes and JSON are the other options.
 *
 * @module
 */
import { decode, encode } from "@msgpack/msgpack";

/** Turns values of type `T` into znode data and back. */
export interface Serializer<T> {
  /** The znode data for `value`. */
  encode(value: T): Uint8Array;
  /** The value stored in `data` (an empty or null data gives what the serializer says). */
  decode(data: Uint8Array): T;
}

/**
 * msgpack (`@msgpack/msgpack`): compact, typed (numbers, strings, arrays,
 * maps, bytes, null); the default of every recipe.
 *
 * @example
 * ```ts
 * import { msgpack } from "@zkts/recipes";
 * import assert from "node:assert/strict";
 * const s = msgpack<{ port: number }>();
 * assert.deepEqual(s.decode(s.encode({ port: 2181 })), { port: 2181 });
 * ```
 */
export function msgpack<T>(): Serializer<T> {
  return {
    encode: (v) => encode(v),
    decode: (b) => (b.length === 0 ? null : decode(b)) as T,
  };
}

/**
 * JSON text in UTF-8: readable with zkCli.sh `get`.
 *
 * @example
 * ```ts
 * import { json } from "@zkts/recipes";
 * import assert from "node:assert/strict";
 * const s = json<string[]>();
 * assert.equal(new TextDecoder().decode(s.encode(["a"])), '["a"]');
 * assert.deepEqual(s.decode(s.encode(["a"])), ["a"]);
 * ```
 */
export function json<T>(): Serializer<T> {
  const te = new TextEncoder();
  const td = new TextDecoder();
  return {
    encode: (v) => te.encode(JSON.stringify(v)),
    decode: (b) => (b.length === 0 ? null : JSON.parse(td.decode(b))) as T,
  };
}

/**
 * The bytes as they are.
 *
 * @example
 * ```ts
 * import { raw } from "@zkts/recipes";
 * import assert from "node:assert/strict";
 * assert.deepEqual(raw().encode(new Uint8Array([1, 2])), new Uint8Array([1, 2]));
 * ```
 */
export function raw(): Serializer<Uint8Array> {
  return { encode: (v) => v, decode: (b) => b };
}

/**
 * UTF-8 text (zkCli.sh writes values this way).
 *
 * @example
 * ```ts
 * import { utf8 } from "@zkts/recipes";
 * import assert from "node:assert/strict";
 * assert.equal(utf8().decode(utf8().encode("v1")), "v1");
 * ```
 */
export function utf8(): Serializer<string> {
  const te = new TextEncoder();
  const td = new TextDecoder();
  return { encode: (v) => te.encode(v), decode: (b) => td.decode(b) };
}
