package qsock.core.params;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static qsock.core.params.ParamsGenerators.concat;
import static qsock.core.params.ParamsGenerators.hex;
import static qsock.core.params.ParamsGenerators.tuple;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.BufferOverflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;
import qsock.api.Role;
import qsock.core.error.QuicProtocolException;
import qsock.core.error.TransportErrorCode;
import qsock.core.wire.ConnectionId;

/** Encoding examples checked byte by byte, defaults, skipping, the builder and the §7.3 helpers. */
class TransportParametersTest {

    private static TransportParameters clientExample() {
        return TransportParameters.builder()
                .maxIdleTimeout(30_000)
                .maxUdpPayloadSize(1472)
                .initialMaxData(1_048_576)
                .initialMaxStreamDataBidiLocal(262_144)
                .initialMaxStreamDataBidiRemote(262_144)
                .initialMaxStreamDataUni(65_536)
                .initialMaxStreamsBidi(100)
                .initialMaxStreamsUni(3)
                .ackDelayExponent(3) // the default: not written
                .maxAckDelay(20)
                .disableActiveMigration(true)
                .activeConnectionIdLimit(8)
                .initialSourceConnectionId(ConnectionId.ofHex("0102030405060708"))
                .versionInformation(VersionInformation.of(0x0000_0001, 0x0000_0001, 0x6b33_43cf))
                .maxDatagramFrameSize(65_535)
                .greaseQuicBit(true)
                .reservedParameter(TransportParameterId.reserved(1), hex("cafe"))
                .build();
    }

    // Worked out by hand from RFC 9000 §16 (varints: 1 byte < 64, 2 bytes 0x4000|v < 2^14, 4 bytes
    // 0x80000000|v < 2^30, 8 bytes 0xc0..|v) and §18 (ID, length, value), in ascending ID order.
    private static final String CLIENT_EXAMPLE_HEX = ""
            + "01 04 80007530"            // max_idle_timeout 30000 = 0x7530, 4-byte varint
            + "03 02 45c0"                // max_udp_payload_size 1472 = 0x5c0, 2-byte varint
            + "04 04 80100000"            // initial_max_data 2^20
            + "05 04 80040000"            // initial_max_stream_data_bidi_local 2^18
            + "06 04 80040000"            // initial_max_stream_data_bidi_remote 2^18
            + "07 04 80010000"            // initial_max_stream_data_uni 2^16
            + "08 02 4064"                // initial_max_streams_bidi 100 = 0x64 (>= 64: two bytes)
            + "09 01 03"                  // initial_max_streams_uni 3
            //                               ack_delay_exponent 3 is the default: absent
            + "0b 01 14"                  // max_ack_delay 20
            + "0c 00"                     // disable_active_migration, empty value
            + "0e 01 08"                  // active_connection_id_limit 8
            + "0f 08 0102030405060708"    // initial_source_connection_id
            + "11 0c 00000001 00000001 6b3343cf" // version_information: chosen v1, available v1, v2
            + "20 04 8000ffff"            // max_datagram_frame_size 65535
            + "6ab2 00"                   // grease_quic_bit 0x2ab2 as a 2-byte varint, empty value
            + "3a 02 cafe";               // reserved 31 * 1 + 27 = 58 = 0x3a

    private static TransportParameters serverExample() throws Exception {
        return TransportParameters.builder()
                .originalDestinationConnectionId(ConnectionId.ofHex("8394c8f03e515708"))
                .statelessResetToken(StatelessResetToken.ofHex("000102030405060708090a0b0c0d0e0f"))
                .initialMaxStreamsBidi(1L << 60)
                .ackDelayExponent(10)
                .maxAckDelay(16_383)
                .preferredAddress(PreferredAddress.of(
                        new InetSocketAddress(InetAddress.getByName("192.0.2.1"), 4433),
                        new InetSocketAddress(InetAddress.getByName("2001:db8::1"), 4433),
                        ConnectionId.ofHex("aabbccdd"),
                        StatelessResetToken.ofHex("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff")))
                .initialSourceConnectionId(ConnectionId.ofHex("f067a5502a4262b5"))
                .retrySourceConnectionId(ConnectionId.ofHex("0102030405"))
                .versionInformation(VersionInformation.of(0x6b33_43cf))
                .build();
    }

