/*
 * Apache Curator 5.4 (Debian's libcurator-*-java, unchanged) against a
 * ZooKeeper server: zkts or Apache's. Compiled and run by ../curator_test.ts.
 *
 *   java CuratorSuite <connect> suite [check...]   one JSON line per check, exit 1 on a failure
 *   java CuratorSuite <connect> contend <lockPath> <rounds> <clients>   "ready", then {"rounds","violations"}
 *   java CuratorSuite <connect> hold <lockPath>     "held" ... (a line on stdin) ... "released"
 *   java CuratorSuite <connect> try <lockPath> <ms> "acquired" or "timeout"
 *
 * A check's "result" holds only what must be equal on both servers; "info"
 * holds timings and other values that may differ.
 */
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.api.CuratorWatcher;
import org.apache.curator.framework.api.transaction.CuratorOp;
import org.apache.curator.framework.api.transaction.CuratorTransactionResult;
import org.apache.curator.framework.recipes.atomic.AtomicValue;
import org.apache.curator.framework.recipes.atomic.DistributedAtomicLong;
import org.apache.curator.framework.recipes.barriers.DistributedBarrier;
import org.apache.curator.framework.recipes.barriers.DistributedDoubleBarrier;
import org.apache.curator.framework.recipes.cache.ChildData;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.curator.framework.recipes.cache.CuratorCacheListener;
import org.apache.curator.framework.recipes.leader.LeaderLatch;
import org.apache.curator.framework.recipes.leader.LeaderSelector;
import org.apache.curator.framework.recipes.leader.LeaderSelectorListenerAdapter;
import org.apache.curator.framework.recipes.locks.InterProcessMutex;
import org.apache.curator.framework.recipes.locks.InterProcessReadWriteLock;
import org.apache.curator.framework.recipes.locks.InterProcessSemaphoreV2;
import org.apache.curator.framework.recipes.locks.Lease;
import org.apache.curator.framework.recipes.nodes.PersistentNode;
import org.apache.curator.framework.recipes.nodes.PersistentTtlNode;
import org.apache.curator.framework.recipes.queue.DistributedQueue;
import org.apache.curator.framework.recipes.queue.QueueBuilder;
import org.apache.curator.framework.recipes.queue.QueueConsumer;
import org.apache.curator.framework.recipes.queue.QueueSerializer;
import org.apache.curator.framework.recipes.shared.SharedCount;
import org.apache.curator.framework.recipes.shared.VersionedValue;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.curator.retry.RetryNTimes;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.OpResult;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.data.Stat;

public final class CuratorSuite {
  private static String connect;
  private static final List<CuratorFramework> clients = Collections.synchronizedList(new ArrayList<>());

  interface Check {
    void run(Map<String, Object> result, Map<String, Object> info) throws Exception;
  }

  private static final Map<String, Check> CHECKS = new LinkedHashMap<>();

  static {
    CHECKS.put("fluent", CuratorSuite::fluent);
    CHECKS.put("crud", CuratorSuite::crud);
    CHECKS.put("transaction", CuratorSuite::transaction);
    CHECKS.put("watchers", CuratorSuite::watchers);
    CHECKS.put("curatorCache", CuratorSuite::curatorCache);
    CHECKS.put("mutex", CuratorSuite::mutex);
    CHECKS.put("readWriteLock", CuratorSuite::readWriteLock);
    CHECKS.put("semaphore", CuratorSuite::semaphore);
    CHECKS.put("leaderLatch", CuratorSuite::leaderLatch);
    CHECKS.put("leaderSelector", CuratorSuite::leaderSelector);
    CHECKS.put("atomicLong", CuratorSuite::atomicLong);
    CHECKS.put("sharedCount", CuratorSuite::sharedCount);
    CHECKS.put("barrier", CuratorSuite::barrier);
    CHECKS.put("doubleBarrier", CuratorSuite::doubleBarrier);
    CHECKS.put("queue", CuratorSuite::queue);
    CHECKS.put("persistentNode", CuratorSuite::persistentNode);
    CHECKS.put("ttl", CuratorSuite::ttl);
    CHECKS.put("protection", CuratorSuite::protection);
    CHECKS.put("persistentWatch", CuratorSuite::persistentWatch);
    CHECKS.put("acl", CuratorSuite::acl);
    CHECKS.put("config", CuratorSuite::config);
    CHECKS.put("semaphoreMutex", CuratorSuite::semaphoreMutex);
    CHECKS.put("multiLock", CuratorSuite::multiLock);
    CHECKS.put("groupMember", CuratorSuite::groupMember);
    CHECKS.put("simpleQueue", CuratorSuite::simpleQueue);
    CHECKS.put("priorityQueue", CuratorSuite::priorityQueue);
    CHECKS.put("delayQueue", CuratorSuite::delayQueue);
    CHECKS.put("caches", CuratorSuite::caches);
    CHECKS.put("sessionExpiry", CuratorSuite::sessionExpiry);
    CHECKS.put("chroot", CuratorSuite::chroot);
    CHECKS.put("misc", CuratorSuite::misc);
    CHECKS.put("handshake", CuratorSuite::handshake);
    CHECKS.put("bulk", CuratorSuite::bulk);
    // DiscoveryCheck.java is compiled only when curator-x-discovery is installed.
    CHECKS.put("discovery", (r, i) -> {
      try {
        Class.forName("DiscoveryCheck").getMethod("run", Map.class, Map.class).invoke(null, r, i);
      } catch (java.lang.reflect.InvocationTargetException e) {
        throw (Exception) e.getCause();
      }
    });
  }

  public static void main(String[] args) throws Exception {
    connect = args[0];
    String mode = args[1];
    Thread watchdog = new Thread(() -> {
      try {
        Thread.sleep(55_000);
        System.err.println("watchdog: 55 s elapsed");
        Runtime.getRuntime().halt(3);
      } catch (InterruptedException e) {
        // done
      }
    });
    watchdog.setDaemon(true);
    watchdog.start();
    int code;
    switch (mode) {
      case "suite":
        code = suite(java.util.Arrays.copyOfRange(args, 2, args.length));
        break;
      case "contend":
        code = contend(args[2], Integer.parseInt(args[3]), Integer.parseInt(args[4]));
        break;
      case "hold":
        code = hold(args[2]);
        break;
      case "try":
        code = tryAcquire(args[2], Long.parseLong(args[3]));
        break;
      default:
        System.err.println("unknown mode " + mode);
        code = 2;
    }
    System.out.flush();
    Runtime.getRuntime().halt(code);
  }

  // ---- plumbing ---------------------------------------------------------------

  static CuratorFramework client() throws Exception {
    return client(null);
  }

  static CuratorFramework client(String namespace) throws Exception {
    CuratorFrameworkFactory.Builder b = CuratorFrameworkFactory.builder()
        .connectString(connect)
        .sessionTimeoutMs(15000)
        .connectionTimeoutMs(13000)
        .retryPolicy(new ExponentialBackoffRetry(200, 3));
    if (namespace != null) b = b.namespace(namespace);
    CuratorFramework c = b.build();
    c.start();
    if (!c.blockUntilConnected(10, TimeUnit.SECONDS)) throw new IllegalStateException("not connected in 10 s");
    clients.add(c);
    return c;
  }

  static void check(boolean cond, String what) {
    if (!cond) throw new AssertionError(what);
  }

  static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  static String str(byte[] b) {
    return b == null ? null : new String(b, StandardCharsets.UTF_8);
  }

  static Map<String, Object> stat(Stat s) {
    if (s == null) return null;
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("version", s.getVersion());
    m.put("cversion", s.getCversion());
    m.put("dataLength", s.getDataLength());
    m.put("numChildren", s.getNumChildren());
    m.put("ephemeralOwner", s.getEphemeralOwner() == 0 ? "0" : (s.getEphemeralOwner() >>> 56) == 0xFF ? Long.toHexString(s.getEphemeralOwner()) : "session");
    return m;
  }

