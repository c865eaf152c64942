/**
 * Two-phase commit: the coordinator creates the transaction
 * node `<tx>` (its data is the transaction) and one child per site; each
 * site votes "commit" or "abort" by writing its own child; the outcome is
 * abort as soon as one site votes abort (early abort), commit when all
 * voted commit. The coordinator writes the outcome into the decision node
 * `<tx>/__decision__`, which every site also watches.
 *
 * @module
 */
import type { ZooKeeper } from "@zkts/client";
import { ErrorCode } from "@zkts/jute";
import { bound, isCode, join, Latch, retry, waitLatch, type WaitOptions } from "./_util.ts";
import { msgpack, type Serializer } from "./serializer.ts";

/** A vote or a decision. */
export type Outcome = "commit" | "abort";

/** The decision node's name. */
export const DECISION_NODE = "__decision__";

const te = new TextEncoder();
const td = new TextDecoder();

/**
 * The outcome of a set of votes so far: "abort" once any site voted abort,
 * "commit" once all did commit, else null (undecided).
 *
 * @example
 * ```ts
 * import { tally } from "@zkts/recipes";
 * import assert from "node:assert/strict";
 * assert.equal(tally(["commit", null, "abort"]), "abort"); // early abort
 * assert.equal(tally(["commit", null]), null);
 * assert.equal(tally(["commit", "commit"]), "commit");
 * ```
 */
export function tally(votes: readonly (Outcome | null)[]): Outcome | null {
  if (votes.includes("abort")) return "abort";
  return votes.every((v) => v === "commit") ? "commit" : null;
}

function parseVote(data: Uint8Array | null): Outcome | null {
  const s = td.decode(data ?? undefined);
  return s === "commit" || s === "abort" ? s : null;
}

/** Options of the two-phase commit roles. */
export interface TwoPhaseOptions<T> {
  /** How the transaction payload is stored. Default msgpack. */
  serializer?: Serializer<T>;
}

/**
 * Reads every vote (and the decision) with watches on them all, and waits
 * until an outcome is known.
 */
async function awaitOutcome(
  zk: ZooKeeper,
  tx: string,
  sites: readonly string[] | null,
  opts: WaitOptions,
): Promise<Outcome> {
  using b = bound(opts, `2pc ${tx}`);
  for (;;) {
    const changed = new Latch();
    const decision = join(tx, DECISION_NODE);
    if (await retry(() => zk.exists(decision, changed.open), b.signal)) {
      const { data } = await retry(() => zk.getData(decision), b.signal);
      const d = parseVote(data);
      if (d) return d;
    }
    const names = sites ??
      (await retry(() => zk.getChildren(tx, changed.open), b.signal)).filter((n) =>
        n !== DECISION_NODE
      );
    const votes: (Outcome | null)[] = [];
    for (const s of names) {
      try {
        const { data } = await retry(() => zk.getData(join(tx, s), changed.open), b.signal);
        votes.push(parseVote(data));
      } catch (e) {
        if (!isCode(e, ErrorCode.NoNode)) throw e;
        votes.push("abort"); // a site that is gone cannot commit
      }
    }
    const t = tally(votes);
    if (t) return t;
    await waitLatch(zk, changed, b.signal);
  }
}

/**
 * The coordinator of one transaction.
 *
 * @example
 * ```ts ignore
 * import { Coordinator } from "@zkts/recipes";
 * const tx = await Coordinator.propose(zk, "/app/Tx", ["s_1", "s_2", "s_3"], { sql: "..." });
 * const outcome = await tx.decide({ timeoutMs: 5000 }); // "abort" on timeout
 * ```
 */
export class Coordinator {
  #zk: ZooKeeper;
  #tx: string;
  #sites: string[];

  private constructor(zk: ZooKeeper, tx: string, sites: string[]) {
    this.#zk = zk;
    this.#tx = tx;
    this.#sites = sites;
  }

