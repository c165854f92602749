package qsock.tls.extension;

import qsock.tls.codec.Opaque;
import qsock.tls.codec.TlsChecks;

/**
 * An extension this package does not parse, kept with its data: a type from outside
 * {@link ExtensionType} (a ClientHello's GREASE values, record_size_limit...), or one of the table's types
 * without a record of its own (status_request, padding...). Servers ignore unknown ClientHello
 * extensions (RFC 8446 §4.1.2); in other messages, an extension the client did not offer is the engine's
 * unsupported_extension (RFC 8446 §4.2).
 *
 * @param typeCode the extension_type
 * @param data the extension_data
 */
public record Unknown(int typeCode, Opaque data) implements Extension {

    /**
     * @throws IllegalArgumentException if the type is not a uint16 or has its own record here (use that
     *     record, so that each extension has one representation), or the data is longer than 2^16-1 bytes
     */
    public Unknown {
        TlsChecks.u16(typeCode, "extension_type");
        ExtensionType known = ExtensionType.fromCode(typeCode);
        if (known != null && known.parsed()) {
            throw new IllegalArgumentException(known + " has its own record");
        }
        TlsChecks.length(data, 0, 0xFFFF, "extension_data");
    }
}
