package qsock.tls.socket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import qsock.api.ConnectionConfig;
import qsock.api.ConnectionState;
import qsock.core.endpoint.EndpointConfig;
import qsock.socket.QuicSocket;
import qsock.tls.QuicHandshake;
import qsock.tls.cert.TestPki;
import qsock.tls.simulation.ClientInitials;

/**
 * A listener that a flood of valid Initials fills past its bound on half-open connections drops the oldest,
 * even one accepted and handshaking: the blocked server handshake on it wakes at once with an error that
 * says why, instead of waiting for its timeout.
 */
class HalfOpenEvictionSocketTest {

    @Test
    void anAcceptedConnectionDroppedForNewcomersFailsItsHandshakeAtOnce() throws Exception {
        int bound = EndpointConfig.DEFAULT_MAX_HALF_OPEN_CONNECTIONS;
        // A backlog above the bound, so that the bound, not the queue, makes the room.
        try (Loopback loopback = Loopback.listen("127.0.0.1", ConnectionConfig.defaults(), 2 * bound);
             DatagramChannel attacker = DatagramChannel.open()) {
            // Retry would answer the flood past its threshold (RFC 9000 §8.1.2) before the bound is reached: off here,
            // so that the bound itself is tested.
            loopback.listener.setOption(qsock.socket.QuicSocketOptions.RETRY_THRESHOLD, Integer.MAX_VALUE);
            loopback.listener.listen(2 * bound);
            attacker.bind(new InetSocketAddress("127.0.0.1", 0));
            ClientInitials initials = new ClientInitials(new SplittableRandom(1), TestPki.seeded(2), Loopback.PKI);
            ByteBuffer d = ByteBuffer.allocate(1500);
            attacker.send(initials.next(d), loopback.address);
            QuicSocket accepted = loopback.listener.accept();
            // Its flight goes to the attacker, who never answers: the handshake waits for input, far longer
            // than this test runs unless something wakes it.
            Future<Void> handshake = loopback.background(() -> {
                QuicHandshake.serverHandshake(accepted, Loopback.serverTls(), Duration.ofMinutes(5));
                return null;
            });
            // Newcomers, left in the accept queue, fill the bound: the oldest half-open connection goes.
            for (int sent = 1; !handshake.isDone() && sent < 20 * bound; sent++) {
                attacker.send(initials.next(d), loopback.address);
            }
            ExecutionException failed = assertThrows(ExecutionException.class,
                    () -> handshake.get(30, TimeUnit.SECONDS));
            Throwable cause = failed.getCause();
            assertTrue(cause instanceof IOException && !(cause instanceof SocketTimeoutException), cause.toString());
            assertTrue(cause.getMessage().contains("CONNECTION_REFUSED") && cause.getMessage().contains("half-open"),
                    cause.getMessage());
            assertEquals(ConnectionState.CLOSED, accepted.state());
            assertFalse(accepted.closeError().byPeer());
            accepted.close();
        }
    }
}
