package qsock.tls.simulation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static qsock.core.sim.quic.ConnectionPair.SECOND;

import java.nio.ByteBuffer;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import qsock.api.ConnectionConfig;
import qsock.core.error.ConnectionError;
import qsock.api.ConnectionState;
import qsock.core.connection.QuicConnection;
import qsock.core.handshake.EncryptionLevel;
import qsock.core.crypto.PacketProtection;
import qsock.core.error.TransportErrorCode;
import qsock.core.frame.AckFrame;
import qsock.core.frame.CryptoFrame;
import qsock.core.frame.DatagramFrame;
import qsock.core.frame.Frame;
import qsock.core.frame.FrameEncoder;
import qsock.core.frame.HandshakeDoneFrame;
import qsock.core.frame.MaxStreamDataFrame;
import qsock.core.frame.NewConnectionIdFrame;
import qsock.core.frame.NewTokenFrame;
import qsock.core.frame.ResetStreamFrame;
import qsock.core.frame.RetireConnectionIdFrame;
import qsock.core.frame.StreamFrame;
import qsock.core.packet.PacketHeaderWriter;
import qsock.core.sim.quic.ConnectionPair;
import qsock.core.sim.quic.Session;
import qsock.core.wire.ConnectionId;
import qsock.core.wire.VarInt;

/**
 * The table of protocol violations: a test plays a misbehaving peer by sealing hand-built frames with the
 * peer's own 1-RTT keys (recorded from its handshake) and checks that the receiving connection closes with
 * the RFC's error code, and that the code reaches the offender in CONNECTION_CLOSE.
 */
class ProtocolViolationSimulationTest {

    private static final long MIB = 1 << 20;

    private static Consumer<ByteBuffer> frames(Frame... frames) {
        return buf -> {
            for (Frame f : frames) {
                FrameEncoder.encode(buf, f);
            }
        };
    }

    private static ByteBuffer data(int n) {
        return ByteBuffer.allocate(n);
    }

    static Stream<Arguments> violationsByTheClient() {
        byte[] token = new byte[16];
        return Stream.of(
                Arguments.of("STREAM past the stream's flow control window (RFC 9000 §4.1)",
                        TransportErrorCode.FLOW_CONTROL_ERROR, frames(new StreamFrame(0, MIB, data(10), false))),
                Arguments.of("STREAM data past the connection's window over three streams (§4.1)",
                        TransportErrorCode.FLOW_CONTROL_ERROR, frames(new StreamFrame(0, MIB - 10, data(10), false),
                                new StreamFrame(4, MIB - 10, data(10), false),
                                new StreamFrame(8, MIB - 10, data(10), false))),
                Arguments.of("STREAM beyond the streams allowed (§4.6)",
                        TransportErrorCode.STREAM_LIMIT_ERROR, frames(new StreamFrame(4 * 100, 0, data(1), false))),
                Arguments.of("STREAM on a server-initiated stream the server never opened (§19.8)",
                        TransportErrorCode.STREAM_STATE_ERROR, frames(new StreamFrame(1, 0, data(1), false))),
                Arguments.of("MAX_STREAM_DATA for a stream the server only receives on (§19.10)",
                        TransportErrorCode.STREAM_STATE_ERROR, frames(new StreamFrame(2, 0, data(1), false),
                                new MaxStreamDataFrame(2, 5000))),
                Arguments.of("RESET_STREAM below data already received with FIN (§4.5)",
                        TransportErrorCode.FINAL_SIZE_ERROR, frames(new StreamFrame(0, 0, data(10), true),
                                new ResetStreamFrame(0, 1, 5))),
                Arguments.of("STREAM data past the final size (§4.5)",
                        TransportErrorCode.FINAL_SIZE_ERROR, frames(new StreamFrame(0, 0, data(10), true),
                                new StreamFrame(0, 10, data(10), false))),
                Arguments.of("an unknown frame type (§12.4)",
                        TransportErrorCode.FRAME_ENCODING_ERROR, (Consumer<ByteBuffer>) buf -> buf.put((byte) 0x21)),
                Arguments.of("a truncated MAX_DATA (§12.4)",
                        TransportErrorCode.FRAME_ENCODING_ERROR, (Consumer<ByteBuffer>) buf -> {
                            buf.put((byte) 0x10);
                            buf.put((byte) 0x80);
                        }),
                Arguments.of("MAX_STREAMS above 2^60 (§19.11)",
                        TransportErrorCode.FRAME_ENCODING_ERROR, (Consumer<ByteBuffer>) buf -> {
                            buf.put((byte) 0x12);
                            VarInt.write(buf, (1L << 60) + 1);
                        }),
                Arguments.of("HANDSHAKE_DONE from a client (§19.20)",
                        TransportErrorCode.PROTOCOL_VIOLATION, frames(new HandshakeDoneFrame())),
                Arguments.of("NEW_TOKEN from a client (§19.7)",
                        TransportErrorCode.PROTOCOL_VIOLATION, frames(new NewTokenFrame(ByteBuffer.wrap(new byte[8])))),
                Arguments.of("ACK of a packet never sent (§13.1)",
                        TransportErrorCode.PROTOCOL_VIOLATION, frames(AckFrame.of(0, 1_000_000, 1_000_000))),
                Arguments.of("RETIRE_CONNECTION_ID of an ID never issued (§19.16)",
                        TransportErrorCode.PROTOCOL_VIOLATION, frames(new RetireConnectionIdFrame(1000))),
                Arguments.of("DATAGRAM without max_datagram_frame_size (RFC 9221 §4)",
                        TransportErrorCode.PROTOCOL_VIOLATION, frames(new DatagramFrame(data(5)))),
                Arguments.of("more connection IDs than active_connection_id_limit (§5.1.1)",
                        TransportErrorCode.CONNECTION_ID_LIMIT_ERROR, frames(
                                newCid(101, token), newCid(102, token), newCid(103, token), newCid(104, token),
                                newCid(105, token), newCid(106, token), newCid(107, token), newCid(108, token))),
                Arguments.of("CRYPTO data far beyond what is buffered (§7.5)",
                        TransportErrorCode.CRYPTO_BUFFER_EXCEEDED, frames(new CryptoFrame(1_000_000, data(10)))));
    }

