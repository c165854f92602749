package qsock.core.params;

import java.nio.ByteBuffer;
import java.util.Objects;
import qsock.api.Role;
import qsock.core.error.QuicProtocolException;
import qsock.core.error.TransportErrorCode;
import qsock.core.wire.ConnectionId;

/**
 * One endpoint's transport parameters (RFC 9000 §7.4, §18.2, with RFC 9368 §3, RFC 9221 §3 and
 * RFC 9287 §3): an immutable, validated set, built with {@link #builder()} or decoded from a peer's
 * quic_transport_parameters extension with {@link #decode(ByteBuffer, Role)}.
 *
 * <p>An absent integer parameter takes its RFC default (see {@link TransportParameterId#defaultValue()}):
 * max_udp_payload_size 65527, ack_delay_exponent 3, max_ack_delay 25 ms, active_connection_id_limit 2,
 * everything else 0. Parameters whose absence means something of its own are {@code null} when absent:
 * the three connection IDs, the stateless reset token, the preferred address and the version
 * information. max_datagram_frame_size is 0 when absent, which RFC 9221 §3 defines as "DATAGRAM frames
 * not supported", the same as an explicit 0; {@link #supportsDatagrams()} asks it.
 *
 * <p><b>Encoding.</b> Only what differs from the absent state is written: integers that differ from their
 * default, flags that are set, and the non-null values; parameters go in ascending ID order, then the
 * optional {@linkplain #reservedParameter() reserved parameter}. Absent and default are the same thing to
 * a receiver, so nothing is lost, and {@code decode(encode(p))} equals {@code p} except that the reserved
 * parameter, which receivers ignore, comes back {@code null}.
 *
 * @param originalDestinationConnectionId original_destination_connection_id (0x00), or null
 * @param maxIdleTimeout max_idle_timeout (0x01), in milliseconds; 0 disables the idle timeout
 * @param statelessResetToken stateless_reset_token (0x02), or null
 * @param maxUdpPayloadSize max_udp_payload_size (0x03), in bytes, at least 1200
 * @param initialMaxData initial_max_data (0x04), in bytes
 * @param initialMaxStreamDataBidiLocal initial_max_stream_data_bidi_local (0x05), in bytes
 * @param initialMaxStreamDataBidiRemote initial_max_stream_data_bidi_remote (0x06), in bytes
 * @param initialMaxStreamDataUni initial_max_stream_data_uni (0x07), in bytes
 * @param initialMaxStreamsBidi initial_max_streams_bidi (0x08), at most 2^60
 * @param initialMaxStreamsUni initial_max_streams_uni (0x09), at most 2^60
 * @param ackDelayExponent ack_delay_exponent (0x0a), at most 20
 * @param maxAckDelay max_ack_delay (0x0b), in milliseconds, below 2^14
 * @param disableActiveMigration disable_active_migration (0x0c)
 * @param preferredAddress preferred_address (0x0d), or null
 * @param activeConnectionIdLimit active_connection_id_limit (0x0e), at least 2
 * @param initialSourceConnectionId initial_source_connection_id (0x0f), or null
 * @param retrySourceConnectionId retry_source_connection_id (0x10), or null
 * @param versionInformation version_information (0x11), or null
 * @param maxDatagramFrameSize max_datagram_frame_size (0x20), in bytes; 0 means no DATAGRAM support
 * @param greaseQuicBit grease_quic_bit (0x2ab2)
 * @param reservedParameter a reserved parameter to send for greasing, or null; never set by decoding
 */
