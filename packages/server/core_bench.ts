/**
 * The standalone pipeline in one process, no sockets: frames in, prepare,
 * "log" (reported durable at once), apply, reply frames out.
 */
import { DataTree } from "@zkts/datatree";
import {
  ConnectRequest,
  CreateRequest,
  encode,
  GetDataRequest,
  JuteWriter,
  OpCode,
  RequestHeader,
  SetDataRequest,
} from "@zkts/jute";
import { type Conn, ServerCore } from "./core.ts";
import { silentLogger } from "./log.ts";

function setup(): { core: ServerCore; conn: number } {
  let now = 0;
  const core = new ServerCore(new DataTree<Conn>(), {
    tickTimeMs: 2000,
    minSessionTimeoutMs: 4000,
    maxSessionTimeoutMs: 40000,
    maxClientCnxns: 0,
    skipACL: false,
    reconfigEnabled: false,
    serverId: 1,
    lastZxid: 0n,
    logger: silentLogger,
  }, { nowMs: () => now++, wallMs: () => 1_700_000_000_000 + now });
  core.connect(1, "127.0.0.1", 1);
  const fx = core.receive(
    1,
    encode(ConnectRequest, {
      protocolVersion: 0,
      lastZxidSeen: 0n,
      timeOut: 30000,
      sessionId: 0n,
      passwd: new Uint8Array(16),
      readOnly: false,
    }),
  );
  core.logged(fx.persist[0].prepared.hdr.zxid);
  const w = new JuteWriter();
  RequestHeader.write(w, { xid: 1, type: OpCode.create });
  CreateRequest.write(w, {
    path: "/n",
    data: new Uint8Array(100),
    acl: [{ perms: 31, id: { scheme: "world", id: "anyone" } }],
    flags: 0,
  });
  core.logged(core.receive(1, w.toBytes()).persist[0].prepared.hdr.zxid);
  return { core, conn: 1 };
}

function frame(type: number, write: (w: JuteWriter) => void): Uint8Array {
  const w = new JuteWriter();
  RequestHeader.write(w, { xid: 7, type });
  write(w);
  return w.toBytes();
}

const getData = frame(OpCode.getData, (w) => GetDataRequest.write(w, { path: "/n", watch: false }));
const setData = frame(
  OpCode.setData,
  (w) => SetDataRequest.write(w, { path: "/n", data: new Uint8Array(100), version: -1 }),
);

{
  const { core, conn } = setup();
  let sent = 0;
  Deno.bench({
    group: "pipeline",
    name: "getData 100 B: frame in → reply frame out",
    baseline: true,
    fn() {
      sent += core.receive(conn, getData).send.length;
    },
  });
}
{
  const { core, conn } = setup();
  let sent = 0;
  Deno.bench({
    group: "pipeline",
    name: "setData 100 B: prepare → logged → apply → reply",
    fn() {
      const fx = core.receive(conn, setData);
      sent += core.logged(fx.persist[0].prepared.hdr.zxid).send.length;
    },
  });
}
{
  const { core, conn } = setup();
  Deno.bench({
    group: "pipeline",
    name: "setData 100 B x 100 pipelined, one group commit",
    n: 200,
    fn() {
      let last = 0n;
      for (let i = 0; i < 100; i++) last = core.receive(conn, setData).persist[0].prepared.hdr.zxid;
      core.logged(last);
    },
  });
}
