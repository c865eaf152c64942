// Snappy, as Apache ZooKeeper's `snapshot.<zxid>.snappy` needs it: the raw
// Snappy block format (github.com/google/snappy format_description.txt), and
// snappy-java's SnappyOutputStream stream around it: an 8-byte magic
// (0x82 "SNAPPY" 0x00), int version 1, int compatible version 1, then per
// block of at most 32 KiB uncompressed an int compressed length and the block
// (big-endian ints, no checksum: the snapshot's own Adler32 covers the bytes).

const MAGIC = [0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00];
/** snappy-java's SnappyOutputStream.DEFAULT_BLOCK_SIZE. */
export const SNAPPY_BLOCK_BYTES = 32 * 1024;
const HASH_BITS = 14;

export function snappyStreamHeader(): Uint8Array {
  const h = new Uint8Array(16);
  h.set(MAGIC);
  h[11] = 1; // version
  h[15] = 1; // minimum compatible version
  return h;
}

export function isSnappyStream(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && MAGIC.every((b, i) => bytes[i] === b);
}

function load32(b: Uint8Array, i: number): number {
  return (b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24)) >>> 0;
}

/** Compresses one block (greedy matching over a 16 Ki-entry hash table). */
export function snappyCompress(src: Uint8Array): Uint8Array {
  const n = src.length;
  const out = new Uint8Array(32 + n + Math.ceil(n / 6));
  let o = 0;
  // Preamble: the uncompressed length as a little-endian varint.
  let len = n;
  while (len >= 0x80) {
    out[o++] = (len & 0x7f) | 0x80;
    len >>>= 7;
  }
  out[o++] = len;
  const emitLiteral = (from: number, to: number) => {
    let count = to - from;
    if (count <= 0) return;
    const l = count - 1;
    if (l < 60) out[o++] = l << 2;
    else if (l < 0x100) (out[o++] = 60 << 2), (out[o++] = l);
    else if (l < 0x10000) (out[o++] = 61 << 2), (out[o++] = l & 0xff), (out[o++] = l >>> 8);
    else {
      out[o++] = 62 << 2;
      out[o++] = l & 0xff;
      out[o++] = (l >>> 8) & 0xff;
      out[o++] = l >>> 16;
    }
    out.set(src.subarray(from, to), o);
    o += count;
    count = 0;
  };
  const emitCopy = (offset: number, length: number) => {
    while (length > 0) {
      // A copy with a 2-byte offset holds 1..64 bytes.
      const piece = Math.min(64, length);
      out[o++] = ((piece - 1) << 2) | 2;
      out[o++] = offset & 0xff;
      out[o++] = offset >>> 8;
      length -= piece;
    }
  };
  const table = new Int32Array(1 << HASH_BITS).fill(-1);
  let literalStart = 0;
  let i = 0;
  while (i + 4 <= n) {
    const word = load32(src, i);
    const h = Math.imul(word, 0x1e35a7bd) >>> (32 - HASH_BITS);
    const candidate = table[h];
    table[h] = i;
    if (candidate >= 0 && i - candidate < 0x10000 && load32(src, candidate) === word) {
      emitLiteral(literalStart, i);
      let length = 4;
      while (i + length < n && src[candidate + length] === src[i + length]) length++;
      emitCopy(i - candidate, length);
      i += length;
      literalStart = i;
    } else {
      i++;
    }
  }
  emitLiteral(literalStart, n);
  return out.subarray(0, o);
}

/** Decompresses one raw Snappy block. */
export function snappyDecompress(src: Uint8Array): Uint8Array {
  let i = 0;
  let n = 0;
  for (let shift = 0;; shift += 7) {
    if (i >= src.length || shift > 28) throw new Error("snappy: bad length preamble");
    const b = src[i++];
    n |= (b & 0x7f) << shift;
    if (b < 0x80) break;
  }
  n >>>= 0;
  const out = new Uint8Array(n);
  let o = 0;
  while (i < src.length) {
    const tag = src[i++];
    const type = tag & 3;
    if (type === 0) {
      let l = tag >>> 2;
      if (l >= 60) {
        const bytes = l - 59;
        l = 0;
        for (let k = 0; k < bytes; k++) l |= src[i++] << (8 * k);
        l >>>= 0;
      }
      l += 1;
      if (i + l > src.length || o + l > n) throw new Error("snappy: literal out of bounds");
      out.set(src.subarray(i, i + l), o);
      i += l;
      o += l;
      continue;
    }
    let length: number;
    let offset: number;
    if (type === 1) {
      length = 4 + ((tag >>> 2) & 7);
      offset = ((tag >>> 5) << 8) | src[i++];
    } else if (type === 2) {
      length = 1 + (tag >>> 2);
      offset = src[i] | (src[i + 1] << 8);
      i += 2;
    } else {
      length = 1 + (tag >>> 2);
      offset = (src[i] | (src[i + 1] << 8) | (src[i + 2] << 16) | (src[i + 3] << 24)) >>> 0;
      i += 4;
    }
    if (offset === 0 || offset > o || o + length > n) throw new Error("snappy: copy out of bounds");
    // Byte by byte: a copy may overlap what it produces.
    for (let k = 0; k < length; k++, o++) out[o] = out[o - offset];
  }
  if (o !== n) throw new Error(`snappy: ${o} bytes decoded, ${n} announced`);
  return out;
}

/** Decodes a snappy-java SnappyOutputStream (several concatenated streams allowed). */
export function snappyStreamDecode(bytes: Uint8Array): Uint8Array {
  const parts: Uint8Array[] = [];
  let total = 0;
  let i = 0;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  while (i < bytes.length) {
    if (isSnappyStream(bytes.subarray(i))) {
      if (i + 16 > bytes.length) throw new Error("snappy: truncated stream header");
      i += 16;
      continue;
    }
    if (i + 4 > bytes.length) throw new Error("snappy: truncated block length");
    const len = view.getInt32(i);
    i += 4;
    if (len < 0 || i + len > bytes.length) throw new Error("snappy: truncated block");
    const block = snappyDecompress(bytes.subarray(i, i + len));
    i += len;
    parts.push(block);
    total += block.length;
  }
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Encodes one stream block: int compressed length, then the block. */
export function snappyStreamBlock(block: Uint8Array): Uint8Array {
  const c = snappyCompress(block);
  const out = new Uint8Array(4 + c.length);
  new DataView(out.buffer).setInt32(0, c.length);
  out.set(c, 4);
  return out;
}
