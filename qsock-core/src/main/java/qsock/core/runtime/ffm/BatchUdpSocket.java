package qsock.core.runtime.ffm;

import java.io.Closeable;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Objects;

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
 */
public final class BatchUdpSocket implements Closeable {

    private static final ValueLayout.OfShort PORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED;
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED;
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED;
    /** Control space per message: one cmsg with up to 8 bytes of data (UDP_SEGMENT's u16, UDP_GRO's int). */
    private static final long CONTROL_SPACE = Libc.CMSG_HEADER + 8;

    private final Arena arena = Arena.ofShared();
    private final MemorySegment errno = Libc.errnoSegment(arena);
    private final int fd;
    private final int slots;
    private final int slotSize;
    private final InetSocketAddress local;

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
    private final int[] sendSegmentOf;

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
    private boolean closed;

    /** {@return whether this system lets qsock make its own UDP sockets: Linux, native access granted} */
    public static boolean isSupported() {
        return Libc.AVAILABLE;
    }

    /** {@return why {@link #isSupported()} is false, or null} */
    public static String unsupportedReason() {
        return Libc.unavailableReason();
    }

    /**
     * Opens a non-blocking UDP socket bound to {@code local} (IPv4 or IPv6; port 0 for any).
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
        return new BatchUdpSocket(local, slots, slotSize);
    }

    private BatchUdpSocket(InetSocketAddress bindTo, int slots, int slotSize) throws IOException {
        this.slots = slots;
        this.slotSize = slotSize;
        boolean ipv6 = bindTo.getAddress() instanceof Inet6Address;
        this.nameSize = ipv6 ? Libc.SOCKADDR_IN6_SIZE : Libc.SOCKADDR_IN_SIZE;
        int s = Libc.socket(errno, ipv6 ? Libc.AF_INET6 : Libc.AF_INET, Libc.SOCK_DGRAM, 0);
        if (s < 0) {
            arena.close();
            throw Libc.error("socket", errno);
        }
        this.fd = s;
        try {
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
        sendControl = arena.allocate(slots * CONTROL_SPACE, 8);
        sendViews = new ByteBuffer[slots];
        sendNameSlices = new MemorySegment[slots];
        sendControlSlices = new MemorySegment[slots];
        receiveNameSlices = new MemorySegment[slots];
        sendNameOf = new InetSocketAddress[slots];
        sendSegmentOf = new int[slots];
        receiveData = arena.allocate((long) slots * slotSize, 64);
        receiveMessages = arena.allocate(slots * Libc.MMSGHDR_SIZE, 8);
        receiveIovecs = arena.allocate(slots * Libc.IOVEC_SIZE, 8);
        receiveNames = arena.allocate(slots * nameSize, 8);
        sourceSeen = arena.allocate(slots * nameSize, 8);
        receiveControl = arena.allocate(slots * CONTROL_SPACE, 8);
        receiveViews = new ByteBuffer[slots];
        source = new InetSocketAddress[slots];
        segmentSize = new int[slots];
        for (int i = 0; i < slots; i++) {
            sendViews[i] = sendData.asSlice((long) i * slotSize, slotSize).asByteBuffer();
            receiveViews[i] = receiveData.asSlice((long) i * slotSize, slotSize).asByteBuffer();
            sendNameSlices[i] = sendNames.asSlice(i * nameSize, nameSize);
            sendControlSlices[i] = sendControl.asSlice(i * CONTROL_SPACE, CONTROL_SPACE);
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
            r.set(ValueLayout.ADDRESS, Libc.MSG_CONTROL, receiveControl.asSlice(i * CONTROL_SPACE, CONTROL_SPACE));
        }
    }

    /** {@return the address the socket is bound to, its port resolved} */
    public InetSocketAddress localAddress() {
        return local;
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
        MemorySegment one = arena.allocate(ValueLayout.JAVA_INT);
        one.set(ValueLayout.JAVA_INT, 0, 1);
        return Libc.setsockopt(errno, fd, Libc.SOL_UDP, Libc.UDP_GRO, one, 4) == 0;
    }

