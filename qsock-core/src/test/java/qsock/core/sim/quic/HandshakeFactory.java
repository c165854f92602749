package qsock.core.sim.quic;

import qsock.core.connection.QuicConnection;
import qsock.core.handshake.HandshakeChannel;

/**
 * Starts the handshake of a connection a simulated host opened or accepted: the fixed-secret handshake
 * ({@link FixedSecretHandshake}) in qsock-core's tests, the real TLS engine in qsock-tls's. One factory serves one
 * host, so that a seeded engine draws its randomness from that host's stream alone.
 */
@FunctionalInterface
public interface HandshakeFactory {

    /**
     * {@return the handshake of {@code connection}, not yet stepped}
     *
     * @param connection the connection, client or server side ({@link QuicConnection#isClient()})
     * @param channel the connection's handshake calls, stamped with the host's clock (and recorded, see
     *     {@link RecordingChannel})
     */
    HandshakeStepper start(QuicConnection connection, HandshakeChannel channel);
}
