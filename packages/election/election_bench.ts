// CPU cost of the pure core: whole elections over an instant in-process network.
import { Election, QuorumMaj, type Sid } from "./mod.ts";

function elect(n: number): Sid {
  const ids = Array.from({ length: n }, (_, i) => BigInt(i + 1));
  const quorum = QuorumMaj.of(ids);
  const peers = new Map(
    ids.map((id) => [id, new Election({ myId: id, quorum }, { zxid: id, epoch: 0n })]),
  );
  const queue: { from: Sid; to: Sid; msg: ReturnType<Election["start"]>["send"][number]["msg"] }[] =
    [];
  for (const [id, p] of peers) for (const s of p.start(0).send) queue.push({ from: id, ...s });
  for (let i = 0; i < queue.length; i++) {
    const { from, to, msg } = queue[i];
    for (const s of peers.get(to)!.receive(from, msg, 1).send) queue.push({ from: to, ...s });
  }
  let leader = 0n;
  for (const p of peers.values()) leader = p.tick(1000).decided!.id;
  return leader;
}

let sink = 0n;
Deno.bench({
  group: "election",
  name: "3 peers elect",
  baseline: true,
  fn: () => void (sink += elect(3)),
});
Deno.bench({ group: "election", name: "5 peers elect", fn: () => void (sink += elect(5)) });
Deno.bench({ group: "election", name: "7 peers elect", fn: () => void (sink += elect(7)) });
globalThis.addEventListener("unload", () => {
  if (sink === -1n) console.log(sink);
});
