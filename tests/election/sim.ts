/**
 * A deterministic simulation of an ensemble electing leaders with
 * `@zkts/election`'s {@linkcode Election}: simulated time, a network with
 * random delays, drops, duplicates, reordering and partitions, peers that
 * crash and restart with their durable zxid and epochs, and a small model of
 * ZAB's discovery and broadcast (a leader is established when a quorum of
 * followers connects and none is ahead of it, as Apache's
 * `Leader.waitForEpochAck`; it then commits writes on quorums).
 *
 * One seed decides everything; the same seed replays the same run.
 *
 * @module
 */

import {
  Election,
  type Notification,
  parseQuorumConfig,
  QuorumMaj,
  type QuorumVerifier,
  ServerState,
  type Sid,
} from "../../packages/election/mod.ts";

/** A small, fast, seedable PRNG (mulberry32). */
export class Prng {
  #s: number;
  constructor(seed: number) {
    this.#s = seed >>> 0;
  }
  /** A float in [0, 1). */
  next(): number {
    let t = (this.#s = (this.#s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** An integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  /** True with probability p. */
  chance(p: number): boolean {
    return this.next() < p;
  }
  /** One element. */
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.next() * xs.length)];
  }
}

/** Network fault rates. */
export interface NetFaults {
  /** Probability a message is lost. */
  drop: number;
  /** Probability a message is delivered twice. */
  dup: number;
  /** Delay range in ms; a wide range reorders. */
  delayMs: [number, number];
  /** Probability of a long delay (up to `slowMs`). */
  slow: number;
  /** The long delay bound. */
  slowMs: number;
}

/** A reliable network: what the healed phase runs on. */
export const HEALED: NetFaults = { drop: 0, dup: 0, delayMs: [1, 5], slow: 0, slowMs: 0 };

/** A durable and volatile state of one simulated peer. */
export interface SimPeer {
  id: Sid;
  alive: boolean;
  /** Durable: last logged zxid, currentEpoch, acceptedEpoch. */
  zxid: bigint;
  epoch: bigint;
  acceptedEpoch: bigint;
  election: Election;
  /** Volatile role after the election: LOOKING, FOLLOWING, LEADING or OBSERVING. */
  role: ServerState;
  leader: Sid | undefined;
  /** When it entered its role. */
  since: number;
  /** For a leader: established in this epoch; for a follower: synced with its leader in it. */
  established: bigint | undefined;
  /** When the established leader last had a quorum of synced followers. */
  quorumSeenAt: number;
}

/** One ZAB establishment seen by the simulation. */
export interface Establishment {
  atMs: number;
  leader: Sid;
  epoch: bigint;
  quorum: Sid[];
  /** The leader's (epoch, zxid) before the new epoch. */
  leaderData: { epoch: bigint; zxid: bigint };
  /** The quorum members' (epoch, zxid) before syncing. */
  memberData: Map<Sid, { epoch: bigint; zxid: bigint }>;
}

/** A broken invariant: the simulation stops on the first. */
export class InvariantError extends Error {}

interface Event {
  at: number;
  seq: number;
  kind: "deliver" | "tick";
  from: Sid;
  to: Sid;
  msg?: Notification;
  gen?: number;
}

/** Sim options. */
export interface SimOptions {
  quorum: QuorumVerifier;
  /** Initial durable data per peer (default zxid 0, epoch 0). */
  data?: Map<Sid, { zxid: bigint; epoch: bigint }>;
  net?: NetFaults;
  /** A follower gives up on a leader it cannot reach (or that does not lead) after this long; default 4 s (Apache: 5 connect attempts 1 s apart). */
  connectTimeoutMs?: number;
  /** A new leader gives up without a quorum of followers after this long; default 20 s (Apache: initLimit × tickTime). */
  initLimitMs?: number;
  /** An established leader steps down without a synced quorum after this long; default 4 s (Apache: syncLimit × tickTime). */
  syncLimitMs?: number;
  /** Probability per ZAB step (every 50 ms) that an established leader commits a write. */
  writeRate?: number;
  /** Log every decision and establishment. */
  trace?: boolean;
}

