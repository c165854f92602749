package qsock.core.runtime.ffm;

import java.io.Closeable;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Objects;
import qsock.core.packet.Ecn;

/**
 * A UDP socket of its own through FFM downcalls (Linux): many datagrams per system call each way (sendmmsg,
 * recvmmsg), and the kernel's segmentation offloads: a send of one buffer the kernel splits into datagrams of one
 * size (UDP_SEGMENT, "GSO"), a receive of same-size datagrams coalesced into one buffer with their size (UDP_GRO).
 * Issue 14's batched I/O rests on it; the NIO runtime stays where {@link #isSupported()} is false.
 *
 * <p>The datagrams live in native memory the socket owns: {@link #slots()} send slots and as many receive slots, each
 * of {@link #slotSize()} bytes, seen through direct buffers made once. A caller writes datagrams into {@link
 * #sendSlot} views and sends them with {@link #send}; {@link #receive} fills the receive slots, read through {@link
 * #received}. Nothing is allocated per datagram: addresses are encoded again only when they change, and a source
 * address is made into an {@link InetSocketAddress} only when it differs from the one last seen in that slot.
 * Calls never block (MSG_DONTWAIT): a full or empty socket gives 0. IPv4 or IPv6 (an IPv6 socket reaches IPv4 peers
 * through mapped addresses unless the system forbids it). Not thread-safe: one I/O thread
 * owns it.
 *
 * <p>Per datagram, besides bytes and source: the ECN codepoint both ways (RFC 9000 §13.4, RFC 3168: {@link #ecnOf},
 * {@link #send(int, int[], InetSocketAddress[], int[], Ecn[])}), the address a datagram was sent to, for a socket
 * bound to a wildcard address ({@link #destinationOf}), and the source to send from ({@link #send(int, int[],
 * InetSocketAddress[], int[], Ecn[], InetSocketAddress[])}). Every socket sends with don't-fragment and keeps no path
 * MTU cache of the kernel's (IP_PMTUDISC_PROBE): QUIC finds the path MTU itself (RFC 9000 §14), so a datagram larger
 * than the interface allows fails at once (EMSGSIZE) instead of leaving in fragments. {@link UdpFeatures#probed()}
 * says which of these the system has; an option it lacks is not set.
 *
 * <p>Errors. Every failed system call becomes an {@link ErrnoException} naming the call and the errno: {@link #open}
 * (socket, setsockopt, bind, getsockname), {@link #send} (sendmmsg: EMSGSIZE for a datagram larger than the path
 * allows, EINVAL for a GSO train the kernel refuses, ENETUNREACH / EHOSTUNREACH / EACCES for a destination it will not
 * send to, ENOBUFS), {@link #receive} (recvmmsg: only what is not transient), the buffer setters and getters
 * (setsockopt, getsockopt). Not errors: EAGAIN ("the kernel's buffer is full / nothing waits", 0 returned), EINTR
 * (retried), and on receive ECONNREFUSED, EHOSTUNREACH, ENETUNREACH, EHOSTDOWN and EMSGSIZE, an earlier datagram's
 * ICMP error the kernel reports on the socket: passed over and counted ({@link #icmpErrors()}) so that the receive loop
 * goes on (on send such an errno is retried once, then thrown: it is this datagram's own). sendmmsg reports an error
 * only when its first message fails; a call that sent some returns how many, and the next call, starting at the
 * failed one, gets its error.
 */
public final class BatchUdpSocket implements Closeable {

    private static final ValueLayout.OfShort PORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED;
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED;
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED;
    /** Space of a cmsg with up to 8 bytes of data (UDP_SEGMENT's u16, IP_TOS's int, UDP_GRO's int): CMSG_SPACE(8). */
    private static final long CMSG_SMALL = Libc.CMSG_HEADER + 8;
    /** Send control space per message: UDP_SEGMENT, IP_TOS or IPV6_TCLASS, in_pktinfo or in6_pktinfo (40 bytes). */
    private static final long SEND_CONTROL_SPACE = CMSG_SMALL + CMSG_SMALL + Libc.CMSG_HEADER + 24;
    /**
     * Receive control space per message: UDP_GRO, IPV6_TCLASS, IPV6_PKTINFO, and on an IPv6 socket's IPv4-mapped
     * traffic IP_TOS and room for an IP_PKTINFO; a truncated control buffer (MSG_CTRUNC) loses only what did not fit.
     */
    private static final long RECEIVE_CONTROL_SPACE = CMSG_SMALL * 3 + Libc.CMSG_HEADER + 24 + Libc.CMSG_HEADER + 16;
    /** Per receive slot: the length of the last destination address seen (4 or 16, 0 for none), then its bytes. */
    private static final long DESTINATION_SEEN = 20;
    /** Retries of a call that an interruption or a reported ICMP error failed, before giving up this time. */
    private static final int MAX_RETRIES = 16;

    private final Arena arena = Arena.ofShared();
    private final MemorySegment errno = Libc.errnoSegment(arena);
    private final int fd;
    private final int slots;
    private final int slotSize;
    private final InetSocketAddress local;
    private final boolean ipv6;
    /** A scratch int for setsockopt and getsockopt. */
    private final MemorySegment intValue;
    private final MemorySegment intLength;

