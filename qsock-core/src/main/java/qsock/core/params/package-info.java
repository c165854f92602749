/**
 * QUIC transport parameters: the values each endpoint declares in the TLS quic_transport_parameters
 * extension, their wire encoding, and every check RFC 9000 and its extensions put on a peer's set.
 *
 * <p>{@link qsock.core.params.TransportParameters} is the immutable set, built through its validating
 * builder or decoded from a peer's bytes; {@link qsock.core.params.TransportParameterId} is the table of
 * code points with each parameter's kind, range and default.
 *
 * @spec https://www.rfc-editor.org/rfc/rfc9000#section-18 RFC 9000 §18, Transport Parameter Encoding
 * @spec https://www.rfc-editor.org/rfc/rfc9000#section-7.3 RFC 9000 §7.3, Authenticating Connection IDs
 * @spec https://www.rfc-editor.org/rfc/rfc9000#section-7.4 RFC 9000 §7.4, Transport Parameters
 * @spec https://www.rfc-editor.org/rfc/rfc9368#section-3 RFC 9368 §3, Version Information
 * @spec https://www.rfc-editor.org/rfc/rfc9221#section-3 RFC 9221 §3, Transport Parameter
 * @spec https://www.rfc-editor.org/rfc/rfc9287#section-3 RFC 9287 §3, The Grease QUIC Bit Transport Parameter
 */
package qsock.core.params;
