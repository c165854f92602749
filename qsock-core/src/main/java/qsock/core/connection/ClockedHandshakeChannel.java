package qsock.core.connection;

import java.nio.ByteBuffer;
import java.util.Objects;
import java.util.function.LongSupplier;
import qsock.core.handshake.CipherSuite;
import qsock.core.handshake.EncryptionLevel;
import qsock.core.handshake.KeyDirection;
import qsock.core.handshake.HandshakeChannel;

/**
 * A connection's handshake calls as a {@link HandshakeChannel}: a TLS engine speaks the channel, which has no
 * time in it, while the connection takes the time of every call that can move a deadline; the clock given here
 * supplies it (the simulation's virtual clock, or the runtime's).
 */
final class ClockedHandshakeChannel implements HandshakeChannel {
    private final QuicConnection connection;
    private final LongSupplier clock;

    ClockedHandshakeChannel(QuicConnection connection, LongSupplier clock) {
        this.connection = Objects.requireNonNull(connection, "connection");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    @Override
    public boolean isClient() {
        return connection.isClient();
    }

    @Override
    public EncryptionLevel readHandshake(ByteBuffer dst) {
        return connection.readHandshake(dst);
    }

    @Override
    public void writeHandshake(EncryptionLevel level, ByteBuffer data) {
        connection.writeHandshake(level, data, clock.getAsLong());
    }

    @Override
    public void installSecret(EncryptionLevel level, KeyDirection direction, CipherSuite suite, byte[] secret) {
        connection.installSecret(level, direction, suite, secret, clock.getAsLong());
    }

    @Override
    public byte[] localTransportParameters() {
        return connection.localTransportParameters();
    }

    @Override
    public void peerTransportParameters(byte[] encoded) {
        connection.peerTransportParameters(encoded, clock.getAsLong());
    }

    @Override
    public void handshakeComplete(String applicationProtocol) {
        connection.handshakeComplete(applicationProtocol, clock.getAsLong());
    }

    @Override
    public void handshakeFailed(int alert, String reason) {
        connection.handshakeFailed(alert, reason, clock.getAsLong());
    }

    @Override
    public void protocolViolation(String reason) {
        connection.handshakeViolation(reason, clock.getAsLong());
    }

    @Override
    public void earlyDataAttempt(byte[] rememberedTransportParameters) {
        connection.earlyDataAttempt(rememberedTransportParameters, clock.getAsLong());
    }

    @Override
    public void earlyDataStatus(boolean accepted) {
        connection.earlyDataStatus(accepted, clock.getAsLong());
    }

    @Override
    public boolean isHandshaking() {
        return connection.isHandshaking();
    }

    @Override
    public int handshakeAttempt() {
        return connection.handshakeAttempt();
    }

    @Override
    public int quicVersion() {
        return connection.version().wireValue();
    }

    @Override
    public String toString() {
        return "handshake channel of " + connection;
    }
}
