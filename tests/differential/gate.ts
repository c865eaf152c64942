/**
 * A gate: a loopback TCP forwarder in front of a server that can be shut, so
 * that a client behind it loses its connection and cannot make a new one.
 * The server then sees no heartbeats and expires the session, as when a
 * client is partitioned away.
 *
 * @example
 * ```ts ignore
 * import { Gate } from "./gate.ts";
 * const gate = Gate.start("127.0.0.1", 2181);
 * // connect a client to gate.connectString ... then:
 * gate.block();
 * await gate.close();
 * ```
 *
 * @module
 */

/** A forwarder that can be shut. */
export class Gate {
  #listener: Deno.TcpListener;
  #conns = new Set<Deno.TcpConn>();
  #blocked = false;
  #host: string;
  #port: number;

  private constructor(host: string, port: number) {
    this.#host = host;
    this.#port = port;
    this.#listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    this.#accept();
  }

  /** Starts forwarding a free loopback port to `host:port`. */
  static start(host: string, port: number): Gate {
    return new Gate(host, port);
  }

  /** `127.0.0.1:<port>` of the gate. */
  get connectString(): string {
    return `127.0.0.1:${(this.#listener.addr as Deno.NetAddr).port}`;
  }

  async #accept(): Promise<void> {
    for (;;) {
      let c: Deno.TcpConn;
      try {
        c = await this.#listener.accept();
      } catch {
        return;
      }
      if (this.#blocked) {
        this.#closeConn(c);
        continue;
      }
      this.#pipe(c);
    }
  }

  async #pipe(client: Deno.TcpConn): Promise<void> {
    let server: Deno.TcpConn;
    try {
      server = await Deno.connect({ hostname: this.#host, port: this.#port });
    } catch {
      this.#closeConn(client);
      return;
    }
    this.#conns.add(client);
    this.#conns.add(server);
    // As ZooKeeper's clients and servers do: no Nagle delay on small frames.
    client.setNoDelay(true);
    server.setNoDelay(true);
    const copy = async (from: Deno.TcpConn, to: Deno.TcpConn) => {
      const buf = new Uint8Array(64 * 1024);
      try {
        for (;;) {
          const n = await from.read(buf);
          if (n === null) break;
          let off = 0;
          while (off < n) off += await to.write(buf.subarray(off, n));
        }
      } catch { /* closed */ }
      this.#closeConn(from);
      this.#closeConn(to);
    };
    copy(client, server);
    copy(server, client);
  }

  #closeConn(c: Deno.TcpConn): void {
    this.#conns.delete(c);
    try {
      c.close();
    } catch { /* closed already */ }
  }

  /** Cuts every connection and refuses new ones from now on. */
  block(): void {
    this.#blocked = true;
    for (const c of [...this.#conns]) this.#closeConn(c);
  }

  /** Accepts connections again (the cut ones stay cut). */
  unblock(): void {
    this.#blocked = false;
  }

  /** Stops the gate. */
  close(): Promise<void> {
    this.block();
    try {
      this.#listener.close();
    } catch { /* closed */ }
    return Promise.resolve();
  }
}
