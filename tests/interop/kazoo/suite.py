#!/usr/bin/python3
"""kazoo (unchanged, Debian's 2.8) against a ZooKeeper server.

Usage: suite.py HOST:PORT SECTION

Each section asserts what Apache ZooKeeper 3.8 does and prints one JSON
object of canonical observations (zxids relative to the section's root,
times and session ids left out) on the last line of stdout, so that the Deno
test can also compare the two servers' outputs. Exit status 0 = passed.
"""
import json
import socket
import sys
import threading
import time

from kazoo.client import KazooClient
from kazoo.exceptions import (BadArgumentsError, BadVersionError,
                              InvalidACLError, NoAuthError,
                              NoChildrenForEphemeralsError, NodeExistsError,
                              NoNodeError, NotEmptyError, RolledBackError)
from kazoo.protocol.serialization import (Create2, int_struct, long_struct,
                                          write_buffer, write_string)
from kazoo.protocol.states import EventType, KazooState
from kazoo.security import (ACL, CREATOR_ALL_ACL, Id, OPEN_ACL_UNSAFE, READ_ACL_UNSAFE,
                            make_digest_acl, make_digest_acl_credential)

SERVER = sys.argv[1]
SECTION = sys.argv[2]
# Each section runs under a chroot of its own, so one server serves them all.
HOSTS = SERVER + "/" + SECTION
OUT = {}
BASE = [0]


def client(**kw):
    kw.setdefault("timeout", 10.0)
    zk = KazooClient(hosts=HOSTS, **kw)
    zk.start(timeout=15)
    return zk


def stat(s):
    """A Stat without times and session ids, zxids relative to BASE."""
    if s is None:
        return None

    def z(x):
        return 0 if x == 0 else x - BASE[0]

    return {
        "czxid": z(s.czxid), "mzxid": z(s.mzxid), "pzxid": z(s.pzxid),
        "version": s.version, "cversion": s.cversion,
        "aversion": s.aversion, "ephemeral": s.ephemeralOwner != 0,
        "dataLength": s.dataLength, "numChildren": s.numChildren,
    }


def record(key, value):
    OUT[key] = value


def raises(exc, fn, *a, **kw):
    try:
        fn(*a, **kw)
    except exc as e:
        return type(e).__name__
    raise AssertionError("expected %s from %s%r" % (exc.__name__, fn.__name__, a))


def synced(zk, path):
    """Returns zk after sync(path): the next read of zk sees every write
    acknowledged to any session before now. A session reads its own writes in
    order, but what another session wrote only after a sync: members apply
    commits at their own pace (sequential consistency, ZooKeeper Programmer's
    Guide "Consistency Guarantees"), so a read through a member one COMMIT
    behind is correct, on Apache too."""
    zk.sync(path)
    return zk


def wait_for(pred, what, timeout=15.0):
    deadline = time.time() + timeout
    while not pred():
        if time.time() > deadline:
            raise AssertionError("timed out waiting for " + what)
        time.sleep(0.02)


class CreateContainer(Create2):
    """createContainer (op 19): kazoo 2.8 has the record, not the method."""
    type = 19


class CreateTTL(Create2):
    """createTTL (op 21): Create2's fields and then the TTL."""
    type = 21

    def __new__(cls, path, data, acl, flags, ttl):
        self = super().__new__(cls, path, data, acl, flags)
        self.ttl = ttl
        return self

    def _replace(self, **kw):
        return CreateTTL(kw.get("path", self.path), self.data, self.acl, self.flags, self.ttl)

    def serialize(self):
        b = bytearray()
        b.extend(write_string(self.path))
        b.extend(write_buffer(self.data))
        b.extend(int_struct.pack(len(self.acl)))
        for acl in self.acl:
            b.extend(int_struct.pack(acl.perms) +
                     write_string(acl.id.scheme) + write_string(acl.id.id))
        b.extend(int_struct.pack(self.flags))
        b.extend(long_struct.pack(self.ttl))
        return b


def call(zk, request):
    """Sends a request through kazoo's connection; the path gets the chroot."""
    request = request._replace(path=zk.chroot + request.path)
    r = zk.handler.async_result()
    zk._call(request, r)
    res = r.get(timeout=10)
    if isinstance(res, tuple):
        return (zk.unchroot(res[0]), res[1])
    return res


# ---------------------------------------------------------------- sections


