import assert from "node:assert/strict";
import { configString, parseQuorumConfig, parseServer, QuorumMaj } from "./mod.ts";

const hier = parseQuorumConfig(`
server.1=127.0.0.1:2881:3881
server.2=127.0.0.1:2882:3882
server.3=127.0.0.1:2883:3883
server.4=127.0.0.1:2884:3884
server.5=127.0.0.1:2885:3885
server.6=127.0.0.1:2886:3886
server.7=127.0.0.1:2887:3887:observer
group.1=1:2:3
group.2=4:5
group.3=6
weight.1=3
weight.6=0
`);

const cases: { name: string; ids: bigint[]; maj: boolean; hier: boolean }[] = [
  { name: "nobody", ids: [], maj: false, hier: false },
  { name: "half of six voters", ids: [1n, 2n, 3n], maj: false, hier: false },
  { name: "four of six voters", ids: [1n, 2n, 3n, 4n], maj: true, hier: false },
  { name: "heavy 1 plus 4 and 5", ids: [1n, 4n, 5n], maj: false, hier: true },
  { name: "2 and 3 outweigh nothing without 1", ids: [2n, 3n, 4n, 5n], maj: true, hier: false },
  { name: "observer 7 does not count", ids: [1n, 2n, 3n, 7n], maj: false, hier: false },
  { name: "group 3 has weight 0 and does not count", ids: [1n, 4n, 6n], maj: false, hier: false },
  { name: "everyone", ids: [1n, 2n, 3n, 4n, 5n, 6n], maj: true, hier: true },
];

const maj = QuorumMaj.of([1n, 2n, 3n, 4n, 5n, 6n], [7n]);
for (const c of cases) {
  Deno.test(`quorum: ${c.name} is ${c.maj ? "" : "not "}a majority, ${c.hier ? "" : "not "}a hierarchical quorum`, () => {
    assert.equal(maj.containsQuorum(c.ids), c.maj);
    assert.equal(hier.containsQuorum(c.ids), c.hier);
  });
}

Deno.test("quorum: hierarchical weights default to 1, observers and unknown weigh 0", () => {
  assert.equal(hier.weight(1n), 3);
  assert.equal(hier.weight(2n), 1);
  assert.equal(hier.weight(6n), 0);
  assert.equal(hier.weight(7n), 0);
  assert.deepEqual([...hier.voters], [1n, 2n, 3n, 4n, 5n, 6n]);
});

const bad: { name: string; cfg: string; error: RegExp }[] = [
  {
    name: "a voter in no group",
    cfg: "server.1=h:1:2\nserver.2=h:3:4\ngroup.1=1",
    error: /not in a group/,
  },
  {
    name: "a server in two groups",
    cfg: "server.1=h:1:2\ngroup.1=1\ngroup.2=1",
    error: /multiple groups/,
  },
  { name: "a missing election port", cfg: "server.1=h:1", error: /expected host/ },
  { name: "a bad port", cfg: "server.1=h:1:99999", error: /bad port/ },
  { name: "an unknown type", cfg: "server.1=h:1:2:voter", error: /unknown type/ },
  { name: "a negative weight", cfg: "server.1=h:1:2\ngroup.1=1\nweight.1=-1", error: /bad weight/ },
];
for (const c of bad) {
  Deno.test(`quorum: refuses ${c.name}`, () => {
    assert.throws(() => parseQuorumConfig(c.cfg), c.error);
  });
}

Deno.test("quorum: server lines with client address and IPv6", () => {
  assert.deepEqual(parseServer(1n, "10.0.0.1:2888:3888:participant;0.0.0.0:2181"), {
    id: 1n,
    host: "10.0.0.1",
    quorumPort: 2888,
    electionPort: 3888,
    type: "participant",
    client: "0.0.0.0:2181",
  });
  assert.equal(parseServer(2n, "[::1]:2888:3888").host, "::1");
});

Deno.test("quorum: config text as Apache 3.8 sends it in notifications", () => {
  const q = parseQuorumConfig(
    "server.2=127.0.0.1:2882:3882\nserver.1=127.0.0.1:2881:3881:observer\nversion=100000000",
  );
  assert.equal(
    configString(q),
    "server.1=127.0.0.1:2881:3881:observer\nserver.2=127.0.0.1:2882:3882:participant\nversion=100000000",
  );
});
