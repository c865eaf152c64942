// Records Apache ZooKeeper 3.8's election wire bytes as hex, one `name hex` a line.
// Run by record.sh; lives in Apache's package to reach FastLeaderElection.buildMsg.
package org.apache.zookeeper.server.quorum;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

public class RecordElectionWire {
    static String hex(byte[] b) {
        StringBuilder sb = new StringBuilder();
        for (byte x : b) sb.append(String.format("%02x", x));
        return sb.toString();
    }

    static void notification(String name, int state, long leader, long zxid, long ee, long pe, String cfg) {
        ByteBuffer b = FastLeaderElection.buildMsg(state, leader, zxid, ee, pe, cfg.getBytes(StandardCharsets.UTF_8));
        System.out.println(name + " " + hex(b.array()));
    }

    public static void main(String[] args) throws Exception {
        String cfg = "server.1=127.0.0.1:2888:3888:participant\nserver.2=127.0.0.1:2889:3889:participant\n"
            + "server.3=127.0.0.1:2890:3890:participant\nversion=0";
        notification("looking", 0, 3, 0x100000005L, 2, 1, cfg);
        notification("following", 1, 2, 0x200000000L, 7, 2, "version=0");
        notification("leading", 2, 2, 0, 1, 0, "");
        notification("observing", 3, 1, 42, 3, 0, "version=100000000");
        notification("observer_proposal", 0, Long.MIN_VALUE, Long.MIN_VALUE, 1, Long.MIN_VALUE, "version=0");
        // The initial message, as QuorumCnxManager.startConnection writes it (protocol V1).
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        DataOutputStream dout = new DataOutputStream(bos);
        dout.writeLong(QuorumCnxManager.PROTOCOL_VERSION_V1);
        dout.writeLong(3);
        byte[] addr = "127.0.0.1:3890".getBytes(StandardCharsets.UTF_8);
        dout.writeInt(addr.length);
        dout.write(addr);
        dout.flush();
        System.out.println("initial_v1 " + hex(bos.toByteArray()));
        // And parsed back by Apache's own parser.
        QuorumCnxManager.InitialMessage m = QuorumCnxManager.InitialMessage.parse(
            QuorumCnxManager.PROTOCOL_VERSION_V1,
            new java.io.DataInputStream(new java.io.ByteArrayInputStream(bos.toByteArray(), 8, bos.size() - 8)));
        System.out.println("initial_v1_parsed sid=" + m.sid + " addr=" + m.electionAddr);
    }
}
