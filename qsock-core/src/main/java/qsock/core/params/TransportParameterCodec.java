package qsock.core.params;

import java.nio.BufferOverflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import qsock.api.Role;
import qsock.core.error.QuicProtocolException;
import qsock.core.error.TransportErrorCode;
import qsock.core.wire.ConnectionId;
import qsock.core.wire.VarInt;

/** The wire form of {@link TransportParameters} (RFC 9000 §18): (ID, length, value) tuples. */
final class TransportParameterCodec {

    private static final TransportParameterId[] IDS = TransportParameterId.values();

    /** Marks a parameter that is not written because it holds its absent state. */
    private static final int NOT_WRITTEN = -1;

    private TransportParameterCodec() {}

    // ---- encoding -------------------------------------------------------------------------------

    static int encodedLength(TransportParameters p) {
        int total = 0;
        for (TransportParameterId id : IDS) {
            int length = valueLength(id, p);
            if (length != NOT_WRITTEN) {
                total += VarInt.size(id.code()) + VarInt.size(length) + length;
            }
        }
        ReservedParameter reserved = p.reservedParameter();
        if (reserved != null) {
            total += VarInt.size(reserved.id()) + VarInt.size(reserved.length()) + reserved.length();
        }
        return total;
    }

    static void encode(TransportParameters p, ByteBuffer buf) {
        int length = encodedLength(p);
        if (length > TransportParameters.MAX_ENCODED_LENGTH) {
            throw new IllegalStateException("transport parameters of " + length + " bytes exceed the "
                    + TransportParameters.MAX_ENCODED_LENGTH + " a TLS extension holds");
        }
        if (buf.remaining() < length) {
            throw new BufferOverflowException();
        }
        // Network byte order whatever the caller's buffer says.
        ByteBuffer out = buf.duplicate().order(ByteOrder.BIG_ENDIAN);
        for (TransportParameterId id : IDS) {
            int valueLength = valueLength(id, p);
            if (valueLength == NOT_WRITTEN) {
                continue;
            }
            VarInt.write(out, id.code());
            VarInt.write(out, valueLength);
            writeValue(id, p, out);
        }
        ReservedParameter reserved = p.reservedParameter();
        if (reserved != null) {
            VarInt.write(out, reserved.id());
            VarInt.write(out, reserved.length());
            out.put(reserved.value());
        }
        buf.position(out.position());
    }

    /** {@return the length of the value of {@code id} in {@code p}, or NOT_WRITTEN if it is absent} */
    private static int valueLength(TransportParameterId id, TransportParameters p) {
        return switch (id) {
            case ORIGINAL_DESTINATION_CONNECTION_ID -> cidLength(p.originalDestinationConnectionId());
            case INITIAL_SOURCE_CONNECTION_ID -> cidLength(p.initialSourceConnectionId());
            case RETRY_SOURCE_CONNECTION_ID -> cidLength(p.retrySourceConnectionId());
            case STATELESS_RESET_TOKEN -> p.statelessResetToken() == null ? NOT_WRITTEN : StatelessResetToken.LENGTH;
            case DISABLE_ACTIVE_MIGRATION -> p.disableActiveMigration() ? 0 : NOT_WRITTEN;
            case GREASE_QUIC_BIT -> p.greaseQuicBit() ? 0 : NOT_WRITTEN;
            case PREFERRED_ADDRESS -> p.preferredAddress() == null ? NOT_WRITTEN : p.preferredAddress().encodedLength();
            case VERSION_INFORMATION ->
                    p.versionInformation() == null ? NOT_WRITTEN : p.versionInformation().encodedLength();
            case MAX_IDLE_TIMEOUT, MAX_UDP_PAYLOAD_SIZE, INITIAL_MAX_DATA, INITIAL_MAX_STREAM_DATA_BIDI_LOCAL,
                    INITIAL_MAX_STREAM_DATA_BIDI_REMOTE, INITIAL_MAX_STREAM_DATA_UNI, INITIAL_MAX_STREAMS_BIDI,
                    INITIAL_MAX_STREAMS_UNI, ACK_DELAY_EXPONENT, MAX_ACK_DELAY, ACTIVE_CONNECTION_ID_LIMIT,
                    MAX_DATAGRAM_FRAME_SIZE -> {
                long value = integer(id, p);
                yield value == id.defaultValue() ? NOT_WRITTEN : VarInt.size(value);
            }
        };
    }

