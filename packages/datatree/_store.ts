/**
 * The node store: every znode is an integer id into typed-array columns.
 *
 * Why: a JavaScript object per znode with a Map of children costs several
 * hundred bytes of heap; Apache ZooKeeper 3.8 holds ~360 bytes per znode.
 * Here a znode costs its columns (~100 bytes), one slot of the name hash
 * table, and its name and data bytes in two shared byte arenas. See
 * docs/datatree.md for the figures.
 *
 * Private to the package: the tree (tree.ts) is the only user.
 *
 * @module
 */
import { crc32Update } from "./digest.ts";

/** No node: the end of a sibling list, the root's parent. */
export const NIL = -1;
/** Marks a freed id in `nameLen`. */
const FREE = -2;
/** `dataLen` of a node whose data is null (Apache distinguishes null from empty). */
export const NULL_DATA = -1;

const INITIAL_CAPACITY = 1024;
const INITIAL_ARENA_BYTES = 64 * 1024;

/** Asserts an invariant of ours; a failure is our bug, in production too. */
export function assert(cond: unknown, msg: string): asserts cond {
  if (!cond) throw new Error(`datatree invariant broken: ${msg}`);
}

/** A growable byte arena with garbage accounting; compaction is driven by the store. */
class ByteArena {
  buf: Uint8Array;
  top = 0;
  garbage = 0;
  constructor(bytes: number) {
    this.buf = new Uint8Array(bytes);
  }
  /** A copy of the used part. */
  copy(): ByteArena {
    const a = new ByteArena(0);
    a.buf = this.buf.slice(0, Math.max(this.top, 1));
    a.top = this.top;
    a.garbage = this.garbage;
    return a;
  }
  alloc(len: number): number {
    // Offsets are kept in Uint32 columns: 4 GiB per arena (live data plus not yet compacted garbage).
    assert(this.top + len <= 0xffffffff, "byte arena within 4 GiB");
    if (this.top + len > this.buf.length) {
      let cap = this.buf.length;
      while (this.top + len > cap) cap = Math.ceil(cap * 1.5);
      const next = new Uint8Array(cap);
      next.set(this.buf.subarray(0, this.top));
      this.buf = next;
    }
    const off = this.top;
    this.top += len;
    return off;
  }
}

const utf8 = new TextEncoder();
const utf8d = new TextDecoder();

/**
 * Encodes `s` into `out` from `at`, growing nothing; returns the bytes written
 * or -1 when `out` is too small. ASCII fast path: paths are nearly always ASCII.
 */
function encodeInto(s: string, out: Uint8Array, at: number): number {
  const n = s.length;
  if (at + n <= out.length) {
    let i = 0;
    for (; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) break;
      out[at + i] = c;
    }
    if (i === n) return n;
  }
  if (at + n * 3 > out.length) return -1;
  return utf8.encodeInto(s, out.subarray(at)).written;
}

function hashBytes(seed: number, b: Uint8Array, s: number, e: number): number {
  let h = (0x811c9dc5 ^ Math.imul(seed, 0x9e3779b1)) | 0;
  for (let i = s; i < e; i++) h = Math.imul(h ^ b[i], 0x01000193);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 12;
  return h;
}

/**
 * Struct-of-arrays storage of znodes: stats, tree links (first child, circular
 * previous sibling, next sibling), ACL reference, name and data offsets, and an
 * open-addressing hash table from (parent id, name bytes) to id.
 */
export class NodeStore {
  capacity = 0;
  /** Live nodes. */
  count = 0;
  /** Ids below `top` have been handed out at least once. */
  top = 0;
  #freeHead = NIL;

  czxid = new BigInt64Array(0);
  mzxid = new BigInt64Array(0);
  pzxid = new BigInt64Array(0);
  ctime = new BigInt64Array(0);
  mtime = new BigInt64Array(0);
  ephemeralOwner = new BigInt64Array(0);
  version = new Int32Array(0);
  cversion = new Int32Array(0);
  aversion = new Int32Array(0);
  parent = new Int32Array(0);
  firstChild = new Int32Array(0);
  /** Previous sibling; the first child's `prevSibling` is the last child (circular). */
  prevSibling = new Int32Array(0);
  nextSibling = new Int32Array(0);
  numChildren = new Int32Array(0);
  acl = new Int32Array(0);
  dataOff = new Uint32Array(0);
  dataLen = new Int32Array(0);
  nameOff = new Uint32Array(0);
  nameLen = new Int32Array(0);
  /**
   * log2 of the capacity Apache's children HashSet would have (starts at 8,
   * doubles past 3/4 full, never shrinks): its iteration order is the order
   * clients see children in.
   */
  childCap = new Uint8Array(0);

