/**
 * A Jute binary reader (Apache's `BinaryInputArchive`) over a `Uint8Array`.
 *
 * @module
 */

import { decodeJavaUtf8 } from "./_utf8.ts";
import { JuteDecodeError } from "./errors.ts";
import type { JuteRecord } from "./record.ts";

/** Options of a {@linkcode JuteReader}. */
export interface JuteReaderOptions {
  /**
   * When true, `buffer` fields are returned as views into the reader's bytes
   * (`subarray`) instead of copies. Safe only while those bytes are not
   * reused (e.g. a frame the caller owns); default false.
   */
  borrow?: boolean;
}

/**
 * Reads Jute primitives big-endian from `bytes[offset, end)`, as Apache's
 * `BinaryInputArchive` does, checking every length against the bytes left
 * before allocating. Errors are {@linkcode JuteDecodeError}s giving the byte
 * offset, counted from the start of `bytes`.
 *
 * @example Read an int and a string
 * ```ts
 * import { JuteReader } from "@zkts/jute";
 * import assert from "node:assert/strict";
 * const r = new JuteReader(new Uint8Array([0, 0, 0, 7, 0, 0, 0, 2, 0x2f, 0x61]));
 * assert.equal(r.readInt(), 7);
 * assert.equal(r.readString(), "/a");
 * r.expectEnd();
 * ```
 */
export class JuteReader {
  /** The bytes read from; offsets count from their start. */
  readonly bytes: Uint8Array;
  /** Position of the next byte to read. */
  offset: number;
  /** One past the last byte this reader may read. */
  readonly end: number;
  /** Whether `buffer` fields are views (see {@linkcode JuteReaderOptions.borrow}). */
  readonly borrow: boolean;
  #view: DataView;

  /**
   * Creates a reader over `bytes[offset, end)`.
   *
   * @param bytes the bytes to read
   * @param offset where to start (default 0)
   * @param end where to stop (default `bytes.length`)
   * @param options see {@linkcode JuteReaderOptions}
   */
  constructor(
    bytes: Uint8Array,
    offset: number = 0,
    end: number = bytes.length,
    options: JuteReaderOptions = {},
  ) {
    if (offset < 0 || end > bytes.length || offset > end) {
      throw new RangeError(`bad reader window [${offset}, ${end}) over ${bytes.length} bytes`);
    }
    this.bytes = bytes;
    this.offset = offset;
    this.end = end;
    this.borrow = options.borrow ?? false;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** Bytes left to read. */
  get remaining(): number {
    return this.end - this.offset;
  }

  #need(n: number, what: string): void {
    if (this.end - this.offset < n) {
      throw new JuteDecodeError(
        `truncated: ${what} needs ${n} bytes, ${this.end - this.offset} left`,
        this.offset,
      );
    }
  }

  /** Reads one byte as a signed number (Jute `byte`). */
  readByte(): number {
    this.#need(1, "byte");
    return this.#view.getInt8(this.offset++);
  }

  /** Reads a Jute `boolean`: one byte, non-zero is true (as `DataInput.readBoolean`). */
  readBool(): boolean {
    this.#need(1, "boolean");
    return this.bytes[this.offset++] !== 0;
  }

  /** Reads a Jute `int`: 4 bytes, big-endian, signed. */
  readInt(): number {
    const o = this.offset;
    if (this.end - o < 4) this.#need(4, "int");
    this.offset = o + 4;
    return this.#view.getInt32(o);
  }

  /** Reads a Jute `long`: 8 bytes, big-endian, signed, as a bigint. */
  readLong(): bigint {
    const o = this.offset;
    if (this.end - o < 8) this.#need(8, "long");
    this.offset = o + 8;
    return this.#view.getBigInt64(o);
  }

  // A length prefix: -1 is null; other negatives and lengths past the end are errors.
  #length(what: string): number {
    const at = this.offset;
    const len = this.readInt();
    if (len < -1) throw new JuteDecodeError(`negative ${what} length ${len}`, at);
    if (len > this.end - this.offset) {
      throw new JuteDecodeError(
        `truncated: ${what} of length ${len}, ${this.end - this.offset} bytes left`,
        at,
      );
    }
    return len;
  }

  /**
   * Reads a Jute `buffer`; length -1 gives null. A copy, or a view when the
   * reader borrows.
   */
  readBuffer(): Uint8Array | null {
    const len = this.#length("buffer");
    if (len === -1) return null;
    const o = this.offset;
    this.offset = o + len;
    return this.borrow ? this.bytes.subarray(o, o + len) : this.bytes.slice(o, o + len);
  }

  /** Reads a Jute `ustring` that must not be null (length -1 is an error). */
  readString(): string {
    const at = this.offset;
    const s = this.readStringOrNull();
    if (s === null) throw new JuteDecodeError("null string where one is required", at);
    return s;
  }

  /** Reads a Jute `ustring`; length -1 gives null. Decoded as Apache's JDK does. */
  readStringOrNull(): string | null {
    const len = this.#length("string");
    if (len === -1) return null;
    const o = this.offset;
    this.offset = o + len;
    return decodeJavaUtf8(this.bytes, o, o + len);
  }

  /**
   * Reads a Jute `vector` that must not be null: a count, then the items.
   * The count is checked against the bytes left (every item takes at least
   * one byte) before anything is allocated.
   */
  readVector<T>(item: (r: JuteReader) => T): T[] {
    const at = this.offset;
    const v = this.readVectorOrNull(item);
    if (v === null) throw new JuteDecodeError("null vector where one is required", at);
    return v;
  }

  /** Reads a Jute `vector`; count -1 gives null. */
  readVectorOrNull<T>(item: (r: JuteReader) => T): T[] | null {
    const n = this.#length("vector");
    if (n === -1) return null;
    const out: T[] = [];
    for (let i = 0; i < n; i++) out.push(item(this));
    return out;
  }

  /** Reads a nested record. */
  readRecord<T>(rec: JuteRecord<T>): T {
    return rec.read(this);
  }

  /**
   * Throws unless every byte was read.
   *
   * @throws {JuteDecodeError} when bytes are left
   */
  expectEnd(): void {
    if (this.offset !== this.end) {
      throw new JuteDecodeError(`${this.end - this.offset} trailing bytes`, this.offset);
    }
  }
}

/**
 * Decodes `bytes[start, end)` as Apache's `BinaryInputArchive.readString`
 * does (the JDK's `new String(bytes, UTF_8)`: each malformed sequence becomes
 * U+FFFD by the JDK's rules), for code that walks Jute bytes itself.
 *
 * @example
 * ```ts
 * import { decodeJuteString } from "@zkts/jute";
 * import assert from "node:assert/strict";
 * assert.equal(decodeJuteString(new Uint8Array([0x2f, 0x61, 0xed, 0xa0, 0x80]), 0, 5), "/a\ufffd");
 * ```
 */
export function decodeJuteString(bytes: Uint8Array, start: number, end: number): string {
  return decodeJavaUtf8(bytes, start, end);
}
