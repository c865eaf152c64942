/**
 * Reads the golden wire fixtures of `packages/jute/testdata/wire/` (client ↔
 * Apache ZooKeeper 3.8 conversations recorded by
 * `packages/jute/testdata/record/record.ts`) and tells what they cover,
 * without any codec: just enough Jute to find request types, xids, error
 * codes, event types and the ops inside multi.
 *
 * A fixture is JSON lines: `{"meta": {client, server, scenario, recordedWith}}`,
 * then one `{"conn", "dir": "c2s"|"s2c", "hex"}` per frame (the payload
 * without its 4-byte length), in the order seen.
 *
 * @module
 */
import { fromHex, type RecordedFrame } from "./proxy.ts";

/** The folder of the wire fixtures. */
export const WIRE_FIXTURES_DIR = new URL("../../packages/jute/testdata/wire/", import.meta.url);

/** The first line of a fixture. */
export interface WireFixtureMeta {
  client: string;
  server: string;
  scenario: string;
  recordedWith: string;
}

/** A parsed fixture. */
export interface WireFixture {
  name: string;
  meta: WireFixtureMeta;
  frames: RecordedFrame[];
}

/**
 * Parses the text of one fixture.
 *
 * @param name The file name, for messages.
 * @param text The JSON lines.
 * @returns Its meta line and frames.
 * @throws SyntaxError when a line is not JSON or misses a field.
 *
 * @example
 * ```ts
 * import { parseWireFixture } from "./wire_fixtures.ts";
 * import assert from "node:assert/strict";
 * const f = parseWireFixture("x.jsonl", [
 *   '{"meta":{"client":"c","server":"s","scenario":"t","recordedWith":"r"}}',
 *   '{"conn":0,"dir":"c2s","hex":"00"}',
 * ].join("\n"));
 * assert.equal(f.frames[0].dir, "c2s");
 * ```
 */
export function parseWireFixture(name: string, text: string): WireFixture {
  const lines = text.split("\n").filter((l) => l.trim() !== "");
  if (lines.length === 0) throw new SyntaxError(`${name}: empty`);
  const first = JSON.parse(lines[0]);
  const meta = first.meta as WireFixtureMeta;
  for (const key of ["client", "server", "scenario", "recordedWith"] as const) {
    if (typeof meta?.[key] !== "string") throw new SyntaxError(`${name}: meta.${key} missing`);
  }
  const frames = lines.slice(1).map((line, i) => {
    const f = JSON.parse(line);
    if (
      !Number.isInteger(f.conn) || f.conn < 0 || (f.dir !== "c2s" && f.dir !== "s2c") ||
      typeof f.hex !== "string" || !/^([0-9a-f]{2})*$/.test(f.hex)
    ) {
      throw new SyntaxError(`${name}:${i + 2}: bad frame ${line.slice(0, 80)}`);
    }
    return { conn: f.conn, dir: f.dir, hex: f.hex } as RecordedFrame;
  });
  return { name, meta, frames };
}

/**
 * Reads every `*.jsonl` fixture of {@linkcode WIRE_FIXTURES_DIR}, by name.
 *
 * @returns The fixtures, sorted by file name.
 *
 * @example
 * ```ts
 * import { readWireFixtures } from "./wire_fixtures.ts";
 * for (const f of readWireFixtures()) console.log(f.name, f.frames.length);
 * ```
 */
export function readWireFixtures(): WireFixture[] {
  const names = [...Deno.readDirSync(WIRE_FIXTURES_DIR)]
    .filter((e) => e.isFile && e.name.endsWith(".jsonl"))
    .map((e) => e.name)
    .sort();
  return names.map((name) =>
    parseWireFixture(name, Deno.readTextFileSync(new URL(name, WIRE_FIXTURES_DIR)))
  );
}

