package qsock.core.runtime;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketOption;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import jdk.net.ExtendedSocketOptions;
import qsock.core.packet.Ecn;

/**
 * The JDK's NIO: a {@link DatagramChannel} per socket, one system call per datagram each way, a {@link Selector} to
 * wait. Runs wherever Java does; the fallback where {@link FfmDriver} cannot.
 */
final class NioDriver implements IoDriver {

    private static final System.Logger LOG = System.getLogger(IoEndpoint.class.getName());

    private final Selector selector;

    NioDriver() throws IOException {
        this.selector = Selector.open();
    }

    @Override
    public UdpPort open(InetSocketAddress local, UdpOptions options) throws IOException {
        return open(local, options, null);
    }

    @Override
    public UdpPort open(InetSocketAddress local, UdpOptions options, InetSocketAddress peer) throws IOException {
        StandardProtocolFamily family = local.getAddress() instanceof Inet4Address
                ? StandardProtocolFamily.INET : StandardProtocolFamily.INET6;
        DatagramChannel channel = DatagramChannel.open(family);
        try {
            channel.setOption(StandardSocketOptions.SO_RCVBUF, options.receiveBufferSize());
            channel.setOption(StandardSocketOptions.SO_SNDBUF, options.sendBufferSize());
            if (channel.supportedOptions().contains(ExtendedSocketOptions.IP_DONTFRAGMENT)) {
                // RFC 9000 §14: QUIC datagrams are never fragmented at the IP layer. A datagram too large for the
                // route then fails to send, and recovery counts it lost: what path MTU discovery needs to see.
                channel.setOption(ExtendedSocketOptions.IP_DONTFRAGMENT, true);
            }
            if (options.reusePort()) {
                // Several I/O threads on one port (IoEndpointGroup): each binds a socket of its own to it.
                channel.setOption(StandardSocketOptions.SO_REUSEPORT, true);
            }
            channel.bind(local);
            if (peer != null) {
                channel.connect(peer);
            }
            channel.configureBlocking(false);
            // Registering does not wait for a select the I/O thread may sit in (JDK 11+); the key counts from that
            // thread's next select, which the caller's wakeup starts.
            SelectionKey key = channel.register(selector, SelectionKey.OP_READ);
            return new Port(channel, key, (InetSocketAddress) channel.getLocalAddress());
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    @Override
    public boolean marksEcn() {
        return false;
    }

    @Override
    public void await(long millis) throws IOException {
        if (millis < 0) {
            selector.selectNow();
        } else {
            selector.select(millis);
        }
        selector.selectedKeys().clear();
    }

    @Override
    public void wakeup() {
        selector.wakeup();
    }

    @Override
    public void close() {
        try {
            selector.close();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "closing the selector failed", e);
        }
    }

    @Override
    public String toString() {
        return "NIO (a system call per datagram)";
    }

    private final class Port implements UdpPort {
        private final DatagramChannel channel;
        private final SelectionKey key;
        private final InetSocketAddress bound;
        private boolean writeInterest;

        Port(DatagramChannel channel, SelectionKey key, InetSocketAddress bound) {
            this.channel = channel;
            this.key = key;
            this.bound = bound;
        }

        @Override
        public InetSocketAddress boundAddress() {
            return bound;
        }

        @Override
        public boolean isOpen() {
            return channel.isOpen();
        }

        @Override
        public int receive(int max, ByteBuffer into, Receiver receiver) {
            int taken = 0;
            for (int i = 0; i < max; i++) {
                into.clear();
                SocketAddress from;
                try {
                    from = channel.receive(into);
                } catch (IOException e) {
                    // A reported ICMP error or the like: the next receive goes on. A closed channel returns no more.
                    LOG.log(System.Logger.Level.DEBUG, "receive on " + bound + " failed", e);
                    if (!channel.isOpen()) {
                        break;
                    }
                    continue;
                }
                if (from == null) {
                    break;
                }
                into.flip();
                taken++;
                receiver.datagram(into, (InetSocketAddress) from, null, Ecn.NOT_ECT);
            }
            return taken;
        }

        @Override
        public boolean readsDestinations() {
            return false; // a DatagramChannel neither reads nor sets IP_PKTINFO: the kernel picks the source
        }

        @Override
        public boolean send(ByteBuffer datagram, InetSocketAddress to, InetSocketAddress source, Ecn ecn)
                throws IOException {
            int position = datagram.position();
            if (channel.send(datagram, to) == 0) {
                datagram.position(position);
                return false;
            }
            return true;
        }

        @Override
        public boolean flush() {
            return true;
        }

        @Override
        public void writeInterest(boolean on) {
            if (on == writeInterest || !key.isValid()) {
                return;
            }
            writeInterest = on;
            key.interestOps(on ? SelectionKey.OP_READ | SelectionKey.OP_WRITE : SelectionKey.OP_READ);
            if (on) {
                selector.wakeup();
            }
        }

        @Override
        public void setBufferSize(SocketOption<Integer> which, int bytes) throws IOException {
            channel.setOption(which, bytes);
        }

        @Override
        public int bufferSize(SocketOption<Integer> which) throws IOException {
            return channel.getOption(which);
        }

        @Override
        public void close() {
            try {
                channel.close();
            } catch (IOException e) {
                LOG.log(System.Logger.Level.DEBUG, "closing " + bound + " failed", e);
            }
        }

        @Override
        public String toString() {
            return "NIO UDP socket " + bound;
        }
    }
}
