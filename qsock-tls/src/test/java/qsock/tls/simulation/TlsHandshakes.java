package qsock.tls.simulation;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import qsock.core.connection.QuicConnection;
import qsock.core.handshake.HandshakeChannel;
import qsock.core.sim.quic.ConnectionPair;
import qsock.core.sim.quic.HandshakeFactory;
import qsock.core.sim.quic.HandshakeStepper;
import qsock.tls.Credential;
import qsock.tls.HandshakeDriver;
import qsock.tls.TlsClientConfig;
import qsock.tls.TlsServerConfig;
import qsock.tls.cert.CertificateValidator;
import qsock.tls.cert.TestPki;

/**
 * The real TLS engine as a simulated host's handshake: a {@link HandshakeDriver} per connection, client or server as
 * the connection is, its delegated tasks run inline (the simulation is one thread). {@link #pair} gives a
 * {@link ConnectionPair} builder whose two hosts run it over a test PKI, each with its own seeded randomness.
 */
final class TlsHandshakes implements HandshakeFactory {

    /** The PKI of a pair unless a test names another. */
    static final String DEFAULT_PKI = "ecdsa-p256";

    private final TlsClientConfig clientTls;
    private final TlsServerConfig serverTls;
    private final SecureRandom random;
    /** The drivers this factory started, so that a test can look at their engines afterwards. */
    final List<HandshakeDriver> started;

    TlsHandshakes(TlsClientConfig clientTls, TlsServerConfig serverTls, SecureRandom random) {
        this(clientTls, serverTls, random, null);
    }

    TlsHandshakes(TlsClientConfig clientTls, TlsServerConfig serverTls, SecureRandom random,
                  List<HandshakeDriver> started) {
        this.clientTls = clientTls;
        this.serverTls = serverTls;
        this.random = random;
        this.started = started != null ? started : new ArrayList<>();
    }

    /** {@return a builder of a pair drawn from {@code seed} whose handshakes run the TLS engine over the default PKI} */
    static ConnectionPair.Builder pair(long seed) {
        return pair(seed, DEFAULT_PKI);
    }

    /** {@return a builder of a pair drawn from {@code seed} whose handshakes run the TLS engine over {@code pki}} */
    static ConnectionPair.Builder pair(long seed, String pki) {
        return pair(seed, pki, null);
    }

    /**
     * {@return a builder of a pair as {@link #pair(long, String)} gives} whose handshake drivers, once started, are
     * added to {@code started} (when not null), so that a test can ask their engines what they negotiated
     */
    static ConnectionPair.Builder pair(long seed, String pki, List<HandshakeDriver> started) {
        TlsClientConfig clientTls = TlsClientConfig.builder().serverName("localhost")
                .applicationProtocols("hq-interop", "echo")
                .certificateValidator(CertificateValidator.forTrustedCertificates(List.of(TestPki.ca(pki))))
                .build();
        TlsServerConfig serverTls = TlsServerConfig.builder(new Credential(TestPki.chain(pki), TestPki.leafKey(pki)))
                .applicationProtocols("echo", "hq-interop").build();
        return ConnectionPair.builder(seed).handshakes(
                new TlsHandshakes(clientTls, null, TestPki.seeded(seed * 31 + 1), started),
                new TlsHandshakes(null, serverTls, TestPki.seeded(seed * 31 + 2), started));
    }

    @Override
    public HandshakeStepper start(QuicConnection connection, HandshakeChannel channel) {
        HandshakeDriver driver = connection.isClient() ? HandshakeDriver.client(channel, clientTls, random)
                : HandshakeDriver.server(channel, serverTls, random);
        started.add(driver);
        return () -> step(driver);
    }

    /** Steps {@code driver}, running the tasks it delegates inline, a bounded number of them. */
    static void step(HandshakeDriver driver) {
        for (int i = 0; i < 8; i++) {
            if (driver.step() != HandshakeDriver.Step.TASK_PENDING) {
                return;
            }
            driver.delegatedTask().run();
        }
    }
}
