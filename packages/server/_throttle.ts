/**
 * Backpressure on client connections, for the server's shells (standalone
 * and ensemble member): Apache's globalOutstandingLimit.
 *
 * Private to the package.
 *
 * @module
 */

/**
 * While more requests are outstanding than the limit, client connections
 * stop taking requests; they go on once the count is back at or below it
 * (ZooKeeperServer.shouldThrottle, NIOServerCnxn.disableRecv/enableRecv).
 * A connection waits before each request, so the count passes the limit by
 * at most one request per connection.
 */
export class ReadThrottle {
  /** `globalOutstandingLimit`. */
  readonly limit: number;
  #outstanding: () => number;
  #waiters: (() => void)[] = [];

  /**
   * @param limit the most outstanding requests before reading stops
   * @param outstanding the count now (it changes with the server's role)
   */
  constructor(limit: number, outstanding: () => number) {
    this.limit = limit;
    this.#outstanding = outstanding;
  }

  /** Whether a connection must wait before its next request. */
  get throttled(): boolean {
    return this.#outstanding() > this.limit;
  }

  /**
   * Resolves once the count is at or below the limit, or `wanted` says the
   * connection no longer cares (closed, the server stopping).
   */
  async admit(wanted: () => boolean): Promise<void> {
    while (this.throttled && wanted()) {
      await new Promise<void>((r) => this.#waiters.push(r));
    }
  }

  /** The count may have dropped: waiting connections go on if it is at or below the limit. */
  check(): void {
    if (this.#waiters.length > 0 && !this.throttled) this.releaseAll();
  }

  /** Every waiting connection looks again (the server stops, the role changes). */
  releaseAll(): void {
    for (const r of this.#waiters.splice(0)) r();
  }
}