def section_ops():
    zk = client()
    try:
        BASE[0] = zk.create("/k", b"root", include_data=True)[1].czxid
        # every create mode kazoo has
        record("persistent", zk.create("/k/p", b"x"))
        path, s = zk.create("/k/p2", b"xy", include_data=True)
        record("create2", [path, stat(s)])
        record("seq", [zk.create("/k/s-", b"", sequence=True) for _ in range(3)])
        record("eph", zk.create("/k/e", b"e", ephemeral=True))
        record("ephseq", zk.create("/k/es-", b"", ephemeral=True, sequence=True))
        record("ephstat", stat(zk.exists("/k/e")))
        record("makepath", zk.create("/k/m/n/o", b"deep", makepath=True))
        # container and TTL through kazoo's own transport
        path, s = call(zk, CreateContainer("/k/c", b"c", OPEN_ACL_UNSAFE, 4))
        record("container", [path, stat(s)])
        call(zk, Create2("/k/c/child", b"", OPEN_ACL_UNSAFE, 0))
        path, s = call(zk, CreateTTL("/k/t", b"t", OPEN_ACL_UNSAFE, 5, 3600000))
        record("ttl", [path, stat(s)])
        path, s = call(zk, CreateTTL("/k/ts-", b"", OPEN_ACL_UNSAFE, 6, 3600000))
        record("ttlseq", [path, stat(s)])
        record("ttl0", raises(BadArgumentsError, call, zk,
                              CreateTTL("/k/t0", b"", OPEN_ACL_UNSAFE, 5, 0)))
        # errors
        record("exists_err", raises(NodeExistsError, zk.create, "/k/p"))
        record("noparent", raises(NoNodeError, zk.create, "/k/none/x"))
        record("ephchild", raises(NoChildrenForEphemeralsError, zk.create, "/k/e/x"))
        record("notempty", raises(NotEmptyError, zk.delete, "/k/m"))
        # get/set/delete with versions
        data, s = zk.get("/k/p")
        record("get", [data.decode(), stat(s)])
        record("set", stat(zk.set("/k/p", b"y", version=0)))
        record("badversion_set", raises(BadVersionError, zk.set, "/k/p", b"z", version=0))
        record("badversion_delete", raises(BadVersionError, zk.delete, "/k/p", version=7))
        zk.delete("/k/p", version=1)
        record("deleted", zk.exists("/k/p") is None)
        record("get_none", raises(NoNodeError, zk.get, "/k/p"))
        record("set_none", raises(NoNodeError, zk.set, "/k/p", b""))
        record("exists", [stat(zk.exists("/k")), zk.exists("/k/zz")])
        children, s = zk.get_children("/k", include_data=True)
        record("children", [sorted(children), stat(s)])
        record("sync", zk.sync("/k"))
        zk.ensure_path("/k/x/y/z")
        zk.ensure_path("/k/x/y/z")
        record("ensure_path", stat(zk.exists("/k/x/y/z")))
        zk.delete("/k/x", recursive=True)
        record("delete_recursive", zk.exists("/k/x"))
        record("server_version", zk.server_version()[:2])
        record("final", sorted(zk.get_children("/k")))
    finally:
        zk.stop()
        zk.close()


def section_acl():
    alice = make_digest_acl("alice", "secret", all=True)
    zk = client()
    za = client(auth_data=[("digest", "alice:secret")])
    try:
        BASE[0] = zk.create("/k", b"", include_data=True)[1].czxid
        za.create("/k/a", b"secret", acl=[alice])
        synced(zk, "/k/a")
        acl, s = za.get_acls("/k/a")
        record("get_acls", [[a.perms, a.id.scheme, a.id.id] for a in acl], )
        record("acl_stat", stat(s))
        record("noauth_get", raises(NoAuthError, zk.get, "/k/a"))
        record("noauth_set", raises(NoAuthError, zk.set, "/k/a", b""))
        record("noauth_create", raises(NoAuthError, zk.create, "/k/a/c"))
        record("auth_get", za.get("/k/a")[0].decode())
        zk.add_auth("digest", "alice:secret")
        record("after_add_auth", zk.get("/k/a")[0].decode())
        s = za.set_acls("/k/a", READ_ACL_UNSAFE + [alice], version=0)
        record("set_acls", stat(s))
        record("set_acls_badversion",
               raises(BadVersionError, za.set_acls, "/k/a", OPEN_ACL_UNSAFE, version=0))
        zo = client()
        try:
            record("read_now", synced(zo, "/k/a").get("/k/a")[0].decode())
            record("write_denied", raises(NoAuthError, zo.set, "/k/a", b""))
        finally:
            zo.stop()
            zo.close()
        # invalid ACLs
        record("bad_scheme", raises(InvalidACLError, zk.create, "/k/bad",
                                    acl=[ACL(31, Id("nosuch", "x"))]))
        record("bad_digest", raises(InvalidACLError, zk.create, "/k/bad",
                                    acl=[ACL(31, Id("digest", "alice"))]))
        # kazoo turns acl=[] into its default: send the empty list itself
        record("empty_acl", raises(InvalidACLError, call, zk, Create2("/k/bad", b"", [], 0)))
        record("digest_credential", make_digest_acl_credential("alice", "secret"))
        # ip scheme
        zk.create("/k/ip", b"", acl=[ACL(31, Id("ip", "127.0.0.1"))])
        record("ip_ok", zk.get("/k/ip")[0].decode())
    finally:
        for c in (zk, za):
            c.stop()
            c.close()


