/**
 * Judges a chaos run's history: linearizability of each znode register
 * (Wing & Gong's search with Lowe's memoisation, as Porcupine does, checked per
 * key since linearizability is compositional), and the end-of-run checks: every
 * acknowledged write present, sequential names unique, members converged.
 *
 * Speed (checker_bench.ts): a linearizable key of 10,000 ops by 5 clients is
 * checked in tens of ms, and in a few hundred with 20% unknown writes. A
 * history that is not linearizable must be searched to exhaustion; with
 * unknown ops pending that can take longer than the budget, and is then
 * reported as `timedOut` (not ok, and not proven bad).
 *
 * @example Checking a two-client history
 * ```ts
 * import { checkLinearizable } from "./checker.ts";
 * import assert from "node:assert/strict";
 * const h = {
 *   meta: {},
 *   faults: [],
 *   ops: [
 *     { process: 0, key: "/r", f: "write" as const, input: 1, call: 0, ret: 10, outcome: "ok" as const },
 *     { process: 1, key: "/r", f: "read" as const, input: undefined, output: { value: 1, version: 1 }, call: 11, ret: 12, outcome: "ok" as const },
 *   ],
 * };
 * assert.equal(checkLinearizable(h).ok, true);
 * ```
 *
 * @module
 */

import type { History, Op } from "./history.ts";

/** A sequential specification of one key's object, over ops of type `O`. */
export interface Model<S, O = Op> {
  /** The state of `key` before the history's first op. */
  init(key: string): S;
  /** The state after `op`, or undefined when `op` cannot happen (or be answered so) in `state`. */
  step(state: S, op: O): S | undefined;
  equal(a: S, b: S): boolean;
  /** Equal states hash equal; the memo of (linearized set, state) is keyed by it. */
  hash(s: S): string;
  describe?(op: O): string;
  /** Whether an op says anything (a failed write or an unknown read does not); default all. */
  include?(op: O): boolean;
  /**
   * Classes of interchangeable ops among one key's (undefined: none): ops of a
   * class are unknown (info, so no return bounds them) and swapping any two in
   * a linearization keeps it valid. The search then takes each class's ops in
   * call order only, which turns the 2^k orders of k pending unknown writes
   * into k + 1 choices (how many took effect) without losing a linearization.
   */
  interchangeable?(ops: O[]): (string | undefined)[];
  /**
   * Whether `op` can go neither in `state` nor in any state reachable from it
   * (for the register: its version has passed the one the op needs, and
   * versions never go down). Lets the search drop an unknown op for the rest
   * of a path, and give up a path at once when an op that returned is retired.
   */
  retire?(state: S, op: O): boolean;
}

/** A znode as a register: its data and its version (Stat.version). */
export interface RegisterState {
  value: unknown;
  version: number;
}

/** A canonical text for a znode value: numbers, strings, bytes, arrays, plain objects. */
export function valueKey(v: unknown): string {
  if (v === undefined) return "u";
  if (v === null) return "n";
  if (typeof v === "number") return "d" + v;
  if (typeof v === "string") return "s" + JSON.stringify(v);
  if (typeof v === "bigint") return "i" + v;
  if (typeof v === "boolean") return v ? "t" : "f";
  if (v instanceof Uint8Array) {
    return "b" + Array.from(v, (x) => x.toString(16).padStart(2, "0")).join("");
  }
  if (Array.isArray(v)) return "[" + v.map(valueKey).join(",") + "]";
  if (typeof v === "object") {
    const o = v as Record<string, unknown>;
    return "{" + Object.keys(o).sort().map((k) =>
      JSON.stringify(k) + ":" + valueKey(o[k])
    ).join(",") + "}";
  }
  return "?" + String(v);
}

/** A value as people read it: JSON, with bytes in hex and bigints as digits. */
export function show(v: unknown): string {
  if (v === undefined) return "undefined";
  return JSON.stringify(v, (_k, x) => {
    if (typeof x === "bigint") return x.toString();
    if (x instanceof Uint8Array) {
      return "0x" + Array.from(x, (b) => b.toString(16).padStart(2, "0")).join("");
    }
    return x;
  });
}

