package qsock.core.params;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static qsock.core.params.ParamsGenerators.concat;
import static qsock.core.params.ParamsGenerators.hex;
import static qsock.core.params.ParamsGenerators.intTuple;
import static qsock.core.params.ParamsGenerators.tuple;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import qsock.api.Role;
import qsock.core.error.QuicProtocolException;
import qsock.core.error.TransportErrorCode;

/** One test per rule of RFC 9000 §7.3, §7.4, §18.2 (and the extensions) that the decoder enforces. */
class TransportParametersRejectionTest {

    /** The minimal valid set a client sends: initial_source_connection_id only. */
    private static final byte[] CLIENT_BASE = hex("0f04 c1c2c3c4");
    /** The minimal valid set a server sends: original_destination_ and initial_source_connection_id. */
    private static final byte[] SERVER_BASE = hex("0004 d1d2d3d4 0f04 e1e2e3e4");

    private static byte[] base(Role sender) {
        return sender == Role.CLIENT ? CLIENT_BASE : SERVER_BASE;
    }

    private static TransportParameters decode(byte[] input, Role sender) throws QuicProtocolException {
        return TransportParameters.decode(ByteBuffer.wrap(input), sender);
    }

    /** Asserts TRANSPORT_PARAMETER_ERROR whose reason mentions {@code mention}, and an unmoved buffer. */
    private static void assertRejected(byte[] input, Role sender, String mention) {
        ByteBuffer buf = ByteBuffer.wrap(input);
        QuicProtocolException e = assertThrows(QuicProtocolException.class, () -> TransportParameters.decode(buf, sender));
        assertEquals(TransportErrorCode.TRANSPORT_PARAMETER_ERROR, e.errorCode(), e.reason());
        assertTrue(e.reason().contains(mention), "reason \"" + e.reason() + "\" should mention " + mention);
        assertEquals(0, buf.position());
    }

    private static void assertRejectedFromBoth(byte[] extra, String mention) {
        assertRejected(concat(CLIENT_BASE, extra), Role.CLIENT, mention);
        assertRejected(concat(SERVER_BASE, extra), Role.SERVER, mention);
    }

    private static void assertAccepted(byte[] input, Role sender) {
        assertDoesNotThrow(() -> decode(input, sender));
    }

    // ---- framing: truncation and lengths (RFC 9000 §18) -------------------------------------------

    @Test
    void rejectsATruncatedId() {
        assertRejectedFromBoth(hex("40"), "ID truncated");
        assertRejectedFromBoth(hex("c0000000"), "ID truncated");
    }

    @Test
    void rejectsATruncatedLength() {
        assertRejectedFromBoth(hex("01"), "length of max_idle_timeout truncated");
        assertRejectedFromBoth(hex("0b 40"), "length of max_ack_delay truncated");
        assertRejectedFromBoth(hex("1b"), "length of reserved transport parameter 0x1b truncated");
    }

    @Test
    void rejectsATruncatedValue() {
        assertRejectedFromBoth(hex("0c 01"), "disable_active_migration declares 1 bytes but only 0 remain");
        assertRejected(hex("0f 08 0102"), Role.CLIENT, "initial_source_connection_id declares 8 bytes but only 2 remain");
        // Unknown parameters are skipped only once their length is known to fit.
        assertRejectedFromBoth(hex("3a 05 0102"), "reserved transport parameter 0x3a declares 5");
        assertRejectedFromBoth(hex("12 c000000000001000"), "unknown transport parameter 0x12 declares 4096");
    }

    @Test
    void rejectsADeclaredLengthBeyondAnyBufferWithoutAllocatingIt() {
        // A 2^62-1 byte value: must fail on the length check, not in an allocation.
        assertRejectedFromBoth(hex("1b ffffffffffffffff"), "declares 4611686018427387903 bytes");
        assertRejectedFromBoth(hex("11 bfffffff"), "version_information declares");
    }

