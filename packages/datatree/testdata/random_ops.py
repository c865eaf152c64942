"""A seeded random mix of reads, writes, multis and watches against Apache
ZooKeeper, recorded as JSON lines (request, result, and every watch event each
connection received), for the offline differential test of packages/datatree
(random_test.ts). Run by record_txnlog.ts: random_ops.py <hosts> <seed> <n> <out.jsonl>."""
import base64
import json
import os
import random
import socket
import sys
import time
from collections import namedtuple

from kazoo import exceptions as kexc
from kazoo.client import KazooClient
from kazoo.exceptions import KazooException, ZookeeperError
from kazoo.protocol import connection as kconn
from kazoo.protocol import serialization as ser
from kazoo.protocol.serialization import Watch
from kazoo.security import ACL, Id

hosts, seed, n, out_path = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
rnd = random.Random(seed)
events = []  # (label, type, path), in the order connections read them

_orig = kconn.ConnectionHandler._read_watch_event


def _record(self, buffer, offset):
    w, _ = Watch.deserialize(buffer, offset)
    events.append([getattr(self.client, "label", "?"), w.type, w.path])
    return _orig(self, buffer, offset)


kconn.ConnectionHandler._read_watch_event = _record


# Codes kazoo 2.8 does not know (3.6+), so they raise instead of killing the connection.
class NoWatcherError(ZookeeperError):
    code = -121


class QuotaExceededError(ZookeeperError):
    code = -125


kexc.EXCEPTIONS[-121] = NoWatcherError
kexc.EXCEPTIONS[-125] = QuotaExceededError


class PathInt(namedtuple("PathInt", "path value")):
    """addWatch (path, mode), checkWatches and removeWatches (path, type)."""

    def serialize(self):
        b = bytearray()
        b.extend(ser.write_string(self.path))
        b.extend(ser.int_struct.pack(self.value))
        return b

    @classmethod
    def deserialize(cls, bytes, offset):
        return True


class SetWatches(namedtuple("SetWatches", "relative_zxid data exist child")):
    """setWatches (101): kazoo 2.8 never sends it, so the test does after a reconnect."""
    type = 101

    def serialize(self):
        b = bytearray()
        b.extend(ser.long_struct.pack(self.relative_zxid))
        for paths in (self.data, self.exist, self.child):
            b.extend(ser.int_struct.pack(len(paths)))
            for p in paths:
                b.extend(ser.write_string(p))
        return b

    @classmethod
    def deserialize(cls, bytes, offset):
        return True


class GetAllChildrenNumber(namedtuple("GetAllChildrenNumber", "path")):
    type = 104

    def serialize(self):
        return ser.write_string(self.path)

    @classmethod
    def deserialize(cls, bytes, offset):
        return ser.int_struct.unpack_from(bytes, offset)[0]


class GetEphemerals(namedtuple("GetEphemerals", "prefix")):
    type = 103

    def serialize(self):
        return ser.write_string(self.prefix)

    @classmethod
    def deserialize(cls, bytes, offset):
        count = ser.int_struct.unpack_from(bytes, offset)[0]
        offset += 4
        out = []
        for _ in range(count):
            p, offset = ser.read_string(bytes, offset)
            out.append(p)
        return out


class AddWatch(PathInt):
    type = 106


class CheckWatches(PathInt):
    type = 17


class RemoveWatches(PathInt):
    type = 18


class CreateContainer(ser.Create2):
    type = 19


class CreateTTL(namedtuple("CreateTTL", "path data acl flags ttl")):
    type = 21

    def serialize(self):
        b = ser.Create2(self.path, self.data, self.acl, self.flags).serialize()
        b.extend(ser.long_struct.pack(self.ttl))
        return b

    @classmethod
    def deserialize(cls, bytes, offset):
        return ser.Create2.deserialize(bytes, offset)


