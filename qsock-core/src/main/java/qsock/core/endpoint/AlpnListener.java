package qsock.core.endpoint;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One listener of a port that several listeners share ({@link AlpnListeners}): the local address it is bound to
 * (the wildcard or a specific one), the ALPN protocols it serves, and whether it joins a reuse-port group. The
 * endpoint queues the connections routed to it apart from the other listeners' ({@link QuicEndpoint#accept(AlpnListener)}).
 * Identity is the listener: two with equal settings are two listeners.
 */
public final class AlpnListener {

    private final InetAddress address;
    private final List<String> protocols;
    private final boolean reusePort;

    /**
     * @param address the local address bound, the wildcard for any
     * @param protocols the ALPN protocols served, empty for a listener that takes only ClientHellos without ALPN
     * @param reusePort whether it shares connections with listeners of the same address and protocols
     */
    public AlpnListener(InetAddress address, List<String> protocols, boolean reusePort) {
        this.address = Objects.requireNonNull(address, "address");
        List<String> wire = new ArrayList<>(protocols.size());
        for (String p : protocols) {
            byte[] bytes = p.getBytes(StandardCharsets.UTF_8);
            // RFC 7301 §3.1: a ProtocolName is 1 to 255 bytes.
            if (bytes.length == 0 || bytes.length > 255) {
                throw new IllegalArgumentException("an ALPN protocol is 1 to 255 bytes: \"" + p + "\"");
            }
            // As ClientHelloReader gives the client's: one char per byte.
            wire.add(new String(bytes, StandardCharsets.ISO_8859_1));
        }
        this.protocols = List.copyOf(wire);
        this.reusePort = reusePort;
    }

    /** {@return the local address bound; the wildcard takes what no listener of the specific address takes} */
    public InetAddress address() {
        return address;
    }

    /** {@return the ALPN protocols served, one char per byte of their UTF-8 form; empty for none} */
    public List<String> protocols() {
        return protocols;
    }

    /** {@return whether it shares connections with listeners of the same address and protocols} */
    public boolean reusePort() {
        return reusePort;
    }

    @Override
    public String toString() {
        return "listener on " + address.getHostAddress() + " for " + (protocols.isEmpty() ? "no ALPN" : protocols)
                + (reusePort ? " (reuse-port)" : "");
    }
}
