/**
 * Byte-level primitives shared by every wire format: variable-length integers and connection IDs.
 *
 * @spec https://www.rfc-editor.org/rfc/rfc9000#section-16 RFC 9000 §16, Variable-Length Integer Encoding
 */
package qsock.core.wire;
