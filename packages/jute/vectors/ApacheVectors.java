// Writes Jute test vectors with Apache ZooKeeper's own record classes, so the
// TypeScript codec is checked against Apache's bytes, not against itself.
// Run: see packages/jute/vectors/README.md. Output: one JSON object a line.
import java.io.*;
import java.lang.reflect.*;
import java.util.*;
import org.apache.jute.BinaryInputArchive;
import org.apache.jute.BinaryOutputArchive;
import org.apache.jute.Record;
import org.apache.zookeeper.*;
import org.apache.zookeeper.data.*;

public class ApacheVectors {
  static final String[] PACKAGES = {
    "org.apache.zookeeper.data.", "org.apache.zookeeper.proto.",
    "org.apache.zookeeper.server.quorum.", "org.apache.zookeeper.server.persistence.",
    "org.apache.zookeeper.txn."};
  static int counter;

  public static void main(String[] args) throws Exception {
    PrintStream out = new PrintStream(new FileOutputStream(args[0]), true, "UTF-8");
    for (int i = 1; i < args.length; i++) {
      Class<?> c = find(args[i]);
      if (c == null) { System.err.println("skip " + args[i]); continue; }
      for (int variant = 0; variant < 3; variant++) {
        counter = variant * 100;
        Record r = (Record) make(c, variant);
        emit(out, args[i], r, c);
      }
    }
    multis(out);
    out.close();
  }

  static Class<?> find(String name) {
    for (String p : PACKAGES) {
      try { return Class.forName(p + name); } catch (ClassNotFoundException e) { }
    }
    return null;
  }

  static Object make(Class<?> c, int variant) throws Exception {
    Constructor<?> best = null;
    for (Constructor<?> k : c.getConstructors()) {
      if (best == null || k.getParameterCount() > best.getParameterCount()) best = k;
    }
    Type[] ts = best.getGenericParameterTypes();
    Object[] vals = new Object[ts.length];
    for (int i = 0; i < ts.length; i++) vals[i] = value(ts[i], variant);
    return best.newInstance(vals);
  }

  static final long[] LONGS = {Long.MIN_VALUE, -1L, Long.MAX_VALUE, (1L << 53) + 1, 0x100000abcdef012L, 0L};
  static final int[] INTS = {Integer.MIN_VALUE, -1, Integer.MAX_VALUE, 0, 1 << 20};

  static Object value(Type t, int variant) throws Exception {
    int k = ++counter;
    if (t == int.class) return variant == 1 ? INTS[k % INTS.length] : k;
    if (t == long.class) return variant == 1 ? LONGS[k % LONGS.length] : 0x100000000L * k + k;
    if (t == boolean.class) return (k % 2) == 0;
    if (t == String.class) {
      if (variant == 1) return "/\u00fc\u20ac/\uD83D\uDE00" + k;
      if (variant == 2) return k % 2 == 0 ? "" : "/zookeeper/quota/n" + k;
      return "/app/n" + k;
    }
    if (t == byte[].class) {
      if (variant == 1) return (k % 2) == 0 ? null : new byte[0];
      byte[] b = new byte[variant == 2 ? 300 : 3];
      for (int i = 0; i < b.length; i++) b[i] = (byte) (i * 37 + k);
      return b;
    }
    if (t instanceof ParameterizedType) {
      Type el = ((ParameterizedType) t).getActualTypeArguments()[0];
      List<Object> l = new ArrayList<>();
      int n = variant == 1 ? 0 : 2;
      for (int i = 0; i < n; i++) l.add(value(el, variant));
      return l;
    }
    if (t instanceof Class && Record.class.isAssignableFrom((Class<?>) t)) {
      return make((Class<?>) t, variant);
    }
    throw new IllegalArgumentException("type " + t);
  }

  static void emit(PrintStream out, String name, Record r, Class<?> c) throws Exception {
    byte[] bytes = ser(r);
    Record back = (Record) c.getConstructor().newInstance();
    back.deserialize(BinaryInputArchive.getArchive(new ByteArrayInputStream(bytes)), "r");
    out.println("{\"record\":\"" + name + "\",\"value\":" + json(r) + ",\"hex\":\"" + hex(bytes)
      + "\",\"reread\":" + json(back) + ",\"rehex\":\"" + hex(ser(back)) + "\"}");
  }