    @Test
    void rejectsAnInputLongerThanATlsExtension() {
        byte[] input = concat(CLIENT_BASE, tuple(27, new byte[65_535]));
        assertRejected(input, Role.CLIENT, "65535");
    }

    @Test
    void rejectsAnIntegerWhoseLengthDisagreesWithItsVarint() {
        // Two bytes of value holding a one-byte varint (0x05) then a stray byte.
        assertRejectedFromBoth(hex("01 02 0500"), "max_idle_timeout length 2 does not match the 1-byte varint");
        // One byte of value announcing a two-byte varint.
        assertRejectedFromBoth(hex("04 01 40"), "initial_max_data length 1 does not match the 2-byte varint");
        assertRejectedFromBoth(hex("04 03 800000"), "initial_max_data length 3 does not match the 4-byte varint");
        assertRejectedFromBoth(hex("0e 00"), "active_connection_id_limit has an empty value");
    }

    @ParameterizedTest
    @EnumSource(names = {"MAX_IDLE_TIMEOUT", "MAX_UDP_PAYLOAD_SIZE", "INITIAL_MAX_DATA",
        "INITIAL_MAX_STREAM_DATA_BIDI_LOCAL", "INITIAL_MAX_STREAM_DATA_BIDI_REMOTE", "INITIAL_MAX_STREAM_DATA_UNI",
        "INITIAL_MAX_STREAMS_BIDI", "INITIAL_MAX_STREAMS_UNI", "ACK_DELAY_EXPONENT", "MAX_ACK_DELAY",
        "ACTIVE_CONNECTION_ID_LIMIT", "MAX_DATAGRAM_FRAME_SIZE"})
    void rejectsEveryIntegerParameterWithATrailingByte(TransportParameterId id) {
        byte[] value = hex("4" + "4b0" + "00"); // 0x44b0 = 1200 as a 2-byte varint, then a stray byte
        assertRejectedFromBoth(tuple(id.code(), value), id.rfcName() + " length 3");
    }

    @Test
    void rejectsAMaxDatagramFrameSizeThatIsNotAVarint() {
        assertRejectedFromBoth(hex("20 02 0500"), "max_datagram_frame_size length 2");
        assertRejectedFromBoth(hex("20 00"), "max_datagram_frame_size has an empty value");
        assertAccepted(concat(CLIENT_BASE, hex("20 01 00")), Role.CLIENT);
    }

    // ---- fixed-length values -----------------------------------------------------------------------

    @Test
    void rejectsAStatelessResetTokenThatIsNot16Bytes() {
        assertRejected(concat(SERVER_BASE, tuple(0x02, new byte[15])), Role.SERVER, "stateless_reset_token has 15 bytes");
        assertRejected(concat(SERVER_BASE, tuple(0x02, new byte[17])), Role.SERVER, "stateless_reset_token has 17 bytes");
        assertRejected(concat(SERVER_BASE, tuple(0x02, new byte[0])), Role.SERVER, "stateless_reset_token has 0 bytes");
        assertAccepted(concat(SERVER_BASE, tuple(0x02, new byte[16])), Role.SERVER);
    }

    @Test
    void rejectsConnectionIdsLongerThan20Bytes() {
        assertRejected(tuple(0x0f, new byte[21]), Role.CLIENT, "initial_source_connection_id of 21 bytes");
        assertRejected(concat(hex("0f00"), tuple(0x00, new byte[21])), Role.SERVER,
                "original_destination_connection_id of 21 bytes");
        assertRejected(concat(SERVER_BASE, tuple(0x10, new byte[21])), Role.SERVER, "retry_source_connection_id of 21 bytes");
        assertAccepted(tuple(0x0f, new byte[20]), Role.CLIENT);
    }