def client(label, auth=None):
    c = KazooClient(hosts=hosts, timeout=10)
    c.label = label
    c.start(timeout=15)
    if auth:
        c.add_auth("digest", auth)
    return c


def call(c, req):
    r = c.handler.async_result()
    c._call(req, r)
    return r.get(timeout=10)


def stat(s):
    # As strings: session ids do not fit a JavaScript number.
    return None if s is None else [str(x) for x in (s.czxid, s.mzxid, s.ctime, s.mtime, s.version, s.cversion,
                                                    s.aversion, s.ephemeralOwner, s.dataLength, s.numChildren,
                                                    s.pzxid)]


def b64(b):
    return None if b is None else base64.b64encode(b).decode()


ACLS = {
    "open": [ACL(31, Id("world", "anyone"))],
    "read": [ACL(1, Id("world", "anyone"))],
    "nodelete": [ACL(31 & ~8, Id("world", "anyone"))],
    "zs": [ACL(31, Id("digest", "zs:Ujd3Smwe0mX2xNrnMzRWWaNH/f4=")), ACL(1, Id("world", "anyone"))],
    "ip": [ACL(31, Id("ip", "127.0.0.1"))],
    "auth": [ACL(31, Id("auth", ""))],
    "bad": [ACL(31, Id("nosuch", "x"))],
}
NAMES = ["a", "b", "c", "d"]
known = []
watched = []


def pick_path():
    if known and rnd.random() < 0.6:
        return rnd.choice(known)
    depth = rnd.choice([1, 1, 2, 2, 3])
    return "/" + "/".join(rnd.choice(NAMES) for _ in range(depth))


def pick_data(nullable=False):
    r = rnd.random()
    if r < 0.1 and nullable:
        return None
    return bytes(rnd.randrange(256) for _ in range(rnd.choice([0, 1, 5, 10, 40])))


def pick_version():
    return rnd.choice([-1, -1, -1, 0, 1, 2, 5])


def err(e):
    return getattr(e, "code", None) if isinstance(e, ZookeeperError) else repr(e)


sessions = {"s1": client("s1", "zs:123"), "s2": client("s2")}
gen = 2
lines = []


def run(label, rec, fn):
    rec["s"] = sessions[label].label
    try:
        rec["res"] = fn(sessions[label])
    except (ZookeeperError, KazooException) as e:
        rec["res"] = {"err": err(e)}
    lines.append(rec)


