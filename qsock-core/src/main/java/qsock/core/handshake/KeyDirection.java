package qsock.core.handshake;

/**
 * Which way a traffic secret protects packets, from the point of view of the endpoint that holds it: the
 * handshake hands secrets to the transport with a direction (RFC 9001 §4.1.4).
 */
public enum KeyDirection {
    /** Protects what the peer sends: install as the decryption (open) keys. */
    READ,
    /** Protects what this endpoint sends: install as the encryption (seal) keys. */
    WRITE
}
