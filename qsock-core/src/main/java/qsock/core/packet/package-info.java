/**
 * Packet formats: long and short headers for QUIC v1 and v2, Version Negotiation, Retry, Stateless Reset,
 * coalesced packets, and packet number encoding. Parsing reads offsets into the datagram buffer and
 * copies nothing; packet protection works on the same buffer afterwards.
 *
 * @spec https://www.rfc-editor.org/rfc/rfc9000#section-17 RFC 9000 §17, Packet Formats
 * @spec https://www.rfc-editor.org/rfc/rfc8999 RFC 8999, Version-Independent Properties of QUIC
 * @spec https://www.rfc-editor.org/rfc/rfc9369#section-3 RFC 9369 §3, QUIC Version 2 differences
 */
package qsock.core.packet;
