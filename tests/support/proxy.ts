/**
 * A recording TCP proxy for ZooKeeper's client protocol: it listens on a free
 * loopback port, forwards every connection to a target server, splits each
 * direction into Jute frames (a 4-byte big-endian length, then the payload) and
 * records every payload as hex, in the order seen. Four-letter-word
 * connections (`ruok`, `srvr`, ...) are forwarded but not recorded.
 *
 * `cutAll()` closes every current connection, both sides, so that a client
 * reconnects (re-attaching its session and sending SetWatches).
 *
 * @example Record a client's conversation
 * ```ts ignore
 * import { RecordingProxy } from "./proxy.ts";
 * const proxy = await RecordingProxy.start({ host: "127.0.0.1", port: 2181 });
 * try {
 *   // ... point a client at proxy.connectString ...
 *   console.log(proxy.frames());
 * } finally {
 *   await proxy.close();
 * }
 * ```
 *
 * @module
 */

/** Which way a frame went. */
export type Direction = "c2s" | "s2c";

/** One recorded Jute frame: its payload without the length prefix, as lowercase hex. */
export interface RecordedFrame {
  /** The connection, numbered from 0 in the order connections showed they speak Jute. */
  conn: number;
  dir: Direction;
  hex: string;
}

/** The largest frame the splitter accepts (Apache's jute.maxbuffer default is 1 MB minus a bit; leave room). */
export const FRAME_BYTES_MAX = 16 * 1024 * 1024;

/**
 * The four-letter words of Apache ZooKeeper 3.8: a connection whose first
 * four bytes are one of these is a four-letter-word connection, not Jute.
 */
export const FOUR_LETTER_WORDS: ReadonlySet<string> = new Set([
  "conf",
  "cons",
  "crst",
  "dirs",
  "dump",
  "envi",
  "gtmk",
  "hash",
  "isro",
  "mntr",
  "ruok",
  "srst",
  "srvr",
  "stat",
  "stmk",
  "wchc",
  "wchp",
  "wchs",
]);

/**
 * Splits a byte stream into length-prefixed Jute frames, chunk by chunk (a
 * pure, incremental framer).
 *
 * @example
 * ```ts
 * import { FrameSplitter } from "./proxy.ts";
 * import assert from "node:assert/strict";
 * const s = new FrameSplitter();
 * assert.deepEqual(s.push(new Uint8Array([0, 0, 0, 2, 7])), []);
 * assert.deepEqual(s.push(new Uint8Array([8, 0, 0, 0, 0])), [
 *   new Uint8Array([7, 8]),
 *   new Uint8Array([]),
 * ]);
 * ```
 */
export class FrameSplitter {
  #buf = new Uint8Array(0);
  #frameBytesMax: number;

  /** @param frameBytesMax The largest payload accepted. */
  constructor(frameBytesMax = FRAME_BYTES_MAX) {
    this.#frameBytesMax = frameBytesMax;
  }