    @org.junit.jupiter.api.Test
    void aDatagramFrameAboveTheAdvertisedSizeIsAProtocolViolation() throws Exception {
        // RFC 9221 §3: the limit counts the whole frame: type, Length and data.
        ConnectionConfig datagrams = ConnectionConfig.builder().maxDatagramFrameSize(1300).build();
        ConnectionPair pair = TlsHandshakes.pair(32).config(datagrams).build().connect();
        pair.runUntil(() -> pair.bothEstablished()
                && pair.clientSession.connection.state() == ConnectionState.CONFIRMED, 10 * SECOND, 10_000);
        QuicConnection client = pair.clientSession.connection;
        QuicConnection server = pair.serverSession().connection;
        ByteBuffer atLimit = sealedAs(pair.clientSession, client.peerId(), client.packetsSent() + 1000,
                frames(new DatagramFrame(data(1300 - 3))), 0x40);
        pair.server.receive(pair.client.address, atLimit, pair.network.now());
        assertEquals(ConnectionState.CONFIRMED, server.state(), "a frame of exactly 1300 bytes is allowed");
        assertTrue(server.hasDatagram());
        ByteBuffer above = sealedAs(pair.clientSession, client.peerId(), client.packetsSent() + 1001,
                frames(new DatagramFrame(data(1300 - 2))), 0x40);
        pair.server.receive(pair.client.address, above, pair.network.now());
        assertEquals(ConnectionState.CLOSING, server.state(), pair.describe());
        assertEquals(TransportErrorCode.PROTOCOL_VIOLATION, server.closeError().transportCode());
    }

    /**
     * A violation on a connection that was idle for longer than three PTOs: the closing period starts when the
     * violation is found, not at the last datagram before it, so the CONNECTION_CLOSE still goes out and the peer
     * learns why (issue 10: closeWithError started the period from the time of the last whole datagram).
     */
    @org.junit.jupiter.api.Test
    void aViolationAfterALongIdleStillSendsItsConnectionClose() throws Exception {
        ConnectionPair pair = TlsHandshakes.pair(33).build().connect();
        pair.runUntil(() -> pair.bothEstablished()
                && pair.clientSession.connection.state() == ConnectionState.CONFIRMED, 10 * SECOND, 10_000);
        QuicConnection client = pair.clientSession.connection;
        QuicConnection server = pair.serverSession().connection;
        // Idle for 10 s: far more than three PTOs (tens of milliseconds here), well within the 30 s idle timeout.
        pair.network.runFor(10 * SECOND, 100_000);
        assertEquals(ConnectionState.CONFIRMED, server.state(), pair.describe());
        ByteBuffer datagram = sealedAs(pair.clientSession, client.peerId(), client.packetsSent() + 1000,
                frames(new qsock.core.frame.HandshakeDoneFrame()), 0x40);
        long now = pair.network.now();
        pair.server.receive(pair.client.address, datagram, now);
        assertEquals(ConnectionState.CLOSING, server.state(), pair.describe());
        assertTrue(server.nextDeadline() - now > 0, "the closing period runs from now: deadline "
                + (server.nextDeadline() - now) / ConnectionPair.MS + " ms from now");
        pair.runUntil(() -> client.state() == ConnectionState.DRAINING, 5 * SECOND, 10_000);
        assertEquals(TransportErrorCode.PROTOCOL_VIOLATION, client.closeError().transportCode(),
                client.closeError().toString());
        assertTrue(client.closeError().byPeer());
    }

