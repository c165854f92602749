package qsock.tls.cert;

import java.io.IOException;

/**
 * A PEM file's contents are not what was asked for: no matching block, a block that is not properly
 * closed, invalid base64, a certificate or key that does not decode, or an encrypted key (not supported).
 * The message says which, in words meant for the person who configured the file.
 */
public final class PemFormatException extends IOException {

    /** A malformed or unsupported PEM input, described by {@code message}. */
    public PemFormatException(String message) {
        super(message);
    }

    /** A malformed or unsupported PEM input, described by {@code message}, found by {@code cause}. */
    public PemFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
