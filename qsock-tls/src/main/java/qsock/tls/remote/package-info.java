/**
 * {@code qsock handshaked}: the handshake service out of process, so that private keys never enter the
 * application's process. {@link qsock.tls.remote.HandshakeDaemon} listens on a Unix domain socket and runs qsock-tls's
 * engine for each request against a proxy of the application's {@link qsock.core.handshake.HandshakeChannel}; the
 * application side is qsock-core's {@code HandshakeService.remote(Path)}. The protocol is described in
 * {@code qsock.socket.remote}.
 */
package qsock.tls.remote;
