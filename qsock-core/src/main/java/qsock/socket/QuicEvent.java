package qsock.socket;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import qsock.core.error.ConnectionError;

/**
 * What happened on a connection: the socket draft's notifications (draft-lxin-quic-socket-apis §6, the kernel's
 * {@code union quic_event}). Each kind is off until {@link QuicSocketOptions#EVENT} turns its {@link Type} on, as in
 * the kernel. An event that is on arrives, in order of occurrence, from {@link QuicSocket#receive(ByteBuffer, int)}
 * (ahead of stream data and datagrams, as the kernel queues them, with {@link StreamFlags#NOTIFICATION}), from
 * {@link QuicSocket#pollEvent()}, or, with {@link QuicSocket#setEventListener}, on the I/O thread as it happens.
 *
 * <p>Read as bytes through {@link QuicSocket#receive(ByteBuffer, int)}, an event is laid out as the kernel's: its
 * type's one-byte code, then the draft's structure, little-endian as on the kernel's usual hosts ({@link #encode});
 * {@link QuicMessage#event()} gives the record as well.
 */
public sealed interface QuicEvent {

    /** {@return the kind of event, which {@link QuicSocketOptions#EVENT} turns on and off} */
    Type type();

    /** The kinds of events, with the kernel's {@code enum quic_event_type} codes. */
    enum Type {
        /** {@link StreamUpdate}: QUIC_EVENT_STREAM_UPDATE. */
        STREAM_UPDATE(1),
        /** {@link MaxStreamData}: QUIC_EVENT_STREAM_MAX_DATA. */
        STREAM_MAX_DATA(2),
        /** {@link MaxStreams}: QUIC_EVENT_STREAM_MAX_STREAM. */
        STREAM_MAX_STREAM(3),
        /** {@link ConnectionIds}: QUIC_EVENT_CONNECTION_ID. */
        CONNECTION_ID(4),
        /** {@link ConnectionClose}: QUIC_EVENT_CONNECTION_CLOSE. */
        CONNECTION_CLOSE(5),
        /** {@link ConnectionMigration} and {@link ConnectionMigrationFailed}: QUIC_EVENT_CONNECTION_MIGRATION. */
        CONNECTION_MIGRATION(6),
        /** {@link KeyUpdate}: QUIC_EVENT_KEY_UPDATE. */
        KEY_UPDATE(7),
        /** {@link NewToken}: QUIC_EVENT_NEW_TOKEN. */
        NEW_TOKEN(8),
        /** {@link NewSessionTicket}: QUIC_EVENT_NEW_SESSION_TICKET. */
        NEW_SESSION_TICKET(9);

        private final int code;

        Type(int code) {
            this.code = code;
        }

        /** {@return the kernel's code for this kind, the first byte of an event read as bytes} */
        public int code() {
            return code;
        }

        /** {@return the bit of this kind in a set of kinds} */
        int bit() {
            return 1 << code;
        }
    }

    /**
     * A stream reached a state of RFC 9000 §3 (QUIC_EVENT_STREAM_UPDATE).
     *
     * @param streamId the stream
     * @param state its new state
     * @param errorCode the application error code of a reset (sent or received), else 0
     * @param finalSize the final size where known (size known, all data received, reset received), else 0
     */
    record StreamUpdate(long streamId, StreamState state, long errorCode, long finalSize) implements QuicEvent {
        /** Checks the state is given. */
        public StreamUpdate {
            Objects.requireNonNull(state, "state");
        }

        @Override
        public Type type() {
            return Type.STREAM_UPDATE;
        }
    }

    /**
     * The stream states {@link StreamUpdate} reports, named as the draft's {@code QUIC_STREAM_*_STATE_*}, with the
     * kernel's codes.
     */
    enum StreamState {
        /** All data we sent, FIN included, was acknowledged: "Data Recvd" of the sending part (SEND_STATE_RECVD). */
        SEND_RECVD(3),
        /** The peer's STOP_SENDING made us reset our sending part (SEND_STATE_RESET_SENT, RFC 9000 §3.5). */
        SEND_RESET_SENT(4),
        /** Our RESET_STREAM was acknowledged: "Reset Recvd" of the sending part (SEND_STATE_RESET_RECVD). */
        SEND_RESET_RECVD(5),
        /** The stream's first data arrived: "Recv" (RECV_STATE_RECV). */
        RECV_RECV(6),
        /** The FIN arrived before all the data before it: "Size Known" (RECV_STATE_SIZE_KNOWN). */
        RECV_SIZE_KNOWN(7),
        /** Every byte up to the final size arrived (maybe not read yet): "Data Recvd" (RECV_STATE_RECVD). */
        RECV_RECVD(8),
        /** The peer reset its sending part: "Reset Recvd" (RECV_STATE_RESET_RECVD). */
        RECV_RESET_RECVD(10);

