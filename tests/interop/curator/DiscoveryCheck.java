/*
 * Curator's ServiceDiscovery (curator-x-discovery, Debian's
 * libcurator-discovery-java): compiled with CuratorSuite.java only when that
 * jar is installed, and run as its "discovery" check.
 */
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.x.discovery.ServiceCache;
import org.apache.curator.x.discovery.ServiceDiscovery;
import org.apache.curator.x.discovery.ServiceDiscoveryBuilder;
import org.apache.curator.x.discovery.ServiceInstance;
import org.apache.curator.x.discovery.ServiceProvider;

public final class DiscoveryCheck {
  private DiscoveryCheck() {}

  static ServiceInstance<String> instance(String name, String id, int port) throws Exception {
    return ServiceInstance.<String>builder().name(name).id(id).address("127.0.0.1").port(port).payload(id).build();
  }

  static List<String> ids(java.util.Collection<ServiceInstance<String>> xs) {
    List<String> out = new ArrayList<>();
    for (ServiceInstance<String> x : xs) out.add(x.getId() + "@" + x.getPort() + ":" + x.getPayload());
    Collections.sort(out);
    return out;
  }

  /** Registers instances from two clients, queries them, and sees one leave. */
  public static void run(Map<String, Object> r, Map<String, Object> info) throws Exception {
    CuratorFramework a = CuratorSuite.client();
    CuratorFramework b = CuratorSuite.client();
    CuratorFramework q = CuratorSuite.client();
    ServiceDiscovery<String> da = ServiceDiscoveryBuilder.builder(String.class).client(a).basePath("/services")
        .thisInstance(instance("api", "a1", 8081)).build();
    ServiceDiscovery<String> db = ServiceDiscoveryBuilder.builder(String.class).client(b).basePath("/services")
        .thisInstance(instance("api", "b1", 8082)).build();
    ServiceDiscovery<String> dq = ServiceDiscoveryBuilder.builder(String.class).client(q).basePath("/services").build();
    da.start();
    db.start();
    dq.start();
    db.registerService(instance("worker", "w1", 9000));
    List<String> names = new ArrayList<>(dq.queryForNames());
    Collections.sort(names);
    r.put("names", names);
    r.put("api", ids(dq.queryForInstances("api")));
    r.put("one", dq.queryForInstance("api", "a1").getAddress());
    ServiceProvider<String> provider = dq.serviceProviderBuilder().serviceName("api").build();
    provider.start();
    List<String> picked = new ArrayList<>();
    for (int i = 0; i < 4; i++) picked.add(provider.getInstance().getId());
    info.put("picked", picked);
    r.put("providerSeesBoth", picked.contains("a1") && picked.contains("b1"));
    ServiceCache<String> cache = dq.serviceCacheBuilder().name("api").build();
    cache.start();
    r.put("cache", ids(cache.getInstances()));
    db.close(); // unregisters b1 and w1
    long deadline = System.currentTimeMillis() + 5000;
    while (System.currentTimeMillis() < deadline && cache.getInstances().size() != 1) CuratorSuite.sleep(10);
    r.put("cacheAfterLeave", ids(cache.getInstances()));
    r.put("apiAfterLeave", ids(dq.queryForInstances("api")));
    r.put("workersAfterLeave", ids(dq.queryForInstances("worker")));
    cache.close();
    provider.close();
    da.close();
    dq.close();
    CuratorSuite.check(List.of("a1@8081:a1").equals(r.get("apiAfterLeave")), "discovery " + r);
  }
}
