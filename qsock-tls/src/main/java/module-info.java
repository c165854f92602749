/**
 * qsock's TLS 1.3 engine for QUIC (RFC 8446, RFC 9001), outside the transport as GnuTLS is for the kernel's QUIC:
 * it speaks to a connection only through the {@link qsock.core.handshake.HandshakeChannel}, on the JDK's
 * cryptography. {@link qsock.tls} has the configurations and the blocking handshake calls over a socket;
 * {@link qsock.tls.cert} the PEM files and certificate validation they take, {@link qsock.tls.jca} the key
 * exchange groups and signature schemes they name, {@link qsock.tls.ticket} the session tickets, their store
 * and 0-RTT anti-replay.
 */
module qsock.tls {
    requires transitive qsock.core;

    exports qsock.tls;
    exports qsock.tls.cert;
    exports qsock.tls.jca;
    exports qsock.tls.ticket;
    // qsock handshaked: the handshake service out of process (issue 16).
    exports qsock.tls.remote;

    // qsock's tlshd: consumers that link qsock-core alone find it through ServiceLoader.
    provides qsock.socket.HandshakeService with qsock.tls.TlsHandshakeService;
}
