package qsock.core.runtime.ffm;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * What this system's UDP sockets can do, probed once (at class initialisation) by setting each option on a throwaway
 * socket of each family: the runtime logs {@link #describe()} once and {@link BatchUdpSocket} sets at open only what is
 * here. All false where {@link BatchUdpSocket#isSupported()} is.
 *
 * @param ipv6 an IPv6 UDP socket can be made
 * @param gso UDP_SEGMENT: one send split into same-size datagrams (Linux 4.18)
 * @param gro UDP_GRO: same-size datagrams coalesced into one receive (Linux 5.0)
 * @param ecnV4 IP_RECVTOS: an IPv4 datagram's ECN bits on receive (RFC 9000 §13.4)
 * @param ecnV6 IPV6_RECVTCLASS: an IPv6 datagram's ECN bits on receive
 * @param packetInfoV4 IP_PKTINFO: an IPv4 datagram's destination address on receive, a chosen source on send
 * @param packetInfoV6 IPV6_RECVPKTINFO: the same for IPv6
 * @param mtuProbeV4 IP_MTU_DISCOVER = IP_PMTUDISC_PROBE: DF set, no fragmenting, no PMTU cache (RFC 9000 §14)
 * @param mtuProbeV6 IPV6_MTU_DISCOVER = IPV6_PMTUDISC_PROBE
 * @param reusePort SO_REUSEPORT: several sockets share one port, the kernel spreads datagrams by address hash
 */
public record UdpFeatures(boolean ipv6, boolean gso, boolean gro, boolean ecnV4, boolean ecnV6, boolean packetInfoV4,
        boolean packetInfoV6, boolean mtuProbeV4, boolean mtuProbeV6, boolean reusePort) {

    private static final UdpFeatures PROBED = probe();

    /** {@return what this system's UDP sockets can do, probed once} */
    public static UdpFeatures probed() {
        return PROBED;
    }

    /** {@return one line for the log, as "UDP_SEGMENT yes, UDP_GRO yes, IP_RECVTOS yes, ..."} */
    public String describe() {
        if (!BatchUdpSocket.isSupported()) {
            return "no FFM UDP: " + BatchUdpSocket.unsupportedReason();
        }
        return "UDP_SEGMENT " + yes(gso) + ", UDP_GRO " + yes(gro) + ", IP_RECVTOS " + yes(ecnV4)
                + ", IPV6_RECVTCLASS " + yes(ecnV6) + ", IP_PKTINFO " + yes(packetInfoV4) + ", IPV6_RECVPKTINFO "
                + yes(packetInfoV6) + ", IP_PMTUDISC_PROBE " + yes(mtuProbeV4) + ", IPV6_PMTUDISC_PROBE "
                + yes(mtuProbeV6) + ", SO_REUSEPORT " + yes(reusePort) + ", IPv6 " + yes(ipv6);
    }

    private static String yes(boolean b) {
        return b ? "yes" : "no";
    }

    private static UdpFeatures probe() {
        if (!Libc.AVAILABLE) {
            return new UdpFeatures(false, false, false, false, false, false, false, false, false, false);
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = Libc.errnoSegment(arena);
            MemorySegment value = arena.allocate(ValueLayout.JAVA_INT);
            boolean gso = false;
            boolean gro = false;
            boolean ecnV4 = false;
            boolean packetInfoV4 = false;
            boolean mtuProbeV4 = false;
            boolean reusePort = false;
            int fd = Libc.socket(errno, Libc.AF_INET, Libc.SOCK_DGRAM, 0);
            if (fd >= 0) {
                gso = set(errno, fd, value, Libc.SOL_UDP, Libc.UDP_SEGMENT, 1200)
                        && set(errno, fd, value, Libc.SOL_UDP, Libc.UDP_SEGMENT, 0);
                gro = set(errno, fd, value, Libc.SOL_UDP, Libc.UDP_GRO, 1);
                ecnV4 = set(errno, fd, value, Libc.SOL_IP, Libc.IP_RECVTOS, 1);
                packetInfoV4 = set(errno, fd, value, Libc.SOL_IP, Libc.IP_PKTINFO, 1);
                mtuProbeV4 = set(errno, fd, value, Libc.SOL_IP, Libc.IP_MTU_DISCOVER, Libc.IP_PMTUDISC_PROBE);
                reusePort = set(errno, fd, value, Libc.SOL_SOCKET, Libc.SO_REUSEPORT, 1);
                Libc.close(errno, fd);
            }
            boolean ecnV6 = false;
            boolean packetInfoV6 = false;
            boolean mtuProbeV6 = false;
            int fd6 = Libc.socket(errno, Libc.AF_INET6, Libc.SOCK_DGRAM, 0);
            if (fd6 >= 0) {
                ecnV6 = set(errno, fd6, value, Libc.SOL_IPV6, Libc.IPV6_RECVTCLASS, 1);
                packetInfoV6 = set(errno, fd6, value, Libc.SOL_IPV6, Libc.IPV6_RECVPKTINFO, 1);
                mtuProbeV6 = set(errno, fd6, value, Libc.SOL_IPV6, Libc.IPV6_MTU_DISCOVER, Libc.IPV6_PMTUDISC_PROBE);
                Libc.close(errno, fd6);
            }
            return new UdpFeatures(fd6 >= 0, gso, gro, ecnV4, ecnV6, packetInfoV4, packetInfoV6, mtuProbeV4,
                    mtuProbeV6, reusePort);
        } catch (RuntimeException e) {
            // A downcall refused after all (say, native access withdrawn): nothing is usable, the NIO runtime runs.
            return new UdpFeatures(false, false, false, false, false, false, false, false, false, false);
        }
    }

    private static boolean set(MemorySegment errno, int fd, MemorySegment value, int level, int name, int v) {
        value.set(ValueLayout.JAVA_INT, 0, v);
        return Libc.setsockopt(errno, fd, level, name, value, 4) == 0;
    }
}