    private static NewConnectionIdFrame newCid(int sequence, byte[] token) {
        byte[] id = new byte[8];
        id[0] = (byte) sequence;
        id[1] = (byte) 0xee;
        byte[] t = token.clone();
        t[0] = (byte) sequence;
        return new NewConnectionIdFrame(sequence, 0, ConnectionId.of(id), t);
    }

    @ParameterizedTest(name = "{1}: {0}")
    @MethodSource("violationsByTheClient")
    void theServerClosesWithTheRfcCode(String description, TransportErrorCode expected, Consumer<ByteBuffer> payload)
            throws Exception {
        ConnectionPair pair = TlsHandshakes.pair(31).build().connect();
        pair.runUntil(() -> pair.bothEstablished()
                && pair.clientSession.connection.state() == ConnectionState.CONFIRMED, 10 * SECOND, 10_000);
        QuicConnection client = pair.clientSession.connection;
        QuicConnection server = pair.serverSession().connection;
        ByteBuffer datagram = sealedAs(pair.clientSession, client.peerId(), client.packetsSent() + 1000, payload,
                0x40);
        pair.server.receive(pair.client.address, datagram, pair.network.now());
        assertEquals(ConnectionState.CLOSING, server.state(), description + "; " + pair.describe());
        ConnectionError local = server.closeError();
        assertEquals(ConnectionError.Kind.TRANSPORT, local.kind());
        assertEquals(expected, local.transportCode(), local + "; " + pair.describe());
        assertFalse(local.byPeer());
        pair.runUntil(() -> client.state() == ConnectionState.DRAINING, 5 * SECOND, 10_000);
        ConnectionError remote = client.closeError();
        assertEquals(expected, remote.transportCode(), remote.toString());
        assertTrue(remote.byPeer());
    }

    @ParameterizedTest(name = "first byte 0x{0}")
    @org.junit.jupiter.params.provider.ValueSource(ints = {0x48, 0x50, 0x58})
    void reservedBitsSetAfterHeaderProtectionAreAProtocolViolation(int firstByte) throws Exception {
        ConnectionPair pair = TlsHandshakes.pair(32).build().connect();
        pair.runUntil(() -> pair.bothEstablished()
                && pair.clientSession.connection.state() == ConnectionState.CONFIRMED, 10 * SECOND, 10_000);
        QuicConnection client = pair.clientSession.connection;
        QuicConnection server = pair.serverSession().connection;
        ByteBuffer datagram = sealedAs(pair.clientSession, client.peerId(), client.packetsSent() + 1000,
                buf -> buf.put((byte) 0x01), firstByte);
        pair.server.receive(pair.client.address, datagram, pair.network.now());
        assertEquals(TransportErrorCode.PROTOCOL_VIOLATION, server.closeError().transportCode());
    }

    /** A 1-RTT packet protected with {@code sender}'s recorded keys, as if that endpoint had sent it. */
    static ByteBuffer sealedAs(Session sender, ConnectionId destination, long packetNumber,
                               Consumer<ByteBuffer> payload, int firstByteBits) {
        byte[] secret = sender.channel.writeSecrets.get(EncryptionLevel.APPLICATION);
        PacketProtection keys = PacketProtection.fromSecret(sender.channel.suite, sender.connection.version(), secret);
        ByteBuffer buf = ByteBuffer.allocate(1500);
        int pnOffset = PacketHeaderWriter.writeShortHeader(buf, destination, false, false, packetNumber, 4, true);
        // Reserved bits, if asked for, go in before protection, as a misbehaving sender would put them.
        buf.put(0, (byte) ((buf.get(0) & 0xff) | (firstByteBits & 0x18)));
        // PADDING first, so that the header protection sample is inside the packet and the frames under test
        // end it (a truncated frame stays truncated).
        for (int i = 0; i < 24; i++) {
            buf.put((byte) 0);
        }
        payload.accept(buf);
        int length = keys.seal(buf, 0, pnOffset, 4, packetNumber, buf.position());
        return buf.position(0).limit(length);
    }
}
