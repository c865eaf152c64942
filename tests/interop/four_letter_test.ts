/**
 * Four-letter words on the client port (issue #6), Apache ZooKeeper 3.8 vs
 * zkts, with `4lw.commands.whitelist=*` and the same activity on both
 * servers: the layout of each answer (its line keys, values masked) must be
 * Apache's; and a word outside the whitelist gets Apache's refusal.
 *
 * Stricter checks that differ on purpose (srvr's version string, mntr keys
 * zkts leaves out rather than fake, envi's Java properties) run with
 * `ZKTS_INTEROP_KNOWN=1`; see README.md.
 */
import assert from "node:assert/strict";
import { ZooKeeper } from "@zkts/client";
import { CreateMode } from "@zkts/jute";
import { interopTest } from "../support/oracle.ts";
import { TARGETS } from "../support/zkts.ts";
import { type ApacheServer, fourLetter } from "../support/apache.ts";
import { keysOf, layout } from "./compare.ts";

/** The mntr keys every standalone Apache 3.8 gives first, which monitoring scripts read. */
const MNTR_CORE = [
  "zk_version",
  "zk_server_state",
  "zk_ephemerals_count",
  "zk_num_alive_connections",
  "zk_avg_latency",
  "zk_outstanding_requests",
  "zk_znode_count",
  "zk_global_sessions",
  "zk_packets_sent",
  "zk_packets_received",
  "zk_watch_count",
  "zk_min_latency",
  "zk_max_latency",
];

/** The same activity on a server: a session with an ephemeral and two watches. */
async function activity(server: ApacheServer): Promise<ZooKeeper> {
  const zk = await ZooKeeper.connect(server.connectString, { sessionTimeoutMs: 30000 });
  await zk.create("/a", null);
  await zk.create("/e", null, { mode: CreateMode.Ephemeral });
  await zk.exists("/a", true);
  await zk.getChildren("/", true);
  return zk;
}

type Answers = Record<string, string>;

async function askAll(server: ApacheServer, words: readonly string[]): Promise<Answers> {
  const out: Answers = {};
  for (const w of words) out[w] = await fourLetter(server.host, server.port, w);
  return out;
}

const WORDS = [
  "ruok",
  "srvr",
  "stat",
  "conf",
  "mntr",
  "cons",
  "dump",
  "wchs",
  "wchc",
  "wchp",
  "dirs",
  "isro",
  "envi",
  "srst",
  "crst",
] as const;

/** A check of one word: Apache's answer and zkts's; throws when zkts's layout differs. */
type Check = (a: string, z: string) => void;

const keyed = (sep: RegExp): Check => (a, z) => assert.deepEqual(keysOf(z, sep), keysOf(a, sep));
const sameLayout: Check = (a, z) => assert.equal(layout(z), layout(a));
const same: Check = (a, z) => assert.equal(z, a);

/** The checks CI runs. */
const CHECKS: Record<string, Check> = {
  ruok: same,
  isro: same,
  srst: same,
  crst: same,
  wchs: same,
  wchc: sameLayout,
  wchp: sameLayout,
  dirs: keyed(/: /),
  conf: keyed(/=/),
  srvr: keyed(/: /),
  stat: (a, z) => {
    keyed(/: /)(a, z);
    // the Clients list: one line a connection, with Apache's fields
    const clients = (s: string) =>
      s.split("\n").filter((l) => l.startsWith(" /")).map((l) => layout(l)).sort();
    assert.deepEqual(clients(z), clients(a));
  },
  mntr: (a, z) => {
    const zk = keysOf(z, /\t/);
    assert.deepEqual(zk.slice(0, 8), keysOf(a, /\t/).slice(0, 8));
    for (const k of MNTR_CORE) assert.ok(zk.includes(k), `mntr lacks ${k}`);
  },
  cons: (a, z) => assert.deepEqual(layout(z).split("\n").sort(), layout(a).split("\n").sort()),
  // Sessions fall into expiry buckets by when they were last touched (tickTime
  // apart): how many "expire at" groups there are is timing, not layout.
  dump: (a, z) => {
    const groups = /^N expire at <date>:$/;
    const norm = (s: string) => layout(s).split("\n").filter((l) => !groups.test(l)).join("\n");
    assert.equal(norm(z), norm(a));
    assert.ok(layout(z).split("\n").some((l) => groups.test(l)), "dump has expiry groups");
  },
  envi: (a, z) => {
    const zk = keysOf(z, /=/);
    assert.equal(zk[0], "Environment:");
    for (const k of ["zookeeper.version", "host.name", "os.name", "os.arch", "os.version"]) {
      assert.ok(keysOf(a, /=/).includes(k) && zk.includes(k), `envi lacks ${k}`);
    }
  },
};

/**
 * Strict checks zkts fails on purpose (README.md): its version string names
 * zkts, mntr lists Apache's core keys but not its ~500 JVM and processor
 * metrics, envi has no java.* keys.
 */
const KNOWN_CHECKS: Record<string, Check> = {
  "srvr values": sameLayout,
  "mntr keys": keyed(/\t/),
  "envi keys": keyed(/=/),
};

const known = Deno.env.get("ZKTS_INTEROP_KNOWN") === "1";

interopTest("four-letter words: Apache's layout from zkts", async (t) => {
  const servers: ApacheServer[] = [];
  const sessions: ZooKeeper[] = [];
  try {
    for (const target of TARGETS) servers.push(await target.start({ forceSync: false }));
    for (const s of servers) sessions.push(await activity(s));
    // srst and crst reset what the others show: ask them last
    const [a, z] = await Promise.all(servers.map((s) => askAll(s, WORDS)));
    for (const [word, check] of Object.entries(CHECKS)) {
      await t.step(word, () => check(a[word], z[word]));
    }
    if (known) {
      for (const [name, check] of Object.entries(KNOWN_CHECKS)) {
        const word = name.split(" ")[0];
        await t.step(`known: ${name}`, () => check(a[word], z[word]));
      }
    }
  } finally {
    for (const zk of sessions) await zk.close();
    for (const s of servers) await s.stop();
  }
});

interopTest(
  "four-letter words: a word outside the whitelist is refused as Apache does",
  async () => {
    const servers: ApacheServer[] = [];
    try {
      for (const target of TARGETS) {
        servers.push(
          await target.start({
            forceSync: false,
            extra: { "4lw.commands.whitelist": "ruok, srvr" },
          }),
        );
      }
      const answers = await Promise.all(
        servers.map(async (s) => [
          await fourLetter(s.host, s.port, "ruok"),
          await fourLetter(s.host, s.port, "stat"),
          await fourLetter(s.host, s.port, "mntr"),
        ]),
      );
      assert.equal(answers[0][1], "stat is not executed because it is not in the whitelist.\n");
      assert.deepEqual(answers[1], answers[0]);
    } finally {
      for (const s of servers) await s.stop();
    }
  },
);
