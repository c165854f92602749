/**
 * The wire protocol between an application and {@code qsock handshaked}, the handshake service running out of
 * process so that private keys never enter the application's process: the application's socket passes the
 * handshake bytes it receives and the transport's state, the daemon's TLS engine answers with the bytes to send,
 * the traffic secrets, the peer's transport parameters and the outcome. Lock-step over a Unix domain stream
 * socket: each side sends zero or more item frames, then one frame that ends its turn ({@link FrameType#endsTurn()}).
 *
 * <p>Frames: {@code type (1) | length (3, big-endian) | payload (length)}, every length bounded
 * ({@link FrameChannel#MAX_PAYLOAD}); strings are UTF-8 with a one- or two-byte length. Exported to qsock-tls only,
 * whose daemon speaks the other side.
 */
package qsock.socket.remote;
