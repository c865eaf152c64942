import assert from "node:assert/strict";
import { adminApp, type AdminHost } from "./admin.ts";
import { parseConfig } from "./config.ts";
import { Histogram } from "./core.ts";
import {
  fourLetterWord,
  setTraceMask,
  TRACE_MASK_DEFAULT,
  traceMask,
  ZK_NOT_SERVING,
} from "./four_letter.ts";

/** An ensemble member without a quorum: no request pipeline to read. */
function notServing(whitelist = "*"): AdminHost {
  return {
    config: parseConfig(
      `tickTime=2000\ndataDir=/nonexistent\nclientPort=2181\n4lw.commands.whitelist=${whitelist}\n`,
    ),
    get core(): never {
      throw new Error("not serving");
    },
    serving: false,
    logSyncHistogram: new Histogram([1]),
    fsyncThresholdExceedCount: 0,
  };
}

Deno.test("four-letter words of a server that does not serve, as Apache's commands answer", async (t) => {
  const cases: { word: string; answer: string | RegExp }[] = [
    { word: "ruok", answer: "imok" },
    { word: "isro", answer: "null" },
    { word: "gtmk", answer: String(TRACE_MASK_DEFAULT) },
    { word: "stmk", answer: "" }, // no mask after it: closed without an answer
    { word: "envi", answer: /^Environment:\nzookeeper\.version=3\.8\.0-zkts/ },
    { word: "hash", answer: ZK_NOT_SERVING }, // DigestCommand prints, no newline
    ...[
      "conf",
      "cons",
      "crst",
      "dirs",
      "dump",
      "srst",
      "srvr",
      "stat",
      "wchc",
      "wchp",
      "wchs",
      "mntr",
    ]
      .map((word) => ({ word, answer: `${ZK_NOT_SERVING}\n` })),
  ];
  for (const c of cases) {
    await t.step(c.word, () => {
      const got = fourLetterWord(c.word, notServing());
      if (typeof c.answer === "string") assert.equal(got, c.answer);
      else assert.match(got, c.answer);
    });
  }
  await t.step("a word outside the whitelist is refused first", () => {
    assert.equal(
      fourLetterWord("isro", notServing("srvr")),
      "isro is not executed because it is not in the whitelist.\n",
    );
  });
});

Deno.test("stmk sets the trace mask from the 8 bytes after it; gtmk reads it", () => {
  try {
    const rest = new Uint8Array(8);
    new DataView(rest.buffer).setBigInt64(0, -2n);
    assert.equal(fourLetterWord("stmk", notServing(), rest), "-2");
    assert.equal(traceMask(), -2n);
    assert.equal(fourLetterWord("gtmk", notServing()), "-2");
    assert.equal(fourLetterWord("stmk", notServing(), rest.subarray(0, 7)), "");
    assert.equal(traceMask(), -2n, "a short mask changes nothing");
  } finally {
    setTraceMask(TRACE_MASK_DEFAULT);
  }
});

Deno.test("admin commands of a server that does not serve, as Apache's Commands answer", async (t) => {
  const app = adminApp(notServing());
  const ask = async (path: string) => {
    const r = await app.fetch(new Request(`http://localhost/commands/${path}`));
    return { status: r.status, body: r.status === 200 ? await r.json() : await r.text() };
  };
  const cases: { path: string; status: number; body?: Record<string, unknown> }[] = [
    { path: "ruok", status: 200, body: { command: "ruok", error: ZK_NOT_SERVING } },
    { path: "lsnp", status: 200, body: { command: "lsnp", error: ZK_NOT_SERVING } },
    {
      path: "zabstate",
      status: 200,
      body: { voting: false, zabstate: "", command: "zabstate", error: null },
    },
    { path: "gtmk", status: 200, body: { tracemask: 306, command: "get_trace_mask", error: null } },
    {
      path: "set_trace_mask",
      status: 200,
      body: { command: "set_trace_mask", error: "setTraceMask requires long traceMask argument" },
    },
    { path: "nope", status: 200, body: { command: "nope", error: "Unknown command: nope" } },
    { path: "monitor", status: 500 },
  ];
  for (const c of cases) {
    await t.step(c.path, async () => {
      const got = await ask(c.path);
      assert.equal(got.status, c.status);
      if (c.body) assert.deepEqual(got.body, c.body);
    });
  }
});
