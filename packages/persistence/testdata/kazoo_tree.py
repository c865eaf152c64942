# A varied tree written with kazoo into a ZooKeeper server, and a dump of a
# server's tree, for move_test.ts.
#   /usr/bin/python3 kazoo_tree.py fill 127.0.0.1:2181   # leaves its session open (ephemerals stay)
#   /usr/bin/python3 kazoo_tree.py dump 127.0.0.1:2181   # one JSON object per znode, sorted by path
import json
import os
import sys

from kazoo.client import KazooClient
from kazoo.security import make_digest_acl, make_acl

cmd, hosts = sys.argv[1], sys.argv[2]
zk = KazooClient(hosts=hosts, timeout=30.0)
zk.start(timeout=20)

if cmd == "fill":
    zk.add_auth("digest", "alice:secret")
    alice = make_digest_acl("alice", "secret", all=True)
    world_read = make_acl("world", "anyone", read=True)
    zk.create("/app", b"app")
    for i in range(40):
        zk.create("/app/n%d" % i, bytes([i % 256]) * i)
    for i in range(5):
        zk.create("/app/seq-", b"s%d" % i, sequence=True)
    zk.create("/app/eph", b"ephemeral", ephemeral=True)
    zk.create("/app/eseq-", b"", ephemeral=True, sequence=True)
    zk.create("/secure", b"secret data", acl=[alice, world_read])
    zk.create("/secure/child", b"c", acl=[alice])
    for i in range(10):
        zk.set("/app/n%d" % i, b"v2-%d" % i)
    for i in range(30, 40):
        zk.delete("/app/n%d" % i)
    zk.set_acls("/app/n1", [world_read, alice])
    t = zk.transaction()
    t.create("/multi", b"m")
    t.create("/multi/a", b"a")
    t.set_data("/app/n2", b"in a multi")
    t.delete("/app/n3")
    t.commit()
    print("session 0x%x" % zk.client_id[0], flush=True)
    os._exit(0)  # without closing the session: its ephemerals stay

if cmd == "dump":
    zk.add_auth("digest", "alice:secret")
    out = []

    def walk(path):
        data, stat = zk.get(path)
        acls, _ = zk.get_acls(path)
        out.append({
            "path": path,
            "data": (data or b"").hex(),
            "stat": [stat.czxid, stat.mzxid, stat.ctime, stat.mtime, stat.version, stat.cversion,
                     stat.aversion, stat.ephemeralOwner, stat.dataLength, stat.numChildren, stat.pzxid],
            "acl": [[a.perms, a.id.scheme, a.id.id] for a in acls],
        })
        for child in zk.get_children(path):
            walk(path.rstrip("/") + "/" + child)

    walk("/")
    for node in sorted(out, key=lambda n: n["path"]):
        print(json.dumps(node))
    zk.stop()