  /**
   * Creates the transaction node holding `payload` and one empty child per
   * site, in one multi.
   *
   * @throws {KeeperError} NodeExists when the transaction exists
   */
  static async propose<T>(
    zk: ZooKeeper,
    tx: string,
    sites: readonly string[],
    payload: T,
    opts: TwoPhaseOptions<T> = {},
  ): Promise<Coordinator> {
    const ser = opts.serializer ?? msgpack<T>();
    const i = tx.lastIndexOf("/");
    if (i > 0) await retry(() => zk.mkdirp(tx.slice(0, i)));
    const t = zk.transaction().create(tx, ser.encode(payload));
    for (const s of sites) t.create(join(tx, s), null);
    try {
      await t.commit();
    } catch (e) {
      if (!(isCode(e, ErrorCode.ConnectionLoss))) throw e;
      // Applied or not? The transaction node tells (all or nothing).
      if (!(await retry(() => zk.exists(tx)))) await t.commit();
    }
    return new Coordinator(zk, tx, [...sites]);
  }

  /** The transaction path. */
  get path(): string {
    return this.#tx;
  }

  /**
   * Waits for the votes (abort early on the first abort; abort on timeout
   * or abort of `opts.signal`), then writes the decision node.
   *
   * @returns the decision, which every site then sees
   */
  async decide(opts: WaitOptions = {}): Promise<Outcome> {
    let outcome: Outcome;
    try {
      outcome = await awaitOutcome(this.#zk, this.#tx, this.#sites, opts);
    } catch (e) {
      if (isCode(e, ErrorCode.SessionExpired)) throw e;
      outcome = "abort";
    }
    try {
      await retry(() => this.#zk.create(join(this.#tx, DECISION_NODE), te.encode(outcome)));
    } catch (e) {
      if (!isCode(e, ErrorCode.NodeExists)) throw e;
      const { data } = await retry(() => this.#zk.getData(join(this.#tx, DECISION_NODE)));
      return parseVote(data) ?? outcome;
    }
    return outcome;
  }

  /** Deletes the transaction's nodes. */
  async cleanup(): Promise<void> {
    await retry(() => this.#zk.deleteAll(this.#tx));
  }
}

/**
 * One site of a transaction: read the payload, vote once, learn the outcome.
 *
 * @example
 * ```ts ignore
 * import { Participant } from "@zkts/recipes";
 * const site = new Participant<{ sql: string }>(zk, "/app/Tx", "s_1");
 * const { sql } = await site.payload();
 * await site.vote(canApply(sql) ? "commit" : "abort");
 * if ((await site.outcome({ timeoutMs: 5000 })) === "commit") apply(sql);
 * ```
 */
export class Participant<T> {
  #zk: ZooKeeper;
  #tx: string;
  #site: string;
  #ser: Serializer<T>;
  /** Site `site` of the transaction at `tx`. */
  constructor(zk: ZooKeeper, tx: string, site: string, opts: TwoPhaseOptions<T> = {}) {
    this.#zk = zk;
    this.#tx = tx;
    this.#site = site;
    this.#ser = opts.serializer ?? msgpack<T>();
  }
  /** The transaction the coordinator proposed. */
  async payload(): Promise<T> {
    const { data } = await retry(() => this.#zk.getData(this.#tx));
    return this.#ser.decode(data ?? new Uint8Array());
  }
  /**
   * Votes (once: the site node must still be at version 0).
   *
   * @throws {KeeperError} BadVersion when this site already voted differently
   */
  async vote(v: Outcome): Promise<void> {
    try {
      await retry(() => this.#zk.setData(join(this.#tx, this.#site), te.encode(v), 0));
    } catch (e) {
      if (!isCode(e, ErrorCode.BadVersion)) throw e;
      // A retry after a lost reply lands here too: fine if the vote is ours.
      const { data } = await retry(() => this.#zk.getData(join(this.#tx, this.#site)));
      if (parseVote(data) !== v) throw e;
    }
  }
  /**
   * Waits for the outcome: from the decision node, or from the votes
   * themselves (every site watches every vote, as ZooKeeper's recipe describes).
   */
  outcome(opts: WaitOptions = {}): Promise<Outcome> {
    return awaitOutcome(this.#zk, this.#tx, null, opts);
  }
}
