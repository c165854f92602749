package qsock.core.sim.quic;

import java.util.function.LongSupplier;
import qsock.core.connection.QuicConnection;

/** One connection of a simulated host, with its handshake, its recorded secrets and its application. */
public final class Session {

    /** The connection. */
    public final QuicConnection connection;
    /** Its handshake channel, which keeps the secrets installed. */
    public final RecordingChannel channel;
    /** Its handshake, stepped on every turn. */
    public final HandshakeStepper handshake;
    /** Its application, which gets a turn once the handshake is complete, or a server may send 0.5-RTT data. */
    public final Application application;

    /**
     * Starts the handshake of {@code connection} with {@code handshakes}, over a recording channel whose calls take
     * their time from {@code clock} (the host's).
     */
    public Session(QuicConnection connection, LongSupplier clock, HandshakeFactory handshakes,
                   Application application) {
        this.connection = connection;
        this.channel = new RecordingChannel(connection, clock);
        this.handshake = handshakes.start(connection, channel);
        this.application = application;
    }

    /**
     * Steps the handshake, then the application once the connection is established, or earlier on a server that may
     * send 0.5-RTT data ({@link QuicConnection#canSendHalfRtt()}).
     */
    public void turn(long now) throws Exception {
        handshake.step();
        if (connection.state().isEstablished() || connection.canSendHalfRtt()) {
            application.onTurn(connection, now);
        }
    }
}