    private static final String SERVER_EXAMPLE_HEX = ""
            + "00 08 8394c8f03e515708"                       // original_destination_connection_id
            + "02 10 000102030405060708090a0b0c0d0e0f"       // stateless_reset_token, 16 bytes
            + "08 08 d000000000000000"                       // initial_max_streams_bidi 2^60: 0xc0.. | 2^60
            + "0a 01 0a"                                     // ack_delay_exponent 10
            + "0b 02 7fff"                                   // max_ack_delay 2^14 - 1
            + "0d 2d"                                        // preferred_address, 41 + 4 = 45 bytes
            + "   c0000201 1151"                             //   192.0.2.1 port 4433
            + "   20010db8000000000000000000000001 1151"     //   2001:db8::1 port 4433
            + "   04 aabbccdd"                               //   connection ID
            + "   f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff"          //   its stateless reset token
            + "0f 08 f067a5502a4262b5"                       // initial_source_connection_id
            + "10 05 0102030405"                             // retry_source_connection_id
            + "11 04 6b3343cf";                              // version_information: chosen v2, none listed

    @Test
    void encodesTheClientExampleByteForByte() {
        TransportParameters p = clientExample();
        assertEquals(hex(hex(CLIENT_EXAMPLE_HEX)), hex(p.toBytes()));
        assertEquals(hex(CLIENT_EXAMPLE_HEX).length, p.encodedLength());
    }

    @Test
    void decodesTheClientExampleBackWithoutTheReservedParameter() throws Exception {
        TransportParameters decoded = TransportParameters.decode(ByteBuffer.wrap(hex(CLIENT_EXAMPLE_HEX)), Role.CLIENT);
        assertEquals(clientExample().withoutReservedParameter(), decoded);
        assertNull(decoded.reservedParameter());
        assertEquals(3, decoded.ackDelayExponent());
        assertTrue(decoded.supportsDatagrams());
    }

    @Test
    void encodesTheServerExampleByteForByte() throws Exception {
        TransportParameters p = serverExample();
        assertEquals(hex(hex(SERVER_EXAMPLE_HEX)), hex(p.toBytes()));
    }

    @Test
    void decodesTheServerExampleBack() throws Exception {
        TransportParameters decoded = TransportParameters.decode(ByteBuffer.wrap(hex(SERVER_EXAMPLE_HEX)), Role.SERVER);
        assertEquals(serverExample(), decoded);
        PreferredAddress pa = decoded.preferredAddress();
        assertEquals(new InetSocketAddress(InetAddress.getByName("192.0.2.1"), 4433), pa.ipv4());
        assertEquals(new InetSocketAddress(InetAddress.getByName("2001:db8::1"), 4433), pa.ipv6());
        assertTrue(decoded.versionInformation().availableVersions().isEmpty());
    }

    @Test
    void absentParametersTakeTheRfcDefaults() throws Exception {
        // Only the required initial_source_connection_id, zero-length.
        TransportParameters p = TransportParameters.decode(ByteBuffer.wrap(hex("0f00")), Role.CLIENT);
        assertEquals(0, p.maxIdleTimeout());
        assertEquals(65_527, p.maxUdpPayloadSize());
        assertEquals(0, p.initialMaxData());
        assertEquals(0, p.initialMaxStreamDataBidiLocal());
        assertEquals(0, p.initialMaxStreamDataBidiRemote());
        assertEquals(0, p.initialMaxStreamDataUni());
        assertEquals(0, p.initialMaxStreamsBidi());
        assertEquals(0, p.initialMaxStreamsUni());
        assertEquals(3, p.ackDelayExponent());
        assertEquals(25, p.maxAckDelay());
        assertFalse(p.disableActiveMigration());
        assertEquals(2, p.activeConnectionIdLimit());
        assertEquals(0, p.maxDatagramFrameSize());
        assertFalse(p.supportsDatagrams());
        assertFalse(p.greaseQuicBit());
        assertNull(p.originalDestinationConnectionId());
        assertNull(p.statelessResetToken());
        assertNull(p.preferredAddress());
        assertNull(p.retrySourceConnectionId());
        assertNull(p.versionInformation());
        assertEquals(ConnectionId.EMPTY, p.initialSourceConnectionId());
        assertEquals(TransportParameters.defaults().toBuilder().initialSourceConnectionId(ConnectionId.EMPTY).build(), p);
    }

