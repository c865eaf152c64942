/**
 * A simulated ensemble for the ZAB cores: peers in one process, a network of
 * byte streams that delivers in random pieces after random delays and can be
 * cut, disks whose unsynced writes a crash loses, and a seeded random source
 * so any run replays. The election is an oracle with FastLeaderElection's
 * outcome (the connected quorum's best (currentEpoch, last zxid, id)); the
 * election package tests the real one.
 *
 * The "tree" of a peer is the list of txns it applied; a txn's data names it,
 * so safety checks compare what was applied where.
 *
 * Private to the tests.
 *
 * @module
 */
import { QuorumMaj } from "@zkts/election";
import { JuteWriter } from "@zkts/jute";
import { encodePacket, makeZxid, PacketType } from "./packets.ts";
import { LeaderCore, type LeaderCore as LeaderCoreT } from "./leader.ts";
import { FollowerCore } from "./follower.ts";

/** A seeded PRNG (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Txn {
  zxid: bigint;
  data: Uint8Array;
}

/** A txn's name: its data as text. */
function nameOf(data: Uint8Array): string {
  return new TextDecoder().decode(data);
}

interface Disk {
  acceptedEpoch: bigint;
  currentEpoch: bigint;
  /** The snapshot: the txns applied when it was taken. */
  snapshot: Txn[];
  /** The txn log after the snapshot: durable entries. */
  log: Txn[];
}

interface Pipe {
  /** Bytes in flight: deliver at `at`. */
  queue: { at: number; bytes: Uint8Array }[];
}

interface Link {
  leader: number;
  follower: number;
  conn: number;
  toFollower: Pipe;
  toLeader: Pipe;
  /** Where the leader's stream to the learner is: NEWLEADER sent, then UPTODATE. */
  sent?: "newleader" | "uptodate";
}

type Role = "down" | "looking" | "leading" | "following";

class Peer {
  readonly id: number;
  role: Role = "looking";
  disk: Disk = { acceptedEpoch: 0n, currentEpoch: 0n, snapshot: [], log: [] };
  /** Log writes not yet fsynced (lost on a crash). */
  unsynced: Txn[] = [];
  /** fsync completions: at time `at`, everything up to `zxid` is durable. */
  fsyncs: { at: number; zxid: bigint }[] = [];
  tree: Txn[] = [];
  leader?: LeaderCoreT;
  follower?: FollowerCore;
  /** The leader this follower follows, and the link. */
  link?: Link;
  lookingSince = 0;
  /** A leader's next counter, once serving. */
  nextZxid = -1n;
  constructor(id: number) {
    this.id = id;
  }
  lastZxid(): bigint {
    const t = this.tree;
    return t.length > 0 ? t[t.length - 1].zxid : 0n;
  }
  /** Everything in the log, written or durable. */
  logged(): Txn[] {
    return [...this.disk.log, ...this.unsynced];
  }
}

/** Options of a simulated run. */
export interface SimOptions {
  seed: number;
  peers: number;
  /** Simulated milliseconds to run the chaos for. */
  ms: number;
  /** Chance per ms of a client write at the leader. */
  writeRate?: number;
  /** Chance per ms of crashing a random peer. */
  crashRate?: number;
  /** Chance per ms of cutting a random leader-follower link. */
  cutRate?: number;
}

/** What a run found. */
export interface SimResult {
  /** Txns acknowledged to clients (committed by a leader). */
  acknowledged: number;
  /** Leaders elected. */
  leaders: number;
  /** SNAP, DIFF and TRUNC syncs seen. */
  syncs: { snap: number; diff: number; trunc: number };
  /** Every live peer's tree at the end, by name. */
  trees: string[][];
}

const TICK_MS = 100;

/**
 * Runs a seeded ensemble: chaos for `ms`, then everyone restarts and the
 * network heals, and the run goes on until all peers follow one leader and
 * a last write commits everywhere. Throws on any safety violation.
 */
