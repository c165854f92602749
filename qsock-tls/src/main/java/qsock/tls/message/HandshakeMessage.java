package qsock.tls.message;

/**
 * A TLS 1.3 handshake message (RFC 8446 §4): one record per message type, so that the engine's
 * {@code switch} over a decoded message is exhaustive.
 *
 * <p>Records check their values when built and refuse, with {@link IllegalArgumentException}, anything
 * their fields cannot carry or that RFC 8446 forbids in the message by itself (a misplaced or duplicated
 * extension, for instance): a message that exists can be encoded, and decodes back to itself. Encoding and
 * decoding are {@link HandshakeCodec}'s.
 */
public sealed interface HandshakeMessage
        permits ClientHello, ServerHello, EncryptedExtensions, CertificateRequest, Certificate, CertificateVerify,
                Finished, NewSessionTicket, EndOfEarlyData, KeyUpdate {

    /** {@return the message's type} */
    HandshakeType type();
}
