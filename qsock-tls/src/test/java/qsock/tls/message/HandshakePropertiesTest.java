package qsock.tls.message;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import qsock.core.testing.Generators;
import qsock.core.testing.Properties;
import qsock.tls.TlsAlertException;
import qsock.tls.extension.Mutations;

/** Random valid messages round-trip; random, damaged and cut bytes decode canonically or raise an alert, nothing else. */
class HandshakePropertiesTest {

    /** A body to decode as a message of a type. */
    record Input(int type, byte[] body) {
        @Override
        public String toString() {
            return "type " + type + " body " + HexFormat.of().formatHex(body);
        }
    }

    private static final int[] TYPES = {1, 2, 4, 5, 8, 11, 13, 15, 20, 24};

    @Test
    void validMessagesRoundTrip() {
        Properties.forAll(MessageGenerators::message, m -> {
            byte[] wire = HandshakeCodec.encode(m);
            FramedMessage framed = FramedMessage.of(ByteBuffer.wrap(wire));
            assertEquals(m.type().code(), framed.type());
            try {
                HandshakeMessage decoded = HandshakeCodec.decode(framed, MessageGenerators.verifyDataLength(m));
                assertEquals(m, decoded);
                assertArrayEquals(wire, HandshakeCodec.encode(decoded));
            } catch (TlsAlertException e) {
                fail(e);
            }
        });
    }

    @Test
    void randomBodiesDecodeCanonicallyOrRaiseAnAlert() {
        Properties.forAll(r -> new Input(r.nextInt(8) == 0 ? r.nextInt(256) : TYPES[r.nextInt(TYPES.length)],
                Generators.bytesUpTo(r, 120)), HandshakePropertiesTest::decodesCanonicallyOrRaisesAnAlert);
    }

    @Test
    void damagedMessagesDecodeCanonicallyOrRaiseAnAlert() {
        Properties.forAll(r -> {
            byte[] wire = Mutations.mutate(r, HandshakeCodec.encode(MessageGenerators.message(r)));
            // The type byte may be damaged too; the length field is the framer's business, not the decoder's.
            int type = wire.length > 0 ? wire[0] & 0xFF : 1;
            return new Input(type, wire.length > 4 ? Arrays.copyOfRange(wire, 4, wire.length) : new byte[0]);
        }, HandshakePropertiesTest::decodesCanonicallyOrRaisesAnAlert);
    }

    @Test
    void cutMessagesDecodeCanonicallyOrRaiseAnAlert() {
        Properties.forAll(200, MessageGenerators::message, m -> {
            byte[] wire = HandshakeCodec.encode(m);
            for (int n = 4; n < wire.length; n++) {
                decodesCanonicallyOrRaisesAnAlert(new Input(wire[0] & 0xFF, Arrays.copyOfRange(wire, 4, n)));
            }
        });
    }

    /** Decoding gives an alert, or a message that encodes back to exactly the body read. */
    private static void decodesCanonicallyOrRaisesAnAlert(Input in) {
        // A Finished takes its length from the handshake state; here any body is a plausible hash length.
        int verifyDataLength = in.body().length >= 1 && in.body().length <= 255 ? in.body().length : 32;
        HandshakeMessage m;
        try {
            m = HandshakeCodec.decode(in.type(), ByteBuffer.wrap(in.body()), verifyDataLength);
        } catch (TlsAlertException expected) {
            return;
        }
        byte[] wire = HandshakeCodec.encode(m);
        assertEquals(in.type(), wire[0] & 0xFF);
        assertArrayEquals(in.body(), Arrays.copyOfRange(wire, 4, wire.length));
    }
}
