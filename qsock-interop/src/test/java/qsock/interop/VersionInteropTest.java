package qsock.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import qsock.api.QuicVersion;
import qsock.interop.peer.KwikClient;
import qsock.interop.peer.KwikServer;
import qsock.interop.peer.QsockClient;
import qsock.interop.peer.QsockServer;
import qsock.interop.support.HqInterop;

/**
 * QUIC version 2 (RFC 9369) and version negotiation (RFC 9368) against the peers: Kwik 0.10.8 speaks both versions
 * and compatible negotiation, both ways. quiche (Netty 4.2.18) speaks version 1 only and answers a version 2 Initial
 * with nothing at all (no Version Negotiation packet: seen through a relay), so neither version 2 nor Version
 * Negotiation can be exercised against it.
 */
class VersionInteropTest {

    @TempDir
    Path root;

    private static void exchange(qsock.interop.peer.InteropClient client) throws Exception {
        Scenarios.handshake(client, HqInterop.ECHO_ALPN);
        Scenarios.echo(client);
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aVersion2OnlyQsockClientAgainstKwik() throws Exception {
        try (KwikServer server = KwikServer.start(root, QuicVersion.V1, QuicVersion.V2);
             QsockClient client = QsockClient.connectWithVersions(server.address(), HqInterop.ECHO_ALPN,
                     Scenarios.TIMEOUT, QuicVersion.V2, QuicVersion.V2)) {
            exchange(client);
            assertEquals(QuicVersion.V2, client.socket().version());
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void kwikPreferringVersion2MovesAVersion1QsockClientThere() throws Exception {
        try (KwikServer server = KwikServer.start(root, QuicVersion.V2, QuicVersion.V1);
             QsockClient client = QsockClient.connectWithVersions(server.address(), HqInterop.ECHO_ALPN,
                     Scenarios.TIMEOUT, QuicVersion.V1, QuicVersion.V2, QuicVersion.V1)) {
            exchange(client);
            assertEquals(QuicVersion.V2, client.socket().version(), "compatible negotiation by Kwik (RFC 9368 §2.3)");
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aVersion2KwikClientAgainstQsock() throws Exception {
        try (QsockServer server = QsockServer.start(root);
             KwikClient client = KwikClient.connectWithVersions(server.address(), HqInterop.ECHO_ALPN,
                     Scenarios.TIMEOUT, QuicVersion.V2, QuicVersion.V2)) {
            exchange(client);
            assertEquals(QuicVersion.V2, client.version());
            assertEquals(List.of(QuicVersion.V2), server.versions());
            assertEquals(List.of(), server.failures());
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void qsockPreferringVersion2MovesAVersion1KwikClientThere() throws Exception {
        try (QsockServer server = QsockServer.start(root, QuicVersion.V2, QuicVersion.V1);
             KwikClient client = KwikClient.connectWithVersions(server.address(), HqInterop.ECHO_ALPN,
                     Scenarios.TIMEOUT, QuicVersion.V1, QuicVersion.V2)) {
            exchange(client);
            assertEquals(QuicVersion.V2, client.version(), "Kwik followed qsock's compatible negotiation");
            assertEquals(List.of(QuicVersion.V2), server.versions());
            assertEquals(List.of(), server.failures());
        }
    }
}
