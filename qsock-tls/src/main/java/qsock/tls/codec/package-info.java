/**
 * The TLS presentation language (RFC 8446 §3) as bounded cursors: {@link qsock.tls.codec.TlsReader} reads
 * u8/u16/u24/u32 numbers and vectors with 8-, 16- and 24-bit length prefixes from a buffer, checking every
 * length against what remains and against the vector's declared bounds; {@link qsock.tls.codec.TlsWriter}
 * writes them into a growable array, back-patching nested length prefixes; {@link qsock.tls.codec.Opaque}
 * is the immutable byte string that message and extension records hold; {@link qsock.tls.codec.TlsChecks}
 * holds the range checks that records apply to values they are built from.
 *
 * <p>Input from the peer that breaks the syntax raises {@link qsock.tls.TlsAlertException} with
 * {@link qsock.tls.TlsAlert#DECODE_ERROR} and nothing else: no read goes past its input and no allocation is
 * sized by a length the peer declared before that length is checked against the bytes present. Values our
 * own code passes that do not fit their field raise {@link IllegalArgumentException}.
 *
 * @spec https://www.rfc-editor.org/rfc/rfc8446#section-3 RFC 8446 §3, Presentation Language
 */
package qsock.tls.codec;