function versionOf(output: unknown): number | undefined {
  if (typeof output !== "object" || output === null) return undefined;
  const v = (output as { version?: unknown }).version;
  return typeof v === "number" ? v : undefined;
}

/** A new state after a write or cas, if the answer's version (when given) agrees. */
function written(state: RegisterState, op: Op, value: unknown): RegisterState | undefined {
  const next = { value, version: state.version + 1 };
  if (op.outcome === "ok") {
    const v = versionOf(op.output);
    if (v !== undefined && v !== next.version) return undefined;
  }
  return next;
}

/**
 * The znode register: read is getData, write is setData(v, -1), cas is
 * setData(v, expected) answered ok or BadVersion (a failed cas observes that
 * the version differed, so it is kept). Each write bumps the version by one,
 * as DataTree.setData does.
 *
 * @example
 * ```ts
 * import { registerModel } from "./checker.ts";
 * import assert from "node:assert/strict";
 * const s = registerModel.init("/r");
 * const cas = { process: 0, key: "/r", f: "cas" as const, input: [0, 7], call: 0, ret: 1, outcome: "ok" as const };
 * assert.deepEqual(registerModel.step(s, cas), { value: 7, version: 1 });
 * ```
 */
export const registerModel: Model<RegisterState, Op> = {
  init(): RegisterState {
    return { value: 0, version: 0 };
  },
  include(op: Op): boolean {
    if (op.f === "read") return op.outcome === "ok";
    if (op.f === "write") return op.outcome !== "fail";
    return true; // cas: ok, BadVersion and unknown all say something
  },
  step(state: RegisterState, op: Op): RegisterState | undefined {
    switch (op.f) {
      case "read": {
        const seen = op.output as RegisterState | undefined;
        if (op.outcome !== "ok" || !seen) return state;
        if (valueKey(seen.value) !== valueKey(state.value)) return undefined;
        if (seen.version !== undefined && seen.version !== state.version) return undefined;
        return state;
      }
      case "write":
        if (op.outcome === "fail") return state;
        return written(state, op, op.input);
      case "cas": {
        const [expected, value] = op.input as [number, unknown];
        if (op.outcome === "fail") return state.version === expected ? undefined : state;
        if (state.version !== expected) return undefined;
        return written(state, op, value);
      }
    }
  },
  /**
   * Unknown writes (and unknown cas on one expected version) whose value no
   * read returned differ only in that value, which nothing observed: if one
   * took effect at some point, the one called earliest could have taken its
   * place, since no return bounds either.
   */
  interchangeable(ops: Op[]): (string | undefined)[] {
    const observed = new Set<string>();
    for (const op of ops) {
      if (op.f === "read" && op.outcome === "ok" && op.output !== undefined) {
        observed.add(valueKey((op.output as RegisterState).value));
      }
    }
    return ops.map((op) => {
      if (op.outcome !== "info") return undefined;
      if (op.f === "write") return observed.has(valueKey(op.input)) ? undefined : "write";
      if (op.f === "cas") {
        const [expected, value] = op.input as [number, unknown];
        return observed.has(valueKey(value)) ? undefined : `cas ${expected}`;
      }
      return undefined;
    });
  },
  retire(state: RegisterState, op: Op): boolean {
    if (op.f === "cas") {
      const expected = (op.input as [number, unknown])[0];
      return op.outcome === "fail" ? false : state.version > expected;
    }
    if (op.outcome !== "ok") return false;
    const v = versionOf(op.output);
    if (v === undefined) return false;
    return op.f === "read" ? state.version > v : state.version >= v;
  },
  equal(a: RegisterState, b: RegisterState): boolean {
    return a.version === b.version && valueKey(a.value) === valueKey(b.value);
  },
  hash(s: RegisterState): string {
    return s.version + "|" + valueKey(s.value);
  },
  describe(op: Op): string {
    const out = op.output === undefined ? "" : " → " + show(op.output);
    const input = op.f === "read"
      ? ""
      : op.f === "cas"
      ? ` expected v${show((op.input as unknown[])[0])}, new ${show((op.input as unknown[])[1])}`
      : " " + show(op.input);
    return `${op.f}${input}${out} ${op.outcome}${op.error ? ` (${op.error})` : ""}`;
  },
};

