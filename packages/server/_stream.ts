/**
 * A TCP connection with a write queue, for the server's shells: writes made
 * in one turn go out as one, in order; a close can wait for them; a hold
 * lets a long write (a snapshot streamed to a learner) go first.
 *
 * Private to the package.
 *
 * @module
 */

/**
 * How long a new connection may stay silent before its first frame (the
 * ConnectRequest) is in: Apache's `zookeeper.nio.sessionlessCnxnTimeout`
 * (NIOServerCnxnFactory, 10 000 ms; every read re-arms it there too). Without
 * it a half-open connection held its slot of maxClientCnxns for ever.
 */
export const SESSIONLESS_CNXN_TIMEOUT_MS = 10_000;

/** A byte stream to a peer or client, with a write queue. */
export class Stream {
  readonly conn: Deno.TcpConn;
  #out: Uint8Array[] = [];
  #writing = false;
  closed = false;
  #closeAfter = false;
  constructor(conn: Deno.TcpConn) {
    this.conn = conn;
    conn.setNoDelay(true);
  }
  /** While held (a snapshot streams out), writes wait here, in order. */
  #held: Uint8Array[] | null = null;
  write(bytes: Uint8Array): void {
    if (this.closed) return;
    if (this.#held) this.#held.push(bytes);
    else this.writeNow(bytes);
  }
  /** Writes past a hold (the snapshot's own bytes). */
  writeNow(bytes: Uint8Array): void {
    if (this.closed) return;
    this.#out.push(bytes);
    if (!this.#writing) this.#flush();
  }
  /** Later writes wait until {@linkcode release}. */
  hold(): void {
    this.#held ??= [];
  }
  release(): void {
    const held = this.#held ?? [];
    this.#held = null;
    for (const b of held) this.writeNow(b);
  }
  /** Whether a close after the queued writes was asked for. */
  get closing(): boolean {
    return this.#closeAfter;
  }
  /** Closes once everything queued is written. */
  closeAfterWrite(): void {
    this.#closeAfter = true;
    if (!this.#writing && this.#out.length === 0) this.close();
  }
  async #flush(): Promise<void> {
    this.#writing = true;
    await Promise.resolve();
    try {
      while (this.#out.length > 0 && !this.closed) {
        const batch = this.#out.splice(0);
        let total = 0;
        for (const b of batch) total += b.length;
        const out = batch.length === 1 ? batch[0] : new Uint8Array(total);
        if (batch.length > 1) {
          let o = 0;
          for (const b of batch) {
            out.set(b, o);
            o += b.length;
          }
        }
        let off = 0;
        while (off < out.length) off += await this.conn.write(out.subarray(off));
      }
    } catch {
      this.close();
    } finally {
      this.#writing = false;
      if (this.#closeAfter && this.#out.length === 0) this.close();
    }
  }
  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.conn.close();
    } catch { /* closed */ }
  }
}