    @Test
    void rejectsEmptyParametersWithAValue() {
        assertRejectedFromBoth(hex("0c 01 00"), "disable_active_migration must have an empty value");
        assertRejectedFromBoth(hex("6ab2 01 01"), "grease_quic_bit must have an empty value");
        assertAccepted(concat(CLIENT_BASE, hex("0c00 6ab200")), Role.CLIENT);
    }

    // ---- preferred_address layout (RFC 9000 §18.2) ----------------------------------------------------

    private static byte[] preferredAddress(int cidLengthField, int cidBytes, int tokenBytes) {
        return concat(hex("c0000201 1151 20010db8000000000000000000000001 1151"),
                new byte[] {(byte) cidLengthField}, new byte[cidBytes], new byte[tokenBytes]);
    }

    @Test
    void rejectsAPreferredAddressShorterThanItsFixedFields() {
        assertRejected(concat(SERVER_BASE, tuple(0x0d, new byte[40])), Role.SERVER, "preferred_address of 40 bytes is shorter");
        assertRejected(concat(SERVER_BASE, tuple(0x0d, new byte[0])), Role.SERVER, "preferred_address of 0 bytes is shorter");
    }

    @Test
    void rejectsAPreferredAddressWhoseConnectionIdLengthDisagreesWithItsLength() {
        assertRejected(concat(SERVER_BASE, tuple(0x0d, preferredAddress(4, 3, 16))), Role.SERVER,
                "preferred_address of 44 bytes does not match its 4-byte connection ID");
        assertRejected(concat(SERVER_BASE, tuple(0x0d, preferredAddress(4, 4, 17))), Role.SERVER,
                "preferred_address of 46 bytes does not match");
        assertAccepted(concat(SERVER_BASE, tuple(0x0d, preferredAddress(4, 4, 16))), Role.SERVER);
    }

    @Test
    void rejectsAPreferredAddressConnectionIdLongerThan20Bytes() {
        assertRejected(concat(SERVER_BASE, tuple(0x0d, preferredAddress(21, 21, 16))), Role.SERVER,
                "preferred_address connection ID length 21 exceeds 20");
    }

    @Test
    void rejectsAPreferredAddressWithAZeroLengthConnectionId() {
        assertRejected(concat(SERVER_BASE, tuple(0x0d, preferredAddress(0, 0, 16))), Role.SERVER,
                "preferred_address carries a zero-length connection ID");
    }

    @Test
    void rejectsAPreferredAddressFromAServerUsingZeroLengthConnectionIds() {
        byte[] input = concat(hex("0004 d1d2d3d4 0f00"), tuple(0x0d, preferredAddress(4, 4, 16)));
        assertRejected(input, Role.SERVER, "preferred_address sent with a zero-length initial_source_connection_id");
    }

    // ---- duplicates (RFC 9000 §7.4) ---------------------------------------------------------------

    @Test
    void rejectsADuplicateKnownParameter() {
        assertRejectedFromBoth(hex("01 01 05 01 01 05"), "duplicate max_idle_timeout");
        assertRejectedFromBoth(hex("6ab2 00 6ab2 00"), "duplicate grease_quic_bit");
        assertRejected(concat(CLIENT_BASE, CLIENT_BASE), Role.CLIENT, "duplicate initial_source_connection_id");
    }

    @Test
    void rejectsADuplicateKnownParameterEvenWhenTheRepeatIsInvalid() {
        // The duplicate is caught before the second value is looked at.
        assertRejectedFromBoth(hex("03 02 45c0 03 01 00"), "duplicate max_udp_payload_size");
    }

    @Test
    void rejectsADuplicateUnknownOrReservedParameter() {
        assertRejectedFromBoth(hex("3a 00 12 01 ff 3a 01 00"), "duplicate reserved transport parameter 0x3a");
        assertRejectedFromBoth(hex("4012 00 12 00"), "duplicate unknown transport parameter 0x12");
        assertAccepted(concat(CLIENT_BASE, hex("3a 00 12 01 ff 59 01 00")), Role.CLIENT);
    }

