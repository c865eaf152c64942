/**
 * A chaos run's history: every client operation on a znode register (its call,
 * its return and its outcome) and every fault the nemesis injected, recorded as
 * it happens and saved as msgpack (for replay), JSON (for people) and a
 * timeline page (when the run has been judged).
 *
 * @example Recording two operations and a fault
 * ```ts
 * import { HistoryRecorder } from "./history.ts";
 * import assert from "node:assert/strict";
 * let t = 0;
 * const rec = new HistoryRecorder(() => t++);
 * const w = rec.invoke(0, "/r0", "write", 1, "zk1");
 * rec.complete(w, "ok", { version: 1 });
 * const p = rec.fault("partition", "1 | 2 3");
 * rec.heal(p);
 * const h = rec.history({ seed: 7 });
 * assert.equal(h.ops[0].ret, 1);
 * assert.deepEqual(h.faults[0], { kind: "partition", target: "1 | 2 3", start: 2, end: 3 });
 * ```
 *
 * @module
 */

import { decode, encode, ExtensionCodec } from "@msgpack/msgpack";
import type { CheckResult } from "./checker.ts";
import { renderTimeline } from "./timeline.ts";

/** What a client did to a znode register: getData, setData(v, -1) or setData(v, version). */
export type OpKind = "read" | "write" | "cas";

/** How an operation ended, as the client saw it. */
export type Outcome = "ok" | "fail" | "info";

/** One client operation on one znode register. */
export interface Op {
  /** The client (process) that ran it; a client runs one op at a time. */
  process: number;
  /** The register (znode) it is on: histories are checked per key (P-compositionality). */
  key: string;
  f: OpKind;
  /** write: the new value; cas: [expectedVersion, newValue]; read: undefined at call. */
  input: unknown;
  /** read ok: { value, version } observed; write/cas ok: { version } after (the Stat's version), if known; else undefined. */
  output?: unknown;
  /** ms since the run started (performance.now() based), at call and at return. */
  call: number;
  ret?: number;
  /**
   * ok: took effect as answered; fail: definitely did not take effect (BadVersion
   * for cas, or NoNode...); info: unknown (timeout, connection loss), may have
   * taken effect at any time after call, or never. An op not completed yet is info.
   */
  outcome: Outcome;
  /** For the timeline: the member the client was connected to, the error text. */
  node?: string;
  error?: string;
}

/** A fault the nemesis injected: from `start` until `end` (healed), or the run's end. */
export interface Fault {
  kind: string;
  target: string;
  start: number;
  end?: number;
  note?: string;
}

/** A whole run: what it was (seed, members, workload...), its ops in invocation order, its faults. */
export interface History {
  meta: Record<string, unknown>;
  ops: Op[];
  faults: Fault[];
}

/**
 * Records a run's history as it happens: `invoke` before sending a request,
 * `complete` when its reply (or its error) comes back.
 *
 * @example
 * ```ts
 * import { HistoryRecorder } from "./history.ts";
 * import assert from "node:assert/strict";
 * const rec = new HistoryRecorder(() => 5);
 * const i = rec.invoke(1, "/r", "read", undefined);
 * rec.complete(i, "info", undefined, "ConnectionLoss");
 * assert.equal(rec.history({}).ops[0].error, "ConnectionLoss");
 * ```
 */
export class HistoryRecorder {
  #now: () => number;
  #ops: Op[] = [];
  #faults: Fault[] = [];
  /** The op each process has in flight: a client runs one op at a time. */
  #open = new Map<number, number>();

  /** @param now ms since the run started; by default performance.now() from construction. */
  constructor(now?: () => number) {
    if (now) {
      this.#now = now;
    } else {
      const t0 = performance.now();
      this.#now = () => performance.now() - t0;
    }
  }

