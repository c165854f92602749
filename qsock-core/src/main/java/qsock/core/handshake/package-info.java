/**
 * The handshake path between the transport and a TLS stack that runs outside it (RFC 9001 §4): the
 * {@link qsock.core.handshake.HandshakeChannel} a connection offers to whatever drives its handshake, and the
 * values that cross it (encryption levels, key directions, cipher suites and their hash functions). Exported to
 * every module, so that another TLS engine can drive a qsock connection as qsock-tls does.
 */
package qsock.core.handshake;
