package qsock.core.runtime;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketOption;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import qsock.core.packet.Ecn;
import qsock.core.runtime.ffm.BatchUdpSocket;
import qsock.core.runtime.ffm.Poller;

/**
 * qsock's own UDP sockets through FFM downcalls (Linux): datagrams go out in batches, one sendmmsg per flush, and
 * consecutive datagrams of one size to one destination as one GSO train (UDP_SEGMENT: the kernel splits it); they
 * come in by recvmmsg, coalesced by GRO (UDP_GRO) where the kernel does it. The I/O thread waits in poll(2) ({@link
 * Poller}).
 *
 * <p>The datagrams are copied once each way between the endpoint's heap buffers and the socket's native slots, as
 * NIO does through its own direct buffers: packet protection works on heap arrays in place.
 */
final class FfmDriver implements IoDriver {

    private static final System.Logger LOG = System.getLogger(IoEndpoint.class.getName());
    /** Messages per system call each way; each slot holds a GSO train or a GRO batch of up to 64 KiB. */
    private static final int SLOTS = 4;
    /**
     * A socket connected to one client (a listener behind routerd, {@link IoEndpoint#bindRouted}) carries one
     * connection: half the batch, half the native memory (2 x 2 x 64 KiB).
     */
    private static final int PEER_SLOTS = 2;
    private static final int SLOT_SIZE = 65_535;
    /** The kernel's cap on the datagrams of one GSO send (UDP_MAX_SEGMENTS). */
    private static final int MAX_SEGMENTS = 64;

    private final Poller poller;

    FfmDriver() throws IOException {
        this.poller = new Poller();
    }

    @Override
    public UdpPort open(InetSocketAddress local, UdpOptions options) throws IOException {
        return open(local, options, null);
    }

