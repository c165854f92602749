package qsock.tls.interop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.util.List;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import qsock.core.handshake.EncryptionLevel;
import qsock.tls.extension.KeyShareClientHello;
import qsock.tls.extension.KeyShareHelloRetryRequest;
import qsock.tls.jca.NamedGroup;
import qsock.tls.message.ClientHello;
import qsock.tls.message.FramedMessage;
import qsock.tls.message.HandshakeCodec;
import qsock.tls.message.HandshakeType;
import qsock.tls.message.ServerHello;

/**
 * HelloRetryRequest (RFC 8446 §4.1.4) against the JDK's SunJSSE over loopback TCP, forced by group
 * preferences both ways: JSSE shares only its most preferred group.
 */
@Timeout(30)
class JsseHelloRetryTest extends PeerTestBase {

    @Test
    void qsockClientRetriesWithTheGroupTheJsseServerAccepts() throws Exception {
        SSLContext context = Jsse.context("ecdsa-p256");
        try (SSLServerSocket listener = Jsse.listen(context,
                Jsse.parameters(context, Jsse.TLS13, null, NamedGroup.SECP256R1))) {
            Future<byte[]> serverRun = peers.submit(() -> {
                try (SSLSocket socket = (SSLSocket) listener.accept()) {
                    socket.setSoTimeout(QsockEndpoints.SOCKET_TIMEOUT_MILLIS);
                    byte[] received = socket.getInputStream().readNBytes(2);
                    socket.getOutputStream().write(new byte[] {3, 4});
                    socket.getOutputStream().flush();
                    return received;
                }
            });
            TlsRecordLayer client = QsockEndpoints.connect(listener.getLocalPort(), QsockEndpoints.client("ecdsa-p256")
                    .groups(NamedGroup.X25519, NamedGroup.SECP256R1).keyShareGroups(NamedGroup.X25519).build(), 51);
            try (client) {
                client.handshake();
                client.write(new byte[] {1, 2});
                assertArrayEquals(new byte[] {3, 4}, client.read(2));
            }
            assertArrayEquals(new byte[] {1, 2}, serverRun.get(20, TimeUnit.SECONDS));
            List<FramedMessage> received = client.handshakeMessagesReceived(EncryptionLevel.INITIAL);
            assertEquals(List.of(HandshakeType.SERVER_HELLO, HandshakeType.SERVER_HELLO), Hellos.types(received));
            ServerHello retry = (ServerHello) HandshakeCodec.decode(received.get(0), 0);
            assertTrue(retry.isHelloRetryRequest());
            assertEquals(NamedGroup.SECP256R1.code(),
                    retry.extension(KeyShareHelloRetryRequest.class).orElseThrow().selectedGroup());
            assertEquals(NamedGroup.SECP256R1, client.engine().keyExchangeGroup());
        }
    }

    @Test
    void jsseClientRetriesWithTheGroupTheQsockServerAccepts() throws Exception {
        SSLContext context = Jsse.context("ecdsa-p256");
        SSLParameters parameters = Jsse.parameters(context, Jsse.TLS13, null, null);
        parameters.setNamedGroups(new String[] {"secp384r1", "secp256r1"});
        try (ServerSocket listener = QsockEndpoints.listen()) {
            Future<byte[]> clientRun = peers.submit(() -> {
                try (SSLSocket socket = Jsse.connect(context, listener.getLocalPort(), parameters)) {
                    socket.getOutputStream().write(new byte[] {5, 6});
                    socket.getOutputStream().flush();
                    return socket.getInputStream().readNBytes(2);
                }
            });
            TlsRecordLayer server = QsockEndpoints.accept(listener,
                    QsockEndpoints.server("ecdsa-p256").groups(NamedGroup.SECP256R1).helloRetryCookie(true).build(), 52);
            try (server) {
                server.handshake();
                assertArrayEquals(new byte[] {5, 6}, server.read(2));
                server.write(new byte[] {7, 8});
            }
            assertArrayEquals(new byte[] {7, 8}, clientRun.get(20, TimeUnit.SECONDS));
            List<FramedMessage> hellos = server.handshakeMessagesReceived(EncryptionLevel.INITIAL);
            assertEquals(List.of(HandshakeType.CLIENT_HELLO, HandshakeType.CLIENT_HELLO), Hellos.types(hellos));
            ClientHello first = (ClientHello) HandshakeCodec.decode(hellos.get(0), 0);
            assertEquals(List.of(NamedGroup.SECP384R1.code()), first.extension(KeyShareClientHello.class)
                    .orElseThrow().clientShares().stream().map(s -> s.group()).toList());
            assertEquals(NamedGroup.SECP256R1, server.engine().keyExchangeGroup());
        }
    }
}
