/**
 * What qsock-tls's handshake service does the same in process ({@link qsock.tls.TlsHandshakeService}) and out of
 * process ({@link qsock.tls.remote.HandshakeDaemon}): its configuration file, read again when it changes, and the
 * TLS configurations it makes of a {@link qsock.socket.HandshakeRequest}. Not exported: the module's own.
 */
package qsock.tls.service;
