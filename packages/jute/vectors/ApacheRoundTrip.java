// Reads "<RecordName> <hex>" lines on stdin; for each, deserializes the bytes
// with Apache ZooKeeper's own class, serializes the result again and prints
// the hex (or "ERR <message>"). Used by java_roundtrip_test.ts.
import java.io.*;
import java.nio.charset.StandardCharsets;
import org.apache.jute.BinaryInputArchive;
import org.apache.jute.BinaryOutputArchive;
import org.apache.jute.Record;
import org.apache.zookeeper.MultiOperationRecord;
import org.apache.zookeeper.MultiResponse;
import org.apache.zookeeper.server.TxnLogEntry;
import org.apache.zookeeper.server.util.SerializeUtils;

public class ApacheRoundTrip {
  static final String[] PACKAGES = {
    "org.apache.zookeeper.data.", "org.apache.zookeeper.proto.",
    "org.apache.zookeeper.server.quorum.", "org.apache.zookeeper.server.persistence.",
    "org.apache.zookeeper.txn.", "org.apache.zookeeper."};

  public static void main(String[] args) throws Exception {
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    PrintStream out = new PrintStream(new BufferedOutputStream(System.out), false, "UTF-8");
    String line;
    while ((line = in.readLine()) != null) {
      int sp = line.indexOf(' ');
      String name = line.substring(0, sp);
      byte[] bytes = unhex(line.substring(sp + 1));
      try {
        out.println(hex(roundTrip(name, bytes)));
      } catch (Exception e) {
        out.println("ERR " + e);
      }
    }
    out.flush();
  }

  static byte[] roundTrip(String name, byte[] bytes) throws Exception {
    ByteArrayOutputStream bos = new ByteArrayOutputStream();
    BinaryOutputArchive oa = BinaryOutputArchive.getArchive(bos);
    if (name.equals("TxnEntry")) {
      TxnLogEntry e = SerializeUtils.deserializeTxn(bytes);
      e.getHeader().serialize(oa, "hdr");
      if (e.getTxn() != null) e.getTxn().serialize(oa, "txn");
      if (e.getDigest() != null) e.getDigest().serialize(oa, "digest");
      return bos.toByteArray();
    }
    Record r = null;
    for (String p : PACKAGES) {
      try {
        r = (Record) Class.forName(p + name).getConstructor().newInstance();
        break;
      } catch (ClassNotFoundException e) {
        // next package
      }
    }
    if (r == null) throw new IllegalArgumentException("no class " + name);
    r.deserialize(BinaryInputArchive.getArchive(new ByteArrayInputStream(bytes)), "r");
    r.serialize(oa, "r");
    return bos.toByteArray();
  }

  static byte[] unhex(String s) {
    byte[] b = new byte[s.length() / 2];
    for (int i = 0; i < b.length; i++) b[i] = (byte) Integer.parseInt(s.substring(2 * i, 2 * i + 2), 16);
    return b;
  }

  static String hex(byte[] b) {
    StringBuilder s = new StringBuilder();
    for (byte x : b) s.append(String.format("%02x", x & 0xff));
    return s.toString();
  }
}
