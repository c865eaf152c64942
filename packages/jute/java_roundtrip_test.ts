// Differential: random records encoded by zkts are read and re-written by
// Apache ZooKeeper's own classes (Java, vectors/ApacheRoundTrip.java), which
// must give back exactly our bytes. Needs the oracle (Debian's zookeeper and
// Java 17); skipped loudly without it outside CI.
import assert from "node:assert/strict";
import { interopTest } from "../../tests/support/oracle.ts";
import * as jute from "./mod.ts";
import { ALL } from "./_arbitrary.ts";
import { Prng, toHex } from "./_test_util.ts";

const SEED = Number(Deno.env.get("JUTE_SEED") ?? 20261124);
const PER_RECORD = 40;

async function run(cmd: string, args: string[], stdin?: string): Promise<string> {
  const p = new Deno.Command(cmd, {
    args,
    stdin: stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  // Write stdin while stdout is drained, or both pipes fill and block.
  const writing = stdin === undefined ? Promise.resolve() : (async () => {
    const w = p.stdin.getWriter();
    await w.write(new TextEncoder().encode(stdin));
    await w.close();
  })();
  const timer = setTimeout(() => p.kill("SIGKILL"), 120_000);
  try {
    const [out] = await Promise.all([p.output(), writing]);
    const text = new TextDecoder().decode(out.stdout);
    if (!out.success) {
      throw new Error(`${cmd} failed: ${new TextDecoder().decode(out.stderr).slice(0, 2000)}`);
    }
    return text;
  } finally {
    clearTimeout(timer);
  }
}

const READS: number[] = [jute.OpCode.getData, jute.OpCode.getChildren];

// MultiOperationRecord.deserialize builds `Op`s, which check what the bytes
// do not: no mixing of reads and writes, create flags valid for the op, TTLs
// in range. Random multis are bent to pass those checks.
function makeValidForJava(m: jute.MultiOperationRecord, rnd: Prng): void {
  const reads = m.ops.length > 0 && READS.includes(m.ops[0].type);
  m.ops = m.ops.filter((op) => READS.includes(op.type) === reads);
  for (const op of m.ops) {
    // Op.getData/Op.getChildren keep no watch flag: Apache re-writes false.
    if (op.type === jute.OpCode.getData || op.type === jute.OpCode.getChildren) {
      op.request.watch = false;
    }
    if (op.type === jute.OpCode.createTTL) {
      op.request.flags = 5 + rnd.int(2);
      op.request.ttl = BigInt(1 + rnd.int(1_000_000));
    } else if (op.type === jute.OpCode.createContainer) {
      op.request.flags = 4;
    } else if (op.type === jute.OpCode.create || op.type === jute.OpCode.create2) {
      op.request.flags = rnd.int(4);
      // 3.8.0's MultiOperationRecord reads a create2 op back as a create
      // (its Op.create ignores the header's type; later versions keep it).
      (op as { type: number }).type = jute.OpCode.create;
    }
  }
}

interopTest(
  `jute: Apache's classes read and re-write ${PER_RECORD} random records of every type byte for byte (seed ${SEED})`,
  async () => {
    const cp = ["zookeeper.jar", "zookeeper-jute.jar", "slf4j-api.jar", "slf4j-nop.jar"]
      .map((j) => `/usr/share/java/${j}`).join(":");
    const classes = await Deno.makeTempDir({ prefix: "jute-rt-" });
    try {
      const src = new URL("./vectors/ApacheRoundTrip.java", import.meta.url).pathname;
      await run("javac", ["-proc:none", "-nowarn", "-d", classes, "-cp", cp, src]);
      const rnd = new Prng(SEED);
      const cases: { name: string; hex: string }[] = [];
      for (const [rec, gen] of ALL) {
        if (
          rec.name.startsWith("Snapshot") ||
          ["DataNode", "ACLCache", "ZxidDigest"].includes(rec.name)
        ) {
          continue; // not Jute classes in Apache: covered by the golden snapshots
        }
        for (let i = 0; i < PER_RECORD; i++) {
          const v = gen(rnd) as Record<string, unknown>;
          // Apache 3.8's ConnectRequest/Response classes have no readOnly field
          // (ClientCnxn and ProtocolManager write that byte on their own).
          if (rec.name === "ConnectRequest" || rec.name === "ConnectResponse") delete v.readOnly;
          if (rec.name === "MultiOperationRecord") {
            makeValidForJava(v as unknown as jute.MultiOperationRecord, rnd);
          }
          cases.push({ name: rec.name, hex: toHex(jute.encode(rec, v)) });
        }
      }
      const input = cases.map((c) => `${c.name} ${c.hex}`).join("\n") + "\n";
      const out = (await run("java", ["-cp", `${classes}:${cp}`, "ApacheRoundTrip"], input))
        .split("\n");
      let checked = 0;
      for (const [i, c] of cases.entries()) {
        assert.equal(
          out[i],
          c.hex,
          `${c.name} #${i}: Apache re-wrote different bytes (seed ${SEED})`,
        );
        checked++;
      }
      assert.ok(checked > 70 * PER_RECORD);
    } finally {
      await Deno.remove(classes, { recursive: true });
    }
  },
);