    private static int cidLength(ConnectionId cid) {
        return cid == null ? NOT_WRITTEN : cid.length();
    }

    private static long integer(TransportParameterId id, TransportParameters p) {
        return switch (id) {
            case MAX_IDLE_TIMEOUT -> p.maxIdleTimeout();
            case MAX_UDP_PAYLOAD_SIZE -> p.maxUdpPayloadSize();
            case INITIAL_MAX_DATA -> p.initialMaxData();
            case INITIAL_MAX_STREAM_DATA_BIDI_LOCAL -> p.initialMaxStreamDataBidiLocal();
            case INITIAL_MAX_STREAM_DATA_BIDI_REMOTE -> p.initialMaxStreamDataBidiRemote();
            case INITIAL_MAX_STREAM_DATA_UNI -> p.initialMaxStreamDataUni();
            case INITIAL_MAX_STREAMS_BIDI -> p.initialMaxStreamsBidi();
            case INITIAL_MAX_STREAMS_UNI -> p.initialMaxStreamsUni();
            case ACK_DELAY_EXPONENT -> p.ackDelayExponent();
            case MAX_ACK_DELAY -> p.maxAckDelay();
            case ACTIVE_CONNECTION_ID_LIMIT -> p.activeConnectionIdLimit();
            case MAX_DATAGRAM_FRAME_SIZE -> p.maxDatagramFrameSize();
            default -> throw new IllegalArgumentException(id.rfcName() + " is not an integer parameter");
        };
    }

    private static void writeValue(TransportParameterId id, TransportParameters p, ByteBuffer out) {
        switch (id.kind()) {
            case INTEGER -> VarInt.write(out, integer(id, p));
            case CONNECTION_ID -> (switch (id) {
                case ORIGINAL_DESTINATION_CONNECTION_ID -> p.originalDestinationConnectionId();
                case INITIAL_SOURCE_CONNECTION_ID -> p.initialSourceConnectionId();
                default -> p.retrySourceConnectionId();
            }).writeTo(out);
            case STATELESS_RESET_TOKEN -> p.statelessResetToken().writeTo(out);
            case EMPTY -> { }
            case PREFERRED_ADDRESS -> p.preferredAddress().encode(out);
            case VERSION_INFORMATION -> p.versionInformation().encode(out);
        }
    }

    // ---- decoding -------------------------------------------------------------------------------

