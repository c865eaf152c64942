/**
 * Java's HashSet<String> iteration order, where Apache lets it leak into
 * bytes: a CloseSessionTxn lists a session's ephemerals in the order of the
 * HashSet the server keeps. Within a bucket a java.util.HashMap keeps
 * insertion order (resizes split buckets preserving it), so the order is:
 * by bucket index at the current capacity, then by insertion.
 *
 * @module
 */

/** java.lang.String.hashCode over UTF-16 code units. */
export function javaStringHash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return h;
}

function bucket(s: string, cap: number): number {
  const h = javaStringHash(s);
  return (h ^ (h >>> 16)) & (cap - 1);
}

/**
 * Orders ids (given in insertion order, with their Java string hashes) as a
 * java.util.HashSet of capacity `cap` iterates them: a stable counting sort
 * by bucket, O(n + cap).
 */
export function javaHashOrderIds(ids: Int32Array, hashes: Int32Array, cap: number): Int32Array {
  const n = ids.length;
  if (n < 2) return ids;
  const buckets = new Int32Array(n);
  const counts = new Int32Array(cap + 1);
  for (let i = 0; i < n; i++) {
    const h = hashes[i];
    const b = (h ^ (h >>> 16)) & (cap - 1);
    buckets[i] = b;
    counts[b + 1]++;
  }
  for (let b = 0; b < cap; b++) counts[b + 1] += counts[b];
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[counts[buckets[i]]++] = ids[i];
  return out;
}

/** HashMap.tableSizeFor. */
function tableSizeFor(n: number): number {
  let c = 1;
  while (c < n) c *= 2;
  return c;
}

/** A model of a java.util.HashSet<String>: its members, capacity and iteration order. */
export class JavaHashSet {
  #items: string[] = [];
  #set = new Set<string>();
  /** The table capacity (a power of two). */
  cap: number;

  /** `new HashSet<>(initialCapacity)` (default 16). */
  constructor(initialCapacity = 16) {
    this.cap = tableSizeFor(initialCapacity);
  }

  /** `new HashSet<>(other)` / `other.clone()`: pre-sized for its size, filled in its order. */
  static copyOf(order: readonly string[]): JavaHashSet {
    const s = new JavaHashSet(1);
    s.cap = order.length === 0
      ? 16
      : tableSizeFor(Math.floor(Math.fround(order.length / 0.75) + 1));
    for (const x of order) s.add(x);
    return s;
  }

  get size(): number {
    return this.#set.size;
  }

  has(x: string): boolean {
    return this.#set.has(x);
  }

  add(x: string): void {
    if (this.#set.has(x)) return;
    this.#set.add(x);
    this.#items.push(x);
    if (this.#set.size > this.cap * 0.75) this.cap *= 2;
  }

  delete(x: string): void {
    if (!this.#set.delete(x)) return;
    this.#items.splice(this.#items.indexOf(x), 1);
  }

  /** Members in Java's iteration order. */
  order(): string[] {
    const cap = this.cap;
    return this.#items
      .map((x, i) => ({ x, i, b: bucket(x, cap) }))
      .sort((a, b) => a.b - b.b || a.i - b.i)
      .map((e) => e.x);
  }
}

/** Java's String.split(regex) for a literal separator: trailing empty strings removed. */
export function javaSplit(s: string, sep: string): string[] {
  if (s.length === 0) return [""];
  const parts = s.split(sep);
  while (parts.length > 0 && parts[parts.length - 1] === "") parts.pop();
  return parts;
}
