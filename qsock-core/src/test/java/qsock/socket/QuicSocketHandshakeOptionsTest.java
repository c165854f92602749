package qsock.socket;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.NotYetConnectedException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import qsock.api.Role;
import qsock.core.error.TransportErrorCode;
import qsock.core.handshake.CipherSuite;
import qsock.core.handshake.EncryptionLevel;
import qsock.core.handshake.KeyDirection;
import qsock.core.params.TransportParameters;
import qsock.core.wire.ConnectionId;

/**
 * The options an application running its own TLS stack (or a TLS helper) uses, without a TLS stack: the server
 * parameters remembered for 0-RTT ({@link QuicSocketOptions#REMOTE_TRANSPORT_PARAMETERS}), SESSION_TICKET's slot,
 * CRYPTO_SECRET, TRANSPORT_PARAM_EXT, and the write-only stream options; their timing and ranges, and what they do to
 * the connection. The handshake is played by hand: secrets installed and bytes written through the options and the
 * handshake channel, as the kernel's userspace handshake does.
 */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class QuicSocketHandshakeOptionsTest {

    private static final InetSocketAddress LOOPBACK = new InetSocketAddress("127.0.0.1", 0);

    /** The server parameters a ticket of qsock would remember: the defaults, 100 streams of each kind. */
    private static byte[] ticketParameters() {
        return TransportParameters.builder().originalDestinationConnectionId(ConnectionId.ofHex("0102030405060708"))
                .initialSourceConnectionId(ConnectionId.ofHex("0a0b0c0d")).initialMaxData(1 << 20).initialMaxStreamDataBidiLocal(1 << 16)
                .initialMaxStreamDataBidiRemote(1 << 16).initialMaxStreamDataUni(1 << 16).initialMaxStreamsBidi(100)
                .initialMaxStreamsUni(100).build().toBytes();
    }

    private static PeerTransportParameters remembered(long maxStreamsBidi) {
        return new PeerTransportParameters(false, false, false, false, 2, 3, 0, 65527, Duration.ofSeconds(30),
                Duration.ofMillis(25), maxStreamsBidi, 0, 1 << 20, 1 << 16, 1 << 16, 1 << 16);
    }

    /**
     * Plays a client's 0-RTT start as a TLS stack would (RFC 9001 §4.6.1): the ClientHello, the attempt with the
     * ticket's remembered parameters, the 0-RTT write secret; {@return how many bidirectional streams open at once}
     */
    private static int streamsOpenableIn0Rtt(QuicSocket s) throws Exception {
        s.handshakeChannel().writeHandshake(EncryptionLevel.INITIAL, ByteBuffer.wrap(new byte[] {1, 0, 0, 0}));
        s.handshakeChannel().earlyDataAttempt(ticketParameters());
        s.setOption(QuicSocketOptions.CRYPTO_SECRET, new CryptoSecret(EncryptionLevel.EARLY_DATA, KeyDirection.WRITE,
                CipherSuite.TLS_AES_128_GCM_SHA256, new byte[32]));
        assertTrue(s.canSendEarlyData(), "0-RTT keys with usable remembered parameters");
        int opened = 0;
        // Bounded: the ticket's limit is 100.
        try {
            while (opened <= 100) {
                s.openStream(StreamFlags.DONTWAIT);
                opened++;
            }
        } catch (StreamLimitException atTheLimit) {
            return opened;
        }
        throw new AssertionError("more than 100 streams opened");
    }

    @Test
    void earlyDataKeepsToTheRememberedParametersSetInPlaceOfTheTickets() throws Exception {
        try (QuicSocket peer = QuicSocket.open().bind(LOOPBACK); QuicSocket s = QuicSocket.open()) {
            s.setOption(QuicSocketOptions.REMOTE_TRANSPORT_PARAMETERS, remembered(2));
            assertEquals(remembered(2), s.getOption(QuicSocketOptions.REMOTE_TRANSPORT_PARAMETERS),
                    "before the handshake, what was set");
            s.connect(peer.localAddress());
            assertEquals(2, streamsOpenableIn0Rtt(s), "the set limit, not the ticket's 100");
        }
        try (QuicSocket peer = QuicSocket.open().bind(LOOPBACK); QuicSocket s = QuicSocket.open()) {
            s.connect(peer.localAddress());
            assertEquals(100, streamsOpenableIn0Rtt(s), "without the option, the ticket's");
        }
    }

    @Test
    void rememberedParametersAreSetBeforeTheHandshakeStartsOnAClientOnly() throws Exception {
        try (QuicSocket peer = QuicSocket.open().bind(LOOPBACK); QuicSocket s = QuicSocket.open();
             QuicSocket listener = QuicSocket.open().bind(LOOPBACK)) {
            s.connect(peer.localAddress());
            s.setOption(QuicSocketOptions.REMOTE_TRANSPORT_PARAMETERS, remembered(5));
            s.setOption(QuicSocketOptions.REMOTE_TRANSPORT_PARAMETERS, null);
            assertNull(s.getOption(QuicSocketOptions.REMOTE_TRANSPORT_PARAMETERS));
            s.handshakeChannel().writeHandshake(EncryptionLevel.INITIAL, ByteBuffer.wrap(new byte[] {1}));
            assertThrows(IllegalStateException.class,
                    () -> s.setOption(QuicSocketOptions.REMOTE_TRANSPORT_PARAMETERS, remembered(5)));
            listener.listen(1);
            assertThrows(IllegalStateException.class,
                    () -> listener.setOption(QuicSocketOptions.REMOTE_TRANSPORT_PARAMETERS, remembered(5)));
        }
    }

    @Test
    void rememberedParametersOutOfTheKernelsRangesAreRefused() throws Exception {
        try (QuicSocket s = QuicSocket.open()) {
            PeerTransportParameters ok = remembered(1);
            PeerTransportParameters[] bad = {
                new PeerTransportParameters(false, false, false, false, 9, 3, 0, 65527, Duration.ofSeconds(30),
                        Duration.ofMillis(25), 1, 0, 1 << 20, 1 << 16, 1 << 16, 1 << 16),
                new PeerTransportParameters(false, false, false, false, 2, 21, 0, 65527, Duration.ofSeconds(30),
                        Duration.ofMillis(25), 1, 0, 1 << 20, 1 << 16, 1 << 16, 1 << 16),
                new PeerTransportParameters(false, false, false, false, 2, 3, 1000, 65527, Duration.ofSeconds(30),
                        Duration.ofMillis(25), 1, 0, 1 << 20, 1 << 16, 1 << 16, 1 << 16),
                new PeerTransportParameters(false, false, false, false, 2, 3, 0, 1100, Duration.ofSeconds(30),
                        Duration.ofMillis(25), 1, 0, 1 << 20, 1 << 16, 1 << 16, 1 << 16),
                new PeerTransportParameters(false, false, false, false, 2, 3, 0, 65527, Duration.ofMillis(500),
                        Duration.ofMillis(25), 1, 0, 1 << 20, 1 << 16, 1 << 16, 1 << 16),
                new PeerTransportParameters(false, false, false, false, 2, 3, 0, 65527, Duration.ofSeconds(30),
                        Duration.ofMillis(1 << 14), 1, 0, 1 << 20, 1 << 16, 1 << 16, 1 << 16),
                new PeerTransportParameters(false, false, false, false, 2, 3, 0, 65527, Duration.ofSeconds(30),
                        Duration.ofMillis(25), (1L << 60) + 1, 0, 1 << 20, 1 << 16, 1 << 16, 1 << 16),
                new PeerTransportParameters(false, false, false, false, 2, 3, 0, 65527, Duration.ofSeconds(30),
                        Duration.ofMillis(25), 1, 0, 1000, 1 << 16, 1 << 16, 1 << 16),
                new PeerTransportParameters(false, false, false, false, 2, 3, 0, 65527, Duration.ofSeconds(30),
                        Duration.ofMillis(25), 1, 0, 1 << 20, 1 << 16, 1199, 1 << 16),
            };
            for (PeerTransportParameters p : bad) {
                assertThrows(IllegalArgumentException.class,
                        () -> s.setOption(QuicSocketOptions.REMOTE_TRANSPORT_PARAMETERS, p), p.toString());
            }
            assertNull(s.getOption(QuicSocketOptions.REMOTE_TRANSPORT_PARAMETERS));
            s.setOption(QuicSocketOptions.REMOTE_TRANSPORT_PARAMETERS, ok);
            assertEquals(ok, s.getOption(QuicSocketOptions.REMOTE_TRANSPORT_PARAMETERS));
        }
    }

    @Test
    void sessionTicketSlotRoundTripsAndTheHandshakeTakesIt() throws Exception {
        try (QuicSocket peer = QuicSocket.open().bind(LOOPBACK); QuicSocket s = QuicSocket.open()) {
            assertNull(s.getOption(QuicSocketOptions.SESSION_TICKET));
            byte[] session = new byte[64];
            session[0] = 7;
            s.setOption(QuicSocketOptions.SESSION_TICKET, session);
            session[0] = 8;
            assertEquals(7, s.getOption(QuicSocketOptions.SESSION_TICKET)[0], "a copy was kept");
            assertThrows(IllegalArgumentException.class, () -> s.setOption(QuicSocketOptions.SESSION_TICKET,
                    new byte[63]));
            assertThrows(IllegalArgumentException.class, () -> s.setOption(QuicSocketOptions.SESSION_TICKET,
                    new byte[4097]));
            s.setOption(QuicSocketOptions.SESSION_TICKET, new byte[4096]);
            s.setOption(QuicSocketOptions.SESSION_TICKET, session);
            s.connect(peer.localAddress());

            // The TLS stack's side: it takes the session, and gives back what the server's tickets made.
            assertArrayEquals(session, s.takeSessionTicket());
            assertNull(s.getOption(QuicSocketOptions.SESSION_TICKET), "null until a ticket arrives");
            s.handshakeChannel().writeHandshake(EncryptionLevel.INITIAL, ByteBuffer.wrap(new byte[] {1}));
            assertThrows(IllegalStateException.class, () -> s.setOption(QuicSocketOptions.SESSION_TICKET, session),
                    "the session to resume is chosen at the start");
            s.putSessionTicket(new byte[] {1, 2, 3});
            s.putSessionTicket(new byte[] {4, 5});
            assertArrayEquals(new byte[] {4, 5}, s.getOption(QuicSocketOptions.SESSION_TICKET), "the latest");
            assertThrows(IllegalArgumentException.class, () -> s.putSessionTicket(new byte[0]));
        }
    }

    @Test
    void sessionTicketIsAClientsOptionOnly() throws Exception {
        try (QuicSocket listener = QuicSocket.open().bind(LOOPBACK)) {
            listener.listen(1);
            assertThrows(UnsupportedOperationException.class,
                    () -> listener.setOption(QuicSocketOptions.SESSION_TICKET, new byte[64]));
            UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                    () -> listener.getOption(QuicSocketOptions.SESSION_TICKET));
            assertTrue(e.getMessage().contains("TicketSealer"), e.getMessage());
        }
    }

    @Test
    void cryptoSecretInstallsKeysDuringTheHandshakeOnly() throws Exception {
        try (QuicSocket peer = QuicSocket.open().bind(LOOPBACK); QuicSocket s = QuicSocket.open()) {
            CryptoSecret handshakeWrite = new CryptoSecret(EncryptionLevel.HANDSHAKE, KeyDirection.WRITE,
                    CipherSuite.TLS_AES_256_GCM_SHA384, new byte[48]);
            assertThrows(NotYetConnectedException.class,
                    () -> s.setOption(QuicSocketOptions.CRYPTO_SECRET, handshakeWrite));
            s.connect(peer.localAddress());
            // Without Handshake write keys, Handshake data cannot be written; with them, it can.
            assertThrows(IllegalStateException.class, () -> s.handshakeChannel().writeHandshake(
                    EncryptionLevel.HANDSHAKE, ByteBuffer.wrap(new byte[] {20})));
            s.setOption(QuicSocketOptions.CRYPTO_SECRET, handshakeWrite);
            s.handshakeChannel().writeHandshake(EncryptionLevel.HANDSHAKE, ByteBuffer.wrap(new byte[] {20}));
            assertThrows(IllegalStateException.class, () -> s.setOption(QuicSocketOptions.CRYPTO_SECRET,
                    handshakeWrite), "installed already");
            UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                    () -> s.getOption(QuicSocketOptions.CRYPTO_SECRET));
            assertTrue(e.getMessage().contains("write-only"), e.getMessage());

            s.close();
            assertThrows(java.nio.channels.ClosedChannelException.class, () -> s.setOption(
                    QuicSocketOptions.CRYPTO_SECRET, new CryptoSecret(EncryptionLevel.APPLICATION,
                            KeyDirection.WRITE, CipherSuite.TLS_AES_128_GCM_SHA256, new byte[32])));
        }
    }

    @Test
    void aCryptoSecretIsCheckedWhenMade() {
        assertThrows(IllegalArgumentException.class, () -> new CryptoSecret(EncryptionLevel.INITIAL,
                KeyDirection.READ, CipherSuite.TLS_AES_128_GCM_SHA256, new byte[32]));
        assertThrows(IllegalArgumentException.class, () -> new CryptoSecret(EncryptionLevel.HANDSHAKE,
                KeyDirection.READ, CipherSuite.TLS_AES_256_GCM_SHA384, new byte[32]));
        byte[] secret = new byte[32];
        CryptoSecret s = new CryptoSecret(EncryptionLevel.HANDSHAKE, KeyDirection.READ,
                CipherSuite.TLS_CHACHA20_POLY1305_SHA256, secret);
        secret[0] = 1;
        assertEquals(0, s.secret()[0], "a copy");
        assertEquals("CryptoSecret[HANDSHAKE READ " + CipherSuite.TLS_CHACHA20_POLY1305_SHA256 + "]", s.toString(), "no secret in the text");
    }

    @Test
    void transportParamExtGivesOursAndTakesThePeersDuringTheHandshake() throws Exception {
        try (QuicSocket peer = QuicSocket.open().bind(LOOPBACK); QuicSocket s = QuicSocket.open()) {
            assertThrows(NotYetConnectedException.class, () -> s.getOption(QuicSocketOptions.TRANSPORT_PARAM_EXT));
            s.setOption(QuicSocketOptions.TRANSPORT_PARAM,
                    s.getOption(QuicSocketOptions.TRANSPORT_PARAM).withMaxStreams(9, 4));
            s.connect(peer.localAddress());
            TransportParameters ours = TransportParameters.decode(
                    ByteBuffer.wrap(s.getOption(QuicSocketOptions.TRANSPORT_PARAM_EXT)), Role.CLIENT);
            assertEquals(9, ours.initialMaxStreamsBidi());
            assertEquals(4, ours.initialMaxStreamsUni());
            assertThrows(IllegalArgumentException.class,
                    () -> s.setOption(QuicSocketOptions.TRANSPORT_PARAM_EXT, new byte[513]));

            // RFC 9000 §7.3: a server's parameters without original_destination_connection_id are an error.
            ClosedConnectionException e = assertThrows(ClosedConnectionException.class, () -> s.setOption(
                    QuicSocketOptions.TRANSPORT_PARAM_EXT, TransportParameters.builder().build().toBytes()));
            assertEquals(TransportErrorCode.TRANSPORT_PARAMETER_ERROR.value(), s.closeError().code(),
                    e.getMessage());
            assertThrows(IllegalStateException.class, () -> s.getOption(QuicSocketOptions.TRANSPORT_PARAM_EXT),
                    "the handshake is over");
        }
    }

    @Test
    void streamOptionsAreWriteOnlyAndNeedAConnection() throws Exception {
        try (QuicSocket s = QuicSocket.open()) {
            for (var option : java.util.List.of(QuicSocketOptions.STREAM_RESET, QuicSocketOptions.STREAM_STOP_SENDING)) {
                UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                        () -> s.getOption(option));
                assertTrue(e.getMessage().contains("write-only"), e.getMessage());
                assertThrows(NotYetConnectedException.class, () -> s.setOption(option, new StreamErrorInfo(0, 1)));
            }
            assertThrows(IllegalArgumentException.class, () -> new StreamErrorInfo(-1, 0));
            assertThrows(IllegalArgumentException.class, () -> new StreamErrorInfo(0, 1L << 62));
        }
    }

    @Test
    void streamResetOfAStreamNotOpenIsRefused() throws Exception {
        try (QuicSocket peer = QuicSocket.open().bind(LOOPBACK); QuicSocket s = QuicSocket.open()) {
            s.connect(peer.localAddress());
            assertThrows(java.io.IOException.class,
                    () -> s.setOption(QuicSocketOptions.STREAM_RESET, new StreamErrorInfo(4, 1)));
        }
    }
}
