// Loads a snapshot file with Apache ZooKeeper's own code and prints the time
// taken, for snapshot_bench.ts to compare with zkts on the same file.
//   javac -cp "/usr/share/java/*" -d <out> LoadSnapshot.java
//   java -cp "<out>:/usr/share/java/zookeeper.jar:/usr/share/java/*" LoadSnapshot <snapshot file> [rounds]
import java.io.File;
import java.io.InputStream;
import java.util.HashMap;
import java.util.Map;
import java.util.zip.CheckedInputStream;
import org.apache.jute.BinaryInputArchive;
import org.apache.jute.InputArchive;
import org.apache.zookeeper.server.DataTree;
import org.apache.zookeeper.server.persistence.FileSnap;
import org.apache.zookeeper.server.persistence.SnapStream;

public class LoadSnapshot {
    public static void main(String[] args) throws Exception {
        File file = new File(args[0]);
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        for (int i = 0; i < rounds; i++) {
            long start = System.nanoTime();
            DataTree dt = new DataTree();
            Map<Long, Integer> sessions = new HashMap<>();
            try (CheckedInputStream is = SnapStream.getInputStream(file)) {
                InputArchive ia = BinaryInputArchive.getArchive(is);
                // 3.8's deserialize(DataTree, Map, InputArchive) is an instance method.
                new FileSnap(file.getParentFile()).deserialize(dt, sessions, ia);
                // SnapStream.checkSealIntegrity is package-private in 3.8: the same check here.
                long checksum = is.getChecksum().getValue();
                if (ia.readLong("val") != checksum) {
                    throw new IllegalStateException("CRC corruption");
                }
            }
            long ms = (System.nanoTime() - start) / 1_000_000;
            System.out.println("load " + ms + " ms, nodes " + dt.getNodeCount());
        }
    }
}
