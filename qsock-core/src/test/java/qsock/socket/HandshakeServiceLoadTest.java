package qsock.socket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The handshake service's consumer side, in qsock-core alone: whose class path holds no provider (qsock-tls is not
 * a dependency of qsock-core), so loading gives the typed NO_SERVICE failure; and the request's checks.
 */
class HandshakeServiceLoadTest {

    @Test
    void noProviderOnThePathGivesNoService() {
        HandshakeFailedException e = assertThrows(HandshakeFailedException.class, HandshakeService::load);
        assertEquals(HandshakeFailure.NO_SERVICE, e.reason());
        assertTrue(e.getMessage().contains("qsock-tls"), e.getMessage());
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
