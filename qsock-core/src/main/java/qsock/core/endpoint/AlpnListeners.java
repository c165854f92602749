package qsock.core.endpoint;

import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * The listeners that share one UDP port, and the choice of one for a new connection by its ClientHello's ALPN
 * (the kernel QUIC module's listener lookup, in Java form).
 *
 * <p><b>Choice.</b> The client's protocols are walked in its order; the first that any listener serves picks it
 * (RFC 7301 §3.2 lets the server choose; choosing by the client's preference keeps the client's order meaningful).
 * Among the listeners serving it, one bound to the address the datagram reached beats one bound to the wildcard.
 * A ClientHello without ALPN goes only to a listener without protocols, and a listener with protocols never gets
 * one without. A reuse-port group (listeners of one address and one protocol list) shares its connections by a
 * hash of the client's address and port, so a client keeps landing on the same member.
 *
 * <p><b>Joining.</b> A listener whose list equals or overlaps that of another listener of the same address is
 * refused ({@link BindException}, the kernel's EADDRINUSE), unless the lists are equal and both listeners are in a
 * reuse-port group. Disjoint lists, and the same list on different addresses, are fine.
 *
 * <p>Not thread-safe: the endpoint's lock guards it.
 */
public final class AlpnListeners {

    private final List<AlpnListener> listeners = new ArrayList<>();

    /**
     * Adds a listener.
     *
     * @throws BindException (EADDRINUSE) if its protocols equal or overlap those of a listener of the same address,
     *     other than a reuse-port group of the same protocols
     */
    public void add(AlpnListener listener) throws BindException {
        for (AlpnListener other : listeners) {
            if (other == listener) {
                return;
            }
            if (!other.address().equals(listener.address())) {
                continue;
            }
            List<String> a = listener.protocols();
            List<String> b = other.protocols();
            boolean same = sameProtocols(listener, other);
            if (same) {
                if (listener.reusePort() && other.reusePort()) {
                    continue;
                }
                throw new BindException("address already in use (EADDRINUSE): " + other + " serves "
                        + (a.isEmpty() ? "no ALPN" : "the same ALPN list " + a)
                        + "; set REUSE_PORT on both to share its connections");
            }
            for (String p : a) {
                if (b.contains(p)) {
                    throw new BindException("address already in use (EADDRINUSE): ALPN \"" + p
                            + "\" is served by " + other + " already; lists on one address must not overlap");
                }
            }
        }
        listeners.add(listener);
    }

    /** Removes a listener; its queued connections are the endpoint's to drop. */
    public void remove(AlpnListener listener) {
        listeners.remove(listener);
    }

    /** {@return whether no listener is left} */
    public boolean isEmpty() {
        return listeners.isEmpty();
    }

    /** {@return the listeners, in the order they joined} */
    public List<AlpnListener> listeners() {
        return List.copyOf(listeners);
    }

    /**
     * {@return the listener for a ClientHello that reached {@code local} from {@code peer}, or null if none serves
     * it}
     *
     * @param local the address the datagram reached, null if unknown (only wildcard listeners then match)
     */
    public AlpnListener select(InetAddress local, InetSocketAddress peer, ClientHelloAlpn hello) {
        if (hello.status() != ClientHelloAlpn.Status.COMPLETE) {
            throw new IllegalArgumentException("routing needs a complete ClientHello: " + hello.status());
        }
        if (!hello.hasAlpn()) {
            return selectFor(local, peer, null);
        }
        for (String protocol : hello.protocols()) {
            AlpnListener l = selectFor(local, peer, protocol);
            if (l != null) {
                return l;
            }
        }
        return null;
    }

    /** {@return the listener serving {@code protocol} (null: serving none) at {@code local}, or null} */
    private AlpnListener selectFor(InetAddress local, InetSocketAddress peer, String protocol) {
        AlpnListener specific = null;
        AlpnListener wildcard = null;
        for (AlpnListener l : listeners) {
            boolean serves = protocol == null ? l.protocols().isEmpty() : l.protocols().contains(protocol);
            if (!serves) {
                continue;
            }
            if (l.address().isAnyLocalAddress()) {
                if (wildcard == null && matchesFamily(l.address(), local)) {
                    wildcard = l;
                }
            } else if (l.address().equals(local)) {
                specific = l;
                break;
            }
        }
        AlpnListener chosen = specific != null ? specific : wildcard;
        return chosen == null || !chosen.reusePort() ? chosen : member(chosen, peer);
    }

    /** {@return whether two listeners serve the same protocols, in whatever order} */
    private static boolean sameProtocols(AlpnListener x, AlpnListener y) {
        List<String> a = x.protocols();
        List<String> b = y.protocols();
        return a.size() == b.size() && a.containsAll(b) && b.containsAll(a);
    }

    /** An IPv6 wildcard takes both families (a dual-stack socket); an IPv4 one only IPv4. */
    private static boolean matchesFamily(InetAddress wildcard, InetAddress local) {
        return local == null || wildcard.getAddress().length == 16 || local.getAddress().length == 4;
    }

    /** {@return the member of {@code first}'s reuse-port group that {@code peer} hashes to} */
    private AlpnListener member(AlpnListener first, InetSocketAddress peer) {
        List<AlpnListener> group = new ArrayList<>();
        for (AlpnListener l : listeners) {
            if (l.reusePort() && l.address().equals(first.address()) && sameProtocols(l, first)) {
                group.add(l);
            }
        }
        int h = peer == null ? 0 : peer.hashCode();
        // Spread the hash's high bits too (as HashMap does), so that clients a port apart differ.
        h ^= h >>> 16;
        return group.get(Math.floorMod(h, group.size()));
    }
}