    static TransportParameters decode(ByteBuffer buf, Role sender) throws QuicProtocolException {
        int total = buf.remaining();
        // RFC 8446 §4.2: extension_data holds at most 2^16-1 bytes; anything longer did not come from TLS.
        if (total > TransportParameters.MAX_ENCODED_LENGTH) {
            throw error("transport parameters of " + total + " bytes exceed the "
                    + TransportParameters.MAX_ENCODED_LENGTH + " a TLS extension holds");
        }
        // A big-endian view of exactly the input; the caller's buffer moves only on success.
        ByteBuffer in = buf.slice();

        ConnectionId originalDestinationConnectionId = null;
        StatelessResetToken statelessResetToken = null;
        PreferredAddress preferredAddress = null;
        ConnectionId initialSourceConnectionId = null;
        ConnectionId retrySourceConnectionId = null;
        VersionInformation versionInformation = null;
        boolean disableActiveMigration = false;
        boolean greaseQuicBit = false;
        long[] integers = new long[IDS.length];
        for (TransportParameterId id : IDS) {
            if (id.kind() == TransportParameterId.Kind.INTEGER) {
                integers[id.ordinal()] = id.defaultValue();
            }
        }

        long seen = 0; // one bit per known parameter, by ordinal
        long[] unknownIds = new long[0];
        int unknownCount = 0;

        while (in.hasRemaining()) {
            int start = in.position();
            long code = VarInt.read(in);
            if (code == VarInt.TRUNCATED) {
                throw error("transport parameter ID truncated at byte " + start + " (RFC 9000 §18)");
            }
            long length = VarInt.read(in);
            if (length == VarInt.TRUNCATED) {
                throw error("length of " + TransportParameterId.describe(code) + " truncated (RFC 9000 §18)");
            }
            // Checked before anything is sized from it.
            if (length > in.remaining()) {
                throw error(TransportParameterId.describe(code) + " declares " + length + " bytes but only "
                        + in.remaining() + " remain (RFC 9000 §18)");
            }
            ByteBuffer value = in.slice(in.position(), (int) length);
            in.position(in.position() + (int) length);

            TransportParameterId id = TransportParameterId.fromCode(code);
            if (id == null) {
                // RFC 9000 §7.4.2, §18.1: unknown and reserved parameters are ignored; only repeats count.
                if (unknownCount == unknownIds.length) {
                    unknownIds = Arrays.copyOf(unknownIds, Math.max(8, unknownCount * 2));
                }
                unknownIds[unknownCount++] = code;
                continue;
            }
            String name = id.rfcName();
            long bit = 1L << id.ordinal();
            // RFC 9000 §7.4: an endpoint SHOULD treat duplicate parameters as TRANSPORT_PARAMETER_ERROR.
            if ((seen & bit) != 0) {
                throw error("duplicate " + name + " (RFC 9000 §7.4)");
            }
            seen |= bit;
            // RFC 9000 §18.2: a server MUST treat receipt of a server-only parameter from a client as
            // TRANSPORT_PARAMETER_ERROR.
            if (id.isServerOnly() && sender == Role.CLIENT) {
                throw error(name + " must not be sent by a client (RFC 9000 §18.2)");
            }
            switch (id.kind()) {
                case INTEGER -> integers[id.ordinal()] = readInteger(id, value);
                case CONNECTION_ID -> {
                    ConnectionId cid = readConnectionId(id, value);
                    switch (id) {
                        case ORIGINAL_DESTINATION_CONNECTION_ID -> originalDestinationConnectionId = cid;
                        case INITIAL_SOURCE_CONNECTION_ID -> initialSourceConnectionId = cid;
                        default -> retrySourceConnectionId = cid;
                    }
                }
                case STATELESS_RESET_TOKEN -> {
                    // RFC 9000 §18.2: "This parameter is a sequence of 16 bytes."
                    if (value.remaining() != StatelessResetToken.LENGTH) {
                        throw error(name + " has " + value.remaining() + " bytes, not 16 (RFC 9000 §18.2)");
                    }
                    statelessResetToken = StatelessResetToken.read(value);
                }
                case EMPTY -> {
                    // RFC 9000 §18.2 (disable_active_migration) and RFC 9287 §3 (grease_quic_bit): a
                    // non-empty value is a TRANSPORT_PARAMETER_ERROR.
                    if (value.hasRemaining()) {
                        throw error(name + " must have an empty value, not " + value.remaining() + " bytes ("
                                + (id == TransportParameterId.GREASE_QUIC_BIT ? "RFC 9287 §3" : "RFC 9000 §18.2")
                                + ")");
                    }
                    if (id == TransportParameterId.GREASE_QUIC_BIT) {
                        greaseQuicBit = true;
                    } else {
                        disableActiveMigration = true;
                    }
                }
                case PREFERRED_ADDRESS -> preferredAddress = PreferredAddress.decode(value);
                case VERSION_INFORMATION -> versionInformation = VersionInformation.decode(value, sender);
            }
        }

        checkNoRepeats(unknownIds, unknownCount);
        // RFC 9000 §7.3: the absence of initial_source_connection_id from either endpoint, or of
        // original_destination_connection_id from the server, MUST be a TRANSPORT_PARAMETER_ERROR.
        if (initialSourceConnectionId == null) {
            throw error("initial_source_connection_id is missing (RFC 9000 §7.3)");
        }
        if (sender == Role.SERVER && originalDestinationConnectionId == null) {
            throw error("original_destination_connection_id is missing from the server's parameters"
                    + " (RFC 9000 §7.3)");
        }
        // RFC 9000 §18.2: a server that chooses a zero-length connection ID MUST NOT provide a preferred
        // address; a client MUST treat that as TRANSPORT_PARAMETER_ERROR.
        if (preferredAddress != null && initialSourceConnectionId.length() == 0) {
            throw error("preferred_address sent with a zero-length initial_source_connection_id"
                    + " (RFC 9000 §18.2)");
        }

        TransportParameters p = new TransportParameters(originalDestinationConnectionId,
                integers[TransportParameterId.MAX_IDLE_TIMEOUT.ordinal()],
                statelessResetToken,
                integers[TransportParameterId.MAX_UDP_PAYLOAD_SIZE.ordinal()],
                integers[TransportParameterId.INITIAL_MAX_DATA.ordinal()],
                integers[TransportParameterId.INITIAL_MAX_STREAM_DATA_BIDI_LOCAL.ordinal()],
                integers[TransportParameterId.INITIAL_MAX_STREAM_DATA_BIDI_REMOTE.ordinal()],
                integers[TransportParameterId.INITIAL_MAX_STREAM_DATA_UNI.ordinal()],
                integers[TransportParameterId.INITIAL_MAX_STREAMS_BIDI.ordinal()],
                integers[TransportParameterId.INITIAL_MAX_STREAMS_UNI.ordinal()],
                integers[TransportParameterId.ACK_DELAY_EXPONENT.ordinal()],
                integers[TransportParameterId.MAX_ACK_DELAY.ordinal()],
                disableActiveMigration,
                preferredAddress,
                integers[TransportParameterId.ACTIVE_CONNECTION_ID_LIMIT.ordinal()],
                initialSourceConnectionId,
                retrySourceConnectionId,
                versionInformation,
                integers[TransportParameterId.MAX_DATAGRAM_FRAME_SIZE.ordinal()],
                greaseQuicBit,
                null);
        buf.position(buf.limit());
        return p;
    }

