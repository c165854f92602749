package qsock.socket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import qsock.api.CongestionAlgorithm;
import qsock.api.ConnectionConfig;
import qsock.api.QuicVersion;

/**
 * {@link QuicSocketOptions#CONFIG} without a handshake: defaults, the round trip, each of the kernel's range refusals
 * and the AES-CCM refusal, the timing rule, the settings it shares with other options, and what the connection then
 * runs with (version, initial RTT, congestion controller, read from the connection's statistics before any packet).
 */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class QuicSocketConfigOptionTest {

    private static final InetSocketAddress LOOPBACK = new InetSocketAddress("127.0.0.1", 0);

    @Test
    void readsTheKernelsDefaults() throws Exception {
        try (QuicSocket s = QuicSocket.open()) {
            QuicConfig c = s.getOption(QuicSocketOptions.CONFIG);
            assertEquals(QuicVersion.V1, c.version());
            assertEquals(Duration.ZERO, c.plpmtudProbeInterval(), "path MTU discovery off");
            assertEquals(Duration.ofMillis(333), c.initialSmoothedRtt());
            assertEquals(PayloadCipher.ANY, c.payloadCipher());
            assertEquals(CongestionAlgorithm.NEW_RENO, c.congestionControl());
            assertFalse(c.validatePeerAddress());
            assertTrue(c.streamDataNodelay(), "Nagle off, unlike the kernel (measured: see QuicConfig)");
            assertEquals(Duration.ZERO, c.receiveSessionTicket());
            assertEquals(CertificateRequest.NONE, c.certificateRequest());
            assertEquals(Duration.ZERO, c.keepAliveInterval());
            assertFalse(c.disableCompatibleVersion());
        }
    }

    static QuicConfig changed(QuicConfig c) {
        return c.withVersion(QuicVersion.V2).withPlpmtudProbeInterval(Duration.ofSeconds(7))
                .withInitialSmoothedRtt(Duration.ofMillis(150)).withPayloadCipher(PayloadCipher.CHACHA20_POLY1305)
                .withCongestionControl(CongestionAlgorithm.CUBIC).withValidatePeerAddress(true)
                .withStreamDataNodelay(false).withReceiveSessionTicket(Duration.ofSeconds(3))
                .withCertificateRequest(CertificateRequest.REQUIRE).withKeepAliveInterval(Duration.ofMillis(1500))
                .withDisableCompatibleVersion(true);
    }

    @Test
    void setThenGetGivesTheValueBack() throws Exception {
        try (QuicSocket s = QuicSocket.open()) {
            QuicConfig c = changed(s.getOption(QuicSocketOptions.CONFIG));
            s.setOption(QuicSocketOptions.CONFIG, c);
            assertEquals(c, s.getOption(QuicSocketOptions.CONFIG));
            assertFalse(s.streamDataNodelay(), "the send path's view of stream_data_nodelay");
            s.setOption(QuicSocketOptions.CONFIG, c.withPlpmtudProbeInterval(Duration.ZERO));
            assertEquals(Duration.ZERO, s.getOption(QuicSocketOptions.CONFIG).plpmtudProbeInterval(),
                    "path MTU discovery off again");
        }
    }

    @Test
    void validatePeerAddressIsOneSettingWithTheOptionOfItsName() throws Exception {
        try (QuicSocket s = QuicSocket.open()) {
            s.setOption(QuicSocketOptions.VALIDATE_PEER_ADDRESS, true);
            assertTrue(s.getOption(QuicSocketOptions.CONFIG).validatePeerAddress());
            s.setOption(QuicSocketOptions.CONFIG, s.getOption(QuicSocketOptions.CONFIG).withValidatePeerAddress(false));
            assertFalse(s.getOption(QuicSocketOptions.VALIDATE_PEER_ADDRESS));
        }
    }

    @Test
    void disableCompatibleVersionIsOneSettingWithTheTransportParameter() throws Exception {
        try (QuicSocket s = QuicSocket.open()) {
            s.setOption(QuicSocketOptions.CONFIG,
                    s.getOption(QuicSocketOptions.CONFIG).withDisableCompatibleVersion(true));
            assertTrue(s.getOption(QuicSocketOptions.TRANSPORT_PARAM).disableCompatibleVersion());
            LocalTransportParameters p = s.getOption(QuicSocketOptions.TRANSPORT_PARAM);
            s.setOption(QuicSocketOptions.TRANSPORT_PARAM, p.withFlags(p.disableActiveMigration(), p.greaseQuicBit(),
                    false, p.statelessReset()));
            assertFalse(s.getOption(QuicSocketOptions.CONFIG).disableCompatibleVersion());
        }
    }

    static List<Object[]> outOfRange() {
        return List.<Object[]>of(
                bad("plpmtud_probe_interval", c -> c.withPlpmtudProbeInterval(Duration.ofMillis(4999))),
                bad("plpmtud_probe_interval", c -> c.withPlpmtudProbeInterval(
                        OptionRanges.MAX_PLPMTUD_INTERVAL.plusNanos(1000))),
                bad("plpmtud_probe_interval", c -> c.withPlpmtudProbeInterval(Duration.ofNanos(5_000_000_001L))),
                bad("initial_smoothed_rtt", c -> c.withInitialSmoothedRtt(Duration.ofMillis(99))),
                bad("initial_smoothed_rtt", c -> c.withInitialSmoothedRtt(Duration.ofMillis(6001))),
                bad("initial_smoothed_rtt", c -> c.withInitialSmoothedRtt(Duration.ofNanos(150_000_001))),
                bad("payload_cipher_type", c -> c.withPayloadCipher(PayloadCipher.AES_128_CCM)),
                bad("receive_session_ticket", c -> c.withReceiveSessionTicket(Duration.ofSeconds(256))),
                bad("receive_session_ticket", c -> c.withReceiveSessionTicket(Duration.ofSeconds(-1))),
                bad("keepalive_probe_interval", c -> c.withKeepAliveInterval(Duration.ofMillis(1499))),
                bad("keepalive_probe_interval", c -> c.withKeepAliveInterval(
                        OptionRanges.MAX_KEEPALIVE.plusNanos(1000))));
    }

    private static Object[] bad(String field, UnaryOperator<QuicConfig> change) {
        return new Object[] {field, change};
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("outOfRange")
    void aFieldOutOfTheKernelsRangeIsRefusedByName(String field, UnaryOperator<QuicConfig> change) throws Exception {
        try (QuicSocket s = QuicSocket.open()) {
            QuicConfig before = s.getOption(QuicSocketOptions.CONFIG);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> s.setOption(QuicSocketOptions.CONFIG, change.apply(before)));
            assertTrue(e.getMessage().startsWith(field + " "), e.getMessage());
            assertEquals(before, s.getOption(QuicSocketOptions.CONFIG), "nothing changed");
        }
    }

    @Test
    void aesCcmIsRefusedBecauseTheJdkHasNone() throws Exception {
        try (QuicSocket s = QuicSocket.open()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> s.setOption(
                    QuicSocketOptions.CONFIG,
                    s.getOption(QuicSocketOptions.CONFIG).withPayloadCipher(PayloadCipher.AES_128_CCM)));
            assertTrue(e.getMessage().contains("JDK has no AES-CCM"), e.getMessage());
        }
    }

    @Test
    void theBoundsThemselvesAreAccepted() throws Exception {
        try (QuicSocket s = QuicSocket.open()) {
            QuicConfig low = s.getOption(QuicSocketOptions.CONFIG).withPlpmtudProbeInterval(Duration.ofSeconds(5))
                    .withInitialSmoothedRtt(Duration.ofMillis(100)).withKeepAliveInterval(Duration.ofMillis(1500))
                    .withReceiveSessionTicket(Duration.ZERO);
            s.setOption(QuicSocketOptions.CONFIG, low);
            assertEquals(low, s.getOption(QuicSocketOptions.CONFIG));
            QuicConfig high = low.withPlpmtudProbeInterval(Duration.ofMillis(143_165))
                    .withInitialSmoothedRtt(Duration.ofSeconds(6)).withKeepAliveInterval(Duration.ofMillis(4_294_967))
                    .withReceiveSessionTicket(Duration.ofSeconds(255));
            s.setOption(QuicSocketOptions.CONFIG, high);
            assertEquals(high, s.getOption(QuicSocketOptions.CONFIG));
        }
    }

    @Test
    void theConnectionRunsNagleOnlyWhenNoDelayIsOff() throws Exception {
        try (QuicSocket peer = QuicSocket.open().bind(LOOPBACK); QuicSocket s = QuicSocket.open();
             QuicSocket nagle = QuicSocket.open()) {
            s.connect(peer.localAddress());
            assertFalse(s.nagle(), "no-delay by default");
            nagle.setOption(QuicSocketOptions.CONFIG,
                    nagle.getOption(QuicSocketOptions.CONFIG).withStreamDataNodelay(false));
            nagle.connect(peer.localAddress());
            assertTrue(nagle.nagle(), "stream_data_nodelay off: Nagle's algorithm on");
        }
    }

    @Test
    void settableUntilConnectThenRefused() throws Exception {
        try (QuicSocket peer = QuicSocket.open().bind(LOOPBACK); QuicSocket s = QuicSocket.open()) {
            QuicConfig c = changed(s.getOption(QuicSocketOptions.CONFIG));
            s.setOption(QuicSocketOptions.CONFIG, c);
            s.connect(peer.localAddress());
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> s.setOption(QuicSocketOptions.CONFIG, c.withStreamDataNodelay(true)));
            assertTrue(e.getMessage().contains("before connect"), e.getMessage());
            assertEquals(c, s.getOption(QuicSocketOptions.CONFIG), "refused as a whole");
        }
    }

    @Test
    void settableAfterBindUntilListenThenRefused() throws Exception {
        try (QuicSocket s = QuicSocket.open().bind(LOOPBACK)) {
            QuicConfig c = changed(s.getOption(QuicSocketOptions.CONFIG));
            s.setOption(QuicSocketOptions.CONFIG, c);
            s.listen(4);
            assertThrows(IllegalStateException.class,
                    () -> s.setOption(QuicSocketOptions.CONFIG, c.withCongestionControl(CongestionAlgorithm.NEW_RENO)));
            assertEquals(c, s.getOption(QuicSocketOptions.CONFIG));
        }
    }

    @ParameterizedTest
    @EnumSource(CongestionAlgorithm.class)
    void theConnectionRunsTheCongestionControllerSet(CongestionAlgorithm algorithm) throws Exception {
        try (QuicSocket peer = QuicSocket.open().bind(LOOPBACK); QuicSocket s = QuicSocket.open()) {
            s.setOption(QuicSocketOptions.CONFIG,
                    s.getOption(QuicSocketOptions.CONFIG).withCongestionControl(algorithm));
            s.connect(peer.localAddress());
            assertEquals(algorithm, s.statistics().congestionAlgorithm());
        }
    }

    @Test
    void theConnectionStartsFromTheInitialRttSet() throws Exception {
        try (QuicSocket peer = QuicSocket.open().bind(LOOPBACK); QuicSocket s = QuicSocket.open()) {
            s.setOption(QuicSocketOptions.CONFIG,
                    s.getOption(QuicSocketOptions.CONFIG).withInitialSmoothedRtt(Duration.ofMillis(1234)));
            s.connect(peer.localAddress());
            // RFC 9002 §5.3: before the first sample, smoothed_rtt is the initial RTT.
            assertEquals(1_234_000_000L, s.statistics().smoothedRttNanos());
        }
    }

    @Test
    void theConnectionStartsWithTheVersionSet() throws Exception {
        try (QuicSocket peer = QuicSocket.open().bind(LOOPBACK); QuicSocket s = QuicSocket.open()) {
            s.setOption(QuicSocketOptions.CONFIG, s.getOption(QuicSocketOptions.CONFIG).withVersion(QuicVersion.V2));
            s.connect(peer.localAddress());
            assertEquals(QuicVersion.V2, s.version());
        }
    }

    @Test
    void aVersionTheConfiguredListLacksIsRefused() throws Exception {
        try (QuicSocket s = QuicSocket.open(ConnectionConfig.builder().versions(QuicVersion.V1).build())) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> s.setOption(
                    QuicSocketOptions.CONFIG, s.getOption(QuicSocketOptions.CONFIG).withVersion(QuicVersion.V2)));
            assertTrue(e.getMessage().contains("versions must list"), e.getMessage());
        }
    }

    @Test
    void pathMtuDiscoveryTurnsOnUpToTheKernelsCeilingOrTheConfiguredOne() throws Exception {
        try (QuicSocket s = QuicSocket.open()) {
            s.setOption(QuicSocketOptions.CONFIG,
                    s.getOption(QuicSocketOptions.CONFIG).withPlpmtudProbeInterval(Duration.ofSeconds(10)));
            assertEquals(Duration.ofSeconds(10), s.getOption(QuicSocketOptions.CONFIG).plpmtudProbeInterval());
        }
        ConnectionConfig ceiling = ConnectionConfig.builder().pathMtuCeiling(1500).build();
        assertEquals(9000, new QuicConfig(QuicVersion.V1, Duration.ofSeconds(10), Duration.ofMillis(333),
                PayloadCipher.ANY, CongestionAlgorithm.NEW_RENO, false, false, Duration.ZERO, CertificateRequest.NONE,
                Duration.ZERO, false).applyTo(ConnectionConfig.defaults()).pathMtuCeiling());
        ConnectionConfig on = QuicConfig.of(ceiling, new SocketOptionTable()).withPlpmtudProbeInterval(
                Duration.ofSeconds(6)).applyTo(ceiling);
        assertEquals(1500, on.pathMtuCeiling(), "a ceiling configured stays");
        assertEquals(6000, on.pathMtuProbeIntervalMillis());
        assertEquals(0, QuicConfig.of(on, new SocketOptionTable()).withPlpmtudProbeInterval(Duration.ZERO).applyTo(on)
                .pathMtuCeiling(), "zero turns it off");
    }

    @Test
    void keepAliveIsTheConnectionsSetting() throws Exception {
        try (QuicSocket s = QuicSocket.open(ConnectionConfig.builder().keepAliveMillis(2500).build())) {
            assertEquals(Duration.ofMillis(2500), s.getOption(QuicSocketOptions.CONFIG).keepAliveInterval());
        }
        ConnectionConfig set = QuicConfig.of(ConnectionConfig.defaults(), new SocketOptionTable())
                .withKeepAliveInterval(Duration.ofSeconds(2)).applyTo(ConnectionConfig.defaults());
        assertEquals(2000, set.keepAliveMillis());
    }
}
