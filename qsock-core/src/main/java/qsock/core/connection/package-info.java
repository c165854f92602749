/**
 * The connection state machine (RFC 9000, 9001, 9002), sans-I/O: packets in and out, handshake through
 * {@link qsock.core.handshake.HandshakeChannel}, recovery, congestion, streams and connection IDs wired
 * together.
 */
package qsock.core.connection;