/** The verdict on a history's linearizability. */
export interface CheckResult {
  ok: boolean;
  /** Keys checked, ops considered (those the model includes). */
  keys: number;
  ops: number;
  /** On failure: the first key (in sorted order) found not linearizable, or timed out. */
  key?: string;
  /** Every key found not linearizable. */
  failedKeys?: string[];
  /** The op (index into history.ops) that could not be linearized in the longest partial linearization found. */
  badOp?: number;
  /** Op indices (into history.ops) of the longest linearizable prefix found, in linearization order. */
  longest?: number[];
  /** The budget ran out before a verdict: never reported as ok. */
  timedOut?: boolean;
  ms: number;
}

/** Options of {@linkcode checkLinearizable}. */
export interface CheckOptions<S> {
  model?: Model<S, Op>;
  /** The budget for the whole history; default 30 s. */
  timeoutMs?: number;
  /** Each key's state before the run; default history.meta.initial[key], then model.init(key). */
  initial?: (key: string) => S;
  /** The clock for the budget; default performance.now. */
  now?: () => number;
}

interface KeyVerdict {
  ok: boolean;
  timedOut: boolean;
  /** Local op numbers. */
  longest: number[];
  badOp?: number;
}

/** A small deterministic PRNG (mulberry32) for the Zobrist hash of the linearized set. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** How many search steps pass between looks at the clock. */
const CLOCK_EVERY_STEPS = 4096;

/**
 * Depth-first search for a linearization of one key's ops (Wing & Gong), with
 * Lowe's memo of (linearized set, state) already explored, as Porcupine does.
 *
 * The ops that returned sit in a doubly linked list of call and return nodes
 * in time order; linearizing an op lifts both out, backtracking puts them back
 * (dancing links). The first return left in the list is op R's: only ops
 * called before it may go next, and when none can, the search backtracks.
 * Unknown (info) ops never return, so they sit apart, in call order, eligible
 * once called; when every op that returned is linearized, the unknown ones
 * left never took effect and the history is linearizable.
 *
 * The order in which candidates are tried does not change the verdict (every
 * one is tried before backtracking), but it decides the time: R itself first,
 * then the other ops that returned, then the unknown ones, so that an unknown
 * write is put in only where something needs it (Lowe's just-in-time idea),
 * not tried, and refuted, at every point after its call.
 */
