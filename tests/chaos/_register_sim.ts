/**
 * Private to the checker's tests and bench: histories from a real sequential
 * execution of a znode register, with each op's interval stretched around its
 * linearization point so that clients overlap. Every such history is
 * linearizable by construction.
 *
 * @module
 */

import type { History, Op } from "./history.ts";

/** Options of {@linkcode simulateRegister}. */
export interface SimOptions {
  clients: number;
  ops: number;
  /** Uniform 32-bit unsigned integers, e.g. mulberry32(seed). */
  random: () => number;
  /** How far (ms) an interval may stretch before and after its point. */
  overlapMs?: number;
  /** Probability that a write or cas ends unknown (info); half of those took effect. */
  infoRate?: number;
  key?: string;
}

/** Simulates one key; values are the op's number, so each write's value is unique. */
export function simulateRegister(o: SimOptions): History {
  const overlap = o.overlapMs ?? 3;
  const infoRate = o.infoRate ?? 0.05;
  const key = o.key ?? "/r";
  const rnd = () => o.random() / 2 ** 32;
  const free = new Array(o.clients).fill(0);
  let state = { value: 0, version: 0 };
  let t = 0;
  const ops: Op[] = [];
  for (let n = 0; n < o.ops; n++) {
    t += rnd();
    // The client free soonest runs the next op; its point is after its previous return.
    let c = 0;
    for (let i = 1; i < o.clients; i++) if (free[i] < free[c]) c = i;
    if (rnd() < 0.5) c = Math.floor(rnd() * o.clients);
    const point = Math.max(t, free[c] + 0.001);
    t = point;
    const call = Math.max(free[c] + 0.0005, point - rnd() * overlap);
    let ret = point + rnd() * overlap;
    const r = rnd();
    let op: Op;
    if (r < 0.4) {
      op = {
        process: c,
        key,
        f: "read",
        input: undefined,
        call,
        ret,
        outcome: "ok",
        output: { ...state },
      };
    } else if (r < 0.7) {
      const info = rnd() < infoRate;
      const applied = !info || rnd() < 0.5;
      if (applied) state = { value: n + 1, version: state.version + 1 };
      op = info
        ? {
          process: c,
          key,
          f: "write",
          input: n + 1,
          call,
          outcome: "info",
          error: "ConnectionLoss",
        }
        : {
          process: c,
          key,
          f: "write",
          input: n + 1,
          call,
          ret,
          outcome: "ok",
          output: { version: state.version },
        };
    } else {
      const expected = rnd() < 0.6
        ? state.version
        : Math.max(0, state.version - 1 - Math.floor(rnd() * 2));
      const info = rnd() < infoRate;
      const success = expected === state.version;
      if (info) {
        if (success && rnd() < 0.5) state = { value: n + 1, version: state.version + 1 };
        op = {
          process: c,
          key,
          f: "cas",
          input: [expected, n + 1],
          call,
          outcome: "info",
          error: "ConnectionLoss",
        };
      } else if (success) {
        state = { value: n + 1, version: state.version + 1 };
        op = {
          process: c,
          key,
          f: "cas",
          input: [expected, n + 1],
          call,
          ret,
          outcome: "ok",
          output: { version: state.version },
        };
      } else {
        op = {
          process: c,
          key,
          f: "cas",
          input: [expected, n + 1],
          call,
          ret,
          outcome: "fail",
          error: "BadVersion",
        };
      }
    }
    // An unknown op's client gives up and moves on; its effect (if any) was at `point`.
    if (op.outcome === "info") ret = call + rnd() * overlap;
    free[c] = ret;
    ops.push(op);
  }
  return { meta: { initial: { [key]: { value: 0, version: 0 } } }, ops, faults: [] };
}

/** mulberry32: a seeded 32-bit PRNG. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}