        private final int code;

        StreamState(int code) {
            this.code = code;
        }

        /** {@return the kernel's code for this state} */
        public int code() {
            return code;
        }
    }

    /**
     * The peer raised a stream's flow control limit with MAX_STREAM_DATA (QUIC_EVENT_STREAM_MAX_DATA): a stream whose
     * send threw {@link FlowControlBlockedException} may take more.
     *
     * @param streamId the stream
     * @param maxData the new limit, in bytes from the stream's start
     */
    record MaxStreamData(long streamId, long maxData) implements QuicEvent {
        @Override
        public Type type() {
            return Type.STREAM_MAX_DATA;
        }
    }

    /**
     * The peer raised its limit on the streams we open (QUIC_EVENT_STREAM_MAX_STREAM): each increase, for either
     * direction. After a {@link StreamLimitException}, try the open again.
     *
     * @param bidirectional the direction of the limit
     * @param maxStreams the new limit (a count of streams)
     */
    record MaxStreams(boolean bidirectional, long maxStreams) implements QuicEvent {
        @Override
        public Type type() {
            return Type.STREAM_MAX_STREAM;
        }
    }

    /**
     * The connection ended or started closing (QUIC_EVENT_CONNECTION_CLOSE): the peer's CONNECTION_CLOSE, ours, the
     * idle timeout, a stateless reset, a failed handshake (a TLS alert is a CRYPTO_ERROR, 0x100 plus the alert).
     *
     * @param error why, with the CONNECTION_CLOSE's code, frame type and reason when there was one
     */
    record ConnectionClose(ConnectionError error) implements QuicEvent {
        /** Checks the error is given. */
        public ConnectionClose {
            Objects.requireNonNull(error, "error");
        }

        @Override
        public Type type() {
            return Type.CONNECTION_CLOSE;
        }
    }

    /**
     * The connection moved to another path (QUIC_EVENT_CONNECTION_MIGRATION): our move, asked for with {@link
     * QuicSocketOptions#CONNECTION_MIGRATION} or to the server's preferred address, completed ({@code local}), or
     * the peer's new address was validated (RFC 9000 §9). {@link QuicSocket#localAddress()} and {@link
     * QuicSocket#remoteAddress()} then give the new addresses.
     *
     * @param local true for our own move, false for the peer's
     */
    record ConnectionMigration(boolean local) implements QuicEvent {
        @Override
        public Type type() {
            return Type.CONNECTION_MIGRATION;
        }
    }

    /**
     * Our move to another path was given up: the new path did not answer its PATH_CHALLENGE in time (RFC 9000
     * §8.2.4). The connection stays on the path it had. A qsock addition under the CONNECTION_MIGRATION kind (the
     * kernel reports only success); read as bytes, its one byte is 2.
     */
    record ConnectionMigrationFailed() implements QuicEvent {
        @Override
        public Type type() {
            return Type.CONNECTION_MIGRATION;
        }
    }

    /**
     * Connection IDs of one side were retired or another is in use (QUIC_EVENT_CONNECTION_ID), as {@link
     * QuicSocketOptions#CONNECTION_ID} would now read them: after a migration, the peer's Retire Prior To, or a
     * change the application asked for.
     *
     * @param ids which side, the ID in use and the lowest not retired
     */
    record ConnectionIds(ConnectionIdInfo ids) implements QuicEvent {
        /** Checks the IDs are given. */
        public ConnectionIds {
            Objects.requireNonNull(ids, "ids");
        }

        @Override
        public Type type() {
            return Type.CONNECTION_ID;
        }
    }

    /**
     * A key update completed: both sides use the new keys (QUIC_EVENT_KEY_UPDATE; RFC 9001 §6), whichever side
     * started it.
     *
     * @param keyPhase the key phase bit now in use (0 or 1)
     * @param local true if this side started the update ({@link QuicSocketOptions#KEY_UPDATE} or the key update
     *     interval), false for the peer's
     */
    record KeyUpdate(int keyPhase, boolean local) implements QuicEvent {
        /** Checks the phase is a bit. */
        public KeyUpdate {
            if (keyPhase != 0 && keyPhase != 1) {
                throw new IllegalArgumentException("a key phase is 0 or 1: " + keyPhase);
            }
        }

        @Override
        public Type type() {
            return Type.KEY_UPDATE;
        }
    }

