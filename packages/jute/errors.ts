/**
 * The error raised for bytes that are not a valid Jute record.
 *
 * @module
 */

/**
 * Raised when bytes from outside (a socket, a file) are not a valid encoding
 * of the expected record: truncated, a negative or oversized length, or bytes
 * left over. It names the record and the byte offset, counted from the start
 * of the bytes handed to the reader.
 *
 * @example Catch a truncated record
 * ```ts
 * import { decode, JuteDecodeError, Stat } from "@zkts/jute";
 * import assert from "node:assert/strict";
 * assert.throws(() => decode(Stat, new Uint8Array(10)), JuteDecodeError);
 * ```
 */
export class JuteDecodeError extends Error {
  /** The record being decoded, when known (the outermost one). */
  record: string | undefined;
  /** Byte offset of the problem, from the start of the reader's bytes. */
  readonly offset: number;
  /** What went wrong, without the record name. */
  readonly reason: string;

  /**
   * Creates the error for a record that failed to decode at `offset`.
   *
   * @param reason what went wrong, e.g. `"truncated: int needs 4 bytes, 2 left"`
   * @param offset byte offset of the problem
   * @param record the record being decoded, if known
   */
  constructor(reason: string, offset: number, record?: string) {
    super(JuteDecodeError.#format(reason, offset, record));
    this.name = "JuteDecodeError";
    this.reason = reason;
    this.offset = offset;
    this.record = record;
  }

  /**
   * Names the record once the outermost decoder knows it; the reader itself
   * does not track record names, so as to stay fast.
   *
   * @param record the record name, e.g. `"CreateRequest"`
   * @returns this error
   */
  withRecord(record: string): this {
    if (this.record === undefined) {
      this.record = record;
      this.message = JuteDecodeError.#format(this.reason, this.offset, record);
    }
    return this;
  }

  static #format(reason: string, offset: number, record?: string): string {
    return `${record ?? "jute"}: ${reason} at byte offset ${offset}`;
  }
}

/**
 * Raised by {@linkcode FrameSplitter} for a frame length Apache would refuse:
 * negative, or over the limit (`jute.maxbuffer`). The connection cannot be
 * resynchronised after this: close it.
 *
 * @example
 * ```ts
 * import { FrameSplitter, FrameLengthError } from "@zkts/jute";
 * import assert from "node:assert/strict";
 * const s = new FrameSplitter({ maxFrameBytes: 8 });
 * assert.throws(() => s.push(new Uint8Array([0, 0, 0, 9])), FrameLengthError);
 * ```
 */
export class FrameLengthError extends Error {
  /** The length read from the 4-byte prefix. */
  readonly length: number;
  /** The limit in force. */
  readonly maxFrameBytes: number;

  /**
   * Creates the error for a frame whose length prefix is negative or over the limit.
   *
   * @param length the offending length
   * @param maxFrameBytes the limit in force
   */
  constructor(length: number, maxFrameBytes: number) {
    super(
      length < 0
        ? `Len error ${length}: negative frame length`
        : `Len error ${length}: frame length is greater than jute.maxbuffer=${maxFrameBytes}`,
    );
    this.name = "FrameLengthError";
    this.length = length;
    this.maxFrameBytes = maxFrameBytes;
  }
}