  #names = new ByteArena(INITIAL_ARENA_BYTES);
  #datas = new ByteArena(INITIAL_ARENA_BYTES);

  #table = new Int32Array(0);
  #mask = 0;

  /** Scratch for encoding paths. */
  #scratch = new Uint8Array(4096);

  constructor() {
    this.#grow(INITIAL_CAPACITY);
    this.#table = new Int32Array(INITIAL_CAPACITY * 2).fill(NIL);
    this.#mask = this.#table.length - 1;
  }

  #grow(cap: number): void {
    const grow = <T extends BigInt64Array | Int32Array | Uint32Array | Uint8Array>(a: T): T => {
      const n = new (a.constructor as { new (n: number): T })(cap);
      n.set(a as never);
      return n;
    };
    this.czxid = grow(this.czxid);
    this.mzxid = grow(this.mzxid);
    this.pzxid = grow(this.pzxid);
    this.ctime = grow(this.ctime);
    this.mtime = grow(this.mtime);
    this.ephemeralOwner = grow(this.ephemeralOwner);
    this.version = grow(this.version);
    this.cversion = grow(this.cversion);
    this.aversion = grow(this.aversion);
    this.parent = grow(this.parent);
    this.firstChild = grow(this.firstChild);
    this.prevSibling = grow(this.prevSibling);
    this.nextSibling = grow(this.nextSibling);
    this.numChildren = grow(this.numChildren);
    this.acl = grow(this.acl);
    this.dataOff = grow(this.dataOff);
    this.dataLen = grow(this.dataLen);
    this.nameOff = grow(this.nameOff);
    this.nameLen = grow(this.nameLen);
    this.childCap = grow(this.childCap);
    this.capacity = cap;
  }

  /**
   * A copy of the store as it is now, for a snapshot written while the tree
   * keeps changing: the columns, the arenas and the hash table are copied
   * (memcpy of about 120 bytes a node), so the copy is a consistent point in
   * time that later changes cannot touch. Read it; do not change it.
   */
  clone(): NodeStore {
    const c = new NodeStore();
    const n = this.top;
    c.capacity = n;
    c.count = this.count;
    c.top = n;
    c.czxid = this.czxid.slice(0, n);
    c.mzxid = this.mzxid.slice(0, n);
    c.pzxid = this.pzxid.slice(0, n);
    c.ctime = this.ctime.slice(0, n);
    c.mtime = this.mtime.slice(0, n);
    c.ephemeralOwner = this.ephemeralOwner.slice(0, n);
    c.version = this.version.slice(0, n);
    c.cversion = this.cversion.slice(0, n);
    c.aversion = this.aversion.slice(0, n);
    c.parent = this.parent.slice(0, n);
    c.firstChild = this.firstChild.slice(0, n);
    c.prevSibling = this.prevSibling.slice(0, n);
    c.nextSibling = this.nextSibling.slice(0, n);
    c.numChildren = this.numChildren.slice(0, n);
    c.acl = this.acl.slice(0, n);
    c.dataOff = this.dataOff.slice(0, n);
    c.dataLen = this.dataLen.slice(0, n);
    c.nameOff = this.nameOff.slice(0, n);
    c.nameLen = this.nameLen.slice(0, n);
    c.childCap = this.childCap.slice(0, n);
    c.#names = this.#names.copy();
    c.#datas = this.#datas.copy();
    c.#table = this.#table.slice();
    c.#mask = this.#mask;
    c.#freeHead = NIL;
    return c;
  }

  /** Bytes held by columns, arenas and the hash table (for the memory figures). */
  get bytesAllocated(): number {
    return this.capacity * (6 * 8 + 12 * 4 + 1) + this.#table.length * 4 +
      this.#names.buf.length + this.#datas.buf.length;
  }

  isLive(id: number): boolean {
    return id >= 0 && id < this.top && this.nameLen[id] !== FREE;
  }

  // ---- names and lookup ----------------------------------------------------

  #encodePath(path: string): number {
    let n = encodeInto(path, this.#scratch, 0);
    while (n < 0) {
      this.#scratch = new Uint8Array(this.#scratch.length * 4 + path.length * 3);
      n = encodeInto(path, this.#scratch, 0);
    }
    return n;
  }

  #probe(parent: number, b: Uint8Array, s: number, e: number, h: number): number {
    const table = this.#table;
    const names = this.#names.buf;
    const len = e - s;
    let i = h & this.#mask;
    for (;;) {
      const id = table[i];
      if (id === NIL) return NIL;
      if (this.parent[id] === parent && this.nameLen[id] === len) {
        const off = this.nameOff[id];
        let k = 0;
        while (k < len && names[off + k] === b[s + k]) k++;
        if (k === len) return id;
      }
      i = (i + 1) & this.#mask;
    }
  }

  /** The child of `parent` named `name`, or NIL. */
  child(parent: number, name: string): number {
    const n = this.#encodePath(name);
    return this.#probe(parent, this.#scratch, 0, n, hashBytes(parent, this.#scratch, 0, n));
  }

  /**
   * The id of the node at a validated absolute `path` below `root`, or NIL.
   * "/" is the root.
   */
  lookup(root: number, path: string): number {
    const n = this.#encodePath(path);
    const b = this.#scratch;
    let id = root;
    let s = 1;
    if (n === 1) return root;
    while (s <= n) {
      let e = s;
      while (e < n && b[e] !== 0x2f) e++;
      if (e === s) return NIL;
      id = this.#probe(id, b, s, e, hashBytes(id, b, s, e));
      if (id === NIL) return NIL;
      s = e + 1;
    }
    return id;
  }

  name(id: number): string {
    const len = this.nameLen[id];
    const off = this.nameOff[id];
    const b = this.#names.buf;
    if (len <= 64) {
      let ascii = 0;
      for (let i = 0; i < len; i++) ascii |= b[off + i];
      if (ascii < 0x80) {
        return String.fromCharCode.apply(null, b.subarray(off, off + len) as unknown as number[]);
      }
    }
    return utf8d.decode(b.subarray(off, off + len));
  }

  /** The names of `ids` joined with "/" (one decode for many names). */
  namesJoined(ids: Int32Array): string {
    let total = 0;
    for (let i = 0; i < ids.length; i++) total += this.nameLen[ids[i]] + 1;
    if (this.#scratch.length < total) this.#scratch = new Uint8Array(total * 2);
    const out = this.#scratch;
    const names = this.#names.buf;
    let at = 0;
    for (let i = 0; i < ids.length; i++) {
      if (i > 0) out[at++] = 0x2f;
      const off = this.nameOff[ids[i]];
      const len = this.nameLen[ids[i]];
      for (let k = 0; k < len; k++) out[at + k] = names[off + k];
      at += len;
    }
    return utf8d.decode(out.subarray(0, at));
  }

  /** java.lang.String.hashCode of the name of `id` (from the bytes when ASCII). */
  nameJavaHash(id: number): number {
    const len = this.nameLen[id];
    const off = this.nameOff[id];
    const b = this.#names.buf;
    let h = 0;
    for (let i = 0; i < len; i++) {
      const c = b[off + i];
      if (c >= 0x80) {
        const s = this.name(id);
        h = 0;
        for (let k = 0; k < s.length; k++) h = (Math.imul(h, 31) + s.charCodeAt(k)) | 0;
        return h;
      }
      h = (Math.imul(h, 31) + c) | 0;
    }
    return h;
  }

  /** Continues a CRC32 state over the name bytes of `id` (no view allocated). */
  crcName(id: number, state: number): number {
    const off = this.nameOff[id];
    return crc32Update(state, this.#names.buf, off, off + this.nameLen[id]);
  }

  /** The name bytes of `id` (a borrowed view: valid until the next store change). */
  nameBytes(id: number): Uint8Array {
    const off = this.nameOff[id];
    return this.#names.buf.subarray(off, off + this.nameLen[id]);
  }

  /** The absolute path of `id` ("/" for the root). */
  path(id: number): string {
    if (this.parent[id] === NIL) return "/";
    const parts: string[] = [];
    for (let p = id; this.parent[p] !== NIL; p = this.parent[p]) parts.push(this.name(p));
    let s = "";
    for (let i = parts.length - 1; i >= 0; i--) s += "/" + parts[i];
    return s;
  }

  /** The table hash of a stored node: its parent id and name bytes. */
  #hashOf(id: number): number {
    const off = this.nameOff[id];
    return hashBytes(this.parent[id], this.#names.buf, off, off + this.nameLen[id]);
  }

  #insertSlot(id: number, h: number): void {
    if ((this.count + 1) * 10 > this.#table.length * 7) this.#rehash(this.#table.length * 2);
    let i = h & this.#mask;
    while (this.#table[i] !== NIL) i = (i + 1) & this.#mask;
    this.#table[i] = id;
  }

  #rehash(size: number): void {
    const old = this.#table;
    this.#table = new Int32Array(size).fill(NIL);
    this.#mask = size - 1;
    for (let j = 0; j < old.length; j++) {
      const id = old[j];
      if (id === NIL) continue;
      let i = this.#hashOf(id) & this.#mask;
      while (this.#table[i] !== NIL) i = (i + 1) & this.#mask;
      this.#table[i] = id;
    }
  }

  /** Linear probing with backward-shift deletion: no tombstones. */
  #removeSlot(id: number): void {
    const table = this.#table;
    const mask = this.#mask;
    let i = this.#hashOf(id) & mask;
    while (table[i] !== id) {
      assert(table[i] !== NIL, "node is in the hash table");
      i = (i + 1) & mask;
    }
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      const other = table[j];
      if (other === NIL) break;
      const k = this.#hashOf(other) & mask;
      // Move `other` into the hole at i unless its home k lies cyclically in (i, j].
      if (i <= j ? (i < k && k <= j) : (i < k || k <= j)) continue;
      table[i] = other;
      i = j;
    }
    table[i] = NIL;
  }

  // ---- data ----------------------------------------------------------------

  data(id: number): Uint8Array | null {
    const len = this.dataLen[id];
    if (len === NULL_DATA) return null;
    if (len === 0) return new Uint8Array(0);
    const off = this.dataOff[id];
    return this.#datas.buf.slice(off, off + len);
  }

  /** A borrowed view of the data (valid until the next store change), or null. */
  dataView(id: number): Uint8Array | null {
    const len = this.dataLen[id];
    if (len === NULL_DATA) return null;
    const off = this.dataOff[id];
    return this.#datas.buf.subarray(off, off + Math.max(len, 0));
  }

  setData(id: number, data: Uint8Array | null): void {
    const old = this.dataLen[id];
    if (old > 0) this.#datas.garbage += old;
    // Not live any more: a compaction below must not copy the old bytes.
    this.dataLen[id] = 0;
    if (data === null) {
      this.dataLen[id] = NULL_DATA;
      this.dataOff[id] = 0;
    } else if (data.length === 0) {
      this.dataLen[id] = 0;
      this.dataOff[id] = 0;
    } else {
      this.#maybeCompactData(data.length);
      const off = this.#datas.alloc(data.length);
      this.#datas.buf.set(data, off);
      this.dataOff[id] = off;
      this.dataLen[id] = data.length;
    }
  }

  #maybeCompactData(incoming: number): void {
    const a = this.#datas;
    if (a.garbage < 1 << 20 || a.garbage * 2 < a.top) return;
    if (a.top + incoming <= a.buf.length && a.garbage * 4 < a.buf.length) return;
    const live = a.top - a.garbage;
    const next = new Uint8Array(Math.max(INITIAL_ARENA_BYTES, Math.ceil((live + incoming) * 1.25)));
    let top = 0;
    for (let id = 0; id < this.top; id++) {
      const len = this.dataLen[id];
      if (this.nameLen[id] === FREE || len <= 0) continue;
      const off = this.dataOff[id];
      next.set(a.buf.subarray(off, off + len), top);
      this.dataOff[id] = top;
      top += len;
    }
    a.buf = next;
    a.top = top;
    a.garbage = 0;
  }

  #maybeCompactNames(): void {
    const a = this.#names;
    if (a.garbage < 1 << 20 || a.garbage * 2 < a.top) return;
    const next = new Uint8Array(
      Math.max(INITIAL_ARENA_BYTES, Math.ceil((a.top - a.garbage) * 1.25)),
    );
    let top = 0;
    for (let id = 0; id < this.top; id++) {
      const len = this.nameLen[id];
      if (len <= 0) continue;
      const off = this.nameOff[id];
      next.set(a.buf.subarray(off, off + len), top);
      this.nameOff[id] = top;
      top += len;
    }
    a.buf = next;
    a.top = top;
    a.garbage = 0;
  }

  // ---- allocation ----------------------------------------------------------

  #allocId(): number {
    let id = this.#freeHead;
    if (id !== NIL) {
      this.#freeHead = this.nextSibling[id];
    } else {
      if (this.top === this.capacity) this.#grow(Math.ceil(this.capacity * 1.25));
      id = this.top++;
    }
    return id;
  }

  /**
   * Adds a node named `name` (UTF-8 bytes `nameBytes[s..e)`) under `parent`
   * (NIL for the root) at the end of its child list; stats are zero.
   */
  #add(parent: number, b: Uint8Array, s: number, e: number): number {
    const id = this.#allocId();
    const len = e - s;
    const off = this.#names.alloc(len);
    this.#names.buf.set(b.subarray(s, e), off);
    this.nameOff[id] = off;
    this.nameLen[id] = len;
    this.parent[id] = parent;
    this.firstChild[id] = NIL;
    this.nextSibling[id] = NIL;
    this.prevSibling[id] = id;
    this.numChildren[id] = 0;
    this.childCap[id] = 3;
    this.czxid[id] = 0n;
    this.mzxid[id] = 0n;
    this.pzxid[id] = 0n;
    this.ctime[id] = 0n;
    this.mtime[id] = 0n;
    this.ephemeralOwner[id] = 0n;
    this.version[id] = 0;
    this.cversion[id] = 0;
    this.aversion[id] = 0;
    this.acl[id] = -1;
    this.dataLen[id] = 0;
    this.dataOff[id] = 0;
    if (parent !== NIL) {
      const first = this.firstChild[parent];
      if (first === NIL) {
        this.firstChild[parent] = id;
      } else {
        const last = this.prevSibling[first];
        this.nextSibling[last] = id;
        this.prevSibling[id] = last;
        this.prevSibling[first] = id;
      }
      const n = ++this.numChildren[parent];
      if (n > (1 << this.childCap[parent]) * 0.75) this.childCap[parent]++;
      this.#insertSlot(id, hashBytes(parent, b, s, e));
    }
    this.count++;
    return id;
  }

  /** Adds the root node (no name, no parent). */
  addRoot(): number {
    return this.#add(NIL, this.#scratch, 0, 0);
  }

  /** Adds a child named `name` under `parent`; the caller checked it is absent. */
  addChild(parent: number, name: string): number {
    const n = this.#encodePath(name);
    return this.#add(parent, this.#scratch, 0, n);
  }

  /** Removes a childless node from its parent and frees its id. */
  remove(id: number): void {
    assert(this.firstChild[id] === NIL, "removed node has no children");
    const parent = this.parent[id];
    if (parent !== NIL) {
      const next = this.nextSibling[id];
      const prev = this.prevSibling[id];
      const first = this.firstChild[parent];
      if (first === id) {
        this.firstChild[parent] = next;
        if (next !== NIL) this.prevSibling[next] = prev;
      } else {
        this.nextSibling[prev] = next;
        if (next !== NIL) this.prevSibling[next] = prev;
        else this.prevSibling[first] = prev;
      }
      this.numChildren[parent]--;
      this.#removeSlot(id);
    }
    if (this.dataLen[id] > 0) this.#datas.garbage += this.dataLen[id];
    this.#names.garbage += this.nameLen[id];
    this.nameLen[id] = FREE;
    this.dataLen[id] = 0;
    this.parent[id] = NIL;
    this.nextSibling[id] = this.#freeHead;
    this.#freeHead = id;
    this.count--;
    this.#maybeCompactNames();
  }

  /** Drops every node. */
  clear(): void {
    this.count = 0;
    this.top = 0;
    this.#freeHead = NIL;
    this.#table.fill(NIL);
    this.#names = new ByteArena(INITIAL_ARENA_BYTES);
    this.#datas = new ByteArena(INITIAL_ARENA_BYTES);
  }
}