  static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  static int suite(String[] only) throws Exception {
    int failed = 0;
    ExecutorService ex = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r);
      t.setDaemon(true);
      return t;
    });
    List<String> names = only.length == 0 ? new ArrayList<>(CHECKS.keySet()) : List.of(only);
    for (String name : names) {
      Check c = CHECKS.get(name);
      Map<String, Object> line = new LinkedHashMap<>();
      Map<String, Object> result = new LinkedHashMap<>();
      Map<String, Object> info = new LinkedHashMap<>();
      line.put("check", name);
      long t0 = System.nanoTime();
      try {
        if (c == null) throw new IllegalArgumentException("no such check");
        Future<?> f = ex.submit(() -> {
          c.run(result, info);
          return null;
        });
        f.get(20, TimeUnit.SECONDS);
        line.put("ok", true);
      } catch (Throwable e) {
        Throwable cause = e instanceof java.util.concurrent.ExecutionException ? e.getCause() : e;
        line.put("ok", false);
        line.put("error", String.valueOf(cause));
        failed++;
      }
      info.put("ms", (System.nanoTime() - t0) / 1_000_000);
      line.put("result", result);
      line.put("info", info);
      System.out.println(Json.of(line));
      System.out.flush();
      synchronized (clients) {
        for (CuratorFramework cl : clients) {
          try {
            cl.close();
          } catch (Throwable ignored) {
            // closing
          }
        }
        clients.clear();
      }
    }
    return failed == 0 ? 0 : 1;
  }

  // ---- the checks -------------------------------------------------------------

  /** ZooKeeper.sync on the client's connection, waited for (at most 10 s). */
  static void syncPath(CuratorFramework cf, String path) throws Exception {
    CountDownLatch done = new CountDownLatch(1);
    cf.getZookeeperClient().getZooKeeper().sync(path, (rc, p, ctx) -> done.countDown(), null);
    check(done.await(10, TimeUnit.SECONDS), "sync " + path + " not answered");
  }

  /** The seeds' FluentTest demo in namespace "logs". */
  static void fluent(Map<String, Object> r, Map<String, Object> info) throws Exception {
    CuratorFramework c = client("logs");
    CuratorFramework raw = client();
    BlockingQueue<WatchedEvent> events = new LinkedBlockingQueue<>();
    String created = c.create().forPath("/host", bytes("myhost"));
    r.put("created", created);
    byte[] data = c.getData().usingWatcher((CuratorWatcher) events::add).forPath("/host");
    r.put("data", str(data));
    // Another session may be on another member: sync first, as a user would
    // (without it Apache's ensemble has answered false here, a legitimate lag).
    syncPath(raw, "/logs/host");
    r.put("rawExists", raw.checkExists().forPath("/logs/host") != null);
    r.put("setStat", stat(c.setData().forPath("/host", bytes("newhost"))));
    WatchedEvent ev = events.poll(5, TimeUnit.SECONDS);
    check(ev != null, "no data watch event");
    r.put("event", ev.getType() + " " + ev.getPath());
    r.put("updated", str(c.getData().forPath("/host")));
    c.delete().forPath("/host");
    r.put("existsAfterDelete", c.checkExists().forPath("/host") != null);
    check("myhost".equals(r.get("data")) && "newhost".equals(r.get("updated")), "data");
    check(!(Boolean) r.get("existsAfterDelete"), "deleted");
  }

  static void crud(Map<String, Object> r, Map<String, Object> info) throws Exception {
    CuratorFramework c = client();
    r.put("parents", c.create().creatingParentsIfNeeded().forPath("/crud/a/b/c", bytes("deep")));
    r.put("parentStat", stat(c.checkExists().forPath("/crud/a/b")));
    r.put("containerParents", c.create().creatingParentContainersIfNeeded().forPath("/crud/k/l", bytes("x")));
    List<String> seqs = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      seqs.add(c.create().creatingParentsIfNeeded().withMode(CreateMode.EPHEMERAL_SEQUENTIAL)
          .forPath("/crud/seq/n-", bytes("e" + i)));
    }
    r.put("sequential", seqs);
    List<String> kids = c.getChildren().forPath("/crud/seq");
    Collections.sort(kids);
    r.put("children", kids);
    r.put("ephemeralStat", stat(c.checkExists().forPath(seqs.get(0))));
    Stat s = c.setData().withVersion(0).forPath("/crud/a/b/c", bytes("v1"));
    r.put("setVersioned", stat(s));
    try {
      c.setData().withVersion(0).forPath("/crud/a/b/c", bytes("v2"));
      r.put("badVersion", "no error");
    } catch (KeeperException e) {
      r.put("badVersion", e.code().toString());
    }
    Stat st = new Stat();
    r.put("getData", str(c.getData().storingStatIn(st).forPath("/crud/a/b/c")));
    r.put("getDataStat", stat(st));
    r.put("missing", c.checkExists().forPath("/crud/nope") == null);
    try {
      c.create().forPath("/crud/a", bytes("dup"));
      r.put("nodeExists", "no error");
    } catch (KeeperException e) {
      r.put("nodeExists", e.code().toString());
    }
    try {
      c.delete().forPath("/crud/a");
      r.put("notEmpty", "no error");
    } catch (KeeperException e) {
      r.put("notEmpty", e.code().toString());
    }
    try {
      c.getData().forPath("/crud/nope");
      r.put("noNode", "no error");
    } catch (KeeperException e) {
      r.put("noNode", e.code().toString());
    }
    c.delete().guaranteed().deletingChildrenIfNeeded().forPath("/crud");
    r.put("afterDeleteAll", c.checkExists().forPath("/crud") == null);
    r.put("orSetData", c.create().orSetData().creatingParentsIfNeeded().forPath("/crud2/x", bytes("1")));
    c.create().orSetData().forPath("/crud2/x", bytes("22"));
    r.put("orSetData2", stat(c.checkExists().forPath("/crud2/x")));
    check((Boolean) r.get("afterDeleteAll"), "deletingChildrenIfNeeded left /crud");
    check("BADVERSION".equals(r.get("badVersion")), "bad version: " + r.get("badVersion"));
  }

  static void transaction(Map<String, Object> r, Map<String, Object> info) throws Exception {
    CuratorFramework c = client();
    c.create().forPath("/txn", bytes("root"));
    List<CuratorOp> ops = List.of(
        c.transactionOp().create().forPath("/txn/a", bytes("a")),
        c.transactionOp().create().withMode(CreateMode.PERSISTENT_SEQUENTIAL).forPath("/txn/s-", bytes("s")),
        c.transactionOp().setData().forPath("/txn", bytes("root2")),
        c.transactionOp().check().withVersion(1).forPath("/txn"),
        c.transactionOp().delete().forPath("/txn/a"));
    List<Object> res = new ArrayList<>();
    for (CuratorTransactionResult t : c.transaction().forOperations(ops)) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("type", t.getType().toString());
      m.put("forPath", t.getForPath());
      m.put("resultPath", t.getResultPath());
      m.put("stat", stat(t.getResultStat()));
      res.add(m);
    }
    r.put("committed", res);
    try {
      c.transaction().forOperations(List.of(
          c.transactionOp().create().forPath("/txn/b", bytes("b")),
          c.transactionOp().check().withVersion(7).forPath("/txn"),
          c.transactionOp().delete().forPath("/txn/nope")));
      r.put("failed", "no error");
    } catch (KeeperException e) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("code", e.code().toString());
      List<Object> errs = new ArrayList<>();
      if (e.getResults() != null) {
        for (OpResult o : e.getResults()) {
          errs.add(o instanceof OpResult.ErrorResult ? ((OpResult.ErrorResult) o).getErr() : o.getClass().getSimpleName());
        }
      }
      m.put("results", errs);
      r.put("failed", m);
    }
    r.put("bRolledBack", c.checkExists().forPath("/txn/b") == null);
    check((Boolean) r.get("bRolledBack"), "failed transaction left /txn/b");
  }

  static void watchers(Map<String, Object> r, Map<String, Object> info) throws Exception {
    CuratorFramework c = client();
    CuratorFramework other = client();
    BlockingQueue<String> events = new LinkedBlockingQueue<>();
    CuratorWatcher w = e -> events.add(e.getType() + " " + e.getPath());
    c.create().forPath("/w");
    c.checkExists().usingWatcher(w).forPath("/w/x");
    c.getChildren().usingWatcher(w).forPath("/w");
    other.create().forPath("/w/x", bytes("1"));
    List<String> got = new ArrayList<>();
    for (int i = 0; i < 2; i++) got.add(events.poll(5, TimeUnit.SECONDS));
    Collections.sort(got, (a, b) -> String.valueOf(a).compareTo(String.valueOf(b)));
    r.put("onCreate", got);
    c.getData().usingWatcher(w).forPath("/w/x");
    other.setData().forPath("/w/x", bytes("2"));
    r.put("onSet", events.poll(5, TimeUnit.SECONDS));
    c.checkExists().usingWatcher(w).forPath("/w/x");
    other.delete().forPath("/w/x");
    r.put("onDelete", events.poll(5, TimeUnit.SECONDS));
    other.setData().forPath("/w", bytes("no watch left"));
    r.put("oneShot", events.poll(300, TimeUnit.MILLISECONDS));
    check(!got.contains(null) && r.get("onSet") != null && r.get("onDelete") != null, "missing events");
  }

  static void curatorCache(Map<String, Object> r, Map<String, Object> info) throws Exception {
    CuratorFramework c = client();
    CuratorFramework other = client();
    c.create().forPath("/cache", bytes("root"));
    c.create().forPath("/cache/pre", bytes("p"));
    BlockingQueue<String> events = new LinkedBlockingQueue<>();
    CountDownLatch init = new CountDownLatch(1);
    CuratorCache cache = CuratorCache.build(c, "/cache");
    cache.listenable().addListener(CuratorCacheListener.builder()
        .forCreates(n -> events.add("create " + n.getPath() + " " + str(n.getData())))
        .forChanges((o, n) -> events.add("change " + n.getPath() + " " + str(o.getData()) + "->" + str(n.getData())))
        .forDeletes(n -> events.add("delete " + n.getPath()))
        .forInitialized(init::countDown)
        .build());
    cache.start();
    check(init.await(5, TimeUnit.SECONDS), "cache not initialized");
    List<String> initial = new ArrayList<>();
    events.drainTo(initial);
    Collections.sort(initial);
    r.put("initial", initial);
    List<String> seen = new ArrayList<>();
    other.create().creatingParentsIfNeeded().forPath("/cache/a/deep", bytes("1"));
    seen.add(events.poll(5, TimeUnit.SECONDS));
    seen.add(events.poll(5, TimeUnit.SECONDS));
    other.setData().forPath("/cache/a/deep", bytes("2"));
    seen.add(events.poll(5, TimeUnit.SECONDS));
    other.delete().deletingChildrenIfNeeded().forPath("/cache/a");
    seen.add(events.poll(5, TimeUnit.SECONDS));
    seen.add(events.poll(5, TimeUnit.SECONDS));
    r.put("events", seen);
    ChildData pre = cache.get("/cache/pre").orElse(null);
    r.put("cachedPre", pre == null ? null : str(pre.getData()));
    r.put("size", cache.size());
    cache.close();
    check(!seen.contains(null), "missing cache events: " + seen);
  }

  /**
   * A critical section: an ephemeral marker (NodeExists = another holder is
   * inside) and an unversioned read-append-write of `tag` to the log node
   * (an overlap would lose an entry).
   */
  static boolean critical(CuratorFramework c, String lockPath, String tag) throws Exception {
    boolean clean = true;
    try {
      c.create().withMode(CreateMode.EPHEMERAL).forPath(lockPath + "-marker");
    } catch (KeeperException.NodeExistsException e) {
      clean = false;
    }
    String log = str(c.getData().forPath(lockPath + "-log"));
    sleep(3);
    c.setData().forPath(lockPath + "-log", bytes(log + tag));
    if (clean) c.delete().forPath(lockPath + "-marker");
    return clean;
  }

  /** Runs `rounds` acquire/critical/release rounds in each of `n` clients (threads). */
  static Map<String, Object> contendRounds(String lockPath, int rounds, int n, boolean announce) throws Exception {
    AtomicInteger violations = new AtomicInteger();
    AtomicInteger holders = new AtomicInteger();
    AtomicInteger acquired = new AtomicInteger();
    List<Thread> threads = new ArrayList<>();
    List<Throwable> errors = Collections.synchronizedList(new ArrayList<>());
    for (int i = 0; i < n; i++) {
      CuratorFramework c = client();
      InterProcessMutex m = new InterProcessMutex(c, lockPath);
      Thread t = new Thread(() -> {
        try {
          for (int k = 0; k < rounds; k++) {
            if (!m.acquire(20, TimeUnit.SECONDS)) throw new IllegalStateException("acquire timed out");
            try {
              if (holders.incrementAndGet() > 1) violations.incrementAndGet();
              acquired.incrementAndGet();
              if (!critical(c, lockPath, "J")) violations.incrementAndGet();
              holders.decrementAndGet();
            } finally {
              m.release();
            }
          }
        } catch (Throwable e) {
          errors.add(e);
        }
      });
      threads.add(t);
    }
    if (announce) {
      System.out.println("ready");
      System.out.flush();
    }
    for (Thread t : threads) t.start();
    for (Thread t : threads) t.join(30_000);
    if (!errors.isEmpty()) throw new IllegalStateException(errors.get(0));
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("rounds", acquired.get());
    m.put("violations", violations.get());
    return m;
  }

  static void mutex(Map<String, Object> r, Map<String, Object> info) throws Exception {
    CuratorFramework c = client();
    c.create().creatingParentsIfNeeded().forPath("/mutex/lock-log", bytes(""));
    r.put("contend", contendRounds("/mutex/lock", 5, 4, false));
    r.put("log", str(c.getData().forPath("/mutex/lock-log")));
    // Reentrancy and node names.
    InterProcessMutex m = new InterProcessMutex(c, "/mutex/lock");
    m.acquire();
    m.acquire();
    List<String> kids = c.getChildren().forPath("/mutex/lock");
    r.put("reentrantNodes", kids.size());
    r.put("nodeName", kids.get(0).matches("_c_[0-9a-f-]{36}-lock-\\d{10}"));
    info.put("node", kids.get(0));
    CuratorFramework other = client();
    InterProcessMutex m2 = new InterProcessMutex(other, "/mutex/lock");
    r.put("otherWhileHeld", m2.acquire(200, TimeUnit.MILLISECONDS));
    m.release();
    r.put("heldAfterOneRelease", m.isAcquiredInThisProcess());
    m.release();
    r.put("otherAfterRelease", m2.acquire(5, TimeUnit.SECONDS));
    m2.release();
    check("J".repeat(20).equals(r.get("log")), "log " + r.get("log"));
    check(((Map<?, ?>) r.get("contend")).get("violations").equals(0), "overlap");
    check(!(Boolean) r.get("otherWhileHeld") && (Boolean) r.get("otherAfterRelease"), "exclusion");
  }

  static void readWriteLock(Map<String, Object> r, Map<String, Object> info) throws Exception {
    CuratorFramework a = client();
    CuratorFramework b = client();
    CuratorFramework w = client();
    InterProcessReadWriteLock la = new InterProcessReadWriteLock(a, "/rw");
    InterProcessReadWriteLock lb = new InterProcessReadWriteLock(b, "/rw");
    InterProcessReadWriteLock lw = new InterProcessReadWriteLock(w, "/rw");
    r.put("readerA", la.readLock().acquire(5, TimeUnit.SECONDS));
    r.put("readerB", lb.readLock().acquire(5, TimeUnit.SECONDS));
    r.put("writerWhileRead", lw.writeLock().acquire(200, TimeUnit.MILLISECONDS));
    la.readLock().release();
    lb.readLock().release();
    r.put("writerAfterRead", lw.writeLock().acquire(5, TimeUnit.SECONDS));
    r.put("readerWhileWrite", la.readLock().acquire(200, TimeUnit.MILLISECONDS));
    r.put("downgrade", lw.readLock().acquire(2, TimeUnit.SECONDS));
    lw.writeLock().release();
    r.put("readerAfterDowngrade", la.readLock().acquire(5, TimeUnit.SECONDS));
    la.readLock().release();
    lw.readLock().release();
    List<String> kids = a.getChildren().forPath("/rw");
    r.put("leftover", kids.size());
    check((Boolean) r.get("readerB") && !(Boolean) r.get("writerWhileRead") && (Boolean) r.get("writerAfterRead")
        && !(Boolean) r.get("readerWhileWrite") && (Boolean) r.get("readerAfterDowngrade"), "rw semantics " + r);
  }

  static void semaphore(Map<String, Object> r, Map<String, Object> info) throws Exception {
    List<InterProcessSemaphoreV2> sems = new ArrayList<>();
    for (int i = 0; i < 3; i++) sems.add(new InterProcessSemaphoreV2(client(), "/sem", 2));
    Lease l0 = sems.get(0).acquire(5, TimeUnit.SECONDS);
    Lease l1 = sems.get(1).acquire(5, TimeUnit.SECONDS);
    Lease l2 = sems.get(2).acquire(200, TimeUnit.MILLISECONDS);
    r.put("leases", List.of(l0 != null, l1 != null, l2 != null));
    r.put("participants", sems.get(0).getParticipantNodes().size());
    sems.get(0).returnLease(l0);
    Lease l3 = sems.get(2).acquire(5, TimeUnit.SECONDS);
    r.put("afterReturn", l3 != null);
    r.put("twoWhileFull", sems.get(0).acquire(2, 200, TimeUnit.MILLISECONDS) == null);
    sems.get(1).returnLease(l1);
    sems.get(2).returnLease(l3);
    java.util.Collection<Lease> two = sems.get(0).acquire(2, 5, TimeUnit.SECONDS);
    r.put("twoWhenFree", two == null ? 0 : two.size());
    sems.get(0).returnAll(two);
    check(l2 == null && l3 != null && two != null && two.size() == 2, "semaphore " + r);
  }

  static void leaderLatch(Map<String, Object> r, Map<String, Object> info) throws Exception {
    List<LeaderLatch> latches = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      LeaderLatch l = new LeaderLatch(client(), "/latch", "p" + i);
      latches.add(l);
      l.start();
    }
    LeaderLatch first = null;
    long deadline = System.currentTimeMillis() + 5000;
    while (first == null && System.currentTimeMillis() < deadline) {
      for (LeaderLatch l : latches) if (l.hasLeadership()) first = l;
      sleep(10);
    }
    check(first != null, "no leader");
    int leaders = 0;
    for (LeaderLatch l : latches) if (l.hasLeadership()) leaders++;
    r.put("leaders", leaders);
    r.put("participants", first.getParticipants().size());
    r.put("leaderIdMatches", first.getLeader().getId().equals(first.getId()));
    first.close();
    LeaderLatch next = null;
    deadline = System.currentTimeMillis() + 5000;
    while (next == null && System.currentTimeMillis() < deadline) {
      for (LeaderLatch l : latches) if (l != first && l.hasLeadership()) next = l;
      sleep(10);
    }
    r.put("handedOver", next != null);
    leaders = 0;
    for (LeaderLatch l : latches) if (l != first && l.hasLeadership()) leaders++;
    r.put("leadersAfterClose", leaders);
    info.put("first", first.getId());
    info.put("next", next == null ? null : next.getId());
    for (LeaderLatch l : latches) if (l != first) l.close();
    check(next != null && (Integer) r.get("leaders") == 1 && leaders == 1, "latch " + r);
  }

  static void leaderSelector(Map<String, Object> r, Map<String, Object> info) throws Exception {
    AtomicInteger leading = new AtomicInteger();
    AtomicInteger overlap = new AtomicInteger();
    Map<String, AtomicInteger> turns = new ConcurrentHashMap<>();
    List<String> order = Collections.synchronizedList(new ArrayList<>());
    List<LeaderSelector> sels = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      String id = "s" + i;
      turns.put(id, new AtomicInteger());
      LeaderSelector s = new LeaderSelector(client(), "/selector", new LeaderSelectorListenerAdapter() {
        @Override
        public void takeLeadership(CuratorFramework c) throws Exception {
          if (leading.incrementAndGet() > 1) overlap.incrementAndGet();
          order.add(id);
          turns.get(id).incrementAndGet();
          Thread.sleep(50);
          leading.decrementAndGet();
        }
      });
      s.setId(id);
      s.autoRequeue();
      sels.add(s);
    }
    for (LeaderSelector s : sels) s.start();
    long deadline = System.currentTimeMillis() + 10_000;
    while (System.currentTimeMillis() < deadline
        && (turns.get("s0").get() < 3 || turns.get("s1").get() < 3)) sleep(10);
    for (LeaderSelector s : sels) s.close();
    r.put("eachLedThrice", turns.get("s0").get() >= 3 && turns.get("s1").get() >= 3);
    r.put("overlap", overlap.get());
    int alternations = 0;
    synchronized (order) {
      for (int i = 1; i < order.size(); i++) if (!order.get(i).equals(order.get(i - 1))) alternations++;
      info.put("order", new ArrayList<>(order));
    }
    r.put("reCompetes", alternations >= 2);
    check((Boolean) r.get("eachLedThrice") && overlap.get() == 0, "selector " + r);
  }

  static void atomicLong(Map<String, Object> r, Map<String, Object> info) throws Exception {
    CuratorFramework c = client();
    List<Thread> ts = new ArrayList<>();
    AtomicInteger failures = new AtomicInteger();
    for (int i = 0; i < 2; i++) {
      DistributedAtomicLong l = new DistributedAtomicLong(client(), "/atomic", new RetryNTimes(50, 5));
      ts.add(new Thread(() -> {
        try {
          for (int k = 0; k < 10; k++) if (!l.increment().succeeded()) failures.incrementAndGet();
        } catch (Exception e) {
          failures.incrementAndGet();
        }
      }));
    }
    for (Thread t : ts) t.start();
    for (Thread t : ts) t.join(15_000);
    DistributedAtomicLong l = new DistributedAtomicLong(c, "/atomic", new RetryNTimes(3, 10));
    r.put("value", l.get().postValue());
    r.put("failures", failures.get());
    AtomicValue<Long> cas = l.compareAndSet(20L, 100L);
    r.put("cas", List.of(cas.succeeded(), cas.preValue(), cas.postValue()));
    AtomicValue<Long> bad = l.compareAndSet(20L, 5L);
    r.put("casStale", bad.succeeded());
    AtomicValue<Long> add = l.add(-150L);
    r.put("add", add.postValue());
    r.put("bytes", c.getData().forPath("/atomic").length);
    check(r.get("value").equals(20L) && failures.get() == 0, "atomic " + r);
  }

  static void sharedCount(Map<String, Object> r, Map<String, Object> info) throws Exception {
    SharedCount a = new SharedCount(client(), "/shared", 7);
    SharedCount b = new SharedCount(client(), "/shared", 99);
    BlockingQueue<Integer> seen = new LinkedBlockingQueue<>();
    b.addListener(new org.apache.curator.framework.recipes.shared.SharedCountListener() {
      @Override
      public void countHasChanged(org.apache.curator.framework.recipes.shared.SharedCountReader s, int n) {
        seen.add(n);
      }

      @Override
      public void stateChanged(CuratorFramework c, ConnectionState st) {
      }
    });
    a.start();
    b.start();
    r.put("seed", List.of(a.getCount(), b.getCount()));
    VersionedValue<Integer> v = a.getVersionedValue();
    r.put("trySet", a.trySetCount(v, 8));
    r.put("tryStale", a.trySetCount(v, 9));
    r.put("listener", seen.poll(5, TimeUnit.SECONDS));
    a.setCount(42);
    long deadline = System.currentTimeMillis() + 5000;
    while (b.getCount() != 42 && System.currentTimeMillis() < deadline) sleep(10);
    r.put("b", b.getCount());
    r.put("bytes", clients.get(0).getData().forPath("/shared").length);
    a.close();
    b.close();
    check(b.getCount() == 42 && (Boolean) r.get("trySet") && !(Boolean) r.get("tryStale"), "shared " + r);
  }

  static void barrier(Map<String, Object> r, Map<String, Object> info) throws Exception {
    DistributedBarrier setter = new DistributedBarrier(client(), "/barrier");
    DistributedBarrier waiter = new DistributedBarrier(client(), "/barrier");
    r.put("noBarrier", waiter.waitOnBarrier(200, TimeUnit.MILLISECONDS));
    setter.setBarrier();
    r.put("whileSet", waiter.waitOnBarrier(200, TimeUnit.MILLISECONDS));
    Thread t = new Thread(() -> {
      sleep(200);
      try {
        setter.removeBarrier();
      } catch (Exception e) {
        // reported by the waiter's timeout
      }
    });
    t.start();
    r.put("afterRemove", waiter.waitOnBarrier(5, TimeUnit.SECONDS));
    t.join(5000);
    check((Boolean) r.get("noBarrier") && !(Boolean) r.get("whileSet") && (Boolean) r.get("afterRemove"), "barrier " + r);
  }

  static void doubleBarrier(Map<String, Object> r, Map<String, Object> info) throws Exception {
    int n = 3;
    List<Boolean> entered = Collections.synchronizedList(new ArrayList<>());
    List<Boolean> left = Collections.synchronizedList(new ArrayList<>());
    DistributedDoubleBarrier lone = new DistributedDoubleBarrier(client(), "/dbl-lone", n);
    r.put("aloneTimesOut", lone.enter(200, TimeUnit.MILLISECONDS));
    List<Thread> ts = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      DistributedDoubleBarrier b = new DistributedDoubleBarrier(client(), "/dbl", n);
      ts.add(new Thread(() -> {
        try {
          entered.add(b.enter(10, TimeUnit.SECONDS));
          left.add(b.leave(10, TimeUnit.SECONDS));
        } catch (Exception e) {
          entered.add(false);
        }
      }));
    }
    for (Thread t : ts) t.start();
    for (Thread t : ts) t.join(15_000);
    r.put("entered", new ArrayList<>(entered));
    r.put("left", new ArrayList<>(left));
    check(!entered.contains(false) && entered.size() == n && left.size() == n && !left.contains(false), "double " + r);
  }

  static void queue(Map<String, Object> r, Map<String, Object> info) throws Exception {
    BlockingQueue<String> got = new LinkedBlockingQueue<>();
    QueueSerializer<String> ser = new QueueSerializer<>() {
      public byte[] serialize(String s) {
        return bytes(s);
      }

      public String deserialize(byte[] b) {
        return str(b);
      }
    };
    QueueConsumer<String> consumer = new QueueConsumer<>() {
      public void consumeMessage(String m) {
        got.add(m);
      }

      public void stateChanged(CuratorFramework c, ConnectionState s) {
      }
    };
    DistributedQueue<String> producer = QueueBuilder.builder(client(), null, ser, "/queue").buildQueue();
    producer.start();
    for (int i = 0; i < 5; i++) producer.put("item-" + i);
    DistributedQueue<String> q = QueueBuilder.builder(client(), consumer, ser, "/queue").buildQueue();
    q.start();
    List<String> items = new ArrayList<>();
    for (int i = 0; i < 5; i++) items.add(got.poll(5, TimeUnit.SECONDS));
    producer.put("late");
    items.add(got.poll(5, TimeUnit.SECONDS));
    r.put("items", items);
    q.close();
    producer.close();
    check(!items.contains(null), "queue " + items);
  }

  static void persistentNode(Map<String, Object> r, Map<String, Object> info) throws Exception {
    CuratorFramework c = client();
    CuratorFramework other = client();
    PersistentNode node = new PersistentNode(c, CreateMode.EPHEMERAL, false, "/pn/me", bytes("alive"));
    node.start();
    r.put("initial", node.waitForInitialCreate(5, TimeUnit.SECONDS));
    r.put("actualPath", node.getActualPath());
    other.delete().forPath("/pn/me");
    long deadline = System.currentTimeMillis() + 5000;
    Stat s = null;
    while (System.currentTimeMillis() < deadline && (s = other.checkExists().forPath("/pn/me")) == null) sleep(20);
    r.put("recreated", s != null);
    r.put("data", str(other.getData().forPath("/pn/me")));
    node.setData(bytes("changed")); // applied in the background
    deadline = System.currentTimeMillis() + 5000;
    while (System.currentTimeMillis() < deadline && !"changed".equals(str(other.getData().forPath("/pn/me")))) sleep(10);
    r.put("setData", str(other.getData().forPath("/pn/me")));
    node.close();
    r.put("goneAfterClose", other.checkExists().forPath("/pn/me") == null);
    check((Boolean) r.get("initial") && (Boolean) r.get("recreated") && (Boolean) r.get("goneAfterClose"), "pn " + r);
  }

  /** TTL nodes need extendedTypesEnabled=true on the server. */
  static void ttl(Map<String, Object> r, Map<String, Object> info) throws Exception {
    CuratorFramework c = client();
    c.create().creatingParentsIfNeeded().forPath("/ttl");
    c.create().withTtl(60_000).withMode(CreateMode.PERSISTENT_WITH_TTL)
        .forPath("/ttl/plain", bytes("t"));
    r.put("ttlNode", stat(c.checkExists().forPath("/ttl/plain")));
    PersistentTtlNode node = new PersistentTtlNode(c, "/ttl/touched", 60_000, bytes("ttl"));
    node.start();
    r.put("initial", node.waitForInitialCreate(5, TimeUnit.SECONDS));
    r.put("data", str(c.getData().forPath("/ttl/touched")));
    info.put("touchChild", c.checkExists().forPath("/ttl/touched/touch") != null);
    node.close();
    check((Boolean) r.get("initial"), "ttl " + r);
  }

  static void protection(Map<String, Object> r, Map<String, Object> info) throws Exception {
    CuratorFramework c = client();
    String p = c.create().creatingParentsIfNeeded().withProtection().withMode(CreateMode.EPHEMERAL_SEQUENTIAL)
        .forPath("/prot/node-", bytes("x"));
    info.put("path", p);
    r.put("protectedName", p.matches("/prot/_c_[0-9a-f-]{36}-node-\\d{10}"));
    check((Boolean) r.get("protectedName"), "protected name " + p);
  }

  static void persistentWatch(Map<String, Object> r, Map<String, Object> info) throws Exception {
    CuratorFramework c = client();
    CuratorFramework other = client();
    BlockingQueue<String> events = new LinkedBlockingQueue<>();
    CuratorWatcher w = e -> events.add(e.getType() + " " + e.getPath());
    c.create().forPath("/pw");
    c.watchers().add().withMode(org.apache.zookeeper.AddWatchMode.PERSISTENT_RECURSIVE).usingWatcher(w).forPath("/pw");
    other.create().forPath("/pw/a", bytes("1"));
    other.create().forPath("/pw/a/b", bytes("2"));
    other.setData().forPath("/pw/a", bytes("3"));
    other.setData().forPath("/pw/a", bytes("4"));
    other.delete().forPath("/pw/a/b");
    List<String> seen = new ArrayList<>();
    for (int i = 0; i < 5; i++) seen.add(events.poll(5, TimeUnit.SECONDS));
    r.put("recursive", seen);
    c.watchers().remove(w).forPath("/pw");
    String removed = events.poll(2, TimeUnit.SECONDS);
    r.put("removedEvent", removed);
    other.setData().forPath("/pw/a", bytes("5"));
    r.put("afterRemove", events.poll(300, TimeUnit.MILLISECONDS));
    check(!seen.contains(null), "persistent watch events " + seen);
  }

  static void acl(Map<String, Object> r, Map<String, Object> info) throws Exception {
    CuratorFramework owner = CuratorFrameworkFactory.builder().connectString(connect)
        .sessionTimeoutMs(15000).connectionTimeoutMs(13000).retryPolicy(new RetryNTimes(3, 100))
        .authorization("digest", bytes("user:secret")).build();
    owner.start();
    check(owner.blockUntilConnected(10, TimeUnit.SECONDS), "not connected");
    clients.add(owner);
    CuratorFramework anon = client();
    owner.create().withACL(org.apache.zookeeper.ZooDefs.Ids.CREATOR_ALL_ACL).forPath("/acl-secret", bytes("s"));
    List<String> acls = new ArrayList<>();
    for (org.apache.zookeeper.data.ACL a : owner.getACL().forPath("/acl-secret")) {
      acls.add(a.getId().getScheme() + ":" + a.getId().getId() + ":" + a.getPerms());
    }
    r.put("acl", acls);
    try {
      anon.getData().forPath("/acl-secret");
      r.put("anonRead", "no error");
    } catch (KeeperException e) {
      r.put("anonRead", e.code().toString());
    }
    r.put("ownerRead", str(owner.getData().forPath("/acl-secret")));
    try {
      owner.create().withACL(List.of(new org.apache.zookeeper.data.ACL(31,
          new org.apache.zookeeper.data.Id("digest", "bad")))).forPath("/acl-bad");
      r.put("badAcl", "no error");
    } catch (KeeperException e) {
      r.put("badAcl", e.code().toString());
    }
    r.put("setAcl", stat(owner.setACL().withACL(org.apache.zookeeper.ZooDefs.Ids.OPEN_ACL_UNSAFE).forPath("/acl-secret")));
    r.put("anonAfter", str(anon.getData().forPath("/acl-secret")));
    check("NOAUTH".equals(r.get("anonRead")), "anon read " + r.get("anonRead"));
  }

  static void config(Map<String, Object> r, Map<String, Object> info) throws Exception {
    CuratorFramework c = client();
    Stat st = new Stat();
    byte[] cfg = c.getConfig().storingStatIn(st).forEnsemble();
    info.put("config", str(cfg));
    r.put("configLength", cfg == null ? -1 : cfg.length);
    List<String> zk = c.getChildren().forPath("/zookeeper");
    Collections.sort(zk);
    r.put("zookeeperChildren", zk);
  }

  static void semaphoreMutex(Map<String, Object> r, Map<String, Object> info) throws Exception {
    org.apache.curator.framework.recipes.locks.InterProcessSemaphoreMutex a =
        new org.apache.curator.framework.recipes.locks.InterProcessSemaphoreMutex(client(), "/semmutex");
    org.apache.curator.framework.recipes.locks.InterProcessSemaphoreMutex b =
        new org.apache.curator.framework.recipes.locks.InterProcessSemaphoreMutex(client(), "/semmutex");
    r.put("a", a.acquire(5, TimeUnit.SECONDS));
    r.put("bWhileHeld", b.acquire(200, TimeUnit.MILLISECONDS));
    a.release();
    r.put("bAfter", b.acquire(5, TimeUnit.SECONDS));
    b.release();
    check((Boolean) r.get("a") && !(Boolean) r.get("bWhileHeld") && (Boolean) r.get("bAfter"), "semmutex " + r);
  }

  static void multiLock(Map<String, Object> r, Map<String, Object> info) throws Exception {
    org.apache.curator.framework.recipes.locks.InterProcessMultiLock ml =
        new org.apache.curator.framework.recipes.locks.InterProcessMultiLock(client(), List.of("/ml/a", "/ml/b"));
    InterProcessMutex b = new InterProcessMutex(client(), "/ml/b");
    r.put("multi", ml.acquire(5, TimeUnit.SECONDS));
    r.put("bWhileHeld", b.acquire(200, TimeUnit.MILLISECONDS));
    ml.release();
    r.put("bAfter", b.acquire(5, TimeUnit.SECONDS));
    r.put("multiWhileB", ml.acquire(200, TimeUnit.MILLISECONDS));
    b.release();
    check((Boolean) r.get("multi") && !(Boolean) r.get("bWhileHeld") && (Boolean) r.get("bAfter")
        && !(Boolean) r.get("multiWhileB"), "multilock " + r);
  }

  static void groupMember(Map<String, Object> r, Map<String, Object> info) throws Exception {
    org.apache.curator.framework.recipes.nodes.GroupMember m1 =
        new org.apache.curator.framework.recipes.nodes.GroupMember(client(), "/group", "m1", bytes("one"));
    org.apache.curator.framework.recipes.nodes.GroupMember m2 =
        new org.apache.curator.framework.recipes.nodes.GroupMember(client(), "/group", "m2", bytes("two"));
    m1.start();
    m2.start();
    long deadline = System.currentTimeMillis() + 5000;
    while (System.currentTimeMillis() < deadline && m1.getCurrentMembers().size() < 2) sleep(10);
    Map<String, Object> members = new java.util.TreeMap<>();
    m1.getCurrentMembers().forEach((k, v) -> members.put(k, str(v)));
    r.put("members", members);
    m2.close();
    deadline = System.currentTimeMillis() + 5000;
    while (System.currentTimeMillis() < deadline && m1.getCurrentMembers().size() != 1) sleep(10);
    r.put("afterLeave", new java.util.TreeSet<>(m1.getCurrentMembers().keySet()).toString());
    m1.close();
    check(members.size() == 2, "members " + members);
  }

  static void simpleQueue(Map<String, Object> r, Map<String, Object> info) throws Exception {
    org.apache.curator.framework.recipes.queue.SimpleDistributedQueue q =
        new org.apache.curator.framework.recipes.queue.SimpleDistributedQueue(client(), "/squeue");
    org.apache.curator.framework.recipes.queue.SimpleDistributedQueue q2 =
        new org.apache.curator.framework.recipes.queue.SimpleDistributedQueue(client(), "/squeue");
    r.put("emptyPoll", str(q.poll()));
    for (int i = 0; i < 3; i++) q.offer(bytes("m" + i));
    r.put("peek", str(q2.peek()));
    List<String> got = new ArrayList<>();
    for (int i = 0; i < 3; i++) got.add(str(q2.take()));
    r.put("taken", got);
    Thread t = new Thread(() -> {
      sleep(200);
      try {
        q.offer(bytes("late"));
      } catch (Exception e) {
        // reported by the timed poll
      }
    });
    t.start();
    r.put("blockingPoll", str(q2.poll(5, TimeUnit.SECONDS)));
    t.join(5000);
    check(List.of("m0", "m1", "m2").equals(got) && "late".equals(r.get("blockingPoll")), "simple queue " + r);
  }

  static QueueSerializer<String> strings() {
    return new QueueSerializer<>() {
      public byte[] serialize(String s) {
        return bytes(s);
      }

      public String deserialize(byte[] b) {
        return str(b);
      }
    };
  }

  static QueueConsumer<String> into(BlockingQueue<String> got) {
    return new QueueConsumer<>() {
      public void consumeMessage(String m) {
        got.add(m);
      }

      public void stateChanged(CuratorFramework c, ConnectionState s) {
      }
    };
  }

  static void priorityQueue(Map<String, Object> r, Map<String, Object> info) throws Exception {
    BlockingQueue<String> got = new LinkedBlockingQueue<>();
    org.apache.curator.framework.recipes.queue.DistributedPriorityQueue<String> producer =
        QueueBuilder.builder(client(), null, strings(), "/pqueue").buildPriorityQueue(0);
    producer.start();
    producer.put("low", 9);
    producer.put("high", 1);
    producer.put("mid", 5);
    org.apache.curator.framework.recipes.queue.DistributedPriorityQueue<String> consumer =
        QueueBuilder.builder(client(), into(got), strings(), "/pqueue").buildPriorityQueue(0);
    consumer.start();
    List<String> items = new ArrayList<>();
    for (int i = 0; i < 3; i++) items.add(got.poll(5, TimeUnit.SECONDS));
    r.put("order", items);
    consumer.close();
    producer.close();
    check(List.of("high", "mid", "low").equals(items), "priority " + items);
  }

  static void delayQueue(Map<String, Object> r, Map<String, Object> info) throws Exception {
    BlockingQueue<String> got = new LinkedBlockingQueue<>();
    org.apache.curator.framework.recipes.queue.DistributedDelayQueue<String> q =
        QueueBuilder.builder(client(), into(got), strings(), "/dqueue").buildDelayQueue();
    q.start();
    long t0 = System.currentTimeMillis();
    q.put("later", t0 + 600);
    q.put("sooner", t0 + 200);
    String first = got.poll(5, TimeUnit.SECONDS);
    long firstMs = System.currentTimeMillis() - t0;
    String second = got.poll(5, TimeUnit.SECONDS);
    long secondMs = System.currentTimeMillis() - t0;
    r.put("order", List.of(String.valueOf(first), String.valueOf(second)));
    r.put("notEarly", firstMs >= 190 && secondMs >= 590);
    info.put("firstMs", firstMs);
    info.put("secondMs", secondMs);
    q.close();
    check("sooner".equals(first) && "later".equals(second) && (Boolean) r.get("notEarly"), "delay " + r);
  }

  static void caches(Map<String, Object> r, Map<String, Object> info) throws Exception {
    CuratorFramework c = client();
    CuratorFramework other = client();
    c.create().forPath("/caches", bytes("0"));
    org.apache.curator.framework.recipes.cache.NodeCache nc = new org.apache.curator.framework.recipes.cache.NodeCache(c, "/caches");
    BlockingQueue<String> nodeEvents = new LinkedBlockingQueue<>();
    nc.getListenable().addListener(() -> nodeEvents.add(nc.getCurrentData() == null ? "gone" : str(nc.getCurrentData().getData())));
    nc.start(true);
    org.apache.curator.framework.recipes.cache.PathChildrenCache pc =
        new org.apache.curator.framework.recipes.cache.PathChildrenCache(c, "/caches", true);
    BlockingQueue<String> childEvents = new LinkedBlockingQueue<>();
    pc.getListenable().addListener((cl, e) -> childEvents.add(e.getType() + (e.getData() == null ? "" : " " + e.getData().getPath())));
    pc.start(org.apache.curator.framework.recipes.cache.PathChildrenCache.StartMode.POST_INITIALIZED_EVENT);
    org.apache.curator.framework.recipes.cache.TreeCache tc = org.apache.curator.framework.recipes.cache.TreeCache.newBuilder(c, "/caches").build();
    BlockingQueue<String> treeEvents = new LinkedBlockingQueue<>();
    tc.getListenable().addListener((cl, e) -> treeEvents.add(e.getType() + (e.getData() == null ? "" : " " + e.getData().getPath())));
    tc.start();
    List<String> pcInit = new ArrayList<>();
    pcInit.add(childEvents.poll(5, TimeUnit.SECONDS));
    List<String> tcInit = new ArrayList<>();
    tcInit.add(treeEvents.poll(5, TimeUnit.SECONDS));
    tcInit.add(treeEvents.poll(5, TimeUnit.SECONDS));
    r.put("childInit", pcInit);
    r.put("treeInit", tcInit);
    other.setData().forPath("/caches", bytes("1"));
    r.put("node", nodeEvents.poll(5, TimeUnit.SECONDS));
    List<String> ch = new ArrayList<>();
    List<String> tr = new ArrayList<>();
    other.create().forPath("/caches/k", bytes("a"));
    ch.add(childEvents.poll(5, TimeUnit.SECONDS));
    tr.add(treeEvents.poll(5, TimeUnit.SECONDS));
    tr.add(treeEvents.poll(5, TimeUnit.SECONDS));
    other.create().forPath("/caches/k/deep", bytes("b"));
    tr.add(treeEvents.poll(5, TimeUnit.SECONDS));
    other.delete().forPath("/caches/k/deep");
    tr.add(treeEvents.poll(5, TimeUnit.SECONDS));
    other.delete().forPath("/caches/k");
    ch.add(childEvents.poll(5, TimeUnit.SECONDS));
    tr.add(treeEvents.poll(5, TimeUnit.SECONDS));
    r.put("childEvents", ch);
    r.put("treeEvents", tr);
    tc.close();
    pc.close();
    nc.close();
    check(!ch.contains(null) && !tr.contains(null) && r.get("node") != null, "caches " + r);
  }

  /**
   * A session expired by the server (Curator 2's KillSession: a second handle
   * attaches to the session and closes it): Curator sees LOST, reconnects with
   * a new session, and its PersistentNode and LeaderLatch come back.
   */
  static void sessionExpiry(Map<String, Object> r, Map<String, Object> info) throws Exception {
    CuratorFramework c = client();
    CuratorFramework other = client();
    List<String> states = Collections.synchronizedList(new ArrayList<>());
    c.getConnectionStateListenable().addListener((cl, st) -> states.add(st.toString()));
    PersistentNode node = new PersistentNode(c, CreateMode.EPHEMERAL, false, "/expiry/me", bytes("x"));
    node.start();
    check(node.waitForInitialCreate(5, TimeUnit.SECONDS), "node not created");
    LeaderLatch latch = new LeaderLatch(c, "/expiry/latch", "only");
    latch.start();
    check(latch.await(5, TimeUnit.SECONDS), "not leader");
    org.apache.zookeeper.ZooKeeper zk = c.getZookeeperClient().getZooKeeper();
    long sid = zk.getSessionId();
    long owner = other.checkExists().forPath("/expiry/me").getEphemeralOwner();
    r.put("ownerIsSession", owner == sid);
    CountDownLatch attached = new CountDownLatch(1);
    org.apache.zookeeper.ZooKeeper killer = new org.apache.zookeeper.ZooKeeper(connect, 15000, e -> {
      if (e.getState() == org.apache.zookeeper.Watcher.Event.KeeperState.SyncConnected) attached.countDown();
    }, sid, zk.getSessionPasswd());
    check(attached.await(5, TimeUnit.SECONDS), "second handle did not attach");
    killer.close();
    long deadline = System.currentTimeMillis() + 15000;
    while (System.currentTimeMillis() < deadline && !(states.contains("LOST") && states.contains("RECONNECTED"))) sleep(20);
    List<String> seen;
    synchronized (states) {
      seen = new ArrayList<>(states);
    }
    info.put("states", seen);
    r.put("lost", seen.contains("LOST"));
    r.put("reconnected", seen.contains("RECONNECTED"));
    long newSid = c.getZookeeperClient().getZooKeeper().getSessionId();
    r.put("newSession", newSid != sid);
    Stat s = null;
    deadline = System.currentTimeMillis() + 5000;
    while (System.currentTimeMillis() < deadline) {
      s = other.checkExists().forPath("/expiry/me");
      if (s != null && s.getEphemeralOwner() == newSid) break;
      sleep(20);
    }
    r.put("nodeBack", s != null && s.getEphemeralOwner() == newSid);
    r.put("leaderAgain", latch.await(5, TimeUnit.SECONDS));
    latch.close();
    node.close();
    check((Boolean) r.get("lost") && (Boolean) r.get("nodeBack") && (Boolean) r.get("leaderAgain"), "expiry " + r);
  }

  /** A client with a chroot in its connect string, and namespaced transactions. */
  static void chroot(Map<String, Object> r, Map<String, Object> info) throws Exception {
    CuratorFramework raw = client();
    raw.create().forPath("/chrooted");
    CuratorFramework c = CuratorFrameworkFactory.builder().connectString(connect + "/chrooted")
        .sessionTimeoutMs(15000).connectionTimeoutMs(13000).retryPolicy(new RetryNTimes(3, 100)).build();
    c.start();
    check(c.blockUntilConnected(10, TimeUnit.SECONDS), "not connected");
    clients.add(c);
    BlockingQueue<String> events = new LinkedBlockingQueue<>();
    r.put("create", c.create().creatingParentsIfNeeded().forPath("/x/y", bytes("1")));
    r.put("sequential", c.create().withMode(CreateMode.EPHEMERAL_SEQUENTIAL).forPath("/x/s-"));
    r.put("rawSees", raw.getChildren().forPath("/chrooted/x").size());
    c.getData().usingWatcher((CuratorWatcher) e -> events.add(e.getType() + " " + e.getPath())).forPath("/x/y");
    raw.setData().forPath("/chrooted/x/y", bytes("2"));
    r.put("event", events.poll(5, TimeUnit.SECONDS));
    CuratorFramework ns = c.usingNamespace("ns");
    List<Object> res = new ArrayList<>();
    for (CuratorTransactionResult t : ns.transaction().forOperations(
        ns.transactionOp().create().forPath("/t", bytes("a")),
        ns.transactionOp().create().withMode(CreateMode.PERSISTENT_SEQUENTIAL).forPath("/t/q-"))) {
      res.add(t.getType() + " " + t.getForPath() + " " + t.getResultPath());
    }
    r.put("namespacedTxn", res);
    r.put("rawTxn", raw.checkExists().forPath("/chrooted/ns/t/q-0000000000") != null);
    check("/x/y".equals(r.get("create")) && r.get("event") != null, "chroot " + r);
  }

  /** sync, persistent (non-recursive) watches, a 512 KB znode, reconfig on a standalone server. */
  static void misc(Map<String, Object> r, Map<String, Object> info) throws Exception {
    CuratorFramework c = client();
    CuratorFramework other = client();
    BlockingQueue<String> synced = new LinkedBlockingQueue<>();
    c.create().forPath("/misc", bytes("0"));
    c.sync().inBackground((cl, e) -> synced.add(e.getType() + " " + e.getPath() + " " + e.getResultCode()))
        .forPath("/misc");
    r.put("sync", synced.poll(5, TimeUnit.SECONDS));
    BlockingQueue<String> events = new LinkedBlockingQueue<>();
    c.watchers().add().withMode(org.apache.zookeeper.AddWatchMode.PERSISTENT)
        .usingWatcher((CuratorWatcher) e -> events.add(e.getType() + " " + e.getPath())).forPath("/misc");
    other.create().forPath("/misc/k");
    other.create().forPath("/misc/k/deep");
    other.setData().forPath("/misc", bytes("1"));
    other.setData().forPath("/misc", bytes("2"));
    List<String> seen = new ArrayList<>();
    for (int i = 0; i < 3; i++) seen.add(events.poll(5, TimeUnit.SECONDS));
    seen.add(events.poll(300, TimeUnit.MILLISECONDS));
    r.put("persistent", seen);
    byte[] big = new byte[512 * 1024];
    for (int i = 0; i < big.length; i++) big[i] = (byte) (i * 31);
    c.create().forPath("/misc/big", big);
    r.put("bigRoundTrip", java.util.Arrays.equals(big, other.getData().forPath("/misc/big")));
    try {
      c.reconfig().joining("server.2=127.0.0.1:2888:3888;2181").forEnsemble();
      r.put("reconfig", "no error");
    } catch (KeeperException e) {
      r.put("reconfig", e.code().toString());
    }
    check((Boolean) r.get("bigRoundTrip") && r.get("sync") != null && seen.get(2) != null, "misc " + r);
  }

  /** Negotiated session timeouts (tickTime 2000: clamped to 4 s..40 s) and a read-only-capable client. */
  static void handshake(Map<String, Object> r, Map<String, Object> info) throws Exception {
    List<Object> negotiated = new ArrayList<>();
    for (int asked : new int[] {1000, 15000, 100000}) {
      CuratorFramework c = CuratorFrameworkFactory.builder().connectString(connect)
          .sessionTimeoutMs(asked).connectionTimeoutMs(5000).retryPolicy(new RetryNTimes(3, 100)).build();
      c.start();
      check(c.blockUntilConnected(10, TimeUnit.SECONDS), "not connected");
      clients.add(c);
      negotiated.add(c.getZookeeperClient().getZooKeeper().getSessionTimeout());
    }
    r.put("negotiated", negotiated);
    CuratorFramework ro = CuratorFrameworkFactory.builder().connectString(connect).canBeReadOnly(true)
        .sessionTimeoutMs(15000).connectionTimeoutMs(5000).retryPolicy(new RetryNTimes(3, 100)).build();
    BlockingQueue<String> states = new LinkedBlockingQueue<>();
    ro.getConnectionStateListenable().addListener((cl, st) -> states.add(st.toString()));
    ro.start();
    check(ro.blockUntilConnected(10, TimeUnit.SECONDS), "not connected");
    clients.add(ro);
    r.put("readOnlyClientState", states.poll(5, TimeUnit.SECONDS));
    r.put("readOnlyClientWrites", ro.create().forPath("/ro-ok") != null);
  }

  /** 500 creates in one transaction, then the children and their count. */
  static void bulk(Map<String, Object> r, Map<String, Object> info) throws Exception {
    CuratorFramework c = client();
    c.create().forPath("/bulk");
    List<CuratorOp> ops = new ArrayList<>();
    for (int i = 0; i < 500; i++) ops.add(c.transactionOp().create().forPath(String.format("/bulk/n%03d", i), bytes("v" + i)));
    r.put("results", c.transaction().forOperations(ops).size());
    List<String> kids = c.getChildren().forPath("/bulk");
    Collections.sort(kids);
    r.put("children", kids.size());
    r.put("first", kids.get(0));
    r.put("last", kids.get(kids.size() - 1));
    r.put("allChildrenNumber", c.getZookeeperClient().getZooKeeper().getAllChildrenNumber("/bulk"));
    r.put("stat", stat(c.checkExists().forPath("/bulk")));
    c.delete().deletingChildrenIfNeeded().forPath("/bulk");
    r.put("deleted", c.checkExists().forPath("/bulk") == null);
  }

  // ---- modes for the mixed tests ------------------------------------------------

  static int contend(String lockPath, int rounds, int n) throws Exception {
    Map<String, Object> m = contendRounds(lockPath, rounds, n, true);
    System.out.println(Json.of(m));
    return 0;
  }

  static int hold(String lockPath) throws Exception {
    CuratorFramework c = client();
    InterProcessMutex m = new InterProcessMutex(c, lockPath);
    if (!m.acquire(20, TimeUnit.SECONDS)) {
      System.out.println("timeout");
      return 1;
    }
    System.out.println("held");
    System.out.flush();
    new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
    m.release();
    System.out.println("released");
    c.close();
    return 0;
  }

  static int tryAcquire(String lockPath, long ms) throws Exception {
    CuratorFramework c = client();
    InterProcessMutex m = new InterProcessMutex(c, lockPath);
    boolean got = m.acquire(ms, TimeUnit.MILLISECONDS);
    System.out.println(got ? "acquired" : "timeout");
    if (got) m.release();
    c.close();
    return 0;
  }

  /** A tiny JSON writer (maps, lists, strings, numbers, booleans, null). */
  static final class Json {
    static String of(Object o) {
      StringBuilder sb = new StringBuilder();
      write(sb, o);
      return sb.toString();
    }

    static void write(StringBuilder sb, Object o) {
      if (o == null) {
        sb.append("null");
      } else if (o instanceof Map) {
        sb.append('{');
        boolean first = true;
        for (Map.Entry<?, ?> e : ((Map<?, ?>) o).entrySet()) {
          if (!first) sb.append(',');
          first = false;
          write(sb, String.valueOf(e.getKey()));
          sb.append(':');
          write(sb, e.getValue());
        }
        sb.append('}');
      } else if (o instanceof List) {
        sb.append('[');
        boolean first = true;
        for (Object x : (List<?>) o) {
          if (!first) sb.append(',');
          first = false;
          write(sb, x);
        }
        sb.append(']');
      } else if (o instanceof Number || o instanceof Boolean) {
        sb.append(o);
      } else {
        String s = o.toString();
        sb.append('"');
        for (char ch : s.toCharArray()) {
          if (ch == '"' || ch == '\\') sb.append('\\').append(ch);
          else if (ch < 0x20) sb.append(String.format("\\u%04x", (int) ch));
          else sb.append(ch);
        }
        sb.append('"');
      }
    }
  }
}
