/**
 * Loss recovery (RFC 9002 §5, §6, Appendix A) and acknowledgment generation (RFC 9000 §13.2), sans-I/O:
 * every time is a {@code long} of nanoseconds passed in, compared by subtraction, with
 * {@link java.lang.Long#MAX_VALUE} meaning "no deadline".
 *
 * <ul>
 *   <li>{@link qsock.core.recovery.RttEstimator}: latest, minimum and smoothed RTT and its variation.
 *   <li>{@link qsock.core.recovery.SentPacketLog} and {@link qsock.core.recovery.SentPacket}: the sent,
 *       unacknowledged packets of one packet number space, as a ring of pooled entries.
 *   <li>{@link qsock.core.recovery.LossDetector}: acknowledgment processing, loss detection, the probe
 *       timeout and persistent congestion, reporting through a reusable
 *       {@link qsock.core.recovery.AckOutcome}.
 *   <li>{@link qsock.core.recovery.AckTracker}: received packet numbers, duplicate detection, when to
 *       acknowledge, and the ACK frame.
 * </ul>
 *
 * @spec https://www.rfc-editor.org/rfc/rfc9002 RFC 9002, QUIC Loss Detection and Congestion Control
 * @spec https://www.rfc-editor.org/rfc/rfc9000#section-13.2 RFC 9000 §13.2, Generating Acknowledgments
 */
package qsock.core.recovery;
