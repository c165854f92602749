package qsock.tls.socket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import qsock.api.CongestionAlgorithm;
import qsock.api.ConnectionConfig;
import qsock.api.QuicVersion;
import qsock.core.handshake.CipherSuite;
import qsock.socket.CertificateRequest;
import qsock.socket.LocalTransportParameters;
import qsock.socket.PayloadCipher;
import qsock.socket.PeerTransportParameters;
import qsock.socket.QuicConfig;
import qsock.socket.QuicSocket;
import qsock.socket.QuicSocketOptions;
import qsock.tls.ClientAuth;
import qsock.tls.Credential;
import qsock.tls.TlsClientConfig;
import qsock.tls.TlsServerConfig;
import qsock.tls.cert.CertificateValidator;
import qsock.tls.cert.TestPki;

/**
 * The settings options over real handshakes on loopback: what {@link QuicSocketOptions#TRANSPORT_PARAM} sets is what the
 * peer reads, what {@link QuicSocketOptions#CONFIG} sets is what the connection runs and the handshake helper does
 * (congestion controller, cipher, client certificate, version negotiation, path MTU discovery), an accepted socket
 * inherits its listener's options and may not change them, and ALPN reads the negotiated protocol.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class QuicSocketSettingsOptionsTest {

    private static final String PKI = Loopback.PKI;

    private static TlsServerConfig serverTls() {
        return Loopback.serverTls();
    }

    private static TlsClientConfig clientTls() {
        return Loopback.clientTls();
    }

    /** Every field changed from the defaults; {@code seed} makes two different sets. */
    private static LocalTransportParameters changed(QuicSocket s, int seed) {
        return s.getOption(QuicSocketOptions.TRANSPORT_PARAM).withMaxIdleTimeout(Duration.ofSeconds(7 + seed))
                .withMaxAckDelay(Duration.ofMillis(40 + seed)).withAckDelayExponent(5 + seed)
                .withActiveConnectionIdLimit(4 + seed).withMaxUdpPayloadSize(1500 + seed)
                .withMaxDatagramFrameSize(1300 + seed).withMaxData(3_000_000 + seed)
                .withMaxStreamData(100_000 + seed, 200_000 + seed, 300_000 + seed).withMaxStreams(12 + seed, 34 + seed)
                .withFlags(true, false, true, false);
    }

    private static void assertPeerRead(LocalTransportParameters sent, PeerTransportParameters read) {
        assertNotNull(read);
        assertEquals(sent.maxIdleTimeout(), read.maxIdleTimeout());
        assertEquals(sent.maxAckDelay(), read.maxAckDelay());
        assertEquals(sent.ackDelayExponent(), read.ackDelayExponent());
        assertEquals(sent.activeConnectionIdLimit(), read.activeConnectionIdLimit());
        assertEquals(sent.maxUdpPayloadSize(), read.maxUdpPayloadSize());
        assertEquals(sent.maxDatagramFrameSize(), read.maxDatagramFrameSize());
        assertEquals(sent.maxData(), read.maxData());
        assertEquals(sent.maxStreamDataBidiLocal(), read.maxStreamDataBidiLocal());
        assertEquals(sent.maxStreamDataBidiRemote(), read.maxStreamDataBidiRemote());
        assertEquals(sent.maxStreamDataUni(), read.maxStreamDataUni());
        assertEquals(sent.maxStreamsBidi(), read.maxStreamsBidi());
        assertEquals(sent.maxStreamsUni(), read.maxStreamsUni());
        assertEquals(sent.disableActiveMigration(), read.disableActiveMigration());
        assertEquals(sent.greaseQuicBit(), read.greaseQuicBit());
        assertEquals(sent.disableCompatibleVersion(), read.disableCompatibleVersion());
    }

    @Test
    void eachSideReadsTheTransportParametersTheOtherSet() throws Exception {
        LocalTransportParameters[] server = new LocalTransportParameters[1];
        LocalTransportParameters[] client = new LocalTransportParameters[1];
        try (OptionsLoopback loopback = OptionsLoopback.listen(s -> {
                server[0] = changed(s, 0);
                s.setOption(QuicSocketOptions.TRANSPORT_PARAM, server[0]);
            });
             OptionsLoopback.Connection c = loopback.connect(s -> {
                 client[0] = changed(s, 1);
                 s.setOption(QuicSocketOptions.TRANSPORT_PARAM, client[0]);
             }, clientTls(), serverTls())) {
            assertPeerRead(server[0], c.client().getOption(QuicSocketOptions.REMOTE_TRANSPORT_PARAMETERS));
            assertPeerRead(client[0], c.server().getOption(QuicSocketOptions.REMOTE_TRANSPORT_PARAMETERS));
            assertFalse(c.client().getOption(QuicSocketOptions.REMOTE_TRANSPORT_PARAMETERS).statelessReset(),
                    "the server set stateless_reset off: no token");
            assertEquals(client[0], c.client().getOption(QuicSocketOptions.TRANSPORT_PARAM), "what it advertised");
        }
    }

    /**
     * A listener of several I/O threads binds the port at bind, each thread's endpoint at listen: the settings set in
     * between reach the connections of every thread.
     */
    @Test
    void theSettingsReachEveryIoThreadOfAListener() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(qsock.core.runtime.IoEndpointGroup.supported(),
                "SO_REUSEPORT spreading datagrams: Linux only");
        try (QuicSocket listener = QuicSocket.open().setOption(QuicSocketOptions.IO_THREADS, 2)
                .bind(new java.net.InetSocketAddress("127.0.0.1", 0));
             java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            LocalTransportParameters set = changed(listener, 0);
            listener.setOption(QuicSocketOptions.TRANSPORT_PARAM, set);
            listener.setOption(QuicSocketOptions.CONFIG, listener.getOption(QuicSocketOptions.CONFIG)
                    .withCongestionControl(CongestionAlgorithm.CUBIC));
            listener.listen(16);
            java.util.Set<String> threads = new java.util.HashSet<>();
            // Bounded: new clients until both threads served one (the kernel hashes their addresses), at most 32.
            for (int i = 0; i < 32 && threads.size() < 2; i++) {
                java.util.concurrent.Future<QuicSocket> accepted = pool.submit(() -> {
                    QuicSocket s = listener.accept();
                    qsock.tls.QuicHandshake.serverHandshake(s, serverTls(), Loopback.HANDSHAKE_TIMEOUT);
                    return s;
                });
                try (QuicSocket client = QuicSocket.open()) {
                    client.connect(listener.localAddress());
                    qsock.tls.QuicHandshake.clientHandshake(client, clientTls(), Loopback.HANDSHAKE_TIMEOUT);
                    try (QuicSocket server = accepted.get()) {
                        threads.add(server.ioThreads().get(0).thread());
                        assertPeerRead(set, client.getOption(QuicSocketOptions.REMOTE_TRANSPORT_PARAMETERS));
                        assertEquals(CongestionAlgorithm.CUBIC, server.statistics().congestionAlgorithm());
                    }
                }
            }
            assertEquals(2, threads.size(), "both threads served a client: " + threads);
        }
    }

    @Test
    void aServerSendsItsResetTokenByDefault() throws Exception {
        try (OptionsLoopback loopback = OptionsLoopback.listen(OptionsLoopback.Setup.NONE);
             OptionsLoopback.Connection c = loopback.connect(OptionsLoopback.Setup.NONE, clientTls(), serverTls())) {
            assertTrue(c.client().getOption(QuicSocketOptions.REMOTE_TRANSPORT_PARAMETERS).statelessReset());
            assertTrue(c.client().getOption(QuicSocketOptions.REMOTE_TRANSPORT_PARAMETERS).greaseQuicBit());
        }
    }

    @Test
    void anAcceptedSocketInheritsItsListenersOptionsAndMayNotChangeTheSettings() throws Exception {
        QuicConfig[] config = new QuicConfig[1];
        LocalTransportParameters[] params = new LocalTransportParameters[1];
        try (OptionsLoopback loopback = OptionsLoopback.listen(s -> {
                config[0] = s.getOption(QuicSocketOptions.CONFIG).withCongestionControl(CongestionAlgorithm.CUBIC)
                        .withInitialSmoothedRtt(Duration.ofMillis(200)).withKeepAliveInterval(Duration.ofSeconds(2))
                        .withStreamDataNodelay(false).withReceiveSessionTicket(Duration.ofSeconds(1))
                        .withPayloadCipher(PayloadCipher.CHACHA20_POLY1305).withValidatePeerAddress(true);
                s.setOption(QuicSocketOptions.CONFIG, config[0]);
                params[0] = changed(s, 0);
                s.setOption(QuicSocketOptions.TRANSPORT_PARAM, params[0]);
                s.setOption(QuicSocketOptions.ALPN, List.of("echo"));
                s.setOption(QuicSocketOptions.TIMEOUT, Duration.ofSeconds(17));
                // TRANSPORT_PARAM's disable_compatible_version is CONFIG's too: read back what both made.
                config[0] = s.getOption(QuicSocketOptions.CONFIG);
                assertTrue(config[0].disableCompatibleVersion());
            });
             // The server's TLS configuration names no ALPN: the listener's option, inherited, is what it accepts.
             OptionsLoopback.Connection c = loopback.connect(OptionsLoopback.Setup.NONE, clientTls(),
                     serverTls().withApplicationProtocols(List.of()))) {
            QuicSocket accepted = c.server();
            assertEquals(config[0], accepted.getOption(QuicSocketOptions.CONFIG));
            assertEquals(params[0], accepted.getOption(QuicSocketOptions.TRANSPORT_PARAM));
            assertEquals(Duration.ofSeconds(17), accepted.getOption(QuicSocketOptions.TIMEOUT));
            assertEquals(List.of("echo"), accepted.getOption(QuicSocketOptions.ALPN));
            // The connection runs them: CUBIC, the server's preferred cipher, and the peer reads its parameters.
            assertEquals(CongestionAlgorithm.CUBIC, accepted.statistics().congestionAlgorithm());
            assertEquals(CongestionAlgorithm.NEW_RENO, c.client().statistics().congestionAlgorithm());
            assertEquals(CipherSuite.TLS_CHACHA20_POLY1305_SHA256, accepted.cipherSuite());
            assertEquals(CipherSuite.TLS_CHACHA20_POLY1305_SHA256, c.client().cipherSuite());
            assertPeerRead(params[0], c.client().getOption(QuicSocketOptions.REMOTE_TRANSPORT_PARAMETERS));
            assertEquals(1, c.client().statistics().retries(), "validate_peer_address: a Retry first");

            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> accepted.setOption(QuicSocketOptions.CONFIG, config[0]));
            assertTrue(e.getMessage().contains("accepted socket"), e.getMessage());
            assertThrows(IllegalStateException.class,
                    () -> accepted.setOption(QuicSocketOptions.TRANSPORT_PARAM, params[0]));
            assertThrows(IllegalStateException.class, () -> loopback.listener.setOption(QuicSocketOptions.CONFIG,
                    config[0]), "a listener's settings are fixed at listen");
        }
    }

    @Test
    void aClientsPreferredCipherIsTheOneItOffers() throws Exception {
        try (OptionsLoopback loopback = OptionsLoopback.listen(OptionsLoopback.Setup.NONE);
             OptionsLoopback.Connection c = loopback.connect(s -> s.setOption(QuicSocketOptions.CONFIG,
                     s.getOption(QuicSocketOptions.CONFIG).withPayloadCipher(PayloadCipher.AES_256_GCM)),
                     clientTls(), serverTls())) {
            // The server prefers AES-128-GCM (its default order) but the client offered AES-256-GCM alone.
            assertEquals(CipherSuite.TLS_AES_256_GCM_SHA384, c.client().cipherSuite());
            assertEquals(CipherSuite.TLS_AES_256_GCM_SHA384, c.server().cipherSuite());
        }
        try (OptionsLoopback loopback = OptionsLoopback.listen(OptionsLoopback.Setup.NONE);
             OptionsLoopback.Connection c = loopback.connect(OptionsLoopback.Setup.NONE, clientTls(), serverTls())) {
            assertEquals(CipherSuite.TLS_AES_128_GCM_SHA256, c.client().cipherSuite(), "without a hint");
        }
    }

    private static OptionsLoopback.Setup certificateRequest(CertificateRequest request) {
        return s -> s.setOption(QuicSocketOptions.CONFIG,
                s.getOption(QuicSocketOptions.CONFIG).withCertificateRequest(request));
    }

    /** A server configuration that asks for no certificate but knows how to check one. */
    private static TlsServerConfig serverCheckingClients() {
        return TlsServerConfig.builder(new Credential(TestPki.chain(PKI), TestPki.leafKey(PKI)))
                .applicationProtocols("echo")
                .clientAuthentication(ClientAuth.NONE,
                        CertificateValidator.forTrustedCertificates(List.of(TestPki.ca(PKI)))).build();
    }

    @Test
    void certificateRequestRequireRefusesAClientWithoutACertificate() throws Exception {
        try (OptionsLoopback loopback = OptionsLoopback.listen(certificateRequest(CertificateRequest.REQUIRE))) {
            OptionsLoopback.Failure f = loopback.failedHandshake(clientTls(), serverCheckingClients());
            assertNotNull(f.server(), "the server refused");
            assertTrue(f.server().getMessage().contains("certificate_required"), f.server().getMessage());
            // RFC 9001 §4.8: the alert reaches the client as CRYPTO_ERROR 0x100 + certificate_required (116).
            assertTrue(f.clientClose().byPeer(), String.valueOf(f.clientClose()));
            assertEquals(0x100 + 116, f.clientClose().code(), String.valueOf(f.clientClose()));
        }
    }

    @Test
    void certificateRequestRequireAcceptsAClientWithACertificate() throws Exception {
        TlsClientConfig withCertificate = clientTls().withCredentials(
                List.of(new Credential(TestPki.chain(PKI), TestPki.leafKey(PKI))));
        try (OptionsLoopback loopback = OptionsLoopback.listen(certificateRequest(CertificateRequest.REQUIRE));
             OptionsLoopback.Connection c = loopback.connect(OptionsLoopback.Setup.NONE, withCertificate,
                     serverCheckingClients())) {
            assertEquals(TestPki.leaf(PKI), c.serverEngine().peerCertificates().get(0));
        }
    }

    @Test
    void certificateRequestRequestAcceptsAClientWithoutOne() throws Exception {
        try (OptionsLoopback loopback = OptionsLoopback.listen(certificateRequest(CertificateRequest.REQUEST));
             OptionsLoopback.Connection c = loopback.connect(OptionsLoopback.Setup.NONE, clientTls(),
                     serverCheckingClients())) {
            assertTrue(c.serverEngine().peerCertificates().isEmpty());
            assertTrue(c.client().state().isEstablished());
        }
    }

    @Test
    void alpnReadsTheNegotiatedProtocolAfterTheHandshake() throws Exception {
        TlsClientConfig noAlpn = TlsClientConfig.builder().serverName("localhost")
                .certificateValidator(CertificateValidator.forTrustedCertificates(List.of(TestPki.ca(PKI)))).build();
        try (OptionsLoopback loopback = OptionsLoopback.listen(OptionsLoopback.Setup.NONE);
             OptionsLoopback.Connection c = loopback.connect(
                     s -> s.setOption(QuicSocketOptions.ALPN, List.of("h3", "hq-interop")), noAlpn, serverTls())) {
            // The server serves echo, then hq-interop: the client's option offered h3 and hq-interop.
            assertEquals(List.of("hq-interop"), c.client().getOption(QuicSocketOptions.ALPN));
            assertEquals(List.of("hq-interop"), c.server().getOption(QuicSocketOptions.ALPN));
            assertEquals("hq-interop", c.clientEngine().applicationProtocol());
            assertThrows(IllegalStateException.class,
                    () -> c.client().setOption(QuicSocketOptions.ALPN, List.of("h3")));
        }
    }

    /** A server preferring version 2, and a client that starts with version 1 but lists version 2 first. */
    private static final ConnectionConfig PREFERS_V2 = ConnectionConfig.builder().version(QuicVersion.V1)
            .versions(QuicVersion.V2, QuicVersion.V1).build();

    private static QuicVersion negotiated(OptionsLoopback.Setup server, OptionsLoopback.Setup client)
            throws Exception {
        ConnectionConfig listener = ConnectionConfig.builder().version(QuicVersion.V2)
                .versions(QuicVersion.V2, QuicVersion.V1).build();
        try (OptionsLoopback loopback = OptionsLoopback.listen(listener, server);
             OptionsLoopback.Connection c = loopback.connect(PREFERS_V2, client, clientTls(), serverTls())) {
            assertEquals(c.client().version(), c.server().version());
            return c.client().version();
        }
    }

    private static OptionsLoopback.Setup noCompatibleNegotiation() {
        return s -> s.setOption(QuicSocketOptions.CONFIG,
                s.getOption(QuicSocketOptions.CONFIG).withDisableCompatibleVersion(true));
    }

    @Test
    void disableCompatibleVersionKeepsTheConnectionOnItsFirstVersion() throws Exception {
        assertEquals(QuicVersion.V2, negotiated(OptionsLoopback.Setup.NONE, OptionsLoopback.Setup.NONE),
                "the server moves the client to version 2 (RFC 9368 §2.3)");
        assertEquals(QuicVersion.V1, negotiated(OptionsLoopback.Setup.NONE, noCompatibleNegotiation()),
                "a client that lists no other version stays");
        assertEquals(QuicVersion.V1, negotiated(noCompatibleNegotiation(), OptionsLoopback.Setup.NONE),
                "a server that moves no client");
    }

    @Test
    void aPathMtuProbeIntervalTurnsDiscoveryOn() throws Exception {
        try (OptionsLoopback loopback = OptionsLoopback.listen(OptionsLoopback.Setup.NONE);
             OptionsLoopback.Connection c = loopback.connect(s -> s.setOption(QuicSocketOptions.CONFIG,
                     s.getOption(QuicSocketOptions.CONFIG).withPlpmtudProbeInterval(Duration.ofSeconds(5))),
                     clientTls(), serverTls())) {
            // Loopback carries 9000 bytes, the ceiling discovery takes when none is configured.
            Waits.until("the client's datagrams grew to 9000 bytes",
                    () -> c.client().statistics().maxDatagramSize() == 9000,
                    () -> String.valueOf(c.client().statistics()));
        }
        try (OptionsLoopback loopback = OptionsLoopback.listen(OptionsLoopback.Setup.NONE);
             OptionsLoopback.Connection c = loopback.connect(OptionsLoopback.Setup.NONE, clientTls(), serverTls())) {
            assertEquals(1200, c.client().statistics().maxDatagramSize(), "off by default");
        }
    }

    @Test
    void theInitialRttSetIsTheClientsFirstEstimate() throws Exception {
        try (OptionsLoopback loopback = OptionsLoopback.listen(OptionsLoopback.Setup.NONE);
             QuicSocket client = QuicSocket.open()) {
            client.setOption(QuicSocketOptions.CONFIG,
                    client.getOption(QuicSocketOptions.CONFIG).withInitialSmoothedRtt(Duration.ofMillis(4321)));
            client.connect(loopback.address);
            assertEquals(4_321_000_000L, client.statistics().smoothedRttNanos());
            assertNull(client.getOption(QuicSocketOptions.REMOTE_TRANSPORT_PARAMETERS));
        }
    }
}
