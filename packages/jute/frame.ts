/**
 * Length-prefixed frames, as ZooKeeper connections carry them: a 4-byte
 * big-endian length, then that many bytes.
 *
 * @module
 */

import { JUTE_MAXBUFFER_DEFAULT } from "./constants.ts";
import { FrameLengthError } from "./errors.ts";

/**
 * Prefixes a payload with its 4-byte big-endian length.
 *
 * @param payload the frame's bytes (e.g. a RequestHeader and its body)
 * @returns a new array: length, then payload
 *
 * @example
 * ```ts
 * import { encodeFrame } from "@zkts/jute";
 * import assert from "node:assert/strict";
 * assert.deepEqual(encodeFrame(new Uint8Array([7, 8])), new Uint8Array([0, 0, 0, 2, 7, 8]));
 * ```
 */
export function encodeFrame(payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + payload.length);
  new DataView(out.buffer).setInt32(0, payload.length);
  out.set(payload, 4);
  return out;
}

/** Options of a {@linkcode FrameSplitter}. */
export interface FrameSplitterOptions {
  /**
   * The largest frame length accepted (`jute.maxbuffer`), default
   * {@linkcode JUTE_MAXBUFFER_DEFAULT}. As Apache (NIOServerCnxn.readLength,
   * ClientCnxnSocket.readLength), a length `< 0` or `> maxFrameBytes` is an
   * error; `maxFrameBytes` itself is accepted.
   */
  maxFrameBytes?: number;
}

/**
 * Cuts a byte stream into frames. Feed it chunks as they arrive; it returns
 * the complete frames' payloads (without the length prefix), in order.
 *
 * Zero-copy: a frame that lies whole in one pushed chunk is returned as a
 * view (`subarray`) of that chunk, so the caller must not overwrite a chunk
 * while frames from it are in use. A frame spread over several chunks is
 * assembled into a fresh array of exactly its length, allocated only once
 * its length has passed the limit check.
 *
 * @example Two frames, split awkwardly
 * ```ts
 * import { FrameSplitter } from "@zkts/jute";
 * import assert from "node:assert/strict";
 * const s = new FrameSplitter();
 * assert.deepEqual(s.push(new Uint8Array([0, 0, 0, 2, 1])), []);
 * assert.deepEqual(s.push(new Uint8Array([2, 0, 0, 0, 1, 9])), [
 *   new Uint8Array([1, 2]),
 *   new Uint8Array([9]),
 * ]);
 * assert.equal(s.buffered, 0);
 * ```
 */
export class FrameSplitter {
  /** The limit in force, see {@linkcode FrameSplitterOptions.maxFrameBytes}. */
  readonly maxFrameBytes: number;
  #head = new Uint8Array(4);
  #headLen = 0;
  #body: Uint8Array | null = null;
  #bodyLen = 0;

  /**
   * Creates a splitter with nothing buffered.
   *
   * @param options see {@linkcode FrameSplitterOptions}
   */
  constructor(options: FrameSplitterOptions = {}) {
    this.maxFrameBytes = options.maxFrameBytes ?? JUTE_MAXBUFFER_DEFAULT;
  }

  /** Bytes held back: the start of a frame still incomplete. */
  get buffered(): number {
    return this.#headLen + this.#bodyLen;
  }

  /**
   * Adds a chunk of the stream.
   *
   * @param chunk the bytes that arrived
   * @returns the frames completed by it, possibly none
   * @throws {FrameLengthError} for a negative or oversized length; the stream
   * cannot be resynchronised, so close the connection
   */
  push(chunk: Uint8Array): Uint8Array[] {
    const frames: Uint8Array[] = [];
    let i = 0;
    const n = chunk.length;
    // Finish a frame begun in earlier chunks.
    if (this.#headLen > 0 || this.#body !== null) {
      i = this.#continue(chunk, frames);
    }
    // Whole frames inside this chunk: views, no copies.
    while (n - i >= 4) {
      const len = (chunk[i] << 24) | (chunk[i + 1] << 16) | (chunk[i + 2] << 8) | chunk[i + 3];
      this.#check(len);
      if (n - i - 4 >= len) {
        frames.push(chunk.subarray(i + 4, i + 4 + len));
        i += 4 + len;
      } else {
        this.#body = new Uint8Array(len);
        this.#body.set(chunk.subarray(i + 4), 0);
        this.#bodyLen = n - i - 4;
        return frames;
      }
    }
    // A partial length prefix.
    while (i < n) this.#head[this.#headLen++] = chunk[i++];
    return frames;
  }

  #check(len: number): void {
    if (len < 0 || len > this.maxFrameBytes) {
      this.#headLen = 0;
      this.#body = null;
      this.#bodyLen = 0;
      throw new FrameLengthError(len, this.maxFrameBytes);
    }
  }

  // Completes the pending prefix and/or body from `chunk`; returns bytes used.
  #continue(chunk: Uint8Array, frames: Uint8Array[]): number {
    let i = 0;
    if (this.#body === null) {
      while (this.#headLen < 4 && i < chunk.length) this.#head[this.#headLen++] = chunk[i++];
      if (this.#headLen < 4) return i;
      const h = this.#head;
      const len = (h[0] << 24) | (h[1] << 16) | (h[2] << 8) | h[3];
      this.#check(len);
      this.#headLen = 0;
      this.#body = new Uint8Array(len);
      this.#bodyLen = 0;
    }
    const body = this.#body;
    const take = Math.min(body.length - this.#bodyLen, chunk.length - i);
    body.set(chunk.subarray(i, i + take), this.#bodyLen);
    this.#bodyLen += take;
    i += take;
    if (this.#bodyLen === body.length) {
      frames.push(body);
      this.#body = null;
      this.#bodyLen = 0;
    }
    return i;
  }
}