    private final MemorySegment sendData;
    private final MemorySegment sendMessages;
    private final MemorySegment sendIovecs;
    private final MemorySegment sendNames;
    private final MemorySegment sendControl;
    private final ByteBuffer[] sendViews;
    /** Per slot, made once: the segments of its address and control space (asSlice allocates). */
    private final MemorySegment[] sendNameSlices;
    private final MemorySegment[] sendControlSlices;
    private final MemorySegment[] receiveNameSlices;
    private final InetSocketAddress[] sendNameOf;
    /** Per send slot, whether its destination is IPv4 (IPv4-mapped on an IPv6 socket): which cmsg level marks ECN. */
    private final boolean[] sendToV4;
    /** Per send slot, what its control space holds now, to rebuild it only when one changes (-1: nothing built). */
    private final int[] sendSegmentOf;
    private final int[] sendEcnOf;
    private final InetSocketAddress[] sendSourceOf;
    /** Per send slot, the bytes of its source address (null: none, or a wildcard), made when the source changes. */
    private final byte[][] sendSourceBytes;
    private final boolean[] sendControlV4;
    private final long[] sendControlLength;

    private final MemorySegment receiveData;
    private final MemorySegment receiveMessages;
    private final MemorySegment receiveIovecs;
    private final MemorySegment receiveNames;
    private final MemorySegment receiveControl;
    private final ByteBuffer[] receiveViews;
    /** The bytes of a socket address of this socket's family: sockaddr_in (16) or sockaddr_in6 (28). */
    private final long nameSize;
    /** Per receive slot, a copy of the last source address's bytes, to tell a new one without allocating. */
    private final MemorySegment sourceSeen;
    private final InetSocketAddress[] source;
    private final int[] segmentSize;
    private final byte[] ecnBits;
    private final InetSocketAddress[] destination;
    /** Per receive slot, {@link #DESTINATION_SEEN} bytes: the last destination's length and bytes. */
    private final MemorySegment destinationSeen;
    private long icmpErrors;
    /**
     * Whether the last {@link Poller#await} found the socket readable (or in error): a hint for an I/O thread with
     * many sockets, true until the first wait. Written and read by the polling thread alone.
     */
    boolean pollReadable = true;

    /** {@return whether the last {@link Poller#await} found the socket readable or in error; true before any} */
    public boolean pollReadable() {
        return pollReadable;
    }
    private boolean closed;

    /**
     * What {@link #open(InetSocketAddress, int, int, Options)} sets on a socket beyond what every socket has (don't
     * fragment, IP_PMTUDISC_PROBE). A reading option {@link UdpFeatures#probed()} says the system lacks is left out
     * (ECN then reads NOT_ECT, a destination the socket's address); SO_REUSEPORT refused fails the open.
     *
     * @param reusePort SO_REUSEPORT before bind: several sockets (of one user) bind the same address and port, and the
     *     kernel spreads datagrams among them by a hash of the addresses
     * @param receiveEcn read each datagram's ECN codepoint ({@link #ecnOf}): IP_RECVTOS, IPV6_RECVTCLASS (and
     *     IP_RECVTOS on an IPv6 socket, for its IPv4-mapped traffic)
     * @param receiveDestination read each datagram's destination address ({@link #destinationOf}): IP_PKTINFO,
     *     IPV6_RECVPKTINFO; what a socket bound to a wildcard address needs to answer from the address it was
     *     reached on
     */
    public record Options(boolean reusePort, boolean receiveEcn, boolean receiveDestination) {

        /** {@return ECN and destinations read, no SO_REUSEPORT} */
        public static Options defaults() {
            return new Options(false, true, true);
        }

        /** {@return these options with SO_REUSEPORT as given} */
        public Options withReusePort(boolean reuse) {
            return new Options(reuse, receiveEcn, receiveDestination);
        }
    }

    /** {@return whether this system lets qsock make its own UDP sockets: Linux, native access granted} */
    public static boolean isSupported() {
        return Libc.AVAILABLE;
    }

    /** {@return why {@link #isSupported()} is false, or null} */
    public static String unsupportedReason() {
        return Libc.unavailableReason();
    }

    /** {@return what this system's UDP sockets can do, probed once: for the runtime to log} */
    public static UdpFeatures features() {
        return UdpFeatures.probed();
    }

    /**
     * Opens a non-blocking UDP socket bound to {@code local} (IPv4 or IPv6; port 0 for any), reading each datagram's
     * ECN codepoint, and its destination address if {@code local} is a wildcard address ({@link Options}).
     *
     * @param slots datagrams (or GSO trains) per send and receive call, 1 to 1024
     * @param slotSize bytes of each slot, 1200 to 65535: 65535 to send GSO trains or receive GRO batches
     * @throws IOException if the socket cannot be made or bound
     * @throws UnsupportedOperationException if {@link #isSupported()} is false
     */
    public static BatchUdpSocket open(InetSocketAddress local, int slots, int slotSize) throws IOException {
        Objects.requireNonNull(local, "local");
        if (!isSupported()) {
            throw new UnsupportedOperationException("no FFM UDP here: " + unsupportedReason());
        }
        if (local.isUnresolved()) {
            throw new IllegalArgumentException("an unresolved address: " + local);
        }
        if (slots < 1 || slots > 1024 || slotSize < 1200 || slotSize > 65_535) {
            throw new IllegalArgumentException("slots " + slots + ", slot size " + slotSize);
        }
        return open(local, slots, slotSize, new Options(false, true, local.getAddress().isAnyLocalAddress()));
    }