/** What a set of frames covers. */
export interface WireCoverage {
  /** Request types (RequestHeader.type) of c2s frames after each connection's first. */
  opCodes: Set<number>;
  /** Op types inside multi and multiRead requests (MultiHeader.type). */
  multiOpCodes: Set<number>;
  /** Special xids seen in requests (-2 ping, -4 auth, -8 setWatches) and replies (-1 notification). */
  xids: Set<number>;
  /** Non-zero ReplyHeader.err of s2c frames. */
  errors: Set<number>;
  /** WatcherEvent.type of notifications (xid -1). */
  eventTypes: Set<number>;
  /** Connections, and how many first frames look like a ConnectRequest. */
  connections: number;
}

/**
 * Finds what frames cover: request types, ops inside multi, xids, errors,
 * notification event types.
 *
 * @param frames Frames in the order seen (any number of connections).
 * @returns The coverage.
 *
 * @example
 * ```ts
 * import { wireCoverage } from "./wire_fixtures.ts";
 * import assert from "node:assert/strict";
 * const c = wireCoverage([
 *   { conn: 0, dir: "c2s", hex: "00".repeat(45) },
 *   { conn: 0, dir: "c2s", hex: "00000001" + "00000004" + "00000001" + "2f" + "00" },
 * ]);
 * assert.deepEqual([...c.opCodes], [4]);
 * ```
 */
export function wireCoverage(frames: RecordedFrame[]): WireCoverage {
  const c: WireCoverage = {
    opCodes: new Set(),
    multiOpCodes: new Set(),
    xids: new Set(),
    errors: new Set(),
    eventTypes: new Set(),
    connections: 0,
  };
  const seen = new Set<string>();
  for (const f of frames) {
    const key = `${f.conn}/${f.dir}`;
    const first = !seen.has(key);
    seen.add(key);
    if (first) {
      if (f.dir === "c2s") c.connections++;
      continue; // ConnectRequest / ConnectResponse: no header
    }
    const b = fromHex(f.hex);
    const v = new DataView(b.buffer);
    if (f.dir === "c2s") {
      const xid = v.getInt32(0);
      const type = v.getInt32(4);
      c.opCodes.add(type);
      if (xid < 0) c.xids.add(xid);
      if (type === 14 || type === 22) {
        for (const t of multiOps(b, 8)) c.multiOpCodes.add(t);
      }
    } else {
      const xid = v.getInt32(0);
      const err = v.getInt32(12);
      if (err !== 0) c.errors.add(err);
      if (xid < 0) c.xids.add(xid);
      if (xid === -1) c.eventTypes.add(v.getInt32(16));
    }
  }
  return c;
}

/** The op types of a MultiOperationRecord starting at `at` (a MultiHeader each, then the op). */
function multiOps(b: Uint8Array, at: number): number[] {
  const v = new DataView(b.buffer);
  const types: number[] = [];
  const skipString = () => {
    const n = v.getInt32(at);
    at += 4 + Math.max(0, n);
  };
  const skipAcls = () => {
    const n = v.getInt32(at);
    at += 4;
    for (let i = 0; i < n; i++) {
      at += 4; // perms
      skipString(); // scheme
      skipString(); // id
    }
  };
  while (at + 9 <= b.length) {
    const type = v.getInt32(at);
    const done = b[at + 4] !== 0;
    at += 9;
    if (done) break;
    types.push(type);
    switch (type) {
      case 1: // create
      case 15: // create2
      case 19: // createContainer
        skipString(), skipString(), skipAcls(), at += 4;
        break;
      case 21: // createTTL
        skipString(), skipString(), skipAcls(), at += 4 + 8;
        break;
      case 2: // delete
      case 13: // check
        skipString(), at += 4;
        break;
      case 5: // setData
        skipString(), skipString(), at += 4;
        break;
      case 4: // getData
      case 8: // getChildren
        skipString(), at += 1;
        break;
      default:
        return types; // unknown: stop here
    }
  }
  return types;
}
