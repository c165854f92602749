/**
 * The handshake path between the transport and a TLS stack that runs outside it (RFC 9001 §4): the
 * {@link qsock.core.handshake.HandshakeChannel} a connection offers to whatever drives its handshake.
 */
package qsock.core.handshake;