    /**
     * Opens a non-blocking UDP socket bound to {@code local} (IPv4 or IPv6; port 0 for any) with {@code options}.
     *
     * @param slots datagrams (or GSO trains) per send and receive call, 1 to 1024
     * @param slotSize bytes of each slot, 1200 to 65535: 65535 to send GSO trains or receive GRO batches
     * @throws ErrnoException if the socket cannot be made, an option set, or the address bound (EADDRINUSE: taken,
     *     and without SO_REUSEPORT on every socket that shares it)
     * @throws UnsupportedOperationException if {@link #isSupported()} is false
     */
    public static BatchUdpSocket open(InetSocketAddress local, int slots, int slotSize, Options options)
            throws IOException {
        Objects.requireNonNull(local, "local");
        Objects.requireNonNull(options, "options");
        if (!isSupported()) {
            throw new UnsupportedOperationException("no FFM UDP here: " + unsupportedReason());
        }
        if (local.isUnresolved()) {
            throw new IllegalArgumentException("an unresolved address: " + local);
        }
        if (slots < 1 || slots > 1024 || slotSize < 1200 || slotSize > 65_535) {
            throw new IllegalArgumentException("slots " + slots + ", slot size " + slotSize);
        }
        return new BatchUdpSocket(local, slots, slotSize, options);
    }

    private BatchUdpSocket(InetSocketAddress bindTo, int slots, int slotSize, Options options) throws IOException {
        this.slots = slots;
        this.slotSize = slotSize;
        this.ipv6 = bindTo.getAddress() instanceof Inet6Address;
        this.nameSize = ipv6 ? Libc.SOCKADDR_IN6_SIZE : Libc.SOCKADDR_IN_SIZE;
        this.intValue = arena.allocate(ValueLayout.JAVA_INT);
        this.intLength = arena.allocate(ValueLayout.JAVA_INT);
        int s = Libc.socket(errno, ipv6 ? Libc.AF_INET6 : Libc.AF_INET, Libc.SOCK_DGRAM, 0);
        if (s < 0) {
            arena.close();
            throw Libc.error("socket", errno);
        }
        this.fd = s;
        try {
            configure(options);
            MemorySegment name = arena.allocate(nameSize, 8);
            writeAddress(name, bindTo);
            if (Libc.bind(errno, fd, name, (int) nameSize) != 0) {
                throw Libc.error("bind " + bindTo, errno);
            }
            MemorySegment length = arena.allocate(ValueLayout.JAVA_INT);
            length.set(ValueLayout.JAVA_INT, 0, (int) nameSize);
            if (Libc.getsockname(errno, fd, name, length) != 0) {
                throw Libc.error("getsockname", errno);
            }
            this.local = readAddress(name);
        } catch (IOException | RuntimeException e) {
            Libc.close(errno, fd);
            arena.close();
            throw e;
        }
        sendData = arena.allocate((long) slots * slotSize, 64);
        sendMessages = arena.allocate(slots * Libc.MMSGHDR_SIZE, 8);
        sendIovecs = arena.allocate(slots * Libc.IOVEC_SIZE, 8);
        sendNames = arena.allocate(slots * nameSize, 8);
        sendControl = arena.allocate(slots * SEND_CONTROL_SPACE, 8);
        sendViews = new ByteBuffer[slots];
        sendNameSlices = new MemorySegment[slots];
        sendControlSlices = new MemorySegment[slots];
        receiveNameSlices = new MemorySegment[slots];
        sendNameOf = new InetSocketAddress[slots];
        sendToV4 = new boolean[slots];
        sendSegmentOf = new int[slots];
        Arrays.fill(sendSegmentOf, -1);
        sendEcnOf = new int[slots];
        sendSourceOf = new InetSocketAddress[slots];
        sendSourceBytes = new byte[slots][];
        sendControlV4 = new boolean[slots];
        sendControlLength = new long[slots];
        receiveData = arena.allocate((long) slots * slotSize, 64);
        receiveMessages = arena.allocate(slots * Libc.MMSGHDR_SIZE, 8);
        receiveIovecs = arena.allocate(slots * Libc.IOVEC_SIZE, 8);
        receiveNames = arena.allocate(slots * nameSize, 8);
        sourceSeen = arena.allocate(slots * nameSize, 8);
        receiveControl = arena.allocate(slots * RECEIVE_CONTROL_SPACE, 8);
        receiveViews = new ByteBuffer[slots];
        source = new InetSocketAddress[slots];
        segmentSize = new int[slots];
        ecnBits = new byte[slots];
        destination = new InetSocketAddress[slots];
        destinationSeen = arena.allocate(slots * DESTINATION_SEEN, 8);
        for (int i = 0; i < slots; i++) {
            sendViews[i] = sendData.asSlice((long) i * slotSize, slotSize).asByteBuffer();
            receiveViews[i] = receiveData.asSlice((long) i * slotSize, slotSize).asByteBuffer();
            sendNameSlices[i] = sendNames.asSlice(i * nameSize, nameSize);
            sendControlSlices[i] = sendControl.asSlice(i * SEND_CONTROL_SPACE, SEND_CONTROL_SPACE);
            receiveNameSlices[i] = receiveNames.asSlice(i * nameSize, nameSize);
            MemorySegment iov = sendIovecs.asSlice(i * Libc.IOVEC_SIZE, Libc.IOVEC_SIZE);
            iov.set(ValueLayout.ADDRESS, 0, sendData.asSlice((long) i * slotSize, slotSize));
            MemorySegment riov = receiveIovecs.asSlice(i * Libc.IOVEC_SIZE, Libc.IOVEC_SIZE);
            riov.set(ValueLayout.ADDRESS, 0, receiveData.asSlice((long) i * slotSize, slotSize));
            riov.set(LONG, 8, slotSize);
            MemorySegment m = sendMessages.asSlice(i * Libc.MMSGHDR_SIZE, Libc.MMSGHDR_SIZE);
            m.set(ValueLayout.ADDRESS, Libc.MSG_NAME, sendNameSlices[i]);
            m.set(INT, Libc.MSG_NAMELEN, (int) nameSize);
            m.set(ValueLayout.ADDRESS, Libc.MSG_IOV, iov);
            m.set(LONG, Libc.MSG_IOVLEN, 1);
            MemorySegment r = receiveMessages.asSlice(i * Libc.MMSGHDR_SIZE, Libc.MMSGHDR_SIZE);
            r.set(ValueLayout.ADDRESS, Libc.MSG_NAME, receiveNameSlices[i]);
            r.set(ValueLayout.ADDRESS, Libc.MSG_IOV, riov);
            r.set(LONG, Libc.MSG_IOVLEN, 1);
            r.set(ValueLayout.ADDRESS, Libc.MSG_CONTROL,
                    receiveControl.asSlice(i * RECEIVE_CONTROL_SPACE, RECEIVE_CONTROL_SPACE));
        }
    }

