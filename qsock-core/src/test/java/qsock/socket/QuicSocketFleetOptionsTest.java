package qsock.socket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.channels.AlreadyBoundException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import qsock.api.FleetKeys;
import qsock.socket.QuicLbSettings;

/**
 * When {@link QuicSocketOptions#FLEET_KEYS} and {@link QuicSocketOptions#QUIC_LB} may be set, without a handshake:
 * before bind; the fleet keys again on a bound socket only with the reset key it was bound with; neither on a
 * connection nor on a socket sharing its port; QUIC-LB makes a socket a listener's.
 */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class QuicSocketFleetOptionsTest {

    private static final InetSocketAddress LOOPBACK = new InetSocketAddress("127.0.0.1", 0);

    private static FleetKeys keys(int token, int reset) {
        return FleetKeys.parse("k", "token-key " + "%02x".formatted(token).repeat(16) + "\nstateless-reset-key "
                + "%02x".formatted(reset).repeat(32));
    }

    @Test
    void fleetKeysSetBeforeBindSetTheTokenKeysAndRotateOnlyWithTheSameResetKey() throws Exception {
        try (QuicSocket s = QuicSocket.open()) {
            assertNull(s.getOption(QuicSocketOptions.FLEET_KEYS));
            FleetKeys first = keys(1, 9);
            s.setOption(QuicSocketOptions.FLEET_KEYS, first);
            assertEquals(first.tokenKeys(), s.getOption(QuicSocketOptions.TOKEN_KEYS), "the token keys are the file's");
            s.bind(LOOPBACK);
            s.listen(4);
            FleetKeys rotated = keys(2, 9);
            s.setOption(QuicSocketOptions.FLEET_KEYS, rotated);
            assertSame(rotated, s.getOption(QuicSocketOptions.FLEET_KEYS));
            assertEquals(rotated.tokenKeys(), s.getOption(QuicSocketOptions.TOKEN_KEYS));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> s.setOption(QuicSocketOptions.FLEET_KEYS, keys(3, 8)));
            assertTrue(e.getMessage().contains("stateless reset key"), e.getMessage());
            assertSame(rotated, s.getOption(QuicSocketOptions.FLEET_KEYS), "a refused file changed nothing");
        }
    }

    @Test
    void fleetKeysAreRefusedOnASocketBoundWithoutThemOnAConnectionAndWithASharedPort() throws Exception {
        try (QuicSocket s = QuicSocket.open()) {
            s.bind(LOOPBACK);
            assertThrows(IllegalStateException.class, () -> s.setOption(QuicSocketOptions.FLEET_KEYS, keys(1, 1)));
        }
        try (QuicSocket listener = QuicSocket.open().bind(LOOPBACK); QuicSocket client = QuicSocket.open()) {
            listener.listen(4);
            client.connect(listener.localAddress());
            assertThrows(IllegalStateException.class,
                    () -> client.setOption(QuicSocketOptions.FLEET_KEYS, keys(1, 1)));
        }
        try (QuicSocket s = QuicSocket.open()) {
            s.setOption(QuicSocketOptions.ALPN, List.of("smbd"));
            s.setOption(QuicSocketOptions.FLEET_KEYS, keys(1, 1));
            assertThrows(IllegalStateException.class, () -> s.bind(LOOPBACK));
        }
    }

    @Test
    void quicLbIsSetBeforeBindAndForbidsConnectAndPortSharing() throws Exception {
        QuicLbSettings lb = new QuicLbSettings(new byte[] {1, 2}, 6, 1, new byte[16]);
        try (QuicSocket s = QuicSocket.open()) {
            s.setOption(QuicSocketOptions.QUIC_LB, lb);
            assertEquals(lb, s.getOption(QuicSocketOptions.QUIC_LB));
            s.bind(LOOPBACK);
            assertThrows(AlreadyBoundException.class, () -> s.setOption(QuicSocketOptions.QUIC_LB, lb));
            assertThrows(IllegalStateException.class, () -> s.connect(new InetSocketAddress("127.0.0.1", 9)));
        }
        try (QuicSocket s = QuicSocket.open()) {
            s.setOption(QuicSocketOptions.QUIC_LB, lb);
            s.setOption(QuicSocketOptions.REUSE_PORT, true);
            assertThrows(IllegalStateException.class, () -> s.bind(LOOPBACK));
        }
    }
}
