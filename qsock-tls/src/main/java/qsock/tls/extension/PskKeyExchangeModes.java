package qsock.tls.extension;

import java.util.List;
import qsock.tls.TlsAlertException;
import qsock.tls.codec.TlsChecks;
import qsock.tls.codec.TlsReader;
import qsock.tls.codec.TlsWriter;

/**
 * psk_key_exchange_modes (RFC 8446 §4.2.9): the modes in which the client will use a PSK; on the wire
 * {@code PskKeyExchangeMode ke_modes<1..255>}. Unknown mode values are kept: the server ignores them.
 *
 * @param keModes the PskKeyExchangeMode codes, such as {@link #PSK_KE} and {@link #PSK_DHE_KE}
 */
public record PskKeyExchangeModes(List<Integer> keModes) implements Extension {

    /** psk_ke: PSK-only key establishment. */
    public static final int PSK_KE = 0;

    /** psk_dhe_ke: PSK with (EC)DHE key establishment. */
    public static final int PSK_DHE_KE = 1;

    /** @throws IllegalArgumentException if the list is empty, longer than 255, or holds a value that is not a uint8 */
    public PskKeyExchangeModes {
        keModes = TlsChecks.u8List(keModes, 1, 255, "ke_modes");
    }

    /** {@return the extension for these modes} */
    public static PskKeyExchangeModes of(Integer... modes) {
        return new PskKeyExchangeModes(List.of(modes));
    }

    @Override
    public int typeCode() {
        return ExtensionType.PSK_KEY_EXCHANGE_MODES.code();
    }

    void encodeData(TlsWriter w) {
        w.u8List8(keModes);
    }

    static PskKeyExchangeModes decode(TlsReader data) throws TlsAlertException {
        return new PskKeyExchangeModes(data.u8List8("ke_modes", 1, 255));
    }
}
