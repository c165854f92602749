package qsock.core.connection;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static qsock.core.sim.quic.ConnectionPair.SECOND;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;
import qsock.api.ConnectionConfig;
import qsock.api.ConnectionState;
import qsock.api.Role;
import qsock.core.error.ConnectionError;
import qsock.core.error.TransportErrorCode;
import qsock.core.frame.CryptoFrame;
import qsock.core.frame.FrameType;
import qsock.core.handshake.CipherSuite;
import qsock.core.handshake.EncryptionLevel;
import qsock.core.sim.quic.ConnectionPair;
import qsock.core.sim.quic.FixedSecretHandshake;
import qsock.core.sim.quic.Wire;

/**
 * CRYPTO stream reassembly (RFC 9000 §19.6, §7.5) through the connection: frames of 1-RTT CRYPTO data (post-handshake
 * messages travel there) forged as the client, out of order, duplicated and overlapping, and beyond the bound.
 */
class ConnectionCryptoTest {

    private static final CipherSuite SUITE = CipherSuite.TLS_AES_128_GCM_SHA256;

    private static byte[] pattern(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i * 31 + 7);
        }
        return b;
    }

    /** Delivers a 1-RTT packet carrying {@code frame} to the server as the client sent it. */
    private static void sendAsClient(ConnectionPair pair, long packetNumber, CryptoFrame frame) {
        QuicConnection client = pair.clientConnection();
        ByteBuffer datagram = Wire.oneRtt(Role.CLIENT, SUITE, client.version(), 0, client.peerId(), packetNumber,
                Wire.frames(frame));
        pair.server.receive(pair.client.address, datagram, pair.network.now());
    }

    private static CryptoFrame piece(byte[] data, int from, int to) {
        return new CryptoFrame(from, ByteBuffer.wrap(data, from, to - from).slice());
    }

    @Test
    void outOfOrderDuplicateAndOverlappingFramesAreHandedOnInOrderOnce() throws Exception {
        ConnectionPair pair = ConnectionPair.established(1);
        QuicConnection client = pair.clientConnection();
        QuicConnection server = pair.serverConnection();
        byte[] message = pattern(3000);
        long pn = client.packetsSent() + 1000;
        ByteBuffer dst = ByteBuffer.allocate(8192);
        sendAsClient(pair, pn++, piece(message, 2000, 3000));
        sendAsClient(pair, pn++, piece(message, 1000, 2000));
        sendAsClient(pair, pn++, piece(message, 1000, 2000));
        sendAsClient(pair, pn++, piece(message, 500, 1500));
        assertNull(server.readHandshake(dst), "nothing is handed on while the start is missing");
        assertEquals(0, dst.position());
        sendAsClient(pair, pn++, piece(message, 0, 600));
        sendAsClient(pair, pn, piece(message, 0, 3000));
        int total = 0;
        for (int i = 0; i < 10; i++) {
            EncryptionLevel level = server.readHandshake(dst);
            if (level == null) {
                break;
            }
            assertEquals(EncryptionLevel.APPLICATION, level);
            total = dst.position();
        }
        assertEquals(3000, total, "every byte once");
        byte[] got = new byte[total];
        dst.flip().get(got);
        assertArrayEquals(message, got);
        assertEquals(ConnectionState.CONFIRMED, server.state(), "none of it is a violation");
    }

    @Test
    void dataEndingAtTheBoundIsKeptAndOneByteFurtherIsCryptoBufferExceeded() throws Exception {
        int bound = 4096;
        ConnectionPair pair = ConnectionPair.builder(2)
                .serverConfig(ConnectionConfig.builder().maxCryptoBuffer(bound).build()).established();
        QuicConnection client = pair.clientConnection();
        QuicConnection server = pair.serverConnection();
        byte[] data = pattern(bound + 1);
        long pn = client.packetsSent() + 1000;
        // Out of order (nothing read yet): the last byte may lie exactly at the bound past the read offset.
        sendAsClient(pair, pn++, piece(data, bound - 100, bound));
        assertEquals(ConnectionState.CONFIRMED, server.state(), "data up to the bound is buffered");
        sendAsClient(pair, pn, piece(data, bound - 100, bound + 1));
        assertEquals(ConnectionState.CLOSING, server.state());
        ConnectionError local = server.closeError();
        assertEquals(TransportErrorCode.CRYPTO_BUFFER_EXCEEDED, local.transportCode(), local.toString());
        assertEquals(FrameType.CRYPTO.firstCode(), local.frameType());
        pair.runUntil(() -> client.state() == ConnectionState.DRAINING, 5 * SECOND, 10_000);
        assertEquals(TransportErrorCode.CRYPTO_BUFFER_EXCEEDED, client.closeError().transportCode());
        assertEquals(FrameType.CRYPTO.firstCode(), client.closeError().frameType());
    }

    @Test
    void theBoundCountsFromWhatWasReadNotFromZero() throws Exception {
        int bound = 4096;
        ConnectionPair pair = ConnectionPair.builder(3)
                .serverConfig(ConnectionConfig.builder().maxCryptoBuffer(bound).build()).established();
        QuicConnection client = pair.clientConnection();
        QuicConnection server = pair.serverConnection();
        byte[] data = pattern(3 * bound);
        long pn = client.packetsSent() + 1000;
        ByteBuffer dst = ByteBuffer.allocate(3 * bound);
        // Each piece ends within the bound of what the reader has taken so far; the whole is 3 bounds long.
        for (int from = 0; from < 3 * bound; from += 1000) {
            sendAsClient(pair, pn++, piece(data, from, Math.min(from + 1000, 3 * bound)));
            for (int i = 0; i < 4 && server.readHandshake(dst) != null; i++) {
                // drained
            }
        }
        assertEquals(ConnectionState.CONFIRMED, server.state(), String.valueOf(server.closeError()));
        assertEquals(3 * bound, dst.position());
        byte[] got = new byte[dst.position()];
        dst.flip().get(got);
        assertArrayEquals(data, got);
    }

    /**
     * The handshake's own flights under loss: the server's Handshake flight (a 6 KB certificate, several packets)
     * loses its first datagram; the client waits for the whole message, and completes once the retransmission
     * fills the gap.
     */
    @Test
    void aHandshakeFlightMissingItsFirstPacketCompletesOnceItIsResent() throws Exception {
        ConnectionPair pair = ConnectionPair.builder(4)
                .handshakes(FixedSecretHandshake.Settings.defaults().withCertificateBytes(6_000).factory()).build();
        boolean[] droppedOnce = {false};
        pair.network.filter(pair.server, pair.client, (index, datagram, now) -> {
            if (index == 0 && !droppedOnce[0]) {
                droppedOnce[0] = true;
                return true;
            }
            return false;
        });
        pair.connect();
        pair.confirm();
        assertTrue(droppedOnce[0]);
        assertTrue(((FixedSecretHandshake) pair.clientSession.handshake).isComplete());
        assertTrue(pair.clientConnection().packetsReceived() > 3);
    }
}