  /**
   * Records an op's call; until completed it counts as info (its effect unknown).
   *
   * @returns the op's index in `history().ops`
   * @throws Error when `process` already has an op in flight
   */
  invoke(process: number, key: string, f: OpKind, input: unknown, node?: string): number {
    const open = this.#open.get(process);
    if (open !== undefined) {
      throw new Error(`invoke: process ${process} already runs op ${open}; one op at a time`);
    }
    const index = this.#ops.length;
    const op: Op = { process, key, f, input, call: this.#now(), outcome: "info" };
    if (node !== undefined) op.node = node;
    this.#ops.push(op);
    this.#open.set(process, index);
    return index;
  }

  /**
   * Records an op's return and outcome.
   *
   * @throws Error when the op does not exist or is already complete
   */
  complete(index: number, outcome: Outcome, output?: unknown, error?: string): void {
    const op = this.#ops[index];
    if (!op) throw new Error(`complete: no op ${index}`);
    if (op.ret !== undefined) throw new Error(`complete: op ${index} already complete`);
    op.ret = this.#now();
    op.outcome = outcome;
    if (output !== undefined) op.output = output;
    if (error !== undefined) op.error = error;
    this.#open.delete(op.process);
  }

  /**
   * Records the start of a fault.
   *
   * @returns the fault's index, for `heal`
   */
  fault(kind: string, target: string, note?: string): number {
    const f: Fault = { kind, target, start: this.#now() };
    if (note !== undefined) f.note = note;
    this.#faults.push(f);
    return this.#faults.length - 1;
  }

  /**
   * Records the end of a fault.
   *
   * @throws Error when the fault does not exist or is already healed
   */
  heal(index: number): void {
    const f = this.#faults[index];
    if (!f) throw new Error(`heal: no fault ${index}`);
    if (f.end !== undefined) throw new Error(`heal: fault ${index} already healed`);
    f.end = this.#now();
  }

  /**
   * A snapshot of the history so far; ops still in flight are info with no return.
   *
   * @param meta what the run was: seed, members, workload, initial values...
   */
  history(meta: Record<string, unknown>): History {
    return {
      meta: { ...meta },
      ops: this.#ops.map((op) => ({ ...op })),
      faults: this.#faults.map((f) => ({ ...f })),
    };
  }
}

/** bigint (a zxid in meta, say) travels as msgpack extension 0, its decimal text. */
const codec = new ExtensionCodec();
codec.register({
  type: 0,
  encode(v: unknown): Uint8Array | null {
    return typeof v === "bigint" ? new TextEncoder().encode(v.toString()) : null;
  },
  decode(data: Uint8Array): bigint {
    return BigInt(new TextDecoder().decode(data));
  },
});

/**
 * Encodes a history as msgpack; absent fields stay absent, bigints survive.
 *
 * @example
 * ```ts
 * import { decodeHistory, encodeHistory } from "./history.ts";
 * import assert from "node:assert/strict";
 * const h = { meta: { zxid: 5n }, ops: [], faults: [] };
 * assert.deepEqual(decodeHistory(encodeHistory(h)), h);
 * ```
 */
export function encodeHistory(h: History): Uint8Array {
  return encode(h, { extensionCodec: codec, ignoreUndefined: true });
}

/**
 * Decodes a history encoded by {@linkcode encodeHistory}.
 *
 * @throws Error when the bytes are not a history (no ops or faults array, an op without call time)
 */
export function decodeHistory(b: Uint8Array): History {
  const h = decode(b, { extensionCodec: codec }) as History;
  if (
    typeof h !== "object" || h === null || !Array.isArray(h.ops) || !Array.isArray(h.faults) ||
    typeof h.meta !== "object" || h.meta === null
  ) {
    throw new Error("decodeHistory: not a history (meta, ops and faults expected)");
  }
  h.ops.forEach((op, i) => {
    if (typeof op?.call !== "number" || typeof op.process !== "number") {
      throw new Error(`decodeHistory: op ${i} has no call time or process`);
    }
    // msgpack drops undefined fields; a read's input is undefined, and present.
    if (!Object.hasOwn(op, "input")) op.input = undefined;
  });
  return h;
}

/** JSON with bigints as strings and byte arrays as number arrays. */
function toJson(h: History): string {
  return JSON.stringify(
    h,
    (_k, v) => {
      if (typeof v === "bigint") return v.toString();
      if (v instanceof Uint8Array) return Array.from(v);
      return v;
    },
    1,
  );
}

/**
 * Saves a history under `dir` (created if missing): history.msgpack,
 * history.json and, when the run has been judged, timeline.html.
 *
 * @returns the paths written
 */
export async function writeHistory(
  dir: string,
  h: History,
  result?: CheckResult,
): Promise<{ msgpack: string; json: string; html?: string }> {
  await Deno.mkdir(dir, { recursive: true });
  const msgpack = `${dir}/history.msgpack`;
  const json = `${dir}/history.json`;
  await Deno.writeFile(msgpack, encodeHistory(h));
  await Deno.writeTextFile(json, toJson(h) + "\n");
  if (!result) return { msgpack, json };
  const html = `${dir}/timeline.html`;
  await Deno.writeTextFile(html, renderTimeline(h, result));
  return { msgpack, json, html };
}