    // ---- ranges (RFC 9000 §18.2, §4.6) -------------------------------------------------------------

    @Test
    void rejectsAMaxUdpPayloadSizeBelow1200() {
        assertRejectedFromBoth(intTuple(TransportParameterId.MAX_UDP_PAYLOAD_SIZE, 1199), "max_udp_payload_size 1199 is below 1200");
        assertRejectedFromBoth(intTuple(TransportParameterId.MAX_UDP_PAYLOAD_SIZE, 0), "max_udp_payload_size 0");
        assertAccepted(concat(CLIENT_BASE, intTuple(TransportParameterId.MAX_UDP_PAYLOAD_SIZE, 1200)), Role.CLIENT);
    }

    @Test
    void rejectsAnAckDelayExponentAbove20() {
        assertRejectedFromBoth(intTuple(TransportParameterId.ACK_DELAY_EXPONENT, 21), "ack_delay_exponent 21 exceeds 20");
        assertAccepted(concat(CLIENT_BASE, intTuple(TransportParameterId.ACK_DELAY_EXPONENT, 20)), Role.CLIENT);
    }

    @Test
    void rejectsAMaxAckDelayOf2To14OrMore() {
        assertRejectedFromBoth(intTuple(TransportParameterId.MAX_ACK_DELAY, 1 << 14), "max_ack_delay 16384 is 2^14 or more");
        assertAccepted(concat(CLIENT_BASE, intTuple(TransportParameterId.MAX_ACK_DELAY, (1 << 14) - 1)), Role.CLIENT);
    }

    @Test
    void rejectsAnActiveConnectionIdLimitBelow2() {
        assertRejectedFromBoth(intTuple(TransportParameterId.ACTIVE_CONNECTION_ID_LIMIT, 1), "active_connection_id_limit 1 is below 2");
        assertRejectedFromBoth(intTuple(TransportParameterId.ACTIVE_CONNECTION_ID_LIMIT, 0), "active_connection_id_limit 0 is below 2");
        assertAccepted(concat(CLIENT_BASE, intTuple(TransportParameterId.ACTIVE_CONNECTION_ID_LIMIT, 2)), Role.CLIENT);
    }

    @Test
    void rejectsStreamLimitsAbove2To60() {
        long over = (1L << 60) + 1;
        assertRejectedFromBoth(intTuple(TransportParameterId.INITIAL_MAX_STREAMS_BIDI, over), "initial_max_streams_bidi " + over + " exceeds 2^60");
        assertRejectedFromBoth(intTuple(TransportParameterId.INITIAL_MAX_STREAMS_UNI, over), "initial_max_streams_uni " + over + " exceeds 2^60");
        assertAccepted(concat(CLIENT_BASE, intTuple(TransportParameterId.INITIAL_MAX_STREAMS_BIDI, 1L << 60),
                intTuple(TransportParameterId.INITIAL_MAX_STREAMS_UNI, 1L << 60)), Role.CLIENT);
    }

    // ---- server-only parameters (RFC 9000 §18.2) ----------------------------------------------------

    private static byte[] serverOnly(TransportParameterId id) {
        return switch (id) {
            case ORIGINAL_DESTINATION_CONNECTION_ID -> tuple(id.code(), hex("a1a2a3a4"));
            case STATELESS_RESET_TOKEN -> tuple(id.code(), new byte[16]);
            case PREFERRED_ADDRESS -> tuple(id.code(), preferredAddress(4, 4, 16));
            case RETRY_SOURCE_CONNECTION_ID -> tuple(id.code(), hex("b1b2"));
            default -> throw new IllegalArgumentException(id.name());
        };
    }

