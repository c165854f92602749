package qsock.interop.agent15;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Objects;
import qsock.core.error.ConnectionError;
import qsock.api.ConnectionState;
import qsock.core.handshake.CipherSuite;
import qsock.core.handshake.EncryptionLevel;
import qsock.core.handshake.KeyDirection;
import qsock.core.handshake.HandshakeChannel;
import qsock.socket.QuicSocket;
import tech.kwik.agent15.TlsProtocolException;
import tech.kwik.agent15.alert.ErrorAlert;
import tech.kwik.agent15.engine.MessageProcessor;
import tech.kwik.agent15.engine.TlsMessageParser;

/**
 * One TLS handshake run by Kwik's TLS engine, agent15, over a qsock connection's {@link HandshakeChannel}
 * instead of qsock-tls: the proof that the channel is all a TLS 1.3 engine needs (DESIGN.md, "How the
 * handshake is driven"). The calling thread runs the handshake to its end: received CRYPTO bytes go from
 * {@link HandshakeChannel#readHandshake} to agent15 as whole messages with the keys they came under,
 * agent15's messages go back through {@link HandshakeChannel#writeHandshake} at their level, its secrets
 * through {@link HandshakeChannel#installSecret} in the order it produces them, and the transport parameters
 * travel as the quic_transport_parameters extension. Besides the channel, only the socket's waiting
 * ({@link QuicSocket#awaitHandshakeInput}) and its state and close reason are used.
 *
 * <p>agent15 has no notion of QUIC: ALPN and transport parameters, which RFC 9001 §8 makes mandatory, are
 * enforced here, in the status callbacks agent15 calls with the peer's extensions.
 */
abstract sealed class Agent15Handshake permits Agent15ClientHandshake, Agent15ServerHandshake {

    private static final int READ_CHUNK = 16 * 1024;

    /** The connection: waited on, and closed on a timeout. */
    final QuicSocket socket;
    /** The same connection as the handshake channel: everything TLS exchanges with it goes through this. */
    final HandshakeChannel channel;
    private final HandshakeMessageFramer framer = new HandshakeMessageFramer();
    private final TlsMessageParser parser = new TlsMessageParser();
    private final ByteBuffer input = ByteBuffer.allocate(READ_CHUNK);
    private CipherSuite cipherSuite;
    private String applicationProtocol;
    private boolean complete;

    Agent15Handshake(QuicSocket socket, boolean client) {
        this.socket = Objects.requireNonNull(socket, "socket");
        this.channel = socket.handshakeChannel();
        if (channel.isClient() != client) {
            throw new IllegalArgumentException("a " + side(client) + " handshake needs a " + side(client) + " connection");
        }
    }

    /** {@return agent15's engine, which processes the peer's messages} */
    abstract MessageProcessor engine();

    /** Starts the handshake before anything is read: the client sends its ClientHello. */
    abstract void start() throws TlsProtocolException, IOException;

    /** Called after each message agent15 processed: a chance to hand over secrets it has no event for. */
    void afterMessage() {}

    /**
     * Runs the handshake; returns once the connection is established.
     *
     * @throws IOException naming the alert if the handshake failed on either side, a
     *     {@link SocketTimeoutException} (after closing the connection) if it took longer than {@code timeout}
     */
    final void run(Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            try {
                start();
            } catch (IOException e) {
                // Our senders throw nothing: an IOException comes from agent15 itself.
                throw new TlsProtocolException("agent15 could not start the handshake", e);
            }
            while (true) {
                readAndProcess();
                if (complete) {
                    break;
                }
                if (!channel.isHandshaking()) {
                    throw closed();
                }
                awaitInput(deadline, timeout);
            }
        } catch (ErrorAlert alert) {
            throw fail(Agent15Codes.alert(alert.alertDescription()), alert);
        } catch (TlsProtocolException e) {
            // agent15 failed without naming an alert.
            throw fail(Agent15Codes.INTERNAL_ERROR, e);
        }
        // A client is established once its side completed; a server once it confirmed. Either may close first.
        while (!isEstablished(socket.state())) {
            if (socket.state().isClosingOrClosed()) {
                throw closed();
            }
            awaitInput(deadline, timeout);
        }
    }

    private void readAndProcess() throws TlsProtocolException {
        // Everything that has arrived: awaitHandshakeInput waits for packets after the last read.
        while (true) {
            input.clear();
            EncryptionLevel level = channel.readHandshake(input);
            if (level == null) {
                return;
            }
            framer.add(level, input.flip());
            for (ByteBuffer message = framer.next(level); message != null; message = framer.next(level)) {
                process(level, message);
            }
        }
    }

    private void process(EncryptionLevel level, ByteBuffer message) throws TlsProtocolException {
        try {
            parser.parseAndProcessHandshakeMessage(message, engine(), Agent15Codes.protection(level));
        } catch (IOException e) {
            throw new TlsProtocolException("agent15 failed on a " + level + " message", e);
        } catch (RuntimeException e) {
            // agent15's parsers are not all guarded against short input.
            throw new TlsProtocolException("agent15 failed on a " + level + " message: " + e, e);
        }
        afterMessage();
    }

    private void awaitInput(long deadline, Duration timeout) throws IOException {
        long remaining = deadline - System.nanoTime();
        if (remaining <= 0 || !socket.awaitHandshakeInput(remaining)) {
            socket.close(0, "handshake timeout");
            throw new SocketTimeoutException("agent15 " + side(channel.isClient()) + " handshake timed out after " + timeout);
        }
    }

    private IOException fail(int alert, TlsProtocolException cause) {
        // RFC 9001 §4.8: the transport closes with CRYPTO_ERROR 0x0100 + alert.
        channel.handshakeFailed(alert, cause.getMessage() == null ? "" : cause.getMessage());
        return new IOException("agent15 " + side(channel.isClient()) + " handshake failed: sent TLS alert " + alert + ": "
                + cause.getMessage(), cause);
    }

    private IOException closed() {
        ConnectionError error = socket.closeError();
        return new IOException("agent15 " + side(channel.isClient()) + " handshake failed: "
                + (error == null ? "connection " + socket.state() : error));
    }

    private static boolean isEstablished(ConnectionState state) {
        return state != null && state.isEstablished();
    }

    private static String side(boolean client) {
        return client ? "client" : "server";
    }

    /** Writes a message agent15 produced at {@code level}. */
    final void write(EncryptionLevel level, byte[] message) {
        channel.writeHandshake(level, ByteBuffer.wrap(message));
    }

    /** Installs one secret agent15 derived, under the suite it negotiated. */
    final void install(EncryptionLevel level, KeyDirection direction, byte[] secret) {
        channel.installSecret(level, direction, cipherSuite, secret);
    }

    /** Records the suite agent15 negotiated, once the peer's hello is known. */
    final void negotiated(tech.kwik.agent15.TlsConstants.CipherSuite suite) {
        cipherSuite = Agent15Codes.cipherSuite(suite);
    }

    /** Records the agreed ALPN protocol, which the channel hears of at completion. */
    final void agreed(String protocol) {
        applicationProtocol = protocol;
    }

    /** Says that agent15 completed the handshake on this side. */
    final void completed() {
        complete = true;
        channel.handshakeComplete(applicationProtocol);
    }

    /** {@return the cipher suite agent15 negotiated, or null before the hellos} */
    final CipherSuite cipherSuite() {
        return cipherSuite;
    }

    /** {@return the ALPN protocol agreed, or null before the extensions} */
    final String applicationProtocol() {
        return applicationProtocol;
    }
}
