/**
 * A second, independent linearizability check of the register histories the
 * harness records (Wing & Gong's search with a memo of (linearized set,
 * state)), small enough to read in one sitting. main.ts runs it beside
 * checker.ts's `checkLinearizable` and reports when they disagree: a verdict
 * two unrelated checkers share is worth more than one.
 *
 * @module
 */
import type { History, Op } from "./history.ts";

interface State {
  value: unknown;
  version: number;
}

/** The verdict on one history. */
export interface CrossCheck {
  ok: boolean;
  timedOut: boolean;
  /** The first key not linearizable (or timed out). */
  key?: string;
  ms: number;
}

function versionOf(op: Op): number | undefined {
  const v = (op.output as { version?: unknown } | undefined)?.version;
  return typeof v === "number" ? v : undefined;
}

/** The state after `op`, or undefined when `op` cannot go here. */
function step(s: State, op: Op): State | undefined {
  switch (op.f) {
    case "read": {
      const seen = op.output as State;
      return String(seen.value) === String(s.value) && seen.version === s.version ? s : undefined;
    }
    case "write": {
      const v = versionOf(op);
      if (op.outcome === "ok" && v !== undefined && v !== s.version + 1) return undefined;
      return { value: op.input, version: s.version + 1 };
    }
    case "cas": {
      const [expected, value] = op.input as [number, unknown];
      if (op.outcome === "fail") return s.version !== expected ? s : undefined;
      if (s.version !== expected) return undefined;
      const v = versionOf(op);
      if (op.outcome === "ok" && v !== undefined && v !== expected + 1) return undefined;
      return { value, version: expected + 1 };
    }
  }
}

/** Whether `op` constrains the search: ok ops, failed cas; unknown writes and cas may go or not. */
function included(op: Op): boolean {
  if (op.f === "read") return op.outcome === "ok";
  if (op.f === "write") return op.outcome !== "fail";
  return true;
}

function checkKey(ops: Op[], init: State, deadline: number): "ok" | "bad" | "timeout" {
  const n = ops.length;
  const ret = ops.map((o) => o.outcome === "info" || o.ret === undefined ? Infinity : o.ret);
  const must = ret.map((r) => r !== Infinity);
  const order = [...ops.keys()].sort((a, b) => ops[a].call - ops[b].call);
  const done = new Uint8Array(n);
  let left = must.filter(Boolean).length;
  const memo = new Set<string>();
  let steps = 0;
  let timedOut = false;

  const key = (s: State) => {
    let k = "";
    for (let i = 0; i < n; i += 16) {
      let w = 0;
      for (let j = i; j < Math.min(n, i + 16); j++) w = (w << 1) | done[j];
      k += String.fromCharCode(w);
    }
    return `${k}|${s.version}|${String(s.value)}`;
  };

  const search = (s: State): boolean => {
    if (left === 0) return true;
    if ((++steps & 1023) === 0 && performance.now() > deadline) {
      timedOut = true;
      return false;
    }
    const k = key(s);
    if (memo.has(k)) return false;
    memo.add(k);
    let minRet = Infinity;
    for (let i = 0; i < n; i++) if (!done[i] && ret[i] < minRet) minRet = ret[i];
    for (const i of order) {
      if (ops[i].call > minRet) break;
      if (done[i]) continue;
      const next = step(s, ops[i]);
      if (next === undefined) continue;
      done[i] = 1;
      if (must[i]) left--;
      const found = search(next);
      done[i] = 0;
      if (must[i]) left++;
      if (found) return true;
      if (timedOut) return false;
    }
    return false;
  };
  const ok = search(init);
  return ok ? "ok" : timedOut ? "timeout" : "bad";
}

/**
 * Checks every key of `history` (initial states from `meta.initial`).
 *
 * @returns ok when every key is linearizable within `timeoutMs`
 */
export function crossCheck(history: History, timeoutMs = 60_000): CrossCheck {
  const t0 = performance.now();
  const deadline = t0 + timeoutMs;
  const initial = (history.meta.initial ?? {}) as Record<string, State>;
  const byKey = new Map<string, Op[]>();
  for (const op of history.ops) {
    if (!included(op)) continue;
    const list = byKey.get(op.key) ?? [];
    list.push(op);
    byKey.set(op.key, list);
  }
  for (const key of [...byKey.keys()].sort()) {
    const r = checkKey(byKey.get(key)!, initial[key] ?? { value: 0, version: 0 }, deadline);
    if (r !== "ok") {
      return { ok: false, timedOut: r === "timeout", key, ms: performance.now() - t0 };
    }
  }
  return { ok: true, timedOut: false, ms: performance.now() - t0 };
}
