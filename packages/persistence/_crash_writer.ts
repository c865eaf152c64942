// A writer process for crash_test.ts: opens (recovers) the txn log in the
// directory given, prints "start <lastZxid>", then appends txns in bursts and
// prints "ack <zxid>" for each txn once its append resolved (after its fsync),
// until killed. Private to the tests.
import { DenoStorage, seededRandom, TxnLog } from "./mod.ts";
import { fakeTxn } from "./_test_util.ts";

const [dir, seedArg] = Deno.args;
const random = seededRandom(Number(seedArg ?? 1));
const encoder = new TextEncoder();
const say = (line: string) => Deno.stdout.writeSync(encoder.encode(line + "\n"));

const log = await TxnLog.open({
  storage: new DenoStorage(),
  dir,
  preAllocSize: 64 * 1024,
  logger: { warn: (m: string) => say(`warn ${m}`), error: (m: string) => say(`error ${m}`) },
});
say(`start ${log.lastZxid}`);
let next = log.lastZxid < 1n ? 1n : log.lastZxid + 1n;
let inFlight = 0;
while (true) {
  for (let k = 1 + random.int(20); k > 0; k--) {
    const zxid = next++;
    inFlight++;
    log.append(zxid, fakeTxn(zxid, random.int(200))).then(() => {
      inFlight--;
      say(`ack ${zxid}`);
    });
  }
  if (random.chance(0.02)) log.roll();
  // Keep a bounded number of txns in flight; let the fsyncs run.
  while (inFlight > 200) await new Promise((r) => setTimeout(r, 1));
  await new Promise((r) => setTimeout(r, random.int(2)));
}
