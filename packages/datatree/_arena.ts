/**
 * A byte arena in 1 MiB chunks, for the names and the data of the node store.
 *
 * Why chunks: one big arena has to be copied whole when it grows and
 * compacted whole when garbage piles up (setData leaves the old bytes
 * behind), which for a million znodes stalls the event loop for 50-150 ms.
 * Here growth adds a chunk, and a chunk that is half garbage has its live
 * entries moved to the current chunk and is dropped: at most half a MiB
 * moved at a time, well under a millisecond.
 *
 * Addresses are 32-bit: chunk index × 1 MiB + offset in the chunk (so 4 GiB
 * in all). An entry longer than {@linkcode BIG_BYTES} gets a chunk of its
 * own, exactly its size, at offset 0.
 *
 * Bytes of a chunk are never rewritten in place: new entries go above its
 * top, and a compacted chunk is dropped, never reused (its index is, with a
 * new buffer). So {@linkcode ChunkArena.frozen} can share the chunks: a
 * snapshot reads the bytes of the moment it was taken without a copy.
 *
 * Private to the package.
 *
 * @module
 */

/** log2 of the chunk size. */
export const CHUNK_BITS = 20;
const CHUNK_BYTES = 1 << CHUNK_BITS;
const OFFSET_MASK = CHUNK_BYTES - 1;
/** Entries longer than this get a chunk of their own. */
export const BIG_BYTES = CHUNK_BYTES >>> 3;
const MAX_CHUNKS = 4096; // 32-bit addresses
const EMPTY = new Uint8Array(0);

/** How the arena finds, for a relocation, where an owner's entry lives now. */
export interface ArenaOwners {
  /** The address of `id`'s live entry, or -1 when `id` has none. */
  addressOf(id: number): number;
  /** The length of `id`'s live entry. */
  lengthOf(id: number): number;
  /** `id`'s entry moved to `address`. */
  moved(id: number, address: number): void;
}

/** A byte arena of 1 MiB chunks with per-chunk garbage accounting. */
export class ChunkArena {
  #chunks: (Uint8Array | undefined)[] = [];
  #tops: number[] = [];
  #garbage: number[] = [];
  /** Per chunk, the ids that allocated in it (a live check tells which still own bytes there). */
  #owners: (Int32Array | undefined)[] = [];
  #ownerCounts: number[] = [];
  #freeIndexes: number[] = [];
  #current = -1;
  #owner: ArenaOwners | undefined;
  /** Bytes held by chunks and owner lists. */
  allocated = 0;

  /** @param owners how to relocate entries; none for a frozen (read-only) arena */
  constructor(owners?: ArenaOwners) {
    this.#owner = owners;
  }

  /** The chunk holding `address` (its offset there is `address & OFFSET_MASK`). */
  chunk(address: number): Uint8Array {
    return this.#chunks[address >>> CHUNK_BITS] ?? EMPTY;
  }

  /** Allocates `len` bytes for `id`; returns the address (0 for an empty entry). */
  alloc(len: number, id: number): number {
    if (len === 0) return 0;
    if (len > BIG_BYTES) {
      const ci = this.#newChunk(len);
      this.#tops[ci] = len;
      this.#own(ci, id);
      return ci * CHUNK_BYTES;
    }
    let ci = this.#current;
    if (ci < 0 || this.#tops[ci] + len > CHUNK_BYTES) {
      ci = this.#current = this.#newChunk(CHUNK_BYTES);
    }
    const top = this.#tops[ci];
    this.#tops[ci] = top + len;
    this.#own(ci, id);
    return ci * CHUNK_BYTES + top;
  }

  /** The entry of `len` bytes at `address` is garbage now. */
  free(address: number, len: number): void {
    if (len === 0) return;
    const ci = address >>> CHUNK_BITS;
    const g = this.#garbage[ci] += len;
    if (ci !== this.#current && g * 2 >= this.#tops[ci]) this.#compact(ci);
  }

  /** The bytes of the moment: shares the chunks (see the module doc). Read only. */
  frozen(): ChunkArena {
    const a = new ChunkArena();
    a.#chunks = this.#chunks.slice();
    return a;
  }

  /** Live bytes (allocated minus garbage, not counting unused chunk tails). */
  get liveBytes(): number {
    let n = 0;
    for (let ci = 0; ci < this.#chunks.length; ci++) {
      if (this.#chunks[ci]) n += this.#tops[ci] - this.#garbage[ci];
    }
    return n;
  }

  #newChunk(bytes: number): number {
    let ci = this.#freeIndexes.pop();
    if (ci === undefined) {
      ci = this.#chunks.length;
      if (ci >= MAX_CHUNKS) throw new RangeError("datatree arena full (4 GiB)");
      this.#chunks.push(undefined);
      this.#tops.push(0);
      this.#garbage.push(0);
      this.#owners.push(undefined);
      this.#ownerCounts.push(0);
    }
    this.#chunks[ci] = new Uint8Array(bytes);
    this.#tops[ci] = 0;
    this.#garbage[ci] = 0;
    this.#owners[ci] = new Int32Array(bytes === CHUNK_BYTES ? 1024 : 1);
    this.#ownerCounts[ci] = 0;
    this.allocated += bytes + this.#owners[ci]!.byteLength;
    return ci;
  }

  #own(ci: number, id: number): void {
    let owners = this.#owners[ci]!;
    const n = this.#ownerCounts[ci];
    if (n === owners.length) {
      const next = new Int32Array(n * 2);
      next.set(owners);
      this.allocated += next.byteLength - owners.byteLength;
      owners = this.#owners[ci] = next;
    }
    owners[n] = id;
    this.#ownerCounts[ci] = n + 1;
  }

  /** Moves the live entries of chunk `ci` to the current chunk and drops `ci`. */
  #compact(ci: number): void {
    const owner = this.#owner!;
    const from = this.#chunks[ci]!;
    const owners = this.#owners[ci]!;
    const n = this.#ownerCounts[ci];
    this.allocated -= from.byteLength + owners.byteLength;
    // Dropped first, so that the moves below cannot land in it.
    this.#chunks[ci] = undefined;
    this.#owners[ci] = undefined;
    this.#ownerCounts[ci] = 0;
    this.#tops[ci] = 0;
    this.#garbage[ci] = 0;
    for (let i = 0; i < n; i++) {
      const id = owners[i];
      const at = owner.addressOf(id);
      // Not live, or live elsewhere (it moved or was set again): nothing to move.
      if (at < 0 || at >>> CHUNK_BITS !== ci) continue;
      const len = owner.lengthOf(id);
      const to = this.alloc(len, id);
      const dst = this.chunk(to);
      const d = to & OFFSET_MASK;
      const s = at & OFFSET_MASK;
      if (len <= 64) { for (let k = 0; k < len; k++) dst[d + k] = from[s + k]; }
      else dst.set(from.subarray(s, s + len), d);
      owner.moved(id, to);
    }
    this.#freeIndexes.push(ci);
  }
}

/** The offset of `address` in its chunk. */
export function offsetIn(address: number): number {
  return address & OFFSET_MASK;
}