for i in range(n):
    label = rnd.choice(["s1", "s1", "s2"])
    r = rnd.random()
    path = pick_path()
    if r < 0.30:
        if known and rnd.random() < 0.5:
            path = rnd.choice(known) + "/" + rnd.choice(NAMES)
        kind = rnd.choice(["create"] * 6 + ["create2", "container", "ttl"])
        data = pick_data(nullable=True)
        acl = rnd.choice(["open"] * 8 + ["read", "nodelete", "zs", "ip", "auth", "bad"])
        if kind == "container":
            flags = 4
        elif kind == "ttl":
            flags = rnd.choice([5, 6])
        else:
            flags = rnd.choice([0, 0, 0, 1, 2, 3])
        ttl = rnd.choice([1, 60000, 0]) if kind == "ttl" else None
        rec = {"op": "create", "kind": kind, "path": path + ("-" if flags in (2, 3, 6) else ""), "data": b64(data),
               "acl": acl, "flags": flags, "ttl": ttl}

        def do(c, rec=rec, data=data):
            acl_list = ACLS[rec["acl"]]
            if rec["kind"] == "create":
                p = c.create(rec["path"], data, acl=acl_list, ephemeral=rec["flags"] in (1, 3),
                             sequence=rec["flags"] in (2, 3))
                known.append(p)
                return {"path": p}
            if rec["kind"] == "create2":
                p, s = call(c, ser.Create2(rec["path"], data, acl_list, rec["flags"]))
            elif rec["kind"] == "container":
                p, s = call(c, CreateContainer(rec["path"], data, acl_list, 4))
            else:
                p, s = call(c, CreateTTL(rec["path"], data, acl_list, rec["flags"], rec["ttl"]))
            known.append(p)
            return {"path": p, "stat": stat(s)}

        run(label, rec, do)
    elif r < 0.40:
        rec = {"op": "delete", "path": path, "version": pick_version()}
        run(label, rec, lambda c, rec=rec: (c.delete(rec["path"], version=rec["version"]), {})[1])
    elif r < 0.52:
        data = pick_data()
        rec = {"op": "set", "path": path, "data": b64(data), "version": pick_version()}
        run(label, rec, lambda c, rec=rec, data=data: {"stat": stat(c.set(rec["path"], data, version=rec["version"]))})
    elif r < 0.55:
        rec = {"op": "setacl", "path": path, "acl": rnd.choice(["open", "open", "read", "zs", "auth", "bad"]),
               "version": pick_version()}
        run(label, rec, lambda c, rec=rec: {"stat": stat(c.set_acls(rec["path"], ACLS[rec["acl"]], version=rec["version"]))})
    elif r < 0.62:
        ops = []
        for _ in range(rnd.choice([1, 2, 3, 4])):
            k = rnd.choice(["create", "delete", "set", "check"])
            p = pick_path()
            if k == "create":
                ops.append({"op": "create", "path": p, "data": b64(pick_data()), "flags": rnd.choice([0, 0, 2])})
            elif k == "delete":
                ops.append({"op": "delete", "path": p, "version": pick_version()})
            elif k == "set":
                ops.append({"op": "set", "path": p, "data": b64(pick_data()), "version": pick_version()})
            else:
                ops.append({"op": "check", "path": p, "version": pick_version()})
        rec = {"op": "multi", "ops": ops}

        def do(c, ops=ops):
            t = c.transaction()
            for o in ops:
                if o["op"] == "create":
                    t.create(o["path"], base64.b64decode(o["data"]), sequence=o["flags"] == 2)
                elif o["op"] == "delete":
                    t.delete(o["path"], version=o["version"])
                elif o["op"] == "set":
                    t.set_data(o["path"], base64.b64decode(o["data"]), version=o["version"])
                else:
                    t.check(o["path"], o["version"])
            out = []
            for x in t.commit():
                if isinstance(x, BaseException):
                    out.append({"err": err(x)})
                elif isinstance(x, str):
                    known.append(x)
                    out.append({"path": x})
                elif x is True:
                    out.append({})
                else:
                    out.append({"stat": stat(x)})
            return {"results": out}

        run(label, rec, do)
    elif r < 0.72:
        rec = {"op": "get", "path": path, "watch": rnd.random() < 0.5}
        if rec["watch"]:
            watched.append(path)
        run(label, rec, lambda c, rec=rec: (lambda d: {"data": b64(d[0]), "stat": stat(d[1])})(
            c.get(rec["path"], watch=(lambda e: None) if rec["watch"] else None)))
    elif r < 0.82:
        rec = {"op": "exists", "path": path, "watch": rnd.random() < 0.5}
        run(label, rec, lambda c, rec=rec: {"stat": stat(c.exists(rec["path"], watch=(lambda e: None) if rec["watch"] else None))})
    elif r < 0.92:
        rec = {"op": "children", "path": path, "watch": rnd.random() < 0.5}
        if rec["watch"]:
            watched.append(path)
        run(label, rec, lambda c, rec=rec: (lambda d: {"children": d[0], "stat": stat(d[1])})(
            c.get_children(rec["path"], watch=(lambda e: None) if rec["watch"] else None, include_data=True)))
    elif r < 0.935:
        if watched and rnd.random() < 0.7:
            path = rnd.choice(watched)
        kind = rnd.choice(["addwatch", "addwatch", "checkwatch", "removewatch"])
        if kind == "addwatch":
            watched.append(path)
            rec = {"op": kind, "path": path, "mode": rnd.choice([0, 1])}
            run(label, rec, lambda c, rec=rec: (call(c, AddWatch(rec["path"], rec["mode"])), {})[1])
        else:
            rec = {"op": kind, "path": path, "type": rnd.choice([1, 2, 3, 4, 5])}
            req = CheckWatches if kind == "checkwatch" else RemoveWatches
            run(label, rec, lambda c, rec=rec, req=req: (call(c, req(rec["path"], rec["type"])), {})[1])
    elif r < 0.95:
        if rnd.random() < 0.5:
            rec = {"op": "count", "path": path}
            run(label, rec, lambda c, rec=rec: {"count": call(c, GetAllChildrenNumber(rec["path"]))})
        else:
            prefix = rnd.choice(["/", "", "/a", "/b", "/c-", path])
            rec = {"op": "ephemerals", "prefix": prefix}
            run(label, rec, lambda c, rec=rec: {"paths": call(c, GetEphemerals(rec["prefix"]))})
    elif r < 0.97:
        rec = {"op": "getacl", "path": path}
        run(label, rec, lambda c, rec=rec: (lambda d: {"acl": [[a.perms, a.id.scheme, a.id.id] for a in d[0]],
                                                         "stat": stat(d[1])})(c.get_acls(rec["path"])))
    elif r < 0.985:
        # s2's connection drops; the session stays. Its server-side watches go with the
        # connection; s1 writes meanwhile; then s2 sends setWatches with its last zxid.
        c = sessions["s2"]
        rel = c.last_zxid
        lines.append({"op": "drop", "s": c.label, "res": {}})
        states = []
        c.add_listener(lambda st: states.append(str(st)))
        c._connection._socket.shutdown(socket.SHUT_RDWR)
        deadline = time.time() + 15
        while time.time() < deadline and not ("SUSPENDED" in states and str(c.state) == "CONNECTED"):
            time.sleep(0.01)
        assert str(c.state) == "CONNECTED", states
        time.sleep(0.3)
        for _ in range(3):
            p = rnd.choice(watched) if watched else pick_path()
            data = pick_data()
            rec = {"op": "set", "path": p, "data": b64(data), "version": -1}
            run("s1", rec, lambda c1, rec=rec, data=data: {"stat": stat(c1.set(rec["path"], data, version=-1))})
        pool = watched + known
        pick = lambda: sorted({rnd.choice(pool) for _ in range(rnd.choice([0, 1, 3]))}) if pool else []
        rec = {"op": "setwatches", "relativeZxid": str(rel), "data": pick(), "exist": pick(), "child": pick()}
        run("s2", rec, lambda c2, rec=rec, rel=rel: (call(c2, SetWatches(rel, rec["data"], rec["exist"], rec["child"])), {})[1])
    else:
        # Session s2 ends (its ephemerals go) and a new one takes its place.
        old = sessions["s2"]
        gen += 1
        lines.append({"op": "restart", "s": old.label, "new": f"s{gen}"})
        old.stop()
        old.close()
        sessions["s2"] = client(f"s{gen}")

# The server's own counters before the sessions end (mntr, four-letter word).
host, port = hosts.split(":")
with socket.create_connection((host, int(port)), timeout=10) as sock:
    sock.sendall(b"mntr")
    raw = b""
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            break
        raw += chunk
mntr = dict(line.split("\t", 1) for line in raw.decode().splitlines() if "\t" in line)
lines.append({"op": "mntr", "s": "s1", "res": {k: mntr.get(k) for k in (
    "zk_znode_count", "zk_approximate_data_size", "zk_ephemerals_count", "zk_watch_count")}})

for c in sessions.values():
    lines.append({"op": "close", "s": c.label})
    c.stop()
    c.close()
with open(out_path, "w") as f:
    for line in lines:
        f.write(json.dumps(line) + "\n")
    f.write(json.dumps({"op": "events", "events": events}) + "\n")
sys.stdout.flush()
os._exit(0)