    @Test
    void defaultValuesAreNotWritten() {
        TransportParameters p = TransportParameters.builder()
                .maxUdpPayloadSize(65_527).ackDelayExponent(3).maxAckDelay(25).activeConnectionIdLimit(2)
                .maxDatagramFrameSize(0).initialSourceConnectionId(ConnectionId.EMPTY).build();
        assertEquals("0f00", hex(p.toBytes()));
        assertEquals(0, TransportParameters.defaults().encodedLength());
    }

    @Test
    void explicitDefaultsDecodeEqualToAbsentOnes() throws Exception {
        byte[] explicit = concat(hex("0f00"),
                ParamsGenerators.intTuple(TransportParameterId.MAX_UDP_PAYLOAD_SIZE, 65_527),
                ParamsGenerators.intTuple(TransportParameterId.ACK_DELAY_EXPONENT, 3),
                ParamsGenerators.intTuple(TransportParameterId.MAX_DATAGRAM_FRAME_SIZE, 0));
        assertEquals(TransportParameters.decode(ByteBuffer.wrap(hex("0f00")), Role.CLIENT),
                TransportParameters.decode(ByteBuffer.wrap(explicit), Role.CLIENT));
    }

    @Test
    void reservedAndUnknownParametersAreSkipped() throws Exception {
        byte[] input = concat(
                tuple(27, hex("")),                              // reserved, N = 0, empty
                tuple(TransportParameterId.reserved(5), hex("00112233")),
                hex("0f00"),
                tuple(0x12, hex("ff")),                          // unknown, unassigned here
                tuple(0x4000_0000L, new byte[30]),               // unknown, 8-byte ID
                tuple(0x2ab3, hex("")));
        ByteBuffer buf = ByteBuffer.wrap(input);
        TransportParameters p = TransportParameters.decode(buf, Role.CLIENT);
        assertEquals(TransportParameters.builder().initialSourceConnectionId(ConnectionId.EMPTY).build(), p);
        assertEquals(buf.limit(), buf.position());
    }

    @Test
    void aLongerThanMinimalVarintIsAccepted() throws Exception {
        // RFC 9000 §16 allows any encoding length; §18 only asks the Length field to match it.
        byte[] input = concat(hex("0f00"), hex("01 08 c000000000007530"), hex("c000000000000003 02 45c0"));
        TransportParameters p = TransportParameters.decode(ByteBuffer.wrap(input), Role.CLIENT);
        assertEquals(30_000, p.maxIdleTimeout());
        assertEquals(1472, p.maxUdpPayloadSize());
    }

    @Test
    void decodingConsumesExactlyTheRemainingBytes() throws Exception {
        byte[] framed = concat(hex("ffff"), hex(CLIENT_EXAMPLE_HEX), hex("eeee"));
        ByteBuffer buf = ByteBuffer.wrap(framed, 2, framed.length - 4);
        TransportParameters.decode(buf, Role.CLIENT);
        assertEquals(framed.length - 2, buf.position());
    }

    @Test
    void encodingIgnoresTheCallersByteOrderAndAdvancesThePosition() {
        TransportParameters p = clientExample();
        ByteBuffer buf = ByteBuffer.allocate(p.encodedLength() + 3).order(ByteOrder.LITTLE_ENDIAN);
        buf.put((byte) 7);
        p.encode(buf);
        assertEquals(1 + p.encodedLength(), buf.position());
        byte[] written = new byte[p.encodedLength()];
        buf.get(1, written);
        assertArrayEquals(p.toBytes(), written);
    }

