package qsock.core.runtime.ffm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import qsock.core.packet.Ecn;

/**
 * The ECN codepoint through {@link BatchUdpSocket} on loopback, which keeps the TOS byte and traffic class as sent
 * (RFC 9000 §13.4, RFC 3168 §5): each codepoint sent per message arrives as such, over IPv4, IPv6, IPv4-mapped
 * traffic of a dual-stack IPv6 socket both ways, and on every datagram of a GSO train, received one by one or as a
 * GRO batch.
 */
class BatchUdpSocketEcnTest {

    private static final InetSocketAddress V4 = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
    private static final Ecn[] ALL = {Ecn.NOT_ECT, Ecn.ECT_0, Ecn.CE, Ecn.ECT_1};

    @BeforeAll
    static void linuxWithNativeAccess() {
        assumeTrue(BatchUdpSocket.isSupported(), () -> "FFM UDP not supported: " + BatchUdpSocket.unsupportedReason());
        assumeTrue(BatchUdpSocket.features().ecnV4(), "no IP_RECVTOS");
    }

    private static BatchUdpSocket openV6(String address) throws IOException {
        assumeTrue(BatchUdpSocket.features().ecnV6(), "no IPV6_RECVTCLASS");
        try {
            return BatchUdpSocket.open(new InetSocketAddress(InetAddress.getByName(address), 0), 8, 65_535);
        } catch (ErrnoException e) {
            assumeTrue(false, "no IPv6 here: " + e.getMessage());
            throw e;
        }
    }

    /** Sends one datagram with each codepoint, in one sendmmsg, and checks each arrived with its own. */
    private static void eachCodepointArrives(BatchUdpSocket a, BatchUdpSocket b, InetSocketAddress to)
            throws Exception {
        int[] lengths = new int[ALL.length];
        InetSocketAddress[] dest = new InetSocketAddress[ALL.length];
        for (int i = 0; i < ALL.length; i++) {
            a.sendSlot(i).clear().put(new byte[1200 + i]);
            lengths[i] = 1200 + i;
            dest[i] = to;
        }
        assertEquals(ALL.length, a.send(ALL.length, lengths, dest, null, ALL));
        List<Datagrams.Got> got = Datagrams.receive(b, ALL.length);
        for (Datagrams.Got g : got) {
            assertEquals(ALL[g.bytes().length - 1200], g.ecn(), "the datagram of " + g.bytes().length + " bytes");
        }
    }

    @Test
    void eachCodepointSentOverIpv4ArrivesAsSent() throws Exception {
        try (BatchUdpSocket a = BatchUdpSocket.open(V4, 8, 2048); BatchUdpSocket b = BatchUdpSocket.open(V4, 8, 2048)) {
            eachCodepointArrives(a, b, b.localAddress());
            // The per-message mark does not stick: the same slots sent again unmarked arrive NOT_ECT.
            a.sendSlot(0).clear().put(new byte[1300]);
            assertEquals(1, a.send(1, new int[] {1300}, new InetSocketAddress[] {b.localAddress()}, null));
            assertEquals(Ecn.NOT_ECT, Datagrams.receive(b, 1).get(0).ecn());
            // The same as two bits, for a caller that holds codepoints so.
            assertEquals(2, a.sendWithEcnBits(2, new int[] {1200, 1201},
                    new InetSocketAddress[] {b.localAddress(), b.localAddress()}, null,
                    new byte[] {(byte) Ecn.CE.bits(), (byte) Ecn.ECT_0.bits()}, null));
            assertEquals(2, b.receive());
            assertEquals(Ecn.CE.bits(), b.ecnBitsOf(0));
            assertEquals(Ecn.ECT_0.bits(), b.ecnBitsOf(1));
        }
    }

    @Test
    void eachCodepointSentOverIpv6ArrivesAsSent() throws Exception {
        try (BatchUdpSocket a = openV6("::1"); BatchUdpSocket b = openV6("::1")) {
            eachCodepointArrives(a, b, b.localAddress());
        }
    }

    @Test
    void ipv4MappedTrafficOfADualStackSocketCarriesItsCodepointBothWays() throws Exception {
        try (BatchUdpSocket v6 = openV6("::"); BatchUdpSocket v4 = BatchUdpSocket.open(V4, 8, 2048)) {
            InetSocketAddress mapped =
                    new InetSocketAddress(InetAddress.getLoopbackAddress(), v6.localAddress().getPort());
            // Into the IPv6 socket: Linux reports the TOS as IP_TOS (IP_RECVTOS), not as IPV6_TCLASS.
            eachCodepointArrives(v4, v6, mapped);
            // Out of it to an IPv4 destination: marked through IP_TOS, as IPv4's send path ignores IPV6_TCLASS.
            eachCodepointArrives(v6, v4, v4.localAddress());
        }
    }

    /** A GSO train of 12 datagrams marked {@code ecn}; {@return its length} */
    private static int train(BatchUdpSocket a, InetSocketAddress to, Ecn ecn) throws IOException {
        ByteBuffer slot = a.sendSlot(0).clear();
        slot.put(new byte[1200 * 11 + 500]);
        assertEquals(1, a.send(1, new int[] {slot.position()}, new InetSocketAddress[] {to}, new int[] {1200},
                new Ecn[] {ecn}));
        return slot.position();
    }

    @Test
    void everySegmentOfAGsoTrainCarriesItsMark() throws Exception {
        assumeTrue(BatchUdpSocket.features().gso(), "no UDP_SEGMENT");
        try (BatchUdpSocket a = BatchUdpSocket.open(V4, 1, 65_535);
             BatchUdpSocket b = BatchUdpSocket.open(V4, 16, 2048)) {
            for (Ecn ecn : new Ecn[] {Ecn.CE, Ecn.ECT_0, Ecn.NOT_ECT}) {
                train(a, b.localAddress(), ecn);
                List<Datagrams.Got> got = Datagrams.receive(b, 12);
                for (Datagrams.Got g : got) {
                    assertEquals(ecn, g.ecn());
                }
                assertEquals(500, got.get(11).bytes().length);
            }
        }
    }

    @Test
    void aGroBatchOfAMarkedTrainSaysItsMark() throws Exception {
        assumeTrue(BatchUdpSocket.features().gso() && BatchUdpSocket.features().gro(), "no UDP_SEGMENT or UDP_GRO");
        for (String address : new String[] {"127.0.0.1", "::1"}) {
            BatchUdpSocket a = address.equals("::1") ? openV6(address) : BatchUdpSocket.open(V4, 1, 65_535);
            BatchUdpSocket b = address.equals("::1") ? openV6(address) : BatchUdpSocket.open(V4, 4, 65_535);
            try (a; b) {
                assertTrue(b.enableGro());
                for (Ecn ecn : new Ecn[] {Ecn.ECT_0, Ecn.CE}) {
                    int length = train(a, b.localAddress(), ecn);
                    List<Datagrams.Got> got = Datagrams.receive(b, 12);
                    assertEquals(1200, got.get(0).segmentSize(), "one GRO batch of 1200-byte datagrams");
                    assertEquals(length, got.stream().mapToInt(g -> g.bytes().length).sum());
                    for (Datagrams.Got g : got) {
                        assertEquals(ecn, g.ecn(), address);
                    }
                }
            }
        }
    }
}
