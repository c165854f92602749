package qsock.core.attack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;
import qsock.api.ConnectionConfig;
import qsock.core.error.TransportErrorCode;
import qsock.core.frame.CryptoFrame;

/**
 * CRYPTO floods, in 1-RTT (RFC 9000 §7.5, RFC 9001 §4.1.3): after the handshake, CRYPTO frames carry post-handshake
 * TLS messages, which the TLS engine reads at its pace; a peer sending far more, or far ahead, than any message needs
 * would grow the buffer. qsock buffers at most maxCryptoBuffer bytes past what was read, per level, and ends the
 * connection with CRYPTO_BUFFER_EXCEEDED beyond (§7.5). The Initial and Handshake levels are in
 * ConnectionCryptoTest#dataEndingAtTheBoundIsKeptAndOneByteFurtherIsCryptoBufferExceeded.
 */
class CryptoFloodTest {

    private static final int BOUND = 8 * 1024;

    @Test
    void cryptoIn1RttFarAheadIsCryptoBufferExceededPastMaxCryptoBuffer() throws Exception {
        HostileClient t = new HostileClient(2901, ConnectionConfig.builder().maxCryptoBuffer(BOUND).build());
        t.send(new CryptoFrame(1_000_000, ByteBuffer.wrap(new byte[16])));
        assertTrue(t.server.state().isClosingOrClosed(), "data past the bound ends the connection");
        assertEquals(TransportErrorCode.CRYPTO_BUFFER_EXCEEDED.value(), t.server.closeError().code());
    }

    @Test
    void aFloodOfUnreadCryptoIn1RttEndsWithinMaxCryptoBufferBytes() throws Exception {
        HostileClient t = new HostileClient(2902, ConnectionConfig.builder().maxCryptoBuffer(BOUND).build());
        long offset = 0;
        byte[] piece = new byte[500];
        // Bytes that no TLS message ever completes: a handshake message header announcing 16 MB.
        piece[0] = 4;
        piece[1] = (byte) 0xff;
        for (int i = 0; i < 1_000 && !t.server.state().isClosingOrClosed(); i++) {
            t.send(new CryptoFrame(offset, ByteBuffer.wrap(piece)));
            offset += piece.length;
            t.serverSends();
        }
        assertTrue(t.server.state().isClosingOrClosed(), "a flood the handshake never reads ends the connection");
        assertEquals(TransportErrorCode.CRYPTO_BUFFER_EXCEEDED.value(), t.server.closeError().code(),
                t.server.closeError().toString());
        assertTrue(offset <= 2L * BOUND + piece.length, "within about the bound: " + offset + " bytes");
    }
}