const ZAB_STEP_MS = 50;

/**
 * A simulated ensemble: the network, the peers and the ZAB model, stepped in
 * simulated time.
 */
export class Sim {
  readonly rng: Prng;
  readonly qv: QuorumVerifier;
  readonly peers = new Map<Sid, SimPeer>();
  readonly establishments: Establishment[] = [];
  readonly log: string[] = [];
  net: NetFaults;
  now = 0;
  /** Group of each peer; peers in different groups cannot talk. */
  partition = new Map<Sid, number>();
  /** The highest zxid committed (acked by a quorum). */
  committedZxid = 0n;
  /** Decisions made by the election, for statistics. */
  decisions = 0;
  /** Trace every delivered notification too. */
  verbose = false;
  /** Whether leaders may crash in the middle of a write (off once healed). */
  chaos = true;
  /** Establishments aborted because a follower was ahead. */
  aheadAborts = 0;
  #leadingClaims = new Set<string>();
  #events: Event[] = [];
  #seq = 0;
  #gen = new Map<Sid, number>();
  #nextZab = 0;
  #opts: Required<Omit<SimOptions, "data" | "net" | "quorum">>;

  constructor(seed: number, opts: SimOptions) {
    this.rng = new Prng(seed);
    this.qv = opts.quorum;
    this.net = opts.net ?? HEALED;
    this.#opts = {
      connectTimeoutMs: opts.connectTimeoutMs ?? 4000,
      initLimitMs: opts.initLimitMs ?? 20_000,
      syncLimitMs: opts.syncLimitMs ?? 4000,
      writeRate: opts.writeRate ?? 0.3,
      trace: opts.trace ?? false,
    };
    for (const id of this.qv.servers.keys()) {
      const d = opts.data?.get(id) ?? { zxid: 0n, epoch: 0n };
      this.peers.set(id, {
        id,
        alive: false,
        zxid: d.zxid,
        epoch: d.epoch,
        acceptedEpoch: d.epoch,
        election: new Election({ myId: id, quorum: this.qv }, d),
        role: ServerState.LOOKING,
        leader: undefined,
        since: 0,
        established: undefined,
        quorumSeenAt: 0,
      });
      this.partition.set(id, 0);
    }
  }

  #trace(line: string): void {
    if (this.#opts.trace) this.log.push(`${this.now.toString().padStart(6)} ${line}`);
  }

  /** Starts (or restarts after a crash) a peer with its durable data. */
  start(id: Sid): void {
    const p = this.peers.get(id)!;
    if (p.alive) return;
    p.alive = true;
    p.election = new Election({ myId: id, quorum: this.qv }, { zxid: p.zxid, epoch: p.epoch });
    this.#trace(`start ${id} zxid=${p.zxid} epoch=${p.epoch}`);
    this.#look(p);
  }

  /** Crashes a peer: it loses its volatile state, in-flight messages to it are lost. */
  crash(id: Sid): void {
    const p = this.peers.get(id)!;
    if (!p.alive) return;
    p.alive = false;
    p.role = ServerState.LOOKING;
    p.leader = undefined;
    p.established = undefined;
    this.#gen.set(id, (this.#gen.get(id) ?? 0) + 1);
    this.#trace(`crash ${id}`);
  }

  /** Whether a and b can talk now. */
  reachable(a: Sid, b: Sid): boolean {
    return this.partition.get(a) === this.partition.get(b);
  }

  /** Heals partitions and makes the network reliable. */
  heal(): void {
    for (const id of this.partition.keys()) this.partition.set(id, 0);
    this.net = HEALED;
    this.chaos = false;
    this.#trace("heal");
  }

  #push(e: Omit<Event, "seq">): void {
    const ev = { ...e, seq: this.#seq++ } as Event;
    const h = this.#events;
    h.push(ev);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (before(h[parent], ev)) break;
      h[i] = h[parent];
      i = parent;
    }
    h[i] = ev;
  }

  #pop(): Event | undefined {
    const h = this.#events;
    if (h.length === 0) return undefined;
    const top = h[0];
    const last = h.pop()!;
    if (h.length > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        let mv = last;
        if (l < h.length && before(h[l], mv)) {
          m = l;
          mv = h[l];
        }
        if (r < h.length && before(h[r], mv)) m = r;
        if (m === i) break;
        h[i] = h[m];
        i = m;
      }
      h[i] = last;
    }
    return top;
  }

  #send(from: Sid, sends: { to: Sid; msg: Notification }[]): void {
    const n = this.net;
    for (const { to, msg } of sends) {
      if (!this.reachable(from, to) || this.rng.chance(n.drop)) continue;
      const copies = this.rng.chance(n.dup) ? 2 : 1;
      for (let c = 0; c < copies; c++) {
        const delay = this.rng.chance(n.slow)
          ? this.rng.int(n.delayMs[1], Math.max(n.delayMs[1], n.slowMs))
          : this.rng.int(n.delayMs[0], n.delayMs[1]);
        this.#push({ at: this.now + delay, kind: "deliver", from, to, msg });
      }
    }
  }

  #schedule(p: SimPeer): void {
    const d = p.election.deadlineMs;
    if (d === undefined) return;
    const gen = (this.#gen.get(p.id) ?? 0) + 1;
    this.#gen.set(p.id, gen);
    this.#push({ at: Math.max(d, this.now), kind: "tick", from: p.id, to: p.id, gen });
  }

  #apply(p: SimPeer, fx: ReturnType<Election["tick"]>): void {
    this.#send(p.id, fx.send);
    if (fx.decided) {
      this.decisions++;
      const d = fx.decided;
      this.#trace(`decide ${p.id} ${stateName(d.state)} leader=${d.id} round=${d.electionEpoch}`);
      if (!this.qv.voters.has(d.id) || this.qv.weight(d.id) === 0) {
        throw new InvariantError(`${p.id} settled on ${d.id}, an observer or of weight 0`);
      }
      if (d.state === ServerState.LEADING) this.#leadingClaims.add(`${d.id}@${d.electionEpoch}`);
      const ahead = p.epoch > d.peerEpoch || (p.epoch === d.peerEpoch && p.zxid > d.zxid);
      if (
        d.state !== ServerState.OBSERVING && ahead &&
        !this.#leadingClaims.has(`${d.id}@${d.electionEpoch}`)
      ) {
        // FLE settles on a leader behind oneself only to join one that already leads.
        throw new InvariantError(`${p.id} settled on ${d.id}, which is behind it and not leading`);
      }
      p.role = d.state;
      p.leader = d.id;
      p.since = this.now;
      p.established = undefined;
      p.quorumSeenAt = this.now;
    }
    this.#schedule(p);
  }

  #look(p: SimPeer): void {
    p.role = ServerState.LOOKING;
    p.leader = undefined;
    p.established = undefined;
    p.since = this.now;
    this.#apply(p, p.election.start(this.now, { zxid: p.zxid, epoch: p.epoch }));
  }

  /** Runs the simulation until `untilMs`, or until `stop()` returns true (checked every ZAB step). */
  run(untilMs: number, stop?: () => boolean): boolean {
    for (;;) {
      const top = this.#events[0];
      const nextAt = Math.min(top ? top.at : Infinity, this.#nextZab);
      if (nextAt > untilMs) {
        this.now = untilMs;
        return false;
      }
      this.now = nextAt;
      if (this.#nextZab <= (top ? top.at : Infinity)) {
        this.#nextZab += ZAB_STEP_MS;
        this.#zabStep();
        this.checkInvariants();
        if (stop?.()) return true;
        continue;
      }
      const e = this.#pop()!;
      const p = this.peers.get(e.to)!;
      if (!p.alive) continue;
      if (e.kind === "tick") {
        if (e.gen !== this.#gen.get(p.id)) continue;
        if (this.verbose) this.#trace(`  tick ${p.id} fin=${p.election.finalizing}`);
        this.#apply(p, p.election.tick(this.now));
      } else {
        if (!this.reachable(e.from, e.to)) continue;
        const m = e.msg!;
        if (this.verbose) {
          this.#trace(
            `  ${e.from}->${e.to} ${stateName(m.state)} L=${m.leader} r=${m.electionEpoch} ` +
              `z=${m.zxid} pe=${m.peerEpoch} | ${e.to}: ${stateName(p.election.state)} ` +
              `r=${p.election.logicalClock} prop=${p.election.proposal.id} fin=${p.election.finalizing}`,
          );
        }
        this.#apply(p, p.election.receive(e.from, m, this.now));
      }
    }
  }

  /** Peers that follow `leader`, are alive and can reach it. */
  #connected(leader: SimPeer): SimPeer[] {
    const out: SimPeer[] = [];
    for (const f of this.peers.values()) {
      if (
        f !== leader && f.alive && f.leader === leader.id &&
        (f.role === ServerState.FOLLOWING || f.role === ServerState.OBSERVING) &&
        this.reachable(f.id, leader.id)
      ) out.push(f);
    }
    return out;
  }

  #zabStep(): void {
    const { connectTimeoutMs, initLimitMs, syncLimitMs, writeRate } = this.#opts;
    for (const p of this.peers.values()) {
      if (!p.alive) continue;
      if (p.role === ServerState.FOLLOWING || p.role === ServerState.OBSERVING) {
        const l = this.peers.get(p.leader!)!;
        const ok = l.alive && l.role === ServerState.LEADING && this.reachable(p.id, l.id);
        if (ok && l.established !== undefined && p.established !== l.established) {
          // A late follower syncs (DIFF/TRUNC) to the leader and takes its epoch.
          p.zxid = l.zxid;
          p.epoch = p.acceptedEpoch = l.established;
          p.established = l.established;
          // Learner.syncWithLeader ends with updateElectionVote (ZOOKEEPER-1732).
          p.election.updateElectionVote(l.established);
        }
        if (ok) p.quorumSeenAt = this.now;
        else if (this.now - p.quorumSeenAt > connectTimeoutMs) {
          this.#trace(`${p.id} lost leader ${p.leader}`);
          this.#look(p);
        }
      }
    }
    for (const l of this.peers.values()) {
      if (!l.alive || l.role !== ServerState.LEADING) continue;
      const fs = this.#connected(l).filter((f) => f.role === ServerState.FOLLOWING);
      const ids = [l.id, ...fs.map((f) => f.id)];
      if (l.established === undefined) {
        if (this.qv.containsQuorum(ids)) {
          this.#establish(l, fs);
        } else if (this.now - l.since > initLimitMs) {
          this.#trace(`${l.id} gives up leading: no quorum`);
          this.#look(l);
        }
        continue;
      }
      const synced = [l.id, ...fs.filter((f) => f.established === l.established).map((f) => f.id)];
      if (this.qv.containsQuorum(synced)) {
        l.quorumSeenAt = this.now;
        if (this.rng.chance(writeRate)) this.#write(l, fs);
      } else if (this.now - l.quorumSeenAt > syncLimitMs) {
        this.#trace(`${l.id} steps down: lost quorum`);
        this.#look(l);
      }
    }
  }

  #establish(l: SimPeer, fs: SimPeer[]): void {
    // Apache's Leader.waitForEpochAck: a follower ahead of the leader aborts this leadership.
    for (const f of fs) {
      if (f.epoch > l.epoch || (f.epoch === l.epoch && f.zxid > l.zxid)) {
        this.aheadAborts++;
        this.#trace(`${l.id} aborts: follower ${f.id} is ahead`);
        this.#look(l);
        return;
      }
    }
    let max = l.acceptedEpoch;
    for (const f of fs) if (f.acceptedEpoch > max) max = f.acceptedEpoch;
    const epoch = max + 1n;
    const memberData = new Map(fs.map((f) => [f.id, { epoch: f.epoch, zxid: f.zxid }]));
    const e: Establishment = {
      atMs: this.now,
      leader: l.id,
      epoch,
      quorum: [l.id, ...fs.map((f) => f.id)],
      leaderData: { epoch: l.epoch, zxid: l.zxid },
      memberData,
    };
    this.establishments.push(e);
    this.#checkEstablishment(e);
    l.epoch = l.acceptedEpoch = epoch;
    l.established = epoch;
    l.quorumSeenAt = this.now;
    // Leader.startZkServer and Learner.syncWithLeader: updateElectionVote (ZOOKEEPER-1732).
    l.election.updateElectionVote(epoch);
    for (const f of fs) {
      f.zxid = l.zxid;
      f.epoch = f.acceptedEpoch = epoch;
      f.established = epoch;
      f.election.updateElectionVote(epoch);
    }
    this.#trace(`established ${l.id} epoch=${epoch} quorum=${e.quorum.join(",")}`);
  }

  #write(l: SimPeer, fs: SimPeer[]): void {
    const epoch = l.established!;
    const counter = l.zxid >> 32n === epoch ? (l.zxid & 0xffffffffn) + 1n : 1n;
    const zxid = (epoch << 32n) | counter;
    l.zxid = zxid;
    const acks = [l.id];
    // Sometimes the leader logs a proposal and dies before most followers get it.
    const dies = this.chaos && this.rng.chance(0.05);
    for (const f of fs) {
      if (f.established !== epoch) continue;
      if (dies && this.rng.chance(0.7)) continue;
      f.zxid = zxid;
      acks.push(f.id);
    }
    if (this.qv.containsQuorum(acks)) {
      this.committedZxid = zxid;
    }
    if (dies) this.crash(l.id);
  }

  #checkEstablishment(e: Establishment): void {
    for (const prev of this.establishments) {
      if (prev !== e && prev.epoch === e.epoch) {
        throw new InvariantError(`two leaders in epoch ${e.epoch}: ${prev.leader} and ${e.leader}`);
      }
    }
    const ld = e.leaderData;
    for (const [id, d] of e.memberData) {
      if (d.epoch > ld.epoch || (d.epoch === ld.epoch && d.zxid > ld.zxid)) {
        throw new InvariantError(`leader ${e.leader} behind member ${id} of its quorum`);
      }
    }
    if (ld.zxid < this.committedZxid) {
      throw new InvariantError(
        `leader ${e.leader} of epoch ${e.epoch} lacks committed zxid 0x${
          this.committedZxid.toString(16)
        }` +
          ` (has 0x${ld.zxid.toString(16)})`,
      );
    }
  }

  /** Checks the invariants that must hold at every step. */
  checkInvariants(): void {
    // At most one established leader per epoch that a quorum follows.
    const byEpoch = new Map<bigint, Sid>();
    for (const p of this.peers.values()) {
      if (!p.alive || p.role !== ServerState.LEADING || p.established === undefined) continue;
      const followers = [p.id];
      for (const f of this.peers.values()) {
        if (f.alive && f.leader === p.id && f.established === p.established) followers.push(f.id);
      }
      if (!this.qv.containsQuorum(followers)) continue;
      const other = byEpoch.get(p.established);
      if (other !== undefined) {
        throw new InvariantError(
          `leaders ${other} and ${p.id} both followed in epoch ${p.established}`,
        );
      }
      byEpoch.set(p.established, p.id);
    }
  }

  /** The established leader every live peer follows, if the ensemble is settled. */
  settledLeader(): Sid | undefined {
    let leader: SimPeer | undefined;
    for (const p of this.peers.values()) {
      if (p.alive && p.role === ServerState.LEADING && p.established !== undefined) {
        if (leader) return undefined;
        leader = p;
      }
    }
    if (!leader) return undefined;
    for (const p of this.peers.values()) {
      if (!p.alive || p === leader) continue;
      if (p.leader !== leader.id || p.established !== leader.established) return undefined;
    }
    return leader.id;
  }
}

