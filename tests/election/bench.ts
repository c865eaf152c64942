/**
 * Election time on loopback, zkts next to Apache ZooKeeper 3.8, for 3 and 5
 * peers: at start (all processes launched at once) and after the leader is
 * SIGKILLed. `deno run -A tests/election/bench.ts [rounds=3]`.
 *
 * - election: each peer's own figure, from looking for a leader to deciding
 *   (Apache's "LEADER ELECTION TOOK - N MS" log line; zkts's decided event),
 *   the slowest peer of the round.
 * - re-election wall: from the kill to every survivor decided (zkts) or
 *   every survivor serving again by `srvr` (Apache, so ZAB sync included).
 */

import { startMixed } from "./mixed.ts";

const rounds = Number(Deno.args[0] ?? 3);
const TOOK = /LEADER ELECTION TOOK - (\d+) MS/g;

function took(log: string): number[] {
  return [...log.matchAll(TOOK)].map((m) => Number(m[1]));
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function zkts(n: number): Promise<{ start: number; after: number; wall: number }> {
  const spec = Array.from({ length: n }, (_, i) => ({ id: i + 1, kind: "zkts" as const }));
  await using m = await startMixed(spec);
  await m.startZkts({ standInZab: true });
  const ids = spec.map((s) => s.id);
  const first = await m.zkts!.waitDecided(ids, 30_000);
  const start = Math.max(...first.map((e) => e.electionMs!));
  const leader = Number(first[0].leader);
  const rest = ids.filter((id) => id !== leader);
  await m.zkts!.waitEvent(rest, "synced", 10_000);
  const killedAt = performance.now();
  m.zkts!.kill(leader);
  const second = await m.zkts!.waitDecided(rest, 30_000, (e) => e.leader !== String(leader));
  const wall = Math.max(...second.map((e) => e.seenAt)) - killedAt;
  return { start, after: Math.max(...second.map((e) => e.electionMs!)), wall };
}

async function apache(n: number): Promise<{ start: number; after: number; wall: number }> {
  const spec = Array.from({ length: n }, (_, i) => ({ id: i + 1, kind: "apache" as const }));
  await using m = await startMixed(spec);
  const ids = spec.map((s) => s.id);
  for (const id of ids) m.startApache(id);
  await m.until("Apache to serve", 90_000, async () => {
    for (const id of ids) if (await m.mode(id) === null) return false;
    return true;
  });
  const start = Math.max(...ids.map((id) => took(m.log(id))[0]));
  let leader = 0;
  for (const id of ids) if (await m.mode(id) === "leader") leader = id;
  const rest = ids.filter((id) => id !== leader);
  const killedAt = performance.now();
  await m.kill(leader);
  await m.until("survivors to serve again", 90_000, async () => {
    for (const id of rest) {
      if (took(m.log(id)).length < 2 || await m.mode(id) === null) return false;
    }
    return true;
  });
  const wall = performance.now() - killedAt;
  const after = Math.max(...rest.map((id) => took(m.log(id)).at(-1)!));
  return { start, after, wall };
}

const rows: string[] = [];
for (const n of [3, 5]) {
  for (const [name, run] of [["zkts", zkts], ["apache", apache]] as const) {
    const res: { start: number; after: number; wall: number }[] = [];
    for (let r = 0; r < rounds; r++) res.push(await run(n));
    rows.push(
      `| ${n} | ${name} | ${median(res.map((x) => x.start))} | ${
        median(res.map((x) => x.after))
      } | ` +
        `${Math.round(median(res.map((x) => x.wall)))} |`,
    );
    console.error(rows.at(-1));
  }
}
console.log(`election time on loopback, median of ${rounds} rounds (ms)\n`);
console.log("| peers | impl | start: election | after leader kill: election | after kill: wall |");
console.log("| ----- | ---- | --------------- | --------------------------- | ---------------- |");
for (const r of rows) console.log(r);
