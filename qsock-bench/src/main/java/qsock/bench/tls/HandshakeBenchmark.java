package qsock.bench.tls;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import qsock.tls.ClientTickets;
import qsock.tls.Credential;
import qsock.tls.ExternalPsk;
import qsock.tls.PskKeyring;
import qsock.tls.ServerTickets;
import qsock.tls.TlsAlertException;
import qsock.tls.TlsClientConfig;
import qsock.tls.TlsEngine;
import qsock.tls.TlsEvent;
import qsock.tls.TlsServerConfig;
import qsock.tls.cert.CertificateValidator;
import qsock.tls.cert.PemFiles;
import qsock.tls.jca.NamedGroup;

/**
 * What one TLS 1.3 handshake costs the CPU, client and server engines together, in memory (no transport, no
 * packet protection): a full handshake with an ECDSA P-256 certificate validated against its CA, per key exchange
 * group (the hybrid X25519MLKEM768 against x25519 and secp256r1), a resumption with a session ticket from the
 * previous handshake (psk_dhe_ke over x25519), and an external pre-shared key (psk_dhe_ke over x25519). The
 * inverse is the handshakes per second one core completes.
 *
 * <p>{@code scripts/bench HandshakeBenchmark -f 3 -wi 5 -i 5 -w 1 -r 1}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(3)
public class HandshakeBenchmark {

    /** What kind of handshake. */
    public enum Kind {
        /** Full handshake, certificate, x25519. */
        FULL_X25519(NamedGroup.X25519),
        /** Full handshake, certificate, secp256r1. */
        FULL_SECP256R1(NamedGroup.SECP256R1),
        /** Full handshake, certificate, X25519MLKEM768 (the default first group). */
        FULL_X25519MLKEM768(NamedGroup.X25519MLKEM768),
        /** Resumption with the ticket of the previous handshake, psk_dhe_ke over x25519. */
        RESUMED_X25519(NamedGroup.X25519),
        /** External pre-shared key, psk_dhe_ke over x25519, no certificate. */
        EXTERNAL_PSK_X25519(NamedGroup.X25519);

        final NamedGroup group;

        Kind(NamedGroup group) {
            this.group = group;
        }
    }

    /** Any well-formed transport parameters: the engines carry them and do not read them. */
    private static final byte[] TRANSPORT_PARAMETERS = HexFormat.of().parseHex("0104800075300408800000000f00");
    private static final int MAX_ROUNDS = 64;

    @Param
    public Kind kind;

    private TlsClientConfig client;
    private TlsServerConfig server;
    private final SecureRandom random = new SecureRandom();

    @Setup
    public void setUp() throws IOException, TlsAlertException {
        NamedGroup group = kind.group;
        TlsClientConfig.Builder c = TlsClientConfig.builder().serverName("localhost").applicationProtocols("bench")
                .groups(group);
        TlsServerConfig.Builder s;
        if (kind == Kind.EXTERNAL_PSK_X25519) {
            byte[] key = new byte[32];
            random.nextBytes(key);
            ExternalPsk psk = new ExternalPsk("bench", key);
            s = TlsServerConfig.builder(PskKeyring.of(psk));
            c.externalPsk(psk).insecure();
        } else {
            Credential credential;
            try (InputStream chain = resource("ecdsa-p256-chain.pem"); InputStream key = resource("ecdsa-p256-leaf.key")) {
                credential = new Credential(PemFiles.readCertificates(chain), PemFiles.readPrivateKey(key));
            }
            try (InputStream ca = resource("ecdsa-p256-ca.pem")) {
                c.certificateValidator(CertificateValidator.forTrustedCertificates(PemFiles.readCertificates(ca)));
            }
            s = TlsServerConfig.builder(credential);
        }
        s.applicationProtocols("bench").groups(group);
        if (kind == Kind.RESUMED_X25519) {
            s.tickets(ServerTickets.defaults());
            c.tickets(ClientTickets.defaults());
        }
        client = c.build();
        server = s.build();
        if (kind == Kind.RESUMED_X25519) {
            run(); // the first ticket; each resumed handshake leaves the next one
        }
    }

    private static InputStream resource(String name) throws IOException {
        InputStream in = HandshakeBenchmark.class.getResourceAsStream(name);
        if (in == null) {
            throw new IOException("missing resource " + name);
        }
        return in;
    }

    /** {@return whether the client's handshake resumed} One complete handshake between fresh engines. */
    @Benchmark
    public boolean handshake() throws TlsAlertException {
        boolean resumed = run();
        if (kind == Kind.RESUMED_X25519 && !resumed) {
            throw new IllegalStateException("the handshake did not resume");
        }
        return resumed;
    }

    private boolean run() throws TlsAlertException {
        TlsEngine c = TlsEngine.client(client, random, TRANSPORT_PARAMETERS);
        TlsEngine s = TlsEngine.server(server, random, TRANSPORT_PARAMETERS);
        for (int round = 0; round < MAX_ROUNDS; round++) {
            boolean moved = pump(c, s) | pump(s, c);
            if (!moved && c.status() == TlsEngine.Status.COMPLETE && s.status() == TlsEngine.Status.COMPLETE) {
                return c.resumed();
            }
        }
        throw new IllegalStateException("no handshake after " + MAX_ROUNDS + " rounds: " + c + ", " + s);
    }

    /** Runs {@code from}'s delegated tasks and hands its handshake bytes to {@code to}; {@return whether any moved} */
    private static boolean pump(TlsEngine from, TlsEngine to) throws TlsAlertException {
        boolean moved = false;
        while (from.status() == TlsEngine.Status.TASK_PENDING) {
            from.delegatedTask().run();
            from.resume();
        }
        for (TlsEvent e = from.poll(); e != null; e = from.poll()) {
            if (e instanceof TlsEvent.HandshakeData d) {
                to.receive(d.level(), ByteBuffer.wrap(d.data()));
                moved = true;
            }
        }
        return moved;
    }
}