    /**
     * The server sent a NEW_TOKEN frame (QUIC_EVENT_NEW_TOKEN; RFC 9000 §8.1.3): a token for a later connection to
     * it, which {@link QuicSocketOptions#TOKEN} also reads from now on.
     *
     * @param token the token (a copy is kept: the array given is not shared)
     */
    record NewToken(byte[] token) implements QuicEvent {
        /** Copies the token. */
        public NewToken {
            token = token.clone();
        }

        /** {@return a copy of the token} */
        @Override
        public byte[] token() {
            return token.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof NewToken t && java.util.Arrays.equals(token, t.token);
        }

        @Override
        public int hashCode() {
            return java.util.Arrays.hashCode(token);
        }

        @Override
        public String toString() {
            return "NewToken[" + token.length + " bytes]";
        }

        @Override
        public Type type() {
            return Type.NEW_TOKEN;
        }
    }

    /**
     * The server sent a TLS NewSessionTicket (QUIC_EVENT_NEW_SESSION_TICKET; RFC 8446 §4.6.1), handled by the TLS
     * driver: the bytes are the session it makes of it, which {@link QuicSocketOptions#SESSION_TICKET} set on a later
     * socket resumes.
     *
     * @param session the session's bytes (a copy is kept)
     */
    record NewSessionTicket(byte[] session) implements QuicEvent {
        /** Copies the session. */
        public NewSessionTicket {
            session = session.clone();
        }

        /** {@return a copy of the session's bytes} */
        @Override
        public byte[] session() {
            return session.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof NewSessionTicket t && java.util.Arrays.equals(session, t.session);
        }

        @Override
        public int hashCode() {
            return java.util.Arrays.hashCode(session);
        }

        @Override
        public String toString() {
            return "NewSessionTicket[" + session.length + " bytes]";
        }

        @Override
        public Type type() {
            return Type.NEW_SESSION_TICKET;
        }
    }

    /**
     * {@return {@code event} as the kernel lays it out for recvmsg}: the type's code in one byte, then the draft's
     * structure ({@code struct quic_stream_update}, {@code quic_stream_max_data}, the {@code u64} max_stream with the
     * stream type in its two low bits, {@code quic_connection_id_info}, {@code quic_connection_close} with the reason
     * as UTF-8, one byte for a migration or key phase, the raw token or session), little-endian
     *
     * @param server whether the socket reading it is a server's connection: the type bits of max_stream are those of
     *     the streams the limit is for, ours (RFC 9000 §2.1: a server's are 1 and 3)
     */
    static byte[] encode(QuicEvent event, boolean server) {
        ByteBuffer b;
        switch (event) {
            case StreamUpdate u -> {
                b = start(event, 24);
                b.putLong(u.streamId()).put((byte) u.state().code()).put(new byte[3]).putInt((int) u.errorCode())
                        .putLong(u.finalSize());
            }
            case MaxStreamData m -> {
                b = start(event, 16);
                b.putLong(m.streamId()).putLong(m.maxData());
            }
            case MaxStreams m -> {
                b = start(event, 8);
                // The draft's max_stream: the type of the streams the limit is for in the two low bits, the count
                // past them.
                b.putLong(m.maxStreams() << 2 | (m.bidirectional() ? 0 : 2) | (server ? 1 : 0));
            }
            case ConnectionIds c -> {
                b = start(event, 12);
                b.put((byte) (c.ids().destination() ? 1 : 0)).put(new byte[3]).putInt((int) c.ids().active())
                        .putInt((int) c.ids().priorTo());
            }
            case ConnectionClose c -> {
                byte[] reason = c.error().reason().getBytes(StandardCharsets.UTF_8);
                b = start(event, 8 + reason.length);
                b.putInt((int) c.error().code()).put((byte) c.error().frameType()).put(new byte[3]).put(reason);
            }
            case ConnectionMigration m -> {
                b = start(event, 1);
                b.put((byte) (m.local() ? 1 : 0));
            }
            case ConnectionMigrationFailed f -> {
                b = start(event, 1);
                b.put((byte) 2);
            }
            case KeyUpdate k -> {
                b = start(event, 1);
                b.put((byte) k.keyPhase());
            }
            case NewToken t -> {
                b = start(event, t.token.length);
                b.put(t.token);
            }
            case NewSessionTicket t -> {
                b = start(event, t.session.length);
                b.put(t.session);
            }
        }
        return b.array();
    }

    private static ByteBuffer start(QuicEvent event, int bodyLength) {
        ByteBuffer b = ByteBuffer.allocate(1 + bodyLength).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) event.type().code());
        return b;
    }
}
