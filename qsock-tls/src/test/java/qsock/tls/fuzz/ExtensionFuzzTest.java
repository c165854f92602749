package qsock.tls.fuzz;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.Arrays;
import java.util.List;
import qsock.tls.TlsAlertException;
import qsock.tls.codec.TlsReader;
import qsock.tls.codec.TlsWriter;
import qsock.tls.extension.Extension;
import qsock.tls.extension.ExtensionCodec;
import qsock.tls.message.HandshakeType;

/**
 * Fuzzes the TLS extension codec (RFC 8446 §4.2) in each message that carries an extension block; the first input
 * byte picks the message (ClientHello, ServerHello, HelloRetryRequest, EncryptedExtensions, a Certificate entry,
 * CertificateRequest, NewSessionTicket). Its contract: a block decodes or throws {@link TlsAlertException}, and the
 * extensions decoded encode to a block of the length announced that decodes to the same extensions.
 */
class ExtensionFuzzTest {

    private static final HandshakeType[] CONTEXTS = {HandshakeType.CLIENT_HELLO, HandshakeType.SERVER_HELLO,
        HandshakeType.SERVER_HELLO, HandshakeType.ENCRYPTED_EXTENSIONS, HandshakeType.CERTIFICATE,
        HandshakeType.CERTIFICATE_REQUEST, HandshakeType.NEW_SESSION_TICKET};

    @FuzzTest
    void decodesOrRejectsAndRoundTripsWhatItDecoded(byte[] input) {
        if (input.length < 1) {
            return;
        }
        int pick = (input[0] & 0xff) % CONTEXTS.length;
        HandshakeType context = CONTEXTS[pick];
        boolean helloRetryRequest = pick == 2;
        byte[] block = Arrays.copyOfRange(input, 1, input.length);
        List<Extension> extensions;
        try {
            extensions = ExtensionCodec.decodeBlock(context, helloRetryRequest, TlsReader.of(block));
        } catch (TlsAlertException e) {
            return;
        }
        TlsWriter w = new TlsWriter();
        ExtensionCodec.encodeBlock(w, extensions);
        byte[] encoded = w.toByteArray();
        assertEquals(ExtensionCodec.blockLength(extensions), encoded.length, "blockLength");
        List<Extension> again;
        try {
            again = ExtensionCodec.decodeBlock(context, helloRetryRequest, TlsReader.of(encoded));
        } catch (TlsAlertException e) {
            throw new AssertionError("the encoding of " + extensions + " does not decode", e);
        }
        TlsWriter w2 = new TlsWriter();
        ExtensionCodec.encodeBlock(w2, again);
        assertArrayEquals(encoded, w2.toByteArray(), "round trip");
        assertEquals(extensions.size(), again.size(), "extensions lost in the round trip");
    }
}
