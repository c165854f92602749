package qsock.socket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import qsock.api.ConnectionConfig;
import qsock.api.Role;
import qsock.core.params.TransportParameters;

/**
 * {@link QuicSocketOptions#TRANSPORT_PARAM} without a handshake: defaults, the round trip, each of the kernel's range
 * refusals, the timing rule, and what the connection then advertises (our quic_transport_parameters extension, read
 * through the handshake channel as a TLS stack would).
 */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class QuicSocketTransportParamOptionTest {

    private static final InetSocketAddress LOOPBACK = new InetSocketAddress("127.0.0.1", 0);

    @Test
    void readsTheDefaultsOfTheSettings() throws Exception {
        try (QuicSocket s = QuicSocket.open()) {
            LocalTransportParameters p = s.getOption(QuicSocketOptions.TRANSPORT_PARAM);
            assertEquals(Duration.ofSeconds(30), p.maxIdleTimeout());
            assertEquals(Duration.ofMillis(25), p.maxAckDelay());
            assertEquals(3, p.ackDelayExponent());
            assertEquals(7, p.activeConnectionIdLimit());
            assertEquals(65527, p.maxUdpPayloadSize());
            assertEquals(0, p.maxDatagramFrameSize());
            assertEquals(2 << 20, p.maxData());
            assertEquals(1 << 20, p.maxStreamDataBidiLocal());
            assertEquals(1 << 20, p.maxStreamDataBidiRemote());
            assertEquals(1 << 20, p.maxStreamDataUni());
            assertEquals(100, p.maxStreamsBidi());
            assertEquals(100, p.maxStreamsUni());
            assertFalse(p.disableActiveMigration());
            assertTrue(p.greaseQuicBit());
            assertFalse(p.disableCompatibleVersion());
            assertTrue(p.statelessReset());
        }
    }

    /** Every field changed at once, each within the kernel's range. */
    static LocalTransportParameters changed(LocalTransportParameters p) {
        return p.withMaxIdleTimeout(Duration.ofSeconds(7)).withMaxAckDelay(Duration.ofMillis(40))
                .withAckDelayExponent(5).withActiveConnectionIdLimit(4).withMaxUdpPayloadSize(1500)
                .withMaxDatagramFrameSize(1300).withMaxData(3_000_000).withMaxStreamData(100_000, 200_000, 300_000)
                .withMaxStreams(12, 34).withFlags(true, false, true, false);
    }

    @Test
    void setThenGetGivesTheValueBack() throws Exception {
        try (QuicSocket s = QuicSocket.open()) {
            LocalTransportParameters p = changed(s.getOption(QuicSocketOptions.TRANSPORT_PARAM));
            s.setOption(QuicSocketOptions.TRANSPORT_PARAM, p);
            assertEquals(p, s.getOption(QuicSocketOptions.TRANSPORT_PARAM));
            // disable_compatible_version is CONFIG's field too: one setting.
            assertTrue(s.getOption(QuicSocketOptions.CONFIG).disableCompatibleVersion());
        }
    }

    @Test
    void windowsAboveTheGrowthCapsRaiseThem() throws Exception {
        // The kernel's local caps are above qsock's default growth caps (24 MiB, 16 MiB): the caps follow.
        try (QuicSocket s = QuicSocket.open()) {
            LocalTransportParameters p = s.getOption(QuicSocketOptions.TRANSPORT_PARAM)
                    .withMaxData(OptionRanges.MAX_LOCAL_DATA)
                    .withMaxStreamData(1200, OptionRanges.MAX_LOCAL_STREAM_DATA, 1200);
            s.setOption(QuicSocketOptions.TRANSPORT_PARAM, p);
            assertEquals(p, s.getOption(QuicSocketOptions.TRANSPORT_PARAM));
        }
    }

    static List<Object[]> outOfRange() {
        return List.<Object[]>of(
                bad("max_idle_timeout", p -> p.withMaxIdleTimeout(Duration.ofMillis(999))),
                bad("max_idle_timeout", p -> p.withMaxIdleTimeout(Duration.ofNanos(1_500_000_000L + 1))),
                bad("max_idle_timeout", p -> p.withMaxIdleTimeout(Duration.ofSeconds(-1))),
                bad("max_ack_delay", p -> p.withMaxAckDelay(Duration.ofMillis(1 << 14))),
                bad("max_ack_delay", p -> p.withMaxAckDelay(Duration.ofNanos(100))),
                bad("ack_delay_exponent", p -> p.withAckDelayExponent(21)),
                bad("ack_delay_exponent", p -> p.withAckDelayExponent(-1)),
                bad("active_connection_id_limit", p -> p.withActiveConnectionIdLimit(1)),
                bad("active_connection_id_limit", p -> p.withActiveConnectionIdLimit(9)),
                bad("max_udp_payload_size", p -> p.withMaxUdpPayloadSize(1199)),
                bad("max_udp_payload_size", p -> p.withMaxUdpPayloadSize(65528)),
                bad("max_datagram_frame_size", p -> p.withMaxDatagramFrameSize(1199)),
                bad("max_datagram_frame_size", p -> p.withMaxDatagramFrameSize(65536)),
                bad("max_data", p -> p.withMaxData(1199)),
                bad("max_data", p -> p.withMaxData(OptionRanges.MAX_LOCAL_DATA + 1)),
                bad("max_stream_data_bidi_local", p -> p.withMaxStreamData(1199, 1200, 1200)),
                bad("max_stream_data_bidi_local", p -> p.withMaxStreamData(OptionRanges.MAX_LOCAL_STREAM_DATA + 1,
                        1200, 1200)),
                bad("max_stream_data_bidi_remote", p -> p.withMaxStreamData(1200, 0, 1200)),
                bad("max_stream_data_uni", p -> p.withMaxStreamData(1200, 1200, OptionRanges.MAX_LOCAL_STREAM_DATA + 1)),
                bad("max_streams_bidi", p -> p.withMaxStreams(4097, 1)),
                bad("max_streams_uni", p -> p.withMaxStreams(1, -1)));
    }

    private static Object[] bad(String field, UnaryOperator<LocalTransportParameters> change) {
        return new Object[] {field, change};
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("outOfRange")
    void aFieldOutOfTheKernelsRangeIsRefusedByName(String field, UnaryOperator<LocalTransportParameters> change)
            throws Exception {
        try (QuicSocket s = QuicSocket.open()) {
            LocalTransportParameters before = s.getOption(QuicSocketOptions.TRANSPORT_PARAM);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> s.setOption(QuicSocketOptions.TRANSPORT_PARAM, change.apply(before)));
            assertTrue(e.getMessage().startsWith(field + " "), e.getMessage());
            assertEquals(before, s.getOption(QuicSocketOptions.TRANSPORT_PARAM), "nothing changed");
        }
    }

    @Test
    void theBoundsThemselvesAreAccepted() throws Exception {
        try (QuicSocket s = QuicSocket.open()) {
            LocalTransportParameters low = s.getOption(QuicSocketOptions.TRANSPORT_PARAM)
                    .withMaxIdleTimeout(Duration.ZERO).withMaxAckDelay(Duration.ZERO).withAckDelayExponent(0)
                    .withActiveConnectionIdLimit(2).withMaxUdpPayloadSize(1200).withMaxDatagramFrameSize(0)
                    .withMaxData(1200).withMaxStreamData(1200, 1200, 1200).withMaxStreams(0, 0);
            s.setOption(QuicSocketOptions.TRANSPORT_PARAM, low);
            assertEquals(low, s.getOption(QuicSocketOptions.TRANSPORT_PARAM));
            LocalTransportParameters high = low.withMaxIdleTimeout(Duration.ofSeconds(1))
                    .withMaxAckDelay(Duration.ofMillis((1 << 14) - 1)).withAckDelayExponent(20)
                    .withActiveConnectionIdLimit(8).withMaxUdpPayloadSize(65527).withMaxDatagramFrameSize(65535)
                    .withMaxData(OptionRanges.MAX_LOCAL_DATA)
                    .withMaxStreamData(OptionRanges.MAX_LOCAL_STREAM_DATA, OptionRanges.MAX_LOCAL_STREAM_DATA,
                            OptionRanges.MAX_LOCAL_STREAM_DATA)
                    .withMaxStreams(4096, 4096);
            s.setOption(QuicSocketOptions.TRANSPORT_PARAM, high);
            assertEquals(high, s.getOption(QuicSocketOptions.TRANSPORT_PARAM));
        }
    }

    @Test
    void settableUntilConnectThenRefused() throws Exception {
        try (QuicSocket peer = QuicSocket.open().bind(LOOPBACK); QuicSocket s = QuicSocket.open()) {
            LocalTransportParameters p = changed(s.getOption(QuicSocketOptions.TRANSPORT_PARAM));
            s.setOption(QuicSocketOptions.TRANSPORT_PARAM, p);
            s.connect(peer.localAddress());
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> s.setOption(QuicSocketOptions.TRANSPORT_PARAM, p.withMaxData(5000)));
            assertTrue(e.getMessage().contains("before connect"), e.getMessage());
            assertEquals(p, s.getOption(QuicSocketOptions.TRANSPORT_PARAM), "the connection's parameters");
        }
    }

    @Test
    void settableAfterBindUntilListenThenRefused() throws Exception {
        try (QuicSocket s = QuicSocket.open().bind(LOOPBACK)) {
            LocalTransportParameters p = changed(s.getOption(QuicSocketOptions.TRANSPORT_PARAM));
            s.setOption(QuicSocketOptions.TRANSPORT_PARAM, p);
            s.listen(4);
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> s.setOption(QuicSocketOptions.TRANSPORT_PARAM, p.withMaxData(5000)));
            assertTrue(e.getMessage().contains("before listen"), e.getMessage());
            s.listen(0);
            assertThrows(IllegalStateException.class, () -> s.setOption(QuicSocketOptions.TRANSPORT_PARAM, p),
                    "a listener that stopped listening still has connections of its settings");
        }
    }

    /** {@return our transport parameters as the connection advertises them, decoded} */
    private static TransportParameters advertised(QuicSocket s) throws Exception {
        return TransportParameters.decode(ByteBuffer.wrap(s.getOption(QuicSocketOptions.TRANSPORT_PARAM_EXT)),
                Role.CLIENT);
    }

    @Test
    void theConnectionAdvertisesWhatWasSet() throws Exception {
        try (QuicSocket peer = QuicSocket.open().bind(LOOPBACK); QuicSocket s = QuicSocket.open()) {
            LocalTransportParameters p = changed(s.getOption(QuicSocketOptions.TRANSPORT_PARAM));
            s.setOption(QuicSocketOptions.TRANSPORT_PARAM, p);
            s.connect(peer.localAddress());
            TransportParameters wire = advertised(s);
            assertEquals(7_000, wire.maxIdleTimeout());
            assertEquals(40, wire.maxAckDelay());
            assertEquals(5, wire.ackDelayExponent());
            assertEquals(4, wire.activeConnectionIdLimit());
            assertEquals(1500, wire.maxUdpPayloadSize());
            assertEquals(1300, wire.maxDatagramFrameSize());
            assertEquals(3_000_000, wire.initialMaxData());
            assertEquals(100_000, wire.initialMaxStreamDataBidiLocal());
            assertEquals(200_000, wire.initialMaxStreamDataBidiRemote());
            assertEquals(300_000, wire.initialMaxStreamDataUni());
            assertEquals(12, wire.initialMaxStreamsBidi());
            assertEquals(34, wire.initialMaxStreamsUni());
            assertTrue(wire.disableActiveMigration());
            assertFalse(wire.greaseQuicBit());
            // disable_compatible_version: a client lists only the version it starts with (RFC 9368 §2.3).
            assertEquals(List.of(s.version().wireValue()), wire.versionInformation().availableVersions());
            assertNull(wire.statelessResetToken(), "a client never sends one");
        }
    }

    @Test
    void theDefaultClientListsEveryVersionItSpeaks() throws Exception {
        try (QuicSocket peer = QuicSocket.open().bind(LOOPBACK); QuicSocket s = QuicSocket.open()) {
            s.connect(peer.localAddress());
            assertEquals(ConnectionConfig.defaults().versions().size(),
                    advertised(s).versionInformation().availableVersions().size());
        }
    }

    @Test
    void aSocketBoundBeforeTheOptionWasSetConnectsWithIt() throws Exception {
        // The endpoint was made at bind with the settings of that moment; connect hands it the new ones.
        try (QuicSocket peer = QuicSocket.open().bind(LOOPBACK); QuicSocket s = QuicSocket.open().bind(LOOPBACK)) {
            s.setOption(QuicSocketOptions.TRANSPORT_PARAM,
                    s.getOption(QuicSocketOptions.TRANSPORT_PARAM).withMaxStreams(3, 5));
            s.connect(peer.localAddress());
            TransportParameters wire = advertised(s);
            assertEquals(3, wire.initialMaxStreamsBidi());
            assertEquals(5, wire.initialMaxStreamsUni());
        }
    }
}