function checkKey<S>(
  model: Model<S, Op>,
  ops: Op[],
  init: S,
  deadline: number,
  now: () => number,
): KeyVerdict {
  const n = ops.length;
  if (n === 0) return { ok: true, timedOut: false, longest: [] };
  // Node 0 heads the list of returned ops, node 2n+1 the list of unknown ones;
  // op i's call is node 2i+1, its return 2i+2.
  const HEAD = 0;
  const INFO = 2 * n + 1;
  const next = new Int32Array(2 * n + 2).fill(-1);
  const prev = new Int32Array(2 * n + 2).fill(-1);
  const unknown = new Uint8Array(n);
  const events: { node: number; time: number; ret: boolean }[] = [];
  const pending: number[] = [];
  for (let i = 0; i < n; i++) {
    const op = ops[i];
    if (op.outcome === "info" || op.ret === undefined) {
      unknown[i] = 1;
      pending.push(i);
      continue;
    }
    events.push({ node: 2 * i + 1, time: op.call, ret: false });
    events.push({ node: 2 * i + 2, time: op.ret, ret: true });
  }
  // Calls before returns at equal times: intervals are closed (as Porcupine's are).
  events.sort((a, b) => a.time - b.time || (a.ret === b.ret ? a.node - b.node : a.ret ? 1 : -1));
  let last = HEAD;
  for (const e of events) {
    next[last] = e.node;
    prev[e.node] = last;
    last = e.node;
  }
  pending.sort((a, b) => ops[a].call - ops[b].call || a - b);
  // Each class of interchangeable ops is linearized in call order: only its
  // next op is in the list of unknown ones; linearizing it puts
  // the one after in, backtracking takes that out again.
  const classOf = new Int32Array(n).fill(-1);
  const classRank = new Int32Array(n);
  let classCount = 0;
  const classMembers: number[][] = [];
  const labels = model.interchangeable?.(ops);
  if (labels) {
    const members = new Map<string, number[]>();
    for (const i of pending) { // already in call order
      const label = labels[i];
      if (label === undefined) continue;
      let m = members.get(label);
      if (!m) members.set(label, m = []);
      m.push(i);
    }
    for (const m of members.values()) {
      classMembers.push(m);
      m.forEach((i, rank) => {
        classOf[i] = classCount;
        classRank[i] = rank;
      });
      classCount++;
    }
  }
  last = INFO;
  for (const i of pending) {
    if (classOf[i] >= 0 && classRank[i] > 0) continue;
    next[last] = 2 * i + 1;
    prev[2 * i + 1] = last;
    last = 2 * i + 1;
  }

  const remove = (node: number) => {
    next[prev[node]] = next[node];
    if (next[node] !== -1) prev[next[node]] = prev[node];
  };
  const restore = (node: number) => {
    next[prev[node]] = node;
    if (next[node] !== -1) prev[next[node]] = node;
  };
  /** The op after i in i's class, or -1. */
  const successor = (i: number): number => {
    const k = classOf[i];
    return k < 0 ? -1 : (classMembers[k][classRank[i] + 1] ?? -1);
  };
  const lift = (call: number, i: number) => {
    if (unknown[i]) {
      const j = successor(i);
      // j goes where i was, or later: it was called no earlier.
      let at = prev[call];
      remove(call);
      if (j < 0) return;
      while (
        next[at] !== -1 && (ops[(next[at] - 1) >>> 1].call < ops[j].call ||
          (ops[(next[at] - 1) >>> 1].call === ops[j].call && (next[at] - 1) >>> 1 < j))
      ) {
        at = next[at];
      }
      const node = 2 * j + 1;
      prev[node] = at;
      next[node] = next[at];
      restore(node);
      return;
    }
    next[prev[call]] = next[call];
    if (next[call] !== -1) prev[next[call]] = prev[call];
    const r = call + 1;
    next[prev[r]] = next[r];
    if (next[r] !== -1) prev[next[r]] = prev[r];
  };
  const unlift = (call: number, i: number) => {
    if (unknown[i]) {
      const j = successor(i);
      if (j >= 0) remove(2 * j + 1);
      restore(call);
      return;
    }
    const r = call + 1;
    next[prev[r]] = r;
    if (next[r] !== -1) prev[next[r]] = r;
    next[prev[call]] = call;
    if (next[call] !== -1) prev[next[call]] = call;
  };

  // The linearized set is known by a 96-bit Zobrist fingerprint (three
  // random words per op, XORed in and out), kept in step with the stack, not
  // by a copy of a bitset per memo entry: the copies (n/32 words each) were
  // most of the time and the garbage at 10,000 ops. Two different sets share
  // a fingerprint with probability about m²/2^97 for m entries (1e-17 at a
  // million); a collision could only hide a linearization (a false alarm),
  // never pass a bad history.
  const random = mulberry32(0x9e3779b9 ^ n);
  const zobrist = new Uint32Array(3 * n);
  for (let i = 0; i < 3 * n; i++) zobrist[i] = random();
  let z0 = 0;
  let z1 = 0;
  let z2 = 0;
  const flip = (i: number) => {
    z0 ^= zobrist[3 * i];
    z1 ^= zobrist[3 * i + 1];
    z2 ^= zobrist[3 * i + 2];
  };
  const cache = new Map<string, S[]>();
  /** Whether (linearized, state) was explored before; remembers it if not. */
  const seen = (state: S): boolean => {
    const key = z0 + ":" + z1 + ":" + z2 + ":" + model.hash(state);
    const bucket = cache.get(key);
    if (!bucket) {
      cache.set(key, [state]);
      return false;
    }
    for (const s of bucket) if (model.equal(s, state)) return true;
    bucket.push(state);
    return false;
  };

  const stackNode: number[] = [];
  const stackState: S[] = [];
  // The longest partial linearization, kept in step with the stack: only what
  // changed below it since the last copy is copied again.
  const best: number[] = [];
  let bestLen = -1;
  let shallowest = 0;
  let badOp: number | undefined;
  // Unknown ops the model retired (they can never go from here on), each
  // with the depth it was retired at; put back when backtracking above it.
  const retired: number[] = [];
  const retiredAt: number[] = [];
  let state = init;
  /** The op whose return is the first left in the list (-1: none left). */
  const firstReturn = (): number => {
    let node = next[HEAD];
    while (node !== -1 && (node & 1) === 1) node = next[node];
    return node === -1 ? -1 : (node - 2) >>> 1;
  };
  // Candidates at one point of the search, in the order tried: R's call
  // (phase 0), the other calls before R's return (phase 1), the unknown ops
  // called by R's return (phase 2).
  let r = firstReturn();
  let phase = 0;
  let cursor = -1;
  const advance = (): number => {
    const rCall = 2 * r + 1;
    let node: number;
    if (phase === 0) {
      if (cursor === -1) return rCall;
      phase = 1;
      node = next[HEAD];
    } else {
      node = next[cursor];
    }
    if (phase === 1) {
      // R's return is in the list, so the calls before it end before -1.
      for (; (node & 1) === 1; node = next[node]) if (node !== rCall) return node;
      phase = 2;
      node = next[INFO];
    }
    const rRet = ops[r].ret!;
    for (; node !== -1; node = next[node]) {
      const i = (node - 1) >>> 1;
      if (ops[i].call > rRet) return -1; // called after R returned: not yet
      if (model.retire?.(state, ops[i])) {
        // It can never go on this path: out of the list until we backtrack above here.
        remove(node);
        retired.push(node);
        retiredAt.push(stackNode.length);
        continue;
      }
      return node;
    }
    return -1;
  };

  let steps = 0;
  while (r !== -1) {
    if (++steps % CLOCK_EVERY_STEPS === 0 && now() > deadline) {
      return { ok: false, timedOut: true, longest: best.slice(0, Math.max(bestLen, 0)), badOp };
    }
    // R can never go from here (the register's version has passed it): a dead end.
    const dead = phase === 0 && cursor === -1 && model.retire?.(state, ops[r]) === true;
    const node = dead ? -1 : advance();
    if (node !== -1) {
      const i = (node - 1) >>> 1;
      const after = model.step(state, ops[i]);
      cursor = node;
      if (after === undefined) continue;
      flip(i);
      if (seen(after)) {
        flip(i);
        continue;
      }
      stackNode.push(node);
      stackState.push(state);
      state = after;
      lift(node, i);
      r = firstReturn();
      phase = 0;
      cursor = -1;
      continue;
    }
    // Nothing can go before R returns: backtrack.
    const depth = stackNode.length;
    if (depth > bestLen) {
      best.length = Math.min(shallowest, Math.max(bestLen, 0));
      for (let d = best.length; d < depth; d++) best.push((stackNode[d] - 1) >>> 1);
      bestLen = depth;
      shallowest = depth;
      badOp = r;
    }
    if (depth === 0) return { ok: false, timedOut: false, longest: best, badOp };
    while (retired.length > 0 && retiredAt[retiredAt.length - 1] >= depth) {
      retiredAt.pop();
      restore(retired.pop()!);
    }
    const top = stackNode.pop()!;
    state = stackState.pop()!;
    const j = (top - 1) >>> 1;
    flip(j);
    unlift(top, j);
    if (stackNode.length < shallowest) shallowest = stackNode.length;
    r = firstReturn();
    phase = j === r ? 0 : unknown[j] ? 2 : 1;
    cursor = top;
  }
  return { ok: true, timedOut: false, longest: stackNode.map((c) => (c - 1) >>> 1) };
}

