package qsock.tls.simulation;

import qsock.core.connection.QuicConnection;
import qsock.tls.HandshakeDriver;

/** One connection of a simulated host, with its handshake driver, its recorded secrets and its application. */
final class Session {

    final QuicConnection connection;
    final RecordingChannel channel;
    final HandshakeDriver driver;
    final Application application;
    HandshakeDriver.Step lastStep;

    Session(QuicConnection connection, RecordingChannel channel, HandshakeDriver driver, Application application) {
        this.connection = connection;
        this.channel = channel;
        this.driver = driver;
        this.application = application;
    }

    /** Steps the handshake (delegated tasks run inline: the simulation is one thread), then the application. */
    void turn(long now) throws Exception {
        for (int i = 0; i < 8; i++) {
            lastStep = driver.step();
            if (lastStep != HandshakeDriver.Step.TASK_PENDING) {
                break;
            }
            driver.delegatedTask().run();
        }
        if (connection.state().isEstablished()) {
            application.onTurn(connection, now);
        }
    }
}