  static byte[] ser(Record r) throws IOException {
    ByteArrayOutputStream bos = new ByteArrayOutputStream();
    r.serialize(BinaryOutputArchive.getArchive(bos), "r");
    return bos.toByteArray();
  }

  static String hex(byte[] b) {
    StringBuilder s = new StringBuilder();
    for (byte x : b) s.append(String.format("%02x", x & 0xff));
    return s.toString();
  }

  static String json(Object v) throws Exception {
    if (v == null) return "null";
    if (v instanceof Integer || v instanceof Boolean) return v.toString();
    if (v instanceof Long) return "\"" + v + "n\"";
    if (v instanceof String) return jstr((String) v);
    if (v instanceof byte[]) return "{\"$bytes\":\"" + hex((byte[]) v) + "\"}";
    if (v instanceof List) {
      StringBuilder s = new StringBuilder("[");
      for (Object o : (List<?>) v) { if (s.length() > 1) s.append(','); s.append(json(o)); }
      return s.append(']').toString();
    }
    StringBuilder s = new StringBuilder("{");
    for (Field f : v.getClass().getDeclaredFields()) {
      if (Modifier.isStatic(f.getModifiers())) continue;
      f.setAccessible(true);
      if (s.length() > 1) s.append(',');
      s.append(jstr(f.getName())).append(':').append(json(f.get(v)));
    }
    return s.append('}').toString();
  }

  static String jstr(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '"' || c == '\\') b.append('\\').append(c);
      else if (c < 0x20 || c > 0x7e) b.append(String.format("\\u%04x", (int) c));
      else b.append(c);
    }
    return b.append('"').toString();
  }

  // Multi request and response, built the way the Java client and server do.
  static void multis(PrintStream out) throws Exception {
    List<ACL> open = ZooDefs.Ids.OPEN_ACL_UNSAFE;
    MultiOperationRecord m = new MultiOperationRecord(Arrays.asList(
      Op.create("/a", new byte[] {1}, open, CreateMode.PERSISTENT),
      Op.create("/b", null, open, CreateMode.EPHEMERAL_SEQUENTIAL),
      Op.create("/c", new byte[0], open, CreateMode.CONTAINER),
      Op.create("/d", new byte[] {2}, open, CreateMode.PERSISTENT_WITH_TTL, 5000L),
      Op.delete("/e", -1),
      Op.setData("/f", new byte[] {3, 4}, 7),
      Op.check("/g", 2)));
    out.println("{\"multi\":\"MultiOperationRecord\",\"hex\":\"" + hex(ser(m)) + "\"}");
    MultiOperationRecord mr = new MultiOperationRecord(Arrays.asList(
      Op.getData("/a"), Op.getChildren("/b")));
    out.println("{\"multi\":\"MultiOperationRecordRead\",\"hex\":\"" + hex(ser(mr)) + "\"}");
    Stat st = new Stat(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11);
    MultiResponse rsp = new MultiResponse();
    rsp.add(new OpResult.CreateResult("/a"));
    rsp.add(new OpResult.CreateResult("/b0000000001", st));
    rsp.add(new OpResult.DeleteResult());
    rsp.add(new OpResult.SetDataResult(st));
    rsp.add(new OpResult.CheckResult());
    rsp.add(new OpResult.GetChildrenResult(Arrays.asList("x", "y")));
    rsp.add(new OpResult.GetDataResult(new byte[] {9}, st));
    rsp.add(new OpResult.GetDataResult(null, st));
    rsp.add(new OpResult.ErrorResult(-101));
    out.println("{\"multi\":\"MultiResponse\",\"hex\":\"" + hex(ser(rsp)) + "\"}");
    out.println("{\"multi\":\"MultiResponseEmpty\",\"hex\":\"" + hex(ser(new MultiResponse())) + "\"}");
  }
}