  /**
   * Adds bytes and returns the payloads of the frames they complete.
   *
   * @throws RangeError when a length prefix is negative or above the limit.
   */
  push(chunk: Uint8Array): Uint8Array[] {
    const buf = new Uint8Array(this.#buf.length + chunk.length);
    buf.set(this.#buf);
    buf.set(chunk, this.#buf.length);
    const frames: Uint8Array[] = [];
    let at = 0;
    while (buf.length - at >= 4) {
      const len = new DataView(buf.buffer, at, 4).getInt32(0);
      if (len < 0 || len > this.#frameBytesMax) {
        throw new RangeError(`frame length ${len} outside 0..${this.#frameBytesMax}`);
      }
      if (buf.length - at - 4 < len) break;
      frames.push(buf.slice(at + 4, at + 4 + len));
      at += 4 + len;
    }
    this.#buf = buf.slice(at);
    return frames;
  }

  /** Bytes held that do not make a whole frame yet. */
  get pending(): number {
    return this.#buf.length;
  }
}

/**
 * Hex of bytes, lowercase.
 *
 * @example
 * ```ts
 * import { toHex } from "./proxy.ts";
 * import assert from "node:assert/strict";
 * assert.equal(toHex(new Uint8Array([0, 255, 16])), "00ff10");
 * ```
 */
export function toHex(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += b.toString(16).padStart(2, "0");
  return s;
}

/**
 * Bytes of hex.
 *
 * @example
 * ```ts
 * import { fromHex } from "./proxy.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(fromHex("00ff10"), new Uint8Array([0, 255, 16]));
 * ```
 */
export function fromHex(hex: string): Uint8Array {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) throw new SyntaxError(`bad hex`);
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** Where a {@linkcode RecordingProxy} forwards to. */
export interface ProxyTarget {
  host: string;
  port: number;
}

interface Pair {
  client: Deno.TcpConn;
  server: Deno.TcpConn | null;
  closed: boolean;
}

/**
 * A TCP proxy on 127.0.0.1 that records the Jute frames going through it.
 *
 * @example
 * ```ts ignore
 * import { RecordingProxy } from "./proxy.ts";
 * await using proxy = await RecordingProxy.start({ host: "127.0.0.1", port: 2181 });
 * proxy.cutAll(); // every client reconnects
 * ```
 */
export class RecordingProxy {
  #listener: Deno.TcpListener;
  #target: ProxyTarget;
  #frames: RecordedFrame[] = [];
  #pairs = new Set<Pair>();
  #tasks = new Set<Promise<void>>();
  #nextConn = 0;
  #accepted = 0;
  #closed = false;
  #acceptLoop: Promise<void>;
  #errors: string[] = [];

  #onFrame?: (frame: RecordedFrame) => void;
  #waiters = new Set<() => void>();

  private constructor(
    listener: Deno.TcpListener,
    target: ProxyTarget,
    onFrame?: (frame: RecordedFrame) => void,
  ) {
    this.#listener = listener;
    this.#target = target;
    this.#onFrame = onFrame;
    this.#acceptLoop = this.#accept();
  }

  /**
   * Starts a proxy on a free loopback port.
   *
   * @param target The server to forward to.
   * @param opts `onFrame` is called with each frame as it is recorded.
   * @returns The running proxy; `close()` it in `finally`.
   */
  static start(
    target: ProxyTarget,
    opts: { onFrame?: (frame: RecordedFrame) => void } = {},
  ): Promise<RecordingProxy> {
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    return Promise.resolve(new RecordingProxy(listener, target, opts.onFrame));
  }

  /**
   * Waits until the frames recorded so far satisfy `done`.
   *
   * @param done Looks at every frame recorded so far.
   * @param timeoutMs How long to wait. Default 10 000.
   * @throws Error when `done` is still false after `timeoutMs`.
   */
  async waitFor(
    done: (frames: readonly RecordedFrame[]) => boolean,
    timeoutMs = 10_000,
  ): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    while (!done(this.#frames)) {
      const left = deadline - performance.now();
      if (left <= 0) throw new Error(`proxy: frames not as awaited after ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(wake, Math.min(left, 100));
        function wake() {
          clearTimeout(timer);
          resolve();
        }
        this.#waiters.add(wake);
      });
    }
  }

  /** The port clients connect to. */
  get port(): number {
    return (this.#listener.addr as Deno.NetAddr).port;
  }

  /** Always 127.0.0.1. */
  get host(): string {
    return "127.0.0.1";
  }

  /** `127.0.0.1:<port>`. */
  get connectString(): string {
    return `${this.host}:${this.port}`;
  }

  /** Connections accepted so far, four-letter-word ones included. */
  get accepted(): number {
    return this.#accepted;
  }

  /** Jute connections seen so far. */
  get connections(): number {
    return this.#nextConn;
  }

  /** Connections open now. */
  get open(): number {
    return this.#pairs.size;
  }

  /** Framing or forwarding problems seen (a bad length prefix stops recording that connection). */
  get errors(): readonly string[] {
    return this.#errors;
  }

  /** A copy of the frames recorded so far, in the order seen. */
  frames(): RecordedFrame[] {
    return this.#frames.map((f) => ({ ...f }));
  }

  /** Forgets the frames recorded so far (connection numbers go on). */
  clear(): void {
    this.#frames = [];
  }

  /** Closes every current connection, both sides; the proxy keeps listening. */
  cutAll(): number {
    const n = this.#pairs.size;
    for (const pair of [...this.#pairs]) this.#closePair(pair);
    return n;
  }

  /** Stops listening, cuts every connection and waits for the forwarding to end. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#listener.close();
    } catch { /* closed already */ }
    this.cutAll();
    await this.#acceptLoop;
    await Promise.all([...this.#tasks]);
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  async #accept(): Promise<void> {
    while (!this.#closed) {
      let client: Deno.TcpConn;
      try {
        client = await this.#listener.accept();
      } catch {
        return; // the listener was closed
      }
      this.#accepted++;
      const task = this.#serve(client).finally(() => this.#tasks.delete(task));
      this.#tasks.add(task);
    }
  }

  async #serve(client: Deno.TcpConn): Promise<void> {
    const pair: Pair = { client, server: null, closed: false };
    this.#pairs.add(pair);
    try {
      pair.server = await Deno.connect({ hostname: this.#target.host, port: this.#target.port });
    } catch (e) {
      this.#errors.push(`connect to target: ${e}`);
      this.#closePair(pair);
      return;
    }
    if (pair.closed) {
      this.#closePair(pair);
      return;
    }
    // The connection's number is given when its first 4 bytes show it speaks Jute.
    let conn = -1;
    let recording = true;
    let decided = false;
    let head = new Uint8Array(0);
    const c2s = new FrameSplitter();
    const s2c = new FrameSplitter();
    const record = (dir: Direction, splitter: FrameSplitter, chunk: Uint8Array) => {
      if (!recording) return;
      try {
        for (const payload of splitter.push(chunk)) {
          const frame: RecordedFrame = { conn, dir, hex: toHex(payload) };
          this.#frames.push(frame);
          this.#onFrame?.({ ...frame });
          for (const wake of this.#waiters) wake();
          this.#waiters.clear();
        }
      } catch (e) {
        this.#errors.push(`conn ${conn} ${dir}: ${(e as Error).message}`);
        recording = false;
      }
    };
    const fromClient = (chunk: Uint8Array) => {
      if (!decided) {
        const joined = new Uint8Array(head.length + chunk.length);
        joined.set(head);
        joined.set(chunk, head.length);
        if (joined.length < 4) {
          head = joined;
          return;
        }
        decided = true;
        const word = new TextDecoder().decode(joined.subarray(0, 4));
        if (FOUR_LETTER_WORDS.has(word)) {
          recording = false;
          return;
        }
        conn = this.#nextConn++;
        chunk = joined;
      }
      record("c2s", c2s, chunk);
    };
    const fromServer = (chunk: Uint8Array) => {
      if (decided) record("s2c", s2c, chunk);
    };
    await Promise.all([
      this.#pump(pair, client, pair.server, fromClient),
      this.#pump(pair, pair.server, client, fromServer),
    ]);
    this.#closePair(pair);
  }

  async #pump(
    pair: Pair,
    from: Deno.TcpConn,
    to: Deno.TcpConn,
    seen: (chunk: Uint8Array) => void,
  ): Promise<void> {
    const buf = new Uint8Array(64 * 1024);
    try {
      while (true) {
        const n = await from.read(buf);
        if (n === null) {
          // A half-close (as `nc` does after a four-letter word): pass it on
          // and let the other direction finish.
          await to.closeWrite();
          return;
        }
        const chunk = buf.slice(0, n);
        seen(chunk);
        let at = 0;
        while (at < chunk.length) at += await to.write(chunk.subarray(at));
      }
    } catch {
      // A side closed or was cut: end the pair.
      this.#closePair(pair);
    }
  }

  #closePair(pair: Pair): void {
    pair.closed = true;
    this.#pairs.delete(pair);
    for (const c of [pair.client, pair.server]) {
      try {
        c?.close();
      } catch { /* closed already */ }
    }
  }
}
