/**
 * A member without a quorum (issue #13): a 3-member ensemble config with
 * only member 1 started, Apache ZooKeeper 3.8 vs zkts, both real processes.
 * Every four-letter word and every admin command zkts has must answer as
 * Apache's does in that state: `ruok` imok (the liveness probe), `isro`
 * null, `envi`, `gtmk` and `stmk` as ever, the rest "not currently serving
 * requests"; only what must differ (the runtime's own facts in envi) is
 * masked.
 */
import assert from "node:assert/strict";
import { ADMIN_COMMANDS, FOUR_LETTER_WORDS } from "@zkts/server";
import { interopTest } from "../support/oracle.ts";
import {
  type ApacheEnsemble,
  type ApacheOptions,
  fourLetter,
  freePort,
  LOOPBACK,
  SERVLET_API_FLAG,
  startApacheEnsemble,
} from "../support/apache.ts";
import { startZktsEnsemble } from "../support/zkts.ts";

/** Every word of FourLetterCommands that zkts answers. */
const WORDS = FOUR_LETTER_WORDS;

/** Environment keys both runtimes have; their values are the machine's and the runtime's. */
const ENV_KEYS = [
  "zookeeper.version",
  "host.name",
  "os.name",
  "os.arch",
  "os.version",
  "user.name",
  "user.home",
  "user.dir",
  "os.memory.free",
  "os.memory.max",
  "os.memory.total",
];

/** A four-letter word followed by more bytes (stmk's mask), answered up to the close. */
async function askRaw(port: number, bytes: Uint8Array): Promise<string> {
  const conn = await Deno.connect({ hostname: LOOPBACK, port });
  try {
    await conn.write(bytes);
    const chunks: Uint8Array[] = [];
    const buf = new Uint8Array(4096);
    for (;;) {
      const n = await conn.read(buf).catch(() => null);
      if (n === null) break;
      chunks.push(buf.slice(0, n));
    }
    return new TextDecoder().decode(new Uint8Array(chunks.flatMap((c) => [...c])));
  } finally {
    try {
      conn.close();
    } catch { /* closed by the server */ }
  }
}

function stmk(mask: bigint): Uint8Array {
  const b = new Uint8Array(12);
  b.set(new TextEncoder().encode("stmk"));
  new DataView(b.buffer).setBigInt64(4, mask);
  return b;
}

/** The envi text with only the shared keys, values masked. */
function enviKeys(text: string): string[] {
  const lines = text.split("\n");
  assert.equal(lines[0], "Environment:");
  const keys = new Set(lines.slice(1).map((l) => l.split("=")[0]));
  return ENV_KEYS.filter((k) => keys.has(k));
}

interface Answer {
  status: number;
  type: string;
  body: string;
}

async function admin(port: number, path: string): Promise<Answer> {
  const r = await fetch(`http://${LOOPBACK}:${port}/commands/${path}`);
  const type = (r.headers.get("content-type") ?? "").split(";")[0];
  return { status: r.status, type, body: await r.text() };
}

/** The admin paths to ask: every name and alias zkts knows, and set_trace_mask's arguments. */
const ADMIN_PATHS = [
  ...ADMIN_COMMANDS.flatMap((c) => c.names),
  "no_such_command",
  "set_trace_mask?traceMask=x1",
  "set_trace_mask?traceMask=511",
  "get_trace_mask",
];

interface Member {
  ensemble: ApacheEnsemble;
  clientPort: number;
  adminPort: number;
}

async function startAlone(
  start: (n: number, opts: ApacheOptions) => Promise<ApacheEnsemble>,
): Promise<Member> {
  const adminPort = freePort();
  const ensemble = await start(3, {
    forceSync: false,
    startOnly: [1],
    jvmFlags: [SERVLET_API_FLAG],
    extra: {
      "admin.enableServer": true,
      "admin.serverAddress": LOOPBACK,
      "admin.serverPort": adminPort,
    },
  });
  const clientPort = ensemble.members[0].clientPort;
  // Up: the client port answers and the admin server lists its commands.
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      if (await fourLetter(LOOPBACK, clientPort, "ruok", 1000) === "imok") {
        const r = await fetch(`http://${LOOPBACK}:${adminPort}/commands`);
        await r.body?.cancel();
        if (r.ok) break;
      }
    } catch { /* not yet */ }
    if (Date.now() > deadline) {
      await ensemble.stop();
      throw new Error("member 1 did not come up alone");
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { ensemble, clientPort, adminPort };
}

interopTest("a member without a quorum answers the four-letter words as Apache's", async (t) => {
  const members: Member[] = [];
  try {
    members.push(await startAlone(startApacheEnsemble));
    members.push(await startAlone(startZktsEnsemble));
    const [a, z] = members;
    for (const word of WORDS) {
      await t.step(word, async () => {
        const [x, y] = [
          await fourLetter(LOOPBACK, a.clientPort, word),
          await fourLetter(LOOPBACK, z.clientPort, word),
        ];
        if (word === "envi") assert.deepEqual(enviKeys(y), enviKeys(x));
        else assert.equal(y, x);
      });
    }
    await t.step("stmk with a mask sets it; gtmk reads it back", async () => {
      for (const mask of [511n, -2n]) {
        const answers = await Promise.all(members.map((m) => askRaw(m.clientPort, stmk(mask))));
        assert.deepEqual(answers, [String(mask), String(mask)]);
        const read = await Promise.all(
          members.map((m) => fourLetter(LOOPBACK, m.clientPort, "gtmk")),
        );
        assert.deepEqual(read, [String(mask), String(mask)]);
      }
    });
    await t.step("still not serving", async () => {
      for (const m of members) {
        assert.equal(await m.ensemble.mode(1), null);
      }
    });
  } finally {
    for (const m of members) await m.ensemble.stop();
  }
});

interopTest("a member without a quorum answers the admin commands as Apache's", async (t) => {
  const members: Member[] = [];
  try {
    members.push(await startAlone(startApacheEnsemble));
    members.push(await startAlone(startZktsEnsemble));
    const [a, z] = members;
    for (const path of ADMIN_PATHS) {
      await t.step(path, async () => {
        const x = await admin(a.adminPort, path);
        const y = await admin(z.adminPort, path);
        assert.equal(y.status, x.status, "status");
        assert.equal(y.type, x.type, "content type");
        // MonitorCommand reads the missing zkServer: Jetty's error page (its text is Java's).
        if (x.status !== 200) return;
        const [jx, jy] = [JSON.parse(x.body), JSON.parse(y.body)];
        if (jx.command === "environment") {
          const keys = (o: Record<string, unknown>) => ENV_KEYS.filter((k) => k in o);
          assert.deepEqual(keys(jy), keys(jx));
          assert.equal(jy.error, jx.error);
        } else {
          assert.deepEqual(jy, jx);
        }
      });
    }
  } finally {
    for (const m of members) await m.ensemble.stop();
  }
});