def section_acl_null_id():
    """kazoo writes the empty id of Id("auth", "") as a null string (-1)."""
    zk = client()
    try:
        BASE[0] = zk.create("/k", b"", include_data=True)[1].czxid
        record("auth_without_ids", raises(InvalidACLError, zk.create, "/k/c",
                                          acl=[ACL(31, Id("auth", ""))]))
        record("still_connected", zk.exists("/k") is not None)
        # kazoo's CREATOR_ALL_ACL is this very ACL
        zk.add_auth("digest", "alice:secret")
        zk.create("/k/cr", b"", acl=CREATOR_ALL_ACL)
        acl = zk.get_acls("/k/cr")[0]
        record("creator", [[a.perms, a.id.scheme, a.id.id] for a in acl])
    finally:
        zk.stop()
        zk.close()


def section_multi():
    zk = client()
    try:
        BASE[0] = zk.create("/k", b"", include_data=True)[1].czxid
        t = zk.transaction()
        t.create("/k/a", b"1")
        t.create("/k/b", b"2")
        t.set_data("/k/a", b"3")
        t.check("/k/a", 1)
        t.create("/k/s-", b"", sequence=True)
        res = t.commit()
        record("ok", [r if isinstance(r, (str, bool)) else stat(r) for r in res])
        t = zk.transaction()
        t.create("/k/c", b"")
        t.delete("/k/b", version=5)
        t.create("/k/d", b"")
        res = t.commit()
        record("failed", [type(r).__name__ for r in res])
        assert isinstance(res[0], RolledBackError), res
        assert isinstance(res[1], BadVersionError), res
        record("rolled_back", [zk.exists("/k/c"), zk.exists("/k/d")])
        t = zk.transaction()
        t.check("/k/nope", 0)
        res = t.commit()
        record("check_nonode", [type(r).__name__ for r in res])
        t = zk.transaction()
        t.delete("/k/a")
        t.delete("/k/b")
        record("deletes", t.commit())
        record("deleted", [zk.exists("/k/a"), zk.exists("/k/b")])
        record("final", sorted(zk.get_children("/k")))
    finally:
        zk.stop()
        zk.close()


def section_watches():
    zk = client()
    zo = client()
    try:
        BASE[0] = zk.create("/k", b"", include_data=True)[1].czxid
        events = []
        lock = threading.Lock()

        def w(ev):
            with lock:
                events.append([ev.type, ev.path])

        # one-shot: a data watch fires once
        zk.create("/k/a", b"0")
        zk.get("/k/a", watch=w)
        zo.set("/k/a", b"1")
        zo.set("/k/a", b"2")
        wait_for(lambda: len(events) >= 1, "data changed")
        zk.sync("/")
        time.sleep(0.2)
        record("one_shot", list(events))
        events.clear()
        # exists on a missing node, then created
        zk.exists("/k/b", watch=w)
        zo.create("/k/b")
        wait_for(lambda: len(events) >= 1, "created")
        # child watch, then delete of a watched node
        zk.get_children("/k", watch=w)
        zk.get("/k/b", watch=w)
        zo.delete("/k/b")
        wait_for(lambda: len(events) >= 3, "deleted + children")
        record("events", [events[0]] + sorted(events[1:]))
        events.clear()

        # DataWatch and ChildrenWatch recipes
        seen = []
        kids = []
        zk.create("/k/dw", b"a")

        @zk.DataWatch("/k/dw")
        def dw(data, s, event=None):
            seen.append([data.decode() if data is not None else None,
                         event.type if event else None])

        @zk.ChildrenWatch("/k/dw")
        def cw(children):
            kids.append(sorted(children))

        zo.set("/k/dw", b"b")
        wait_for(lambda: len(seen) >= 2, "DataWatch b")
        zo.create("/k/dw/x")
        wait_for(lambda: len(kids) >= 2, "ChildrenWatch x")
        zo.delete("/k/dw/x")
        wait_for(lambda: len(kids) >= 3, "ChildrenWatch -x")
        zo.delete("/k/dw")
        wait_for(lambda: len(seen) >= 3, "DataWatch deleted")
        record("datawatch", seen)
        record("childrenwatch", kids)
    finally:
        for c in (zk, zo):
            c.stop()
            c.close()


