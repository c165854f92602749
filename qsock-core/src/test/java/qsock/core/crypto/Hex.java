package qsock.core.crypto;

import java.util.HexFormat;

/** Hex for the RFC vectors: text blocks copied from the RFCs, whitespace and line breaks ignored. */
final class Hex {

    private Hex() {}

    /** {@return the bytes of {@code text}, hex digits with any whitespace between them} */
    static byte[] bytes(String text) {
        return HexFormat.of().parseHex(text.replaceAll("\\s+", ""));
    }

    /** {@return the lower-case hex of {@code b}} */
    static String of(byte[] b) {
        return HexFormat.of().formatHex(b);
    }
}
