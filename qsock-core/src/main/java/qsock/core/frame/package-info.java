/**
 * QUIC frames: one record per frame type under the sealed {@link qsock.core.frame.Frame}, the property
 * table {@link qsock.core.frame.FrameType} (permitted packet types, ack-eliciting, in flight, probing),
 * and the codec, {@link qsock.core.frame.FrameDecoder} and {@link qsock.core.frame.FrameEncoder}.
 *
 * @spec https://www.rfc-editor.org/rfc/rfc9000#section-12.4 RFC 9000 §12.4, Frames and Frame Types
 * @spec https://www.rfc-editor.org/rfc/rfc9000#section-19 RFC 9000 §19, Frame Types and Formats
 * @spec https://www.rfc-editor.org/rfc/rfc9002#section-2 RFC 9002 §2, Conventions and Definitions
 * @spec https://www.rfc-editor.org/rfc/rfc9221#section-4 RFC 9221 §4, Datagram Frame Types
 */
package qsock.core.frame;
