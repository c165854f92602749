package qsock.core.runtime.ffm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import qsock.core.packet.Ecn;

/**
 * A socket bound to a wildcard address tells which of the host's addresses each datagram was sent to (IP_PKTINFO,
 * IPV6_RECVPKTINFO) and answers from the one it chooses (an in_pktinfo / in6_pktinfo cmsg), as a QUIC server must to
 * keep a path's addresses (RFC 9000 §9). On Linux loopback all of 127.0.0.0/8 is local: 127.0.0.1 and 127.0.0.2 are
 * two addresses of the host.
 */
class BatchUdpSocketAddressTest {

    private static InetAddress one;
    private static InetAddress two;

    @BeforeAll
    static void linuxWithTwoLoopbackAddresses() throws IOException {
        assumeTrue(BatchUdpSocket.isSupported(), () -> "FFM UDP not supported: " + BatchUdpSocket.unsupportedReason());
        assumeTrue(BatchUdpSocket.features().packetInfoV4(), "no IP_PKTINFO");
        one = InetAddress.getByName("127.0.0.1");
        two = InetAddress.getByName("127.0.0.2");
        try (DatagramSocket probe = new DatagramSocket(new InetSocketAddress(two, 0))) {
            assumeTrue(probe.getLocalPort() > 0);
        } catch (IOException e) {
            assumeTrue(false, "127.0.0.2 is not an address of this host: " + e.getMessage());
        }
    }

    /**
     * A client on 127.0.0.1 reaches {@code server} at 127.0.0.1 and at 127.0.0.2; the server tells the two apart, and
     * answers each from the address it was reached on (for 127.0.0.2 the kernel would choose 127.0.0.1).
     */
    private static void tellsDestinationsApartAndAnswersFromThem(BatchUdpSocket server) throws Exception {
        int port = server.localAddress().getPort();
        InetSocketAddress atOne = new InetSocketAddress(one, port);
        InetSocketAddress atTwo = new InetSocketAddress(two, port);
        try (BatchUdpSocket client = BatchUdpSocket.open(new InetSocketAddress(one, 0), 4, 2048)) {
            Datagrams.send(client, 1201, atOne, null, null);
            Datagrams.send(client, 1202, atTwo, null, null);
            List<Datagrams.Got> got = Datagrams.receive(server, 2);
            for (Datagrams.Got g : got) {
                assertEquals(g.bytes().length == 1201 ? atOne : atTwo, g.destination(), "destination");
                assertEquals(client.localAddress(), g.source());
            }
            // Answer each from the address it came to, in one sendmmsg.
            int[] lengths = new int[2];
            InetSocketAddress[] to = new InetSocketAddress[2];
            InetSocketAddress[] from = new InetSocketAddress[2];
            for (int i = 0; i < 2; i++) {
                Datagrams.Got g = got.get(i);
                server.sendSlot(i).clear().put(new byte[g.bytes().length + 100]);
                lengths[i] = g.bytes().length + 100;
                to[i] = g.source();
                from[i] = g.destination();
            }
            assertEquals(2, server.send(2, lengths, to, null, null, from));
            for (Datagrams.Got g : Datagrams.receive(client, 2)) {
                assertEquals(g.bytes().length == 1301 ? atOne : atTwo, g.source(), "the answer's source");
            }
        }
    }

    @Test
    void anIpv4WildcardSocketTellsDestinationsApartAndAnswersFromThem() throws Exception {
        try (BatchUdpSocket server = BatchUdpSocket.open(new InetSocketAddress("0.0.0.0", 0), 4, 2048)) {
            tellsDestinationsApartAndAnswersFromThem(server);
        }
    }

    @Test
    void anIpv6WildcardSocketDoesSoForIpv4MappedAndIpv6Traffic() throws Exception {
        assumeTrue(BatchUdpSocket.features().packetInfoV6(), "no IPV6_RECVPKTINFO");
        BatchUdpSocket server;
        try {
            server = BatchUdpSocket.open(new InetSocketAddress("::", 0), 4, 2048);
        } catch (ErrnoException e) {
            assumeTrue(false, "no IPv6 here: " + e.getMessage());
            return;
        }
        try (server) {
            tellsDestinationsApartAndAnswersFromThem(server);
            InetSocketAddress v6 = new InetSocketAddress(InetAddress.getByName("::1"), server.localAddress().getPort());
            try (BatchUdpSocket client = BatchUdpSocket.open(new InetSocketAddress("::1", 0), 4, 2048)) {
                Datagrams.send(client, 1300, v6, Ecn.ECT_0, null);
                Datagrams.Got g = Datagrams.receive(server, 1).get(0);
                assertEquals(v6, g.destination());
                assertEquals(Ecn.ECT_0, g.ecn());
                Datagrams.send(server, 1400, g.source(), Ecn.CE, g.destination());
                Datagrams.Got answer = Datagrams.receive(client, 1).get(0);
                assertEquals(v6, answer.source());
                assertEquals(Ecn.CE, answer.ecn());
            }
        }
    }

    @Test
    void aSocketBoundToOneAddressSaysItAndAnUnchangedDestinationIsNotMadeAgain() throws Exception {
        try (BatchUdpSocket a = BatchUdpSocket.open(new InetSocketAddress(two, 0), 4, 2048);
             BatchUdpSocket any = BatchUdpSocket.open(new InetSocketAddress("0.0.0.0", 0), 4, 2048)) {
            Datagrams.send(any, 1200, a.localAddress(), null, null);
            assertEquals(a.localAddress(), Datagrams.receive(a, 1).get(0).destination());
            InetSocketAddress atTwo = new InetSocketAddress(two, any.localAddress().getPort());
            Datagrams.send(a, 1200, atTwo, null, null);
            Datagrams.receive(any, 1);
            InetSocketAddress first = any.destinationOf(0);
            assertEquals(atTwo, first);
            Datagrams.send(a, 1200, atTwo, null, null);
            Datagrams.receive(any, 1);
            assertSame(first, any.destinationOf(0), "the same destination again: no new address");
        }
    }

    @Test
    void aSourceOfTheOtherFamilyThanItsDestinationIsRefused() throws Exception {
        try (BatchUdpSocket a = BatchUdpSocket.open(new InetSocketAddress("0.0.0.0", 0), 4, 2048)) {
            assertThrows(IllegalArgumentException.class, () -> Datagrams.send(a, 1200, a.localAddress(), null,
                    new InetSocketAddress(InetAddress.getByName("::1"), 0)));
        }
    }
}
