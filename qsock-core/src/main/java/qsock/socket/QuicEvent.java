package qsock.socket;

import qsock.core.error.ConnectionError;

/**
 * What happened on a connection, from {@link QuicSocket#pollEvent()}: the kernel's QUIC events
 * (draft-lxin-quic-socket-apis §6) that the transport reports.
 */
public sealed interface QuicEvent {

    /**
     * A stream changed state (QUIC_EVENT_STREAM_UPDATE).
     *
     * @param streamId the stream
     * @param state its new state
     * @param errorCode the application error code of a reset, else 0
     * @param finalSize the final size where known (reset received), else 0
     */
    record StreamUpdate(long streamId, StreamState state, long errorCode, long finalSize) implements QuicEvent {}

    /** The stream states {@link StreamUpdate} reports, named as the draft's {@code QUIC_STREAM_*_STATE_*}. */
    enum StreamState {
        /** The peer's STOP_SENDING made us reset our sending part (SEND_STATE_RESET_SENT). */
        SEND_RESET_SENT,
        /** The peer reset its sending part (RECV_STATE_RESET_RECVD). */
        RECV_RESET_RECVD
    }

    /**
     * The peer raised its limit on the streams we open (QUIC_EVENT_STREAM_MAX_STREAM), after an open was
     * refused.
     *
     * @param bidirectional the direction of the limit
     * @param maxStreams the new limit
     */
    record MaxStreams(boolean bidirectional, long maxStreams) implements QuicEvent {}

    /**
     * The TLS handshake completed on this side.
     *
     * @param applicationProtocol the ALPN protocol negotiated, or null
     */
    record HandshakeCompleted(String applicationProtocol) implements QuicEvent {}

    /**
     * The connection ended or started closing (QUIC_EVENT_CONNECTION_CLOSE).
     *
     * @param error why, with the CONNECTION_CLOSE's code and reason when there was one
     */
    record ConnectionClose(ConnectionError error) implements QuicEvent {}

    /**
     * The connection moved to another path (QUIC_EVENT_CONNECTION_MIGRATION): our move, asked for with {@link
     * QuicSocketOptions#CONNECTION_MIGRATION} or to the server's preferred address, completed ({@code local}), or
     * the peer's new address was validated (RFC 9000 §9). {@link QuicSocket#localAddress()} and {@link
     * QuicSocket#remoteAddress()} then give the new addresses.
     *
     * @param local true for our own move, false for the peer's
     */
    record ConnectionMigration(boolean local) implements QuicEvent {}

    /**
     * Our move to another path was given up: the new path did not answer its PATH_CHALLENGE in time (RFC 9000
     * §8.2.4). The connection stays on the path it had.
     */
    record ConnectionMigrationFailed() implements QuicEvent {}

    /**
     * Connection IDs of one side were retired or another is in use (QUIC_EVENT_CONNECTION_ID), as {@link
     * QuicSocketOptions#CONNECTION_ID} would now read them: after a migration, the peer's Retire Prior To, or a
     * change the application asked for.
     *
     * @param ids which side, the ID in use and the lowest not retired
     */
    record ConnectionIds(ConnectionIdInfo ids) implements QuicEvent {}
}