    @Test
    void encodingIntoTooSmallABufferWritesNothing() {
        TransportParameters p = clientExample();
        ByteBuffer buf = ByteBuffer.allocate(p.encodedLength() - 1);
        assertThrows(BufferOverflowException.class, () -> p.encode(buf));
        assertEquals(0, buf.position());
    }

    @Test
    void builderSettersRejectOutOfRangeValues() {
        TransportParameters.Builder b = TransportParameters.builder();
        assertRejects(() -> b.maxUdpPayloadSize(1199), "max_udp_payload_size");
        assertRejects(() -> b.ackDelayExponent(21), "ack_delay_exponent");
        assertRejects(() -> b.maxAckDelay(1 << 14), "max_ack_delay");
        assertRejects(() -> b.activeConnectionIdLimit(1), "active_connection_id_limit");
        assertRejects(() -> b.initialMaxStreamsBidi((1L << 60) + 1), "initial_max_streams_bidi");
        assertRejects(() -> b.initialMaxStreamsUni((1L << 60) + 1), "initial_max_streams_uni");
        assertRejects(() -> b.initialMaxData(-1), "initial_max_data");
        assertRejects(() -> b.maxIdleTimeout(1L << 62), "max_idle_timeout");
        assertRejects(() -> b.maxDatagramFrameSize(-1), "max_datagram_frame_size");
        assertRejects(() -> b.reservedParameter(26, new byte[0]), "reserved");
        // The bounds themselves are fine.
        b.maxUdpPayloadSize(1200).ackDelayExponent(20).maxAckDelay((1 << 14) - 1).activeConnectionIdLimit(2)
                .initialMaxStreamsBidi(1L << 60).initialMaxStreamsUni(1L << 60);
        TransportParameters p = b.build();
        assertEquals(1200, p.maxUdpPayloadSize());
        assertEquals(1L << 60, p.initialMaxStreamsUni());
    }

    @Test
    void builderRejectsAPreferredAddressWithAZeroLengthConnectionId() throws Exception {
        TransportParameters.Builder b = serverExample().toBuilder().initialSourceConnectionId(ConnectionId.EMPTY);
        assertRejects(b::build, "preferred_address");
    }

    @Test
    void builderRejectsAnEncodingLongerThanATlsExtension() {
        TransportParameters.Builder b = TransportParameters.builder()
                .reservedParameter(27, new byte[40_000])
                .versionInformation(new VersionInformation(1, java.util.Collections.nCopies(7_000, 1)));
        assertRejects(b::build, "65535");
    }

