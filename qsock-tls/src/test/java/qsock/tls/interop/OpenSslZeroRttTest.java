package qsock.tls.interop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import qsock.core.handshake.EncryptionLevel;
import qsock.tls.ClientTickets;
import qsock.tls.ServerTickets;
import qsock.tls.TlsClientConfig;
import qsock.tls.TlsServerConfig;
import qsock.tls.message.HandshakeType;
import qsock.tls.ticket.InMemoryTicketStore;

/**
 * 0-RTT (RFC 8446 §4.2.10, §4.5) against OpenSSL 3.0 over loopback TCP: the qsock client sends early data
 * with s_server's ticket ({@code -early_data}), which s_server accepts and prints.
 */
@Timeout(60)
class OpenSslZeroRttTest extends PeerTestBase {

    @Test
    void qsockClientSendsEarlyDataThatOpensslServerAccepts() throws Exception {
        InMemoryTicketStore store = new InMemoryTicketStore();
        TlsClientConfig config = QsockEndpoints.client("ecdsa-p256")
                .tickets(ClientTickets.defaults().withStore(store).withEarlyData(true)).build();
        try (OpenSsl.Server server = OpenSsl.server(dir, GnuTls.write(dir, "ecdsa-p256"), "-early_data",
                "-naccept", "2")) {
            withTranscript(server::toString, () -> {
                TlsRecordLayer first = QsockEndpoints.connect(server.port(), config, 91);
                try (first) {
                    first.handshake();
                    // -early_data excludes -rev: s_server's stdin answers; the tickets come first, reading takes them.
                    server.process().stdin().write("ok\n".getBytes(StandardCharsets.US_ASCII));
                    server.process().stdin().flush();
                    assertArrayEquals("ok\n".getBytes(StandardCharsets.US_ASCII), first.read(3));
                }
                assertNull(first.earlyDataAttempt(), "no ticket yet");
                assertTrue(store.size("localhost") >= 1, "s_server's tickets were kept");

                TlsRecordLayer second = QsockEndpoints.connect(server.port(), config, 92);
                try (second) {
                    second.sendEarlyData("zero-rtt-hello\n".getBytes(StandardCharsets.US_ASCII));
                    second.handshake();
                    second.write("cd\n".getBytes(StandardCharsets.US_ASCII));
                    assertTrue(server.process().stdout().awaitText(t -> t.contains("cd"), PEER_TIMEOUT));
                }
                assertNotNull(second.earlyDataAttempt());
                assertEquals(16_384, second.earlyDataAttempt().maxEarlyDataSize());
                assertEquals(Boolean.TRUE, second.earlyDataAccepted(), "s_server accepted the early data");
                assertTrue(second.engine().resumed());
                String out = server.process().stdout().text();
                assertTrue(out.contains("Early data received:") && out.contains("zero-rtt-hello"), out);
            });
        }
    }
}
