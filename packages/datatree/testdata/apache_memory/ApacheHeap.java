// Loads a snapshot into Apache ZooKeeper's own DataTree and prints the heap
// it takes after full GCs, for bench_memory_apache.ts to compare with zkts on
// the very same tree.
//   javac -cp "/usr/share/java/*" -d <out> ApacheHeap.java
//   java -XX:+UseSerialGC -Xmx3g -cp "<out>:/usr/share/java/zookeeper.jar:/usr/share/java/*" ApacheHeap <snapshot>
import java.io.File;
import java.util.HashMap;
import java.util.Map;
import java.util.zip.CheckedInputStream;
import org.apache.jute.BinaryInputArchive;
import org.apache.jute.InputArchive;
import org.apache.zookeeper.server.DataTree;
import org.apache.zookeeper.server.persistence.FileSnap;
import org.apache.zookeeper.server.persistence.SnapStream;

public class ApacheHeap {
    static long used() throws InterruptedException {
        Runtime rt = Runtime.getRuntime();
        for (int i = 0; i < 4; i++) {
            System.gc();
            Thread.sleep(100);
        }
        return rt.totalMemory() - rt.freeMemory();
    }

    public static void main(String[] args) throws Exception {
        File file = new File(args[0]);
        long before = used();
        DataTree dt = new DataTree();
        Map<Long, Integer> sessions = new HashMap<>();
        try (CheckedInputStream is = SnapStream.getInputStream(file)) {
            InputArchive ia = BinaryInputArchive.getArchive(is);
            new FileSnap(file.getParentFile()).deserialize(dt, sessions, ia);
        }
        long after = used();
        // getNodeCount counts the root twice ("" and "/").
        int znodes = dt.getNodeCount() - 1;
        System.out.println("{\"znodes\":" + znodes + ",\"heapBytes\":" + (after - before)
            + ",\"digest\":" + dt.getTreeDigest() + "}");
    }
}
