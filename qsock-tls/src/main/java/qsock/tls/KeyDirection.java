package qsock.tls;

/** Which way a traffic secret protects packets, from the point of view of the engine's own endpoint. */
public enum KeyDirection {
    /** Protects what the peer sends: install as the decryption (open) keys. */
    READ,
    /** Protects what this endpoint sends: install as the encryption (seal) keys. */
    WRITE
}
