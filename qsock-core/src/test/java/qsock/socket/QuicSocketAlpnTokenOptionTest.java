package qsock.socket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link QuicSocketOptions#ALPN} and {@link QuicSocketOptions#TOKEN} without a handshake: the kernel's checks of an
 * ALPN list, when ALPN and a token may be set, and a listener's refusals.
 */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class QuicSocketAlpnTokenOptionTest {

    private static final InetSocketAddress LOOPBACK = new InetSocketAddress("127.0.0.1", 0);

    @Test
    void anAlpnListIsCheckedAsTheKernelChecksIt() throws Exception {
        try (QuicSocket s = QuicSocket.open()) {
            // The comma-joined form of the draft holds at most 128 bytes: 16 names of 7 bytes and 15 commas is 127.
            List<String> fits = java.util.stream.IntStream.range(0, 16).mapToObj(i -> String.format("proto%02d", i))
                    .toList();
            s.setOption(QuicSocketOptions.ALPN, fits);
            assertEquals(fits, s.getOption(QuicSocketOptions.ALPN));
            s.setOption(QuicSocketOptions.ALPN, List.of("x".repeat(128)));
            IllegalArgumentException tooLong = assertThrows(IllegalArgumentException.class,
                    () -> s.setOption(QuicSocketOptions.ALPN, List.of("x".repeat(64), "y".repeat(64))));
            assertTrue(tooLong.getMessage().contains("129 bytes"), tooLong.getMessage());
            assertThrows(IllegalArgumentException.class, () -> s.setOption(QuicSocketOptions.ALPN,
                    List.of("x".repeat(129))));
            assertThrows(IllegalArgumentException.class, () -> s.setOption(QuicSocketOptions.ALPN, List.of("")));
            IllegalArgumentException comma = assertThrows(IllegalArgumentException.class,
                    () -> s.setOption(QuicSocketOptions.ALPN, List.of("h3,hq")));
            assertTrue(comma.getMessage().contains("comma"), comma.getMessage());
            // A name of 2-byte characters: bytes are counted, not characters.
            assertThrows(IllegalArgumentException.class, () -> s.setOption(QuicSocketOptions.ALPN,
                    List.of("\u00e9".repeat(65))));
            assertEquals(List.of("x".repeat(128)), s.getOption(QuicSocketOptions.ALPN), "refusals change nothing");
            s.setOption(QuicSocketOptions.ALPN, List.of());
            assertEquals(List.of(), s.getOption(QuicSocketOptions.ALPN));
        }
    }

    @Test
    void alpnIsSetBeforeListen() throws Exception {
        try (QuicSocket s = QuicSocket.open().bind(LOOPBACK)) {
            s.setOption(QuicSocketOptions.ALPN, List.of("h3"));
            s.listen(4);
            assertThrows(IllegalStateException.class, () -> s.setOption(QuicSocketOptions.ALPN, List.of("hq")));
            assertEquals(List.of("h3"), s.getOption(QuicSocketOptions.ALPN));
        }
    }

    @Test
    void aConnectingClientKeepsItsListUntilTheHandshakeCompletes() throws Exception {
        try (QuicSocket peer = QuicSocket.open().bind(LOOPBACK); QuicSocket s = QuicSocket.open()) {
            s.connect(peer.localAddress());
            s.setOption(QuicSocketOptions.ALPN, List.of("h3", "hq-interop"));
            assertEquals(List.of("h3", "hq-interop"), s.getOption(QuicSocketOptions.ALPN));
        }
    }

    @Test
    void anEmptyTokenOnAClientIsRefused() throws Exception {
        try (QuicSocket s = QuicSocket.open()) {
            assertThrows(IllegalArgumentException.class, () -> s.setOption(QuicSocketOptions.TOKEN, new byte[0]));
            assertNull(s.getOption(QuicSocketOptions.TOKEN));
        }
    }

    @Test
    void aListenerIssuesNoToken() throws Exception {
        try (QuicSocket s = QuicSocket.open().bind(LOOPBACK)) {
            s.listen(4);
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> s.setOption(QuicSocketOptions.TOKEN, null));
            assertTrue(e.getMessage().contains("accepted socket"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> s.setOption(QuicSocketOptions.TOKEN, new byte[8]),
                    "a server's token is the server's own");
        }
    }
}
