package qsock.socket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The handshake service's consumer side, in qsock-core alone: whose class path holds no provider (qsock-tls is not
 * a dependency of qsock-core), so loading gives the typed NO_SERVICE failure unless a daemon is named; and the
 * request's checks.
 */
class HandshakeServiceLoadTest {

    @Test
    void noProviderOnThePathGivesNoService() {
        HandshakeFailedException e = assertThrows(HandshakeFailedException.class, HandshakeService::load);
        assertEquals(HandshakeFailure.NO_SERVICE, e.reason());
        assertTrue(e.getMessage().contains("qsock-tls"), e.getMessage());
    }

    @Test
    void systemPropertyNamesTheDaemonBeforeAnyProvider() throws Exception {
        Path socket = Path.of(System.getProperty("java.io.tmpdir"), "qsock-no-daemon-" + ProcessHandle.current().pid()
                + ".sock");
        System.setProperty(HandshakeService.PROPERTY, socket.toString());
        HandshakeService service;
        try {
            service = HandshakeService.load();
        } finally {
            System.clearProperty(HandshakeService.PROPERTY);
        }
        assertInstanceOf(RemoteHandshakeService.class, service);
        // No daemon listens there: the handshake fails at once, typed, naming the path, and closes the socket.
        try (QuicSocket client = QuicSocket.open()) {
            client.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), 9));
            HandshakeFailedException e = assertThrows(HandshakeFailedException.class,
                    () -> service.clientHandshake(client, HandshakeRequest.x509("localhost"), Duration.ofMinutes(5)));
            assertEquals(HandshakeFailure.NO_SERVICE, e.reason());
            assertTrue(e.getMessage().contains(socket.toString()), e.getMessage());
            assertTrue(client.state().isClosingOrClosed(), client.state().toString());
        }
    }

    @Test
    void emptySystemPropertyNamesNoDaemon() {
        System.setProperty(HandshakeService.PROPERTY, "");
        try {
            assertEquals(HandshakeFailure.NO_SERVICE,
                    assertThrows(HandshakeFailedException.class, HandshakeService::load).reason());
        } finally {
            System.clearProperty(HandshakeService.PROPERTY);
        }
    }

    @Test
    void requestFactoriesFillTheirField() {
        assertEquals(new HandshakeRequest("nfs.example", null, List.of()), HandshakeRequest.x509("nfs.example"));
        assertEquals(new HandshakeRequest(null, "key-1", List.of("smb")),
                HandshakeRequest.psk("key-1").withApplicationProtocols("smb"));
    }

    @Test
    void requestRefusesEmptyNamesAndBadAlpns() {
        assertThrows(IllegalArgumentException.class, () -> new HandshakeRequest("", null, List.of()));
        assertThrows(IllegalArgumentException.class, () -> new HandshakeRequest(null, "", List.of()));
        // RFC 7301 §3.1: protocol names are 1-255 bytes.
        assertThrows(IllegalArgumentException.class, () -> HandshakeRequest.anyPeer().withApplicationProtocols(""));
        assertThrows(IllegalArgumentException.class,
                () -> HandshakeRequest.anyPeer().withApplicationProtocols("x".repeat(256)));
        assertEquals(List.of("x".repeat(255)),
                HandshakeRequest.anyPeer().withApplicationProtocols("x".repeat(255)).applicationProtocols());
    }
}
