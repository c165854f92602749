package qsock.tls.fuzz;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.ByteBuffer;
import qsock.tls.TlsAlertException;
import qsock.tls.message.FramedMessage;
import qsock.tls.message.HandshakeCodec;
import qsock.tls.message.HandshakeFramer;
import qsock.tls.message.HandshakeMessage;

/**
 * Fuzzes the TLS handshake layer a peer's CRYPTO frames reach (RFC 9001 §4.1.3): the framer, then the codec of
 * every message (RFC 8446 §4) with the extensions they carry. The first input byte picks the negotiated hash length
 * a Finished is checked against (none yet, SHA-256, SHA-384). Its contract: framing and decoding throw only
 * {@link TlsAlertException}, and a decoded message encodes to bytes that decode to a message with the same
 * encoding.
 */
class HandshakeMessageFuzzTest {

    private static final int[] VERIFY_DATA_LENGTHS = {0, 32, 48};

    @FuzzTest
    void decodesOrRejectsAndRoundTripsWhatItDecoded(byte[] input) {
        if (input.length < 1) {
            return;
        }
        int verifyDataLength = VERIFY_DATA_LENGTHS[(input[0] & 0xff) % VERIFY_DATA_LENGTHS.length];
        HandshakeFramer framer = new HandshakeFramer();
        framer.feed(ByteBuffer.wrap(input, 1, input.length - 1));
        // Every message takes at least its 4-byte header, so the framer hands out at most that many.
        for (int messages = 0; messages <= input.length / FramedMessage.HEADER_LENGTH; messages++) {
            FramedMessage framed;
            HandshakeMessage message;
            try {
                framed = framer.next();
                if (framed == null) {
                    return;
                }
                message = HandshakeCodec.decode(framed, verifyDataLength);
            } catch (TlsAlertException e) {
                return;
            }
            assertNotNull(message.type());
            assertEquals(framed.type(), message.type().code(), "the type decoded");
            byte[] encoded = HandshakeCodec.encode(message);
            HandshakeMessage again;
            try {
                again = HandshakeCodec.decode(encoded[0] & 0xff,
                        ByteBuffer.wrap(encoded, FramedMessage.HEADER_LENGTH,
                                encoded.length - FramedMessage.HEADER_LENGTH), verifyDataLength);
            } catch (TlsAlertException e) {
                throw new AssertionError("the encoding of " + message + " does not decode", e);
            }
            assertArrayEquals(encoded, HandshakeCodec.encode(again), "round trip");
        }
        throw new AssertionError("the framer handed out more messages than the input holds");
    }
}
