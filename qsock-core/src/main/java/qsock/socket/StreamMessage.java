package qsock.socket;

/**
 * What one {@link QuicSocket#receive} call read: the kernel's stream information of recvmsg
 * (draft-lxin-quic-socket-apis §5.3.1).
 *
 * @param streamId the stream the bytes belong to
 * @param length the bytes written to the caller's buffer (0 with {@code fin} when only the end was left)
 * @param fin true if the stream's end was read: no more data comes on it
 */
public record StreamMessage(long streamId, int length, boolean fin) {}