    @Override
    public UdpPort open(InetSocketAddress local, UdpOptions options, InetSocketAddress peer) throws IOException {
        // Destinations are read where the socket is bound to a wildcard address; SO_REUSEPORT for a listener's several
        // I/O threads (IoEndpointGroup) and for the sockets connected to clients behind routerd.
        BatchUdpSocket socket = BatchUdpSocket.open(local, peer == null ? SLOTS : PEER_SLOTS, SLOT_SIZE,
                new BatchUdpSocket.Options(options.reusePort(), true, local.getAddress().isAnyLocalAddress()));
        try {
            if (peer != null) {
                socket.connect(peer);
            }
            socket.setReceiveBufferSize(options.receiveBufferSize());
            socket.setSendBufferSize(options.sendBufferSize());
            socket.enableGro();
            Port port = new Port(socket);
            poller.add(socket);
            return port;
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    @Override
    public boolean marksEcn() {
        return true;
    }

    @Override
    public void await(long millis) throws IOException {
        poller.await(millis);
    }

    @Override
    public void wakeup() {
        poller.wakeup();
    }

    @Override
    public void close() {
        poller.close();
    }

    @Override
    public String toString() {
        return "FFM (sendmmsg/recvmmsg, GSO, GRO)";
    }

    /** A socket of this driver; package-private for tests, which count its system calls. */
    final class Port implements UdpPort {
        private final BatchUdpSocket socket;
        private final InetSocketAddress bound;
        private final int slots;
        private final int[] lengths;
        private final int[] segments;
        private final int[] segmentCount;
        private final InetSocketAddress[] to;
        /** Per slot, the source address to send from (IP_PKTINFO), or null; only for a wildcard socket. */
        private final InetSocketAddress[] from;
        private final Ecn[] ecn;
        /** Bound to a wildcard address: each datagram's destination is read, and answers name their source. */
        private final boolean wildcard;
        /** Messages queued in the send slots, from slot 0. */
        private int queued;
        /** The last queued message takes more datagrams of its segment size: none shorter came yet. */
        private boolean trainOpen;
        private boolean open = true;
        /** sendmmsg calls that sent something, the messages (datagrams or GSO trains) and datagrams they sent. */
        long sendCalls;
        long messagesSent;
        long datagramsSent;

        Port(BatchUdpSocket socket) {
            this.socket = socket;
            this.slots = socket.slots();
            this.lengths = new int[slots];
            this.segments = new int[slots];
            this.segmentCount = new int[slots];
            this.to = new InetSocketAddress[slots];
            this.from = new InetSocketAddress[slots];
            this.ecn = new Ecn[slots];
            this.bound = socket.localAddress();
            this.wildcard = bound.getAddress().isAnyLocalAddress();
        }

        @Override
        public boolean readsDestinations() {
            return wildcard;
        }

        @Override
        public boolean mayBeReadable() {
            return socket.pollReadable();
        }

        @Override
        public InetSocketAddress boundAddress() {
            return bound;
        }

        @Override
        public boolean isOpen() {
            return open;
        }

        @Override
        public int receive(int max, ByteBuffer into, Receiver receiver) {
            int taken = 0;
            while (open && taken < max) {
                int n;
                try {
                    n = socket.receive();
                } catch (IOException e) {
                    // A reported ICMP error (ECONNREFUSED and the like) ends this turn; the next one goes on.
                    LOG.log(System.Logger.Level.DEBUG, "receive on " + bound + " failed", e);
                    return taken;
                }
                for (int i = 0; i < n; i++) {
                    ByteBuffer slot = socket.received(i);
                    int length = slot.remaining();
                    into.clear();
                    into.put(slot);
                    InetSocketAddress from = socket.sourceOf(i);
                    InetSocketAddress destination = wildcard ? socket.destinationOf(i) : null;
                    Ecn mark = socket.ecnOf(i);
                    int segment = socket.segmentSizeOf(i);
                    // A GRO batch: datagrams of `segment` bytes, the last maybe shorter, each handed on in place.
                    for (int offset = 0; offset < length; offset += segment) {
                        into.limit(Math.min(length, offset + segment)).position(offset);
                        taken++;
                        receiver.datagram(into, from, destination, mark);
                        if (!open) {
                            return taken;
                        }
                    }
                }
                if (n < socket.slots()) {
                    break;
                }
            }
            return taken;
        }

        @Override
        public boolean send(ByteBuffer datagram, InetSocketAddress destination, InetSocketAddress source, Ecn mark)
                throws IOException {
            if (!wildcard) {
                source = null;
            }
            if (!open) {
                throw new IOException("the socket is closed");
            }
            int length = datagram.remaining();
            if (queued > 0 && trainOpen) {
                int last = queued - 1;
                // GSO: every datagram of a train but the last has the segment size, the last is no larger.
                if (length <= segments[last] && segmentCount[last] < MAX_SEGMENTS
                        && lengths[last] + length <= SLOT_SIZE && mark == ecn[last] && destination.equals(to[last])
                        && java.util.Objects.equals(source, from[last])) {
                    ByteBuffer slot = socket.sendSlot(last);
                    slot.limit(SLOT_SIZE).position(lengths[last]);
                    copy(datagram, slot);
                    lengths[last] += length;
                    segmentCount[last]++;
                    trainOpen = length == segments[last];
                    return true;
                }
            }
            if (queued == slots && !flush() && queued == slots) {
                return false;
            }
            int i = queued++;
            ByteBuffer slot = socket.sendSlot(i);
            slot.clear();
            copy(datagram, slot);
            lengths[i] = length;
            segments[i] = length;
            segmentCount[i] = 1;
            to[i] = destination;
            from[i] = source;
            ecn[i] = mark;
            trainOpen = true;
            return true;
        }

        @Override
        public boolean flush() {
            while (queued > 0 && open) {
                int sent;
                try {
                    sent = socket.send(queued, lengths, to, segments, ecn, wildcard ? from : null);
                } catch (IOException e) {
                    // The first message cannot go (too large for the route, unreachable): its datagrams are lost,
                    // which loss recovery finds; the others go on.
                    LOG.log(System.Logger.Level.DEBUG, "send to " + to[0] + " from " + bound + " failed", e);
                    sent = 1;
                }
                if (sent == 0) {
                    return false;
                }
                sendCalls++;
                messagesSent += sent;
                for (int i = 0; i < sent; i++) {
                    datagramsSent += segmentCount[i];
                }
                dropFirst(sent);
            }
            return true;
        }

        /** Copies {@code datagram}'s remaining bytes into {@code slot}, leaving {@code datagram} as it was. */
        private static void copy(ByteBuffer datagram, ByteBuffer slot) {
            int position = datagram.position();
            slot.put(datagram);
            datagram.position(position);
        }

        /** Moves the messages after the first {@code n} to the front: the kernel took those. */
        private void dropFirst(int n) {
            for (int i = n; i < queued; i++) {
                ByteBuffer moved = socket.sendSlot(i);
                moved.limit(lengths[i]).position(0);
                ByteBuffer into = socket.sendSlot(i - n);
                into.clear();
                into.put(moved);
                lengths[i - n] = lengths[i];
                segments[i - n] = segments[i];
                segmentCount[i - n] = segmentCount[i];
                to[i - n] = to[i];
                from[i - n] = from[i];
                ecn[i - n] = ecn[i];
            }
            queued -= n;
            if (queued == 0) {
                trainOpen = false;
            }
        }

        @Override
        public void writeInterest(boolean on) {
            if (open) {
                poller.watchWrite(socket, on);
                if (on) {
                    poller.wakeup();
                }
            }
        }

        @Override
        public void setBufferSize(SocketOption<Integer> which, int bytes) throws IOException {
            if (which == StandardSocketOptions.SO_RCVBUF) {
                socket.setReceiveBufferSize(bytes);
            } else {
                socket.setSendBufferSize(bytes);
            }
        }

        @Override
        public int bufferSize(SocketOption<Integer> which) throws IOException {
            return which == StandardSocketOptions.SO_RCVBUF ? socket.receiveBufferSize() : socket.sendBufferSize();
        }

        @Override
        public void close() {
            if (!open) {
                return;
            }
            open = false;
            queued = 0;
            poller.remove(socket);
            socket.close();
        }

        @Override
        public String toString() {
            return "FFM UDP socket " + bound;
        }
    }
}
