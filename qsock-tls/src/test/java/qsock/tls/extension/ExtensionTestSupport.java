package qsock.tls.extension;

import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.HexFormat;
import java.util.List;
import qsock.tls.TlsAlert;
import qsock.tls.TlsAlertException;
import qsock.tls.codec.TlsReader;
import qsock.tls.codec.TlsWriter;
import qsock.tls.extension.ExtensionGenerators.Context;

/** Shorthands for the extension tests: blocks as hex in and out, and alert assertions. */
final class ExtensionTestSupport {

    private ExtensionTestSupport() {}

    /** Decodes a whole block (its 16-bit length included) and checks that nothing follows it. */
    static List<Extension> decode(Context c, String hex) throws TlsAlertException {
        TlsReader r = TlsReader.of(HexFormat.of().parseHex(hex));
        List<Extension> block = ExtensionCodec.decodeBlock(c.message(), c.helloRetryRequest(), r);
        r.expectEnd("test input");
        return block;
    }

    /** Decodes a block made of the given extensions, each as type, length and data in hex. */
    static List<Extension> decodeExtensions(Context c, String... extensionsHex) throws TlsAlertException {
        String all = String.join("", extensionsHex);
        return decode(c, String.format("%04x", all.length() / 2) + all);
    }

    static String encode(List<? extends Extension> block) {
        TlsWriter w = new TlsWriter();
        ExtensionCodec.encodeBlock(w, block);
        return HexFormat.of().formatHex(w.toByteArray());
    }

    static String encode(Extension e) {
        TlsWriter w = new TlsWriter();
        ExtensionCodec.encode(w, e);
        return HexFormat.of().formatHex(w.toByteArray());
    }

    @FunctionalInterface
    interface Decoding {
        void run() throws TlsAlertException;
    }

    static TlsAlertException assertAlert(TlsAlert expected, Decoding d) {
        TlsAlertException e = assertThrows(TlsAlertException.class, d::run);
        assertSame(expected, e.alert(), e.getMessage());
        return e;
    }
}