    @ParameterizedTest
    @EnumSource(names = {"ORIGINAL_DESTINATION_CONNECTION_ID", "STATELESS_RESET_TOKEN", "PREFERRED_ADDRESS",
        "RETRY_SOURCE_CONNECTION_ID"})
    void rejectsAServerOnlyParameterFromAClient(TransportParameterId id) {
        assertTrue(id.isServerOnly());
        assertRejected(concat(CLIENT_BASE, serverOnly(id)), Role.CLIENT, id.rfcName() + " must not be sent by a client");
    }

    @ParameterizedTest
    @EnumSource(names = {"STATELESS_RESET_TOKEN", "PREFERRED_ADDRESS", "RETRY_SOURCE_CONNECTION_ID"})
    void acceptsTheSameServerOnlyParameterFromAServer(TransportParameterId id) {
        assertAccepted(concat(SERVER_BASE, serverOnly(id)), Role.SERVER);
    }

    @Test
    void onlyTheRfcsFourParametersAreServerOnly() {
        for (TransportParameterId id : TransportParameterId.values()) {
            boolean expected = id == TransportParameterId.ORIGINAL_DESTINATION_CONNECTION_ID
                    || id == TransportParameterId.STATELESS_RESET_TOKEN
                    || id == TransportParameterId.PREFERRED_ADDRESS
                    || id == TransportParameterId.RETRY_SOURCE_CONNECTION_ID;
            assertEquals(expected, id.isServerOnly(), id.rfcName());
        }
    }

    // ---- required connection IDs (RFC 9000 §7.3) ---------------------------------------------------

    @Test
    void rejectsAMissingInitialSourceConnectionIdFromEitherRole() {
        assertRejected(new byte[0], Role.CLIENT, "initial_source_connection_id is missing");
        assertRejected(hex("01 01 05"), Role.CLIENT, "initial_source_connection_id is missing");
        assertRejected(hex("0004 d1d2d3d4"), Role.SERVER, "initial_source_connection_id is missing");
    }

    @Test
    void rejectsAMissingOriginalDestinationConnectionIdFromAServerOnly() {
        assertRejected(hex("0f04 e1e2e3e4"), Role.SERVER, "original_destination_connection_id is missing");
        assertAccepted(hex("0f04 e1e2e3e4"), Role.CLIENT);
    }

    // ---- version_information (RFC 9368 §3, §4) -------------------------------------------------------

    @Test
    void rejectsVersionInformationTooShortForAChosenVersion() {
        assertRejectedFromBoth(hex("11 00"), "version_information of 0 bytes has no Chosen Version");
        assertRejectedFromBoth(hex("11 03 000001"), "version_information of 3 bytes");
    }

    @Test
    void rejectsVersionInformationNotAMultipleOf4Bytes() {
        assertRejectedFromBoth(hex("11 06 00000001 0000"), "version_information length 6 is not a multiple of 4");
        assertRejectedFromBoth(hex("11 09 00000001 00000001 00"), "version_information length 9");
    }

    @Test
    void rejectsAChosenVersionOfZero() {
        assertRejectedFromBoth(hex("11 08 00000000 00000001"), "version_information Chosen Version is 0");
    }

    @Test
    void rejectsAnAvailableVersionOfZero() {
        assertRejectedFromBoth(hex("11 0c 00000001 00000001 00000000"), "version_information lists Available Version 0");
    }

    @Test
    void rejectsAClientChosenVersionMissingFromItsAvailableVersions() {
        assertRejected(concat(CLIENT_BASE, hex("11 08 00000001 6b3343cf")), Role.CLIENT,
                "Chosen Version 0x1 is not among its Available Versions");
        assertRejected(concat(CLIENT_BASE, hex("11 04 00000001")), Role.CLIENT, "Chosen Version 0x1");
        // RFC 9368 §3: a server's list need not hold its Chosen Version, and may be empty.
        assertAccepted(concat(SERVER_BASE, hex("11 08 00000001 6b3343cf")), Role.SERVER);
        assertAccepted(concat(SERVER_BASE, hex("11 04 00000001")), Role.SERVER);
    }
}
