package qsock.tls.extension;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import qsock.core.testing.Generators;
import qsock.core.testing.Properties;
import qsock.tls.TlsAlertException;
import qsock.tls.codec.TlsReader;
import qsock.tls.codec.TlsWriter;
import qsock.tls.extension.ExtensionGenerators.Context;
import qsock.tls.message.HandshakeType;

/** Random valid blocks round-trip; random and damaged bytes decode or raise an alert, nothing else. */
class ExtensionPropertiesTest {

    record Block(Context context, List<Extension> extensions) {}

    record Input(Context context, byte[] bytes) {
        @Override
        public String toString() {
            return context + " " + HexFormat.of().formatHex(bytes);
        }
    }

    /** A valid block for a random context; empty ClientHello and ServerHello blocks are left out, since those messages omit them. */
    private static Block block(SplittableRandom r) {
        Context c = ExtensionGenerators.context(r);
        List<Extension> block;
        do {
            block = ExtensionGenerators.block(r, c);
        } while (block.isEmpty() && (c.message() == HandshakeType.CLIENT_HELLO || c.message() == HandshakeType.SERVER_HELLO));
        return new Block(c, block);
    }

    private static byte[] encode(List<Extension> block) {
        TlsWriter w = new TlsWriter();
        ExtensionCodec.encodeBlock(w, block);
        return w.toByteArray();
    }

    @Test
    void validBlocksRoundTrip() {
        Properties.forAll(ExtensionPropertiesTest::block, b -> {
            byte[] wire = encode(b.extensions());
            assertEquals(wire.length, ExtensionCodec.blockLength(b.extensions()));
            try {
                TlsReader r = TlsReader.of(wire);
                List<Extension> decoded = ExtensionCodec.decodeBlock(b.context().message(),
                        b.context().helloRetryRequest(), r);
                assertEquals(b.extensions(), decoded);
                assertEquals(0, r.remaining());
            } catch (TlsAlertException e) {
                fail(e);
            }
            assertEquals(b.extensions(), ExtensionCodec.checkBlock(b.context().message(),
                    b.context().helloRetryRequest(), b.extensions()));
        });
    }

    @Test
    void randomBytesDecodeCanonicallyOrRaiseAnAlert() {
        Properties.forAll(r -> {
            Context c = ExtensionGenerators.context(r);
            byte[] body = Generators.bytesUpTo(r, 60);
            // Half the inputs get a correct block length, so that decoding goes past the first check.
            byte[] bytes = new byte[body.length + 2];
            System.arraycopy(body, 0, bytes, 2, body.length);
            int length = r.nextBoolean() ? body.length : r.nextInt(0x10000);
            bytes[0] = (byte) (length >>> 8);
            bytes[1] = (byte) length;
            return new Input(c, bytes);
        }, ExtensionPropertiesTest::decodesCanonicallyOrRaisesAnAlert);
    }

    @Test
    void damagedBlocksDecodeCanonicallyOrRaiseAnAlert() {
        Properties.forAll(r -> {
            Block b = block(r);
            return new Input(b.context(), Mutations.mutate(r, encode(b.extensions())));
        }, ExtensionPropertiesTest::decodesCanonicallyOrRaisesAnAlert);
    }

    @Test
    void everyTruncationOfAValidBlockIsADecodeError() {
        Properties.forAll(200, ExtensionPropertiesTest::block, b -> {
            byte[] wire = encode(b.extensions());
            for (int n = 0; n < wire.length; n++) {
                byte[] cut = java.util.Arrays.copyOf(wire, n);
                try {
                    ExtensionCodec.decodeBlock(b.context().message(), b.context().helloRetryRequest(),
                            TlsReader.of(cut));
                    fail("a block cut to " + n + " of " + wire.length + " bytes decoded");
                } catch (TlsAlertException e) {
                    assertEquals(qsock.tls.TlsAlert.DECODE_ERROR, e.alert());
                }
            }
        });
    }

    /** Decoding gives an alert, or extensions that encode back to exactly the bytes read. */
    private static void decodesCanonicallyOrRaisesAnAlert(Input in) {
        TlsReader r = TlsReader.of(in.bytes());
        List<Extension> decoded;
        try {
            decoded = ExtensionCodec.decodeBlock(in.context().message(), in.context().helloRetryRequest(), r);
        } catch (TlsAlertException expected) {
            return;
        }
        byte[] read = java.util.Arrays.copyOf(in.bytes(), r.position());
        assertArrayEquals(read, encode(decoded));
    }
}
