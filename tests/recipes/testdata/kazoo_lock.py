"""kazoo's lock recipes, driven by tests/recipes/lock_process_test.ts.

usage: kazoo_lock.py HOSTS PATH MODE [ARG]
  contend ROUNDS  lock ROUNDS times; inside, create the ephemeral PATH-marker
                  (NodeExistsError = two holders); prints {"rounds", "violations"}
  hold | read-hold  take the Lock (or ReadLock), print "held", wait for a line on
                  stdin, release, print "released"
  sem-hold N      the same with a lease of a Semaphore of N leases
  elect           run an Election; as leader print "leader", wait for a line, step down
  try SECONDS     print "acquired" or "timeout"
"""
import json
import sys
import time

from kazoo.client import KazooClient
from kazoo.exceptions import LockTimeout, NodeExistsError

hosts, path, mode = sys.argv[1], sys.argv[2], sys.argv[3]
zk = KazooClient(hosts=hosts, timeout=10)
zk.start(timeout=15)
try:
    if mode == "contend":
        rounds, violations = int(sys.argv[4]), 0
        lock = zk.Lock(path, "kazoo")
        for _ in range(rounds):
            with lock:
                try:
                    zk.create(path + "-marker", ephemeral=True)
                except NodeExistsError:
                    violations += 1
                time.sleep(0.005)
                zk.delete(path + "-marker")
        print(json.dumps({"rounds": rounds, "violations": violations}), flush=True)
    elif mode in ("hold", "read-hold"):
        lock = zk.Lock(path, "kazoo") if mode == "hold" else zk.ReadLock(path, "kazoo")
        lock.acquire(timeout=10)
        print("held", flush=True)
        sys.stdin.readline()
        lock.release()
        print("released", flush=True)
    elif mode == "sem-hold":
        sem = zk.Semaphore(path, "kazoo", max_leases=int(sys.argv[4]))
        sem.acquire(timeout=10)
        print("held", flush=True)
        sys.stdin.readline()
        sem.release()
        print("released", flush=True)
    elif mode == "elect":
        def lead():
            print("leader", flush=True)
            sys.stdin.readline()
        zk.Election(path, "kazoo").run(lead)
        print("done", flush=True)
    elif mode == "try":
        lock = zk.Lock(path, "kazoo")
        try:
            lock.acquire(timeout=float(sys.argv[4]))
            print("acquired", flush=True)
            lock.release()
        except LockTimeout:
            print("timeout", flush=True)
finally:
    zk.stop()
    zk.close()
