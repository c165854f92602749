package qsock.tls.extension;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import qsock.tls.TlsAlertException;
import qsock.tls.codec.Opaque;
import qsock.tls.codec.TlsChecks;
import qsock.tls.codec.TlsReader;
import qsock.tls.codec.TlsWriter;

/**
 * application_layer_protocol_negotiation (RFC 7301 §3.1): the protocols the client offers, most preferred
 * first, or in EncryptedExtensions the one the server selected.
 *
 * <p>A protocol name is a byte string of 1 to 255 bytes; it is held here as a string with one character
 * per byte (ISO-8859-1), so that {@code "h3"} reads naturally and any byte value round-trips. Empty names
 * and empty lists are decode_error ({@code ProtocolName protocol_name_list<2..2^16-1>}, {@code opaque
 * ProtocolName<1..2^8-1>}; "Empty strings MUST NOT be included").
 *
 * @param protocols the protocol names, in order
 */
public record ApplicationLayerProtocolNegotiation(List<String> protocols) implements Extension {

    /**
     * @throws IllegalArgumentException if the list is empty, a name is empty or longer than 255 characters,
     *     or a name has a character above 0xFF
     */
    public ApplicationLayerProtocolNegotiation {
        protocols = TlsChecks.list(protocols, 1, 0xFFFF / 2, "protocol_name_list");
        for (String p : protocols) {
            if (p.isEmpty() || p.length() > 0xFF) {
                throw new IllegalArgumentException("ProtocolName of " + p.length() + " bytes, not in 1..255");
            }
            for (int i = 0; i < p.length(); i++) {
                if (p.charAt(i) > 0xFF) {
                    throw new IllegalArgumentException("ProtocolName character above 0xFF at " + i);
                }
            }
        }
    }

    /** {@return the extension for these protocol names} */
    public static ApplicationLayerProtocolNegotiation of(String... protocols) {
        return new ApplicationLayerProtocolNegotiation(List.of(protocols));
    }

    @Override
    public int typeCode() {
        return ExtensionType.APPLICATION_LAYER_PROTOCOL_NEGOTIATION.code();
    }

    void encodeData(TlsWriter w) {
        int list = w.startVector16();
        for (String p : protocols) {
            w.opaque8(Opaque.of(p.getBytes(StandardCharsets.ISO_8859_1)));
        }
        w.endVector16(list);
    }

    static ApplicationLayerProtocolNegotiation decode(TlsReader data) throws TlsAlertException {
        TlsReader list = data.vector16("protocol_name_list", 2, 0xFFFF);
        List<String> names = new ArrayList<>();
        while (list.hasRemaining()) {
            names.add(new String(list.opaque8("ProtocolName", 1, 0xFF).toByteArray(), StandardCharsets.ISO_8859_1));
        }
        return new ApplicationLayerProtocolNegotiation(names);
    }
}