function before(a: Event, b: Event): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}

function stateName(s: ServerState): string {
  return ["LOOKING", "FOLLOWING", "LEADING", "OBSERVING"][s];
}

/** The outcome of one seed. */
export interface SeedResult {
  sim: Sim;
  /** Simulated time from healing to a settled leader. */
  healedElectionMs: number;
  /** The broken invariant or liveness failure, if any. */
  error?: Error;
}

/** One randomized run: a faulty phase, then a healed one that must elect. */
export function runSeed(seed: number, trace = false): SeedResult {
  const setup = new Prng(seed ^ 0x5eed);
  const n = [3, 5, 7][seed % 3];
  const voters: Sid[] = [];
  for (let i = 1; i <= n; i++) voters.push(BigInt(i));
  const observers: Sid[] = setup.chance(0.2) ? [BigInt(n + 1)] : [];
  let quorum: QuorumVerifier = QuorumMaj.of(voters, observers);
  if (n >= 5 && setup.chance(0.25)) {
    // Hierarchical: three groups, one weight-0 voter.
    const lines = [...voters, ...observers].map((id) =>
      `server.${id}=127.0.0.1:${2000 + Number(id)}:${3000 + Number(id)}:${
        observers.includes(id) ? "observer" : "participant"
      }`
    );
    const g = [[], [], []] as Sid[][];
    voters.forEach((id, i) => g[i % 3].push(id));
    lines.push(...g.map((m, i) => `group.${i + 1}=${m.join(":")}`));
    lines.push(`weight.${n}=0`);
    quorum = parseQuorumConfig(lines.join("\n"));
  }
  const data = new Map<Sid, { zxid: bigint; epoch: bigint }>();
  for (const id of quorum.servers.keys()) {
    const epoch = BigInt(setup.int(0, 2));
    data.set(id, { zxid: (epoch << 32n) | BigInt(setup.int(0, 3)), epoch });
  }
  const faults: NetFaults = {
    drop: setup.next() * 0.3,
    dup: setup.next() * 0.1,
    delayMs: [1, setup.int(2, 80)],
    slow: setup.next() * 0.1,
    slowMs: setup.int(100, 3000),
  };
  const sim = new Sim(seed, { quorum, data, net: faults, trace });
  sim.verbose = Deno.env.get("ELECTION_VERBOSE") === "1";
  try {
    return { sim, healedElectionMs: phases(sim, quorum, voters) };
  } catch (e) {
    return { sim, healedElectionMs: -1, error: e as Error };
  }
}

