// Hot paths of the codec: `deno bench packages/jute`. Each iteration handles
// one record (or one batch, as named), with a reused writer, as a server would.
import * as jute from "./mod.ts";

const openAcl: jute.ACL[] = [{ perms: jute.Perms.All, id: { scheme: "world", id: "anyone" } }];
const stat: jute.Stat = {
  czxid: 0x100000002n,
  mzxid: 0x100000a03n,
  ctime: 1700000000000n,
  mtime: 1700000000001n,
  version: 3,
  cversion: 0,
  aversion: 0,
  ephemeralOwner: 0x1000000a3b40001n,
  dataLength: 1024,
  numChildren: 0,
  pzxid: 0x100000002n,
};
const create: jute.CreateRequest = {
  path: "/app/locks/lock-0000000042",
  data: new Uint8Array(16),
  acl: openAcl,
  flags: jute.CreateMode.EphemeralSequential,
};
const reqHeader: jute.RequestHeader = { xid: 42, type: jute.OpCode.create };
const getData: jute.GetDataResponse = { data: new Uint8Array(1024).fill(0x61), stat };
const replyHeader: jute.ReplyHeader = { xid: 42, zxid: 0x100000a03n, err: 0 };
const multi: jute.MultiOperationRecord = {
  ops: Array.from({ length: 100 }, (_, i) => ({
    type: jute.OpCode.create,
    request: { ...create, path: `/app/batch/n${i}`, flags: 0 },
  })),
};

const w = new jute.JuteWriter(64 * 1024);
let sink: unknown;

function frame(write: () => void): Uint8Array {
  w.reset();
  const m = w.startFrame();
  write();
  w.endFrame(m);
  return w.bytes();
}

const createFrame = frame(() => {
  jute.RequestHeader.write(w, reqHeader);
  jute.CreateRequest.write(w, create);
}).slice(4);
const getDataFrame = frame(() => {
  jute.ReplyHeader.write(w, replyHeader);
  jute.GetDataResponse.write(w, getData);
}).slice(4);
const statBytes = jute.encode(jute.Stat, stat);
const multiBytes = jute.encode(jute.MultiOperationRecord, multi);

Deno.bench({
  group: "encode",
  name: "RequestHeader + CreateRequest (frame)",
  baseline: true,
  fn() {
    sink = frame(() => {
      jute.RequestHeader.write(w, reqHeader);
      jute.CreateRequest.write(w, create);
    });
  },
});
Deno.bench({
  group: "encode",
  name: "ReplyHeader + GetDataResponse 1 KiB (frame)",
  fn() {
    sink = frame(() => {
      jute.ReplyHeader.write(w, replyHeader);
      jute.GetDataResponse.write(w, getData);
    });
  },
});
Deno.bench({
  group: "encode",
  name: "Stat",
  fn() {
    w.reset();
    jute.Stat.write(w, stat);
    sink = w.bytes();
  },
});
Deno.bench({
  group: "encode",
  name: "multi of 100 creates",
  fn() {
    w.reset();
    jute.MultiOperationRecord.write(w, multi);
    sink = w.bytes();
  },
});

Deno.bench({
  group: "decode",
  name: "RequestHeader + CreateRequest",
  baseline: true,
  fn() {
    const r = new jute.JuteReader(createFrame);
    sink = jute.RequestHeader.read(r);
    sink = jute.CreateRequest.read(r);
  },
});
Deno.bench({
  group: "decode",
  name: "ReplyHeader + GetDataResponse 1 KiB (copy)",
  fn() {
    const r = new jute.JuteReader(getDataFrame);
    sink = jute.ReplyHeader.read(r);
    sink = jute.GetDataResponse.read(r);
  },
});
Deno.bench({
  group: "decode",
  name: "ReplyHeader + GetDataResponse 1 KiB (borrow)",
  fn() {
    const r = new jute.JuteReader(getDataFrame, 0, getDataFrame.length, { borrow: true });
    sink = jute.ReplyHeader.read(r);
    sink = jute.GetDataResponse.read(r);
  },
});
Deno.bench({
  group: "decode",
  name: "Stat",
  fn() {
    sink = jute.decode(jute.Stat, statBytes);
  },
});
Deno.bench({
  group: "decode",
  name: "multi of 100 creates",
  fn() {
    sink = jute.decode(jute.MultiOperationRecord, multiBytes);
  },
});

// 100 create frames back to back, as one socket read and as 1460-byte segments.
const stream = (() => {
  const parts: Uint8Array[] = [];
  for (let i = 0; i < 100; i++) parts.push(jute.encodeFrame(createFrame));
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
})();
const segments: Uint8Array[] = [];
for (let i = 0; i < stream.length; i += 1460) segments.push(stream.subarray(i, i + 1460));
const splitter = new jute.FrameSplitter();

Deno.bench({
  group: "frames",
  name: "split 100 create frames, one chunk",
  baseline: true,
  fn() {
    sink = splitter.push(stream);
  },
});
Deno.bench({
  group: "frames",
  name: "split 100 create frames, 1460-byte segments",
  fn() {
    for (const s of segments) sink = splitter.push(s);
  },
});

export { sink };
