"""The kazoo scenario of zkts's golden wire fixtures (run by record.ts).

Usage: python3 kazoo_scenario.py 127.0.0.1:<proxy port>
Protocol with record.ts: a line "@@CUT" on stdout asks it to cut every
connection through the proxy; it answers with a line on stdin.
Exits 1 when a step did not get the answer it expected.
"""
import sys
import threading
import time

from kazoo.client import KazooClient, KazooState
from kazoo.exceptions import (BadVersionError, NoAuthError, NodeExistsError,
                              NoNodeError, NotEmptyError)
from kazoo.security import make_digest_acl, OPEN_ACL_UNSAFE

unexpected = 0


def ok(name, fn):
    global unexpected
    try:
        r = fn()
        print("ok   %s -> %r" % (name, r), flush=True)
        return r
    except Exception as e:  # noqa: BLE001
        unexpected += 1
        print("FAIL %s -> %r" % (name, e), flush=True)


def err(name, exc, fn):
    global unexpected
    try:
        r = fn()
        unexpected += 1
        print("FAIL %s -> no error: %r" % (name, r), flush=True)
    except exc as e:
        print("ok   %s -> %s" % (name, type(e).__name__), flush=True)
    except Exception as e:  # noqa: BLE001
        unexpected += 1
        print("FAIL %s -> %r" % (name, e), flush=True)


def wait(event, what):
    global unexpected
    if event.wait(10):
        print("ok   %s" % what, flush=True)
    else:
        unexpected += 1
        print("FAIL no %s" % what, flush=True)


def main():
    zk = KazooClient(hosts=sys.argv[1], timeout=4.0)
    connected = threading.Event()

    def listener(state):
        print("  state %s" % state, flush=True)
        if state == KazooState.CONNECTED:
            connected.set()
        else:
            connected.clear()

    zk.add_listener(listener)
    zk.start(timeout=15)
    zk.add_auth("digest", "kz:pw")

    ok("ensure_path /kz/a/b", lambda: zk.ensure_path("/kz/a/b"))
    ok("create /kz/node", lambda: zk.create("/kz/node", b"hello"))
    ok("create /kz/data2 include_data (create2)",
       lambda: zk.create("/kz/data2", b"x" * 1500, include_data=True)[1].version)
    ok("create /kz/eph ephemeral", lambda: zk.create("/kz/eph", b"e", ephemeral=True))
    ok("create /kz/seq- sequence", lambda: zk.create("/kz/seq-", b"s", sequence=True))
    ok("create /kz/eseq- ephemeral sequence",
       lambda: zk.create("/kz/eseq-", b"es", ephemeral=True, sequence=True))
    ok("create /kz/deep/er/path makepath", lambda: zk.create("/kz/deep/er/path", b"", makepath=True))
    ok("exists /kz/node", lambda: zk.exists("/kz/node").version)
    ok("exists /kz/none", lambda: zk.exists("/kz/none"))
    ok("get /kz/node", lambda: zk.get("/kz/node")[0])
    ok("set /kz/node", lambda: zk.set("/kz/node", b"world", version=0).version)
    ok("get_children /kz", lambda: sorted(zk.get_children("/kz")))
    ok("get_children /kz include_data (getChildren2)",
       lambda: zk.get_children("/kz", include_data=True)[1].numChildren)
    ok("sync /kz", lambda: zk.sync("/kz"))
    acl = make_digest_acl("kz", "pw", all=True)
    ok("create /kz/secret digest acl", lambda: zk.create("/kz/secret", b"s", acl=[acl]))
    ok("get_acls /kz/secret", lambda: len(zk.get_acls("/kz/secret")[0]))
    ok("set_acls /kz/node", lambda: zk.set_acls("/kz/node", [acl] + list(OPEN_ACL_UNSAFE)).aversion)
    other = make_digest_acl("other", "pw", all=True)
    ok("create /kz/locked other's acl", lambda: zk.create("/kz/locked", b"l", acl=[other]))
    err("get /kz/locked", NoAuthError, lambda: zk.get("/kz/locked"))
    err("get /kz/none", NoNodeError, lambda: zk.get("/kz/none"))
    err("create /kz/node again", NodeExistsError, lambda: zk.create("/kz/node"))
    err("delete /kz/a (not empty)", NotEmptyError, lambda: zk.delete("/kz/a"))
    err("set /kz/node bad version", BadVersionError, lambda: zk.set("/kz/node", b"", version=42))

    # Transactions (multi).
    def txn_ok():
        t = zk.transaction()
        t.create("/kz/t1", b"t1")
        t.set_data("/kz/t1", b"t1b")
        t.check("/kz/node", 1)
        t.delete("/kz/t1")
        return [type(r).__name__ if isinstance(r, Exception) else r for r in t.commit()]

    def txn_fail():
        t = zk.transaction()
        t.create("/kz/t2", b"t2")
        t.check("/kz/node", 99)
        return [type(r).__name__ if isinstance(r, Exception) else r for r in t.commit()]

    ok("transaction ok", txn_ok)
    ok("transaction fails", txn_fail)

    # Watches: data, children, exists; DataWatch and ChildrenWatch helpers.
    fired = {k: threading.Event() for k in ("data", "children", "created", "deleted")}
    ok("get /kz/node watch", lambda: zk.get("/kz/node", watch=lambda e: fired["data"].set())[0])
    ok("get_children /kz/a watch",
       lambda: zk.get_children("/kz/a", watch=lambda e: fired["children"].set()))
    ok("exists /kz/w watch", lambda: zk.exists("/kz/w", watch=lambda e: fired["created"].set()))
    ok("set /kz/node", lambda: zk.set("/kz/node", b"again").version)
    wait(fired["data"], "data watch fired")
    ok("create /kz/a/c", lambda: zk.create("/kz/a/c"))
    wait(fired["children"], "child watch fired")
    ok("create /kz/w", lambda: zk.create("/kz/w"))
    wait(fired["created"], "exists watch fired")
    ok("exists /kz/w watch", lambda: zk.exists("/kz/w", watch=lambda e: fired["deleted"].set()).version)

    # Idle past a ping interval.
    time.sleep(2.5)

    # A cut with watches set: kazoo reconnects with its session and sends SetWatches.
    ok("get_children /kz/deep watch", lambda: zk.get_children("/kz/deep", watch=lambda e: None))
    print("@@CUT watches set", flush=True)
    sys.stdin.readline()
    time.sleep(0.2)
    if connected.wait(15):
        print("ok   reconnected", flush=True)
    ok("delete /kz/w", lambda: zk.delete("/kz/w"))
    wait(fired["deleted"], "delete watch fired after reconnect")

    # A lock recipe: an ephemeral sequential contender node and its children.
    lock = zk.Lock("/kz/lock", "me")
    ok("lock acquire", lambda: lock.acquire(timeout=10))
    ok("lock contenders", lambda: lock.contenders())
    ok("lock release", lambda: lock.release())

    # Recursive delete.
    ok("delete /kz/deep recursive", lambda: zk.delete("/kz/deep", recursive=True))
    ok("server_version", lambda: zk.server_version())
    zk.stop()
    zk.close()
    print("DONE" if unexpected == 0 else "DONE with %d unexpected" % unexpected, flush=True)
    sys.exit(0 if unexpected == 0 else 1)


main()
