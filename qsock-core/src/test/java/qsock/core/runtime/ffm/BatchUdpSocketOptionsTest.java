package qsock.core.runtime.ffm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.InterfaceAddress;
import java.net.NetworkInterface;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What a {@link BatchUdpSocket} is opened with and how its failures read: don't-fragment with no kernel PMTU cache
 * (IP_PMTUDISC_PROBE, RFC 9000 §14), SO_REUSEPORT, the buffer sizes, errors that name the call and the errno, ICMP
 * errors that do not stop the receive loop, and the features probe.
 */
class BatchUdpSocketOptionsTest {

    private static final InetSocketAddress V4 = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);

    @BeforeAll
    static void linuxWithNativeAccess() {
        assumeTrue(BatchUdpSocket.isSupported(), () -> "FFM UDP not supported: " + BatchUdpSocket.unsupportedReason());
    }

    @Test
    void socketsSendWithDontFragmentAndKeepNoPathMtuCache() throws Exception {
        assumeTrue(BatchUdpSocket.features().mtuProbeV4());
        try (BatchUdpSocket a = BatchUdpSocket.open(V4, 1, 65_535)) {
            assertEquals(Libc.IP_PMTUDISC_PROBE, a.intOption(Libc.SOL_IP, Libc.IP_MTU_DISCOVER, "IP_MTU_DISCOVER"));
        }
        assumeTrue(BatchUdpSocket.features().mtuProbeV6());
        try (BatchUdpSocket a = BatchUdpSocket.open(new InetSocketAddress("::", 0), 1, 65_535)) {
            assertEquals(Libc.IPV6_PMTUDISC_PROBE,
                    a.intOption(Libc.SOL_IPV6, Libc.IPV6_MTU_DISCOVER, "IPV6_MTU_DISCOVER"));
            // and for its IPv4-mapped traffic
            assertEquals(Libc.IP_PMTUDISC_PROBE, a.intOption(Libc.SOL_IP, Libc.IP_MTU_DISCOVER, "IP_MTU_DISCOVER"));
        }
    }

    @Test
    void theLargestIpv4DatagramCrossesLoopbackAndOneMoreByteIsRefusedByName() throws Exception {
        try (BatchUdpSocket a = BatchUdpSocket.open(V4, 1, 65_535);
             BatchUdpSocket b = BatchUdpSocket.open(V4, 1, 65_535)) {
            // Loopback's MTU is 65,536: 65,507 bytes of UDP payload, the IPv4 maximum, go whole, with DF.
            Datagrams.send(a, 65_507, b.localAddress(), null, null);
            assertEquals(65_507, Datagrams.receive(b, 1).get(0).bytes().length);
            ErrnoException e = assertThrows(ErrnoException.class,
                    () -> Datagrams.send(a, 65_508, b.localAddress(), null, null));
            assertEquals(Libc.EMSGSIZE, e.errno());
            assertEquals("sendmmsg", e.call());
            assertTrue(e.getMessage().startsWith("sendmmsg failed: EMSGSIZE (Message too long, errno 90): slot 0, 65508"
                    + " bytes"), e.getMessage());
        }
    }

    @Test
    void anIpv6DatagramLargerThanLoopbacksMtuFailsInsteadOfLeavingInFragments() throws Exception {
        assumeTrue(BatchUdpSocket.features().mtuProbeV6());
        InetSocketAddress v6 = new InetSocketAddress(InetAddress.getByName("::1"), 0);
        BatchUdpSocket a;
        try {
            a = BatchUdpSocket.open(v6, 1, 65_535);
        } catch (ErrnoException e) {
            assumeTrue(false, "no IPv6 loopback here: " + e.getMessage());
            return;
        }
        try (a; BatchUdpSocket b = BatchUdpSocket.open(v6, 1, 65_535)) {
            // 65,536 bytes of MTU less 40 of IPv6 header and 8 of UDP: 65,488 go whole.
            Datagrams.send(a, 65_488, b.localAddress(), null, null);
            assertEquals(65_488, Datagrams.receive(b, 1).get(0).bytes().length);
            // One more byte: Linux's default (IPV6_PMTUDISC_WANT) would send it in two fragments; PROBE refuses it.
            ErrnoException e = assertThrows(ErrnoException.class,
                    () -> Datagrams.send(a, 65_489, b.localAddress(), null, null));
            assertEquals("EMSGSIZE", e.errnoName(), e.getMessage());
            assertTrue(e.getMessage().contains("65489 bytes to " + b.localAddress()), e.getMessage());
        }
    }

    /** An IPv4 address of an interface up with an MTU below 60,000, and its network; null if the host has none. */
    private static InterfaceAddress smallMtuInterface() throws IOException {
        for (NetworkInterface n : NetworkInterface.networkInterfaces().toList()) {
            if (!n.isUp() || n.isLoopback() || n.getMTU() <= 0 || n.getMTU() >= 60_000) {
                continue;
            }
            for (InterfaceAddress a : n.getInterfaceAddresses()) {
                if (a.getAddress() instanceof Inet4Address && a.getNetworkPrefixLength() <= 30) {
                    return a;
                }
            }
        }
        return null;
    }

    @Test
    void aDatagramLargerThanTheInterfaceMtuFailsAtOnceInsteadOfLeavingInFragments() throws Exception {
        assumeTrue(BatchUdpSocket.features().mtuProbeV4());
        InterfaceAddress local = smallMtuInterface();
        assumeTrue(local != null, "no interface with a small MTU");
        int mtu = NetworkInterface.getByInetAddress(local.getAddress()).getMTU();
        // Another address of that network: routed out of the interface, so its MTU bounds a datagram with DF. Without
        // DF (Linux's default, IP_PMTUDISC_WANT) the kernel would fragment it and send the fragments.
        byte[] peer = local.getAddress().getAddress();
        peer[3] ^= 1;
        InetSocketAddress to = new InetSocketAddress(InetAddress.getByAddress(peer), 9);
        try (BatchUdpSocket a = BatchUdpSocket.open(new InetSocketAddress("0.0.0.0", 0), 1, 65_535)) {
            ErrnoException e = assertThrows(ErrnoException.class, () -> Datagrams.send(a, mtu, to, null, null));
            assertEquals(Libc.EMSGSIZE, e.errno(), e.getMessage());
            assertTrue(e.getMessage().contains("don't-fragment"), e.getMessage());
        }
    }

    @Test
    void aGsoTrainTheKernelRefusesSaysWhy() throws Exception {
        assumeTrue(BatchUdpSocket.features().gso());
        try (BatchUdpSocket a = BatchUdpSocket.open(V4, 1, 65_535);
             BatchUdpSocket b = BatchUdpSocket.open(V4, 1, 65_535)) {
            InetSocketAddress[] to = {b.localAddress()};
            // More segments (300) than UDP_MAX_SEGMENTS (64 on older kernels, 128 on newer ones): EINVAL.
            a.sendSlot(0).clear().put(new byte[60_000]);
            ErrnoException tooMany = assertThrows(ErrnoException.class,
                    () -> a.send(1, new int[] {60_000}, to, new int[] {200}));
            assertEquals(Libc.EINVAL, tooMany.errno());
            assertTrue(tooMany.getMessage().contains("in GSO segments of 200") && tooMany.getMessage().contains(
                    "a GSO train the kernel refuses"), tooMany.getMessage());
            // A train larger than an IPv4 datagram can be: EMSGSIZE.
            a.sendSlot(0).clear().put(new byte[65_535]);
            ErrnoException tooLong = assertThrows(ErrnoException.class,
                    () -> a.send(1, new int[] {65_535}, to, new int[] {1200}));
            assertEquals(Libc.EMSGSIZE, tooLong.errno(), tooLong.getMessage());
            // The socket still works.
            Datagrams.send(a, 1200, b.localAddress(), null, null);
            Datagrams.receive(b, 1);
        }
    }

    @Test
    void soReusePortLetsTwoSocketsShareAPortAndItsLackIsNamed() throws Exception {
        assumeTrue(BatchUdpSocket.features().reusePort());
        BatchUdpSocket.Options reuse = BatchUdpSocket.Options.defaults().withReusePort(true);
        try (BatchUdpSocket a = BatchUdpSocket.open(V4, 1, 2048, reuse);
             BatchUdpSocket b = BatchUdpSocket.open(a.localAddress(), 1, 2048, reuse)) {
            assertEquals(a.localAddress(), b.localAddress());
            ErrnoException e = assertThrows(ErrnoException.class, () -> BatchUdpSocket.open(a.localAddress(), 1, 2048));
            assertEquals("EADDRINUSE", e.errnoName());
            assertEquals("bind " + a.localAddress(), e.call());
        }
    }

    @Test
    void bufferSizesAreSetAndReadBack() throws Exception {
        try (BatchUdpSocket a = BatchUdpSocket.open(V4, 1, 2048)) {
            // Linux doubles what it is given, for its bookkeeping.
            a.setReceiveBufferSize(150_000);
            assertEquals(300_000, a.receiveBufferSize());
            a.setReceiveBufferSize(70_000);
            assertEquals(140_000, a.receiveBufferSize());
            a.setSendBufferSize(90_000);
            assertEquals(180_000, a.sendBufferSize());
            assertThrows(IllegalArgumentException.class, () -> a.setSendBufferSize(0));
            a.close();
            assertThrows(IOException.class, a::receiveBufferSize);
        }
    }

    @Test
    void aFailedCallNamesItselfAndItsErrno() {
        ErrnoException e = assertThrows(ErrnoException.class,
                () -> BatchUdpSocket.open(new InetSocketAddress("203.0.113.7", 0), 1, 2048));
        assertEquals("bind /203.0.113.7:0 failed: EADDRNOTAVAIL (Cannot assign requested address, errno 99)",
                e.getMessage());
        assertEquals("errno 200", Libc.errnoName(200));
        assertEquals("x failed: errno 200", new ErrnoException("x", 200, null).getMessage());
    }

    @Test
    void anIcmpErrorOfAnEarlierDatagramDoesNotStopTheReceiveLoop() throws Exception {
        try (BatchUdpSocket a = BatchUdpSocket.open(V4, 4, 2048);
             BatchUdpSocket b = BatchUdpSocket.open(V4, 4, 2048)) {
            // With IP_RECVERR an unconnected socket is told of ICMP errors (without it Linux tells only a connected
            // one): the next call on it fails with ECONNREFUSED once.
            assertTrue(b.setOption(Libc.SOL_IP, Libc.IP_RECVERR, 1));
            InetSocketAddress closed;
            try (BatchUdpSocket c = BatchUdpSocket.open(V4, 1, 2048)) {
                closed = c.localAddress();
            }
            Datagrams.send(b, 1200, closed, null, null);
            Datagrams.send(a, 1300, b.localAddress(), null, null);
            // On loopback the port unreachable is back before the send returns; receive passes over it.
            List<Datagrams.Got> got = Datagrams.receive(b, 1);
            assertEquals(1300, got.get(0).bytes().length);
            for (int polls = 0; polls < 1000 && b.icmpErrors() == 0; polls++) {
                assertEquals(0, b.receive());
                Thread.sleep(1);
            }
            assertEquals(1, b.icmpErrors(), "the port unreachable, passed over by receive");
            // On send: a pending error is taken by the first try, the datagram leaves on the second.
            int sent = 0;
            for (int tries = 0; tries < 100 && b.icmpErrors() < 2; tries++) {
                Datagrams.send(b, 1200, closed, null, null);
                Thread.sleep(1);
                Datagrams.send(b, 1400, a.localAddress(), null, null);
                sent++;
            }
            assertEquals(2, b.icmpErrors(), "the second port unreachable, passed over by send");
            assertEquals(sent, Datagrams.receive(a, sent).size());
        }
    }

    @Test
    void theFeaturesProbeMatchesWhatSocketsDo() throws Exception {
        UdpFeatures f = BatchUdpSocket.features();
        assertTrue(f.describe().startsWith("UDP_SEGMENT "), f.describe());
        String[] version = System.getProperty("os.version").split("[.-]");
        if (Integer.parseInt(version[0]) >= 5) {
            // Every one of these is in Linux 5.0 and later.
            assertTrue(f.gso() && f.gro() && f.ecnV4() && f.packetInfoV4() && f.mtuProbeV4() && f.reusePort(),
                    f.describe());
        }
        try (BatchUdpSocket a = BatchUdpSocket.open(V4, 1, 65_535)) {
            assertEquals(f.gro(), a.enableGro());
        }
    }
}
