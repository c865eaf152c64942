/**
 * A Jute binary writer (Apache's `BinaryOutputArchive`) over one growable
 * buffer.
 *
 * @module
 */

import { encodeJavaUtf8 } from "./_utf8.ts";
import type { JuteRecord } from "./record.ts";

/**
 * Writes Jute primitives big-endian into one growable buffer, as Apache's
 * `BinaryOutputArchive` does (strings in the same UTF-8 as Java: one code
 * unit at a time). Reuse one writer per connection: {@linkcode reset} keeps
 * the buffer. {@linkcode bytes} is a borrowed view, valid until the next
 * write or reset; {@linkcode toBytes} is a copy.
 *
 * @example Write a RequestHeader by hand
 * ```ts
 * import { JuteWriter } from "@zkts/jute";
 * import assert from "node:assert/strict";
 * const w = new JuteWriter();
 * w.writeInt(1);
 * w.writeInt(4);
 * assert.deepEqual(w.toBytes(), new Uint8Array([0, 0, 0, 1, 0, 0, 0, 4]));
 * ```
 */
export class JuteWriter {
  #buf: Uint8Array;
  #view: DataView;
  #pos = 0;

  /**
   * Creates an empty writer; its buffer grows as records are written.
   *
   * @param initialBytes the starting capacity (default 1024)
   */
  constructor(initialBytes: number = 1024) {
    this.#buf = new Uint8Array(Math.max(16, initialBytes));
    this.#view = new DataView(this.#buf.buffer);
  }

  /** Bytes written since the last reset. */
  get length(): number {
    return this.#pos;
  }

  /** Forgets what was written; keeps the buffer. */
  reset(): void {
    this.#pos = 0;
  }

  /** A view of the bytes written: borrowed, valid until the next write or reset. */
  bytes(): Uint8Array {
    return this.#buf.subarray(0, this.#pos);
  }

  /** A copy of the bytes written. */
  toBytes(): Uint8Array {
    return this.#buf.slice(0, this.#pos);
  }

  /**
   * Makes room for `n` more bytes.
   *
   * @param n bytes about to be written
   */
  ensure(n: number): void {
    const need = this.#pos + n;
    if (need <= this.#buf.length) return;
    let cap = this.#buf.length * 2;
    while (cap < need) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.#buf.subarray(0, this.#pos));
    this.#buf = next;
    this.#view = new DataView(next.buffer);
  }

  /** Writes one byte (Jute `byte`). */
  writeByte(v: number): void {
    this.ensure(1);
    this.#buf[this.#pos++] = v;
  }

  /** Writes a Jute `boolean`: 1 or 0. */
  writeBool(v: boolean): void {
    this.ensure(1);
    this.#buf[this.#pos++] = v ? 1 : 0;
  }

  /** Writes a Jute `int`: 4 bytes, big-endian. */
  writeInt(v: number): void {
    this.ensure(4);
    this.#view.setInt32(this.#pos, v);
    this.#pos += 4;
  }

  /** Writes a Jute `long`: 8 bytes, big-endian, from a bigint (taken modulo 2^64). */
  writeLong(v: bigint): void {
    this.ensure(8);
    this.#view.setBigInt64(this.#pos, v);
    this.#pos += 8;
  }

  /** Writes a Jute `buffer`: length then bytes; null is length -1. */
  writeBuffer(v: Uint8Array | null): void {
    if (v === null) {
      this.writeInt(-1);
      return;
    }
    this.ensure(4 + v.length);
    this.#view.setInt32(this.#pos, v.length);
    this.#buf.set(v, this.#pos + 4);
    this.#pos += 4 + v.length;
  }

  /** Writes a Jute `ustring`: UTF-8 length then bytes; null is length -1. */
  writeString(v: string | null): void {
    if (v === null) {
      this.writeInt(-1);
      return;
    }
    const n = v.length;
    this.ensure(4 + n * 3);
    const start = this.#pos + 4;
    const buf = this.#buf;
    let p = start;
    let i = 0;
    for (; i < n; i++) {
      const c = v.charCodeAt(i);
      if (c >= 0x80) break;
      buf[p++] = c;
    }
    if (i < n) p = encodeJavaUtf8(v.substring(i), buf, p);
    this.#view.setInt32(this.#pos, p - start);
    this.#pos = p;
  }

  /** Writes a Jute `vector`: count then items; null is count -1. */
  writeVector<T>(v: readonly T[] | null, item: (w: JuteWriter, x: T) => void): void {
    if (v === null) {
      this.writeInt(-1);
      return;
    }
    this.writeInt(v.length);
    for (let i = 0; i < v.length; i++) item(this, v[i]);
  }

  /** Writes a nested record. */
  writeRecord<T>(rec: JuteRecord<T>, v: T): void {
    rec.write(this, v);
  }

  /**
   * Writes raw bytes with no length prefix.
   *
   * @param v the bytes
   */
  writeRaw(v: Uint8Array): void {
    this.ensure(v.length);
    this.#buf.set(v, this.#pos);
    this.#pos += v.length;
  }

  /**
   * Starts a length-prefixed frame: reserves the 4-byte length and returns
   * its offset, for {@linkcode endFrame}.
   *
   * @returns the offset of the length prefix
   */
  startFrame(): number {
    const mark = this.#pos;
    this.writeInt(0);
    return mark;
  }

  /**
   * Ends a frame begun by {@linkcode startFrame}: writes the number of bytes
   * written since into its length prefix.
   *
   * @param mark what `startFrame` returned
   */
  endFrame(mark: number): void {
    this.patchInt(mark, this.#pos - mark - 4);
  }

  /**
   * Overwrites 4 bytes already written at `offset` with an int (e.g. a frame
   * length reserved up front).
   *
   * @param offset where the int goes, `< length - 3`
   * @param v the int
   */
  patchInt(offset: number, v: number): void {
    if (offset < 0 || offset + 4 > this.#pos) throw new RangeError(`patchInt at ${offset}`);
    this.#view.setInt32(offset, v);
  }
}