def section_sessions():
    zk = client()
    try:
        BASE[0] = zk.create("/k", b"", include_data=True)[1].czxid
        ze = client()
        ze.create("/k/e1", b"", ephemeral=True)
        ze.create("/k/e2-", b"", ephemeral=True, sequence=True)
        record("before_close", sorted(zk.get_children("/k")))
        ze.stop()
        ze.close()
        record("after_close", sorted(zk.get_children("/k")))
        record("parent", stat(zk.exists("/k")))
        # a session re-attached with its id and password keeps its ephemerals
        za = client()
        za.create("/k/r", b"", ephemeral=True)
        sid, pwd = za.client_id
        zb = client(client_id=(sid, pwd))
        record("reattached_same_session", zb.client_id[0] == sid)
        record("reattached_sees", zb.exists("/k/r") is not None)
        zb.stop()
        zb.close()
        # zb's close ended the session: za learns it is expired on reconnect
        record("after_reattach_close", zk.exists("/k/r"))
        za.stop()
        za.close()
    finally:
        zk.stop()
        zk.close()


class Gate:
    """A forwarder to the server that can be shut: the client behind it
    loses its connection and cannot make a new one, so its heartbeats stop."""

    def __init__(self, host, port):
        self.target = (host, port)
        self.lsock = socket.socket()
        self.lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.lsock.bind(("127.0.0.1", 0))
        self.lsock.listen(16)
        self.port = self.lsock.getsockname()[1]
        self.shut = False
        self.socks = []
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self):
        while True:
            try:
                c, _ = self.lsock.accept()
            except OSError:
                return
            if self.shut:
                c.close()
                continue
            s = socket.create_connection(self.target)
            self.socks += [c, s]
            for a, b in ((c, s), (s, c)):
                threading.Thread(target=self.pipe, args=(a, b), daemon=True).start()

    def pipe(self, a, b):
        try:
            while True:
                d = a.recv(65536)
                if not d:
                    break
                b.sendall(d)
        except OSError:
            pass
        for x in (a, b):
            try:
                x.close()
            except OSError:
                pass

    def block(self):
        self.shut = True
        for s in self.socks:
            try:
                s.shutdown(socket.SHUT_RDWR)
                s.close()
            except OSError:
                pass


def section_expiry():
    zk = client()
    host, port = SERVER.split(":")
    gate = Gate(host, int(port))
    states = []
    ze = KazooClient(hosts="127.0.0.1:%d/%s" % (gate.port, SECTION), timeout=2.0)
    ze.add_listener(lambda st: states.append(st))
    ze.start(timeout=15)
    try:
        BASE[0] = zk.create("/k", b"", include_data=True)[1].czxid
        ze.create("/k/e", b"", ephemeral=True)
        watched = []
        zk.exists("/k/e", watch=lambda ev: watched.append([ev.type, ev.path]))
        t0 = time.time()
        gate.block()
        wait_for(lambda: zk.exists("/k/e") is None, "the session to expire", 30)
        record("expired_in_time", time.time() - t0 < 3 * 2.0 + 2)
        wait_for(lambda: watched, "NodeDeleted")
        record("watched", watched)
        gate.shut = False
        wait_for(lambda: KazooState.LOST in states, "the client to see LOST", 30)
        record("client_lost", True)
    finally:
        ze.stop()
        ze.close()
        zk.stop()
        zk.close()
        gate.block()


