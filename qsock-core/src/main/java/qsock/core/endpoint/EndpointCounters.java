package qsock.core.endpoint;

import java.util.Collection;
import qsock.api.Role;
import qsock.core.connection.QuicConnection;
import qsock.core.error.ConnectionError;
import qsock.core.error.TransportErrorCode;
import qsock.core.jfr.ConnectionCloseEvent;

/**
 * What an endpoint's connections did, as the kernel module's {@code /proc/net/quic} counts it for a namespace: the
 * connections opened and how each closed, and the sums of their packet and byte counters. A connection's counters
 * are folded in when the endpoint forgets it; a snapshot adds those of the connections alive then. Read and written
 * under the endpoint's lock; nothing is counted per packet here (the connections count for themselves).
 */
public final class EndpointCounters {

    /** How a connection ended, for {@link Snapshot#closedBy}. */
    public enum CloseCause {
        /** This side closed without an error: NO_ERROR, or an application close. */
        LOCAL_CLOSE,
        /** The peer closed without an error. */
        PEER_CLOSE,
        /** The idle timeout expired (RFC 9000 §10.1). */
        IDLE_TIMEOUT,
        /** A stateless reset arrived (RFC 9000 §10.3). */
        STATELESS_RESET,
        /** This side closed with a transport error (the peer broke the protocol, a handshake failed here, ...). */
        LOCAL_ERROR,
        /** The peer closed with a transport error. */
        PEER_ERROR,
        /** Dropped without a word: evicted half-open, refused, unroutable, a version negotiation failed. */
        DROPPED
    }

    private long opened;
    private final long[] closed = new long[CloseCause.values().length];
    private long packetsSent;
    private long packetsReceived;
    private long bytesSent;
    private long bytesReceived;
    private long packetsLost;
    private long packetsDropped;
    private long keyUpdates;
    private long migrations;

    /** A connection joined the endpoint. */
    void opened() {
        opened++;
    }

    /** The endpoint forgets {@code c}: its counters are folded in, and how it ended counted. */
    void closed(QuicConnection c, boolean abandoned) {
        CloseCause cause = abandoned ? CloseCause.DROPPED : causeOf(c.closeError());
        closed[cause.ordinal()]++;
        fold(c, this);
        ConnectionCloseEvent recorded = new ConnectionCloseEvent();
        if (recorded.shouldCommit()) {
            ConnectionError e = c.closeError();
            recorded.role = c.role() == Role.SERVER ? "server" : "client";
            recorded.cause = cause.name();
            recorded.errorCode = e == null ? 0 : e.code();
            recorded.reason = e == null ? "" : e.toString();
            recorded.established = c.handshakeCompleted();
            recorded.bytesSent = c.bytesSent();
            recorded.bytesReceived = c.bytesReceived();
            recorded.packetsLost = c.packetsLost();
            recorded.commit();
        }
    }

    private static void fold(QuicConnection c, EndpointCounters into) {
        into.packetsSent += c.packetsSent();
        into.packetsReceived += c.packetsReceived();
        into.bytesSent += c.bytesSent();
        into.bytesReceived += c.bytesReceived();
        into.packetsLost += c.packetsLost();
        into.packetsDropped += c.packetsDropped();
        into.keyUpdates += c.keyUpdates() + c.keyUpdatesInitiated();
        into.migrations += c.peerAddressChanges();
    }

    /** {@return how a connection that closed with {@code e} (null: never opened) ended} */
    static CloseCause causeOf(ConnectionError e) {
        if (e == null) {
            return CloseCause.DROPPED;
        }
        return switch (e.kind()) {
            case IDLE_TIMEOUT -> CloseCause.IDLE_TIMEOUT;
            case STATELESS_RESET -> CloseCause.STATELESS_RESET;
            case VERSION_NEGOTIATION -> CloseCause.DROPPED;
            case APPLICATION -> e.byPeer() ? CloseCause.PEER_CLOSE : CloseCause.LOCAL_CLOSE;
            case TRANSPORT -> e.code() == TransportErrorCode.NO_ERROR.value()
                    ? (e.byPeer() ? CloseCause.PEER_CLOSE : CloseCause.LOCAL_CLOSE)
                    : (e.byPeer() ? CloseCause.PEER_ERROR : CloseCause.LOCAL_ERROR);
        };
    }

    /**
     * The counters at one instant: the connections' sums include those alive.
     *
     * @param current connections alive now
     * @param opened connections opened since the endpoint started
     * @param closedBy connections ended, indexed by {@link CloseCause#ordinal()}
     */
    public record Snapshot(int current, long opened, long[] closedBy, long packetsSent, long packetsReceived,
            long bytesSent, long bytesReceived, long packetsLost, long packetsDropped, long keyUpdates,
            long migrations) {

        /** {@return the connections that ended by {@code cause}} */
        public long closed(CloseCause cause) {
            return closedBy[cause.ordinal()];
        }
    }

    /** {@return the counters now, with those of the connections in {@code alive}} */
    Snapshot snapshot(Collection<QuicConnection> alive) {
        EndpointCounters sum = new EndpointCounters();
        for (QuicConnection c : alive) {
            fold(c, sum);
        }
        return new Snapshot(alive.size(), opened, closed.clone(), packetsSent + sum.packetsSent,
                packetsReceived + sum.packetsReceived, bytesSent + sum.bytesSent, bytesReceived + sum.bytesReceived,
                packetsLost + sum.packetsLost, packetsDropped + sum.packetsDropped, keyUpdates + sum.keyUpdates,
                migrations + sum.migrations);
    }
}
