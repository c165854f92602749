package qsock.socket;

/**
 * Why a {@link HandshakeService} could not establish a connection, as a consumer that knows no TLS must tell the
 * cases apart: retry later (a timeout), fix the peer's or the local configuration, or install a service. The
 * kernel's handshake consumers (SMB, NFS) get the same distinction from tlshd as an errno, named on each constant.
 */
public enum HandshakeFailure {
    /**
     * No handshake service is installed: no provider of {@link HandshakeService} on the module or class path, or no
     * {@code qsock handshaked} listening on the socket {@link HandshakeService#remote} names (for the kernel's
     * consumers, no tlshd listening for handshake requests).
     */
    NO_SERVICE,
    /**
     * The service is there but cannot run this handshake: its configuration file is missing or malformed, or
     * names no credential for what was asked (a PSK identity it does not hold, a server with no certificate and
     * no key). tlshd reports this as {@code EINVAL}.
     */
    LOCAL_CONFIGURATION,
    /** The handshake did not complete within the timeout; the connection was closed. {@code ETIMEDOUT}. */
    TIMEOUT,
    /**
     * The peer refused the handshake with a TLS alert (RFC 8446 §6.2): our certificate, our PSK or our ALPNs were
     * not acceptable to it. {@code EACCES}.
     */
    PEER_REJECTED,
    /**
     * We refused the peer with a TLS alert: its certificate did not validate or did not name the identity asked
     * for, it offered no acceptable PSK or ALPN. {@code EACCES}.
     */
    AUTHENTICATION_FAILED,
    /**
     * The connection ended during the handshake without a TLS alert (closed by either side, an I/O error, an
     * interrupt). {@code EIO}.
     */
    CONNECTION_FAILED
}
