// The Java client scenario of zkts's golden wire fixtures: every op of the
// Apache ZooKeeper 3.8 Java client API, against a real server, through
// record.ts's recording proxy. Compiled and run by record.ts:
//   javac -cp /usr/share/java/zookeeper.jar -d <tmp> Scenario.java
//   java -cp <tmp>:/usr/share/java/zookeeper.jar:/usr/share/java/slf4j-simple.jar Scenario <host:port>
// Protocol with record.ts: a line "@@CUT" on stdout asks it to cut every
// connection through the proxy; it answers with a line on stdin.
// Exits 1 when a step did not get the answer it expected.

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.zookeeper.AddWatchMode;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.OpResult;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.admin.ZooKeeperAdmin;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Id;
import org.apache.zookeeper.data.Stat;
import org.apache.zookeeper.server.auth.DigestAuthenticationProvider;

public class Scenario {
    interface Action {
        Object run() throws Exception;
    }

    static final LinkedBlockingQueue<WatchedEvent> events = new LinkedBlockingQueue<>();
    static final AtomicInteger connects = new AtomicInteger();
    static int unexpected = 0;
    static final BufferedReader stdin =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));

    static final Watcher watcher = (WatchedEvent e) -> {
        if (e.getType() == Watcher.Event.EventType.None) {
            System.out.println("  state " + e.getState());
            if (e.getState() == Watcher.Event.KeeperState.SyncConnected) {
                synchronized (connects) {
                    connects.incrementAndGet();
                    connects.notifyAll();
                }
            }
        } else {
            System.out.println("  event " + e.getType() + " " + e.getPath());
            events.add(e);
        }
    };

    static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Runs a step that must succeed. */
    static Object ok(String name, Action a) {
        try {
            Object r = a.run();
            System.out.println("ok   " + name + " -> " + show(r));
            return r;
        } catch (Exception e) {
            unexpected++;
            System.out.println("FAIL " + name + " -> " + e);
            return null;
        }
    }

    /** Runs a step that must fail with the given code. */
    static void err(String name, KeeperException.Code code, Action a) {
        try {
            Object r = a.run();
            unexpected++;
            System.out.println("FAIL " + name + " -> no error: " + show(r));
        } catch (KeeperException e) {
            if (e.code() == code) {
                System.out.println("ok   " + name + " -> " + e.code());
            } else {
                unexpected++;
                System.out.println("FAIL " + name + " -> " + e.code() + ", expected " + code);
            }
        } catch (Exception e) {
            unexpected++;
            System.out.println("FAIL " + name + " -> " + e);
        }
    }

    static String show(Object r) {
        if (r instanceof byte[]) {
            byte[] d = (byte[]) r;
            return d.length > 40 ? d.length + " bytes" : "'" + new String(d, StandardCharsets.UTF_8) + "'";
        }
        if (r instanceof Stat) {
            Stat s = (Stat) r;
            return "stat(version=" + s.getVersion() + ", numChildren=" + s.getNumChildren() + ")";
        }
        if (r instanceof List) {
            List<String> out = new ArrayList<>();
            for (Object o : (List<?>) r) {
                if (o instanceof OpResult) {
                    out.add(o.getClass().getSimpleName()
                        + (o instanceof OpResult.ErrorResult ? "(" + ((OpResult.ErrorResult) o).getErr() + ")" : ""));
                } else {
                    out.add(String.valueOf(o));
                }
            }
            return out.toString();
        }
        return String.valueOf(r);
    }

    /** Waits for a watch notification of this type and path. */
    static void expectEvent(Watcher.Event.EventType type, String path) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 10_000;
        while (System.currentTimeMillis() < deadline) {
            WatchedEvent e = events.poll(deadline - System.currentTimeMillis(), TimeUnit.MILLISECONDS);
            if (e == null) break;
            if (e.getType() == type && path.equals(e.getPath())) {
                System.out.println("ok   notified " + type + " " + path);
                return;
            }
        }
        unexpected++;
        System.out.println("FAIL no " + type + " for " + path);
    }

    static void waitConnected(int count) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 15_000;
        synchronized (connects) {
            while (connects.get() < count && System.currentTimeMillis() < deadline) {
                connects.wait(Math.max(1, deadline - System.currentTimeMillis()));
            }
        }
        if (connects.get() < count) throw new IllegalStateException("not connected");
    }

    /** Asks record.ts to cut the connection, then waits for the client to reconnect. */
    static void cut(String why) throws Exception {
        int before = connects.get();
        System.out.println("@@CUT " + why);
        System.out.flush();
        stdin.readLine();
        waitConnected(before + 1);
        System.out.println("ok   reconnected after cut (" + why + ")");
    }

    public static void main(String[] args) throws Exception {
        String server = args[0];
        // A short session timeout so that a short idle time brings a ping.
        ZooKeeperAdmin zk = new ZooKeeperAdmin(server, 4000, watcher);
        waitConnected(1);

        List<ACL> open = ZooDefs.Ids.OPEN_ACL_UNSAFE;
        String userDigest = DigestAuthenticationProvider.generateDigest("user:pw");
        String otherDigest = DigestAuthenticationProvider.generateDigest("other:pw");

        // addAuthInfo: an auth packet, xid -4.
        zk.addAuthInfo("digest", b("user:pw"));

        // create in every mode.
        ok("create /s persistent", () -> zk.create("/s", b("root"), open, CreateMode.PERSISTENT));
        ok("create /s/p persistent", () -> zk.create("/s/p", b("p"), open, CreateMode.PERSISTENT));
        ok("create /s/ps- persistent sequential",
            () -> zk.create("/s/ps-", b("ps"), open, CreateMode.PERSISTENT_SEQUENTIAL));
        ok("create /s/e ephemeral", () -> zk.create("/s/e", b("e"), open, CreateMode.EPHEMERAL));
        ok("create /s/es- ephemeral sequential",
            () -> zk.create("/s/es-", b("es"), open, CreateMode.EPHEMERAL_SEQUENTIAL));
        ok("create /s/c container", () -> zk.create("/s/c", b("c"), open, CreateMode.CONTAINER));
        ok("create /s/c/child persistent", () -> zk.create("/s/c/child", b(""), open, CreateMode.PERSISTENT));
        // A short TTL: the server's container manager deletes it during the run.
        ok("create /s/ttl persistent with ttl", () -> zk.create("/s/ttl", b("ttl"), open,
            CreateMode.PERSISTENT_WITH_TTL, new Stat(), 1000));
        ok("create /s/ttls- persistent sequential with ttl", () -> zk.create("/s/ttls-", b("ttls"), open,
            CreateMode.PERSISTENT_SEQUENTIAL_WITH_TTL, new Stat(), 120_000));
        // create2: create returning a Stat.
        ok("create2 /s/p2 persistent with stat", () -> {
            Stat st = new Stat();
            zk.create("/s/p2", b("p2"), open, CreateMode.PERSISTENT, st);
            return st;
        });
        ok("create2 /s/e2 ephemeral with stat", () -> {
            Stat st = new Stat();
            zk.create("/s/e2", b("e2"), open, CreateMode.EPHEMERAL, st);
            return st;
        });
        ok("create2 /s/es2- ephemeral sequential with stat",
            () -> zk.create("/s/es2-", b("es2"), open, CreateMode.EPHEMERAL_SEQUENTIAL, new Stat()));
        byte[] big = new byte[3000];
        for (int i = 0; i < big.length; i++) big[i] = (byte) (i % 251);
        ok("create /s/big (3000 bytes)", () -> zk.create("/s/big", big, open, CreateMode.PERSISTENT));
        ok("create /s/empty (no data)", () -> zk.create("/s/empty", null, open, CreateMode.PERSISTENT));
        ok("create /s/unicode", () -> zk.create("/s/ünï", b("ü"), open, CreateMode.PERSISTENT));

        // exists: present, missing, with watches (NodeCreated, NodeDeleted).
        ok("exists /s/p", () -> zk.exists("/s/p", false));
        ok("exists /s/missing watch", () -> zk.exists("/s/missing", true));
        ok("create /s/missing", () -> zk.create("/s/missing", b("m"), open, CreateMode.PERSISTENT));
        expectEvent(Watcher.Event.EventType.NodeCreated, "/s/missing");
        ok("exists /s/missing watch", () -> zk.exists("/s/missing", true));
        ok("delete /s/missing", () -> {
            zk.delete("/s/missing", -1);
            return null;
        });
        expectEvent(Watcher.Event.EventType.NodeDeleted, "/s/missing");

        // getData / setData with a watch: NodeDataChanged.
        ok("getData /s/p watch", () -> zk.getData("/s/p", true, new Stat()));
        ok("setData /s/p version 0", () -> zk.setData("/s/p", b("p1"), 0));
        expectEvent(Watcher.Event.EventType.NodeDataChanged, "/s/p");
        ok("getData /s/big", () -> zk.getData("/s/big", false, null));
        ok("getData /s/empty", () -> zk.getData("/s/empty", false, null));
        ok("setData /s/big any version", () -> zk.setData("/s/big", b("small now"), -1));
        ok("getData /s/e watch", () -> zk.getData("/s/e", true, null));
        ok("delete /s/e", () -> {
            zk.delete("/s/e", 0);
            return null;
        });
        expectEvent(Watcher.Event.EventType.NodeDeleted, "/s/e");

        // ACLs.
        ok("create /s/acl creator-all (digest by auth)",
            () -> zk.create("/s/acl", b("acl"), ZooDefs.Ids.CREATOR_ALL_ACL, CreateMode.PERSISTENT));
        ok("getACL /s/acl", () -> zk.getACL("/s/acl", new Stat()));
        List<ACL> digestAcl = Arrays.asList(
            new ACL(ZooDefs.Perms.ALL, new Id("digest", userDigest)),
            new ACL(ZooDefs.Perms.READ, ZooDefs.Ids.ANYONE_ID_UNSAFE));
        ok("setACL /s/p2 digest + world read", () -> zk.setACL("/s/p2", digestAcl, 0));
        ok("getACL /s/p2", () -> zk.getACL("/s/p2", new Stat()));
        ok("getData /s/acl (authenticated)", () -> zk.getData("/s/acl", false, null));
        ok("create /s/noauth (other's digest)", () -> zk.create("/s/noauth", b("x"),
            Collections.singletonList(new ACL(ZooDefs.Perms.ALL, new Id("digest", otherDigest))),
            CreateMode.PERSISTENT));
        err("getData /s/noauth", KeeperException.Code.NOAUTH, () -> zk.getData("/s/noauth", false, null));
        err("setACL /s/p2 bad version", KeeperException.Code.BADVERSION,
            () -> zk.setACL("/s/p2", open, 7));

        // getChildren and getChildren2 with watches: NodeChildrenChanged.
        ok("getChildren /s watch", () -> zk.getChildren("/s", true));
        ok("create /s/newchild", () -> zk.create("/s/newchild", b(""), open, CreateMode.PERSISTENT));
        expectEvent(Watcher.Event.EventType.NodeChildrenChanged, "/s");
        ok("getChildren2 /s watch", () -> zk.getChildren("/s", true, new Stat()));
        ok("delete /s/newchild", () -> {
            zk.delete("/s/newchild", -1);
            return null;
        });
        expectEvent(Watcher.Event.EventType.NodeChildrenChanged, "/s");
        ok("getChildren2 /s/c", () -> zk.getChildren("/s/c", false, new Stat()));

        // sync (async only in the Java API).
        ok("sync /s", () -> {
            CountDownLatch done = new CountDownLatch(1);
            int[] rc = {99};
            zk.sync("/s", (r, path, ctx) -> {
                rc[0] = r;
                done.countDown();
            }, null);
            done.await(10, TimeUnit.SECONDS);
            if (rc[0] != 0) throw KeeperException.create(KeeperException.Code.get(rc[0]));
            return rc[0];
        });

        // multi: one that succeeds (create, setData, check, delete), one that fails.
        ok("multi ok", () -> zk.multi(Arrays.asList(
            Op.create("/s/m1", b("m1"), open, CreateMode.PERSISTENT),
            Op.setData("/s/m1", b("m1b"), 0),
            Op.check("/s/m1", 1),
            Op.create("/s/m2", b("m2"), open, CreateMode.PERSISTENT_SEQUENTIAL),
            Op.create("/s/mc", b("mc"), open, CreateMode.CONTAINER),
            Op.create("/s/mttl", b("mttl"), open, CreateMode.PERSISTENT_WITH_TTL, 60_000),
            Op.delete("/s/m1", 1))));
        ok("multi fails, results show the error", () -> {
            try {
                zk.multi(Arrays.asList(
                    Op.create("/s/m3", b("m3"), open, CreateMode.PERSISTENT),
                    Op.check("/s/p", 99),
                    Op.delete("/s/nothere", -1)));
                throw new IllegalStateException("multi should fail");
            } catch (KeeperException e) {
                if (e.code() != KeeperException.Code.BADVERSION) throw e;
                return e.getResults();
            }
        });
        ok("transaction (multi) create + setData + check + delete", () -> zk.transaction()
            .create("/s/t1", b("t1"), open, CreateMode.PERSISTENT)
            .setData("/s/t1", b("t1b"), -1)
            .check("/s/p", 1)
            .delete("/s/t1", -1)
            .commit());
        // multiRead: read ops only, an error stays per op.
        ok("multiRead getData + getChildren + missing", () -> zk.multi(Arrays.asList(
            Op.getData("/s/p"),
            Op.getChildren("/s"),
            Op.getData("/s/nothere"),
            Op.getChildren("/s/c"))));

        // Newer reads.
        ok("getEphemerals", () -> zk.getEphemerals());
        ok("getEphemerals /s/es", () -> zk.getEphemerals("/s/es"));
        ok("getAllChildrenNumber /s", () -> zk.getAllChildrenNumber("/s"));
        ok("getAllChildrenNumber /", () -> zk.getAllChildrenNumber("/"));
        ok("whoAmI", () -> {
            List<String> out = new ArrayList<>();
            zk.whoAmI().forEach(ci -> out.add(ci.getAuthScheme() + ":" + ci.getUser()));
            return out;
        });
        ok("getConfig", () -> zk.getConfig(false, new Stat()));
        ok("getConfig watch", () -> zk.getConfig(true, new Stat()));
        err("reconfig (disabled)", KeeperException.Code.RECONFIGDISABLED,
            () -> zk.reconfigure(null, null, "server.1=127.0.0.1:2888:3888;2181", -1, new Stat()));

        // Errors.
        err("getData /s/nothere", KeeperException.Code.NONODE, () -> zk.getData("/s/nothere", false, null));
        err("exists then getChildren /s/nothere", KeeperException.Code.NONODE,
            () -> zk.getChildren("/s/nothere", false));
        err("create /s/p again", KeeperException.Code.NODEEXISTS,
            () -> zk.create("/s/p", b(""), open, CreateMode.PERSISTENT));
        err("delete /s (has children)", KeeperException.Code.NOTEMPTY, () -> {
            zk.delete("/s", -1);
            return null;
        });
        err("setData /s/p bad version", KeeperException.Code.BADVERSION, () -> zk.setData("/s/p", b("x"), 99));
        err("delete /s/p bad version", KeeperException.Code.BADVERSION, () -> {
            zk.delete("/s/p", 99);
            return null;
        });
        err("create with a malformed digest ACL", KeeperException.Code.INVALIDACL,
            () -> zk.create("/s/badacl", b(""),
                Collections.singletonList(new ACL(ZooDefs.Perms.ALL, new Id("digest", "nocolon"))),
                CreateMode.PERSISTENT));
        err("create under an ephemeral", KeeperException.Code.NOCHILDRENFOREPHEMERALS,
            () -> zk.create("/s/e2/child", b(""), open, CreateMode.PERSISTENT));
        err("create under a missing parent", KeeperException.Code.NONODE,
            () -> zk.create("/s/nothere/child", b(""), open, CreateMode.PERSISTENT));
        err("setData /s/noauth", KeeperException.Code.NOAUTH, () -> zk.setData("/s/noauth", b("y"), -1));

        // A second session without auth: NoAuth on a creator-only node, InvalidACL for creator-all.
        ZooKeeper anon = new ZooKeeper(server, 4000, e -> { });
        long anonDeadline = System.currentTimeMillis() + 10_000;
        while (anon.getState() != ZooKeeper.States.CONNECTED && System.currentTimeMillis() < anonDeadline) {
            Thread.sleep(20);
        }
        err("anon: getData /s/acl", KeeperException.Code.NOAUTH, () -> anon.getData("/s/acl", false, null));
        err("anon: create creator-all without auth", KeeperException.Code.INVALIDACL,
            () -> anon.create("/s/anon", b(""), ZooDefs.Ids.CREATOR_ALL_ACL, CreateMode.PERSISTENT));
        ok("anon: whoAmI", () -> anon.whoAmI().size());
        anon.close();

        // Re-attaching our session with a wrong password: the server answers
        // that ConnectRequest with timeOut 0 and closes it (the client sees
        // Expired), and, as Apache 3.8 closes a session's connections before
        // it checks the password, it also closes our main connection, which
        // reconnects.
        int connectsBefore = connects.get();
        CountDownLatch expired = new CountDownLatch(1);
        ZooKeeper stale = new ZooKeeper(server, 4000, e -> {
            if (e.getState() == Watcher.Event.KeeperState.Expired) expired.countDown();
        }, zk.getSessionId(), new byte[16]);
        ok("re-attach with a wrong password: Expired", () -> {
            if (!expired.await(10, TimeUnit.SECONDS)) throw new IllegalStateException("no Expired");
            return "Expired";
        });
        stale.close();
        waitConnected(connectsBefore + 1);
        System.out.println("ok   main connection closed by the server and reconnected");

        // Pipelining: many async requests in flight at once, answered in order.
        ok("20 async creates and getData in flight", () -> {
            CountDownLatch done = new CountDownLatch(40);
            List<Integer> codes = Collections.synchronizedList(new ArrayList<>());
            for (int i = 0; i < 20; i++) {
                zk.create("/s/burst-", b("b" + i), open, CreateMode.PERSISTENT_SEQUENTIAL, (rc, path, ctx, name) -> {
                    codes.add(rc);
                    done.countDown();
                }, null);
                zk.getData("/s/p", false, (rc, path, ctx, data, stat) -> {
                    codes.add(rc);
                    done.countDown();
                }, null);
            }
            if (!done.await(10, TimeUnit.SECONDS)) throw new IllegalStateException("not all answered");
            for (int rc : codes) if (rc != 0) throw KeeperException.create(KeeperException.Code.get(rc));
            return codes.size() + " answers";
        });

        // ping: stay idle longer than a ping interval (a third of the session timeout).
        Thread.sleep(2500);
        ok("exists / after idling", () -> zk.exists("/", false));

        // A cut with standard watches set: the client re-attaches its session
        // and sends SetWatches (xid -8, op 101).
        ok("exists /s/w1 watch (missing)", () -> zk.exists("/s/w1", true));
        ok("getData /s/p watch", () -> zk.getData("/s/p", true, null));
        ok("getChildren /s/c watch", () -> zk.getChildren("/s/c", true));
        cut("standard watches set");
        ok("create /s/w1", () -> zk.create("/s/w1", b(""), open, CreateMode.PERSISTENT));
        expectEvent(Watcher.Event.EventType.NodeCreated, "/s/w1");
        ok("setData /s/p", () -> zk.setData("/s/p", b("p2"), -1));
        expectEvent(Watcher.Event.EventType.NodeDataChanged, "/s/p");
        ok("delete /s/c/child", () -> {
            zk.delete("/s/c/child", -1);
            return null;
        });
        expectEvent(Watcher.Event.EventType.NodeChildrenChanged, "/s/c");

        // addWatch: persistent and persistent-recursive, with their events.
        ok("addWatch /s/pw persistent", () -> {
            zk.addWatch("/s/pw", AddWatchMode.PERSISTENT);
            return null;
        });
        ok("addWatch /s/rw persistent recursive", () -> {
            zk.addWatch("/s/rw", AddWatchMode.PERSISTENT_RECURSIVE);
            return null;
        });
        ok("create /s/pw", () -> zk.create("/s/pw", b(""), open, CreateMode.PERSISTENT));
        expectEvent(Watcher.Event.EventType.NodeCreated, "/s/pw");
        ok("setData /s/pw", () -> zk.setData("/s/pw", b("1"), -1));
        expectEvent(Watcher.Event.EventType.NodeDataChanged, "/s/pw");
        ok("create /s/pw/x", () -> zk.create("/s/pw/x", b(""), open, CreateMode.PERSISTENT));
        expectEvent(Watcher.Event.EventType.NodeChildrenChanged, "/s/pw");
        ok("create /s/rw", () -> zk.create("/s/rw", b(""), open, CreateMode.PERSISTENT));
        expectEvent(Watcher.Event.EventType.NodeCreated, "/s/rw");
        ok("create /s/rw/a", () -> zk.create("/s/rw/a", b(""), open, CreateMode.PERSISTENT));
        expectEvent(Watcher.Event.EventType.NodeCreated, "/s/rw/a");
        // A cut with persistent watches set: SetWatches2 (op 105).
        ok("getData /s/pw watch", () -> zk.getData("/s/pw", true, null));
        cut("persistent watches set");
        ok("setData /s/rw/a", () -> zk.setData("/s/rw/a", b("a"), -1));
        expectEvent(Watcher.Event.EventType.NodeDataChanged, "/s/rw/a");
        ok("delete /s/rw/a", () -> {
            zk.delete("/s/rw/a", -1);
            return null;
        });
        expectEvent(Watcher.Event.EventType.NodeDeleted, "/s/rw/a");
        ok("delete /s/pw/x", () -> {
            zk.delete("/s/pw/x", -1);
            return null;
        });
        expectEvent(Watcher.Event.EventType.NodeChildrenChanged, "/s/pw");
        ok("delete /s/pw", () -> {
            zk.delete("/s/pw", -1);
            return null;
        });
        expectEvent(Watcher.Event.EventType.NodeDeleted, "/s/pw");

        // removeWatches (checkWatches, op 17) and removeAllWatches (op 18).
        Watcher own = e -> System.out.println("  own watcher " + e.getType() + " " + e.getPath());
        ok("getData /s/p2 own watcher", () -> zk.getData("/s/p2", own, null));
        ok("removeWatches /s/p2 own data watcher", () -> {
            zk.removeWatches("/s/p2", own, Watcher.WatcherType.Data, false);
            return null;
        });
        ok("removeAllWatches /s/rw any", () -> {
            zk.removeAllWatches("/s/rw", Watcher.WatcherType.Any, false);
            return null;
        });
        ok("removeAllWatches /s/pw any", () -> {
            zk.removeAllWatches("/s/pw", Watcher.WatcherType.Any, false);
            return null;
        });
        err("removeAllWatches /s/big (none set)", KeeperException.Code.NOWATCHER, () -> {
            zk.removeAllWatches("/s/big", Watcher.WatcherType.Children, false);
            return null;
        });

        // delete, the container's last child and the rest.
        ok("delete /s/p2", () -> {
            zk.delete("/s/p2", -1);
            return null;
        });
        ok("getChildren /s", () -> zk.getChildren("/s", false));

        // close: closeSession (op -11); the session's ephemerals go.
        zk.close();
        System.out.println(unexpected == 0 ? "DONE" : "DONE with " + unexpected + " unexpected");
        System.exit(unexpected == 0 ? 0 : 1);
    }
}
