package qsock.tools.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.SocketTimeoutException;
import org.junit.jupiter.api.Test;
import qsock.core.error.ConnectionError;
import qsock.core.error.TransportErrorCode;
import qsock.api.QuicVersion;

class ConnectionFailureTest {

    private static final ConnectionError VN = new ConnectionError(ConnectionError.Kind.VERSION_NEGOTIATION, 0, 0,
            "the server offers 0x1a2a3a4a, none of ours", true);

    @Test
    void namesWhatHappenedInAUsersTerms() {
        assertEquals("no QUIC version in common: this client speaks 0x00000001 (QUIC v1), and the server answered "
                + "with Version Negotiation (VERSION_NEGOTIATION: the server offers 0x1a2a3a4a, none of ours)",
                ConnectionFailure.describe(VN, QuicVersion.V1));
        assertEquals("the server reset the connection (a stateless reset: it has no state for it)",
                ConnectionFailure.describe(new ConnectionError(ConnectionError.Kind.STATELESS_RESET, 0, 0, "", true),
                        QuicVersion.V1));
        assertEquals("the server stopped answering (idle timeout)", ConnectionFailure.describe(
                new ConnectionError(ConnectionError.Kind.IDLE_TIMEOUT, 0, 0, "", false), QuicVersion.V1));
        assertEquals("the server closed the connection: peer application close 3: a\\nb", ConnectionFailure.describe(
                ConnectionError.application(3, "a\nb", true), QuicVersion.V1));
        assertEquals("the connection ended: local transport error PROTOCOL_VIOLATION", ConnectionFailure.describe(
                ConnectionError.transport(TransportErrorCode.PROTOCOL_VIOLATION, 0, "", false), QuicVersion.V1));
    }

    @Test
    void certificateRequiredFromTheServerAsksForAClientCertificate() {
        ConnectionError required = ConnectionError.transport(new TransportErrorCode(0x100 + 116), 0,
                "the client sent no certificate", true);
        String said = ConnectionFailure.describe(required, QuicVersion.V1);
        assertTrue(said.startsWith("the server requires a client certificate that it accepts (TLS alert "
                + "certificate_required(116); give --cert and --key)"), said);
        // The same words when the close overtakes the end of the client's handshake.
        assertEquals(said, ConnectionFailure.describeRefusal(required, false));
        assertEquals("the connection ended: local transport error CRYPTO_ERROR(alert 116)", ConnectionFailure.describe(
                ConnectionError.transport(new TransportErrorCode(0x174), 0, "", false), QuicVersion.V1));
    }

    @Test
    void aCloseExplainsATimeoutUnlessItIsTheHandshakesOwn() {
        SocketTimeoutException timeout = new SocketTimeoutException("QUIC client handshake timed out after PT10S");
        assertTrue(ConnectionFailure.explainsHandshakeFailure(VN, timeout), "a Version Negotiation the wait missed");
        assertTrue(ConnectionFailure.explainsHandshakeFailure(
                ConnectionError.transport(TransportErrorCode.PROTOCOL_VIOLATION, 0, "", false), timeout));
        assertFalse(ConnectionFailure.explainsHandshakeFailure(
                ConnectionError.application(0, "handshake timeout", false), timeout), "the handshake's own close");
        assertFalse(ConnectionFailure.explainsHandshakeFailure(null, timeout));
    }

    @Test
    void aTlsFailureNamesItsAlertItself() {
        IOException failed = new IOException("QUIC client handshake failed: peer sent TLS alert unknown_ca(48)");
        assertFalse(ConnectionFailure.explainsHandshakeFailure(
                ConnectionError.transport(new TransportErrorCode(0x130), 0, "", true), failed));
        assertTrue(ConnectionFailure.explainsHandshakeFailure(VN, failed), "these words are clearer");
    }

    @Test
    void aRefusedPreSharedKeyNamesTheAlertAndTheOptionToCheck() {
        ConnectionError unknown = ConnectionError.transport(new TransportErrorCode(0x100 + 115), 0,
                "none of the 1 offered PSK identities is known", true);
        String said = ConnectionFailure.describeRefusal(unknown, true);
        assertTrue(said.startsWith("the server knows no pre-shared key of the identity offered (TLS alert "
                + "unknown_psk_identity(115); check --psk-identity)"), said);
        ConnectionError binder = ConnectionError.transport(new TransportErrorCode(0x100 + 51), 0, "", true);
        assertTrue(ConnectionFailure.describeRefusal(binder, true).startsWith(
                "the server holds another key for this PSK identity: the binder did not verify (TLS alert "
                        + "decrypt_error(51); check --psk-key-file or --psk-keyring)"));
        ConnectionError failure = ConnectionError.transport(new TransportErrorCode(0x100 + 40), 0, "", true);
        assertTrue(ConnectionFailure.describeRefusal(failure, true).contains("handshake_failure(40); no PSK key "
                + "exchange mode, see --psk-ke, or cipher suite in common"));
        // Without a PSK offered, decrypt_error and handshake_failure have other causes: no PSK words.
        assertEquals(null, ConnectionFailure.describeRefusal(binder, false));
        assertEquals(null, ConnectionFailure.describeRefusal(failure, false));
        // Our own alert, another kind of close, or none: not the server's refusal.
        assertEquals(null, ConnectionFailure.describeRefusal(
                ConnectionError.transport(new TransportErrorCode(0x100 + 115), 0, "", false), true));
        assertEquals(null, ConnectionFailure.describeRefusal(ConnectionError.application(0x173, "", true), true));
        assertEquals(null, ConnectionFailure.describeRefusal(null, true));
    }
}