    /** Sets the options before bind: DF and no PMTU cache always, SO_REUSEPORT, ECN and destination reading. */
    private void configure(Options options) throws ErrnoException {
        UdpFeatures features = UdpFeatures.probed();
        if (options.reusePort()) {
            setOrThrow(Libc.SOL_SOCKET, Libc.SO_REUSEPORT, 1, "SO_REUSEPORT");
        }
        // RFC 9000 §14: QUIC discovers the path MTU itself; datagrams leave with DF and are never fragmented here.
        if (features.mtuProbeV4()) {
            if (ipv6) {
                // For the IPv4-mapped traffic of an IPv6 socket; an IPv6-only socket has none.
                setOption(Libc.SOL_IP, Libc.IP_MTU_DISCOVER, Libc.IP_PMTUDISC_PROBE);
            } else {
                setOrThrow(Libc.SOL_IP, Libc.IP_MTU_DISCOVER, Libc.IP_PMTUDISC_PROBE, "IP_MTU_DISCOVER");
            }
        }
        if (ipv6 && features.mtuProbeV6()) {
            setOrThrow(Libc.SOL_IPV6, Libc.IPV6_MTU_DISCOVER, Libc.IPV6_PMTUDISC_PROBE, "IPV6_MTU_DISCOVER");
        }
        if (options.receiveEcn()) {
            // RFC 9000 §13.4.1: the ECN field of each received datagram. On an IPv6 socket Linux reports an
            // IPv4-mapped datagram's TOS only as IP_TOS (IP_RECVTOS), never as IPV6_TCLASS: both are enabled there.
            if (ipv6 && features.ecnV6()) {
                setOrThrow(Libc.SOL_IPV6, Libc.IPV6_RECVTCLASS, 1, "IPV6_RECVTCLASS");
            }
            if (features.ecnV4()) {
                if (ipv6) {
                    setOption(Libc.SOL_IP, Libc.IP_RECVTOS, 1);
                } else {
                    setOrThrow(Libc.SOL_IP, Libc.IP_RECVTOS, 1, "IP_RECVTOS");
                }
            }
        }
        if (options.receiveDestination()) {
            // IPV6_RECVPKTINFO also reports an IPv4-mapped datagram's destination, as ::ffff:a.b.c.d.
            if (ipv6 && features.packetInfoV6()) {
                setOrThrow(Libc.SOL_IPV6, Libc.IPV6_RECVPKTINFO, 1, "IPV6_RECVPKTINFO");
            } else if (!ipv6 && features.packetInfoV4()) {
                setOrThrow(Libc.SOL_IP, Libc.IP_PKTINFO, 1, "IP_PKTINFO");
            }
        }
    }

    /** Sets an int socket option. {@return false if the kernel refuses} */
    boolean setOption(int level, int name, int value) {
        intValue.set(ValueLayout.JAVA_INT, 0, value);
        return Libc.setsockopt(errno, fd, level, name, intValue, 4) == 0;
    }

    private void setOrThrow(int level, int name, int value, String what) throws ErrnoException {
        if (!setOption(level, name, value)) {
            throw Libc.error("setsockopt " + what + " = " + value, errno);
        }
    }

    /** {@return an int socket option's value} */
    int intOption(int level, int name, String what) throws ErrnoException {
        intLength.set(ValueLayout.JAVA_INT, 0, 4);
        if (Libc.getsockopt(errno, fd, level, name, intValue, intLength) != 0) {
            throw Libc.error("getsockopt " + what, errno);
        }
        return intValue.get(ValueLayout.JAVA_INT, 0);
    }

    /**
     * Sets SO_RCVBUF. Linux doubles what it is given (for its bookkeeping) and caps it at net.core.rmem_max.
     *
     * @throws ErrnoException naming setsockopt and the errno
     */
    public void setReceiveBufferSize(int bytes) throws IOException {
        setBufferSize(Libc.SO_RCVBUF, "SO_RCVBUF", bytes);
    }

    /**
     * {@return SO_RCVBUF as the kernel has it (on Linux twice what was set, capped)}
     *
     * @throws ErrnoException naming getsockopt and the errno
     */
    public int receiveBufferSize() throws IOException {
        ensureOpen();
        return intOption(Libc.SOL_SOCKET, Libc.SO_RCVBUF, "SO_RCVBUF");
    }

    /**
     * Sets SO_SNDBUF. Linux doubles what it is given and caps it at net.core.wmem_max.
     *
     * @throws ErrnoException naming setsockopt and the errno
     */
    public void setSendBufferSize(int bytes) throws IOException {
        setBufferSize(Libc.SO_SNDBUF, "SO_SNDBUF", bytes);
    }

    /** Sets the kernel buffer {@code option} (SO_RCVBUF or SO_SNDBUF, named {@code name}) to {@code bytes}. */
    private void setBufferSize(int option, String name, int bytes) throws IOException {
        ensureOpen();
        if (bytes <= 0) {
            throw new IllegalArgumentException(name + " " + bytes);
        }
        setOrThrow(Libc.SOL_SOCKET, option, bytes, name);
    }

