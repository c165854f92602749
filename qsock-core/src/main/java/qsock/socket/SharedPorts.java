package qsock.socket;

import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import qsock.core.endpoint.EndpointConfig;
import qsock.core.runtime.IoClient;
import qsock.core.runtime.IoEndpoint;
import qsock.core.runtime.UdpOptions;

/**
 * The UDP ports of this JVM that several listening {@link QuicSocket}s share, each routed to by its ClientHello's
 * ALPN (the kernel QUIC module's listeners grouped by port): one {@link IoEndpoint}, so one UDP socket and one I/O
 * thread, per port and address family, found by the sockets that bind it with {@link QuicSocketOptions#ALPN} or
 * {@link QuicSocketOptions#REUSE_PORT} set.
 *
 * <p>The first socket of a port binds it; a later one with the same address joins its endpoint, one with another
 * specific address opens a second UDP socket on the endpoint for it, and one of any address joins an endpoint bound
 * to the wildcard, whose socket learns each datagram's destination (IP_PKTINFO) so that the routing can prefer the
 * listener of that address. A wildcard bound after a specific address of the port fails as the system makes it fail
 * (EADDRINUSE): bind the wildcard first. A socket that does not share (neither option set) never looks here, so it
 * fails to bind a shared port as it would fail to bind any port in use.
 *
 * <p>A port leaves the registry when its last sharing socket closed; the endpoint itself lives on until its
 * accepted connections ended too (the I/O runtime's rule).
 */
final class SharedPorts {

    /** A port of one address family ({@code ::} takes both where the system makes it dual-stack). */
    private record Key(int port, boolean ipv6) {
    }

    /** One shared port: its endpoint, the addresses it has a socket at, and how many sockets share it. */
    static final class Entry {
        final IoEndpoint endpoint;
        private final InetSocketAddress first;
        private final List<InetSocketAddress> opened = new ArrayList<>();
        private final Key key;
        private int members;

        private Entry(IoEndpoint endpoint, Key key) {
            this.endpoint = endpoint;
            this.key = key;
            this.first = endpoint.localAddress();
        }
    }

    private static final Map<Key, Entry> PORTS = new HashMap<>();

    private SharedPorts() {
    }

    /**
     * Binds {@code local} for a sharing socket: joins the port's endpoint if this JVM shares it already (attaching
     * {@code client}), else binds a new one and registers it.
     *
     * @throws java.net.BindException if the port is in use by what does not share it, or the address cannot be added
     */
    static Entry bind(InetSocketAddress local, EndpointConfig config, UdpOptions udp, IoClient client)
            throws IOException {
        synchronized (PORTS) {
            if (local.getPort() != 0) {
                Key key = new Key(local.getPort(), local.getAddress() instanceof Inet6Address);
                Entry e = PORTS.get(key);
                if (e != null && join(e, local, client)) {
                    return e;
                }
            }
            IoEndpoint endpoint = IoEndpoint.bind(local, config, udp, client);
            InetSocketAddress bound = endpoint.localAddress();
            Key key = new Key(bound.getPort(), bound.getAddress() instanceof Inet6Address);
            endpoint.lock().lock();
            try {
                endpoint.endpoint().setOwnAddress(bound);
            } finally {
                endpoint.lock().unlock();
            }
            Entry e = new Entry(endpoint, key);
            e.members = 1;
            PORTS.put(key, e);
            return e;
        }
    }

    /** {@return true if the socket joined {@code e}; false if its endpoint is shutting down} */
    private static boolean join(Entry e, InetSocketAddress local, IoClient client) throws IOException {
        IoEndpoint endpoint = e.endpoint;
        endpoint.lock().lock();
        try {
            if (!endpoint.isRunning()) {
                return false;
            }
            boolean covered = e.first.getAddress().equals(local.getAddress()) || e.opened.contains(local);
            if (!covered && e.first.getAddress().isAnyLocalAddress()) {
                // The wildcard's socket receives for every address of this host; one that is not ours fails as a
                // bind of it would (EADDRNOTAVAIL).
                if (!local.getAddress().isAnyLocalAddress() && !local.getAddress().isLoopbackAddress()
                        && java.net.NetworkInterface.getByInetAddress(local.getAddress()) == null) {
                    throw new java.net.BindException("cannot assign requested address (EADDRNOTAVAIL): " + local);
                }
                covered = true;
            }
            if (!covered) {
                // Another specific address of the port: a socket of its own on the same endpoint.
                e.opened.add(endpoint.openChannel(local, false));
            }
            try {
                endpoint.attach(client);
            } catch (IllegalStateException released) {
                return false;
            }
            e.members++;
            return true;
        } finally {
            endpoint.lock().unlock();
        }
    }

    /** A sharing socket closed; the caller holds no endpoint lock (the registry's lock comes first). */
    static void leave(Entry e) {
        synchronized (PORTS) {
            if (--e.members == 0 && PORTS.get(e.key) == e) {
                PORTS.remove(e.key);
            }
        }
    }
}
