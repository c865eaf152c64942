/**
 * The shape of a Jute record codec, and one-shot encode/decode.
 *
 * @module
 */

import { JuteDecodeError } from "./errors.ts";
import { JuteReader, type JuteReaderOptions } from "./reader.ts";
import { JuteWriter } from "./writer.ts";

/**
 * A codec for one Jute record type: every record is an interface plus a
 * same-named const of this type (`Stat` the type, `Stat` the codec).
 *
 * @example A record of one's own
 * ```ts
 * import { decode, encode, type JuteRecord } from "@zkts/jute";
 * import assert from "node:assert/strict";
 * interface Pair { a: number; b: string }
 * const Pair: JuteRecord<Pair> = {
 *   name: "Pair",
 *   write(w, v) { w.writeInt(v.a); w.writeString(v.b); },
 *   read(r) { return { a: r.readInt(), b: r.readString() }; },
 * };
 * assert.deepEqual(decode(Pair, encode(Pair, { a: 1, b: "x" })), { a: 1, b: "x" });
 * ```
 */
export interface JuteRecord<T> {
  /** The record's name in zookeeper.jute (or Apache's class). */
  readonly name: string;
  /** Appends `v`'s encoding to `w`. */
  write(w: JuteWriter, v: T): void;
  /** Reads one record from `r`, leaving `r` just past it. */
  read(r: JuteReader): T;
}

const shared = new JuteWriter(4096);

/**
 * Encodes one record into a new `Uint8Array` (a copy; for hot paths write
 * into your own {@linkcode JuteWriter} instead).
 *
 * @param rec the record's codec, e.g. `Stat`
 * @param value the record
 * @returns its Jute bytes
 *
 * @example
 * ```ts
 * import { encode, Id } from "@zkts/jute";
 * import assert from "node:assert/strict";
 * const bytes = encode(Id, { scheme: "world", id: "anyone" });
 * assert.equal(bytes.length, 4 + 5 + 4 + 6);
 * ```
 */
export function encode<T>(rec: JuteRecord<T>, value: T): Uint8Array {
  shared.reset();
  try {
    rec.write(shared, value);
    return shared.toBytes();
  } finally {
    shared.reset();
  }
}

/**
 * Decodes exactly one record from `bytes`.
 *
 * @param rec the record's codec
 * @param bytes its encoding, nothing more
 * @param options `borrow: true` returns `buffer` fields as views into `bytes`
 * @returns the record
 * @throws {JuteDecodeError} when the bytes are truncated, hold a bad length or
 * have bytes left over; the error names `rec` and the byte offset
 *
 * @example
 * ```ts
 * import { decode, encode, Id } from "@zkts/jute";
 * import assert from "node:assert/strict";
 * const id = { scheme: "digest", id: "u:pw" };
 * assert.deepEqual(decode(Id, encode(Id, id)), id);
 * ```
 */
export function decode<T>(
  rec: JuteRecord<T>,
  bytes: Uint8Array,
  options?: JuteReaderOptions,
): T {
  const r = new JuteReader(bytes, 0, bytes.length, options);
  try {
    const v = rec.read(r);
    r.expectEnd();
    return v;
  } catch (e) {
    if (e instanceof JuteDecodeError) throw e.withRecord(rec.name);
    throw e;
  }
}

/**
 * Reads one record from a reader, naming the record in any
 * {@linkcode JuteDecodeError}; does not require the reader to be at its end.
 *
 * @param rec the record's codec
 * @param r the reader, left just past the record
 * @returns the record
 * @throws {JuteDecodeError} naming `rec`
 *
 * @example Header then body
 * ```ts
 * import { encode, JuteReader, readRecord, ReplyHeader } from "@zkts/jute";
 * import assert from "node:assert/strict";
 * const r = new JuteReader(encode(ReplyHeader, { xid: 1, zxid: 5n, err: 0 }));
 * assert.equal(readRecord(ReplyHeader, r).zxid, 5n);
 * assert.equal(r.remaining, 0);
 * ```
 */
export function readRecord<T>(rec: JuteRecord<T>, r: JuteReader): T {
  try {
    return rec.read(r);
  } catch (e) {
    if (e instanceof JuteDecodeError) throw e.withRecord(rec.name);
    throw e;
  }
}