    private static void assertRejects(Runnable r, String mention) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, r::run);
        assertTrue(e.getMessage().contains(mention), e.getMessage());
    }

    @Test
    void checkSendableByAppliesTheRoleRules() throws Exception {
        TransportParameters server = serverExample();
        server.checkSendableBy(Role.SERVER);
        assertThrows(IllegalStateException.class, () -> server.checkSendableBy(Role.CLIENT));
        TransportParameters.Builder client = clientExample().toBuilder();
        client.build().checkSendableBy(Role.CLIENT);
        assertThrows(IllegalStateException.class, () -> client.build().checkSendableBy(Role.SERVER));
        assertThrows(IllegalStateException.class,
                () -> client.initialSourceConnectionId(null).build().checkSendableBy(Role.CLIENT));
        assertThrows(IllegalStateException.class, () -> client.initialSourceConnectionId(ConnectionId.EMPTY)
                .versionInformation(VersionInformation.of(1, 2)).build().checkSendableBy(Role.CLIENT));
    }

    @Test
    void authenticatesTheClientsInitialSourceConnectionId() throws Exception {
        TransportParameters client = clientExample();
        client.authenticateClientConnectionIds(ConnectionId.ofHex("0102030405060708"));
        assertAuthFails(() -> client.authenticateClientConnectionIds(ConnectionId.ofHex("0102030405060709")),
                "initial_source_connection_id");
        assertAuthFails(() -> client.toBuilder().initialSourceConnectionId(null).build()
                .authenticateClientConnectionIds(ConnectionId.ofHex("0102030405060708")),
                "initial_source_connection_id");
    }

    @Test
    void authenticatesTheServersConnectionIds() throws Exception {
        TransportParameters server = serverExample();
        ConnectionId scid = ConnectionId.ofHex("f067a5502a4262b5");
        ConnectionId odcid = ConnectionId.ofHex("8394c8f03e515708");
        ConnectionId retry = ConnectionId.ofHex("0102030405");
        server.authenticateServerConnectionIds(scid, odcid, retry);
        assertAuthFails(() -> server.authenticateServerConnectionIds(ConnectionId.ofHex("00"), odcid, retry),
                "initial_source_connection_id");
        assertAuthFails(() -> server.authenticateServerConnectionIds(scid, ConnectionId.ofHex("00"), retry),
                "original_destination_connection_id");
        assertAuthFails(() -> server.authenticateServerConnectionIds(scid, odcid, ConnectionId.ofHex("00")),
                "retry_source_connection_id");
        // RFC 9000 §7.3: present without a Retry, or absent after one.
        assertAuthFails(() -> server.authenticateServerConnectionIds(scid, odcid, null),
                "retry_source_connection_id");
        TransportParameters noRetry = server.toBuilder().retrySourceConnectionId(null).build();
        noRetry.authenticateServerConnectionIds(scid, odcid, null);
        assertAuthFails(() -> noRetry.authenticateServerConnectionIds(scid, odcid, retry),
                "retry_source_connection_id");
    }

    private interface Auth {
        void run() throws QuicProtocolException;
    }

    private static void assertAuthFails(Auth auth, String mention) {
        QuicProtocolException e = assertThrows(QuicProtocolException.class, auth::run);
        assertEquals(TransportErrorCode.TRANSPORT_PARAMETER_ERROR, e.errorCode());
        assertTrue(e.reason().contains(mention), e.reason());
    }

    @Test
    void preferredAddressOfOneFamilyUsesTheAllZeroAddressForTheOther() throws Exception {
        PreferredAddress pa = PreferredAddress.of(null,
                new InetSocketAddress(InetAddress.getByName("2001:db8::2"), 443),
                ConnectionId.ofHex("01"), StatelessResetToken.ofHex("00".repeat(16)));
        assertNull(pa.ipv4());
        assertEquals(443, pa.ipv6().getPort());
        ByteBuffer b = ByteBuffer.allocate(pa.encodedLength());
        pa.encode(b);
        assertEquals("00000000" + "0000" + "20010db8000000000000000000000002" + "01bb" + "01" + "01" + "00".repeat(16),
                hex(b.array()));
    }

    @Test
    void anIpv4MappedPreferredIpv6AddressStaysIpv6() throws Exception {
        byte[] value = hex("00000000 0000 00000000000000000000ffffc0000201 1151 01 07" + "11".repeat(16));
        PreferredAddress pa = PreferredAddress.decode(ByteBuffer.wrap(value));
        assertEquals(16, pa.ipv6Address().getAddress().length);
        ByteBuffer out = ByteBuffer.allocate(pa.encodedLength());
        pa.encode(out);
        assertArrayEquals(value, out.array());
    }

    @Test
    void versionInformationRejectsZeroVersionsWhenBuilt() {
        assertThrows(IllegalArgumentException.class, () -> VersionInformation.of(0, 1));
        assertThrows(IllegalArgumentException.class, () -> VersionInformation.of(1, 1, 0));
    }

    @Test
    void statelessResetTokensCompareByContent() {
        StatelessResetToken a = StatelessResetToken.ofHex("000102030405060708090a0b0c0d0e0f");
        assertEquals(a, StatelessResetToken.ofHex("000102030405060708090a0b0c0d0e0f"));
        assertFalse(a.equals(StatelessResetToken.ofHex("000102030405060708090a0b0c0d0e00")));
        assertTrue(a.matches(ByteBuffer.wrap(hex("ff000102030405060708090a0b0c0d0e0f")), 1));
        assertFalse(a.matches(ByteBuffer.wrap(hex("ff000102030405060708090a0b0c0d0e0e")), 1));
        assertThrows(IllegalArgumentException.class, () -> StatelessResetToken.of(new byte[15]));
    }
}
