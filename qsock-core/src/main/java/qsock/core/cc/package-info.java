/**
 * Congestion control: the {@link qsock.core.cc.CongestionController} contract, with
 * {@link qsock.core.cc.NewReno} and {@link qsock.core.cc.Cubic} (HyStart++ in its first slow start) behind it,
 * chosen by {@link qsock.api.CongestionAlgorithm}, and the {@link qsock.core.cc.Pacer} that spreads the
 * window over a round trip.
 *
 * <p>Everything here is sans-I/O: times are {@code long} nanoseconds passed in by the caller and compared by
 * subtraction, nothing reads a clock, nothing allocates per packet. The controllers count bytes in flight
 * and grow or shrink the window; loss detection (which packets are acknowledged or lost, and when
 * persistent congestion holds) is the recovery package's job.
 *
 * @spec https://www.rfc-editor.org/rfc/rfc9002#section-7 RFC 9002 §7, Congestion Control
 * @spec https://www.rfc-editor.org/rfc/rfc9002#appendix-B RFC 9002 Appendix B, Congestion Control Pseudocode
 * @spec https://www.rfc-editor.org/rfc/rfc9438 RFC 9438, CUBIC for Fast and Long-Distance Networks
 * @spec https://www.rfc-editor.org/rfc/rfc9406 RFC 9406, HyStart++: Modified Slow Start for TCP
 */
package qsock.core.cc;
