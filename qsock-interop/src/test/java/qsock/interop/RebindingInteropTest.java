package qsock.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import qsock.interop.peer.InteropClient;
import qsock.interop.peer.Peer;
import qsock.interop.peer.QsockClient;
import qsock.interop.peer.QsockServer;
import qsock.interop.support.Evidence;
import qsock.interop.support.HqInterop;
import qsock.interop.support.UdpRelay;

/**
 * A client behind a NAT that rebinds mid-transfer (the QUIC interop runner's rebind-port and rebind-addr cases):
 * after the first megabyte of a 5 MB download, the relay in front of the qsock server sends the client's datagrams
 * from a new port (or a new address, 127.0.0.2) and drops what the server still sends to the old one. The server
 * must follow the client to its new address (RFC 9000 §9.3: on the highest-numbered non-probing packet, validating
 * the new path) for the download to complete with the right SHA-256. quiche's, Kwik's and qsock's clients.
 */
class RebindingInteropTest {

    private static final long SIZE = 5_000_000;
    private static final long REBIND_AFTER = 1_000_000;

    @TempDir
    Path root;

    /** Where the client's new mapping is bound: the same loopback address (a new port) or another one. */
    enum Rebinding {
        PORT("127.0.0.1"), ADDRESS("127.0.0.2");

        final String address;

        Rebinding(String address) {
            this.address = address;
        }
    }

    /** A client of the kind named, connected through the relay. */
    private static InteropClient client(String kind, InetSocketAddress relay) throws Exception {
        return kind.equals("QSOCK") ? QsockClient.connect(relay, HqInterop.ALPN, Scenarios.TIMEOUT)
                : Peer.valueOf(kind).client(relay, HqInterop.ALPN, Scenarios.TIMEOUT);
    }

    static Stream<Arguments> cases() {
        List<Arguments> all = new ArrayList<>();
        for (String kind : List.of("QUICHE", "KWIK", "QSOCK")) {
            for (Rebinding r : Rebinding.values()) {
                all.add(Arguments.of(kind, r));
            }
        }
        return all.stream();
    }

    @ParameterizedTest(name = "{0} client, new {1}")
    @MethodSource("cases")
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aDownloadSurvivesTheClientsNatRebinding(String kind, Rebinding rebinding) throws Exception {
        Files.write(root.resolve(Scenarios.FILE.substring(1)), Scenarios.FILE_CONTENT);
        try (QsockServer server = QsockServer.start(root); UdpRelay relay = UdpRelay.start(server.address())) {
            List<Path> logs = new ArrayList<>();
            Evidence.keep(kind + " client vs qsock server, NAT rebinding to a new " + rebinding, relay, logs,
                    server::failures, () -> {
                        try (InteropClient c = client(kind, relay.address())) {
                            if (!kind.equals("QSOCK")) {
                                logs.add(Peer.logOf(c));
                            }
                            Scenarios.handshake(c, HqInterop.ALPN);
                            relay.rebindAfter(REBIND_AFTER, InetAddress.getByName(rebinding.address));
                            Scenarios.bulk(c, SIZE);
                        }
                        assertEquals(1, relay.rebinds(), "the relay rebound the client mid-transfer");
                        // The rest of the download (4 MB, some 2,800 datagrams) went to the new mapping.
                        assertTrue(relay.datagramsToReboundMappings() > 1000, "datagrams the server sent to the "
                                + "client's new address: " + relay.datagramsToReboundMappings());
                        assertEquals(List.of(), server.failures(), "what the qsock server saw go wrong");
                    });
        }
    }
}
