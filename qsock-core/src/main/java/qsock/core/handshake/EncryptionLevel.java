package qsock.core.handshake;

/**
 * The encryption levels at which TLS hands messages and secrets to QUIC (RFC 9001 §4.1.4). Each level but
 * 0-RTT carries CRYPTO frames; each has its own keys, installed from the secrets the handshake produces.
 */
public enum EncryptionLevel {
    /** Keys from the client's first Destination Connection ID; ClientHello and ServerHello. */
    INITIAL,
    /** Early data keys from a resumed session; no handshake messages. */
    EARLY_DATA,
    /** Handshake keys; EncryptedExtensions to Finished. */
    HANDSHAKE,
    /** Application (1-RTT) keys; post-handshake messages such as NewSessionTicket. */
    APPLICATION
}