/**
 * Checks that a history is linearizable, key by key, against a model (the
 * znode register by default). A failed write or unknown read is dropped; an
 * unknown (info) write may take effect at any point after its call, or never.
 * When the budget runs out the verdict is `timedOut`, never ok.
 *
 * @param history the run's history
 * @param opts model, budget (`timeoutMs`, default 30 000), each key's initial state
 * @returns the verdict; on failure the key, the op that could not be linearized and the longest linearization found
 *
 * @example A stale read is caught
 * ```ts
 * import { checkLinearizable } from "./checker.ts";
 * import assert from "node:assert/strict";
 * const r = checkLinearizable({
 *   meta: {},
 *   faults: [],
 *   ops: [
 *     { process: 0, key: "/r", f: "write", input: 1, call: 0, ret: 10, outcome: "ok" },
 *     { process: 1, key: "/r", f: "read", input: undefined, output: { value: 0, version: 0 }, call: 11, ret: 12, outcome: "ok" },
 *   ],
 * });
 * assert.equal(r.ok, false);
 * assert.equal(r.badOp, 1);
 * assert.deepEqual(r.longest, [0]);
 * ```
 */
export function checkLinearizable<S = RegisterState>(
  history: History,
  opts: CheckOptions<S> = {},
): CheckResult {
  const now = opts.now ?? (() => performance.now());
  const start = now();
  const deadline = start + (opts.timeoutMs ?? 30_000);
  const model = (opts.model ?? registerModel) as Model<S, Op>;
  const metaInitial = history.meta.initial as Record<string, S> | undefined;
  const initial = opts.initial ??
    ((key: string) =>
      metaInitial && typeof metaInitial === "object" && key in metaInitial
        ? metaInitial[key]
        : model.init(key));

  // P-compositionality: a history is linearizable iff each key's is.
  const byKey = new Map<string, { ops: Op[]; index: number[] }>();
  let considered = 0;
  history.ops.forEach((op, index) => {
    if (model.include && !model.include(op)) return;
    considered++;
    let part = byKey.get(op.key);
    if (!part) byKey.set(op.key, part = { ops: [], index: [] });
    part.ops.push(op);
    part.index.push(index);
  });

  const result: CheckResult = { ok: true, keys: byKey.size, ops: considered, ms: 0 };
  const failedKeys: string[] = [];
  for (const key of [...byKey.keys()].sort()) {
    const part = byKey.get(key)!;
    const v = checkKey(model, part.ops, initial(key), deadline, now);
    if (v.ok) continue;
    failedKeys.push(key);
    if (result.ok) {
      result.ok = false;
      result.key = key;
      result.longest = v.longest.map((i) => part.index[i]);
      if (v.badOp !== undefined) result.badOp = part.index[v.badOp];
    }
    if (v.timedOut) {
      result.timedOut = true;
      break; // no budget left for the other keys
    }
  }
  if (failedKeys.length > 0) result.failedKeys = failedKeys;
  result.ms = now() - start;
  return result;
}