export function simulate(opts: SimOptions): SimResult {
  const r = rng(opts.seed);
  const ids = Array.from({ length: opts.peers }, (_, i) => BigInt(i + 1));
  const qv = QuorumMaj.of(ids);
  const peers = ids.map((_, i) => new Peer(i + 1));
  const links: Link[] = [];
  let nextConn = 1;
  let now = 0;
  let writes = 0;
  let leaders = 0;
  const syncs = { snap: 0, diff: 0, trunc: 0 };
  /** zxid → name of every txn a leader committed (acknowledged to a client). */
  const acknowledged = new Map<bigint, string>();
  /** zxid → name of every txn ever applied anywhere. */
  const appliedAnywhere = new Map<bigint, string>();
  const fail = (msg: string): never => {
    throw new Error(`seed ${opts.seed} at ${now} ms: ${msg}`);
  };

  const delay = () => 1 + Math.floor(r() * 4);

  const apply = (p: Peer, t: Txn) => {
    const last = p.lastZxid();
    if (t.zxid <= last) {
      fail(`peer ${p.id} applies 0x${t.zxid.toString(16)} after 0x${last.toString(16)}`);
    }
    const name = nameOf(t.data);
    const seen = appliedAnywhere.get(t.zxid);
    if (seen !== undefined && seen !== name && acknowledged.has(t.zxid)) {
      fail(
        `peer ${p.id} applies ${name} at 0x${t.zxid.toString(16)} where ${seen} was acknowledged`,
      );
    }
    appliedAnywhere.set(t.zxid, name);
    p.tree.push(t);
  };

  const sendTo = (pipe: Pipe, bytes: Uint8Array) => {
    // Deliver in up to three pieces, in order.
    let at = Math.max(now, pipe.queue.length > 0 ? pipe.queue[pipe.queue.length - 1].at : 0) +
      delay();
    let o = 0;
    while (o < bytes.length) {
      const n = r() < 0.5 ? bytes.length - o : 1 + Math.floor(r() * (bytes.length - o));
      pipe.queue.push({ at, bytes: bytes.subarray(o, o + n) });
      o += n;
      at += r() < 0.3 ? 1 : 0;
    }
  };

  const cut = (l: Link) => {
    const i = links.indexOf(l);
    if (i < 0) return;
    links.splice(i, 1);
    const leader = peers[l.leader - 1];
    const follower = peers[l.follower - 1];
    if (leader.leader) handleLeader(leader, leader.leader.disconnected(l.conn));
    if (follower.link === l && follower.follower) {
      handleFollower(follower, follower.follower.disconnected());
    }
  };

  const toLooking = (p: Peer, why: string) => {
    if (p.role === "down") return;
    if (Deno.env.get("ZAB_SIM_DEBUG")) {
      console.log(now, `peer ${p.id} (${p.role}) → looking: ${why}`);
    }
    if (p.role === "leading") {
      for (const l of [...links]) if (l.leader === p.id) cut(l);
    }
    if (p.link) {
      const l = p.link;
      p.link = undefined;
      cut(l);
    }
    p.role = "looking";
    p.leader = undefined;
    p.follower = undefined;
    p.nextZxid = -1n;
    p.lookingSince = now;
    // ZooKeeperServer.shutdown → fastForwardDataBase: the tree takes every logged txn.
    const last = p.lastZxid();
    for (const t of p.logged()) if (t.zxid > last) apply(p, t);
  };

  const crash = (p: Peer) => {
    if (p.role === "down") return;
    toLooking(p, "crash");
    p.role = "down";
    p.unsynced = [];
    p.fsyncs = [];
  };

  const restart = (p: Peer) => {
    // Recovery: the snapshot, then the durable log after it.
    p.tree = [];
    for (const t of p.disk.snapshot) p.tree.push(t);
    const base = p.lastZxid();
    for (const t of p.disk.log) if (t.zxid > base) p.tree.push(t);
    p.role = "looking";
    p.lookingSince = now;
  };

  const logAppend = (p: Peer, t: Txn) => {
    p.unsynced.push(t);
    p.fsyncs.push({ at: now + 1 + Math.floor(r() * 6), zxid: t.zxid });
  };

  const handleLeader = (p: Peer, fx: ReturnType<LeaderCoreT["tick"]>) => {
    for (const e of fx) {
      if (p.role !== "leading") return;
      switch (e.type) {
        case "send":
        case "sendSnapshot":
        case "close": {
          const l = links.find((x) => x.conn === e.conn);
          if (!l) break;
          if (e.type === "close") {
            cut(l);
            break;
          }
          if (e.type === "send") {
            if (e.bytes[3] === PacketType.DIFF && e.bytes.length === 20) syncs.diff++;
            if (e.bytes[3] === PacketType.TRUNC && e.bytes.length === 20) syncs.trunc++;
            const type = e.bytes[3];
            if (type === PacketType.NEWLEADER) l.sent = "newleader";
            else if (type === PacketType.UPTODATE) l.sent = "uptodate";
            else if (
              l.sent === "newleader" &&
              (type === PacketType.PROPOSAL || type === PacketType.COMMIT ||
                type === PacketType.INFORM)
            ) {
              // Apache 3.8's Learner.syncWithLeader dies of a COMMIT here
              // (ZOOKEEPER-4394): the leader holds them until UPTODATE.
              fail(`leader ${p.id} sends packet type ${type} between NEWLEADER and UPTODATE`);
            }
            sendTo(l.toFollower, e.bytes);
          } else {
            syncs.snap++;
            sendTo(l.toFollower, snapBytes(p, e.zxid));
          }
          break;
        }
        case "acceptedEpoch":
          p.disk.acceptedEpoch = e.epoch;
          break;
        case "currentEpoch":
          p.disk.currentEpoch = e.epoch;
          break;
        case "serving":
          p.nextZxid = e.zxid + 1n;
          break;
        case "commit": {
          const t = p.logged().find((x) => x.zxid === e.zxid) ??
            fail(`leader ${p.id} commits 0x${e.zxid.toString(16)} it never logged`);
          apply(p, t);
          acknowledged.set(t.zxid, nameOf(t.data));
          break;
        }
        case "stop":
          toLooking(p, e.reason);
          return;
        default:
          break;
      }
    }
  };

  const snapBytes = (p: Peer, zxid: bigint): Uint8Array => {
    // Once serving, the leader's tree is at makeZxid(epoch, 0) or later (startZkServer).
    if (p.lastZxid() > zxid) {
      fail(
        `leader ${p.id} snapshots at 0x${zxid.toString(16)} but is at 0x${
          p.lastZxid().toString(16)
        }`,
      );
    }
    const w = new JuteWriter(1024);
    w.writeInt(0); // sessions
    w.writeInt(0); // ACL cache
    const node = (path: string, data: Uint8Array | null) => {
      w.writeString(path);
      w.writeBuffer(data);
      w.writeLong(-1n);
      w.writeRaw(new Uint8Array(60));
    };
    node("", null);
    for (const t of p.tree) node(`/${t.zxid.toString(16)}`, t.data);
    w.writeString("/");
    w.writeString("BenWasHere");
    const head = encodePacket({ type: PacketType.SNAP, zxid, data: null, authinfo: null });
    const body = w.toBytes();
    const out = new Uint8Array(head.length + body.length);
    out.set(head);
    out.set(body, head.length);
    return out;
  };

  const handleFollower = (p: Peer, fx: ReturnType<FollowerCore["tick"]>) => {
    for (const e of fx) {
      if (p.role !== "following" || !p.link) return;
      switch (e.type) {
        case "send":
          sendTo(p.link.toLeader, e.bytes);
          break;
        case "acceptedEpoch":
          p.disk.acceptedEpoch = e.epoch;
          break;
        case "currentEpoch":
          p.disk.currentEpoch = e.epoch;
          break;
        case "truncate": {
          const keep = (t: Txn) => t.zxid <= e.zxid;
          p.disk.log = p.disk.log.filter(keep);
          p.unsynced = p.unsynced.filter(keep);
          p.tree = p.tree.filter(keep);
          if (p.disk.snapshot.some((t) => !keep(t))) {
            fail(`peer ${p.id} truncates below its snapshot`);
          }
          break;
        }
        case "snapshot": {
          // Parse the nodes back: "/<zxid hex>" with the txn's data.
          const b = e.body.bytes;
          const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
          let o = e.body.treeStart + 4; // ACL cache count (0)
          const tree: Txn[] = [];
          for (;;) {
            const n = v.getInt32(o);
            const path = new TextDecoder().decode(b.subarray(o + 4, o + 4 + n));
            o += 4 + n;
            if (path === "/") break;
            const dl = v.getInt32(o);
            const data = dl < 0 ? null : b.slice(o + 4, o + 4 + dl);
            o += 4 + Math.max(dl, 0) + 8 + 60;
            if (path !== "") tree.push({ zxid: BigInt("0x" + path.slice(1)), data: data! });
          }
          p.tree = [];
          for (const t of tree) apply(p, t);
          const keep = (t: Txn) => t.zxid <= e.zxid;
          p.disk.log = p.disk.log.filter(keep);
          p.unsynced = p.unsynced.filter(keep);
          break;
        }
        case "applyUnlogged": {
          apply(p, { zxid: e.zxid, data: e.data });
          break;
        }
        case "takeSnapshot":
          p.disk.snapshot = [...p.tree];
          p.disk.log = p.disk.log.filter((t) => t.zxid > p.lastZxid());
          p.unsynced = p.unsynced.filter((t) => t.zxid > p.lastZxid());
          break;
        case "log":
          logAppend(p, { zxid: e.zxid, data: e.data });
          break;
        case "commit":
          apply(p, { zxid: e.zxid, data: e.data });
          break;
        case "stop":
          if (e.reloadTree) reload(p);
          toLooking(p, e.reason);
          return;
        default:
          break;
      }
    }
  };

  /** The tree from the dataDir: the snapshot, then the log after it (written or durable). */
  const reload = (p: Peer) => {
    p.tree = [];
    for (const t of p.disk.snapshot) p.tree.push(t);
    const base = p.lastZxid();
    for (const t of p.logged()) if (t.zxid > base) p.tree.push(t);
  };

  const elect = () => {
    // The oracle: among looking peers that can form a quorum, the best vote leads.
    const looking = peers.filter((p) => p.role === "looking" && now - p.lookingSince >= 50);
    // A quorum looking elects, even while an old leader, cut off, still
    // thinks it leads (it stops at its next quorum check, or its learners'
    // epoch is behind). Fewer follow the leader FLE's notifications point to.
    if (!qv.containsQuorum(looking.map((p) => BigInt(p.id)))) {
      const current = peers.filter((p) => p.role === "leading").at(-1);
      if (current) { for (const p of looking) follow(p, current); }
      return;
    }
    const vote = (
      p: Peer,
    ) => [p.disk.currentEpoch, p.logged().at(-1)?.zxid ?? p.lastZxid(), BigInt(p.id)];
    const best = looking.reduce((a, b) => {
      const va = vote(a), vb = vote(b);
      for (let i = 0; i < 3; i++) if (va[i] !== vb[i]) return va[i] > vb[i] ? a : b;
      return a;
    });
    best.role = "leading";
    leaders++;
    const log = best.tree;
    best.leader = new LeaderCore({
      myId: BigInt(best.id),
      quorum: qv,
      acceptedEpoch: best.disk.acceptedEpoch,
      currentEpoch: best.disk.currentEpoch,
      lastZxid: best.lastZxid(),
      committedLog: log.slice(-30),
      committedLogCount: 30,
      config: new Uint8Array(0),
      tickTimeMs: TICK_MS,
      initLimit: 10,
      syncLimit: 5,
      nowMs: now,
    });
    for (const p of looking) if (p !== best) follow(p, best);
  };

  const follow = (p: Peer, leader: Peer) => {
    p.role = "following";
    const l: Link = {
      leader: leader.id,
      follower: p.id,
      conn: nextConn++,
      toFollower: { queue: [] },
      toLeader: { queue: [] },
    };
    links.push(l);
    p.link = l;
    p.follower = new FollowerCore({
      myId: BigInt(p.id),
      acceptedEpoch: p.disk.acceptedEpoch,
      currentEpoch: p.disk.currentEpoch,
      lastZxid: p.lastZxid(),
      tickTimeMs: TICK_MS,
      initLimit: 10,
      syncLimit: 5,
      nowMs: now,
    });
    leader.leader!.connected(l.conn);
    handleFollower(p, p.follower.start());
  };

  const step = (chaos: boolean) => {
    now++;
    // Deliveries.
    for (const l of [...links]) {
      if (!links.includes(l)) continue;
      const leader = peers[l.leader - 1];
      const follower = peers[l.follower - 1];
      while (
        l.toFollower.queue.length > 0 && l.toFollower.queue[0].at <= now && follower.follower
      ) {
        const m = l.toFollower.queue.shift()!;
        handleFollower(follower, follower.follower.receive(m.bytes, now));
        if (!links.includes(l)) break;
      }
      if (!links.includes(l)) continue;
      while (l.toLeader.queue.length > 0 && l.toLeader.queue[0].at <= now && leader.leader) {
        const m = l.toLeader.queue.shift()!;
        handleLeader(leader, leader.leader.receive(l.conn, m.bytes, now));
        if (!links.includes(l)) break;
      }
    }
    // fsyncs.
    for (const p of peers) {
      while (p.fsyncs.length > 0 && p.fsyncs[0].at <= now) {
        const f = p.fsyncs.shift()!;
        const done = p.unsynced.filter((t) => t.zxid <= f.zxid);
        p.unsynced = p.unsynced.filter((t) => t.zxid > f.zxid);
        p.disk.log.push(...done);
        if (p.leader && p.role === "leading") handleLeader(p, p.leader.logged(f.zxid));
        if (p.follower && p.role === "following") handleFollower(p, p.follower.logged(f.zxid));
      }
    }
    // Ticks.
    if (now % 10 === 0) {
      for (const p of peers) {
        if (p.role === "leading" && p.leader) handleLeader(p, p.leader.tick(now));
        if (p.role === "following" && p.follower) handleFollower(p, p.follower.tick(now));
      }
      elect();
    }
    // Client writes at a serving leader.
    const leader = peers.find((p) => p.role === "leading" && p.leader?.serving);
    if (chaos && leader && r() < (opts.writeRate ?? 0.05)) {
      const zxid = leader.nextZxid++;
      const t = { zxid, data: new TextEncoder().encode(`w${++writes}@${leader.id}`) };
      logAppend(leader, t);
      handleLeader(leader, leader.leader!.propose(zxid, t.data));
    }
    if (!chaos) return;
    if (r() < (opts.crashRate ?? 0.0005)) {
      const p = peers[Math.floor(r() * peers.length)];
      if (p.role === "down") restart(p);
      else crash(p);
    }
    if (r() < (opts.cutRate ?? 0.0005) && links.length > 0) {
      cut(links[Math.floor(r() * links.length)]);
    }
  };

  for (let i = 0; i < opts.ms; i++) step(true);
  // Heal: everyone up, and wait for one leader followed by all, in sync.
  for (const p of peers) if (p.role === "down") restart(p);
  const deadline = now + 60_000;
  let lastWrite: bigint | undefined;
  let lastWriter: LeaderCoreT | undefined;
  while (now < deadline) {
    step(false);
    const leader = peers.find((p) => p.role === "leading" && p.leader?.serving);
    if (!leader) continue;
    const allFollow = peers.every((p) =>
      p === leader || (p.role === "following" && p.follower?.following)
    );
    if (!allFollow) continue;
    if (lastWrite === undefined || lastWriter !== leader.leader) {
      // (Again when a new leader took over before the last write committed.)
      lastWriter = leader.leader;
      lastWrite = leader.nextZxid++;
      const t = { zxid: lastWrite, data: new TextEncoder().encode(`last@${leader.id}`) };
      logAppend(leader, t);
      handleLeader(leader, leader.leader!.propose(lastWrite, t.data));
    }
    if (peers.every((p) => p.lastZxid() === lastWrite)) break;
  }
  if (lastWrite === undefined || !peers.every((p) => p.lastZxid() === lastWrite)) {
    fail(
      `no convergence: ${
        peers.map((p) => `${p.id}:${p.role}@0x${p.lastZxid().toString(16)}`).join(" ")
      } lastWrite 0x${lastWrite?.toString(16)} ${
        peers.filter((p) => p.leader).map((p) =>
          `leader ${p.id} epoch ${p.leader!.epoch} proposed 0x${
            p.leader!.lastProposed.toString(16)
          } committed 0x${p.leader!.lastCommitted.toString(16)} serving ${
            p.leader!.serving
          } synced ${p.leader!.syncedLearners()}`
        )
      }`,
    );
  }
  // Every tree is the same, and holds every acknowledged txn.
  const trees = peers.map((p) => p.tree.map((t) => `${t.zxid.toString(16)}=${nameOf(t.data)}`));
  for (const t of trees) {
    if (t.join() !== trees[0].join()) {
      let i = 0;
      while (i < t.length && t[i] === trees[0][i]) i++;
      fail(
        `trees differ at ${i}:\n${
          trees.map((x, k) =>
            `${k + 1}: ${x.slice(Math.max(0, i - 2), i + 3).join(" ")} (${x.length})`
          )
            .join("\n")
        }`,
      );
    }
  }
  const final = new Map(peers[0].tree.map((t) => [t.zxid, nameOf(t.data)]));
  for (const [zxid, name] of acknowledged) {
    if (final.get(zxid) !== name) {
      fail(`acknowledged ${name} at 0x${zxid.toString(16)} is lost (final: ${final.get(zxid)})`);
    }
  }
  return { acknowledged: acknowledged.size, leaders, syncs, trees };
}

/** makeZxid, re-exported for the tests. */
export { makeZxid };
