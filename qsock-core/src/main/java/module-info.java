/**
 * qsock's QUIC transport: the sans-I/O protocol core and the socket API over it. Depends on the JDK alone.
 *
 * <p>The API is what is exported to everyone: {@link qsock.socket} (the socket, its options, events and
 * exceptions), {@link qsock.api} (configuration and the values the socket reports), {@link qsock.core.handshake}
 * (the channel through which a TLS 1.3 engine drives a connection's handshake, as libquic's or tlshd's does the
 * kernel's) and {@link qsock.core.error} (error codes, how a connection ended). The protocol internals are not
 * exported; the crypto primitives go to qsock's own TLS engine (HKDF for its key schedule) and to the benchmarks
 * that measure them, and to no one else.
 */
module qsock.core {
    requires jdk.net;
    // The endpoints' counters as MBeans (QuicEndpointMXBean).
    requires java.management;
    // Flight Recorder events of handshakes and connection ends (qsock.core.jfr).
    requires jdk.jfr;

    exports qsock.api;
    exports qsock.core.error;
    exports qsock.core.handshake;
    exports qsock.socket;

    // The handshake service (qsock's tlshd): a consumer finds it without linking a TLS engine; qsock-tls provides it.
    uses qsock.socket.HandshakeService;

    exports qsock.core.crypto to qsock.tls, qsock.bench;
    // The handshake daemon's wire protocol: this module's client side, qsock-tls's daemon side (qsock handshaked).
    exports qsock.socket.remote to qsock.tls;
    // The FFM UDP socket, measured against NIO before the runtime takes it up (issue 14).
    exports qsock.core.runtime.ffm to qsock.bench;
    // The TLS engine checks 0-RTT against the transport parameters a ticket remembers (RFC 9000 §7.4.1).
    exports qsock.core.params to qsock.tls;
    // routerd, which `qsock routerd` runs; listeners reach it through QuicSocketOptions.ROUTER.
    exports qsock.core.router to qsock.tools;
}
