package qsock.core.sim.quic;

import java.nio.ByteBuffer;
import java.util.EnumMap;
import java.util.Map;
import java.util.function.LongSupplier;
import qsock.core.connection.QuicConnection;
import qsock.core.handshake.CipherSuite;
import qsock.core.handshake.EncryptionLevel;
import qsock.core.handshake.KeyDirection;
import qsock.core.handshake.HandshakeChannel;

/**
 * A connection's handshake channel that also keeps the secrets it installs, so that a test can build and
 * protect packets of its own as that endpoint (frame injection), the way a key log would let Wireshark.
 */
public final class RecordingChannel implements HandshakeChannel {

    /** The connection the calls go to. */
    public final QuicConnection connection;
    /** The write secrets installed, by level. */
    public final Map<EncryptionLevel, byte[]> writeSecrets = new EnumMap<>(EncryptionLevel.class);
    /** The read secrets installed, by level. */
    public final Map<EncryptionLevel, byte[]> readSecrets = new EnumMap<>(EncryptionLevel.class);
    /** The cipher suite of the last secret installed, or null before one is. */
    public CipherSuite suite;
    /** Handshake bytes written per level, in total. */
    public final Map<EncryptionLevel, Long> written = new EnumMap<>(EncryptionLevel.class);

    private final LongSupplier clock;

    /** Records the handshake calls to {@code connection}, stamping those that take the time with {@code clock}. */
    public RecordingChannel(QuicConnection connection, LongSupplier clock) {
        this.connection = connection;
        this.clock = clock;
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
        written.merge(level, (long) data.remaining(), Long::sum);
        connection.writeHandshake(level, data, clock.getAsLong());
    }

    @Override
    public void installSecret(EncryptionLevel level, KeyDirection direction, CipherSuite suite, byte[] secret) {
        (direction == KeyDirection.WRITE ? writeSecrets : readSecrets).put(level, secret.clone());
        this.suite = suite;
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
}