    /** Reads an integer parameter whose varint must fill the whole value, and checks its range. */
    private static long readInteger(TransportParameterId id, ByteBuffer value) throws QuicProtocolException {
        int length = value.remaining();
        if (length == 0) {
            throw error(id.rfcName() + " has an empty value, not a varint (RFC 9000 §18.2)");
        }
        int varintLength = VarInt.lengthOf(value.get(value.position()));
        long v = VarInt.read(value);
        // RFC 9000 §18: the Transport Parameter Length must be exactly what the varint takes.
        if (v == VarInt.TRUNCATED || value.hasRemaining()) {
            throw error(id.rfcName() + " length " + length + " does not match the " + varintLength
                    + "-byte varint inside (RFC 9000 §18.2)");
        }
        if (!id.allows(v)) {
            throw error(id.rfcName() + " " + v + " " + id.rangeRule());
        }
        return v;
    }

    private static ConnectionId readConnectionId(TransportParameterId id, ByteBuffer value)
            throws QuicProtocolException {
        int length = value.remaining();
        // RFC 9000 §17.2: QUIC version 1 connection IDs are at most 20 bytes.
        if (length > ConnectionId.MAX_LENGTH) {
            throw error(id.rfcName() + " of " + length + " bytes exceeds " + ConnectionId.MAX_LENGTH
                    + " (RFC 9000 §17.2)");
        }
        return ConnectionId.read(value, length);
    }

    private static void checkNoRepeats(long[] ids, int count) throws QuicProtocolException {
        if (count < 2) {
            return;
        }
        long[] sorted = Arrays.copyOf(ids, count);
        Arrays.sort(sorted);
        for (int i = 1; i < count; i++) {
            if (sorted[i] == sorted[i - 1]) {
                // RFC 9000 §7.4: a parameter MUST NOT be sent more than once, unknown ones included.
                throw error("duplicate " + TransportParameterId.describe(sorted[i]) + " (RFC 9000 §7.4)");
            }
        }
    }

    private static QuicProtocolException error(String reason) {
        return new QuicProtocolException(TransportErrorCode.TRANSPORT_PARAMETER_ERROR, reason);
    }
}
