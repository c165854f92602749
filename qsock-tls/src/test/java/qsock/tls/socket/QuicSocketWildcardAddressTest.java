package qsock.tls.socket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import qsock.socket.QuicSocket;
import qsock.socket.StreamFlags;
import qsock.socket.StreamMessage;
import qsock.tls.QuicHandshake;

/**
 * A listener bound to a wildcard address answers from the address each client sent to (IP_PKTINFO /
 * IPV6_PKTINFO, issue 14): a client that reaches it at 127.0.0.2 hears from 127.0.0.2, not from 127.0.0.1, which the
 * kernel would pick as the source toward a client at 127.0.0.1 and which the client would not take for its server.
 * The FFM runtime only: a NIO {@code DatagramChannel} can neither read a datagram's destination nor choose a source
 * (the build's {@code qsock.io=nio} run skips this).
 */
@Timeout(60)
class QuicSocketWildcardAddressTest {

    private static boolean ffm() {
        return !"nio".equals(System.getProperty("qsock.io"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"0.0.0.0", "::"})
    void aWildcardListenerAnswersFromTheAddressTheClientSentTo(String wildcard) throws Exception {
        assumeTrue(ffm(), "the NIO runtime cannot choose a datagram's source");
        try (QuicSocket listener = QuicSocket.open().bind(new InetSocketAddress(wildcard, 0));
             java.util.concurrent.ExecutorService threads = java.util.concurrent.Executors
                     .newVirtualThreadPerTaskExecutor()) {
            listener.listen(16);
            int port = ((InetSocketAddress) listener.localAddress()).getPort();
            InetSocketAddress second = new InetSocketAddress(InetAddress.getByName("127.0.0.2"), port);
            Future<QuicSocket> accepted = threads.submit(() -> {
                QuicSocket s = listener.accept();
                QuicHandshake.serverHandshake(s, Loopback.serverTls(), Loopback.HANDSHAKE_TIMEOUT);
                return s;
            });
            try (QuicSocket client = QuicSocket.open()) {
                client.bind(new InetSocketAddress("127.0.0.1", 0));
                client.connect(second);
                QuicHandshake.clientHandshake(client, Loopback.clientTls(), Loopback.HANDSHAKE_TIMEOUT);
                try (QuicSocket server = accepted.get(10, TimeUnit.SECONDS)) {
                    InetSocketAddress reached = (InetSocketAddress) server.localAddress();
                    assertEquals(second.getAddress(), normalized(reached.getAddress()), "the address the client sent to");
                    assertEquals(port, reached.getPort());
                    // A round trip on the connection, and nothing from an address the client does not know.
                    long id = client.openStream(StreamFlags.NEW);
                    byte[] hello = "hello from 127.0.0.1".getBytes(StandardCharsets.US_ASCII);
                    client.send(ByteBuffer.wrap(hello), id, StreamFlags.FIN);
                    ByteBuffer got = ByteBuffer.allocate(64);
                    StreamMessage m;
                    do {
                        m = server.receive(got);
                    } while (!m.fin());
                    got.flip();
                    server.send(got, id, StreamFlags.FIN);
                    ByteBuffer back = ByteBuffer.allocate(64);
                    do {
                        m = client.receive(back);
                    } while (!m.fin());
                    assertEquals(ByteBuffer.wrap(hello), back.flip());
                    assertEquals(0, client.statistics().datagramsFromUnknownAddresses(),
                            "every datagram came from the server's address");
                    assertEquals(second, client.remoteAddress());
                }
            }
        }
    }

    /** An IPv4-mapped IPv6 address (what a dual-stack socket reports) as the IPv4 address it maps. */
    private static InetAddress normalized(InetAddress a) throws Exception {
        byte[] b = a.getAddress();
        if (b.length == 16) {
            boolean mapped = b[10] == (byte) 0xff && b[11] == (byte) 0xff;
            for (int i = 0; i < 10 && mapped; i++) {
                mapped = b[i] == 0;
            }
            if (mapped) {
                return InetAddress.getByAddress(java.util.Arrays.copyOfRange(b, 12, 16));
            }
        }
        return a;
    }
}
