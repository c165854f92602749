package qsock.core.qlog;

import java.util.List;
import java.util.Objects;
import qsock.core.packet.PacketType;

/**
 * An event of a connection's qlog trace, made on the connection's I/O thread and written as JSON by the
 * {@link QlogWriter}'s thread (draft-ietf-quic-qlog-quic-events). Every event's {@code time} is in nanoseconds since
 * the trace started (qlog's "relative" time format).
 */
public sealed interface QlogEvent {

    /** {@return the nanoseconds since the trace started} */
    long time();

    /**
     * transport:packet_sent or transport:packet_received (quic-events §5.5, §5.6).
     *
     * @param time see {@link QlogEvent#time()}
     * @param sent true for packet_sent
     * @param packetType the packet's type
     * @param packetNumber its packet number
     * @param length its length on the wire, header and AEAD tag included (qlog's raw.length)
     * @param frames its frames in order
     */
    record Packet(long time, boolean sent, PacketType packetType, long packetNumber, int length,
                  List<QlogFrame> frames) implements QlogEvent {
        /** Checks and copies. */
        public Packet {
            Objects.requireNonNull(packetType, "packetType");
            frames = List.copyOf(frames);
        }
    }

    /**
     * recovery:metrics_updated (quic-events §8.2); times in nanoseconds.
     *
     * @param time see {@link QlogEvent#time()}
     * @param minRtt min_rtt
     * @param smoothedRtt smoothed_rtt
     * @param latestRtt latest_rtt
     * @param rttVariance rtt_variance
     * @param congestionWindow congestion_window in bytes
     * @param bytesInFlight bytes_in_flight
     * @param ssthresh the slow start threshold; {@link Long#MAX_VALUE} (left out) until the first congestion event
     */
    record Metrics(long time, long minRtt, long smoothedRtt, long latestRtt, long rttVariance, long congestionWindow,
                   long bytesInFlight, long ssthresh) implements QlogEvent {}

    /**
     * recovery:congestion_state_updated (quic-events §8.3).
     *
     * @param time see {@link QlogEvent#time()}
     * @param oldState the state before, or null for the first
     * @param newState the state now: slow_start, congestion_avoidance or recovery
     */
    record CongestionState(long time, String oldState, String newState) implements QlogEvent {
        /** Checks. */
        public CongestionState {
            Objects.requireNonNull(newState, "newState");
        }
    }

    /**
     * security:key_updated (quic-events §7.2).
     *
     * @param time see {@link QlogEvent#time()}
     * @param keyType qlog's KeyType, e.g. {@code client_1rtt_secret}
     * @param trigger {@code tls}, {@code local_update} or {@code remote_update}
     * @param generation the 1-RTT key generation (key phase count), 0 for the handshake's keys
     */
    record KeyUpdated(long time, String keyType, String trigger, long generation) implements QlogEvent {
        /** Checks. */
        public KeyUpdated {
            Objects.requireNonNull(keyType, "keyType");
            Objects.requireNonNull(trigger, "trigger");
        }
    }

    /**
     * connectivity:connection_started (quic-events §4.2).
     *
     * @param time see {@link QlogEvent#time()}
     * @param srcCid our first connection ID, hex
     * @param dstCid the peer's first connection ID (the client's random one for a client), hex
     * @param local our address: the draft's src_ip and src_port
     * @param remote the peer's: dst_ip and dst_port
     */
    record ConnectionStarted(long time, String srcCid, String dstCid, PathEndpoint local, PathEndpoint remote)
            implements QlogEvent {
        /** Checks. */
        public ConnectionStarted {
            Objects.requireNonNull(local, "local");
            Objects.requireNonNull(remote, "remote");
        }
    }

    /**
     * connectivity:connection_id_updated (quic-events-03 §4.4): the connection ID one side's packets carry changed.
     *
     * @param time see {@link QlogEvent#time()}
     * @param owner {@code remote} for the peer's ID we send to (the peer issued it), {@code local} for ours
     * @param oldCid the ID before, hex
     * @param newCid the ID now, hex
     */
    record ConnectionIdUpdated(long time, String owner, String oldCid, String newCid) implements QlogEvent {
        /** Checks. */
        public ConnectionIdUpdated {
            Objects.requireNonNull(owner, "owner");
            Objects.requireNonNull(newCid, "newCid");
        }
    }

    /**
     * The connection's path: its addresses now. quic-events-03 and -04 define no path event (their §4.7, "MIGRATION
     * related events", is left unwritten, saying only to infer moves from PATH_CHALLENGE and PATH_RESPONSE); the first
     * draft with one, quic-events-07 §4.7, names it connectivity:path_assigned {path_id, path_remote, path_local} with
     * PathEndpointInfo {ip_v4|ip_v6, port_v4|port_v6, connection_ids}, which is what this is. The handshake's path has
     * the path_id "" (as -07 says); each path the connection moves to the next number.
     *
     * @param time see {@link QlogEvent#time()}
     * @param pathId qlog's PathID
     * @param local where the peer's packets reach us, with the ID of ours they carry
     * @param remote where ours go, with the peer's ID they carry
     */
    record PathAssigned(long time, String pathId, PathEndpoint local, PathEndpoint remote) implements QlogEvent {
        /** Checks. */
        public PathAssigned {
            Objects.requireNonNull(pathId, "pathId");
            Objects.requireNonNull(local, "local");
            Objects.requireNonNull(remote, "remote");
        }
    }

    /**
     * connectivity:mtu_updated (quic-events-03 §4.8): path MTU discovery (RFC 8899) changed the largest datagram.
     *
     * @param time see {@link QlogEvent#time()}
     * @param oldSize the size before, in bytes
     * @param newSize the size now
     * @param done whether the search settled
     */
    record MtuUpdated(long time, int oldSize, int newSize, boolean done) implements QlogEvent {}

    /**
     * connectivity:connection_closed (quic-events §4.3); the trace's last event, after which its file is closed.
     *
     * @param time see {@link QlogEvent#time()}
     * @param owner {@code local} or {@code remote}, or null when unknown
     * @param transportCode the transport error code, or -1
     * @param applicationCode the application error code, or -1
     * @param reason the reason phrase or a description of the cause
     * @param trigger qlog's trigger (clean, error, idle_timeout, stateless_reset, application), or null when none fits
     */
    record ConnectionClosed(long time, String owner, long transportCode, long applicationCode, String reason,
                            String trigger) implements QlogEvent {}
}