public record TransportParameters(
        ConnectionId originalDestinationConnectionId,
        long maxIdleTimeout,
        StatelessResetToken statelessResetToken,
        long maxUdpPayloadSize,
        long initialMaxData,
        long initialMaxStreamDataBidiLocal,
        long initialMaxStreamDataBidiRemote,
        long initialMaxStreamDataUni,
        long initialMaxStreamsBidi,
        long initialMaxStreamsUni,
        long ackDelayExponent,
        long maxAckDelay,
        boolean disableActiveMigration,
        PreferredAddress preferredAddress,
        long activeConnectionIdLimit,
        ConnectionId initialSourceConnectionId,
        ConnectionId retrySourceConnectionId,
        VersionInformation versionInformation,
        long maxDatagramFrameSize,
        boolean greaseQuicBit,
        ReservedParameter reservedParameter) {

    /** The longest encoding there is room for: a TLS extension's data holds at most 2^16-1 bytes (RFC 8446 §4.2). */
    public static final int MAX_ENCODED_LENGTH = 65535;

    private static final TransportParameters DEFAULTS = new Builder().build();

    /**
     * Checks every value against RFC 9000 §18.2 and the rules of the extensions.
     *
     * @throws IllegalArgumentException if an integer is out of its parameter's range, or a preferred
     *     address comes with a zero-length initial_source_connection_id (RFC 9000 §18.2)
     */
    public TransportParameters {
        check(TransportParameterId.MAX_IDLE_TIMEOUT, maxIdleTimeout);
        check(TransportParameterId.MAX_UDP_PAYLOAD_SIZE, maxUdpPayloadSize);
        check(TransportParameterId.INITIAL_MAX_DATA, initialMaxData);
        check(TransportParameterId.INITIAL_MAX_STREAM_DATA_BIDI_LOCAL, initialMaxStreamDataBidiLocal);
        check(TransportParameterId.INITIAL_MAX_STREAM_DATA_BIDI_REMOTE, initialMaxStreamDataBidiRemote);
        check(TransportParameterId.INITIAL_MAX_STREAM_DATA_UNI, initialMaxStreamDataUni);
        check(TransportParameterId.INITIAL_MAX_STREAMS_BIDI, initialMaxStreamsBidi);
        check(TransportParameterId.INITIAL_MAX_STREAMS_UNI, initialMaxStreamsUni);
        check(TransportParameterId.ACK_DELAY_EXPONENT, ackDelayExponent);
        check(TransportParameterId.MAX_ACK_DELAY, maxAckDelay);
        check(TransportParameterId.ACTIVE_CONNECTION_ID_LIMIT, activeConnectionIdLimit);
        check(TransportParameterId.MAX_DATAGRAM_FRAME_SIZE, maxDatagramFrameSize);
        // RFC 9000 §18.2: a server that chooses a zero-length connection ID MUST NOT provide a preferred
        // address.
        if (preferredAddress != null && initialSourceConnectionId != null
                && initialSourceConnectionId.length() == 0) {
            throw new IllegalArgumentException(
                    "preferred_address is not allowed with a zero-length initial_source_connection_id");
        }
    }

    private static void check(TransportParameterId id, long value) {
        if (!id.allows(value)) {
            throw new IllegalArgumentException(id.rfcName() + " " + value + " " + id.rangeRule());
        }
    }

    /** {@return the set with every parameter absent: all defaults, no connection IDs} */
    public static TransportParameters defaults() {
        return DEFAULTS;
    }

    /** {@return a builder starting from the defaults} */
    public static Builder builder() {
        return new Builder();
    }

    /** {@return a builder starting from these values, e.g. to fill in connection IDs} */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /** {@return true if the sender accepts DATAGRAM frames, i.e. max_datagram_frame_size > 0 (RFC 9221 §3)} */
    public boolean supportsDatagrams() {
        return maxDatagramFrameSize > 0;
    }

    /** {@return these parameters without the reserved parameter, as a receiver sees them} */
    public TransportParameters withoutReservedParameter() {
        return reservedParameter == null ? this : toBuilder().reservedParameter(null).build();
    }

    // ---- encoding -------------------------------------------------------------------------------

    /** {@return the length of {@link #encode(ByteBuffer) the encoding}, in bytes} */
    public int encodedLength() {
        return TransportParameterCodec.encodedLength(this);
    }

    /**
     * Writes the parameters at the buffer's position as the quic_transport_parameters extension data:
     * (ID, length, value) tuples (RFC 9000 §18), only what differs from the absent state.
     *
     * @throws java.nio.BufferOverflowException if fewer than {@link #encodedLength()} bytes remain; nothing
     *     is written then
     * @throws IllegalStateException if the encoding would exceed {@link #MAX_ENCODED_LENGTH}
     */
    public void encode(ByteBuffer buf) {
        TransportParameterCodec.encode(this, buf);
    }

    /** {@return the encoding in a new array} */
    public byte[] toBytes() {
        byte[] out = new byte[encodedLength()];
        encode(ByteBuffer.wrap(out));
        return out;
    }

    /**
     * Decodes a peer's transport parameters from all the remaining bytes of {@code buf} and checks every
     * rule of RFC 9000 §7.3, §7.4 and §18.2 that needs no connection state (and those of RFC 9368 §4,
     * RFC 9221 §3, RFC 9287 §3). Unknown and reserved parameters are skipped (RFC 9000 §7.4.2, §18.1).
     *
     * <p>On success the buffer's position is at its limit; after an exception it is unchanged. Nothing is
     * read outside the buffer's remaining bytes, and no allocation is sized from a declared length before
     * that length is checked against them.
     *
     * @param buf the extension data
     * @param sender the role of the endpoint that sent the parameters (the peer's role)
     * @return the parameters, with defaults for those absent and no reserved parameter
     * @throws QuicProtocolException TRANSPORT_PARAMETER_ERROR, with a reason naming the parameter, for
     *     any violation
     */
    public static TransportParameters decode(ByteBuffer buf, Role sender) throws QuicProtocolException {
        return TransportParameterCodec.decode(buf, Objects.requireNonNull(sender, "sender"));
    }

    // ---- checks the connection makes ------------------------------------------------------------

    /**
     * Checks that these parameters, about to be sent by an endpoint of {@code role}, break no rule a
     * receiver enforces: no server-only parameter from a client (RFC 9000 §18.2), the connection IDs
     * RFC 9000 §7.3 requires, and a client's Chosen Version among its Available Versions (RFC 9368 §3).
     *
     * @throws IllegalStateException naming the first rule broken
     */
    public void checkSendableBy(Role role) {
        if (initialSourceConnectionId == null) {
            throw new IllegalStateException("initial_source_connection_id is required (RFC 9000 §7.3)");
        }
        if (role == Role.SERVER) {
            if (originalDestinationConnectionId == null) {
                throw new IllegalStateException(
                        "a server must send original_destination_connection_id (RFC 9000 §7.3)");
            }
            return;
        }
        if (originalDestinationConnectionId != null || statelessResetToken != null || preferredAddress != null
                || retrySourceConnectionId != null) {
            throw new IllegalStateException("a client must not send server-only parameters (RFC 9000 §18.2)");
        }
        if (versionInformation != null && !versionInformation.isAvailable(versionInformation.chosenVersion())) {
            throw new IllegalStateException("a client's Chosen Version must be among its Available Versions"
                    + " (RFC 9368 §3)");
        }
    }

    /**
     * Authenticates a client's connection ID (RFC 9000 §7.3), as the server calls it on the client's
     * parameters: initial_source_connection_id must equal the Source Connection ID of the client's Initial
     * packets.
     *
     * @param clientSourceConnectionId the Source Connection ID the client used in its Initial packets
     * @throws QuicProtocolException TRANSPORT_PARAMETER_ERROR on a mismatch
     */
    public void authenticateClientConnectionIds(ConnectionId clientSourceConnectionId) throws QuicProtocolException {
        Objects.requireNonNull(clientSourceConnectionId, "clientSourceConnectionId");
        matches(TransportParameterId.INITIAL_SOURCE_CONNECTION_ID, initialSourceConnectionId,
                clientSourceConnectionId);
    }

    /**
     * Authenticates a server's connection IDs (RFC 9000 §7.3), as the client calls it on the server's
     * parameters.
     *
     * @param serverSourceConnectionId the Source Connection ID of the server's Initial packets
     * @param originalDestinationConnectionId the Destination Connection ID of the client's first Initial
     *     (before any Retry)
     * @param retrySourceConnectionId the Source Connection ID of the Retry packet the client acted on, or
     *     null if it received none
     * @throws QuicProtocolException TRANSPORT_PARAMETER_ERROR on a mismatch, a missing
     *     retry_source_connection_id after a Retry, or one present without a Retry
     */
    public void authenticateServerConnectionIds(ConnectionId serverSourceConnectionId,
            ConnectionId originalDestinationConnectionId, ConnectionId retrySourceConnectionId)
            throws QuicProtocolException {
        Objects.requireNonNull(serverSourceConnectionId, "serverSourceConnectionId");
        Objects.requireNonNull(originalDestinationConnectionId, "originalDestinationConnectionId");
        matches(TransportParameterId.INITIAL_SOURCE_CONNECTION_ID, initialSourceConnectionId,
                serverSourceConnectionId);
        matches(TransportParameterId.ORIGINAL_DESTINATION_CONNECTION_ID, this.originalDestinationConnectionId,
                originalDestinationConnectionId);
        // RFC 9000 §7.3: retry_source_connection_id absent after a Retry, or present without one, is a
        // TRANSPORT_PARAMETER_ERROR or PROTOCOL_VIOLATION; we use the former for every §7.3 failure.
        if (retrySourceConnectionId == null) {
            if (this.retrySourceConnectionId != null) {
                throw error("retry_source_connection_id present but no Retry was received (RFC 9000 §7.3)");
            }
        } else {
            matches(TransportParameterId.RETRY_SOURCE_CONNECTION_ID, this.retrySourceConnectionId,
                    retrySourceConnectionId);
        }
    }

    private static void matches(TransportParameterId id, ConnectionId received, ConnectionId expected)
            throws QuicProtocolException {
        // RFC 9000 §7.3: absence is an error, and so is a value differing from the packets' field.
        if (received == null) {
            throw error(id.rfcName() + " is missing (RFC 9000 §7.3)");
        }
        if (!received.equals(expected)) {
            throw error(id.rfcName() + " " + received + " does not match the connection ID " + expected
                    + " in the Initial packets (RFC 9000 §7.3)");
        }
    }

    private static QuicProtocolException error(String reason) {
        return new QuicProtocolException(TransportErrorCode.TRANSPORT_PARAMETER_ERROR, reason);
    }

    /**
     * A builder of {@link TransportParameters}, starting from the defaults. Each setter checks its value
     * at once and throws {@link IllegalArgumentException} naming the parameter when it is out of range;
     * setters of optional values accept {@code null} for "absent".
     */
    public static final class Builder {
        private ConnectionId originalDestinationConnectionId;
        private long maxIdleTimeout;
        private StatelessResetToken statelessResetToken;
        private long maxUdpPayloadSize = TransportParameterId.MAX_UDP_PAYLOAD_SIZE.defaultValue();
        private long initialMaxData;
        private long initialMaxStreamDataBidiLocal;
        private long initialMaxStreamDataBidiRemote;
        private long initialMaxStreamDataUni;
        private long initialMaxStreamsBidi;
        private long initialMaxStreamsUni;
        private long ackDelayExponent = TransportParameterId.ACK_DELAY_EXPONENT.defaultValue();
        private long maxAckDelay = TransportParameterId.MAX_ACK_DELAY.defaultValue();
        private boolean disableActiveMigration;
        private PreferredAddress preferredAddress;
        private long activeConnectionIdLimit = TransportParameterId.ACTIVE_CONNECTION_ID_LIMIT.defaultValue();
        private ConnectionId initialSourceConnectionId;
        private ConnectionId retrySourceConnectionId;
        private VersionInformation versionInformation;
        private long maxDatagramFrameSize;
        private boolean greaseQuicBit;
        private ReservedParameter reservedParameter;

        private Builder() {}

        private Builder(TransportParameters p) {
            originalDestinationConnectionId = p.originalDestinationConnectionId;
            maxIdleTimeout = p.maxIdleTimeout;
            statelessResetToken = p.statelessResetToken;
            maxUdpPayloadSize = p.maxUdpPayloadSize;
            initialMaxData = p.initialMaxData;
            initialMaxStreamDataBidiLocal = p.initialMaxStreamDataBidiLocal;
            initialMaxStreamDataBidiRemote = p.initialMaxStreamDataBidiRemote;
            initialMaxStreamDataUni = p.initialMaxStreamDataUni;
            initialMaxStreamsBidi = p.initialMaxStreamsBidi;
            initialMaxStreamsUni = p.initialMaxStreamsUni;
            ackDelayExponent = p.ackDelayExponent;
            maxAckDelay = p.maxAckDelay;
            disableActiveMigration = p.disableActiveMigration;
            preferredAddress = p.preferredAddress;
            activeConnectionIdLimit = p.activeConnectionIdLimit;
            initialSourceConnectionId = p.initialSourceConnectionId;
            retrySourceConnectionId = p.retrySourceConnectionId;
            versionInformation = p.versionInformation;
            maxDatagramFrameSize = p.maxDatagramFrameSize;
            greaseQuicBit = p.greaseQuicBit;
            reservedParameter = p.reservedParameter;
        }

        private static long checked(TransportParameterId id, long value) {
            check(id, value);
            return value;
        }

        /** Sets original_destination_connection_id (server only), or clears it with null. */
        public Builder originalDestinationConnectionId(ConnectionId cid) {
            this.originalDestinationConnectionId = cid;
            return this;
        }

        /** Sets max_idle_timeout in milliseconds; 0 disables the idle timeout. */
        public Builder maxIdleTimeout(long millis) {
            this.maxIdleTimeout = checked(TransportParameterId.MAX_IDLE_TIMEOUT, millis);
            return this;
        }

        /** Sets stateless_reset_token (server only), or clears it with null. */
        public Builder statelessResetToken(StatelessResetToken token) {
            this.statelessResetToken = token;
            return this;
        }

        /** Sets max_udp_payload_size in bytes, at least 1200. */
        public Builder maxUdpPayloadSize(long bytes) {
            this.maxUdpPayloadSize = checked(TransportParameterId.MAX_UDP_PAYLOAD_SIZE, bytes);
            return this;
        }

        /** Sets initial_max_data in bytes. */
        public Builder initialMaxData(long bytes) {
            this.initialMaxData = checked(TransportParameterId.INITIAL_MAX_DATA, bytes);
            return this;
        }

        /** Sets initial_max_stream_data_bidi_local in bytes. */
        public Builder initialMaxStreamDataBidiLocal(long bytes) {
            this.initialMaxStreamDataBidiLocal = checked(TransportParameterId.INITIAL_MAX_STREAM_DATA_BIDI_LOCAL, bytes);
            return this;
        }

        /** Sets initial_max_stream_data_bidi_remote in bytes. */
        public Builder initialMaxStreamDataBidiRemote(long bytes) {
            this.initialMaxStreamDataBidiRemote = checked(TransportParameterId.INITIAL_MAX_STREAM_DATA_BIDI_REMOTE, bytes);
            return this;
        }

        /** Sets initial_max_stream_data_uni in bytes. */
        public Builder initialMaxStreamDataUni(long bytes) {
            this.initialMaxStreamDataUni = checked(TransportParameterId.INITIAL_MAX_STREAM_DATA_UNI, bytes);
            return this;
        }

        /** Sets initial_max_streams_bidi, at most 2^60. */
        public Builder initialMaxStreamsBidi(long streams) {
            this.initialMaxStreamsBidi = checked(TransportParameterId.INITIAL_MAX_STREAMS_BIDI, streams);
            return this;
        }

        /** Sets initial_max_streams_uni, at most 2^60. */
        public Builder initialMaxStreamsUni(long streams) {
            this.initialMaxStreamsUni = checked(TransportParameterId.INITIAL_MAX_STREAMS_UNI, streams);
            return this;
        }

        /** Sets ack_delay_exponent, at most 20. */
        public Builder ackDelayExponent(long exponent) {
            this.ackDelayExponent = checked(TransportParameterId.ACK_DELAY_EXPONENT, exponent);
            return this;
        }

        /** Sets max_ack_delay in milliseconds, below 2^14. */
        public Builder maxAckDelay(long millis) {
            this.maxAckDelay = checked(TransportParameterId.MAX_ACK_DELAY, millis);
            return this;
        }

        /** Sets or clears disable_active_migration. */
        public Builder disableActiveMigration(boolean disable) {
            this.disableActiveMigration = disable;
            return this;
        }

        /** Sets preferred_address (server only), or clears it with null. */
        public Builder preferredAddress(PreferredAddress address) {
            this.preferredAddress = address;
            return this;
        }

        /** Sets active_connection_id_limit, at least 2. */
        public Builder activeConnectionIdLimit(long limit) {
            this.activeConnectionIdLimit = checked(TransportParameterId.ACTIVE_CONNECTION_ID_LIMIT, limit);
            return this;
        }

        /** Sets initial_source_connection_id (required from both endpoints), or clears it with null. */
        public Builder initialSourceConnectionId(ConnectionId cid) {
            this.initialSourceConnectionId = cid;
            return this;
        }

        /** Sets retry_source_connection_id (server only, after a Retry), or clears it with null. */
        public Builder retrySourceConnectionId(ConnectionId cid) {
            this.retrySourceConnectionId = cid;
            return this;
        }

        /** Sets version_information (RFC 9368), or clears it with null. */
        public Builder versionInformation(VersionInformation info) {
            this.versionInformation = info;
            return this;
        }

        /** Sets max_datagram_frame_size in bytes (RFC 9221); 0 means DATAGRAM frames are not supported. */
        public Builder maxDatagramFrameSize(long bytes) {
            this.maxDatagramFrameSize = checked(TransportParameterId.MAX_DATAGRAM_FRAME_SIZE, bytes);
            return this;
        }

        /** Sets or clears grease_quic_bit (RFC 9287): we accept packets with the QUIC Bit cleared. */
        public Builder greaseQuicBit(boolean grease) {
            this.greaseQuicBit = grease;
            return this;
        }

        /** Adds a reserved parameter to exercise the peer's tolerance of unknown ones, or clears it with null. */
        public Builder reservedParameter(ReservedParameter parameter) {
            this.reservedParameter = parameter;
            return this;
        }

        /**
         * Adds the reserved parameter {@code id} with content {@code value} (RFC 9000 §18.1).
         *
         * @throws IllegalArgumentException if {@code id} is not of the form {@code 31 * N + 27}
         */
        public Builder reservedParameter(long id, byte[] value) {
            return reservedParameter(new ReservedParameter(id, value));
        }

        /**
         * {@return the parameters}
         *
         * @throws IllegalArgumentException if a preferred address is set with a zero-length
         *     initial_source_connection_id (RFC 9000 §18.2), or the encoding would exceed
         *     {@link #MAX_ENCODED_LENGTH}
         */
        public TransportParameters build() {
            TransportParameters p = new TransportParameters(originalDestinationConnectionId, maxIdleTimeout,
                    statelessResetToken, maxUdpPayloadSize, initialMaxData, initialMaxStreamDataBidiLocal,
                    initialMaxStreamDataBidiRemote, initialMaxStreamDataUni, initialMaxStreamsBidi,
                    initialMaxStreamsUni, ackDelayExponent, maxAckDelay, disableActiveMigration, preferredAddress,
                    activeConnectionIdLimit, initialSourceConnectionId, retrySourceConnectionId, versionInformation,
                    maxDatagramFrameSize, greaseQuicBit, reservedParameter);
            int length = p.encodedLength();
            if (length > MAX_ENCODED_LENGTH) {
                throw new IllegalArgumentException("transport parameters of " + length + " bytes exceed the "
                        + MAX_ENCODED_LENGTH + " a TLS extension holds");
            }
            return p;
        }
    }
}
