/**
 * Streams and flow control: stream identifiers ({@link qsock.core.stream.StreamId}), the send and receive
 * halves of a stream with the state machines of RFC 9000 §3 ({@link qsock.core.stream.SendStream},
 * {@link qsock.core.stream.RecvStream}), the byte stores under them ({@link qsock.core.stream.SendBuffer},
 * {@link qsock.core.stream.ReassemblyBuffer}, both reused for CRYPTO data), receive windows with
 * auto-tuning ({@link qsock.core.stream.FlowWindow}) and the {@link qsock.core.stream.StreamManager} that
 * enforces stream and connection limits, bounds what the application queues for sending (per stream and per
 * connection) and fills packets with stream and flow-control frames.
 *
 * @spec https://www.rfc-editor.org/rfc/rfc9000#section-2 RFC 9000 §2, Streams
 * @spec https://www.rfc-editor.org/rfc/rfc9000#section-3 RFC 9000 §3, Stream States
 * @spec https://www.rfc-editor.org/rfc/rfc9000#section-4 RFC 9000 §4, Flow Control
 */
package qsock.core.stream;
