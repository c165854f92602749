package qsock.core.runtime.ffm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import qsock.core.packet.Ecn;

/** Test help: receives datagrams from a {@link BatchUdpSocket}, GRO batches split, each with what came with it. */
final class Datagrams {

    /** One datagram as received: bytes, source, destination, ECN codepoint, and the receive slot's segment size. */
    record Got(byte[] bytes, InetSocketAddress source, InetSocketAddress destination, Ecn ecn, int segmentSize) {}

    private Datagrams() {}

    /** Receives until {@code want} datagrams arrived or 2000 empty polls passed (1 ms apart); asserts the count. */
    static List<Got> receive(BatchUdpSocket socket, int want) throws Exception {
        List<Got> got = new ArrayList<>();
        for (int polls = 0; polls < 2000 && got.size() < want; polls++) {
            int n = socket.receive();
            if (n == 0) {
                Thread.sleep(1);
                continue;
            }
            for (int i = 0; i < n; i++) {
                ByteBuffer b = socket.received(i);
                int size = Math.max(1, socket.segmentSizeOf(i));
                for (int at = 0; at < b.limit(); at += size) {
                    byte[] d = new byte[Math.min(size, b.limit() - at)];
                    b.get(at, d);
                    got.add(new Got(d, socket.sourceOf(i), socket.destinationOf(i), socket.ecnOf(i),
                            socket.segmentSizeOf(i)));
                }
            }
        }
        assertEquals(want, got.size(), "datagrams received");
        return got;
    }

    /** Sends one datagram of {@code length} bytes from slot 0 of {@code from}; asserts it left. */
    static void send(BatchUdpSocket from, int length, InetSocketAddress to, Ecn ecn, InetSocketAddress source)
            throws Exception {
        from.sendSlot(0).clear().put(new byte[length]);
        assertEquals(1, from.send(1, new int[] {length}, new InetSocketAddress[] {to}, null, new Ecn[] {ecn},
                new InetSocketAddress[] {source}));
    }
}
