package qsock.tls.extension;

/**
 * early_data (RFC 8446 §4.2.10), in either of its forms: the empty indication of a ClientHello or
 * EncryptedExtensions ({@link EarlyDataIndication}), or a NewSessionTicket's limit
 * ({@link EarlyDataNewSessionTicket}).
 */
public sealed interface EarlyData extends Extension permits EarlyDataIndication, EarlyDataNewSessionTicket {

    @Override
    default int typeCode() {
        return ExtensionType.EARLY_DATA.code();
    }
}