function phases(sim: Sim, quorum: QuorumVerifier, voters: Sid[]): number {
  const ids = [...quorum.servers.keys()];
  const rng = sim.rng;
  // Faulty phase: staggered starts, crashes, restarts, partitions.
  const faultyUntil = rng.int(1000, 8000);
  const unstarted = new Set(ids);
  while (sim.now < faultyUntil) {
    sim.run(sim.now + rng.int(20, 600));
    const r = rng.next();
    if (unstarted.size > 0 && r < 0.4) {
      const id = rng.pick([...unstarted]);
      unstarted.delete(id);
      sim.start(id);
    } else if (r < 0.55) {
      sim.crash(rng.pick(ids));
    } else if (r < 0.7) {
      const down = ids.filter((id) => !sim.peers.get(id)!.alive && !unstarted.has(id));
      if (down.length > 0) sim.start(rng.pick(down));
    } else if (r < 0.82) {
      for (const id of ids) sim.partition.set(id, rng.int(0, 1));
    } else if (r < 0.9) {
      for (const id of ids) sim.partition.set(id, 0);
    }
  }
  // Healed phase: reliable network, a quorum of voters alive (some minority may stay down).
  sim.heal();
  const alive = () => voters.filter((id) => sim.peers.get(id)!.alive);
  for (const id of ids) {
    if (!sim.peers.get(id)!.alive && (rng.chance(0.7) || !quorum.containsQuorum(alive()))) {
      sim.start(id);
    }
  }
  for (const id of voters) if (!quorum.containsQuorum(alive())) sim.start(id);
  const healedAt = sim.now;
  // Apache's notification timeout backs off to 60 s; a healed ensemble must settle within it.
  const settled = sim.run(healedAt + 150_000, () => sim.settledLeader() !== undefined);
  if (!settled) throw new InvariantError(`no leader ${sim.now - healedAt} ms after healing`);
  return sim.now - healedAt;
}