    /**
     * {@return SO_SNDBUF as the kernel has it (on Linux twice what was set, capped)}
     *
     * @throws ErrnoException naming getsockopt and the errno
     */
    public int sendBufferSize() throws IOException {
        ensureOpen();
        return intOption(Libc.SOL_SOCKET, Libc.SO_SNDBUF, "SO_SNDBUF");
    }

    /**
     * {@return how many errors an earlier datagram's ICMP message left on the socket (ECONNREFUSED, EHOSTUNREACH,
     * ...) {@link #receive} and {@link #send} passed over}
     */
    public long icmpErrors() {
        return icmpErrors;
    }

    /** {@return the address the socket is bound to, its port resolved} */
    public InetSocketAddress localAddress() {
        return local;
    }

    /**
     * Connects the socket to {@code peer} (connect(2)): it then receives only what {@code peer} sends to its address,
     * and Linux delivers that 4-tuple's datagrams to it rather than to an unconnected socket of the same port and
     * SO_REUSEPORT group (a connected socket scores higher in the UDP lookup). Datagrams may still be sent to others.
     *
     * @throws ErrnoException if the system refuses (an address of the other family, a closed socket)
     */
    public void connect(InetSocketAddress peer) throws IOException {
        ensureOpen();
        if (peer.isUnresolved()) {
            throw new IllegalArgumentException("an unresolved address: " + peer);
        }
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment name = scratch.allocate(nameSize, 8);
            writeAddress(name, peer);
            if (Libc.connect(errno, fd, name, (int) nameSize) != 0) {
                throw Libc.error("connect " + peer, errno);
            }
        }
    }

    /** {@return the socket's descriptor, for {@link Poller}} */
    int fd() {
        return fd;
    }

    /** {@return datagrams (or GSO trains) per call} */
    public int slots() {
        return slots;
    }

    /** {@return the bytes of each slot} */
    public int slotSize() {
        return slotSize;
    }

    /** {@return the direct buffer over send slot {@code i}, its position and limit the caller's} */
    public ByteBuffer sendSlot(int i) {
        return sendViews[i];
    }

    /**
     * Asks the kernel to coalesce received datagrams (UDP_GRO): a receive slot may then hold several datagrams of
     * {@link #segmentSizeOf} bytes each, the last one possibly shorter. {@return false if the kernel refuses}
     */
    public boolean enableGro() {
        return setOption(Libc.SOL_UDP, Libc.UDP_GRO, 1);
    }

    /**
     * Sends the first {@code count} send slots, slot {@code i} holding {@code lengths[i]} bytes for {@code to[i]}; with
     * {@code segments[i] > 0} the kernel splits that slot into datagrams of that many bytes (UDP_SEGMENT; at most
     * UDP_MAX_SEGMENTS of them, 64 on older kernels and 128 on newer ones, the last possibly shorter). One system
     * call. Not ECN-capable (NOT_ECT), from the address the kernel chooses.
     *
     * @return how many slots left (from the first); 0 when the socket's buffer is full
     * @throws ErrnoException for any other failure, naming sendmmsg and the errno (see the class's "Errors")
     */
    public int send(int count, int[] lengths, InetSocketAddress[] to, int[] segments) throws IOException {
        return send(count, lengths, to, segments, null, null);
    }

    /**
     * Sends as {@link #send(int, int[], InetSocketAddress[], int[])} does, slot {@code i} marked with the ECN codepoint
     * {@code ecn[i]} (RFC 9000 §13.4.2, RFC 3168 §5): a cmsg IP_TOS, or IPV6_TCLASS to an IPv6 destination, beside
     * the UDP_SEGMENT one; every datagram of a GSO train carries it. NOT_ECT, a null entry or a null array send no
     * cmsg.
     *
     * @throws ErrnoException naming sendmmsg and the errno (see the class's "Errors")
     */
    public int send(int count, int[] lengths, InetSocketAddress[] to, int[] segments, Ecn[] ecn) throws IOException {
        return send(count, lengths, to, segments, ecn, null);
    }

    /**
     * Sends as {@link #send(int, int[], InetSocketAddress[], int[], Ecn[])} does, slot {@code i} from the local address
     * {@code sources[i]} (its port is this socket's, whatever it says): an in_pktinfo cmsg (ipi_spec_dst), or
     * in6_pktinfo (ipi6_addr) from an IPv6 address. What a socket bound to a wildcard address needs to answer from the
     * address it was reached on ({@link #destinationOf}). A null entry, a null array or a wildcard address: the
     * kernel chooses.
     *
     * @throws IllegalArgumentException if a source and its destination are of different families
     * @throws ErrnoException naming sendmmsg and the errno (EINVAL for a source that is not a local address)
     */
    public int send(int count, int[] lengths, InetSocketAddress[] to, int[] segments, Ecn[] ecn,
            InetSocketAddress[] sources) throws IOException {
        return send(count, lengths, to, segments, ecn, null, sources);
    }

    /**
     * Sends as {@link #send(int, int[], InetSocketAddress[], int[], Ecn[], InetSocketAddress[])} does, the ECN
     * codepoints given as their two bits ({@link Ecn#bits()}: 0b10 ECT(0), 0b11 CE; higher bits ignored), for a
     * caller that holds them so. A null array: unmarked.
     *
     * @throws ErrnoException naming sendmmsg and the errno (see the class's "Errors")
     */
    public int sendWithEcnBits(int count, int[] lengths, InetSocketAddress[] to, int[] segments, byte[] ecnBits,
            InetSocketAddress[] sources) throws IOException {
        return send(count, lengths, to, segments, null, ecnBits, sources);
    }

    private int send(int count, int[] lengths, InetSocketAddress[] to, int[] segments, Ecn[] ecn, byte[] ecnBits,
            InetSocketAddress[] sources) throws IOException {
        ensureOpen();
        if (count < 1 || count > slots) {
            throw new IllegalArgumentException("count " + count);
        }
        for (int i = 0; i < count; i++) {
            if (lengths[i] < 0 || lengths[i] > slotSize) {
                throw new IllegalArgumentException("length " + lengths[i] + " of slot " + i);
            }
            if (to[i] != sendNameOf[i]) {
                writeAddress(sendNameSlices[i], to[i]);
                sendNameOf[i] = to[i];
                sendToV4[i] = to[i].getAddress() instanceof Inet4Address;
            }
            sendIovecs.set(LONG, i * Libc.IOVEC_SIZE + 8, lengths[i]);
            int segment = segments == null ? 0 : segments[i];
            if (segment <= 0 || segment >= lengths[i]) {
                segment = 0;
            }
            int bits = ecnBits != null ? ecnBits[i] & 0b11 : ecn == null || ecn[i] == null ? 0 : ecn[i].bits();
            InetSocketAddress from = sources == null ? null : sources[i];
            if (segment != sendSegmentOf[i] || bits != sendEcnOf[i] || from != sendSourceOf[i]
                    || sendToV4[i] != sendControlV4[i]) {
                buildControl(i, segment, bits, from);
            }
            long m = i * Libc.MMSGHDR_SIZE;
            long controlLength = sendControlLength[i];
            sendMessages.set(ValueLayout.ADDRESS, m + Libc.MSG_CONTROL,
                    controlLength == 0 ? MemorySegment.NULL : sendControlSlices[i]);
            sendMessages.set(LONG, m + Libc.MSG_CONTROLLEN, controlLength);
        }
        for (int attempt = 0; ; attempt++) {
            int n = Libc.sendmmsg(errno, fd, sendMessages, count, Libc.MSG_DONTWAIT);
            if (n >= 0) {
                return n;
            }
            int e = Libc.errno(errno);
            if (e == Libc.EAGAIN) {
                return 0;
            }
            if (e == Libc.EINTR && attempt < MAX_RETRIES) {
                continue;
            }
            if (isIcmpError(e) && attempt == 0) {
                // Perhaps an earlier datagram's ICMP error, reported on this call: once more, then it is this one's.
                icmpErrors++;
                continue;
            }
            throw new ErrnoException("sendmmsg", e, sendHint(e, lengths[0], to[0], sendSegmentOf[0]));
        }
    }

    /** Writes slot {@code i}'s cmsgs: UDP_SEGMENT, the ECN mark, the source address; each only if wanted. */
    private void buildControl(int i, int segment, int bits, InetSocketAddress from) {
        boolean toV4 = sendToV4[i];
        if (from != null) {
            boolean fromV4 = from.getAddress() instanceof Inet4Address;
            if (fromV4 != toV4) {
                throw new IllegalArgumentException("source " + from + " and destination " + sendNameOf[i]
                        + " of slot " + i + " differ in family");
            }
        }
        if (from != sendSourceOf[i]) {
            // Encoded again only when the source changes: a new mark or segment size rebuilds without allocating.
            sendSourceBytes[i] = from == null || from.getAddress().isAnyLocalAddress() ? null
                    : from.getAddress().getAddress();
        }
        long c = i * SEND_CONTROL_SPACE;
        for (long z = 0; z < SEND_CONTROL_SPACE; z += 8) {
            sendControl.set(LONG, c + z, 0L);
        }
        long at = c;
        if (segment > 0) {
            at = cmsg(at, Libc.SOL_UDP, Libc.UDP_SEGMENT, 2);
            sendControl.set(SHORT, at - CMSG_SMALL + Libc.CMSG_HEADER, (short) segment);
        }
        if (bits != 0) {
            // An IPv4 destination, IPv4-mapped on an IPv6 socket too, takes IP_TOS: Linux's IPv4 send path ignores
            // IPV6_TCLASS. The TOS byte's DSCP stays 0; only the ECN bits are set.
            at = toV4 ? cmsg(at, Libc.SOL_IP, Libc.IP_TOS, 4) : cmsg(at, Libc.SOL_IPV6, Libc.IPV6_TCLASS, 4);
            sendControl.set(INT, at - CMSG_SMALL + Libc.CMSG_HEADER, bits);
        }
        byte[] address = sendSourceBytes[i];
        if (address != null) {
            if (toV4) {
                // in_pktinfo: ifindex 0, ipi_spec_dst the source, ipi_addr unused on send.
                sendControl.set(LONG, at, Libc.CMSG_HEADER + Libc.IN_PKTINFO_SIZE);
                sendControl.set(INT, at + 8, Libc.SOL_IP);
                sendControl.set(INT, at + 12, Libc.IP_PKTINFO);
                MemorySegment.copy(address, 0, sendControl, ValueLayout.JAVA_BYTE, at + Libc.CMSG_HEADER + 4, 4);
                at += Libc.CMSG_HEADER + 16;
            } else {
                // in6_pktinfo: the source address, then the interface index (a link-local address's scope).
                sendControl.set(LONG, at, Libc.CMSG_HEADER + Libc.IN6_PKTINFO_SIZE);
                sendControl.set(INT, at + 8, Libc.SOL_IPV6);
                sendControl.set(INT, at + 12, Libc.IPV6_PKTINFO);
                MemorySegment.copy(address, 0, sendControl, ValueLayout.JAVA_BYTE, at + Libc.CMSG_HEADER, 16);
                sendControl.set(INT, at + Libc.CMSG_HEADER + 16, ((Inet6Address) from.getAddress()).getScopeId());
                at += Libc.CMSG_HEADER + 24;
            }
        }
        sendControlLength[i] = at - c;
        sendSegmentOf[i] = segment;
        sendEcnOf[i] = bits;
        sendSourceOf[i] = from;
        sendControlV4[i] = toV4;
    }

    /** Writes a cmsg header for {@code dataLength} (at most 8) bytes at {@code at}. {@return where the next goes} */
    private long cmsg(long at, int level, int type, int dataLength) {
        sendControl.set(LONG, at, Libc.CMSG_HEADER + dataLength);
        sendControl.set(INT, at + 8, level);
        sendControl.set(INT, at + 12, type);
        return at + CMSG_SMALL;
    }

    /** {@return what a failed first message of a send was, for the exception's message} */
    private String sendHint(int e, int length, InetSocketAddress to, int segment) {
        String what = "slot 0, " + length + " bytes" + (segment > 0 ? " in GSO segments of " + segment : "") + " to "
                + to;
        if (e == Libc.EMSGSIZE) {
            return what + ": a datagram larger than the interface's MTU (sent with don't-fragment, IP_PMTUDISC_PROBE)"
                    + " or than 65,507 bytes";
        }
        if (e == Libc.EINVAL && segment > 0) {
            return what + ": a GSO train the kernel refuses (a segment larger than the interface's MTU, more"
                    + " segments than UDP_MAX_SEGMENTS, or a device without checksum offload)";
        }
        return what;
    }

    /** {@return whether {@code e} is an errno an earlier datagram's ICMP error leaves on a UDP socket} */
    private static boolean isIcmpError(int e) {
        return e == Libc.ECONNREFUSED || e == Libc.EHOSTUNREACH || e == Libc.ENETUNREACH || e == Libc.EHOSTDOWN
                || e == Libc.EMSGSIZE;
    }

    /**
     * Receives what waits, up to {@link #slots()} datagrams (or GRO batches) in one system call, without waiting; with
     * each, its source, its ECN codepoint and its destination address where the socket reads them.
     *
     * @return how many receive slots were filled; 0 if nothing was waiting (or a run of interruptions and ICMP errors
     *     outlasted the retries: call again)
     * @throws ErrnoException for a failure other than an empty socket or an ICMP error, naming recvmmsg and the errno
     */
    public int receive() throws IOException {
        ensureOpen();
        for (int i = 0; i < slots; i++) {
            long m = i * Libc.MMSGHDR_SIZE;
            receiveMessages.set(INT, m + Libc.MSG_NAMELEN, (int) nameSize);
            receiveMessages.set(LONG, m + Libc.MSG_CONTROLLEN, RECEIVE_CONTROL_SPACE);
            receiveMessages.set(INT, m + Libc.MSG_FLAGS, 0);
        }
        int n = -1;
        for (int attempt = 0; attempt <= MAX_RETRIES && n < 0; attempt++) {
            n = Libc.recvmmsg(errno, fd, receiveMessages, slots, Libc.MSG_DONTWAIT);
            if (n >= 0) {
                break;
            }
            int e = Libc.errno(errno);
            if (e == Libc.EAGAIN) {
                return 0;
            }
            if (isIcmpError(e)) {
                // An ICMP error of an earlier send (port unreachable, say), reported once and cleared: the datagrams
                // behind it still wait. The runtime treats it as transient, as QUIC does (RFC 9000 §14.2).
                icmpErrors++;
            } else if (e != Libc.EINTR) {
                throw Libc.error("recvmmsg", errno);
            }
        }
        if (n < 0) {
            return 0;
        }
        for (int i = 0; i < n; i++) {
            long m = i * Libc.MMSGHDR_SIZE;
            int length = receiveMessages.get(INT, m + Libc.MMSG_LEN);
            receiveViews[i].clear().limit(length);
            segmentSize[i] = length;
            ecnBits[i] = 0;
            boolean destinationFound = false;
            long c = i * RECEIVE_CONTROL_SPACE;
            long end = c + Math.min(receiveMessages.get(LONG, m + Libc.MSG_CONTROLLEN), RECEIVE_CONTROL_SPACE);
            // Walk the cmsgs as CMSG_NXTHDR does, each one's length checked against what the kernel wrote.
            for (long at = c; at + Libc.CMSG_HEADER <= end; ) {
                long cmsgLength = receiveControl.get(LONG, at);
                if (cmsgLength < Libc.CMSG_HEADER || cmsgLength > end - at) {
                    break;
                }
                int level = receiveControl.get(INT, at + 8);
                int type = receiveControl.get(INT, at + 12);
                long data = at + Libc.CMSG_HEADER;
                long dataLength = cmsgLength - Libc.CMSG_HEADER;
                if (level == Libc.SOL_UDP && type == Libc.UDP_GRO && dataLength >= 4) {
                    segmentSize[i] = receiveControl.get(INT, data);
                } else if (level == Libc.SOL_IP && type == Libc.IP_TOS && dataLength >= 1) {
                    ecnBits[i] = (byte) (receiveControl.get(ValueLayout.JAVA_BYTE, data) & 0b11);
                } else if (level == Libc.SOL_IPV6 && type == Libc.IPV6_TCLASS && dataLength >= 4) {
                    ecnBits[i] = (byte) (receiveControl.get(INT, data) & 0b11);
                } else if (level == Libc.SOL_IP && type == Libc.IP_PKTINFO && dataLength >= Libc.IN_PKTINFO_SIZE) {
                    // ipi_addr, the header's destination (ipi_spec_dst is the local address routing picked).
                    noteDestination(i, data + 8, 4);
                    destinationFound = true;
                } else if (level == Libc.SOL_IPV6 && type == Libc.IPV6_PKTINFO
                        && dataLength >= Libc.IN6_PKTINFO_SIZE) {
                    noteDestination(i, data, 16);
                    destinationFound = true;
                }
                at += (cmsgLength + 7) & ~7L;
            }
            if (!destinationFound) {
                destination[i] = local;
                destinationSeen.set(ValueLayout.JAVA_BYTE, i * DESTINATION_SEEN, (byte) 0);
            }
            MemorySegment name = receiveNameSlices[i];
            long seen = i * nameSize;
            if (source[i] == null
                    || MemorySegment.mismatch(name, 0, nameSize, sourceSeen, seen, seen + nameSize) >= 0) {
                MemorySegment.copy(name, 0, sourceSeen, seen, nameSize);
                source[i] = readAddress(name);
            }
        }
        return n;
    }

    /** Keeps receive slot {@code i}'s destination, made into an address only if it differs from the slot's last one. */
    private void noteDestination(int i, long data, int length) {
        long seen = i * DESTINATION_SEEN;
        if (destinationSeen.get(ValueLayout.JAVA_BYTE, seen) == length
                && MemorySegment.mismatch(receiveControl, data, data + length, destinationSeen, seen + 1,
                        seen + 1 + length) < 0) {
            return;
        }
        destinationSeen.set(ValueLayout.JAVA_BYTE, seen, (byte) length);
        MemorySegment.copy(receiveControl, data, destinationSeen, seen + 1, length);
        byte[] bytes = new byte[length];
        MemorySegment.copy(receiveControl, ValueLayout.JAVA_BYTE, data, bytes, 0, length);
        try {
            // ::ffff:a.b.c.d, an IPv4-mapped destination on an IPv6 socket, becomes the IPv4 address.
            destination[i] = new InetSocketAddress(InetAddress.getByAddress(bytes), local.getPort());
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@return the datagram (or GRO batch) in receive slot {@code i} after the last {@link #receive}: position 0} */
    public ByteBuffer received(int i) {
        return receiveViews[i];
    }

    /** {@return where the datagram in receive slot {@code i} came from} */
    public InetSocketAddress sourceOf(int i) {
        return source[i];
    }

    /**
     * {@return the ECN codepoint of the datagram in receive slot {@code i} (of every datagram of a GRO batch: the
     * kernel coalesces only datagrams with the same one); NOT_ECT where the socket does not read it}
     */
    public Ecn ecnOf(int i) {
        return Ecn.fromTos(ecnBits[i]);
    }

    /** {@return the two ECN bits of the datagram in receive slot {@code i}: {@link #ecnOf} as {@link Ecn#bits()}} */
    public int ecnBitsOf(int i) {
        return ecnBits[i];
    }

    /**
     * {@return the address the datagram in receive slot {@code i} was sent to, with this socket's port: on a socket
     * bound to a wildcard address, which of the host's addresses; the socket's own address where it does not read
     * destinations. Made anew only when it differs from the slot's last one.}
     */
    public InetSocketAddress destinationOf(int i) {
        return destination[i];
    }

    /**
     * {@return the size of each datagram in receive slot {@code i}: the slot's length, unless GRO coalesced several of
     * that size (the last possibly shorter)}
     */
    public int segmentSizeOf(int i) {
        return segmentSize[i];
    }

    /** Closes the socket and frees its native memory. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        Libc.close(errno, fd);
        arena.close();
    }

    private void ensureOpen() throws IOException {
        if (closed) {
            throw new IOException("the socket is closed");
        }
    }

    private static void writeAddress(MemorySegment name, InetSocketAddress address) {
        byte[] bytes = address.getAddress().getAddress();
        name.fill((byte) 0);
        if (name.byteSize() == Libc.SOCKADDR_IN6_SIZE) {
            // sockaddr_in6: family, port, flow info, address (16), scope id. An IPv4 address goes as ::ffff:a.b.c.d.
            name.set(SHORT, 0, (short) Libc.AF_INET6);
            name.set(PORT, 2, (short) address.getPort());
            if (bytes.length == 4) {
                name.set(ValueLayout.JAVA_BYTE, 18, (byte) 0xff);
                name.set(ValueLayout.JAVA_BYTE, 19, (byte) 0xff);
                MemorySegment.copy(bytes, 0, name, ValueLayout.JAVA_BYTE, 20, 4);
            } else {
                MemorySegment.copy(bytes, 0, name, ValueLayout.JAVA_BYTE, 8, 16);
                if (address.getAddress() instanceof Inet6Address a6) {
                    name.set(INT, 24, a6.getScopeId());
                }
            }
            return;
        }
        if (bytes.length != 4) {
            throw new IllegalArgumentException("an IPv4 address is needed on an IPv4 socket: " + address);
        }
        name.set(SHORT, 0, (short) Libc.AF_INET);
        name.set(PORT, 2, (short) address.getPort());
        MemorySegment.copy(bytes, 0, name, ValueLayout.JAVA_BYTE, 4, 4);
    }

    private static InetSocketAddress readAddress(MemorySegment name) {
        int family = name.get(SHORT, 0);
        byte[] bytes;
        if (family == Libc.AF_INET6) {
            bytes = new byte[16];
            MemorySegment.copy(name, ValueLayout.JAVA_BYTE, 8, bytes, 0, 16);
        } else {
            bytes = new byte[4];
            MemorySegment.copy(name, ValueLayout.JAVA_BYTE, 4, bytes, 0, 4);
        }
        try {
            // InetAddress.getByAddress turns ::ffff:a.b.c.d into the IPv4 address, as the JDK's sockets report it.
            return new InetSocketAddress(InetAddress.getByAddress(bytes), name.get(PORT, 2) & 0xffff);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