/** The verdict of an end-of-run check. */
export interface Verdict {
  ok: boolean;
  problems: string[];
}

/**
 * Checks that every acknowledged write is still there at the end: the znode's
 * final version is at least the acknowledged one and, when equal, holds the
 * acknowledged value.
 *
 * @param acked acknowledged writes (setData answered ok, with the Stat's version)
 * @param final each key's data and version read after the cluster healed
 *
 * @example
 * ```ts
 * import { checkAcknowledgedPresent } from "./checker.ts";
 * import assert from "node:assert/strict";
 * const final = new Map([["/r", { value: 3, version: 2 }]]);
 * assert.equal(checkAcknowledgedPresent([{ key: "/r", version: 2, value: 4 }], final).ok, false);
 * ```
 */
export function checkAcknowledgedPresent(
  acked: { key: string; version: number; value: unknown }[],
  final: Map<string, { value: unknown; version: number }>,
): Verdict {
  const problems: string[] = [];
  for (const a of acked) {
    const f = final.get(a.key);
    if (!f) {
      problems.push(
        `${a.key}: acknowledged write of ${
          valueKey(a.value)
        } at version ${a.version}, but the znode is gone`,
      );
    } else if (f.version < a.version) {
      problems.push(
        `${a.key}: acknowledged version ${a.version}, final version ${f.version} (lost write)`,
      );
    } else if (f.version === a.version && valueKey(f.value) !== valueKey(a.value)) {
      problems.push(
        `${a.key}: version ${a.version} acknowledged with ${valueKey(a.value)}, final holds ${
          valueKey(f.value)
        }`,
      );
    }
  }
  return { ok: problems.length === 0, problems };
}

