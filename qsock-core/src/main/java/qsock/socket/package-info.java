/**
 * The socket API of qsock, after the Linux kernel's QUIC sockets (draft-lxin-quic-socket-apis): a
 * {@link qsock.socket.QuicSocket} is one listener or one connection on a UDP port; bind, listen, accept and
 * connect as for the kernel's sockets; stream data sent and received with a stream ID and flags; the
 * handshake run from outside through the socket's handshake channel.
 */
package qsock.socket;