    /**
     * Sends the first {@code count} send slots, slot {@code i} holding {@code lengths[i]} bytes for {@code to[i]}; with
     * {@code segments[i] > 0} the kernel splits that slot into datagrams of that many bytes (UDP_SEGMENT; at most 64
     * of them, the last possibly shorter). One system call.
     *
     * @return how many slots left (from the first); 0 when the socket's buffer is full
     * @throws IOException for any other failure, naming errno
     */
    public int send(int count, int[] lengths, InetSocketAddress[] to, int[] segments) throws IOException {
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
            }
            sendIovecs.set(LONG, i * Libc.IOVEC_SIZE + 8, lengths[i]);
            long m = i * Libc.MMSGHDR_SIZE;
            int segment = segments == null ? 0 : segments[i];
            if (segment > 0 && segment < lengths[i]) {
                if (sendSegmentOf[i] != segment) {
                    long c = i * CONTROL_SPACE;
                    sendControl.set(LONG, c, Libc.CMSG_HEADER + 2);
                    sendControl.set(INT, c + 8, Libc.SOL_UDP);
                    sendControl.set(INT, c + 12, Libc.UDP_SEGMENT);
                    sendControl.set(SHORT, c + Libc.CMSG_HEADER, (short) segment);
                    sendSegmentOf[i] = segment;
                }
                sendMessages.set(ValueLayout.ADDRESS, m + Libc.MSG_CONTROL, sendControlSlices[i]);
                sendMessages.set(LONG, m + Libc.MSG_CONTROLLEN, CONTROL_SPACE);
            } else {
                sendMessages.set(ValueLayout.ADDRESS, m + Libc.MSG_CONTROL, MemorySegment.NULL);
                sendMessages.set(LONG, m + Libc.MSG_CONTROLLEN, 0);
            }
        }
        while (true) {
            int n = Libc.sendmmsg(errno, fd, sendMessages, count, Libc.MSG_DONTWAIT);
            if (n >= 0) {
                return n;
            }
            int e = Libc.errno(errno);
            if (e == Libc.EAGAIN) {
                return 0;
            }
            if (e != Libc.EINTR) {
                throw Libc.error("sendmmsg", errno);
            }
        }
    }

    /**
     * Receives what waits, up to {@link #slots()} datagrams (or GRO batches) in one system call, without waiting.
     *
     * @return how many receive slots were filled; 0 if nothing was waiting
     * @throws IOException for a failure other than an empty socket, naming errno
     */
    public int receive() throws IOException {
        ensureOpen();
        for (int i = 0; i < slots; i++) {
            long m = i * Libc.MMSGHDR_SIZE;
            receiveMessages.set(INT, m + Libc.MSG_NAMELEN, (int) nameSize);
            receiveMessages.set(LONG, m + Libc.MSG_CONTROLLEN, CONTROL_SPACE);
            receiveMessages.set(INT, m + Libc.MSG_FLAGS, 0);
        }
        int n;
        while (true) {
            n = Libc.recvmmsg(errno, fd, receiveMessages, slots, Libc.MSG_DONTWAIT);
            if (n >= 0) {
                break;
            }
            int e = Libc.errno(errno);
            if (e == Libc.EAGAIN) {
                return 0;
            }
            if (e != Libc.EINTR) {
                throw Libc.error("recvmmsg", errno);
            }
        }
        for (int i = 0; i < n; i++) {
            long m = i * Libc.MMSGHDR_SIZE;
            int length = receiveMessages.get(INT, m + Libc.MMSG_LEN);
            receiveViews[i].clear().limit(length);
            segmentSize[i] = length;
            long controlLength = receiveMessages.get(LONG, m + Libc.MSG_CONTROLLEN);
            if (controlLength >= Libc.CMSG_HEADER + 4) {
                long c = i * CONTROL_SPACE;
                if (receiveControl.get(INT, c + 8) == Libc.SOL_UDP && receiveControl.get(INT, c + 12) == Libc.UDP_GRO) {
                    segmentSize[i] = receiveControl.get(INT, c + Libc.CMSG_HEADER);
                }
            }
            MemorySegment name = receiveNameSlices[i];
            long seen = i * nameSize;
            if (source[i] == null || MemorySegment.mismatch(name, 0, nameSize, sourceSeen, seen, seen + nameSize) >= 0) {
                MemorySegment.copy(name, 0, sourceSeen, seen, nameSize);
                source[i] = readAddress(name);
            }
        }
        return n;
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