/** A sequential create as acknowledged: the name the server answered, and by whom when known. */
export interface SequentialCreate {
  process: number;
  name: string;
}

/** The counter ZooKeeper appends to a sequential name (%010d of the parent's cversion). */
function sequenceOf(name: string): number | undefined {
  // The cversion's overflow to negative (after 2^31 creates) is out of a run's reach.
  const m = /(\d{10})$/.exec(name);
  return m ? Number(m[1]) : undefined;
}

/**
 * Checks sequential znode names: unique per parent, and, for the creates whose
 * client is known, increasing per client in the order its creates were acknowledged.
 *
 * @param names per parent path, the names acknowledged, in ack order; plain
 * strings when the client is not known
 *
 * @example
 * ```ts
 * import { checkSequentialUnique } from "./checker.ts";
 * import assert from "node:assert/strict";
 * const r = checkSequentialUnique(new Map([["/q", ["q-0000000000", "q-0000000000"]]]));
 * assert.equal(r.ok, false);
 * ```
 */
export function checkSequentialUnique(
  names: Map<string, (string | SequentialCreate)[]> | Record<string, (string | SequentialCreate)[]>,
): Verdict {
  const problems: string[] = [];
  const entries = names instanceof Map ? [...names] : Object.entries(names);
  for (const [parent, list] of entries) {
    const seen = new Set<string>();
    const lastOf = new Map<number, { seq: number; name: string }>();
    for (const item of list) {
      const { name, process } = typeof item === "string"
        ? { name: item, process: undefined }
        : item;
      if (seen.has(name)) problems.push(`${parent}: sequential name ${name} acknowledged twice`);
      seen.add(name);
      const seq = sequenceOf(name);
      if (seq === undefined) {
        problems.push(`${parent}: ${name} has no 10-digit sequence suffix`);
        continue;
      }
      if (process === undefined) continue;
      const last = lastOf.get(process);
      if (last && seq <= last.seq) {
        problems.push(
          `${parent}: client ${process} got ${name} after ${last.name} (sequence not increasing)`,
        );
      }
      lastOf.set(process, { seq, name });
    }
  }
  return { ok: problems.length === 0, problems };
}

/** A zxid as 0x hex when it reads as a number (bigint, number, "0x..." or decimal text), else as given. */
function zxidText(z: bigint | number | string): string {
  try {
    return "0x" + BigInt(z).toString(16);
  } catch {
    return String(z);
  }
}

/**
 * Checks that every member converged: the same last zxid and the same data
 * tree digest (as the `dump`/digest four-letter words report them).
 *
 * @param digests per member, its last zxid and digest
 *
 * @example
 * ```ts
 * import { checkConverged } from "./checker.ts";
 * import assert from "node:assert/strict";
 * const d = new Map([["zk1", { zxid: 5n, digest: 9 }], ["zk2", { zxid: 5n, digest: 9 }]]);
 * assert.deepEqual(checkConverged(d), { ok: true, problems: [] });
 * ```
 */
export function checkConverged(
  digests: Map<string, { zxid: bigint | number | string; digest: bigint | number | string }>,
): Verdict {
  const problems: string[] = [];
  const groups = new Map<string, string[]>();
  for (const [member, d] of digests) {
    const k = `zxid ${zxidText(d.zxid)} digest ${String(d.digest)}`;
    const g = groups.get(k);
    if (g) g.push(member);
    else groups.set(k, [member]);
  }
  if (groups.size > 1) {
    const sorted = [...groups].sort((a, b) => b[1].length - a[1].length);
    for (const [k, members] of sorted) problems.push(`${members.join(", ")}: ${k}`);
    problems.unshift(`members disagree (${groups.size} different states)`);
  }
  return { ok: problems.length === 0, problems };
}