def section_recipes():
    zk = client()
    try:
        zk.ensure_path("/r")
        # Lock: several contenders in threads, never two inside at once
        inside = [0]
        max_inside = [0]
        order = []
        clients = [client() for _ in range(4)]

        def contend(i, c):
            lock = c.Lock("/r/lock", "c%d" % i)
            for _ in range(3):
                with lock:
                    inside[0] += 1
                    max_inside[0] = max(max_inside[0], inside[0])
                    order.append(i)
                    time.sleep(0.01)
                    inside[0] -= 1

        ts = [threading.Thread(target=contend, args=(i, c)) for i, c in enumerate(clients)]
        for t in ts:
            t.start()
        for t in ts:
            t.join(60)
        record("lock_max_inside", max_inside[0])
        record("lock_acquisitions", len(order))
        lock = zk.Lock("/r/lock", "me")
        assert lock.acquire(timeout=10)
        record("lock_contenders", lock.contenders())
        other = clients[0].Lock("/r/lock", "other")
        record("lock_try_fails", other.acquire(blocking=False))
        lock.release()
        # Election
        won = []
        ev = threading.Event()
        done = threading.Event()

        def lead(name):
            won.append(name)
            ev.set()
            done.wait(10)

        e1 = clients[1].Election("/r/election", "one")
        threading.Thread(target=e1.run, args=(lead, "one"), daemon=True).start()
        ev.wait(10)
        record("election_winner", won)
        record("election_contenders", synced(zk, "/r/election").Election("/r/election").contenders())
        done.set()
        e1.cancel()
        # Barrier
        b = zk.Barrier("/r/barrier")
        b.create()
        passed = []
        synced(clients[2], "/r/barrier")
        th = threading.Thread(target=lambda: passed.append(clients[2].Barrier("/r/barrier").wait(10)))
        th.start()
        time.sleep(0.2)
        record("barrier_blocked", passed == [])
        b.remove()
        th.join(10)
        record("barrier_passed", passed)
        # DoubleBarrier with 2 members
        entered = []

        def member(c, name):
            db = c.DoubleBarrier("/r/double", 2, identifier=name)
            db.enter()
            entered.append(name)
            db.leave()

        ths = [threading.Thread(target=member, args=(clients[i], "m%d" % i)) for i in (2, 3)]
        for t in ths:
            t.start()
        for t in ths:
            t.join(20)
        record("double_barrier", sorted(entered))
        # Queue and LockingQueue
        q = zk.Queue("/r/queue")
        for x in (b"1", b"2", b"3"):
            q.put(x)
        q.put(b"urgent", priority=1)
        record("queue_len", len(q))
        record("queue", [q.get().decode() for _ in range(4)] + [q.get()])
        lq = zk.LockingQueue("/r/lq")
        lq.put(b"a")
        lq.put_all([b"b", b"c"], priority=50)
        items = []
        for _ in range(3):
            items.append(lq.get(5).decode())
            assert lq.consume()
        record("locking_queue", items)
        record("locking_queue_empty", lq.get(0.2))
        # Counter
        c = zk.Counter("/r/counter")
        c += 5
        c -= 2
        c2 = clients[0].Counter("/r/counter")
        c2 += 10
        synced(zk, "/r/counter")
        record("counter", [c.value, c2.value])
        fc = zk.Counter("/r/fcounter", default=0.5)
        fc += 1.25
        record("float_counter", fc.value)
        # Semaphore with 2 leases
        s1 = clients[0].Semaphore("/r/sem", "a", max_leases=2)
        s2 = clients[1].Semaphore("/r/sem", "b", max_leases=2)
        s3 = clients[2].Semaphore("/r/sem", "c", max_leases=2)
        assert s1.acquire(timeout=5) and s2.acquire(timeout=5)
        record("semaphore_third", s3.acquire(blocking=False))
        synced(clients[0], "/r/sem")
        record("semaphore_lease_holders", sorted(s1.lease_holders()))
        s1.release()
        record("semaphore_third_after", s3.acquire(timeout=5))
        s2.release()
        s3.release()
        # Party
        p1 = clients[0].Party("/r/party", "p1")
        p2 = clients[1].Party("/r/party", "p2")
        p1.join()
        p2.join()
        record("party", sorted(synced(zk, "/r/party").Party("/r/party")))
        p1.leave()
        record("party_after", sorted(synced(zk, "/r/party").Party("/r/party")))
        # TreeCache
        from kazoo.recipe.cache import TreeCache
        zk.ensure_path("/r/tree/a/b")
        tc = TreeCache(zk, "/r/tree")
        tc_events = []
        tc.listen(lambda ev: tc_events.append(ev.event_type))
        tc.start()
        wait_for(lambda: tc.get_data("/r/tree/a/b") is not None, "tree cache")
        zk.create("/r/tree/a/c", b"c")
        wait_for(lambda: tc.get_data("/r/tree/a/c") is not None, "tree cache update")
        record("tree_cache", sorted(tc.get_children("/r/tree/a")))
        tc.close()
        for x in clients:
            x.stop()
            x.close()
    finally:
        zk.stop()
        zk.close()


SECTIONS = {
    "ops": section_ops, "acl": section_acl, "acl_null_id": section_acl_null_id,
    "multi": section_multi,
    "watches": section_watches, "sessions": section_sessions,
    "expiry": section_expiry, "recipes": section_recipes,
}

if __name__ == "__main__":
    root = KazooClient(hosts=SERVER)
    root.start(timeout=15)
    root.ensure_path("/" + SECTION)
    root.stop()
    root.close()
    SECTIONS[SECTION]()
    print(json.dumps(OUT, sort_keys=True, default=str))
