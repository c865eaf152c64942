"""Drives Apache ZooKeeper through every kind of write, for the txn-log golden
files of packages/datatree (see record_txnlog.ts). Run by that script with the
server's connect string as the only argument."""
import os
import sys
import time
from collections import namedtuple

from kazoo.client import KazooClient
from kazoo.exceptions import KazooException, ZookeeperError
from kazoo.protocol import serialization as ser
from kazoo.security import make_acl, make_digest_acl

OPEN = [make_acl("world", "anyone", all=True)]


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


def call(req):
    r = zk.handler.async_result()
    zk._call(req, r)
    return r.get(timeout=10)


def attempt(label, fn):
    try:
        fn()
        print(label, "ok")
    except (ZookeeperError, KazooException) as e:
        print(label, type(e).__name__)


hosts = sys.argv[1]
zk = KazooClient(hosts=hosts, timeout=10)
zk.start(timeout=15)
# The seeds' zkCli transcript on /china.
zk.create("/china", b"999")
zk.create("/china/tmp", b"")  # one earlier child change, so the first suffix is 1
zk.delete("/china/tmp")
for n in ["beijing", "shanghai", "guangzhou"]:
    print(zk.create("/china/" + n, n[:2].encode(), sequence=True))
other = KazooClient(hosts=hosts, timeout=10)
other.start(timeout=15)
for n in ["aaa", "bbb", "ccc"]:
    other.create("/china/" + n, n[0].upper().encode(), ephemeral=True)
other.create("/eph-root", b"x", ephemeral=True)
attempt("child of ephemeral", lambda: other.create("/eph-root/c", b""))
other.stop()
other.close()
zk.set("/china", b"888")
zk.delete("/china/guangzhou0000000003")
attempt("delete non-empty", lambda: zk.delete("/china"))
attempt("delete bad version", lambda: zk.delete("/china/beijing0000000001", version=5))
attempt("set missing", lambda: zk.set("/nope", b"x"))
attempt("create existing", lambda: zk.create("/china", b""))
attempt("create no parent", lambda: zk.create("/a/b", b""))
attempt("delete /zookeeper", lambda: zk.delete("/zookeeper"))
zk.set("/china", b"777", version=1)
# Sequential at the root, null data, create2.
zk.create("/seq-", None, sequence=True)
print(call(ser.Create2("/c2", b"two", OPEN, 0)))
# ACLs: digest auth, the auth scheme, setACL, a denied write.
zk.add_auth("digest", "zs:123")
zk.create("/sec", b"s", acl=[make_acl("auth", "", all=True)])
zk.set_acls("/china", [make_acl("world", "anyone", read=True, write=True, create=True, delete=True, admin=True), make_digest_acl("zs", "123", all=True)])
zk.create("/ro", b"r", acl=[make_acl("world", "anyone", read=True)])
attempt("set read-only", lambda: zk.set("/ro", b"w"))
attempt("invalid acl", lambda: zk.create("/badacl", b"", acl=[make_acl("nosuch", "x", all=True)]))
# Multi: one that commits, one that fails on its check.
t = zk.transaction()
t.create("/m", b"m")
t.create("/m/1", b"1")
t.set_data("/china", b"666")
t.check("/china", 3)
print("multi ok", t.commit())
t = zk.transaction()
t.create("/m/2", b"2")
t.check("/china", 42)
t.delete("/m/1")
print("multi fail", t.commit())
# Containers and TTL nodes (extendedTypesEnabled=true).
print(call(CreateContainer("/cont", b"", OPEN, 4)))
zk.create("/cont/kid", b"k")
zk.delete("/cont/kid")
print(call(CreateTTL("/ttl", b"t", OPEN, 5, 60000)))
print(call(CreateTTL("/ttl-seq-", b"t", OPEN, 6, 1)))
# The ContainerManager (checkIntervalMs=1000 here) deletes /cont (used, now empty) and the
# expired TTL node as session 0, while nothing else runs.
time.sleep(2.5)
# Quotas as zkCli's setquota writes them, then a hard limit hit.
zk.create("/q", b"")
zk.create("/zookeeper/quota/q/zookeeper_limits", b"count=-1,bytes=-1=;countHardLimit=3", makepath=True)
zk.create("/zookeeper/quota/q/zookeeper_stats", b"count=0,bytes=0")
zk.create("/q/1", b"12345")
zk.create("/q/2", b"")
zk.set("/q/1", b"1")
zk.delete("/q/2")
zk.create("/q/2", b"22")
# Last: kazoo 2.8 does not know QuotaExceeded (-125) and drops its connection.
try:
    zk.create("/q/3", b"", timeout=5) if False else zk.create_async("/q/3", b"").get(timeout=5)
except BaseException as e:  # noqa: BLE001
    print("quota exceeded", type(e).__name__)
sys.stdout.flush()
os._exit(0)
